"""JSON shapes of the trial balance (科目余额表), the 增值税 summary and an account's ledger (明细账)."""
from __future__ import annotations

import marshmallow as ma

from models import PartyType

from ...units import Money
from .fields import MONTH, money, side
from .ledger import AccountSchema


# --- trial balance and ledgers ---------------------------------------------------------------------

class TrialBalanceArgsSchema(ma.Schema):
    period = ma.fields.String(load_default=None, **MONTH)


class TrialRowSchema(ma.Schema):
    account_code = ma.fields.Function(lambda r: r.account.code)
    account_name = ma.fields.Function(lambda r: r.account.name)
    opening_debit = money()
    opening_credit = money()
    debit = money(metadata={"description": "this period's debits"})
    credit = money(metadata={"description": "this period's credits"})
    closing_debit = money()
    closing_credit = money()
    level = ma.fields.Integer(metadata={"description": "0 for a first-level account, 1 for its sub-account …"})
    rolled_up = ma.fields.Boolean(metadata={"description": "the figures include the sub-accounts' (the totals "
                                                          "add the level-0 rows only)"})


class TrialTotalsSchema(ma.Schema):
    opening_debit = money()
    opening_credit = money()
    debit = money()
    credit = money()
    closing_debit = money()
    closing_credit = money()


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
    from_ = ma.fields.String(data_key="from", load_default=None, **MONTH)
    to = ma.fields.String(load_default=None, **MONTH)


class LedgerEntrySchema(ma.Schema):
    day = ma.fields.Date()
    voucher_id = ma.fields.Function(lambda e: e.voucher.id)
    period = ma.fields.Function(lambda e: str(e.voucher.period))
    number = ma.fields.String(metadata={"example": "记-3"})
    summary = ma.fields.String()
    party = ma.fields.String()
    debit = money()
    credit = money()
    balance = money(metadata={"description": "running balance, debit-positive"})
    side = ma.fields.String(metadata={"enum": ["借", "贷", "平"]})


class AccountLedgerSchema(ma.Schema):
    account = ma.fields.Nested(AccountSchema)
    party_type = ma.fields.Function(lambda b: b.party_type.value if b.party_type else None)
    party_id = ma.fields.Integer(allow_none=True)
    party = ma.fields.String()
    start = ma.fields.Function(lambda b: str(b.start), data_key="from")
    end = ma.fields.Function(lambda b: str(b.end), data_key="to")
    opening = money(metadata={"description": "debit-positive"})
    opening_side = ma.fields.String()
    debit = money()
    credit = money()
    closing = money(metadata={"description": "debit-positive"})
    closing_side = ma.fields.String()
    entries = ma.fields.List(ma.fields.Nested(LedgerEntrySchema))
