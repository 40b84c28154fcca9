"""JSON shapes of adjustments (调整单): sales allowances and price corrections of a posted settlement.

Money and prices travel as strings with two decimals; amounts sent in are strings or whole numbers.
"""
from __future__ import annotations

import marshmallow as ma

from models import AdjustmentKind, AdjustmentStatus

from ..api.schemas import ExactNumber, SettlementActorSchema, SettlementVoucherRefSchema


def _money(**kwargs) -> ma.fields.Decimal:
    metadata = {"type": "string", "format": "decimal", "description": "元, a string with two decimals",
                "example": "-100.00", **kwargs.pop("metadata", {})}
    return ma.fields.Decimal(as_string=True, places=2, dump_only=True, allow_none=True, metadata=metadata, **kwargs)


def _person() -> ma.fields.Nested:
    return ma.fields.Nested(SettlementActorSchema, allow_none=True, dump_only=True)


class AdjustmentListArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=2**31 - 1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))
    settlement_id = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=2**31 - 1))
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf([s.value for s in AdjustmentStatus]))


class AdjustmentCreateSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in AdjustmentKind]), metadata={
        "description": "sales_allowance: 销售折让/价格调整 with the buyer after receipt; price_correction: 价格更正 of "
                       "one household's delivered grade line"})
    settlement_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=2**31 - 1))
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    adjusted_on = ma.fields.Date(load_default=None, allow_none=True, metadata={
        "description": "the date of its voucher; defaults to today, never later, never before the settlement"})
    amount = ExactNumber(load_default=None, allow_none=True, metadata={
        "description": "sales_allowance: 元 off what the buyer owes, tax included (or give per_kg)", "example": "100.00"})
    per_kg = ExactNumber(load_default=None, allow_none=True, metadata={
        "description": "sales_allowance: 元 off each kilogram accepted (or give amount)", "example": "0.20"})
    invoice_number = ma.fields.String(load_default="", validate=ma.validate.Length(max=32), metadata={
        "description": "sales_allowance: the red VAT invoice (红字发票) or its 信息表 number, if issued"})
    item_id = ma.fields.Integer(load_default=None, allow_none=True,
                                validate=ma.validate.Range(min=1, max=2**31 - 1), metadata={
        "description": "price_correction: the settlement's grade line (items[].id of a household)"})
    new_price = ExactNumber(load_default=None, allow_none=True, metadata={
        "description": "price_correction: the corrected price, 元/公斤", "example": "7.80"})


class AdjustmentSchema(ma.Schema):
    """A sales allowance or a price correction of a posted settlement, with its review."""

    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "TZ2026-0001"})
    kind = ma.fields.Function(lambda a: a.kind.value, metadata={"enum": [k.value for k in AdjustmentKind]})
    status = ma.fields.Function(lambda a: a.status.value, metadata={"enum": [s.value for s in AdjustmentStatus]})
    settlement_id = ma.fields.Integer()
    settlement_number = ma.fields.Function(lambda a: a.settlement.number)
    buyer_id = ma.fields.Integer(allow_none=True)
    household_id = ma.fields.Integer(allow_none=True)
    household_name = ma.fields.Function(lambda a: a.household.head_name if a.household else None)
    item_id = ma.fields.Integer(allow_none=True)
    grade = ma.fields.Function(lambda a: a.item.grade.name if a.item else None)
    adjusted_on = ma.fields.Date()
    reason = ma.fields.String()
    per_kg = _money(metadata={"description": "an allowance per kilogram accepted, 元/公斤"})
    old_price = _money(metadata={"description": "the price before the correction, 元/公斤"})
    new_price = _money(metadata={"description": "the corrected price, 元/公斤"})
    amount = _money(metadata={"description": "the signed change, tax included: below zero what the buyer owes less; "
                                             "a correction what the household is owed more (or less)"})
    vat = _money(metadata={"description": "its VAT: 销项税额 of an allowance, 进项税额 of a correction (same sign)"})
    excl_vat = _money(metadata={"description": "amount − vat: to 5001 (allowance) or 5401 (correction)"})
    invoice_number = ma.fields.String(metadata={
        "description": "allowance: the red VAT invoice given; correction: its red or supplementary 收购发票, once posted"})
    voucher = ma.fields.Function(lambda a: SettlementVoucherRefSchema().dump(a.voucher) if a.voucher else None,
                                 metadata={"description": "its voucher, once posted"})
    prepared_by = _person()
    prepared_at = ma.fields.AwareDateTime()
    reviewed_by = _person()
    reviewed_at = ma.fields.AwareDateTime(allow_none=True)
    returned_reason = ma.fields.String()
