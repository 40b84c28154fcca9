"""Properties of applying a payment oldest first, and of ageing what is open (pure, hypothesis)."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, strategies as st

from market.payments.applying import BUCKETS, ApplyError, Open, ageing, apply_oldest_first, bucket_of

AS_OF = date(2026, 11, 1)

days = st.integers(-60, 400).map(lambda n: AS_OF - timedelta(days=n))


@st.composite
def open_items(draw, min_size=0, max_size=12):
    """Open records with distinct whole-number keys (row ids), several due the same day."""
    keys = draw(st.lists(st.integers(1, 10_000), min_size=min_size, max_size=max_size, unique=True))
    due = draw(st.lists(days, min_size=1, max_size=4))  # few dates, so ties are common
    return [Open(key, draw(st.sampled_from(due)), draw(st.integers(0, 5_000_000))) for key in keys]


@st.composite
def payments(draw):
    items = draw(open_items(min_size=1))
    total = sum(item.open_fen for item in items)
    assume(total > 0)
    return draw(st.integers(1, total)), items


def order(item: Open) -> tuple:
    """Oldest due first; records due the same day in the order they were made (numeric id)."""
    return item.due_on, item.key


@given(payments())
def test_a_payment_is_applied_exactly_and_never_beyond_what_is_open(case):
    amount, items = case
    applied = apply_oldest_first(amount, items)
    by_key = {item.key: item for item in items}
    assert sum(part for _key, part in applied) == amount
    assert len({key for key, _ in applied}) == len(applied), "a record is applied to twice"
    for key, part in applied:
        assert 0 < part <= by_key[key].open_fen


@given(payments())
def test_older_records_are_paid_in_full_before_newer_ones_get_anything(case):
    amount, items = case
    applied = dict(apply_oldest_first(amount, items))
    for older in items:
        for newer in items:
            if order(older) < order(newer) and applied.get(newer.key, 0) > 0:
                assert applied.get(older.key, 0) == older.open_fen, (older, newer, applied)
    # and the result lists them in the order they were paid
    in_order = apply_oldest_first(amount, items)
    by_key = {item.key: item for item in items}
    assert in_order == sorted(in_order, key=lambda pair: order(by_key[pair[0]]))


@given(payments(), st.randoms(use_true_random=False))
def test_the_order_records_are_given_in_does_not_matter(case, rng):
    amount, items = case
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert apply_oldest_first(amount, shuffled) == apply_oldest_first(amount, items)


@given(open_items(), st.integers(1, 1000))
def test_more_than_is_open_is_refused(items, extra):
    total = sum(item.open_fen for item in items)
    with pytest.raises(ApplyError):
        apply_oldest_first(total + extra, items)


@given(open_items(), st.integers(-1000, 0))
def test_nothing_or_less_is_refused(items, amount):
    with pytest.raises(ApplyError):
        apply_oldest_first(amount, items)


def test_a_negative_open_amount_is_refused():
    with pytest.raises(ApplyError):
        apply_oldest_first(1, [Open(1, AS_OF, 5), Open(2, AS_OF, -1)])


@given(payments())
def test_paying_the_whole_open_amount_settles_every_record(case):
    _amount, items = case
    total = sum(item.open_fen for item in items)
    applied = dict(apply_oldest_first(total, items))
    assert applied == {item.key: item.open_fen for item in items if item.open_fen}


# --- ageing ---------------------------------------------------------------------------------------

def expected_bucket(due_on: date, as_of: date) -> str:
    overdue = (as_of - due_on).days
    if overdue <= 0:
        return "current"
    if overdue <= 30:
        return "1-30"
    if overdue <= 60:
        return "31-60"
    if overdue <= 90:
        return "61-90"
    return "over_90"


@given(open_items(max_size=20))
def test_ageing_buckets_sum_to_the_total_open(items):
    buckets = ageing(items, AS_OF)
    assert list(buckets) == [label for label, *_ in BUCKETS]
    assert sum(buckets.values()) == sum(item.open_fen for item in items)
    assert all(value >= 0 for value in buckets.values())


@given(open_items(max_size=20))
def test_each_record_ages_by_its_days_past_due(items):
    buckets = ageing(items, AS_OF)
    expected = {label: 0 for label, *_ in BUCKETS}
    for item in items:
        expected[expected_bucket(item.due_on, AS_OF)] += item.open_fen
    assert buckets == expected


@given(open_items(max_size=10), open_items(max_size=10))
def test_ageing_adds_up_over_two_lists(first, second):
    together = ageing(first + second, AS_OF)
    apart = ageing(first, AS_OF), ageing(second, AS_OF)
    assert together == {label: apart[0][label] + apart[1][label] for label in together}


@pytest.mark.parametrize("overdue, label", [
    (-5, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"), (61, "61-90"),
    (90, "61-90"), (91, "over_90"), (3650, "over_90"),
])
def test_bucket_edges(overdue, label):
    assert bucket_of(AS_OF - timedelta(days=overdue), AS_OF) == label


def test_ties_go_to_the_record_made_first_whatever_its_text():
    # 9 is made before 10 and 100, though "10" < "9" as text
    items = [Open(100, AS_OF, 50), Open(10, AS_OF, 50), Open(9, AS_OF, 50)]
    random.Random(4).shuffle(items)
    assert apply_oldest_first(120, items) == [(9, 50), (10, 50), (100, 20)]
