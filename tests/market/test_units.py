"""Exact money and weight: conversion, parsing, formatting, rounding and splitting."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from market.units import (Money, Unit, UnitError, Weight, amount_for, format_money, format_weight,
                          parse_money, parse_quantity, price_in_unit, price_per_kg, round_half_up,
                          split_largest_remainder)

#: every amount below a trillion yuan (TOO_LARGE_DIGITS): more is refused as input
fen = st.integers(min_value=-10**14 + 1, max_value=10**14 - 1)
grams = st.integers(min_value=0, max_value=10**12)


def test_a_float_never_becomes_money_or_weight():
    with pytest.raises(TypeError):
        Money(0.1)
    with pytest.raises(TypeError):
        Weight(1.5)


def test_one_jin_is_exactly_half_a_kilogram():
    assert Weight("1", Unit.JIN).grams == 500
    assert Weight("300", "斤").kg == Decimal("150.000")
    assert Weight("5.4", "吨").kg == Decimal("5400.000")


@pytest.mark.parametrize("text, kg, unit", [
    ("300 斤", "150", Unit.JIN), ("3.5斤", "1.75", Unit.JIN), ("1,200 公斤", "1200", Unit.KG),
    ("5.4吨", "5400", Unit.TONNE), ("12", "6", Unit.JIN), ("12 kg", "12", Unit.KG), ("０.5 t", None, None),
])
def test_people_type_quantities_with_their_unit(text, kg, unit):
    if kg is None:
        with pytest.raises(UnitError):
            parse_quantity(text)
        return
    quantity = parse_quantity(text)
    assert quantity.weight.kg == Decimal(kg)
    assert quantity.unit is unit


@pytest.mark.parametrize("text, code", [
    ("", "empty"), ("abc", "not_a_number"), ("300 磅", "unknown_unit"), ("-3 斤", "not_positive"),
    ("0", "not_positive"), ("0.0001 斤", "finer_than_gram"), ("1.2.3斤", "not_a_number"),
])
def test_bad_quantities_are_refused_with_a_reason(text, code):
    with pytest.raises(UnitError) as error:
        parse_quantity(text)
    assert error.value.code == code


def test_money_is_parsed_from_what_people_write():
    assert parse_money("¥1,234.50") == Money("1234.50")
    assert parse_money("12.3元") == Money("12.30")
    with pytest.raises(UnitError):
        parse_money("0.001")


def test_prices_convert_between_jin_and_kilogram_exactly():
    assert price_per_kg("3.55", Unit.JIN) == Decimal("7.10")
    assert price_in_unit(Decimal("7.15"), Unit.JIN) == Decimal("3.575")
    assert price_per_kg("2500", Unit.TONNE) == Decimal("2.50")
    with pytest.raises(UnitError):
        price_per_kg("1", Unit.TONNE)  # 0.001 元/公斤 is finer than a fen


def test_amounts_round_half_up_once():
    assert amount_for(Decimal("3.33"), Weight("0.5")) == Money("1.67")  # 1.665 → 1.67, not banker's 1.66
    assert round_half_up(Decimal("2.345")) == Decimal("2.35")
    assert round_half_up(Decimal("-2.345")) == Decimal("-2.35")


def test_formatting_uses_separators_and_the_unit_symbol():
    assert format_money(Money("1234567.5")) == "¥1,234,567.50"
    assert format_weight(Weight("150"), Unit.JIN) == "300 斤"
    assert format_weight(Weight("1.5"), Unit.KG) == "1.5 公斤"


@given(fen)
def test_money_round_trips_through_fen(value):
    money = Money.from_fen(value)
    assert Money(money.yuan) == money
    assert (money + Money.from_fen(1) - Money.from_fen(1)) == money


@given(grams, st.sampled_from(list(Unit)))
def test_weight_round_trips_through_any_unit(value, unit):
    weight = Weight.from_grams(value)
    assert Weight(weight.in_unit(unit), unit) == weight


@given(st.integers(min_value=-10**12, max_value=10**12),
       st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30))
def test_largest_remainder_parts_sum_exactly_and_stay_within_one_unit(total, weights):
    if sum(weights) == 0:
        if total != 0:
            with pytest.raises(ValueError):
                split_largest_remainder(total, list(enumerate(weights)))
        return
    parts = split_largest_remainder(total, list(enumerate(weights)))
    assert sum(parts.values()) == total
    weight_sum = sum(weights)
    for key, weight in enumerate(weights):
        exact = Decimal(total) * weight / weight_sum
        assert abs(parts[key] - exact) < 1
        if weight == 0:
            assert parts[key] == 0


@given(st.integers(min_value=0, max_value=10**9),
       st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=20))
def test_splitting_is_deterministic_and_negation_symmetric(total, weights):
    items = list(enumerate(weights))
    assert split_largest_remainder(total, items) == split_largest_remainder(total, list(reversed(items)))
    negative = split_largest_remainder(-total, items)
    assert negative == {k: -v for k, v in split_largest_remainder(total, items).items()}


def test_ties_go_to_the_smaller_key():
    assert split_largest_remainder(1, {"b": 1, "a": 1}) == {"a": 1, "b": 0}


@pytest.mark.parametrize("text", ["1000000000000", "-1e12", "1E+999999999", "123456789012345678901234567"])
def test_amounts_and_weights_of_a_trillion_or_more_are_refused_as_input(text):
    for parse in (Money, Weight, lambda t: price_per_kg(t, Unit.JIN)):
        with pytest.raises(UnitError) as refused:
            parse(text)
        assert refused.value.code == "too_large"


@pytest.mark.parametrize("text", ["1E-999999999", "-1e-13"])
def test_a_number_far_finer_than_a_fen_is_refused_not_flushed_to_zero(text):
    with pytest.raises(UnitError):
        Money(text)
    with pytest.raises(UnitError):
        Weight(text)


def test_zero_with_any_exponent_is_zero():
    assert Money("0E+999999999") == Money(0) and Weight("0E-999999999").grams == 0
