"""JSON shapes of settlements (三方结算单) and purchase invoices (农产品收购发票).

Money travels as strings with two decimals ("1234.50"), weights as kilograms with three
("594.000"), so no float ever holds them. Amounts sent in are strings or whole numbers;
fractional JSON numbers are refused (they arrive as floats and may have lost the exact value).
"""
from __future__ import annotations

from decimal import Decimal

import marshmallow as ma
from flask_login import current_user
from sqlalchemy import select

from models import RejectPolicy, SettlementKind, SettlementStatus, Voucher, VoucherSource, db

from ..api.schemas import ReturnReasonSchema, SettlementActorSchema, SettlementVoucherRefSchema  # noqa: F401
from ..api.schemas import ExactNumber
from ..stock import services as stock
from ..units import Money
from .suppliers import shown_account
from . import profit


def _decimal(places: int, description: str, example: str, **kwargs) -> ma.fields.Decimal:
    metadata = {"type": "string", "format": "decimal", "description": description, "example": example,
                **kwargs.pop("metadata", {})}
    return ma.fields.Decimal(as_string=True, places=places, dump_only=True, metadata=metadata, **kwargs)


def _money(**kwargs) -> ma.fields.Decimal:
    return _decimal(2, "元, a string with two decimals", "1360.00", **kwargs)


def _weight(**kwargs) -> ma.fields.Decimal:
    return _decimal(3, "kilograms, a string with three decimals", "594.000", **kwargs)


def _price(**kwargs) -> ma.fields.Decimal:
    return _decimal(2, "元/公斤", "6.80", **kwargs)


def _percent(**kwargs) -> ma.fields.Decimal:
    return _decimal(2, "percent", "9.00", **kwargs)


def _amount_in(description: str, **kwargs) -> ExactNumber:
    return ExactNumber(metadata={"description": description, "example": "120.00"}, **kwargs)


class Part(ma.fields.Nested):
    """A nested part computed from the whole object (the settlement's buyer side, its vouchers)."""

    def __init__(self, nested, source, **kwargs) -> None:
        super().__init__(nested, dump_only=True, **kwargs)
        self.source = source

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return self.source(obj)




def _person() -> ma.fields.Nested:
    return ma.fields.Nested(SettlementActorSchema, allow_none=True, dump_only=True)


# --- settlements: what goes in ---------------------------------------------------------------------

class SettlementListArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))
    status = ma.fields.Enum(SettlementStatus, by_value=True, load_default=None)
    kind = ma.fields.Enum(SettlementKind, by_value=True, load_default=None)
    order_id = ma.fields.Integer(load_default=None)
    buyer_id = ma.fields.Integer(load_default=None)


class SettlementEnteredSchema(ma.Schema):
    """What the preparer enters; the rest is computed from the weigh slips and the receipt."""

    settle_on = ma.fields.Date(metadata={"description": "the vouchers' date; defaults to today"})
    logistics = _amount_in("物流费, 元")
    packing = _amount_in("包装费, 元")
    buyer_deductions = _amount_in("the buyer's agreed deductions (扣款), 元")
    vat_rate_pct = _amount_in("calculated input VAT of the purchase invoices, percent; defaults to 9")
    logistics_invoice_no = ma.fields.String(validate=ma.validate.Length(max=64), metadata={
        "description": "the 增值税专用发票 the freight came with, if any: its VAT is deducted (22210101)"})
    logistics_vat_rate_pct = _amount_in("the rate on the logistics special invoice, percent (e.g. 9)", allow_none=True)
    packing_invoice_no = ma.fields.String(validate=ma.validate.Length(max=64), metadata={
        "description": "the 增值税专用发票 the packing came with, if any"})
    packing_vat_rate_pct = _amount_in("the rate on the packing special invoice, percent (e.g. 13)", allow_none=True)
    logistics_supplier_id = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(min=1, max=2**31 - 1), metadata={
        "description": "the carrier the freight is owed to (Cr 2202 by supplier); none: paid from the bank (Cr 1002)"})
    packing_supplier_id = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(min=1, max=2**31 - 1), metadata={
        "description": "the supplier the packing is owed to (Cr 2202 by supplier); none: paid from the bank (Cr 1002)"})
    note = ma.fields.String(validate=ma.validate.Length(max=2000))


class SettlementCreateSchema(SettlementEnteredSchema):
    kind = ma.fields.Enum(SettlementKind, by_value=True, load_default=SettlementKind.ORDER, metadata={
        "description": "order: the three-way settlement of a received order (needs order_id); "
                       "contract_batch: the contract deliveries weighed between start and end"})
    order_id = ma.fields.Integer(load_default=None, allow_none=True)
    start = ma.fields.Date(load_default=None, allow_none=True)
    end = ma.fields.Date(load_default=None, allow_none=True)


# --- settlements: what comes out ---------------------------------------------------------------------

class SettlementSummarySchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "JS2026-0001"})
    kind = ma.fields.Enum(SettlementKind, by_value=True)
    status = ma.fields.Enum(SettlementStatus, by_value=True)
    order_id = ma.fields.Integer(allow_none=True)
    order_number = ma.fields.Function(lambda s: s.order.number if s.order else None)
    buyer_id = ma.fields.Integer(allow_none=True)
    buyer_name = ma.fields.Function(lambda s: s.buyer.name if s.buyer else None)
    settle_on = ma.fields.Date()
    due_on = ma.fields.Date(allow_none=True)
    household_count = ma.fields.Function(lambda s: len(s.households), metadata={"description": "how many households"})
    buyer_total = _money()
    purchase_total = _money()
    margin = _money()
    prepared_by = _person()
    prepared_at = ma.fields.AwareDateTime()


class SettlementItemSchema(ma.Schema):
    id = ma.fields.Integer()
    grade_id = ma.fields.Integer()
    grade = ma.fields.Function(lambda i: i.grade.name)
    delivered_on = ma.fields.Date()
    field_kg = _weight()
    payable_kg = _weight(metadata={"description": "after rejects and shrink passed back"})
    price = _price()
    amount = _money()
    slip_serials = ma.fields.String()


class SettlementHouseholdPartSchema(ma.Schema):
    """One household's part: its purchase invoice's amount, what is recovered from it, net, paid."""

    id = ma.fields.Integer(metadata={"description": "the settlement line"})
    household_id = ma.fields.Integer()
    household_name = ma.fields.Function(lambda line: line.household.head_name)
    field_kg = _weight()
    payable_kg = _weight()
    gross = _money(metadata={"description": "买价: the purchase invoice's amount"})
    input_vat = _money()
    recovered_advances = _money(metadata={"description": "预付款 recovered"})
    recovered_input_credit = _money(metadata={"description": "农资 credit recovered"})
    deductions = ma.fields.Function(lambda line: f"{line.recovered_advances + line.recovered_input_credit:.2f}")
    net = _money(metadata={"description": "owed in cash"})
    carried_over = _money(metadata={"description": "deductions that did not fit, still owed by the household"})
    paid = _money()
    adjusted = _money(metadata={"description": "price corrections (价格更正) posted since, either way"})
    owed = _money(metadata={"description": "net + adjusted − paid"})
    invoice_id = ma.fields.Function(lambda line: line.invoice.id if line.invoice else None)
    items = ma.fields.List(ma.fields.Nested(SettlementItemSchema))


class SettlementBuyerPartSchema(ma.Schema):
    buyer_id = ma.fields.Integer(allow_none=True)
    buyer_name = ma.fields.Function(lambda s: s.buyer.name if s.buyer else None)
    accepted_kg = _weight()
    delivered_price = _price()
    gross = _money(attribute="buyer_gross", metadata={"description": "accepted kg × delivered price"})
    deductions = _money(attribute="buyer_deductions")
    total = _money(attribute="buyer_total", metadata={"description": "the receivable (应收账款)"})
    adjusted = _money(attribute="buyer_adjusted", metadata={
        "description": "sales allowances (销售折让) posted since, zero or below: the buyer owes total + adjusted"})
    received = _money(attribute="buyer_received")
    outstanding = _money(attribute="buyer_outstanding", metadata={"description": "total + adjusted − received"})
    due_on = ma.fields.Date(allow_none=True)
    sale_vat_rate_pct = _percent(allow_none=True, metadata={
        "description": "output VAT rate of the sale, percent; null when exempt (or settled before output VAT)"})
    sale_vat_exempt_basis = ma.fields.String(metadata={"description": "why the sale is exempt, e.g. 蔬菜流通环节免税"})
    sale_net = _money(metadata={"description": "不含税金额: the total less its output VAT, credited to 5001"})
    output_vat = _money(metadata={"description": "销项税额 contained in the total (price includes tax), "
                                                 "credited to 22210102"})


class SettlementCompanyPartSchema(ma.Schema):
    logistics = _money()
    packing = _money()
    logistics_invoice_no = ma.fields.String(metadata={"description": "special VAT invoice, '' for none"})
    logistics_vat_rate_pct = _percent(allow_none=True)
    logistics_input_vat = _money(metadata={"description": "deductible VAT contained in the logistics"})
    packing_invoice_no = ma.fields.String()
    packing_vat_rate_pct = _percent(allow_none=True)
    packing_input_vat = _money(metadata={"description": "deductible VAT contained in the packing"})
    logistics_supplier_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "the supplier the logistics is owed to (2202), null when paid on the day"})
    packing_supplier_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "the supplier the packing is owed to (2202), null when paid on the day"})
    costs = _money()
    purchase_total = _money(metadata={"description": "Σ household gross: the purchase invoices' total"})
    input_vat = _money(metadata={"description": "calculated input VAT (进项税额), computed first"})
    purchase_cost = _money(metadata={"description": "purchase total − input VAT"})
    margin = _money(metadata={"description": "what the company keeps: the remainder"})


class SettlementProfitSchema(ma.Schema):
    revenue = _money(metadata={"description": "5001: the buyer total less its output VAT"})
    cost_of_goods = _money(metadata={"description": "5401: the purchase less its calculated input VAT"})
    logistics = _money(metadata={"description": "5601: logistics less the VAT its special invoice deducts"})
    packing = _money(metadata={"description": "5601: packing less the VAT its special invoice deducts"})
    gross_profit = _money(metadata={"description": "what the settlement adds to 本年利润"})
    cash_margin = _money(metadata={"description": "the settlement's margin, in cash"})
    output_vat = _money()
    purchase_input_vat = _money()
    costs_input_vat = _money()
    stock_cost = _money(metadata={"description": "5401: the cost of the part filled from the warehouse (from 1405), "
                                                 "less its share of the abnormal loss"})
    abnormal_loss = _money(metadata={"description": "5711: what the supermarket rejected for quality above its "
                                                    "threshold, at cost, with its input VAT transferred out"})
    vat_transferred_out = _money(metadata={"description": "22210103 进项税额转出 of the abnormal loss"})


class SettlementReconciliationSchema(ma.Schema):
    field_kg = _weight()
    accepted_kg = _weight()
    lost_kg = _weight(metadata={"description": "rejects and shrink between the field and the supermarket"})
    abnormal_kg = _weight(metadata={"description": "of the lost kg, what the supermarket rejected for quality above "
                                                  "its threshold (非正常损失)"})
    buyer_total = _money()
    households_gross = _money()
    households_net = _money()
    deductions = _money(metadata={"description": "recovered from households"})
    costs = _money()
    margin = _money()
    difference = _money(metadata={"description": "buyer total − (Σ household gross + costs + margin); always 0.00"})
    reconciles = ma.fields.Boolean()




class PurchaseInvoiceSchema(ma.Schema):
    """农产品收购发票, as it was issued; the seller's ID number is masked."""

    id = ma.fields.Integer()
    number = ma.fields.String(metadata={"example": "SG2026-0001"})
    title = ma.fields.Constant("农产品收购发票")
    settlement_id = ma.fields.Function(lambda i: i.line.settlement_id)
    settlement_number = ma.fields.Function(lambda i: i.line.settlement.number)
    void = ma.fields.Function(lambda i: i.line.settlement.status.value == "reversed", metadata={
        "type": "boolean", "description": "作废: its settlement was reversed in red (kept as issued, no longer valid)"})
    household_id = ma.fields.Function(lambda i: i.line.household_id)
    issued_on = ma.fields.Date()
    seller_name = ma.fields.String()
    seller_id_masked = ma.fields.String()
    seller_address = ma.fields.String()
    product_name = ma.fields.String()
    quantity_kg = _weight()
    amount = _money()
    vat_rate_pct = _percent()
    vat = _money()
    cost = _money()
    created_at = ma.fields.AwareDateTime()


class SettlementSchema(SettlementSummarySchema):
    """The whole 三方结算单: buyer, households and company side by side, and how they reconcile."""

    reject_policy = ma.fields.Enum(RejectPolicy, by_value=True)
    vat_rate_pct = _percent()
    final = ma.fields.Boolean(metadata={
        "description": "false: an interim settlement (中期结算) of the order's trucks received so far; true: the rest "
                       "of the order, prepared once every truck was received (or a contract batch)"})
    shipment_ids = ma.fields.Function(lambda s: [truck.id for truck in s.shipments], metadata={
        "description": "the trucks (and their receipts) it sells"})
    corrects_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "the reversed settlement it corrects (更正), if any"})
    note = ma.fields.String()
    returned_reason = ma.fields.String()
    submitted_at = ma.fields.AwareDateTime(allow_none=True)
    approved_by = _person()
    approved_at = ma.fields.AwareDateTime(allow_none=True)
    posted_by = _person()
    posted_at = ma.fields.AwareDateTime(allow_none=True)
    buyer = Part(SettlementBuyerPartSchema, lambda s: s, metadata={"description": "what the supermarket owes"})
    households = ma.fields.List(ma.fields.Nested(SettlementHouseholdPartSchema),
                                metadata={"description": "what each household is owed, with its deliveries"})
    company = Part(SettlementCompanyPartSchema, lambda s: s, metadata={"description": "costs, input VAT and margin"})
    reconciliation = Part(SettlementReconciliationSchema, lambda s: reconciliation(s))
    profit = Part(SettlementProfitSchema, lambda s: contribution_of(s) if s.kind is SettlementKind.ORDER else None,
                  allow_none=True, metadata={"description": "an order settlement's contribution to profit: "
                                                            "gross profit = margin − output VAT + input VATs"})
    slip_ids = ma.fields.Function(lambda s: [slip.id for slip in s.slips])
    vouchers = Part(SettlementVoucherRefSchema, lambda s: settlement_vouchers(s), many=True,
                    metadata={"description": "the vouchers it posted (empty until posted)"})
    purchase_invoices = Part(PurchaseInvoiceSchema, lambda s: [line.invoice for line in s.households if line.invoice],
                             many=True)


def stock_issued(settlement) -> Decimal:
    """What the settlement's posting issued from the warehouse, at cost."""
    return Money.from_fen(stock.issued_cost(settlement.id)).yuan


def contribution_of(settlement) -> profit.ProfitContribution:
    """What an order settlement adds to profit, with the stock it issued and its abnormal loss."""
    return profit.of(settlement, stock_issued(settlement), stock.deduction_rate())


def settlement_vouchers(settlement) -> list[Voucher]:
    return list(db.session.scalars(select(Voucher).where(
        Voucher.source == VoucherSource.SETTLEMENT, Voucher.source_id == settlement.id).order_by(Voucher.id)))


def reconciliation(settlement) -> dict:
    gross = sum((line.gross for line in settlement.households), 0)
    net = sum((line.net for line in settlement.households), 0)
    difference = settlement.buyer_total - (gross + settlement.costs + settlement.margin)
    return {"field_kg": settlement.field_kg, "accepted_kg": settlement.accepted_kg, "lost_kg": settlement.lost_kg,
            "abnormal_kg": settlement.abnormal_kg, "buyer_total": settlement.buyer_total, "households_gross": gross, "households_net": net,
            "deductions": gross - net, "costs": settlement.costs, "margin": settlement.margin,
            "difference": difference, "reconciles": difference == 0 and gross == settlement.purchase_total}


class SettleableOrderSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.Function(lambda o: o.status.value)
    buyer_id = ma.fields.Integer()
    buyer_name = ma.fields.Function(lambda o: o.buyer.name)
    quantity_kg = _weight()
    delivered_price = _price()
    reject_policy = ma.fields.Enum(RejectPolicy, by_value=True)
    received_at = ma.fields.Function(lambda o: o._receipt.received_at.isoformat() if o._receipt else None)
    accepted_kg = ma.fields.Function(lambda o: f"{o._receipt.accepted_kg:.3f}" if o._receipt else None)


class PurchaseInvoiceListArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))
    settlement_id = ma.fields.Integer(load_default=None)
    household_id = ma.fields.Integer(load_default=None)


# --- suppliers (供应商/承运商) -----------------------------------------------------------------------

class SupplierCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))
    credit_code = ma.fields.String(load_default="", validate=ma.validate.Length(max=18),
                                   metadata={"description": "统一社会信用代码 (18 characters), optional"})
    bank_name = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))
    account_number = ma.fields.String(load_default="", validate=ma.validate.Length(max=34),
                                      metadata={"description": "6 to 34 digits, for paying it by bank"})


class SupplierSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    credit_code = ma.fields.String()
    bank_name = ma.fields.String()
    account_number = ma.fields.Function(lambda supplier: shown_account(current_user, supplier), metadata={
        "type": "string", "description": "masked for anyone but accountants"})
    created_at = ma.fields.AwareDateTime()


class SupplierListArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))
