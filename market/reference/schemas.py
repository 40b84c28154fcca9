"""JSON shapes of the reference API. Prices are strings with two decimals (元/公斤)."""
from __future__ import annotations

import marshmallow as ma

from models import PayoutMethod, RoleName

from ..api import PageArgsSchema, page_schema

_name = dict(validate=ma.validate.Length(min=1, max=64))


def patch_of(schema: type[ma.Schema]) -> ma.Schema:
    """The same fields, every one optional: a PATCH body."""
    name = schema.__name__.replace("CreateSchema", "PatchSchema")
    return type(name, (schema,), {})(partial=True)


# --- villages and party organisation -------------------------------------------------

class VillageSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(metadata={"description": "12-digit statistical area code"})
    name = ma.fields.String()
    township = ma.fields.String()
    county = ma.fields.String()


class VillageCreateSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "exactly 12 digits"})
    name = ma.fields.String(required=True, **_name)
    township = ma.fields.String(load_default="")
    county = ma.fields.String(load_default="")


class VillageGroupSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    village_id = ma.fields.Integer()
    number = ma.fields.Integer()
    name = ma.fields.String()


class VillageGroupCreateSchema(ma.Schema):
    village_id = ma.fields.Integer(required=True)
    number = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=999))
    name = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))


class VillageGroupPatchSchema(ma.Schema):
    number = ma.fields.Integer(validate=ma.validate.Range(min=1, max=999))
    name = ma.fields.String(**_name)


class PartyBranchSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    village_id = ma.fields.Integer()
    name = ma.fields.String()
    secretary = ma.fields.String()


class PartyBranchCreateSchema(ma.Schema):
    village_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True, **_name)
    secretary = ma.fields.String(load_default="")


class PartyGroupSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    branch_id = ma.fields.Integer()
    name = ma.fields.String()
    leader = ma.fields.String()


class PartyGroupCreateSchema(ma.Schema):
    branch_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True, **_name)
    leader = ma.fields.String(load_default="")


class PartyGroupPatchSchema(ma.Schema):
    name = ma.fields.String(**_name)
    leader = ma.fields.String()


class VillageGroupArgsSchema(PageArgsSchema):
    village_id = ma.fields.Integer()


class PartyBranchArgsSchema(PageArgsSchema):
    village_id = ma.fields.Integer()


class PartyGroupArgsSchema(PageArgsSchema):
    branch_id = ma.fields.Integer()
    village_id = ma.fields.Integer()


# --- households -----------------------------------------------------------------------

class HouseholdSchema(ma.Schema):
    """ID, phone and account numbers are masked unless ``revealed`` is true."""

    id = ma.fields.Integer()
    head_name = ma.fields.String()
    id_number = ma.fields.String(metadata={"description": "masked unless revealed"})
    phone = ma.fields.String(metadata={"description": "masked unless revealed"})
    village_id = ma.fields.Integer()
    village_name = ma.fields.String()
    group_id = ma.fields.Integer(allow_none=True)
    group_name = ma.fields.String(allow_none=True)
    party_group_id = ma.fields.Integer(allow_none=True)
    party_group_name = ma.fields.String(allow_none=True)
    payout_method = ma.fields.Enum(PayoutMethod, by_value=True)
    bank_name = ma.fields.String()
    account_number = ma.fields.String(metadata={"description": "masked unless revealed"})
    priority = ma.fields.Boolean()
    note = ma.fields.String()
    active = ma.fields.Boolean()
    created_at = ma.fields.DateTime()
    revealed = ma.fields.Boolean(metadata={"description": "true when full numbers are shown (audited)"})
    payee_changed_at = ma.fields.AwareDateTime(allow_none=True, metadata={
        "description": "when the last approved change of payout method or account took effect"})
    payee_change = ma.fields.Nested(lambda: WaitingPayeeChangeSchema(), allow_none=True, metadata={
        "description": "a change of payout method or account waiting for an accountant's approval"})


class WaitingPayeeChangeSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String()
    requested_at = ma.fields.AwareDateTime()
    payout_method = ma.fields.String()
    bank_name = ma.fields.String()
    account_number = ma.fields.String(metadata={"description": "masked"})


class PayeeChangeSchema(ma.Schema):
    """A request to change where a household is paid; numbers in full (accountants and admins)."""

    id = ma.fields.Integer()
    household_id = ma.fields.Integer()
    household_name = ma.fields.Function(lambda c: c.household.head_name)
    status = ma.fields.Function(lambda c: c.status.value)
    payout_method = ma.fields.Function(lambda c: c.payout_method.value)
    bank_name = ma.fields.String()
    account_number = ma.fields.String()
    old_payout_method = ma.fields.Function(lambda c: c.old_payout_method.value)
    old_bank_name = ma.fields.String()
    old_account_number = ma.fields.String()
    requested_by = ma.fields.Function(lambda c: {"id": c.requested_by.id, "name": c.requested_by.name})
    requested_at = ma.fields.AwareDateTime()
    decided_by = ma.fields.Function(lambda c: {"id": c.decided_by.id, "name": c.decided_by.name}
                                    if c.decided_by else None)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    reason = ma.fields.String()


class PayeeChangeArgsSchema(PageArgsSchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(
        ["pending", "approved", "rejected", "superseded"]))


class PayeeChangeRejectSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class HouseholdCreateSchema(ma.Schema):
    head_name = ma.fields.String(required=True, **_name)
    village_id = ma.fields.Integer(required=True)
    id_number = ma.fields.String(load_default="", metadata={"description": "18 characters, GB 11643"})
    phone = ma.fields.String(load_default="", metadata={"description": "11-digit mobile, may be empty"})
    group_id = ma.fields.Integer(load_default=None, allow_none=True)
    party_group_id = ma.fields.Integer(load_default=None, allow_none=True)
    payout_method = ma.fields.Enum(PayoutMethod, by_value=True, load_default=PayoutMethod.BANK)
    bank_name = ma.fields.String(load_default="")
    account_number = ma.fields.String(load_default="")
    priority = ma.fields.Boolean(load_default=False)
    note = ma.fields.String(load_default="")
    active = ma.fields.Boolean(load_default=True)


class HouseholdArgsSchema(PageArgsSchema):
    village_id = ma.fields.Integer()
    party_group_id = ma.fields.Integer()
    q = ma.fields.String(metadata={"description": "part of the head's name, the phone or its last 4 digits"})
    active = ma.fields.Boolean()


class RevealArgsSchema(ma.Schema):
    reveal = ma.fields.Boolean(load_default=False, metadata={
        "description": "accountants and admins: show full ID, phone and account numbers (audited)"})
    reason = ma.fields.String(load_default=None, validate=ma.validate.Length(max=500))


# --- catalogue ------------------------------------------------------------------------

class ProductSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String()
    sales_vat_exempt = ma.fields.Boolean(dump_only=True)
    sales_vat_rate_pct = ma.fields.Decimal(as_string=True, allow_none=True, dump_only=True,
                                           metadata={"description": "percent, e.g. \"9.00\"; null when exempt"})
    sales_vat_exempt_basis = ma.fields.String(dump_only=True, metadata={"description": "e.g. 蔬菜流通环节免税"})
    default_grade_table_id = ma.fields.Method("default_table")

    def default_table(self, product) -> int | None:
        table = product.default_grade_table
        return table.id if table else None


class ProductCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))


class ProductSalesVatSchema(ma.Schema):
    exempt = ma.fields.Boolean(required=True, metadata={"description": "true: the sales are exempt"})
    rate_pct = ma.fields.String(load_default=None, metadata={"description": "percent, 0–17, when taxable"})
    basis = ma.fields.String(load_default="", metadata={"description": "why exempt, e.g. 蔬菜流通环节免税"})


class VarietySchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    product_id = ma.fields.Integer()
    name = ma.fields.String()


class VarietyCreateSchema(ma.Schema):
    product_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))


class VarietyPatchSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=32))


class VarietyArgsSchema(PageArgsSchema):
    product_id = ma.fields.Integer()


class GradeSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    table_id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String()
    name = ma.fields.String()
    rank = ma.fields.Integer(metadata={"description": "0 is the best grade"})
    min_fruit_g = ma.fields.Integer(allow_none=True, metadata={"description": "minimum single-fruit weight, g"})
    min_diameter_mm = ma.fields.Integer(allow_none=True, metadata={"description": "minimum diameter, mm"})
    price_diff = ma.fields.Decimal(as_string=True, places=2,
                                   metadata={"description": "differential to the base price, 元/公斤, signed"})


class GradeCreateSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    rank = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=99))
    min_fruit_g = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=1))
    min_diameter_mm = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=1))
    price_diff = ma.fields.String(load_default="0", metadata={"description": "元/公斤, e.g. \"-1.00\""})


class GradeTableSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    product_id = ma.fields.Integer()
    name = ma.fields.String()
    is_default = ma.fields.Boolean()
    grades = ma.fields.List(ma.fields.Nested(GradeSchema))


class GradeTableCreateSchema(ma.Schema):
    product_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True, **_name)
    is_default = ma.fields.Boolean(load_default=False)
    grades = ma.fields.List(ma.fields.Nested(GradeCreateSchema), load_default=list)


class GradeTablePatchSchema(ma.Schema):
    name = ma.fields.String(**_name)
    is_default = ma.fields.Boolean(metadata={"description": "true makes this the product's default"})


class GradeTableArgsSchema(PageArgsSchema):
    product_id = ma.fields.Integer()


# --- users ----------------------------------------------------------------------------

class UserAdminSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    phone = ma.fields.String()
    name = ma.fields.String()
    roles = ma.fields.Method("role_list")
    household_id = ma.fields.Integer(allow_none=True)
    party_group_id = ma.fields.Integer(allow_none=True)
    buyer_id = ma.fields.Integer(allow_none=True, metadata={"description": "the buyer a buyer's staff login belongs to"})
    active = ma.fields.Boolean(attribute="is_active_flag")
    created_at = ma.fields.DateTime()
    last_login_at = ma.fields.DateTime(allow_none=True)

    def role_list(self, user) -> list[str]:
        return sorted(r.name.value for r in user.roles)


class UserCreateSchema(ma.Schema):
    phone = ma.fields.String(required=True)
    name = ma.fields.String(required=True, **_name)
    password = ma.fields.String(required=True, load_only=True)
    roles = ma.fields.List(ma.fields.Enum(RoleName, by_value=True), required=True)
    household_id = ma.fields.Integer(load_default=None, allow_none=True)
    party_group_id = ma.fields.Integer(load_default=None, allow_none=True)
    buyer_id = ma.fields.Integer(load_default=None, allow_none=True)


class UserPatchSchema(ma.Schema):
    name = ma.fields.String(**_name)
    roles = ma.fields.List(ma.fields.Enum(RoleName, by_value=True))
    household_id = ma.fields.Integer(allow_none=True)
    party_group_id = ma.fields.Integer(allow_none=True)
    buyer_id = ma.fields.Integer(allow_none=True)
    active = ma.fields.Boolean()
    password = ma.fields.String(load_only=True, metadata={"description": "a new password"})


class UserArgsSchema(PageArgsSchema):
    q = ma.fields.String()
    role = ma.fields.Enum(RoleName, by_value=True)


VillagePageSchema = page_schema(VillageSchema)
VillageGroupPageSchema = page_schema(VillageGroupSchema)
PartyBranchPageSchema = page_schema(PartyBranchSchema)
PartyGroupPageSchema = page_schema(PartyGroupSchema)
HouseholdPageSchema = page_schema(HouseholdSchema)
ProductPageSchema = page_schema(ProductSchema)
VarietyPageSchema = page_schema(VarietySchema)
GradeTablePageSchema = page_schema(GradeTableSchema)
UserAdminPageSchema = page_schema(UserAdminSchema)

VillagePatchSchema = patch_of(VillageCreateSchema)
PartyBranchPatchSchema = patch_of(PartyBranchCreateSchema)
HouseholdPatchSchema = patch_of(HouseholdCreateSchema)
ProductPatchSchema = patch_of(ProductCreateSchema)
GradePatchSchema = patch_of(GradeCreateSchema)
