"""The coordinator's board: free fruit against what open orders still need. Pure: no database.

Weights are whole grams. The chart is an SVG document built here on the server, so the page
needs no script and nothing from elsewhere; every word in it comes from the caller (already
translated), and drawing coordinates are computed with ``Decimal`` like every other quantity.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Callable, Iterable, Sequence

from markupsafe import Markup, escape

from ..units import Weight, format_number

HORIZON_DAYS = 10
#: best grade first: dark green to ochre, readable side by side and in grey print
GRADE_COLOURS = ("#1f6f3f", "#5b9e5f", "#a6cf86", "#e0b656", "#c77d4a", "#8d6e63", "#6d7f99")
NEED_COLOUR = "#b3261e"


@dataclass(frozen=True)
class SupplyLot:
    lot_id: int
    village: str
    grade: str
    #: 0 is the best grade
    grade_rank: int
    #: quantity not yet promised to an order
    free_g: int
    ready_from: date
    spoil_by: date


@dataclass(frozen=True)
class OrderNeed:
    order_id: int
    quantity_g: int
    reserved_g: int
    window_start: date
    window_end: date

    @property
    def remaining_g(self) -> int:
        return max(0, self.quantity_g - self.reserved_g)


@dataclass(frozen=True)
class ReadyDays:
    #: (day, grams that become ripe that day); the first day also holds what is ripe already
    days: tuple[tuple[date, int], ...]
    #: grams that ripen after the last day shown
    later_g: int

    @property
    def total_g(self) -> int:
        return sum(g for _day, g in self.days) + self.later_g


@dataclass(frozen=True)
class DayPoint:
    day: date
    #: free grams ripe and not yet spoiled on the day, per grade (best grade first)
    by_grade: dict[str, int] = field(default_factory=dict)
    #: grams still needed by open orders whose delivery window covers the day
    need_g: int = 0

    @property
    def total_g(self) -> int:
        return sum(self.by_grade.values())


def fill_percent(reserved_g: int, quantity_g: int) -> int:
    """Whole percent filled, rounded down: 100 means every gram is reserved."""
    if quantity_g <= 0:
        return 0
    return max(0, min(100, reserved_g * 100 // quantity_g))


def horizon(today: date, days: int = HORIZON_DAYS) -> list[date]:
    return [today + timedelta(days=i) for i in range(days)]


def live(lots: Iterable[SupplyLot], today: date) -> list[SupplyLot]:
    """Lots with free grams that have not spoiled by ``today``."""
    return [lot for lot in lots if lot.free_g > 0 and lot.spoil_by >= today]


def grades_in(lots: Iterable[SupplyLot]) -> list[str]:
    """Grade names, best first (a name's best rank decides; ties by name)."""
    ranks: dict[str, int] = {}
    for lot in lots:
        ranks[lot.grade] = min(ranks.get(lot.grade, lot.grade_rank), lot.grade_rank)
    return sorted(ranks, key=lambda name: (ranks[name], name))


def by_village(lots: Iterable[SupplyLot], today: date) -> list[tuple[str, int]]:
    """Free grams per village, the largest first."""
    totals: dict[str, int] = {}
    for lot in live(lots, today):
        totals[lot.village] = totals.get(lot.village, 0) + lot.free_g
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def by_grade(lots: Iterable[SupplyLot], today: date) -> list[tuple[str, int]]:
    """Free grams per grade, best grade first."""
    current = live(lots, today)
    totals: dict[str, int] = {}
    for lot in current:
        totals[lot.grade] = totals.get(lot.grade, 0) + lot.free_g
    return [(grade, totals[grade]) for grade in grades_in(current)]


def by_ready_day(lots: Iterable[SupplyLot], today: date, days: int = HORIZON_DAYS) -> ReadyDays:
    """Free grams by the day they ripen; fruit ripe already counts on ``today``."""
    shown = horizon(today, days)
    totals = {day: 0 for day in shown}
    later = 0
    for lot in live(lots, today):
        day = max(lot.ready_from, today)
        if day in totals:
            totals[day] += lot.free_g
        else:
            later += lot.free_g
    return ReadyDays(days=tuple((day, totals[day]) for day in shown), later_g=later)


def daily_outlook(lots: Sequence[SupplyLot], orders: Iterable[OrderNeed], today: date,
                  days: int = HORIZON_DAYS) -> list[DayPoint]:
    """For each day: the free fruit ripe and not yet spoiled that day, per grade, and what the
    orders whose delivery window covers the day still need. A late order counts from today."""
    current = live(lots, today)
    grades = grades_in(current)
    needs = [order for order in orders if order.remaining_g > 0]
    points = []
    for day in horizon(today, days):
        stack = {grade: 0 for grade in grades}
        for lot in current:
            if lot.ready_from <= day <= lot.spoil_by:
                stack[lot.grade] += lot.free_g
        need = 0
        for order in needs:
            start = max(order.window_start, today)
            end = max(order.window_end, today)
            if start <= day <= end:
                need += order.remaining_g
        points.append(DayPoint(day=day, by_grade={g: v for g, v in stack.items() if v > 0}, need_g=need))
    return points


def grade_colours(grades: Sequence[str]) -> list[tuple[str, str]]:
    return [(grade, GRADE_COLOURS[i % len(GRADE_COLOURS)]) for i, grade in enumerate(grades)]


# --- the chart ------------------------------------------------------------------------------

_NICE = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))
WIDTH, HEIGHT = 360, 230
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 22, 34


def nice_step(top_kg: Decimal, ticks: int = 4) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ kilograms that covers ``top_kg`` in ``ticks`` steps."""
    if top_kg <= 0:
        return Decimal(1)
    raw = top_kg / ticks
    magnitude = Decimal(1).scaleb(raw.adjusted())
    for factor in _NICE + (Decimal(10),):
        if factor * magnitude >= raw:
            return factor * magnitude
    return Decimal(10) * magnitude  # pragma: no cover - the loop always returns


def _px(value: Decimal) -> str:
    text = str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return text[:-2] if text.endswith(".0") else text


def _axis_value(kg: Decimal, in_tonnes: bool) -> str:
    return format_number(kg / 1000 if in_tonnes else kg, 2 if in_tonnes else 0)


def _weight_text(grams: int) -> str:
    weight = Weight.from_grams(grams)
    return f"{format_number(weight.kg, 1)} 公斤" if grams < 10_000_000 else f"{format_number(weight.kg / 1000, 2)} 吨"


def outlook_svg(points: Sequence[DayPoint], grades: Sequence[str], *, title: str, description: str,
                need_label: str, day_label: Callable[[date], str] | None = None) -> Markup:
    """Stacked bars of free fruit per day by grade, and a red mark per day at what the open
    orders need: where the mark floats above its bar, fruit is short that day."""
    day_label = day_label or (lambda d: f"{d.month}/{d.day}")
    colours = dict(grade_colours(grades))
    peak_g = max([p.total_g for p in points] + [p.need_g for p in points] + [0])
    peak_kg = Decimal(peak_g) / 1000
    step = nice_step(peak_kg)
    steps = max(1, int((peak_kg / step).to_integral_value(rounding=ROUND_CEILING))) if peak_kg > 0 else 4
    top_kg = step * steps
    in_tonnes = top_kg >= 10_000
    plot_w = Decimal(WIDTH - LEFT - RIGHT)
    plot_h = Decimal(HEIGHT - TOP - BOTTOM)
    base = Decimal(TOP) + plot_h
    slot = plot_w / max(1, len(points))
    bar = slot * Decimal("0.62")

    def y(grams: int) -> Decimal:
        return base - Decimal(grams) / 1000 / top_kg * plot_h

    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" font-size="13">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(description)}</desc>',
        f'<text x="{LEFT - 4}" y="{TOP - 8}" text-anchor="end" fill="#555">{"吨" if in_tonnes else "公斤"}</text>',
    ]
    for i in range(steps + 1):
        kg = step * i
        gy = _px(base - kg / top_kg * plot_h)
        stroke = "#999" if i == 0 else "#ddd"
        parts.append(f'<line x1="{LEFT}" y1="{gy}" x2="{WIDTH - RIGHT}" y2="{gy}" stroke="{stroke}" />')
        parts.append(f'<text x="{LEFT - 4}" y="{gy}" dy="4" text-anchor="end" fill="#555">'
                     f'{_axis_value(kg, in_tonnes)}</text>')
    need_marks = []
    for index, point in enumerate(points):
        left = Decimal(LEFT) + slot * index
        x = left + (slot - bar) / 2
        label = escape(day_label(point.day))
        bottom_g = 0
        for grade in grades:
            grams = point.by_grade.get(grade, 0)
            if grams <= 0:
                continue
            y_top, y_bottom = y(bottom_g + grams), y(bottom_g)
            parts.append(
                f'<rect x="{_px(x)}" y="{_px(y_top)}" width="{_px(bar)}" height="{_px(y_bottom - y_top)}" '
                f'fill="{colours[grade]}"><title>{label} {escape(grade)} {_weight_text(grams)}</title></rect>')
            bottom_g += grams
        centre = left + slot / 2
        if point.total_g > 0:
            parts.append(f'<text x="{_px(centre)}" y="{_px(y(point.total_g) - 3)}" text-anchor="middle" '
                         f'font-size="12" fill="#333">{_axis_value(Decimal(point.total_g) / 1000, in_tonnes)}</text>')
        parts.append(f'<text x="{_px(centre)}" y="{HEIGHT - BOTTOM + 15}" text-anchor="middle" font-size="12" '
                     f'fill="#333">{label}</text>')
        if point.need_g > 0:
            need_marks.append((centre, y(point.need_g), label, point.need_g))
    if need_marks:
        if len(need_marks) > 1:
            path = " ".join(f"{_px(cx)},{_px(cy)}" for cx, cy, _label, _g in need_marks)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{NEED_COLOUR}" stroke-width="1.2" '
                         f'stroke-dasharray="3 2" />')
        half = slot * Decimal("0.42")
        for cx, cy, label, grams in need_marks:
            parts.append(f'<line class="need" x1="{_px(cx - half)}" y1="{_px(cy)}" x2="{_px(cx + half)}" '
                         f'y2="{_px(cy)}" stroke="{NEED_COLOUR}" stroke-width="3.5" stroke-linecap="round">'
                         f'<title>{label} {escape(need_label)} {_weight_text(grams)}</title></line>')
    parts.append("</svg>")
    return Markup("".join(parts))
