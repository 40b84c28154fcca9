"""JSON shapes of statements (对账单): a household's, a buyer's, and the receivables' ageing."""
from __future__ import annotations

import marshmallow as ma


from ...payments.applying import BUCKETS
from .fields import money, price, weight


# --- statements ----------------------------------------------------------------------------------

class RangeArgsSchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", load_default=None, metadata={"description": "default 1 January"})
    to = ma.fields.Date(load_default=None, metadata={"description": "default 31 December"})


class StatementDeliverySchema(ma.Schema):
    day = ma.fields.Date()
    settlement_number = ma.fields.String()
    slip_serials = ma.fields.String()
    grade = ma.fields.String()
    field_kg = weight()
    payable_kg = weight()
    price = price()
    amount = money()


class StatementDeductionSchema(ma.Schema):
    day = ma.fields.Date()
    settlement_number = ma.fields.String()
    advances = money(metadata={"description": "advances recovered"})
    input_credit = money(metadata={"description": "farm inputs on credit recovered"})
    total = money()


class StatementPaymentSchema(ma.Schema):
    day = ma.fields.Date()
    number = ma.fields.String()
    method = ma.fields.Function(lambda p: p.method.value)
    reference = ma.fields.String()
    amount = money()


class StatementCorrectionSchema(ma.Schema):
    day = ma.fields.Date()
    number = ma.fields.String(metadata={"description": "the adjustment (调整单), e.g. TZ2026-0001"})
    settlement_number = ma.fields.String()
    grade = ma.fields.String()
    old_price = price()
    new_price = price()
    amount = money(metadata={"description": "what the household is owed more (below zero: less)"})
    invoice_number = ma.fields.String(metadata={"description": "the red or supplementary 收购发票 it issued"})
    reason = ma.fields.String()


class StatementAllowanceSchema(ma.Schema):
    day = ma.fields.Date()
    number = ma.fields.String(metadata={"description": "the adjustment (调整单), e.g. TZ2026-0002"})
    reference = ma.fields.String(metadata={"description": "the red VAT invoice's number, or the reason"})
    amount = money(metadata={"description": "what the buyer owes less"})


class StatementPendingSchema(ma.Schema):
    day = ma.fields.Date()
    serial = ma.fields.String()
    grades = ma.fields.String()
    net_kg = weight()
    amount = money(metadata={"description": "the slip's amount; owed once settled"})
    settlement_number = ma.fields.String(metadata={"description": "the settlement under way, if any"})


class HouseholdStatementSchema(ma.Schema):
    household_id = ma.fields.Function(lambda s: s.household.id)
    household_name = ma.fields.Function(lambda s: s.household.head_name)
    start = ma.fields.Date(data_key="from")
    end = ma.fields.Date(data_key="to")
    opening = money(metadata={"description": "owed to the household at the start"})
    delivered = money()
    corrected = money(metadata={"description": "price corrections posted in the range"})
    deducted = money()
    paid = money()
    closing = money(metadata={"description": "still owed at the end (= its 2202 balance once every voucher "
                                              "is posted)"})
    deliveries = ma.fields.List(ma.fields.Nested(StatementDeliverySchema))
    corrections = ma.fields.List(ma.fields.Nested(StatementCorrectionSchema))
    deductions = ma.fields.List(ma.fields.Nested(StatementDeductionSchema))
    payments = ma.fields.List(ma.fields.Nested(StatementPaymentSchema))
    pending = ma.fields.List(ma.fields.Nested(StatementPendingSchema),
                             metadata={"description": "weighed and confirmed, not yet settled"})
    pending_amount = money()
    advances_to_set_off = money(metadata={"description": "advances and fulfilled contracts' deposits not yet "
                                                          "taken back by a posted settlement, as of today"})
    credit_to_set_off = money(metadata={"description": "supplies on credit not yet taken back by a posted "
                                                        "settlement, as of today"})


class AsOfArgsSchema(ma.Schema):
    as_of = ma.fields.Date(load_default=None, metadata={"description": "default today"})


class ReceivableSchema(ma.Schema):
    settlement_id = ma.fields.Function(lambda r: r.settlement.id)
    settlement_number = ma.fields.Function(lambda r: r.settlement.number)
    order_number = ma.fields.Function(lambda r: r.settlement.order.number if r.settlement.order else None)
    day = ma.fields.Date()
    due_on = ma.fields.Date()
    amount = money()
    allowed = money(metadata={"description": "sales allowances posted against it by as_of"})
    received = money()
    outstanding = money(metadata={"description": "amount − allowed − received"})
    days_overdue = ma.fields.Integer()
    bucket = ma.fields.String(metadata={"enum": [label for label, *_ in BUCKETS]})


def _buckets() -> ma.fields.Dict:
    return ma.fields.Function(lambda obj: {k: f"{v:.2f}" for k, v in obj.buckets.items()},
                              metadata={"type": "object", "description": "元 per ageing bucket: "
                                        + ", ".join(label for label, *_ in BUCKETS)})


class BuyerStatementSchema(ma.Schema):
    buyer_id = ma.fields.Function(lambda s: s.buyer.id)
    buyer_name = ma.fields.Function(lambda s: s.buyer.name)
    as_of = ma.fields.Date()
    amount = money()
    allowed = money()
    received = money()
    outstanding = money()
    buckets = _buckets()
    settlements = ma.fields.List(ma.fields.Nested(ReceivableSchema), attribute="rows")
    allowances = ma.fields.List(ma.fields.Nested(StatementAllowanceSchema))
    receipts = ma.fields.List(ma.fields.Nested(StatementPaymentSchema))


class AgeingRowSchema(ma.Schema):
    buyer_id = ma.fields.Function(lambda r: r.buyer.id)
    buyer_name = ma.fields.Function(lambda r: r.buyer.name)
    buckets = _buckets()
    total = money()


class AgeingSchema(ma.Schema):
    as_of = ma.fields.Date()
    rows = ma.fields.List(ma.fields.Nested(AgeingRowSchema))
    totals = ma.fields.Function(lambda a: {k: f"{v:.2f}" for k, v in a.totals.items()},
                                metadata={"type": "object"})
    total = money()
