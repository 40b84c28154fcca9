"""ID numbers: the GB 11643-1999 check character catches every single-digit mistake."""
from __future__ import annotations

import pytest
from datetime import date

from hypothesis import given, strategies as st
from market.reference import identity

from .support import VALID_IDS


@pytest.mark.parametrize("value", VALID_IDS)
def test_real_id_numbers_pass_the_gb_11643_check(value):
    assert identity.valid_id_number(value)


@pytest.mark.parametrize("value", [
    "610402195803151235",   # wrong check digit
    "61040219580315123",    # 17 characters
    "6104021958031512345",  # 19 characters
    "610402195802301234",   # 30 February
    "610402209901011234",   # born in the future
    "010402195803151234",   # region cannot start with 0
    "61040219580315123Y",
])
def test_id_numbers_with_a_wrong_digit_length_or_date_are_refused(value):
    assert not identity.valid_id_number(value)


@given(birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
       region=st.integers(min_value=110000, max_value=829999), serial=st.integers(min_value=0, max_value=999),
       position=st.integers(min_value=0, max_value=16), delta=st.integers(min_value=1, max_value=9))
def test_the_check_character_catches_every_single_digit_mistake(birth, region, serial, position, delta):
    first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    valid = first17 + identity.id_check_character(first17)
    assert identity.valid_id_number(valid)
    wrong_digit = str((int(valid[position]) + delta) % 10)
    mistyped = valid[:position] + wrong_digit + valid[position + 1:]
    assert not identity.valid_id_number(mistyped)
