"""Applying a payment oldest first: by due date, then by the record's key in numeric order."""
from __future__ import annotations

from datetime import date

import pytest

from market.payments.applying import ApplyError, Open, apply_oldest_first

DAY = date(2026, 8, 21)


def test_records_due_the_same_day_are_paid_in_the_order_they_were_made():
    items = [Open(10, DAY, 500), Open(9, DAY, 500), Open(11, date(2026, 8, 1), 100)]
    assert apply_oldest_first(700, items) == [(11, 100), (9, 500), (10, 100)]


def test_text_keys_keep_a_stable_order_after_numbers():
    items = [Open("b", DAY, 100), Open(2, DAY, 100), Open("a", DAY, 100)]
    assert apply_oldest_first(300, items) == [(2, 100), ("a", 100), ("b", 100)]


@pytest.mark.parametrize("amount", [0, -1, 301])
def test_nothing_is_applied_beyond_what_is_open(amount):
    with pytest.raises(ApplyError):
        apply_oldest_first(amount, [Open(1, DAY, 100), Open(2, DAY, 200)])
