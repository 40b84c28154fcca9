"""JSON shapes more than one feature answers with: who did something, a voucher it wrote, and the
reason a person gives for sending something back."""
from __future__ import annotations

import marshmallow as ma


class SettlementActorSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class ReturnReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class SettlementVoucherRefSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.Integer(allow_none=True, metadata={"description": "gapless per period, given at posting"})
    period = ma.fields.Function(lambda v: str(v.period), metadata={"example": "2026-08"})
    voucher_date = ma.fields.Date()
    summary = ma.fields.String(metadata={"description": "摘要"})
    status = ma.fields.Function(lambda v: v.status.value)
