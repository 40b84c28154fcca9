"""The tolerance band of deliveries against a contract's expected quantity: pure."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from market.contracts.progress import Band, Progress, percent_delivered, tolerance_band, tolerance_bounds

grams = st.integers(min_value=0, max_value=10**10).map(lambda g: Decimal(g).scaleb(-3))
tolerances = st.integers(min_value=0, max_value=5000).map(lambda h: Decimal(h).scaleb(-2))


def test_deliveries_inside_five_percent_either_side_are_within():
    for delivered in ("950", "1000", "1050"):
        assert tolerance_band(Decimal("1000"), Decimal("5"), Decimal(delivered)) is Band.WITHIN


def test_one_gram_outside_the_band_is_under_or_over():
    assert tolerance_band(Decimal("1000"), Decimal("5"), Decimal("949.999")) is Band.UNDER
    assert tolerance_band(Decimal("1000"), Decimal("5"), Decimal("1050.001")) is Band.OVER


def test_zero_tolerance_means_exactly_the_expected_quantity():
    assert tolerance_band(Decimal("10"), Decimal("0"), Decimal("10.000")) is Band.WITHIN
    assert tolerance_band(Decimal("10"), Decimal("0"), Decimal("9.999")) is Band.UNDER


def test_the_bounds_are_shown_to_the_gram():
    assert tolerance_bounds(Decimal("1234.567"), Decimal("5")) == (Decimal("1172.839"), Decimal("1296.295"))


def test_nothing_delivered_yet_is_zero_percent_and_under():
    progress = Progress(Decimal("500"), Decimal("5"), Decimal("0.000"), Decimal("0.00"), 0)
    assert (progress.percent, progress.bar_percent, progress.band) == (0, 0, Band.UNDER)
    assert progress.remaining_kg == Decimal("500")


def test_the_bar_stops_at_full_when_more_than_expected_was_delivered():
    progress = Progress(Decimal("500"), Decimal("5"), Decimal("600"), Decimal("0"), 3)
    assert (progress.percent, progress.bar_percent, progress.band) == (120, 100, Band.OVER)
    assert progress.remaining_kg == 0


@given(expected=grams.filter(lambda d: d > 0), tolerance=tolerances, delivered=grams)
def test_the_band_agrees_with_the_exact_bounds(expected, tolerance, delivered):
    band = tolerance_band(expected, tolerance, delivered)
    low = expected * (100 - tolerance) / 100
    high = expected * (100 + tolerance) / 100
    assert band is (Band.UNDER if delivered < low else Band.OVER if delivered > high else Band.WITHIN)


@given(expected=grams.filter(lambda d: d > 0), delivered=grams)
def test_percent_delivered_is_rounded_down(expected, delivered):
    percent = percent_delivered(expected, delivered)
    assert percent * expected <= delivered * 100 < (percent + 1) * expected
