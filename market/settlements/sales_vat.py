"""Output VAT (销项税额) on a sale, exact to the fen. Pure: no database.

The delivered price the buyer agreed includes VAT (含税价). For each line of the sales invoice —
one product (and grade, where it is priced apart) at its amount after the buyer's agreed
deductions — the tax is worked out on its own and rounded once, ROUND_HALF_UP::

    tax     = round(amount × rate / (1 + rate), 2)      (价税分离, per invoice line)
    net     = amount − tax                              (不含税金额: the revenue, 5001)

so that Σ net + Σ tax is the buyer total to the fen. An exempt line (e.g. 蔬菜流通环节免税) carries
no tax: its net is its amount.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Sequence

@dataclass(frozen=True)
class SaleLine:
    #: the line's amount with tax, fen (after the buyer's deductions on it)
    amount_fen: int
    #: percent (9.00), or None when the line is exempt
    rate_pct: Decimal | None
    exempt_basis: str = ""


@dataclass(frozen=True)
class SaleLineTax:
    amount_fen: int
    rate_pct: Decimal | None
    exempt_basis: str
    net_fen: int
    tax_fen: int


def output_tax(amount_fen: int, rate_pct: Decimal | None) -> int:
    """The VAT contained in a tax-inclusive ``amount_fen`` at ``rate_pct`` percent, rounded half up
    (the same separation serves the input VAT of a special invoice's tax-inclusive amount)."""
    if rate_pct is None or amount_fen == 0 or rate_pct == 0:
        return 0
    rate = Decimal(rate_pct) / 100
    return int((Decimal(amount_fen) * rate / (1 + rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split_line(line: SaleLine) -> SaleLineTax:
    if line.amount_fen < 0:
        raise ValueError("a sale line's amount cannot be negative")
    tax = output_tax(line.amount_fen, line.rate_pct)
    return SaleLineTax(amount_fen=line.amount_fen, rate_pct=line.rate_pct, exempt_basis=line.exempt_basis,
                       net_fen=line.amount_fen - tax, tax_fen=tax)


@dataclass(frozen=True)
class SaleTax:
    lines: tuple[SaleLineTax, ...]

    @property
    def amount_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    @property
    def net_fen(self) -> int:
        return sum(line.net_fen for line in self.lines)

    @property
    def tax_fen(self) -> int:
        return sum(line.tax_fen for line in self.lines)


def split_sale(lines: Sequence[SaleLine]) -> SaleTax:
    """Each invoice line's net and tax; the totals are the sums of the lines' (never re-rounded)."""
    return SaleTax(tuple(split_line(line) for line in lines))
