import marshmallow as ma


class UserSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    phone = ma.fields.String()
    name = ma.fields.String()
    roles = ma.fields.Method("role_list")
    household_id = ma.fields.Integer(allow_none=True)
    party_group_id = ma.fields.Integer(allow_none=True)
    locale = ma.fields.String(allow_none=True)

    def role_list(self, user) -> list[str]:
        return sorted(r.name.value for r in user.roles)


class TokenCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    days = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=365),
                             metadata={"description": "how long the token lasts; 90 days unless given"})


class TokenSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    prefix = ma.fields.String()
    created_at = ma.fields.DateTime()
    last_used_at = ma.fields.DateTime(allow_none=True)
    expires_at = ma.fields.DateTime(allow_none=True)
    revoked_at = ma.fields.DateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = ma.fields.String(metadata={"description": "shown once; store it now"})
