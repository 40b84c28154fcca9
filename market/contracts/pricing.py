"""How a contract prices a delivery: pure, no database.

The four mechanisms of 订单收购 (see ``models.contracts.PriceMechanism``):

========== ==========================================================================
fixed      the contract's price for the grade
floor      保底价: max(floor, that day's quote for the grade)
market_plus 随行就市: quote × (1 + premium %), rounded to the fen, never below the floor
base_bonus the base price now; the bonus per kg is promised for later (二次返利)
========== ==========================================================================

Prices are 元/公斤 with two places. The only rounding is the premium's, ROUND_HALF_UP.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from models.contracts import PriceMechanism

from ..units import FEN, Money, Weight, amount_for, round_half_up

NEEDS_QUOTE = frozenset({PriceMechanism.FLOOR, PriceMechanism.MARKET_PLUS})


class MissingQuote(LookupError):
    """The mechanism follows the market, and the market has no quote for that day."""


@dataclass(frozen=True)
class PriceTerms:
    mechanism: PriceMechanism
    #: the contract's price for this grade: the fixed price, the floor or the base
    grade_price: Decimal
    premium_pct: Decimal = Decimal("0")
    bonus_per_kg: Decimal = Decimal("0")


@dataclass(frozen=True)
class PriceDecision:
    unit_price: Decimal
    #: fixed | floor | quote | quote_plus | base — what set the price
    basis: str
    used_quote: bool
    #: promised later per kg (base_bonus only)
    bonus_per_kg: Decimal = Decimal("0")


def _check_price(value: Decimal, name: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"{name} must be a finite Decimal")
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    if value != value.quantize(FEN):
        raise ValueError(f"{name} is finer than a fen")
    return value


def decide_price(terms: PriceTerms, quote: Decimal | None) -> PriceDecision:
    """The unit price (元/公斤) the mechanism gives for one grade on one day.

    :param quote: that day's market price for the grade, or ``None`` when none was recorded.
    :raises MissingQuote: floor and market_plus without a quote.
    """
    grade_price = _check_price(terms.grade_price, "grade_price")
    mechanism = terms.mechanism
    if mechanism in NEEDS_QUOTE:
        if quote is None:
            raise MissingQuote(mechanism.value)
        quote = _check_price(quote, "quote")
    if mechanism is PriceMechanism.FIXED:
        return PriceDecision(grade_price, "fixed", False)
    if mechanism is PriceMechanism.FLOOR:
        if quote > grade_price:
            return PriceDecision(quote, "quote", True)
        return PriceDecision(grade_price, "floor", True)
    if mechanism is PriceMechanism.MARKET_PLUS:
        premium = terms.premium_pct
        if premium < 0:
            raise ValueError("premium_pct must not be negative")
        raised = round_half_up(quote * (Decimal(100) + premium) / Decimal(100))
        if raised > grade_price:
            return PriceDecision(raised, "quote_plus", True)
        return PriceDecision(grade_price, "floor", True)
    if mechanism is PriceMechanism.BASE_BONUS:
        return PriceDecision(grade_price, "base", False, _check_price(terms.bonus_per_kg, "bonus_per_kg"))
    raise ValueError(f"unknown mechanism {mechanism!r}")  # pragma: no cover - enum is closed


def line_amount(decision: PriceDecision, net: Weight) -> Money:
    """Amount for one grade line: unit price × net kg, rounded once to the fen."""
    return amount_for(decision.unit_price, net)


def contract_value(expected_kg: Decimal, main_grade_price: Decimal) -> Money:
    """What the 定金 cap is reckoned on: expected kg at the main grade's price."""
    return amount_for(main_grade_price, Weight(expected_kg))


def deposit_cap(value: Money, max_percent: int = 20) -> Money:
    """定金 may be at most ``max_percent`` of the contract value (民法典 art. 586), to the fen,
    rounded down so the cap itself never exceeds the share."""
    return Money.from_fen(value.fen * max_percent // 100)
