"""The weigh slip's arithmetic: net, deductions, grade splits, amounts, serials."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from market.contracts.pricing import PriceDecision, line_amount
from market.units import Money, Weight
from market.weighing import slips
from market.weighing.slips import SlipError, compute_net
from models import DeductionKind

W = Weight


def kg(text: str) -> Weight:
    return Weight(text)


# --- net and deductions ---------------------------------------------------------------

def test_without_a_deduction_the_net_is_gross_less_tare():
    result = compute_net(kg("130.5"), kg("30.25"), DeductionKind.NONE, Decimal(0))
    assert result.deduction == kg("0")
    assert result.net == kg("100.25")


def test_a_percent_deduction_is_taken_from_gross_less_tare_and_rounded_half_up_to_the_gram():
    # 2 % of 100.025 kg = 2.0005 kg → 2.001 kg (half up), net 98.024 kg
    result = compute_net(kg("130.025"), kg("30"), DeductionKind.PERCENT, Decimal("2"))
    assert result.deduction == kg("2.001")
    assert result.net == kg("98.024")


def test_a_percent_deduction_below_half_a_gram_rounds_down():
    result = compute_net(kg("1.010"), kg("0"), DeductionKind.PERCENT, Decimal("0.049"))
    # 0.049 % of 1010 g = 0.4949 g → 0 g
    assert result.deduction.grams == 0


def test_a_fixed_deduction_is_that_many_kilograms():
    result = compute_net(kg("500"), kg("20"), DeductionKind.FIXED, Decimal("3.5"))
    assert result.deduction == kg("3.5") and result.net == kg("476.5")


def test_a_per_crate_deduction_is_counted_for_every_crate():
    result = compute_net(kg("500"), kg("0"), DeductionKind.PER_UNIT, Decimal("0.25"), crates=20)
    assert result.deduction == kg("5") and result.net == kg("495")


def test_a_per_crate_deduction_needs_the_number_of_crates():
    with pytest.raises(SlipError) as caught:
        compute_net(kg("500"), kg("0"), DeductionKind.PER_UNIT, Decimal("0.25"), crates=0)
    assert caught.value.field == "crates" and caught.value.code == "crates_needed"


@pytest.mark.parametrize("gross, tare, kind, value, crates, field, code", [
    ("0", "0", "none", "0", 0, "gross", "not_positive"),
    ("100", "100", "none", "0", 0, "tare", "tare_not_below_gross"),
    ("100", "120", "none", "0", 0, "tare", "tare_not_below_gross"),
    ("100", "10", "percent", "100.001", 0, "deduction_value", "percent_over_100"),
    ("100", "10", "percent", "100", 0, "deduction_value", "net_not_positive"),
    ("100", "10", "fixed", "90", 0, "deduction_value", "net_not_positive"),
    ("100", "10", "fixed", "-1", 0, "deduction_value", "negative"),
    ("100", "10", "per_unit", "1", -1, "crates", "negative"),
    ("100", "10", "per_unit", "3", 30, "deduction_value", "net_not_positive"),
    ("100", "10", "none", "2", 0, "deduction_value", "value_without_kind"),
    ("100", "10", "percent", "1.0005", 0, "deduction_value", "too_many_places"),
    ("100", "10", "fixed", "0.0005", 0, "deduction_value", "finer_than_gram"),
    ("100000.001", "10", "none", "0", 0, "gross", "too_heavy"),
])
def test_refused_weighings(gross, tare, kind, value, crates, field, code):
    with pytest.raises(SlipError) as caught:
        compute_net(kg(gross), kg(tare), kind, Decimal(value), crates)
    assert (caught.value.field, caught.value.code) == (field, code)


def test_a_negative_tare_is_refused():
    with pytest.raises(SlipError) as caught:
        compute_net(kg("100"), Weight.from_grams(-1), "none", Decimal(0))
    assert caught.value.field == "tare"


def test_floats_never_reach_the_arithmetic():
    with pytest.raises(TypeError):
        compute_net(kg("100"), kg("1"), "percent", 2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        slips.parse_weight(2.5, "kg", "gross")  # type: ignore[arg-type]


grams = st.integers(min_value=1, max_value=slips.MAX_GROSS.grams)


@st.composite
def weighings(draw):
    gross = draw(grams)
    tare = draw(st.integers(min_value=0, max_value=gross - 1))
    kind = draw(st.sampled_from(list(DeductionKind)))
    crates = draw(st.integers(min_value=0, max_value=500))
    if kind is DeductionKind.PERCENT:
        value = Decimal(draw(st.integers(min_value=0, max_value=100_000))).scaleb(-3)
    elif kind is DeductionKind.FIXED:
        value = Decimal(draw(st.integers(min_value=0, max_value=gross))).scaleb(-3)
    elif kind is DeductionKind.PER_UNIT:
        value = Decimal(draw(st.integers(min_value=0, max_value=5000))).scaleb(-3)
    else:
        value = Decimal(0)
    return Weight.from_grams(gross), Weight.from_grams(tare), kind, value, crates


@given(weighings())
def test_net_is_always_exactly_gross_less_tare_less_deduction(case):
    gross, tare, kind, value, crates = case
    try:
        result = compute_net(gross, tare, kind, value, crates)
    except SlipError as refused:
        assert refused.code in {"net_not_positive", "crates_needed"}
        return
    assert result.net.grams == gross.grams - tare.grams - result.deduction.grams
    assert result.net.grams > 0 and result.deduction.grams >= 0
    if kind is DeductionKind.PERCENT:
        exact = Decimal(gross.grams - tare.grams) * value / 100
        assert abs(Decimal(result.deduction.grams) - exact) <= Decimal("0.5")


# --- reading typed weights ------------------------------------------------------------------

@pytest.mark.parametrize("text, unit, grams", [
    ("300", "jin", 150_000), ("300斤", "kg", 150_000), ("1.2吨", "kg", 1_200_000), ("1,250.5", "kg", 1_250_500),
    ("150 公斤", "jin", 150_000), ("0", "kg", 0), (" 12.5 ", "t", 12_500_000), ("3.", "kg", 3000),
])
def test_typed_weights_are_read_in_their_unit(text, unit, grams):
    assert slips.parse_weight(text, unit, "gross").grams == grams


@pytest.mark.parametrize("text, code", [
    ("", "empty"), ("abc", "not_a_number"), ("12磅", "unknown_unit"), ("-5", "negative"),
    ("1.0001", "finer_than_gram"), ("1e9", "not_a_number"), ("NaN", "not_a_number"),
])
def test_bad_typed_weights_are_refused_with_a_reason(text, code):
    with pytest.raises(SlipError) as caught:
        slips.parse_weight(text, "kg", "gross")
    assert caught.value.code == code and caught.value.field == "gross"


# --- grade splits ------------------------------------------------------------------------

def test_kilograms_per_grade_must_add_up_to_the_net_exactly():
    net = kg("100")
    assert slips.split_by_weight(net, [(1, kg("60")), (2, kg("40"))]) == {1: kg("60"), 2: kg("40")}
    with pytest.raises(SlipError) as caught:
        slips.split_by_weight(net, [(1, kg("60")), (2, kg("39.999"))])
    assert caught.value.code == "split_not_net"
    assert caught.value.params["difference"] == Decimal("0.001")


def test_percentages_must_add_up_to_100():
    with pytest.raises(SlipError) as caught:
        slips.split_by_percent(kg("100"), [(1, Decimal("60")), (2, Decimal("30"))])
    assert caught.value.code == "percent_not_100"


def test_percentages_become_grams_that_add_up_to_the_net():
    # 1 kg in thirds: 333.33 g each → 334 + 333 + 333; the extra gram goes to the smallest grade id
    parts = slips.split_by_percent(kg("1"), [(3, Decimal("33.333")), (1, Decimal("33.333")),
                                             (2, Decimal("33.334"))])
    assert sum(w.grams for w in parts.values()) == 1000
    assert parts[2].grams == 334 or parts[1].grams == 334


@pytest.mark.parametrize("parts, code", [
    ([], "no_grades"),
    ([(1, Decimal("50")), (1, Decimal("50"))], "grade_twice"),
    ([(1, Decimal("100")), (2, Decimal("0"))], "part_not_positive"),
    ([(1, Decimal("99.9995")), (2, Decimal("0.0005"))], "too_many_places"),
])
def test_bad_percent_splits_are_refused(parts, code):
    with pytest.raises(SlipError) as caught:
        slips.split_by_percent(kg("10"), parts)
    assert caught.value.code == code


def test_a_zero_weight_grade_row_is_refused():
    with pytest.raises(SlipError) as caught:
        slips.split_by_weight(kg("10"), [(1, kg("10")), (2, kg("0"))])
    assert caught.value.code == "part_not_positive"


@given(st.integers(min_value=1, max_value=10**8), st.lists(st.integers(min_value=1, max_value=100_000),
                                                           min_size=1, max_size=6))
def test_grade_parts_from_percentages_always_sum_exactly_to_the_net(net_grams, raw):
    # scale arbitrary positive weights to percentages with three places summing to exactly 100
    total = sum(raw)
    thousandths = slips_split(100_000, raw, total)
    percents = [(i + 1, Decimal(t).scaleb(-3)) for i, t in enumerate(thousandths) if t > 0]
    parts = slips.split_by_percent(Weight.from_grams(net_grams), percents)
    assert sum(w.grams for w in parts.values()) == net_grams
    assert all(w.grams > 0 for w in parts.values())


def slips_split(total: int, raw: list[int], raw_total: int) -> list[int]:
    from market.units import split_largest_remainder
    return list(split_largest_remainder(total, list(enumerate(raw))).values())


@given(st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=6))
def test_grade_parts_in_kilograms_sum_exactly_to_the_net(raw):
    net = Weight.from_grams(sum(raw))
    parts = slips.split_by_weight(net, [(i, Weight.from_grams(g)) for i, g in enumerate(raw)])
    assert sum(w.grams for w in parts.values()) == net.grams


# --- amounts ------------------------------------------------------------------------------

@given(st.lists(st.tuples(st.integers(min_value=1, max_value=10**7), st.integers(min_value=0, max_value=10_000)),
                min_size=1, max_size=6))
def test_the_slip_amount_is_the_sum_of_its_line_amounts(rows):
    split = {i: Weight.from_grams(g) for i, (g, _) in enumerate(rows)}
    prices = {i: Decimal(p).scaleb(-2) for i, (_, p) in enumerate(rows)}
    lines = slips.price_lines(split, prices)
    assert slips.slip_amount(lines).fen == sum(line.amount.fen for line in lines)
    for line in lines:
        assert line.amount == line_amount(PriceDecision(line.unit_price, "spot", False), line.net)


def test_a_line_amount_is_rounded_half_up_once():
    lines = slips.price_lines({1: kg("0.333")}, {1: Decimal("1.50")})
    # 0.333 × 1.50 = 0.4995 → 0.50
    assert lines[0].amount == Money("0.50")


# --- serials -------------------------------------------------------------------------------

def test_serials_are_gb_the_local_date_and_a_four_digit_sequence():
    assert slips.make_serial(date(2026, 8, 26), 7) == "GB20260826-0007"
    assert slips.next_sequence(date(2026, 8, 26), None) == 1
    assert slips.next_sequence(date(2026, 8, 26), "GB20260826-0041") == 42
    assert slips.make_serial(date(2026, 8, 26), 10000) == "GB20260826-10000"


def test_the_serial_day_is_the_day_in_xianyang_not_in_utc():
    late_utc = datetime(2026, 8, 25, 17, 30, tzinfo=timezone.utc)  # 01:30 on the 26th in China
    assert slips.local_day(late_utc) == date(2026, 8, 26)
