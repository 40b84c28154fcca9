"""An order as entered, parsed once at the edge.

The order form and the API body each build an :class:`OrderInput` (:meth:`OrderInput.parse`):
quantities and prices as people type them ("5.4吨", "4.30" per 斤) become kilograms and 元 per
kilogram here, dates and choices their types, text stripped. What cannot be read is kept as a
field error, not raised, so that the service (:mod:`.buyer_orders`), which checks the rules only
— the buyer and grades exist, the window is ordered, every accepted grade has its farm-gate
price, a loss has its reason — names every wrong field in one answer.

A field the caller did not send is :data:`UNSET`: a change (PATCH) touches only what it names.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l

from models import QuantityUnit, RejectPolicy, SaleMode

from ..errors import FieldErrors
from ..units import Unit, UnitError, Weight, parse_quantity, price_per_kg
from .common import entered_decimal


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


#: a field the form or body did not carry
UNSET: Any = _Unset()

#: the allocation parameters typed as plain numbers: (field, lowest, highest), to two decimals
ALLOCATION_NUMBERS = (("share_cap_pct", "0.01", "100"), ("stop_cost", "0", "100000"), ("km_cost", "0", "1000"),
                      ("urgency_credit", "0", "1000"))


@dataclass(frozen=True)
class OrderInput:
    """What an order form or body says, in the order's own units (公斤, 元/公斤)."""

    buyer_id: int | None = UNSET
    variety_id: int | None = UNSET
    min_grade_id: int | None = UNSET
    quantity_kg: Decimal | None = UNSET
    entered_unit: QuantityUnit | None = UNSET
    delivered_price: Decimal | None = UNSET
    mode: SaleMode | None = UNSET
    reject_policy: RejectPolicy | None = UNSET
    window_start: date | None = UNSET
    window_end: date | None = UNSET
    destination: str = UNSET
    note: str = UNSET
    crate_kg: Decimal | None = UNSET
    party_group_id: int | None = UNSET
    share_cap_pct: Decimal | None = UNSET
    stop_cost: Decimal | None = UNSET
    km_cost: Decimal | None = UNSET
    urgency_credit: Decimal | None = UNSET
    urgency_horizon_days: int | None = UNSET
    min_pick_kg: Decimal | None = UNSET
    expected_cost_per_kg: Decimal | None = UNSET
    below_cost_reason: str = UNSET
    #: grade id → 元/公斤 as entered (``None`` where the grade's price could not be read)
    farm_gate_prices: Mapping[int, Decimal | None] = UNSET
    #: what could not be read, by field
    errors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def given(self) -> dict[str, Any]:
        """The order's columns this input sets (read or not: ``None`` where it could not be read)."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("errors", "farm_gate_prices") and getattr(self, f.name) is not UNSET}

    def has(self, name: str) -> bool:
        return getattr(self, name) is not UNSET

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> "OrderInput":
        """Read a form's or a body's fields; ``quantity`` with ``unit``, prices per ``price_unit``."""
        errors = FieldErrors()
        values: dict[str, Any] = {}
        price_unit = data.get("price_unit") or Unit.KG
        for name in ("buyer_id", "variety_id", "min_grade_id"):
            if name in data:
                values[name] = data[name] if isinstance(data[name], int) else None
        if "party_group_id" in data:
            group = data.get("party_group_id") or None
            values["party_group_id"] = group if group is None or isinstance(group, int) else -1
        if "quantity" in data:
            try:
                quantity = parse_quantity(str(data.get("quantity") or ""), data.get("unit") or Unit.KG)
            except UnitError:
                errors.add("quantity", _l("Enter the quantity as a number with a unit: 5.4 吨, 5400 公斤 or 10800 斤."))
                values["quantity_kg"] = values["entered_unit"] = None
            else:
                values["quantity_kg"] = quantity.weight.kg
                values["entered_unit"] = QuantityUnit(quantity.unit.value)
        if "delivered_price" in data:
            price = _price(data.get("delivered_price"), price_unit)
            if price is None or price <= 0:
                errors.add("delivered_price", _l("Enter the delivered price above zero, to the fen."))
            values["delivered_price"] = price
        for name, enum, message in (("mode", SaleMode, _l("Choose field-direct or farm-to-supermarket.")),
                                    ("reject_policy", RejectPolicy, _l("Choose who bears rejects."))):
            if name in data:
                try:
                    values[name] = enum(data.get(name))
                except ValueError:
                    errors.add(name, message)
                    values[name] = None
        for name in ("window_start", "window_end"):
            if name in data:
                values[name] = data[name] if isinstance(data[name], date) else None
        for name in ("destination", "note", "below_cost_reason"):
            if name in data:
                values[name] = (data.get(name) or "").strip()
        if "crate_kg" in data:
            values["crate_kg"] = _kg(data["crate_kg"])
        if "min_pick_kg" in data:
            least = _kg(data["min_pick_kg"] or "0")
            if least is None or least < 0:
                errors.add("min_pick_kg", _l("Enter the least one household is picked for, in 公斤 (0 for no least)."))
                least = None
            values["min_pick_kg"] = least
        if "expected_cost_per_kg" in data:
            values["expected_cost_per_kg"] = _price(data.get("expected_cost_per_kg") or "0", price_unit)
        for name, low, high in ALLOCATION_NUMBERS:
            if name in data and data[name] is not None:
                value = entered_decimal(data[name], name, errors, _l("Enter a number."))
                if value is not None and (not Decimal(low) <= value <= Decimal(high)
                                          or value != value.quantize(Decimal("0.01"))):
                    errors.add(name, _l("Enter a number between %(low)s and %(high)s, to two decimals.")
                               % {"low": low, "high": high})
                values[name] = value
        if "urgency_horizon_days" in data and data["urgency_horizon_days"] is not None:
            try:
                horizon = int(data["urgency_horizon_days"])
            except (TypeError, ValueError):
                horizon = 0
            if not 1 <= horizon <= 90:
                errors.add("urgency_horizon_days", _l("Enter 1 to 90 days."))
            values["urgency_horizon_days"] = horizon
        if "farm_gate_prices" in data:
            values["farm_gate_prices"] = _farm_gate_prices(data.get("farm_gate_prices"), price_unit, errors)
        return cls(**values, errors={name: tuple(messages) for name, messages in errors.fields.items()})


def _kg(value: Any) -> Decimal | None:
    try:
        return Weight(str(value), Unit.KG).kg
    except (UnitError, ValueError):
        return None


def _price(value: Any, unit: Any) -> Decimal | None:
    try:
        return price_per_kg(str(value or ""), unit)
    except (UnitError, ValueError):
        return None


def _farm_gate_prices(prices: Any, unit: Any, errors: FieldErrors) -> dict[int, Decimal | None]:
    result: dict[int, Decimal | None] = {}
    for key, value in (prices or {}).items():
        if not (isinstance(key, int) or (isinstance(key, str) and key.isascii() and key.isdigit() and len(key) <= 9)):
            errors.add("farm_gate_prices", _l("Give the farm-gate prices by grade id, e.g. {\"1\": \"8.00\"}."))
            return {}
        if value in (None, ""):
            continue
        price = _price(value, unit)
        result[int(key)] = price if price is not None and price >= 0 else None
    return result
