"""The month's 增值税 summary (增值税纳税申报 working paper), from the posted ledger. Pure: no database.

The figures an accountant copies into the return, each read from the posted lines of the month on
222101 应交增值税's third-level accounts:

- 销项税额 (22210102, credits less debits) by rate, each rate with its taxable sales (不含税销售额: the
  5001 credit of the same sale vouchers); exempt sales (免税销售额) with their basis; output VAT on
  other vouchers (manual, reversals) as its own row, so the rows add up to the account's movement;
- 进项税额 (22210101, debits less credits) by source: 农产品收购发票 calculated deduction (the
  settlements' purchase vouchers), 增值税专用发票 of the settlements' freight and packing, and other
  vouchers (special invoices entered by hand …);
- 进项税额转出 (22210103, credits less debits);
- the tax payable: output − input + transfers out − the credit brought forward (留抵, a debit
  balance of 222101 at the start of the month); never below zero — what is left is carried
  forward as 留抵;
- 转出未交增值税 (22210104) booked in the month, for reference.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable

INPUT, OUTPUT, TRANSFER_OUT, TRANSFERRED = "input", "output", "transfer_out", "transferred"
#: third-level account under 222101 → what it holds
BUCKET_OF_CODE = {"22210101": INPUT, "22210102": OUTPUT, "22210103": TRANSFER_OUT, "22210104": TRANSFERRED}
#: input VAT sources: 农产品收购发票 (calculated), 增值税专用发票 of a settlement's freight and packing, other vouchers
PURCHASE_INVOICES, SPECIAL_INVOICES, OTHER = "purchase_invoices", "special_invoices", "other"


def bucket_of(code: str) -> str | None:
    """Which part of the summary a line on ``code`` (or on a sub-account below it) belongs to."""
    return BUCKET_OF_CODE.get(code[:8]) if code.startswith("222101") and len(code) >= 8 else None


@dataclass(frozen=True)
class TaxLine:
    """A posted line on one of 222101's sub-accounts."""

    bucket: str
    debit_fen: int
    credit_fen: int
    #: output: ("rate", "9.00") | ("exempt", basis) | ("other", ""); input: (a source, "")
    key: tuple[str, str] = (OTHER, "")


@dataclass(frozen=True)
class Sale:
    """A posted sale voucher: its revenue (5001) and its treatment."""

    key: tuple[str, str]
    net_fen: int


@dataclass
class RateRow:
    rate_pct: Decimal
    sales_fen: int = 0
    tax_fen: int = 0
    count: int = 0


@dataclass
class ExemptRow:
    basis: str
    sales_fen: int = 0
    count: int = 0


@dataclass
class VatSummary:
    by_rate: list[RateRow] = field(default_factory=list)
    exempt: list[ExemptRow] = field(default_factory=list)
    #: sales settled before output VAT was booked (their whole amount went to revenue)
    unseparated_fen: int = 0
    other_output_fen: int = 0
    output_fen: int = 0
    input_by_source: dict[str, int] = field(default_factory=lambda: {PURCHASE_INVOICES: 0, SPECIAL_INVOICES: 0,
                                                                      OTHER: 0})
    input_fen: int = 0
    transfer_out_fen: int = 0
    transferred_fen: int = 0
    #: 222101's debit balance at the start of the month, when it has one (上期留抵税额)
    brought_forward_fen: int = 0
    payable_fen: int = 0
    carried_forward_fen: int = 0

    @property
    def taxable_sales_fen(self) -> int:
        return sum(row.sales_fen for row in self.by_rate)

    @property
    def exempt_sales_fen(self) -> int:
        return sum(row.sales_fen for row in self.exempt)


def summarize(lines: Iterable[TaxLine], sales: Iterable[Sale], opening_fen: int) -> VatSummary:
    """The summary of a month's posted lines on 222101's sub-accounts and its sale vouchers.

    :param opening_fen: 222101's balance (debit-positive) at the start of the month.
    """
    summary = VatSummary()
    rates: dict[str, RateRow] = {}
    exempt: dict[str, ExemptRow] = {}
    for sale in sales:
        kind, value = sale.key
        if kind == "rate":
            row = rates.setdefault(value, RateRow(Decimal(value)))
            row.sales_fen += sale.net_fen
            row.count += 1
        elif kind == "exempt":
            row_e = exempt.setdefault(value, ExemptRow(value))
            row_e.sales_fen += sale.net_fen
            row_e.count += 1
        else:
            summary.unseparated_fen += sale.net_fen
    for line in lines:
        if line.bucket == OUTPUT:
            amount = line.credit_fen - line.debit_fen
            summary.output_fen += amount
            if line.key[0] == "rate":
                rates.setdefault(line.key[1], RateRow(Decimal(line.key[1]))).tax_fen += amount
            else:
                summary.other_output_fen += amount
        elif line.bucket == INPUT:
            amount = line.debit_fen - line.credit_fen
            summary.input_fen += amount
            source = line.key[0] if line.key[0] in summary.input_by_source else OTHER
            summary.input_by_source[source] += amount
        elif line.bucket == TRANSFER_OUT:
            summary.transfer_out_fen += line.credit_fen - line.debit_fen
        elif line.bucket == TRANSFERRED:
            summary.transferred_fen += line.debit_fen - line.credit_fen
    summary.by_rate = [rates[key] for key in sorted(rates, key=Decimal, reverse=True)]
    summary.exempt = [exempt[key] for key in sorted(exempt)]
    summary.brought_forward_fen = max(0, opening_fen)
    due = summary.output_fen - summary.input_fen + summary.transfer_out_fen - summary.brought_forward_fen
    summary.payable_fen = max(0, due)
    summary.carried_forward_fen = max(0, -due)
    return summary
