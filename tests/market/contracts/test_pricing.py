"""The four price mechanisms, the contract value and the 定金 cap: pure, no database."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.contracts.pricing import (MissingQuote, PriceDecision, PriceTerms, contract_value, decide_price,
                                      deposit_cap, line_amount)
from market.units import Money, Weight
from models import PriceMechanism as M

prices = st.integers(min_value=0, max_value=10_000_00).map(lambda fen: Decimal(fen).scaleb(-2))
premiums = st.integers(min_value=0, max_value=100_00).map(lambda h: Decimal(h).scaleb(-2))


def test_a_fixed_price_is_the_grade_price_whatever_the_market():
    decision = decide_price(PriceTerms(M.FIXED, Decimal("6.00")), Decimal("9.00"))
    assert decision == PriceDecision(Decimal("6.00"), "fixed", False)


def test_a_fixed_price_needs_no_quote():
    assert decide_price(PriceTerms(M.FIXED, Decimal("6.00")), None).unit_price == Decimal("6.00")


def test_the_floor_pays_the_quote_when_the_market_is_higher():
    decision = decide_price(PriceTerms(M.FLOOR, Decimal("5.00")), Decimal("5.60"))
    assert (decision.unit_price, decision.basis, decision.used_quote) == (Decimal("5.60"), "quote", True)


def test_the_floor_pays_the_floor_when_the_market_falls_below_it():
    decision = decide_price(PriceTerms(M.FLOOR, Decimal("5.00")), Decimal("3.20"))
    assert (decision.unit_price, decision.basis) == (Decimal("5.00"), "floor")


def test_market_plus_adds_the_premium_and_rounds_half_up_to_the_fen():
    # 5.55 × 1.05 = 5.8275 → 5.83
    decision = decide_price(PriceTerms(M.MARKET_PLUS, Decimal("4.00"), premium_pct=Decimal("5")), Decimal("5.55"))
    assert (decision.unit_price, decision.basis) == (Decimal("5.83"), "quote_plus")


def test_market_plus_never_pays_below_the_floor():
    decision = decide_price(PriceTerms(M.MARKET_PLUS, Decimal("6.00"), premium_pct=Decimal("10")), Decimal("5.00"))
    assert (decision.unit_price, decision.basis) == (Decimal("6.00"), "floor")


def test_base_bonus_pays_the_base_now_and_promises_the_bonus():
    decision = decide_price(PriceTerms(M.BASE_BONUS, Decimal("5.00"), bonus_per_kg=Decimal("0.40")), None)
    assert decision == PriceDecision(Decimal("5.00"), "base", False, Decimal("0.40"))


@pytest.mark.parametrize("mechanism", [M.FLOOR, M.MARKET_PLUS])
def test_market_mechanisms_without_a_quote_raise_missing_quote(mechanism):
    with pytest.raises(MissingQuote):
        decide_price(PriceTerms(mechanism, Decimal("5.00")), None)


@pytest.mark.parametrize("bad", [Decimal("-0.01"), Decimal("1.005")])
def test_negative_or_sub_fen_prices_are_refused(bad):
    with pytest.raises(ValueError):
        decide_price(PriceTerms(M.FIXED, bad), None)


def test_a_float_price_is_refused():
    with pytest.raises(TypeError):
        decide_price(PriceTerms(M.FIXED, 6.0), None)  # type: ignore[arg-type]


def test_a_negative_premium_is_refused():
    with pytest.raises(ValueError):
        decide_price(PriceTerms(M.MARKET_PLUS, Decimal("1.00"), premium_pct=Decimal("-1")), Decimal("5.00"))


def test_a_line_amount_is_price_times_net_rounded_once():
    decision = PriceDecision(Decimal("7.15"), "fixed", False)
    # 7.15 × 12.345 = 88.26675 → 88.27
    assert line_amount(decision, Weight("12.345")) == Money("88.27")


def test_the_contract_value_is_expected_kg_at_the_main_grade_price():
    assert contract_value(Decimal("5000"), Decimal("6.00")) == Money("30000.00")


def test_the_deposit_cap_is_twenty_percent_rounded_down_to_the_fen():
    assert deposit_cap(Money("30000.00")) == Money("6000.00")
    assert deposit_cap(Money("0.99")) == Money("0.19")  # 0.198 → never above the share


@given(floor=prices, quote=prices)
def test_the_floor_mechanism_never_pays_below_the_floor_or_below_the_quote(floor, quote):
    paid = decide_price(PriceTerms(M.FLOOR, floor), quote).unit_price
    assert paid >= floor and paid >= quote
    assert paid in (floor, quote)


@given(floor=prices, quote=prices, premium=premiums)
def test_market_plus_never_pays_below_the_floor_nor_below_the_quote(floor, quote, premium):
    decision = decide_price(PriceTerms(M.MARKET_PLUS, floor, premium_pct=premium), quote)
    assert decision.unit_price >= floor
    assert decision.unit_price >= quote
    assert decision.unit_price == decision.unit_price.quantize(Decimal("0.01"))


@given(price=prices, quote=st.none() | prices)
def test_a_fixed_price_ignores_the_quote(price, quote):
    decision = decide_price(PriceTerms(M.FIXED, price), quote)
    assert decision.unit_price == price and not decision.used_quote


@given(floor=prices, mechanism=st.sampled_from([M.FLOOR, M.MARKET_PLUS]))
def test_a_missing_quote_always_raises_for_market_mechanisms(floor, mechanism):
    with pytest.raises(MissingQuote):
        decide_price(PriceTerms(mechanism, floor), None)


@given(fen=st.integers(min_value=0, max_value=10**12), percent=st.integers(min_value=0, max_value=100))
def test_the_deposit_cap_never_exceeds_its_share_and_misses_it_by_under_a_fen(fen, percent):
    cap = deposit_cap(Money.from_fen(fen), percent)
    assert cap.fen * 100 <= fen * percent < (cap.fen + 1) * 100
