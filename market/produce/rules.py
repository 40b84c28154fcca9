"""Pure checks of what a household declares: the quantity and the dates. No database."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from .. import units
from ..errors import ValidationFailed

#: a single lot above this is a typing mistake, not a harvest (1,000 吨)
MAX_LOT_KG = Decimal("1000000")
#: a ready day further ahead than this is a typing mistake (wrong year)
MAX_DAYS_AHEAD = 366


class Formatted:
    """A lazily translated message with its values, formatted when shown."""

    def __init__(self, message: Any, **params: Any) -> None:
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return str(self.message) % self.params

    def __repr__(self) -> str:
        return f"Formatted({self.message!r}, {self.params!r})"


def read_unit(value: Any, field: str = "unit") -> units.Unit:
    """The unit a person chose. :raises ValidationFailed: on ``field`` for anything unknown."""
    if isinstance(value, units.Unit):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        return units.Unit.JIN
    try:
        return units.parse_unit(str(value))
    except units.UnitError:
        raise ValidationFailed(Formatted(_l('"%(unit)s" is not a unit we know. Use 斤, 公斤 or 吨.'),
                                         unit=str(value).strip()), field=field) from None


def read_quantity(value: Any, unit: Any = None) -> units.Quantity:
    """Turn what a person typed into an exact, sane quantity.

    ``value`` is a :class:`units.Quantity`, text such as ``"300"`` or ``"300 斤"`` (a unit
    typed in the text wins over ``unit``), or an ``int``/``Decimal`` in ``unit``.
    ``unit`` defaults to 斤, the unit villagers think in.

    :raises ValidationFailed: on ``quantity`` (or ``unit``) with a message people understand.
    """
    if isinstance(value, units.Quantity):
        quantity = value
    else:
        default = read_unit(unit)
        if isinstance(value, bool) or isinstance(value, float):
            raise ValidationFailed(_l('Send the quantity as text, e.g. "300.5".'), field="quantity")
        if isinstance(value, (int, Decimal)):
            value = str(value)
        if not isinstance(value, str):
            raise ValidationFailed(_l("Enter a number, e.g. 300 or 300斤."), field="quantity")
        try:
            quantity = units.parse_quantity(value, default)
        except units.UnitError as exc:
            raise _quantity_error(exc) from None
    if quantity.weight.grams <= 0:
        raise ValidationFailed(_l("Enter a weight above zero."), field="quantity")
    if quantity.weight.kg > MAX_LOT_KG:
        raise ValidationFailed(_l("That is more than 1,000 吨 in one lot. Check the number."),
                               field="quantity")
    return quantity


def _quantity_error(exc: units.UnitError) -> ValidationFailed:
    if exc.code == "empty":
        message: Any = _l("Enter how much you have.")
    elif exc.code == "not_positive":
        message = _l("Enter a weight above zero.")
    elif exc.code == "unknown_unit":
        message = Formatted(_l('"%(unit)s" is not a unit we know. Use 斤, 公斤 or 吨.'), unit=exc.text)
    elif exc.code == "finer_than_gram":
        message = _l("Enter the weight to the gram at most.")
    else:
        message = _l("Enter a number, e.g. 300 or 300斤.")
    return ValidationFailed(message, field="quantity")


def date_problems(ready_from: date | None, ready_to: date | None, spoil_by: date | None,
                  today: date, *, new: bool = True) -> dict[str, list[Any]]:
    """Field → messages for the ready window and the spoil-by day; empty when all is well.

    A new lot's window may not be over already; an existing lot keeps the dates it had.
    """
    problems: dict[str, list[Any]] = {}

    def add(field: str, message: Any) -> None:
        problems.setdefault(field, []).append(message)

    if ready_from is None:
        add("ready_from", _l("Enter the first day it can be picked up."))
    if ready_to is None:
        add("ready_to", _l("Enter the last day it can be picked up."))
    if spoil_by is None:
        add("spoil_by", _l("Enter the last day before it spoils."))
    if problems:
        return problems
    assert ready_from is not None and ready_to is not None and spoil_by is not None
    if ready_to < ready_from:
        add("ready_to", _l("The last day cannot be before the first day."))
    if spoil_by < ready_from:
        add("spoil_by", _l("The produce cannot spoil before it is ready."))
    if new and ready_to < today:
        add("ready_to", _l("This day has passed. Enter a day from today on."))
    if ready_from > today + timedelta(days=MAX_DAYS_AHEAD):
        add("ready_from", _l("This is more than a year ahead. Check the year."))
    return problems
