"""JSON shapes of the books. Money travels as a string with two decimals (元), weights with three
(公斤); never as a float. Balances are debit-positive with their side (借/贷/平) alongside."""
from __future__ import annotations

import marshmallow as ma

from models import AccountKind, PartyType, VoucherStatus

from ..api.schemas import ExactNumber
from ..payments.applying import BUCKETS
from ..units import Money
from . import common, vouchers


def _money(**kwargs) -> ma.fields.Decimal:
    metadata = {"type": "string", "format": "decimal", "description": "元, a string with two decimals",
                "example": "1360.00", **kwargs.pop("metadata", {})}
    return ma.fields.Decimal(as_string=True, places=2, dump_only=True, metadata=metadata, **kwargs)


def _weight(**kwargs) -> ma.fields.Decimal:
    return ma.fields.Decimal(as_string=True, places=3, dump_only=True, metadata={
        "type": "string", "format": "decimal", "description": "kilograms, a string with three decimals",
        "example": "200.000"}, **kwargs)


def _price() -> ma.fields.Decimal:
    return ma.fields.Decimal(as_string=True, places=2, dump_only=True, metadata={
        "type": "string", "format": "decimal", "description": "元/公斤", "example": "6.80"})


def _side(attribute: str) -> ma.fields.Function:
    return ma.fields.Function(lambda obj: common.balance_side(getattr(obj, attribute)),
                              metadata={"description": "借 (debit), 贷 (credit) or 平 (zero)", "enum": ["借", "贷", "平"]})


_MONTH = {"validate": ma.validate.Regexp(r"^\d{4}-\d{2}$"), "metadata": {"description": "YYYY-MM", "example": "2026-08"}}


# --- accounts and periods -------------------------------------------------------------------------

class AccountSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.Function(lambda a: a.kind.value)
    party_type = ma.fields.Function(lambda a: a.party_type.value,
                                    metadata={"description": "辅助核算: which party the account's lines carry"})
    active = ma.fields.Boolean()


class AccountCreateSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16), metadata={
        "description": "digits only: four for a first-level account (小企业会计准则), or an existing account's "
                       "code and two more digits for a sub-account", "example": "560101"})
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64), metadata={"example": "运输费"})
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in AccountKind]), metadata={
        "description": "a first-level account's kind fits its first digit; a sub-account has its parent's kind"})
    party_type = ma.fields.String(load_default=PartyType.NONE.value,
                                  validate=ma.validate.OneOf([t.value for t in PartyType]),
                                  metadata={"description": "辅助核算: which party the account's lines carry"})


class AccountUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=64))
    party_type = ma.fields.String(validate=ma.validate.OneOf([t.value for t in PartyType]), metadata={
        "description": "辅助核算; refused (409) once a voucher line uses the account, and on standard accounts"})
    active = ma.fields.Boolean(metadata={
        "description": "false retires the account from new vouchers; refused (409) for standard accounts, while a "
                       "balance is left in posted vouchers, while vouchers awaiting review use it, or while it has "
                       "active sub-accounts"})


class PeriodSchema(ma.Schema):
    id = ma.fields.Integer()
    period = ma.fields.Function(lambda p: str(p), metadata={"description": "YYYY-MM"})
    year = ma.fields.Integer()
    month = ma.fields.Integer()
    status = ma.fields.Function(lambda p: p.status.value, metadata={"enum": ["open", "closed"]})
    last_number = ma.fields.Integer(metadata={"description": "vouchers posted (numbers 1..n, gapless)"})
    closed_at = ma.fields.AwareDateTime(allow_none=True)


class PeriodCreateSchema(ma.Schema):
    period = ma.fields.String(required=True, **_MONTH)


class PeriodReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


# --- vouchers ---------------------------------------------------------------------------------------

class VoucherLineSchema(ma.Schema):
    line_no = ma.fields.Integer()
    account_code = ma.fields.Function(lambda l: l.account.code)
    account_name = ma.fields.Function(lambda l: l.account.name)
    party_type = ma.fields.Function(lambda l: l.party_type.value)
    party_id = ma.fields.Integer(allow_none=True)
    party_name = ma.fields.Function(lambda l: l.party_name or common.party_name(l.party_type, l.party_id),
                                    metadata={"description": "the party's name as recorded when the voucher was prepared"})
    debit = _money()
    credit = _money()
    memo = ma.fields.String()


def _who(attribute: str) -> ma.fields.Function:
    return ma.fields.Function(lambda v: (lambda u: {"id": u.id, "name": u.name} if u else None)(getattr(v, attribute)),
                              metadata={"description": "{id, name} or null"})


class VoucherSchema(ma.Schema):
    id = ma.fields.Integer()
    period = ma.fields.Function(lambda v: str(v.period), metadata={"description": "YYYY-MM"})
    number = ma.fields.Integer(allow_none=True, metadata={"description": "given at posting, gapless per period"})
    label = ma.fields.Function(lambda v: vouchers.voucher_label(v), metadata={"example": "记-3"})
    voucher_date = ma.fields.Date()
    summary = ma.fields.String(metadata={"description": "摘要"})
    attachments = ma.fields.Integer()
    status = ma.fields.Function(lambda v: v.status.value, metadata={"enum": [s.value for s in VoucherStatus]})
    source = ma.fields.Function(lambda v: v.source.value)
    source_id = ma.fields.Integer(allow_none=True)
    reverses_id = ma.fields.Integer(allow_none=True, metadata={"description": "the voucher this 红字 voucher reverses"})
    idempotency_key = ma.fields.String()
    total = ma.fields.Function(lambda v: f"{vouchers.voucher_total(v):.2f}",
                               metadata={"type": "string", "description": "Σ debit = Σ credit, 元"})
    prepared_by = _who("prepared_by")
    approved_by = _who("approved_by")
    posted_by = _who("posted_by")
    prepared_at = ma.fields.AwareDateTime()
    approved_at = ma.fields.AwareDateTime(allow_none=True)
    posted_at = ma.fields.AwareDateTime(allow_none=True)
    rejected_reason = ma.fields.String()
    lines = ma.fields.List(ma.fields.Nested(VoucherLineSchema))


class VoucherListArgsSchema(ma.Schema):
    period = ma.fields.String(load_default=None, **_MONTH)
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf([s.value for s in VoucherStatus]))
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))


class VoucherLineCreateSchema(ma.Schema):
    account_code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16))
    debit = ExactNumber(load_default="0", metadata={"description": "元, as a string", "example": "5000.00"})
    credit = ExactNumber(load_default="0", metadata={"description": "元, as a string", "example": "0"})
    party_type = ma.fields.String(load_default="none", validate=ma.validate.OneOf([p.value for p in PartyType]))
    party_id = ma.fields.Integer(load_default=None, allow_none=True)
    memo = ma.fields.String(load_default="", validate=ma.validate.Length(max=255))


class VoucherCreateSchema(ma.Schema):
    """制单: a manual voucher awaiting review. ``creates`` (the Idempotency-Key header) makes a retry
    return the same voucher."""

    voucher_date = ma.fields.Date(required=True)
    summary = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    attachments = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=999))
    lines = ma.fields.List(ma.fields.Nested(VoucherLineCreateSchema), required=True,
                           validate=ma.validate.Length(min=2, max=50))


class VoucherReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class ReversalCreateSchema(VoucherReasonSchema):
    voucher_date = ma.fields.Date(load_default=None, allow_none=True,
                                  metadata={"description": "the red voucher's date; defaults to today"})


# --- trial balance and ledgers ---------------------------------------------------------------------

class TrialBalanceArgsSchema(ma.Schema):
    period = ma.fields.String(load_default=None, **_MONTH)


class TrialRowSchema(ma.Schema):
    account_code = ma.fields.Function(lambda r: r.account.code)
    account_name = ma.fields.Function(lambda r: r.account.name)
    opening_debit = _money()
    opening_credit = _money()
    debit = _money(metadata={"description": "this period's debits"})
    credit = _money(metadata={"description": "this period's credits"})
    closing_debit = _money()
    closing_credit = _money()
    level = ma.fields.Integer(metadata={"description": "0 for a first-level account, 1 for its sub-account …"})
    rolled_up = ma.fields.Boolean(metadata={"description": "the figures include the sub-accounts' (the totals "
                                                          "add the level-0 rows only)"})


class TrialTotalsSchema(ma.Schema):
    opening_debit = _money()
    opening_credit = _money()
    debit = _money()
    credit = _money()
    closing_debit = _money()
    closing_credit = _money()


class TrialBalanceSchema(ma.Schema):
    period = ma.fields.Function(lambda b: str(b.month))
    period_status = ma.fields.Function(lambda b: b.period.status.value if b.period else None)
    balanced = ma.fields.Boolean()
    rows = ma.fields.List(ma.fields.Nested(TrialRowSchema))
    totals = ma.fields.Nested(TrialTotalsSchema)


def _yuan(attribute: str, **metadata):
    """A fen figure of the VAT summary as 元 (a string with two places)."""
    return ma.fields.Function(lambda o: f"{Money.from_fen(getattr(o, attribute)).yuan:.2f}",
                              metadata={"type": "string", "format": "decimal", "description": "元", **metadata})


class VatRateRowSchema(ma.Schema):
    rate_pct = ma.fields.Function(lambda r: f"{r.rate_pct:.2f}", metadata={"description": "percent"})
    sales = _yuan("sales_fen", description="不含税销售额 (credited to 5001)")
    tax = _yuan("tax_fen", description="销项税额")
    count = ma.fields.Integer(metadata={"description": "sale vouchers"})


class VatExemptRowSchema(ma.Schema):
    basis = ma.fields.String(metadata={"description": "e.g. 蔬菜流通环节免税"})
    sales = _yuan("sales_fen", description="免税销售额")
    count = ma.fields.Integer()


class VatInputSchema(ma.Schema):
    purchase_invoices = ma.fields.Function(
        lambda s: f"{Money.from_fen(s.input_by_source['purchase_invoices']).yuan:.2f}",
        metadata={"description": "农产品收购发票 calculated deduction (settlements' purchase vouchers)"})
    special_invoices = ma.fields.Function(
        lambda s: f"{Money.from_fen(s.input_by_source['special_invoices']).yuan:.2f}",
        metadata={"description": "增值税专用发票 of the settlements' freight and packing"})
    other = ma.fields.Function(lambda s: f"{Money.from_fen(s.input_by_source['other']).yuan:.2f}",
                               metadata={"description": "other vouchers: special VAT invoices entered by hand …"})
    total = _yuan("input_fen", description="进项税额 (22210101 debits less credits)")


class VatSummarySchema(ma.Schema):
    period = ma.fields.Function(lambda r: str(r.month))
    period_status = ma.fields.Function(lambda r: r.period.status.value if r.period else None)
    sales_by_rate = ma.fields.Function(lambda r: VatRateRowSchema(many=True).dump(r.summary.by_rate))
    exempt_sales = ma.fields.Function(lambda r: VatExemptRowSchema(many=True).dump(r.summary.exempt))
    unseparated_sales = ma.fields.Function(lambda r: f"{Money.from_fen(r.summary.unseparated_fen).yuan:.2f}",
                                           metadata={"description": "sales settled before output VAT was booked"})
    taxable_sales = ma.fields.Function(lambda r: f"{Money.from_fen(r.summary.taxable_sales_fen).yuan:.2f}")
    exempt_sales_total = ma.fields.Function(lambda r: f"{Money.from_fen(r.summary.exempt_sales_fen).yuan:.2f}")
    other_output_tax = ma.fields.Function(lambda r: f"{Money.from_fen(r.summary.other_output_fen).yuan:.2f}")
    output_tax = ma.fields.Function(lambda r: f"{Money.from_fen(r.summary.output_fen).yuan:.2f}",
                                    metadata={"description": "销项税额 (22210102 credits less debits)"})
    input_tax = ma.fields.Function(lambda r: VatInputSchema().dump(r.summary))
    transfers_out = ma.fields.Function(lambda r: f"{Money.from_fen(r.summary.transfer_out_fen).yuan:.2f}",
                                       metadata={"description": "进项税额转出 (22210103)"})
    brought_forward = ma.fields.Function(lambda r: f"{Money.from_fen(r.summary.brought_forward_fen).yuan:.2f}",
                                         metadata={"description": "上期留抵税额"})
    tax_payable = ma.fields.Function(lambda r: f"{Money.from_fen(r.summary.payable_fen).yuan:.2f}",
                                     metadata={"description": "应纳税额, never below zero"})
    carried_forward = ma.fields.Function(lambda r: f"{Money.from_fen(r.summary.carried_forward_fen).yuan:.2f}",
                                         metadata={"description": "期末留抵税额"})
    transferred = ma.fields.Function(lambda r: f"{Money.from_fen(r.summary.transferred_fen).yuan:.2f}",
                                     metadata={"description": "转出未交增值税 booked this month (22210104)"})


class LedgerArgsSchema(ma.Schema):
    account = ma.fields.String(required=True, metadata={"description": "account code, e.g. 2202"})
    party_type = ma.fields.String(load_default=None, validate=ma.validate.OneOf([p.value for p in PartyType]))
    party_id = ma.fields.Integer(load_default=None)
    from_ = ma.fields.String(data_key="from", load_default=None, **_MONTH)
    to = ma.fields.String(load_default=None, **_MONTH)


class LedgerEntrySchema(ma.Schema):
    day = ma.fields.Date()
    voucher_id = ma.fields.Function(lambda e: e.voucher.id)
    period = ma.fields.Function(lambda e: str(e.voucher.period))
    number = ma.fields.String(metadata={"example": "记-3"})
    summary = ma.fields.String()
    party = ma.fields.String()
    debit = _money()
    credit = _money()
    balance = _money(metadata={"description": "running balance, debit-positive"})
    side = ma.fields.String(metadata={"enum": ["借", "贷", "平"]})


class AccountLedgerSchema(ma.Schema):
    account = ma.fields.Nested(AccountSchema)
    party_type = ma.fields.Function(lambda b: b.party_type.value if b.party_type else None)
    party_id = ma.fields.Integer(allow_none=True)
    party = ma.fields.String()
    start = ma.fields.Function(lambda b: str(b.start), data_key="from")
    end = ma.fields.Function(lambda b: str(b.end), data_key="to")
    opening = _money(metadata={"description": "debit-positive"})
    opening_side = ma.fields.String()
    debit = _money()
    credit = _money()
    closing = _money(metadata={"description": "debit-positive"})
    closing_side = ma.fields.String()
    entries = ma.fields.List(ma.fields.Nested(LedgerEntrySchema))


# --- statements ----------------------------------------------------------------------------------

class RangeArgsSchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", load_default=None, metadata={"description": "default 1 January"})
    to = ma.fields.Date(load_default=None, metadata={"description": "default 31 December"})


class StatementDeliverySchema(ma.Schema):
    day = ma.fields.Date()
    settlement_number = ma.fields.String()
    slip_serials = ma.fields.String()
    grade = ma.fields.String()
    field_kg = _weight()
    payable_kg = _weight()
    price = _price()
    amount = _money()


class StatementDeductionSchema(ma.Schema):
    day = ma.fields.Date()
    settlement_number = ma.fields.String()
    advances = _money(metadata={"description": "advances recovered"})
    input_credit = _money(metadata={"description": "farm inputs on credit recovered"})
    total = _money()


class StatementPaymentSchema(ma.Schema):
    day = ma.fields.Date()
    number = ma.fields.String()
    method = ma.fields.Function(lambda p: p.method.value)
    reference = ma.fields.String()
    amount = _money()


class StatementCorrectionSchema(ma.Schema):
    day = ma.fields.Date()
    number = ma.fields.String(metadata={"description": "the adjustment (调整单), e.g. TZ2026-0001"})
    settlement_number = ma.fields.String()
    grade = ma.fields.String()
    old_price = _price()
    new_price = _price()
    amount = _money(metadata={"description": "what the household is owed more (below zero: less)"})
    invoice_number = ma.fields.String(metadata={"description": "the red or supplementary 收购发票 it issued"})
    reason = ma.fields.String()


class StatementAllowanceSchema(ma.Schema):
    day = ma.fields.Date()
    number = ma.fields.String(metadata={"description": "the adjustment (调整单), e.g. TZ2026-0002"})
    reference = ma.fields.String(metadata={"description": "the red VAT invoice's number, or the reason"})
    amount = _money(metadata={"description": "what the buyer owes less"})


class StatementPendingSchema(ma.Schema):
    day = ma.fields.Date()
    serial = ma.fields.String()
    grades = ma.fields.String()
    net_kg = _weight()
    amount = _money(metadata={"description": "the slip's amount; owed once settled"})
    settlement_number = ma.fields.String(metadata={"description": "the settlement under way, if any"})


class HouseholdStatementSchema(ma.Schema):
    household_id = ma.fields.Function(lambda s: s.household.id)
    household_name = ma.fields.Function(lambda s: s.household.head_name)
    start = ma.fields.Date(data_key="from")
    end = ma.fields.Date(data_key="to")
    opening = _money(metadata={"description": "owed to the household at the start"})
    delivered = _money()
    corrected = _money(metadata={"description": "price corrections posted in the range"})
    deducted = _money()
    paid = _money()
    closing = _money(metadata={"description": "still owed at the end (= its 2202 balance once every voucher "
                                              "is posted)"})
    deliveries = ma.fields.List(ma.fields.Nested(StatementDeliverySchema))
    corrections = ma.fields.List(ma.fields.Nested(StatementCorrectionSchema))
    deductions = ma.fields.List(ma.fields.Nested(StatementDeductionSchema))
    payments = ma.fields.List(ma.fields.Nested(StatementPaymentSchema))
    pending = ma.fields.List(ma.fields.Nested(StatementPendingSchema),
                             metadata={"description": "weighed and confirmed, not yet settled"})
    pending_amount = _money()
    advances_to_set_off = _money(metadata={"description": "advances and fulfilled contracts' deposits not yet "
                                                          "taken back by a posted settlement, as of today"})
    credit_to_set_off = _money(metadata={"description": "supplies on credit not yet taken back by a posted "
                                                        "settlement, as of today"})


class AsOfArgsSchema(ma.Schema):
    as_of = ma.fields.Date(load_default=None, metadata={"description": "default today"})


class ReceivableSchema(ma.Schema):
    settlement_id = ma.fields.Function(lambda r: r.settlement.id)
    settlement_number = ma.fields.Function(lambda r: r.settlement.number)
    order_number = ma.fields.Function(lambda r: r.settlement.order.number if r.settlement.order else None)
    day = ma.fields.Date()
    due_on = ma.fields.Date()
    amount = _money()
    allowed = _money(metadata={"description": "sales allowances posted against it by as_of"})
    received = _money()
    outstanding = _money(metadata={"description": "amount − allowed − received"})
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
    amount = _money()
    allowed = _money()
    received = _money()
    outstanding = _money()
    buckets = _buckets()
    settlements = ma.fields.List(ma.fields.Nested(ReceivableSchema), attribute="rows")
    allowances = ma.fields.List(ma.fields.Nested(StatementAllowanceSchema))
    receipts = ma.fields.List(ma.fields.Nested(StatementPaymentSchema))


class AgeingRowSchema(ma.Schema):
    buyer_id = ma.fields.Function(lambda r: r.buyer.id)
    buyer_name = ma.fields.Function(lambda r: r.buyer.name)
    buckets = _buckets()
    total = _money()


class AgeingSchema(ma.Schema):
    as_of = ma.fields.Date()
    rows = ma.fields.List(ma.fields.Nested(AgeingRowSchema))
    totals = ma.fields.Function(lambda a: {k: f"{v:.2f}" for k, v in a.totals.items()},
                                metadata={"type": "object"})
    total = _money()


# --- period end: 利润表, 资产负债表, 日记账, 辅助核算余额表 ------------------------------------------------

def _fen_as_yuan(fen: int) -> str:
    return f"{Money.from_fen(fen).yuan:.2f}"


class StatementLineSchema(ma.Schema):
    row = ma.fields.Integer(metadata={"description": "行次 of the standard form"})
    name = ma.fields.String(metadata={"description": "项目"})
    indent = ma.fields.Integer(metadata={"description": "0 a line, 1 an 其中 line, 2 a subtotal, 3 a total"})


class IncomeLineSchema(StatementLineSchema):
    this_month = ma.fields.Function(lambda l: _fen_as_yuan(l.current), metadata={"description": "本月金额, 元"})
    year_to_date = ma.fields.Function(lambda l: _fen_as_yuan(l.previous), metadata={"description": "本年累计金额, 元"})


class IncomeStatementSchema(ma.Schema):
    period = ma.fields.Function(lambda r: str(r.month))
    period_status = ma.fields.Function(lambda r: r.period.status.value if r.period else None)
    form = ma.fields.Function(lambda r: "会小企02")
    lines = ma.fields.Function(lambda r: IncomeLineSchema(many=True).dump(r.statement.lines))
    net_profit_this_month = ma.fields.Function(lambda r: _fen_as_yuan(r.statement.net_profit[0]))
    net_profit_year_to_date = ma.fields.Function(lambda r: _fen_as_yuan(r.statement.net_profit[1]))
    profit_this_year_account = ma.fields.Function(
        lambda r: _fen_as_yuan(r.profit_this_year_fen),
        metadata={"description": "3103 本年利润's credit balance at the month's end"})
    carried = ma.fields.Function(lambda r: r.carried, metadata={
        "type": "boolean", "description": "3103 本年利润 equals the year's net profit (the months are carried forward)"})


class BalanceLineSchema(StatementLineSchema):
    section = ma.fields.String(metadata={"description": "the heading printed above the line, if any"})
    closing = ma.fields.Function(lambda l: _fen_as_yuan(l.current), metadata={"description": "期末余额, 元"})
    start_of_year = ma.fields.Function(lambda l: _fen_as_yuan(l.previous), metadata={"description": "年初余额, 元"})


class BalanceSheetSchema(ma.Schema):
    period = ma.fields.Function(lambda r: str(r.month))
    as_of = ma.fields.Function(lambda r: r.as_of.isoformat())
    period_status = ma.fields.Function(lambda r: r.period.status.value if r.period else None)
    form = ma.fields.Function(lambda r: "会小企01")
    balanced = ma.fields.Function(lambda r: r.balanced, metadata={"type": "boolean"})
    assets = ma.fields.Function(lambda r: BalanceLineSchema(many=True).dump(r.sheet.assets))
    liabilities_and_equity = ma.fields.Function(lambda r: BalanceLineSchema(many=True).dump(r.sheet.liabilities))


class JournalArgsSchema(ma.Schema):
    account = ma.fields.String(load_default="1001", metadata={
        "description": "1001 库存现金, 1002 银行存款, or one of their sub-accounts (a bank account)"})
    period = ma.fields.String(load_default=None, **_MONTH)


class JournalEntrySchema(ma.Schema):
    day = ma.fields.Date()
    number = ma.fields.String(metadata={"description": "凭证号"})
    summary = ma.fields.String()
    counterpart = ma.fields.String(metadata={"description": "对方科目"})
    debit = _money()
    credit = _money()
    balance = _money()


class JournalDaySchema(ma.Schema):
    day = ma.fields.Date()
    entries = ma.fields.List(ma.fields.Nested(JournalEntrySchema))
    debit = _money()
    credit = _money()
    balance = _money()


class JournalSchema(ma.Schema):
    title = ma.fields.String(metadata={"description": "现金日记账 or 银行存款日记账"})
    account = ma.fields.Function(lambda j: j.account.code)
    account_name = ma.fields.Function(lambda j: j.account.name)
    period = ma.fields.Function(lambda j: str(j.month))
    opening = _money()
    days = ma.fields.List(ma.fields.Nested(JournalDaySchema))
    debit = _money()
    credit = _money()
    closing = _money()


class PartyBalancesArgsSchema(ma.Schema):
    party_type = ma.fields.String(load_default="household", validate=ma.validate.OneOf(["household", "buyer"]))
    period = ma.fields.String(load_default=None, **_MONTH)


class PartyBalanceRowSchema(ma.Schema):
    party_id = ma.fields.Integer()
    party = ma.fields.String()
    account = ma.fields.Function(lambda r: r.account.code)
    account_name = ma.fields.Function(lambda r: r.account.name)
    opening = _money(metadata={"description": "debit-positive"})
    debit = _money()
    credit = _money()
    closing = _money(metadata={"description": "debit-positive"})


class PartyBalancesSchema(ma.Schema):
    party_type = ma.fields.Function(lambda r: r.party_type.value)
    period = ma.fields.Function(lambda r: str(r.month))
    rows = ma.fields.List(ma.fields.Nested(PartyBalanceRowSchema))
    debit = ma.fields.Function(lambda r: f"{r.total('debit'):.2f}")
    credit = ma.fields.Function(lambda r: f"{r.total('credit'):.2f}")
