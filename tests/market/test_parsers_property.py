"""Whatever people type, the parsers answer a value or a reason: never another exception."""
from __future__ import annotations


from hypothesis import given, settings, strategies as st

from market.input_guard import has_control_characters
from market.units import Money, Quantity, UnitError, format_money, parse_money, parse_quantity

typed = st.one_of(st.text(max_size=30),
                  st.from_regex(r"\s*-?[0-9０-９]{0,16}([.,。][0-9]{0,6})?\s*(元|斤|公斤|kg|千克|g)?\s*", fullmatch=True))


@settings(max_examples=300, deadline=None)
@given(typed)
def test_any_text_is_money_or_a_unit_error(text):
    try:
        money = parse_money(text)
    except UnitError:
        return
    assert isinstance(money, Money)


@settings(max_examples=300, deadline=None)
@given(typed)
def test_any_text_is_a_quantity_or_a_unit_error(text):
    try:
        quantity = parse_quantity(text)
    except UnitError:
        return
    assert isinstance(quantity, Quantity)


@given(st.integers(min_value=-10**14 + 1, max_value=10**14 - 1))
def test_money_read_back_from_its_own_display_is_the_same(fen):
    money = Money.from_fen(fen)
    assert parse_money(format_money(money, symbol=False).replace(",", "")) == money


@given(st.recursive(st.text(max_size=8), lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=8))
def test_control_characters_are_found_at_any_depth(value):
    def flat(v):
        if isinstance(v, str):
            return v
        if isinstance(v, list):
            return "".join(flat(x) for x in v)
        return "".join(k + flat(x) for k, x in v.items())
    has_control = any((ord(c) < 32 and c not in "\t\n\r") or ord(c) == 127 for c in flat(value))
    assert has_control_characters(value) == has_control
