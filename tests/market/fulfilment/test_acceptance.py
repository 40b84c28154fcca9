"""The supermarket's acceptance rule: thresholds, deduction, over-delivery; parts always add up."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.fulfilment.acceptance import AcceptanceError, Outcome, Rules, assess

RULES = Rules(Decimal("1"), Decimal("5"))

percents = st.decimals(min_value=0, max_value=100, places=2)
grams = st.integers(min_value=1, max_value=50_000_000)


@st.composite
def rules(draw):
    low, high = sorted([draw(percents), draw(percents)])
    return Rules(low, high)


def test_defects_below_the_acceptance_threshold_accept_everything():
    result = assess(600_000, Decimal("0.99"), 600_000, RULES)
    assert (result.accepted_g, result.deducted_g, result.rejected_g, result.outcome) == (600_000, 0, 0, Outcome.ACCEPTED)


def test_defects_between_the_thresholds_deduct_their_share_rounded_half_up_to_the_gram():
    result = assess(598_765, Decimal("2.5"), 600_000, RULES)
    # 598 765 g × 2.5 % = 14 969.125 g → 14 969 g
    assert (result.deducted_g, result.accepted_g, result.outcome) == (14_969, 583_796, Outcome.DEDUCTED)
    assert assess(1_001, Decimal("1.5"), 600_000, RULES).deducted_g == 15  # 15.015 g


def test_both_thresholds_themselves_deduct_rather_than_accept_or_reject():
    assert assess(100_000, Decimal("1"), 100_000, RULES).outcome is Outcome.DEDUCTED
    assert assess(100_000, Decimal("5"), 100_000, RULES).outcome is Outcome.DEDUCTED
    assert assess(100_000, Decimal("5.01"), 100_000, RULES).outcome is Outcome.REJECTED


def test_defects_above_the_rejection_threshold_reject_the_whole_delivery():
    result = assess(600_000, Decimal("7"), 600_000, RULES)
    assert (result.accepted_g, result.deducted_g, result.rejected_g, result.outcome) == (0, 0, 600_000, Outcome.REJECTED)


def test_more_than_the_order_lacks_is_refused_at_the_door_and_the_rest_inspected():
    result = assess(650_000, Decimal("2"), 600_000, RULES)
    assert result.over_order_g == 50_000 and result.inspected_g == 600_000
    assert (result.deducted_g, result.accepted_g, result.rejected_g) == (12_000, 588_000, 50_000)


@pytest.mark.parametrize("received, pct, ordered, field", [
    (0, Decimal("1"), 100, "received"),
    (100, Decimal("-1"), 100, "defect_pct"),
    (100, Decimal("100.01"), 100, "defect_pct"),
    (100, Decimal("NaN"), 100, "defect_pct"),
    (100, Decimal("1"), -1, "ordered"),
])
def test_impossible_inputs_are_refused_by_name(received, pct, ordered, field):
    with pytest.raises(AcceptanceError) as error:
        assess(received, pct, ordered, RULES)
    assert error.value.field == field


def test_thresholds_out_of_order_and_floats_are_refused():
    with pytest.raises(AcceptanceError):
        assess(100, Decimal("1"), 100, Rules(Decimal("6"), Decimal("5")))
    with pytest.raises(TypeError):
        assess(100, 1.5, 100, RULES)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        assess(100.0, Decimal("1"), 100, RULES)  # type: ignore[arg-type]


@given(received=grams, pct=percents, ordered=st.integers(min_value=0, max_value=50_000_000), rule=rules())
def test_accepted_deducted_and_rejected_always_make_up_what_was_received(received, pct, ordered, rule):
    result = assess(received, pct, ordered, rule)
    assert result.accepted_g + result.deducted_g + result.rejected_g == received
    assert min(result.accepted_g, result.deducted_g, result.rejected_g) >= 0
    assert result.accepted_g <= ordered
    assert result.over_order_g <= result.rejected_g
    assert result.over_order_g == max(0, received - ordered)


@given(received=grams, pct=percents, ordered=grams, rule=rules())
def test_the_thresholds_decide_the_outcome(received, pct, ordered, rule):
    result = assess(received, pct, ordered, rule)
    if pct > rule.reject_above_pct:
        assert result.outcome is Outcome.REJECTED and result.accepted_g == 0
    elif pct < rule.accept_below_pct:
        assert result.outcome is Outcome.ACCEPTED and result.deducted_g == 0
        assert result.accepted_g == min(received, ordered)
    else:
        assert result.outcome is Outcome.DEDUCTED
        exact = Decimal(result.inspected_g) * pct / 100
        assert abs(Decimal(result.deducted_g) - exact) <= Decimal("0.5")


@given(received=grams, low=percents, high=percents, ordered=grams, rule=rules())
def test_more_defects_never_mean_more_accepted(received, low, high, ordered, rule):
    low, high = sorted([low, high])
    assert assess(received, high, ordered, rule).accepted_g <= assess(received, low, ordered, rule).accepted_g
