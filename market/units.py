"""Exact money and weight values, unit conversion, parsing, formatting and splitting.

Pure: no database, no Flask. Money is whole fen, weight whole grams; every rounding is
``ROUND_HALF_UP`` (四舍五入) and happens at exactly one named place per calculation.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import total_ordering
from typing import Hashable, Iterable, Mapping, Sequence, TypeVar

FEN = Decimal("0.01")
GRAM_IN_KG = Decimal("0.001")
#: no amount, weight or price a person enters reaches this (yuan, kilograms, yuan per kilogram):
#: larger inputs are typing errors or attacks, and would overflow the database's 64-bit columns
TOO_LARGE_DIGITS = 12


class UnitError(ValueError):
    """Input that is not an exact quantity or amount in a known unit."""

    def __init__(self, code: str, text: str = "") -> None:
        super().__init__(f"{code}: {text!r}")
        self.code = code
        self.text = text


class Unit(str, enum.Enum):
    """Weight units people use. Values match ``models.QuantityUnit``."""

    JIN = "jin"
    KG = "kg"
    TONNE = "t"

    @property
    def grams(self) -> int:
        return _GRAMS[self]

    @property
    def symbol(self) -> str:
        return _SYMBOL[self]


_GRAMS = {Unit.JIN: 500, Unit.KG: 1000, Unit.TONNE: 1_000_000}
_SYMBOL = {Unit.JIN: "斤", Unit.KG: "公斤", Unit.TONNE: "吨"}
_UNIT_ALIASES = {
    "斤": Unit.JIN, "市斤": Unit.JIN, "jin": Unit.JIN,
    "公斤": Unit.KG, "千克": Unit.KG, "kg": Unit.KG, "kgs": Unit.KG,
    "吨": Unit.TONNE, "t": Unit.TONNE, "ton": Unit.TONNE, "tonne": Unit.TONNE, "tonnes": Unit.TONNE,
}


def parse_unit(text: str | Unit) -> Unit:
    if isinstance(text, Unit):
        return text
    unit = _UNIT_ALIASES.get(str(text).strip().lower())
    if unit is None:
        raise UnitError("unknown_unit", str(text))
    return unit


def _exact_decimal(value: object) -> Decimal:
    """Turn str/int/Decimal into a finite Decimal; floats are refused outright."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"floats never touch money or weight: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", "").replace("，", ""))
        except InvalidOperation:
            raise UnitError("not_a_number", value) from None
    else:
        raise TypeError(f"need Decimal, int or str, got {type(value).__name__}")
    if not result.is_finite():
        raise UnitError("not_a_number", str(value))
    if not result:
        return Decimal(0)  # 0E+999999 is zero, without an exponent to overflow later arithmetic
    # adjusted() is the power of ten of the first digit: no arithmetic that could overflow itself
    if result.adjusted() >= TOO_LARGE_DIGITS:
        raise UnitError("too_large", str(value))
    if result.adjusted() < -TOO_LARGE_DIGITS:
        # far finer than a fen or a gram; decimal arithmetic would flush it to zero silently
        raise UnitError("not_a_number", str(value))
    return result


def round_half_up(value: Decimal, quantum: Decimal = FEN) -> Decimal:
    """四舍五入 to ``quantum``; the one rounding rule of the service."""
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


@total_ordering
class Money:
    """An amount of CNY held as whole fen."""

    __slots__ = ("fen",)

    def __init__(self, yuan: Decimal | int | str = 0) -> None:
        amount = _exact_decimal(yuan)
        scaled = amount.scaleb(2)
        if scaled != scaled.to_integral_value():
            raise UnitError("finer_than_fen", str(yuan))
        self.fen = int(scaled)

    @classmethod
    def from_fen(cls, fen: int) -> "Money":
        if not isinstance(fen, int) or isinstance(fen, bool):
            raise TypeError("fen must be int")
        money = cls.__new__(cls)
        money.fen = fen
        return money

    @classmethod
    def rounded(cls, yuan: Decimal) -> "Money":
        """The amount nearest ``yuan``, halves away from zero (四舍五入)."""
        return cls(round_half_up(_exact_decimal(yuan)))

    @property
    def yuan(self) -> Decimal:
        return Decimal(self.fen).scaleb(-2).quantize(FEN)

    def __add__(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            return NotImplemented
        return Money.from_fen(self.fen + other.fen)

    def __sub__(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            return NotImplemented
        return Money.from_fen(self.fen - other.fen)

    def __neg__(self) -> "Money":
        return Money.from_fen(-self.fen)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Money) and other.fen == self.fen

    def __lt__(self, other: "Money") -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.fen < other.fen

    def __hash__(self) -> int:
        return hash(("Money", self.fen))

    def __bool__(self) -> bool:
        return self.fen != 0

    def __repr__(self) -> str:
        return f"Money('{self.yuan}')"

    def __str__(self) -> str:
        return format_money(self)


@total_ordering
class Weight:
    """A weight held as whole grams, remembering nothing of the unit it came in."""

    __slots__ = ("grams",)

    def __init__(self, value: Decimal | int | str, unit: Unit | str = Unit.KG) -> None:
        unit = parse_unit(unit)
        grams = _exact_decimal(value) * unit.grams
        if grams != grams.to_integral_value():
            raise UnitError("finer_than_gram", f"{value}{unit.symbol}")
        self.grams = int(grams)

    @classmethod
    def from_grams(cls, grams: int) -> "Weight":
        if not isinstance(grams, int) or isinstance(grams, bool):
            raise TypeError("grams must be int")
        weight = cls.__new__(cls)
        weight.grams = grams
        return weight

    @property
    def kg(self) -> Decimal:
        return Decimal(self.grams).scaleb(-3).quantize(GRAM_IN_KG)

    def in_unit(self, unit: Unit | str) -> Decimal:
        """Exact value in ``unit`` (斤 and 公斤 are always exact; 吨 to the gram)."""
        unit = parse_unit(unit)
        return (Decimal(self.grams) / Decimal(unit.grams)).normalize()

    def __add__(self, other: "Weight") -> "Weight":
        if not isinstance(other, Weight):
            return NotImplemented
        return Weight.from_grams(self.grams + other.grams)

    def __sub__(self, other: "Weight") -> "Weight":
        if not isinstance(other, Weight):
            return NotImplemented
        return Weight.from_grams(self.grams - other.grams)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Weight) and other.grams == self.grams

    def __lt__(self, other: "Weight") -> bool:
        if not isinstance(other, Weight):
            return NotImplemented
        return self.grams < other.grams

    def __hash__(self) -> int:
        return hash(("Weight", self.grams))

    def __bool__(self) -> bool:
        return self.grams != 0

    def __repr__(self) -> str:
        return f"Weight('{self.kg}')"


@dataclass(frozen=True)
class Quantity:
    """What a person typed: the exact weight and the unit they typed it in."""

    weight: Weight
    unit: Unit

    @property
    def value(self) -> Decimal:
        return self.weight.in_unit(self.unit)


_QUANTITY_RE = re.compile(r"^\s*([+-]?[0-9][0-9,，]*(?:\.[0-9]+)?|[+-]?\.[0-9]+)\s*([^\s0-9.,，+-]*)\s*$")


def parse_quantity(text: str, default_unit: Unit | str = Unit.JIN) -> Quantity:
    """Parse "3.5斤", "1,200 公斤", "5.4吨" or a bare number in ``default_unit``.

    :raises UnitError: ``empty``, ``not_a_number``, ``unknown_unit``, ``not_positive``,
        ``finer_than_gram``.
    """
    if text is None or not str(text).strip():
        raise UnitError("empty", "")
    match = _QUANTITY_RE.match(str(text))
    if not match:
        raise UnitError("not_a_number", str(text))
    number, unit_text = match.groups()
    unit = parse_unit(unit_text) if unit_text else parse_unit(default_unit)
    weight = Weight(number, unit)
    if weight.grams <= 0:
        raise UnitError("not_positive", str(text))
    return Quantity(weight, unit)


def parse_money(text: str) -> Money:
    """Parse "¥1,234.50", "12.3元" or "12.30"; refuses amounts finer than a fen."""
    if text is None or not str(text).strip():
        raise UnitError("empty", "")
    cleaned = str(text).strip().replace("¥", "").replace("￥", "").replace("元", "").strip()
    return Money(cleaned)


def price_per_kg(value: Decimal | int | str, unit: Unit | str) -> Decimal:
    """Convert a price per ``unit`` to 元/公斤, exact to the fen or refused."""
    unit = parse_unit(unit)
    per_kg = _exact_decimal(value) * Decimal(1000) / Decimal(unit.grams)
    if per_kg != per_kg.quantize(FEN):
        raise UnitError("finer_than_fen", f"{value}/{unit.symbol}")
    return per_kg.quantize(FEN)


def price_in_unit(per_kg: Decimal, unit: Unit | str) -> Decimal:
    """元/公斤 shown per ``unit``; 元/斤 may need a third decimal (7.15 元/公斤 = 3.575 元/斤)."""
    unit = parse_unit(unit)
    return (per_kg * Decimal(unit.grams) / Decimal(1000)).normalize()


def amount_for(price_yuan_per_kg: Decimal, weight: Weight) -> Money:
    """price × weight, rounded once to the fen."""
    exact = _exact_decimal(price_yuan_per_kg) * Decimal(weight.grams) / Decimal(1000)
    return Money.rounded(exact)


def format_money(money: Money, symbol: bool = True) -> str:
    text = f"{money.yuan:,.2f}"
    return f"¥{text}" if symbol else text


def format_number(value: Decimal, max_places: int = 3) -> str:
    """Thousands separators, no trailing zeros: 1,200.5"""
    quantized = value.quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP)
    text = f"{quantized:,.{max_places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_weight(weight: Weight, unit: Unit | str = Unit.KG, with_symbol: bool = True) -> str:
    unit = parse_unit(unit)
    text = format_number(weight.in_unit(unit))
    return f"{text} {unit.symbol}" if with_symbol else text


K = TypeVar("K", bound=Hashable)


def split_largest_remainder(total: int, weights: Mapping[K, int | Decimal] | Sequence[tuple[K, int | Decimal]]) -> dict[K, int]:
    """Split the integer ``total`` over keys in proportion to non-negative ``weights``.

    Every part is the floor of its exact share or one more; the parts sum to ``total``
    exactly; the leftover units go to the largest remainders, ties to the smaller key
    (a stable, documented tie-break). Zero weights get zero. A negative total splits as the
    negation of the positive split.

    :raises ValueError: negative weights, or all weights zero while ``total`` is not.
    """
    items = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
    if total < 0:
        return {k: -v for k, v in split_largest_remainder(-total, items).items()}
    exact_weights: list[tuple[K, Decimal]] = []
    for key, weight in items:
        w = _exact_decimal(weight)
        if w < 0:
            raise ValueError("weights must not be negative")
        exact_weights.append((key, w))
    weight_sum = sum((w for _, w in exact_weights), Decimal(0))
    if weight_sum == 0:
        if total != 0:
            raise ValueError("cannot split a non-zero total over zero weights")
        return {k: 0 for k, _ in exact_weights}
    parts: dict[K, int] = {}
    remainders: list[tuple[Decimal, K]] = []
    for key, w in exact_weights:
        # Integer arithmetic on numerators keeps this exact whatever the weights' scale.
        numerator = Decimal(total) * w
        share = int(numerator // weight_sum)
        parts[key] = share
        remainders.append((numerator - share * weight_sum, key))
    leftover = total - sum(parts.values())
    remainders.sort(key=lambda item: (-item[0], _sort_key(item[1])))
    for _, key in remainders[:leftover]:
        parts[key] += 1
    return parts


def _sort_key(key: object) -> tuple:
    return (0, key) if isinstance(key, (int, Decimal)) else (1, str(key))


def sum_money(values: Iterable[Money]) -> Money:
    return Money.from_fen(sum(m.fen for m in values))
