"""Pure checks: what a person typed becomes an exact quantity, or a clear refusal."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from market import units
from market.errors import ValidationFailed
from market.produce import photos
from market.produce.rules import MAX_LOT_KG, date_problems, read_quantity, read_unit
from market.produce.states import LOT
from models import LotStatus

from .conftest import GIF, HTML, JPEG, PNG, WEBP

TODAY = date(2026, 8, 10)


def _field_of(exc: ValidationFailed) -> str:
    return next(iter(exc.fields))


def test_three_hundred_jin_is_one_hundred_fifty_kilograms_remembered_in_jin():
    quantity = read_quantity("300 斤")
    assert quantity.weight.kg == Decimal("150.000")
    assert quantity.unit is units.Unit.JIN


def test_a_bare_number_takes_the_chosen_unit_and_jin_when_none_is_chosen():
    assert read_quantity("2", "t").weight.kg == Decimal("2000")
    assert read_quantity("2", "公斤").weight.kg == Decimal("2")
    assert read_quantity("2").weight.kg == Decimal("1")


def test_a_unit_typed_in_the_box_wins_over_the_unit_select():
    quantity = read_quantity("300斤", "kg")
    assert quantity.unit is units.Unit.JIN
    assert quantity.weight.kg == Decimal("150")


def test_whole_numbers_and_decimals_are_read_exactly():
    assert read_quantity(300, "kg").weight.kg == Decimal("300")
    assert read_quantity(Decimal("0.5"), "jin").weight.grams == 250


@pytest.mark.parametrize("text", ["0", "0 斤", "-5", "-300斤", "0.0000"])
def test_zero_and_negative_weights_are_refused_on_the_quantity(text):
    with pytest.raises(ValidationFailed) as caught:
        read_quantity(text)
    assert _field_of(caught.value) == "quantity"
    assert "above zero" in caught.value.field_texts()["quantity"][0]


@pytest.mark.parametrize("text", ["1000.001 吨", "2000001 斤", "1000001 公斤", "99999999"])
def test_more_than_a_thousand_tonnes_in_one_lot_is_refused(text):
    with pytest.raises(ValidationFailed) as caught:
        read_quantity(text)
    assert "1,000 吨" in caught.value.field_texts()["quantity"][0]


def test_exactly_a_thousand_tonnes_is_still_accepted():
    assert read_quantity("1000吨").weight.kg == MAX_LOT_KG


def test_pounds_are_not_a_unit_we_know():
    with pytest.raises(ValidationFailed) as caught:
        read_quantity("300 磅")
    assert caught.value.field_texts()["quantity"] == ['"磅" is not a unit we know. Use 斤, 公斤 or 吨.']


def test_an_unknown_unit_select_value_is_refused_on_the_unit_field():
    with pytest.raises(ValidationFailed) as caught:
        read_quantity("300", "lb")
    assert _field_of(caught.value) == "unit"
    with pytest.raises(ValidationFailed):
        read_unit("pound")


@pytest.mark.parametrize("value", ["", "   ", "abc", "3..5", "三百", "1e3"])
def test_text_that_is_not_a_number_is_refused(value):
    with pytest.raises(ValidationFailed) as caught:
        read_quantity(value)
    assert _field_of(caught.value) == "quantity"


def test_floats_are_refused_rather_than_rounded():
    with pytest.raises(ValidationFailed):
        read_quantity(300.5, "kg")


def test_finer_than_a_gram_is_refused():
    with pytest.raises(ValidationFailed):
        read_quantity("1.0001 公斤")


@given(st.integers(min_value=1, max_value=2_000_000))
def test_any_whole_number_of_jin_up_to_the_limit_is_exactly_half_as_many_kilograms(jin):
    quantity = read_quantity(f"{jin}斤")
    assert quantity.weight.grams == jin * 500
    assert quantity.value == Decimal(jin)


@given(st.integers(min_value=MAX_LOT_KG * 1000 + 1, max_value=10**15))
def test_any_weight_above_the_limit_is_refused(grams):
    with pytest.raises(ValidationFailed):
        read_quantity(str(Decimal(grams).scaleb(-3)), "kg")


@given(st.decimals(max_value=0, allow_nan=False, allow_infinity=False, places=3))
def test_no_weight_at_or_below_zero_gets_through(value):
    with pytest.raises(ValidationFailed):
        read_quantity(str(value), "kg")


def test_a_good_window_has_no_problems():
    assert date_problems(TODAY, TODAY + timedelta(days=3), TODAY + timedelta(days=7), TODAY) == {}


def test_the_window_must_not_end_before_it_starts():
    problems = date_problems(TODAY + timedelta(days=3), TODAY, TODAY + timedelta(days=7), TODAY)
    assert list(problems) == ["ready_to"]


def test_produce_cannot_spoil_before_it_is_ready():
    problems = date_problems(TODAY + timedelta(days=2), TODAY + timedelta(days=3), TODAY + timedelta(days=1), TODAY)
    assert list(problems) == ["spoil_by"]


def test_spoiling_on_the_first_ready_day_is_allowed():
    assert date_problems(TODAY, TODAY, TODAY, TODAY) == {}


def test_a_new_lot_cannot_have_a_window_already_over_but_an_old_one_keeps_it():
    past = TODAY - timedelta(days=5)
    assert "ready_to" in date_problems(past, past + timedelta(days=1), past + timedelta(days=2), TODAY)
    assert date_problems(past, past + timedelta(days=1), past + timedelta(days=2), TODAY, new=False) == {}


def test_a_day_more_than_a_year_ahead_is_taken_for_a_wrong_year():
    far = TODAY + timedelta(days=400)
    assert list(date_problems(far, far, far, TODAY)) == ["ready_from"]


def test_missing_dates_are_named_each_on_its_field():
    assert set(date_problems(None, None, None, TODAY)) == {"ready_from", "ready_to", "spoil_by"}


@given(st.dates(), st.dates(), st.dates())
def test_accepted_dates_are_always_ordered(ready_from, ready_to, spoil_by):
    if not date_problems(ready_from, ready_to, spoil_by, TODAY, new=False):
        assert ready_from <= ready_to and ready_from <= spoil_by


@pytest.mark.parametrize("data, kind", [(JPEG, "image/jpeg"), (PNG, "image/png"), (WEBP, "image/webp")])
def test_photos_are_recognised_by_their_bytes(data, kind):
    assert photos.sniff(data[:16]) == kind


@pytest.mark.parametrize("data", [GIF, HTML, b"", b"RIFF\x00\x00\x00\x00WAVE", b"%PDF-1.7"])
def test_anything_else_is_not_a_photo_we_accept(data):
    assert photos.sniff(data[:16]) is None


def test_the_lot_can_be_withdrawn_only_while_listed():
    assert LOT.allowed_actions(LotStatus.LISTED) == ["allocate", "withdraw"]
    for status in (LotStatus.ALLOCATED, LotStatus.COLLECTED, LotStatus.CLOSED, LotStatus.WITHDRAWN):
        assert "withdraw" not in LOT.allowed_actions(status)


def test_the_lot_moves_listed_allocated_collected_closed():
    assert LOT.table[(LotStatus.LISTED, "allocate")] is LotStatus.ALLOCATED
    assert LOT.table[(LotStatus.ALLOCATED, "collect")] is LotStatus.COLLECTED
    assert LOT.table[(LotStatus.COLLECTED, "close")] is LotStatus.CLOSED
    assert LOT.allowed_actions(LotStatus.CLOSED) == []
    assert LOT.allowed_actions(LotStatus.WITHDRAWN) == []
