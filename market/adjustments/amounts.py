"""What an adjustment changes, exact to the fen. Pure: no database.

Each adjustment is an invoice of its own, so its tax is separated on its own and rounded once,
ROUND_HALF_UP, never re-worked from the settlement's totals:

- a **sales allowance** (销售折让) is a red sales invoice: the allowance, tax included, less the
  output VAT it contains (``output_tax``: amount × rate / (1 + rate)); an exempt sale none;
- a **price correction** (价格更正) is a red (downwards) or supplementary (upwards) 农产品收购发票 of
  the difference: calculated input VAT = difference × rate (``input_vat``), the cost the rest.

Signs: an allowance lowers what the buyer owes, so its amount, VAT and rest are below zero; a
correction's three share the sign of the difference. A red invoice is the mirror of a blue one
(rounded on the absolute value), so correcting up and back down again nets to zero.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..settlements.sales_vat import output_tax
from ..settlements.splits import input_vat
from ..units import Weight, amount_for


@dataclass(frozen=True)
class Change:
    """The signed change an adjustment books: ``amount`` = ``vat`` + ``excl_vat``, in fen."""

    amount_fen: int
    vat_fen: int

    @property
    def excl_vat_fen(self) -> int:
        return self.amount_fen - self.vat_fen


def allowance(allowance_fen: int, sale_rate_pct: Decimal | None) -> Change:
    """A sales allowance of ``allowance_fen`` (above zero) on a sale taxed at ``sale_rate_pct``
    percent (None: exempt, or booked before output VAT was)."""
    if allowance_fen <= 0:
        raise ValueError("an allowance is above zero")
    return Change(-allowance_fen, -output_tax(allowance_fen, sale_rate_pct))


def allowance_for_weight(per_kg: Decimal, grams: int) -> int:
    """An allowance agreed per kilogram accepted: price × weight, rounded once."""
    return amount_for(per_kg, Weight.from_grams(grams)).fen


def correction(current_fen: int, payable_grams: int, new_price: Decimal, vat_rate_pct: Decimal) -> Change:
    """A grade line of ``payable_grams`` now at ``current_fen``, its price corrected to ``new_price``
    (元/公斤): the difference, and the calculated input VAT on it at ``vat_rate_pct`` percent."""
    difference = amount_for(new_price, Weight.from_grams(payable_grams)).fen - current_fen
    vat, _cost = input_vat(abs(difference), Decimal(vat_rate_pct) / 100)
    return Change(difference, vat if difference >= 0 else -vat)
