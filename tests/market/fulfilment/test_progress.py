"""Collection arithmetic: what is collected, refused, still expected and short; when a lot is done."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from market.fulfilment.progress import LineFigures, lot_collected, order_figures, room_g

amounts = st.integers(min_value=0, max_value=5_000_000)


@st.composite
def lines(draw):
    allocated = draw(st.integers(min_value=1, max_value=5_000_000))
    return LineFigures(allocated_g=allocated, collected_g=draw(amounts), rejected_g=draw(amounts),
                       closed=draw(st.booleans()))


def test_a_line_filled_by_the_scale_and_the_field_rejects_is_finished():
    line = LineFigures(allocated_g=200_000, collected_g=180_000, rejected_g=20_000)
    assert line.finished and line.expected_g == 0 and line.short_g == 0


def test_an_open_line_still_expects_what_neither_the_scale_nor_the_rejects_took():
    line = LineFigures(allocated_g=200_000, collected_g=120_000, rejected_g=5_000)
    assert not line.finished and line.expected_g == 75_000


def test_a_closed_line_expects_nothing_more_and_its_remainder_becomes_short():
    line = LineFigures(allocated_g=200_000, collected_g=120_000, closed=True)
    assert line.finished and line.expected_g == 0 and line.short_g == 80_000
    totals = order_figures(600_000, [line, LineFigures(400_000, 400_000)])
    assert totals.shortfall_g == 80_000


def test_rejected_fruit_is_short_for_the_order_even_when_the_line_is_finished():
    totals = order_figures(600_000, [LineFigures(300_000, 280_000, 20_000), LineFigures(300_000, 300_000)])
    assert (totals.collected_g, totals.expected_g, totals.shortfall_g) == (580_000, 0, 20_000)


def test_a_slip_may_pass_the_allocation_by_one_crate_at_most():
    assert room_g(LineFigures(200_000, 195_000), tolerance_g=10_000) == 15_000
    assert room_g(LineFigures(200_000, 212_000), tolerance_g=10_000) == 0
    assert room_g(LineFigures(200_000, 0, closed=True), tolerance_g=10_000) == 0


def test_a_lot_is_done_when_its_lines_are_finished_and_it_has_nothing_more_to_offer():
    done = LineFigures(200_000, 200_000)
    assert lot_collected([done], free_g=0)
    assert not lot_collected([done], free_g=100_000)  # still offered to other orders
    assert lot_collected([done, LineFigures(100_000, 40_000, closed=True)], free_g=100_000)  # ran out
    assert not lot_collected([done, LineFigures(100_000, 40_000)], free_g=0)
    assert not lot_collected([], free_g=0)


@given(quantity=st.integers(min_value=1, max_value=20_000_000), items=st.lists(lines(), max_size=30))
def test_the_order_is_always_covered_by_collected_expected_and_short(quantity, items):
    totals = order_figures(quantity, items)
    assert totals.shortfall_g >= 0
    assert totals.collected_g + totals.expected_g + totals.shortfall_g >= quantity
    if totals.collected_g + totals.expected_g <= quantity:
        assert totals.collected_g + totals.expected_g + totals.shortfall_g == quantity
    assert 0 <= totals.percent_collected <= 100


@given(line=lines(), tolerance=st.integers(min_value=0, max_value=50_000))
def test_expected_and_room_are_never_negative_and_finished_lines_expect_nothing(line, tolerance):
    assert line.expected_g >= 0 and room_g(line, tolerance) >= 0
    if line.finished:
        assert line.expected_g == 0
    else:
        assert line.collected_g + line.rejected_g + line.expected_g == line.allocated_g
