"""The board's aggregation and chart: pure functions, no database."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from market.orders import board
from market.orders.board import DayPoint, OrderNeed, SupplyLot

TODAY = date(2026, 8, 18)
SVG = "{http://www.w3.org/2000/svg}"


def lot(lot_id=1, village="北里村", grade="一级", rank=1, kg=100, ready=0, spoil=6) -> SupplyLot:
    return SupplyLot(lot_id=lot_id, village=village, grade=grade, grade_rank=rank, free_g=kg * 1000,
                     ready_from=TODAY + timedelta(days=ready), spoil_by=TODAY + timedelta(days=spoil))


def need(order_id=1, kg=500, reserved=0, start=0, end=3) -> OrderNeed:
    return OrderNeed(order_id=order_id, quantity_g=kg * 1000, reserved_g=reserved * 1000,
                     window_start=TODAY + timedelta(days=start), window_end=TODAY + timedelta(days=end))


def test_fill_is_rounded_down_so_100_percent_means_every_gram():
    assert board.fill_percent(5_399_999, 5_400_000) == 99
    assert board.fill_percent(5_400_000, 5_400_000) == 100
    assert board.fill_percent(0, 5_400_000) == 0
    assert board.fill_percent(10, 0) == 0


def test_spoiled_and_fully_promised_lots_are_not_supply():
    lots = [lot(1, kg=100), lot(2, kg=0), lot(3, kg=50, ready=-10, spoil=-1)]
    assert [l.lot_id for l in board.live(lots, TODAY)] == [1]


def test_supply_is_summed_by_village_largest_first_and_by_grade_best_first():
    lots = [lot(1, "北里村", "一级", 1, 100), lot(2, "南杜村", "特级", 0, 300), lot(3, "北里村", "二级", 2, 150),
            lot(4, "南杜村", "一级", 1, 20, spoil=-1)]
    assert board.by_village(lots, TODAY) == [("南杜村", 300_000), ("北里村", 250_000)]
    assert board.by_grade(lots, TODAY) == [("特级", 300_000), ("一级", 100_000), ("二级", 150_000)]


def test_ripe_fruit_counts_today_and_late_fruit_after_the_last_day_shown():
    lots = [lot(1, kg=100, ready=-3), lot(2, kg=40, ready=2), lot(3, kg=70, ready=12, spoil=20)]
    ready = board.by_ready_day(lots, TODAY, days=10)
    assert ready.days[0] == (TODAY, 100_000)
    assert ready.days[2] == (TODAY + timedelta(days=2), 40_000)
    assert len(ready.days) == 10 and ready.later_g == 70_000
    assert ready.total_g == 210_000


def test_each_day_counts_fruit_ripe_and_unspoiled_that_day_against_orders_delivering_that_day():
    lots = [lot(1, grade="一级", rank=1, kg=100, ready=0, spoil=2), lot(2, grade="特级", rank=0, kg=50, ready=1, spoil=9)]
    orders = [need(1, kg=500, reserved=200, start=1, end=2), need(2, kg=80, reserved=80, start=0, end=9),
              need(3, kg=60, start=-5, end=-2)]  # fully reserved; and a late order, counted from today
    points = board.daily_outlook(lots, orders, TODAY, days=4)
    assert [p.by_grade for p in points] == [
        {"一级": 100_000}, {"特级": 50_000, "一级": 100_000}, {"特级": 50_000, "一级": 100_000}, {"特级": 50_000}]
    assert [p.need_g for p in points] == [60_000, 300_000, 300_000, 0]
    assert list(points[1].by_grade) == ["特级", "一级"]  # best grade at the bottom of the stack


def test_nice_steps_cover_the_peak_in_four_round_steps():
    assert board.nice_step(Decimal("5400")) == Decimal("2000")
    assert board.nice_step(Decimal("100")) == Decimal("25")
    assert board.nice_step(Decimal("0")) == Decimal("1")
    for peak in ("7", "93", "1001", "54321", "0.4"):
        step = board.nice_step(Decimal(peak))
        assert step * 4 >= Decimal(peak)
        assert step.normalize().as_tuple().digits in {(1,), (2,), (2, 5), (5,)}


def _chart(points, grades):
    svg = board.outlook_svg(points, grades, title="标题 <b>", description="说明 & 摘要", need_label="需求",
                            day_label=lambda d: f"{d.month}/{d.day}")
    return str(svg), ET.fromstring(str(svg))


def test_the_chart_is_one_well_formed_svg_with_a_bar_per_grade_and_day_and_a_mark_per_need():
    lots = [lot(1, grade="一级", rank=1, kg=100, ready=0, spoil=2), lot(2, grade="特<级>", rank=0, kg=50, ready=1)]
    points = board.daily_outlook(lots, [need(1, kg=500, start=1, end=2)], TODAY, days=5)
    text, root = _chart(points, board.grades_in(lots))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "标题 <b>"  # escaped in the markup, intact when read
    rects = root.findall(f"{SVG}rect")
    assert len(rects) == sum(len(p.by_grade) for p in points) == 1 + 2 + 2 + 1 + 1
    assert {r.get("fill") for r in rects} == {board.GRADE_COLOURS[0], board.GRADE_COLOURS[1]}
    assert len(root.findall(f"{SVG}line[@class='need']")) == 2
    assert "特&lt;级&gt;" in text and "<script" not in text
    labels = [t.text for t in root.findall(f"{SVG}text")]
    assert "8/18" in labels and "8/22" in labels


def test_every_chart_label_is_at_least_12_px_on_a_phone():
    """The chart is drawn 360 units wide and shown about as wide on a phone: 12 units ≈ 12 px."""
    lots = [lot(1, grade="一级", rank=1, kg=100, ready=0, spoil=2)]
    points = board.daily_outlook(lots, [need(1, kg=500, start=1, end=2)], TODAY, days=7)
    _text, root = _chart(points, board.grades_in(lots))
    sizes = [float(el.get("font-size")) for el in root.iter() if el.get("font-size")]
    assert sizes and min(sizes) >= 12


def test_taller_bars_mean_more_fruit_and_the_scale_switches_to_tonnes_for_big_supply():
    points = [DayPoint(TODAY, {"一级": 2_000_000}), DayPoint(TODAY + timedelta(days=1), {"一级": 12_000_000})]
    _text, root = _chart(points, ["一级"])
    small, big = (float(r.get("height")) for r in root.findall(f"{SVG}rect"))
    assert big == small * 6
    assert "吨" in [t.text for t in root.findall(f"{SVG}text")]


def test_an_empty_board_still_draws_axes_and_nothing_else():
    points = board.daily_outlook([], [], TODAY)
    _text, root = _chart(points, [])
    assert root.findall(f"{SVG}rect") == [] and root.findall(f"{SVG}polyline") == []
    assert len(root.findall(f"{SVG}line")) >= 2


lots_strategy = st.lists(st.builds(
    SupplyLot, lot_id=st.integers(1, 10_000), village=st.sampled_from(["北里村", "南杜村", "东村"]),
    grade=st.sampled_from(["特级", "一级", "二级"]), grade_rank=st.just(0),
    free_g=st.integers(0, 5_000_000), ready_from=st.dates(TODAY - timedelta(days=5), TODAY + timedelta(days=20)),
    spoil_by=st.dates(TODAY - timedelta(days=2), TODAY + timedelta(days=30))), max_size=30)


@settings(max_examples=60)
@given(lots_strategy)
def test_every_free_gram_is_counted_once_by_village_by_grade_and_by_ready_day(lots):
    total = sum(l.free_g for l in board.live(lots, TODAY))
    assert sum(g for _v, g in board.by_village(lots, TODAY)) == total
    assert sum(g for _v, g in board.by_grade(lots, TODAY)) == total
    assert board.by_ready_day(lots, TODAY).total_g == total


@settings(max_examples=30)
@given(lots_strategy, st.lists(st.builds(need, order_id=st.integers(1, 99), kg=st.integers(1, 9000),
                                         reserved=st.integers(0, 9000), start=st.integers(-3, 12),
                                         end=st.integers(12, 20)), max_size=5))
def test_the_chart_is_always_well_formed_and_no_bar_leaves_the_plot(lots, orders):
    points = board.daily_outlook(lots, orders, TODAY)
    _text, root = _chart(points, board.grades_in(board.live(lots, TODAY)))
    for rect in root.findall(f"{SVG}rect"):
        y, height = float(rect.get("y")), float(rect.get("height"))
        assert board.TOP - 0.2 <= y and y + height <= board.HEIGHT - board.BOTTOM + 0.2 and height >= 0
