"""What the purchase-contract modules share: who may do what, the limits, and reading typed values
into field errors (one refusal names every wrong field)."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from models import RoleName

from ..errors import ValidationFailed
from ..units import Quantity, Unit, UnitError, Weight, parse_quantity, parse_unit, price_per_kg

#: who may create contracts and move them through their life
CONTRACT_MANAGERS = (RoleName.COORDINATOR, RoleName.ADMIN)
#: who may record money paid ahead (定金, 预付款) against a contract
PREPAYMENT_RECORDERS = (RoleName.COORDINATOR, RoleName.ACCOUNTANT, RoleName.ADMIN)
#: who may record and correct market quotes
QUOTE_RECORDERS = (RoleName.COORDINATOR, RoleName.ADMIN)

ACTIONS = ("sign", "activate", "fulfil", "terminate")
SEASON_RE = re.compile(r"^[0-9]{4}[0-9A-Za-z-]{0,12}$")
MAX_TOLERANCE = Decimal(50)
MAX_AREA_MU = Decimal(100_000)
MAX_EXPECTED_KG = Decimal(100_000_000)
MAX_PRICE_PER_KG = Decimal(10_000)
MAX_PERCENT = Decimal(1_000)
MAX_PREPAYMENT = Decimal(100_000_000)

CONTRACT_FIELDS = ("number", "household_id", "season", "variety_id", "grade_table_id", "main_grade_id",
                   "area_mu", "expected_kg", "tolerance_pct", "mechanism", "premium_pct", "bonus_per_kg",
                   "quote_source", "starts_on", "ends_on", "delivery_terms", "status")


class Errors:
    """Collects field errors so one refusal names every wrong field at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[Any]] = {}

    def add(self, field: str, message: Any) -> None:
        self.fields.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.fields

    def raise_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields.values()))[0]
            raise ValidationFailed(first if len(self.fields) == 1 else None, fields=self.fields)




def decimal_of(value: Any) -> Decimal:
    """An exact Decimal from str, int or Decimal; floats and junk raise ValueError."""
    if isinstance(value, bool) or isinstance(value, float) or value is None:
        raise ValueError(value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        cleaned = value.strip().replace(",", "").replace("，", "").rstrip("%％").strip()
        try:
            result = Decimal(cleaned)
        except InvalidOperation:
            raise ValueError(value) from None
    else:
        raise ValueError(value)
    if not result.is_finite():
        raise ValueError(value)
    return result


def fixed_of(value: Any, errors: Errors, field: str, *, places: int = 2, low: Decimal = Decimal(0),
           high: Decimal, low_inclusive: bool = True, message: Any) -> Decimal | None:
    """A number with at most ``places`` decimals within [low, high]; else a field error."""
    try:
        number = decimal_of(value)
    except ValueError:
        errors.add(field, _l("Enter a number."))
        return None
    quantum = Decimal(1).scaleb(-places)
    if (number < low if low_inclusive else number <= low) or number > high:
        errors.add(field, message)
        return None
    if number != number.quantize(quantum):
        errors.add(field, _l("Use at most %(places)s decimal places.", places=places))
        return None
    return number.quantize(quantum)


def weight_kg_of(value: Any, errors: Errors, field: str) -> Decimal | None:
    """Kilograms from a Weight, a Quantity, a kg number or text with a unit ("6000斤", "3吨")."""
    try:
        if isinstance(value, Quantity):
            weight = value.weight
        elif isinstance(value, Weight):
            weight = value
        elif isinstance(value, str):
            weight = parse_quantity(value, Unit.KG).weight
        else:
            weight = Weight(decimal_of(value), Unit.KG)
    except (UnitError, ValueError, TypeError) as exc:
        code = getattr(exc, "code", "")
        if code == "finer_than_gram":
            errors.add(field, _l("Enter the weight to the gram at most."))
        elif code == "unknown_unit":
            errors.add(field, _l("Use 斤, 公斤 or 吨."))
        elif code == "not_positive":
            errors.add(field, _l("Enter a weight above zero."))
        else:
            errors.add(field, _l("Enter a weight, e.g. 3000 公斤 or 6000斤."))
        return None
    if weight.grams <= 0:
        errors.add(field, _l("Enter a weight above zero."))
        return None
    if weight.kg > MAX_EXPECTED_KG:
        errors.add(field, _l("That weight is too large."))
        return None
    return weight.kg


def price_of(value: Any, unit: Unit, errors: Errors, field: str, *, positive: bool = False) -> Decimal | None:
    """元/公斤 from a price per ``unit``; exact to the fen or a field error."""
    if isinstance(value, str) and not value.strip():
        errors.add(field, _l("Enter a price."))
        return None
    try:
        per_kg = price_per_kg(decimal_of(value), unit)
    except UnitError as exc:
        if exc.code == "finer_than_fen":
            errors.add(field, _l("This price does not come to whole fen per kilogram."))
        else:
            errors.add(field, _l("Enter a price in yuan, e.g. 6.50."))
        return None
    except (ValueError, TypeError):
        errors.add(field, _l("Enter a price in yuan, e.g. 6.50."))
        return None
    if per_kg < 0 or (positive and per_kg == 0):
        errors.add(field, _l("Enter a price above zero.") if positive else _l("A price cannot be negative."))
        return None
    if per_kg > MAX_PRICE_PER_KG:
        errors.add(field, _l("That price is too high."))
        return None
    return per_kg


def unit_of(value: Any, errors: Errors, field: str) -> Unit:
    try:
        return parse_unit(value)
    except UnitError:
        errors.add(field, _l("Use 斤, 公斤 or 吨."))
        return Unit.KG


def enum_of(enum_cls, value: Any, errors: Errors, field: str):
    try:
        return value if isinstance(value, enum_cls) else enum_cls(value)
    except ValueError:
        errors.add(field, _l("Choose one of the listed options."))
        return None


def date_of(value: Any, errors: Errors, field: str) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.add(field, _l("Enter a date like 2026-08-26."))
    return None
