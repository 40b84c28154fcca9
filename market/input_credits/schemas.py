"""JSON shapes of input credit (农资赊销): farm supplies given to a household on credit.

Money travels as strings with two decimals ("1234.50"), so no float ever holds it. Amounts sent
in are strings or whole numbers; fractional JSON numbers are refused (they arrive as floats and
may have lost the exact value).
"""
from __future__ import annotations

import marshmallow as ma

from ..api.schemas import ExactNumber
from ..api.schemas import SettlementActorSchema, SettlementVoucherRefSchema


def _money(**kwargs) -> ma.fields.Decimal:
    metadata = {"type": "string", "format": "decimal", "description": "元, a string with two decimals",
                "example": "1360.00", **kwargs.pop("metadata", {})}
    return ma.fields.Decimal(as_string=True, places=2, dump_only=True, metadata=metadata, **kwargs)


def _amount_in(description: str, **kwargs) -> ExactNumber:
    return ExactNumber(metadata={"description": description, "example": "120.00"}, **kwargs)


def _person() -> ma.fields.Nested:
    return ma.fields.Nested(SettlementActorSchema, allow_none=True, dump_only=True)


class InputCreditListArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))
    household_id = ma.fields.Integer(load_default=None)


class InputCreditCreateSchema(ma.Schema):
    household_id = ma.fields.Integer(required=True)
    item = ma.fields.String(required=True, validate=ma.validate.Length(max=128),
                            metadata={"description": "what was supplied", "example": "复合肥 40袋"})
    amount = _amount_in("元 the household owes for it, above zero", required=True)
    issued_on = ma.fields.Date(load_default=None, allow_none=True,
                               metadata={"description": "the day it was supplied; defaults to today, never later"})
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class InputCreditSchema(ma.Schema):
    """Farm supplies given to a household on credit; its next settlements recover the amount."""

    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "NZ2026-0001"})
    household_id = ma.fields.Integer()
    household_name = ma.fields.Function(lambda c: c.household.head_name)
    issued_on = ma.fields.Date()
    item = ma.fields.String()
    amount = _money()
    note = ma.fields.String()
    voucher = ma.fields.Function(lambda c: SettlementVoucherRefSchema().dump(c.voucher) if c.voucher else None,
                                 metadata={"description": "its voucher (Dr 1221 / Cr 1002), prepared for review"})
    recorded_by = _person()
    created_at = ma.fields.AwareDateTime()
    voided_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "set when the credit is void"})
    void_reason = ma.fields.String()
