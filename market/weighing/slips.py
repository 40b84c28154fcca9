"""The arithmetic of a weigh slip (过磅单): pure, no database, no Flask.

Weights are whole grams (:class:`market.units.Weight`). The net weight is
``gross − tare − deduction`` exactly; the only rounding is the percentage deduction's,
``ROUND_HALF_UP`` to the gram, once. The net is then split over grades, either from the
kilograms of each grade (which must add up to the net exactly) or from percentages (which
must add up to 100, turned into grams by largest remainder so the parts add up exactly).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Mapping, Sequence
from zoneinfo import ZoneInfo

from models.weighing import DeductionKind

from ..units import Money, Unit, UnitError, Weight, amount_for, parse_unit, split_largest_remainder

#: the business's clock: slips are dated, numbered and priced by the day in Xianyang
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
#: no weighbridge in the villages weighs more than this; a bigger number is a typing slip
MAX_GROSS = Weight(100_000)  # 100 吨
#: a slip names at most this many crates
MAX_CRATES = 100_000
SERIAL_PREFIX = "GB"
SERIAL_SEQUENCE_DIGITS = 4
HUNDRED = Decimal(100)
PERCENT_PLACES = Decimal("0.001")


class SlipError(ValueError):
    """Input the weighing rules refuse. ``code`` says which rule; ``field`` which input."""

    def __init__(self, code: str, field: str, **params: object) -> None:
        super().__init__(f"{field}: {code}")
        self.code = code
        self.field = field
        self.params = params


# --- reading what the weigher typed ----------------------------------------------

_WEIGHT_RE = re.compile(r"^\s*([+-]?(?:[0-9][0-9,，]*(?:\.[0-9]*)?|\.[0-9]+))\s*([^\s0-9.,，+-]*)\s*$")


def parse_weight(text: str | Decimal | int | Weight, unit: Unit | str, field: str) -> Weight:
    """A weight from "300", "300斤", "1.2吨" or a ``Decimal`` (bare numbers are in ``unit``).

    Zero is allowed here (an empty tare is zero); the slip's rules refuse what they must.

    :raises SlipError: ``empty``, ``not_a_number``, ``unknown_unit``, ``negative``,
        ``finer_than_gram``.
    """
    if isinstance(text, Weight):
        return text
    if isinstance(text, bool) or isinstance(text, float):
        raise TypeError(f"floats never touch weight: {text!r}")
    if isinstance(text, (Decimal, int)):
        number, unit_text = str(text), ""
    else:
        if text is None or not str(text).strip():
            raise SlipError("empty", field)
        match = _WEIGHT_RE.match(str(text))
        if not match:
            raise SlipError("not_a_number", field)
        number, unit_text = match.groups()
    try:
        chosen = parse_unit(unit_text) if unit_text else parse_unit(unit)
    except UnitError:
        raise SlipError("unknown_unit", field) from None
    try:
        value = Decimal(number.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise SlipError("not_a_number", field) from None
    if not value.is_finite():
        raise SlipError("not_a_number", field)
    if value < 0:
        raise SlipError("negative", field)
    try:
        return Weight(value, chosen)
    except UnitError:
        raise SlipError("finer_than_gram", field) from None


def parse_decimal(text: str | Decimal | int, field: str) -> Decimal:
    """A plain non-negative number ("2.5", "2.5%") for percentages and counts."""
    if isinstance(text, bool) or isinstance(text, float):
        raise TypeError(f"floats are refused: {text!r}")
    if isinstance(text, (Decimal, int)):
        value = Decimal(text)
    else:
        if text is None or not str(text).strip():
            raise SlipError("empty", field)
        cleaned = str(text).strip().rstrip("%％").strip().replace(",", "")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise SlipError("not_a_number", field) from None
    if not value.is_finite():
        raise SlipError("not_a_number", field)
    if value < 0:
        raise SlipError("negative", field)
    return value


# --- gross, tare, deduction, net ----------------------------------------------------

@dataclass(frozen=True)
class NetWeight:
    gross: Weight
    tare: Weight
    kind: DeductionKind
    #: percent for PERCENT, kg for FIXED, kg per crate for PER_UNIT, 0 for NONE
    value: Decimal
    crates: int
    deduction: Weight
    net: Weight


def compute_net(gross: Weight, tare: Weight, kind: DeductionKind | str, value: Decimal,
                crates: int = 0) -> NetWeight:
    """Deduction and net of one weighing.

    * ``none``: no deduction; ``value`` must be 0.
    * ``percent``: ``value`` % of (gross − tare), rounded half up to the gram, once.
    * ``fixed``: ``value`` kilograms.
    * ``per_unit``: ``value`` kilograms for each of ``crates`` crates.

    :raises SlipError: a refused weight, value or count, or a net that is not above zero.
    """
    kind = DeductionKind(kind)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError("value must be a finite Decimal")
    if isinstance(crates, bool) or not isinstance(crates, int):
        raise TypeError("crates must be int")
    if gross.grams <= 0:
        raise SlipError("not_positive", "gross")
    if gross > MAX_GROSS:
        raise SlipError("too_heavy", "gross", limit=MAX_GROSS.kg)
    if tare.grams < 0:
        raise SlipError("negative", "tare")
    if tare >= gross:
        raise SlipError("tare_not_below_gross", "tare")
    if crates < 0:
        raise SlipError("negative", "crates")
    if crates > MAX_CRATES:
        raise SlipError("too_many", "crates", limit=MAX_CRATES)
    if value < 0:
        raise SlipError("negative", "deduction_value")
    loaded = gross - tare
    if kind is DeductionKind.NONE:
        if value != 0:
            raise SlipError("value_without_kind", "deduction_value")
        deduction = Weight.from_grams(0)
    elif kind is DeductionKind.PERCENT:
        if value > HUNDRED:
            raise SlipError("percent_over_100", "deduction_value")
        if value != value.quantize(PERCENT_PLACES):
            raise SlipError("too_many_places", "deduction_value")
        exact = Decimal(loaded.grams) * value / HUNDRED
        deduction = Weight.from_grams(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    elif kind is DeductionKind.FIXED:
        deduction = _kg_to_weight(value, "deduction_value")
    else:  # PER_UNIT
        per_crate = _kg_to_weight(value, "deduction_value")
        if crates == 0 and per_crate.grams > 0:
            raise SlipError("crates_needed", "crates")
        deduction = Weight.from_grams(per_crate.grams * crates)
    net = loaded - deduction
    if net.grams <= 0:
        raise SlipError("net_not_positive", "deduction_value")
    if kind is DeductionKind.NONE:
        value = Decimal(0)
    return NetWeight(gross, tare, kind, value, crates, deduction, net)


def _kg_to_weight(value: Decimal, field: str) -> Weight:
    try:
        return Weight(value)
    except UnitError:
        raise SlipError("finer_than_gram", field) from None


# --- splitting the net over grades -------------------------------------------------

def split_by_weight(net: Weight, parts: Sequence[tuple[int, Weight]]) -> dict[int, Weight]:
    """The net by grade, from kilograms per grade that must add up to the net exactly.

    :raises SlipError: no grade, a grade twice, a part not above zero, or a sum that is not the net.
    """
    _check_grades([grade for grade, _ in parts])
    for _, weight in parts:
        if weight.grams <= 0:
            raise SlipError("part_not_positive", "grade_split")
    total = sum((w.grams for _, w in parts), 0)
    if total != net.grams:
        raise SlipError("split_not_net", "grade_split", total=Weight.from_grams(total).kg, net=net.kg,
                        difference=Weight.from_grams(net.grams - total).kg)
    return {grade: weight for grade, weight in parts}


def split_by_percent(net: Weight, parts: Sequence[tuple[int, Decimal]]) -> dict[int, Weight]:
    """The net by grade, from percentages adding up to exactly 100.

    Grams are handed out by largest remainder (ties to the smaller grade id), so the parts
    add up to the net exactly; a grade whose share comes to less than half a gram gets none
    and is left out.

    :raises SlipError: no grade, a grade twice, a percentage not above zero or with more than
        three places, or percentages not adding up to 100.
    """
    _check_grades([grade for grade, _ in parts])
    for _, percent in parts:
        if not isinstance(percent, Decimal) or not percent.is_finite():
            raise TypeError("percent must be a finite Decimal")
        if percent <= 0:
            raise SlipError("part_not_positive", "grade_split")
        if percent != percent.quantize(PERCENT_PLACES):
            raise SlipError("too_many_places", "grade_split")
    total = sum((p for _, p in parts), Decimal(0))
    if total != HUNDRED:
        raise SlipError("percent_not_100", "grade_split", total=total.normalize())
    grams = split_largest_remainder(net.grams, list(parts))
    return {grade: Weight.from_grams(g) for grade, g in grams.items() if g > 0}


def _check_grades(grades: Sequence[int]) -> None:
    if not grades:
        raise SlipError("no_grades", "grade_split")
    if len(set(grades)) != len(grades):
        raise SlipError("grade_twice", "grade_split")


# --- prices and amounts ----------------------------------------------------------------

@dataclass(frozen=True)
class PricedLine:
    grade_id: int
    net: Weight
    #: 元/公斤
    unit_price: Decimal
    amount: Money


def price_lines(split: Mapping[int, Weight], unit_prices: Mapping[int, Decimal]) -> list[PricedLine]:
    """One line per grade: net × unit price, each rounded once to the fen."""
    lines = []
    for grade_id, net in split.items():
        price = unit_prices[grade_id]
        lines.append(PricedLine(grade_id, net, price, amount_for(price, net)))
    return lines


def slip_amount(lines: Sequence[PricedLine]) -> Money:
    """The slip's amount is the sum of its lines' amounts: never re-rounded."""
    return Money.from_fen(sum(line.amount.fen for line in lines))


# --- the serial number ----------------------------------------------------------------

def local_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in the business's time zone."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime refused")
    return moment.astimezone(LOCAL_ZONE).date()


def serial_prefix(day: date) -> str:
    return f"{SERIAL_PREFIX}{day:%Y%m%d}-"


def make_serial(day: date, sequence: int) -> str:
    """GB20260826-0007: the day's prefix and its sequence, at least four digits."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{serial_prefix(day)}{sequence:0{SERIAL_SEQUENCE_DIGITS}d}"


def next_sequence(day: date, existing_serial: str | None) -> int:
    """The sequence after the day's highest serial (1 for the day's first slip)."""
    if not existing_serial:
        return 1
    prefix = serial_prefix(day)
    if not existing_serial.startswith(prefix):
        raise ValueError(f"{existing_serial} is not a serial of {day}")
    return int(existing_serial[len(prefix):]) + 1
