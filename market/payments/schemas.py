"""JSON shapes of payments (收付款): household payouts, buyer receipts, booked contract advances,
batch payouts, and what a household is still owed.

Money travels as strings with two decimals ("1234.50"), so no float ever holds it. Amounts sent
in are strings or whole numbers; fractional JSON numbers are refused (they arrive as floats and
may have lost the exact value).
"""
from __future__ import annotations

import marshmallow as ma

from models import PaymentKind, PayoutMethod

from ..api.schemas import ExactNumber
from ..settlements.schemas import SettlementActorSchema, SettlementVoucherRefSchema


def _money(**kwargs) -> ma.fields.Decimal:
    metadata = {"type": "string", "format": "decimal", "description": "元, a string with two decimals",
                "example": "1360.00", **kwargs.pop("metadata", {})}
    return ma.fields.Decimal(as_string=True, places=2, dump_only=True, metadata=metadata, **kwargs)


def _amount_in(description: str, **kwargs) -> ExactNumber:
    return ExactNumber(metadata={"description": description, "example": "120.00"}, **kwargs)


def _person() -> ma.fields.Nested:
    return ma.fields.Nested(SettlementActorSchema, allow_none=True, dump_only=True)


class PaymentListArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))
    kind = ma.fields.Enum(PaymentKind, by_value=True, load_default=None)
    household_id = ma.fields.Integer(load_default=None)
    buyer_id = ma.fields.Integer(load_default=None)
    supplier_id = ma.fields.Integer(load_default=None)


class _PaymentDetailsSchema(ma.Schema):
    method = ma.fields.Enum(PayoutMethod, by_value=True, load_default=PayoutMethod.BANK)
    paid_on = ma.fields.Date(load_default=None, allow_none=True, metadata={"description": "defaults to today"})
    reference = ma.fields.String(load_default="", validate=ma.validate.Length(max=64),
                                 metadata={"description": "the bank's or WeChat's transaction reference"})
    signer = ma.fields.String(load_default="", validate=ma.validate.Length(max=64),
                              metadata={"description": "who signed for cash (needed for cash)"})
    supporting_doc = ma.fields.String(load_default="", validate=ma.validate.Length(max=128), metadata={
        "description": "contract, receipt or approval supporting the payment (needed above ¥50,000)"})
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class PayoutCreateSchema(_PaymentDetailsSchema):
    household_id = ma.fields.Integer(required=True)
    amount = _amount_in("元; at most what the household is owed", required=True)


class BuyerReceiptCreateSchema(_PaymentDetailsSchema):
    buyer_id = ma.fields.Integer(required=True)
    amount = _amount_in("元; at most what the buyer owes", required=True)


class SupplierPayoutCreateSchema(_PaymentDetailsSchema):
    supplier_id = ma.fields.Integer(required=True)
    amount = _amount_in("元; at most what the supplier is owed (its 2202 balance, less payments not yet posted)",
                        required=True)


class PrepaymentPaymentCreateSchema(_PaymentDetailsSchema):
    """The amount is the prepayment's; only how and when it was paid is entered."""


class PaymentBatchLineSchema(ma.Schema):
    household_id = ma.fields.Integer(required=True)
    amount = _amount_in("元", required=True)


class PaymentBatchCreateSchema(ma.Schema):
    paid_on = ma.fields.Date(load_default=None, allow_none=True, metadata={"description": "defaults to today"})
    payments = ma.fields.List(ma.fields.Nested(PaymentBatchLineSchema), required=True,
                              validate=ma.validate.Length(min=1, max=1000))


class PaymentApplicationSchema(ma.Schema):
    amount = _money()
    settlement_id = ma.fields.Function(lambda a: a.settlement_id if a.settlement_id else a.line.settlement_id)
    settlement_number = ma.fields.Function(lambda a: (a.settlement or a.line.settlement).number)
    line_id = ma.fields.Integer(allow_none=True, metadata={"description": "the household's settlement line"})


class PaymentSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "FK2026-0001"})
    kind = ma.fields.Enum(PaymentKind, by_value=True)
    method = ma.fields.Enum(PayoutMethod, by_value=True)
    amount = _money()
    paid_on = ma.fields.Date()
    household_id = ma.fields.Integer(allow_none=True)
    household_name = ma.fields.Function(lambda p: p.household.head_name if p.household else None)
    buyer_id = ma.fields.Integer(allow_none=True)
    buyer_name = ma.fields.Function(lambda p: p.buyer.name if p.buyer else None)
    supplier_id = ma.fields.Integer(allow_none=True)
    supplier_name = ma.fields.Function(lambda p: p.supplier.name if p.supplier else None)
    prepayment_id = ma.fields.Integer(allow_none=True)
    reference = ma.fields.String()
    signer = ma.fields.String()
    supporting_doc = ma.fields.String()
    note = ma.fields.String()
    batch_id = ma.fields.Integer(allow_none=True)
    voucher = ma.fields.Function(lambda p: SettlementVoucherRefSchema().dump(p.voucher) if p.voucher else None,
                                 metadata={"description": "its voucher, prepared for review"})
    applications = ma.fields.List(ma.fields.Nested(PaymentApplicationSchema))
    created_by = _person()
    created_at = ma.fields.AwareDateTime()
    voided_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "set when the payment is void"})
    void_reason = ma.fields.String()


class PaymentBatchSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "PL2026-0001"})
    paid_on = ma.fields.Date()
    total = _money()
    count = ma.fields.Integer()
    created_by = _person()
    created_at = ma.fields.AwareDateTime()
    payments = ma.fields.List(ma.fields.Nested(PaymentSchema))


class OwedLineSchema(ma.Schema):
    line_id = ma.fields.Integer(attribute="id")
    settlement_id = ma.fields.Integer()
    settlement_number = ma.fields.Function(lambda line: line.settlement.number)
    settle_on = ma.fields.Function(lambda line: line.settlement.settle_on.isoformat())
    gross = _money()
    deductions = ma.fields.Function(lambda line: f"{line.recovered_advances + line.recovered_input_credit:.2f}")
    net = _money()
    paid = _money()
    owed = _money()


class HouseholdOwedSchema(ma.Schema):
    household_id = ma.fields.Integer()
    household_name = ma.fields.String()
    payout_method = ma.fields.Enum(PayoutMethod, by_value=True)
    owed = _money(metadata={"description": "on posted settlements, less what was paid"})
    open_lines = ma.fields.List(ma.fields.Nested(OwedLineSchema), metadata={"description": "oldest first"})
