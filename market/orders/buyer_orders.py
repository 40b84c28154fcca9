"""Buyer orders: variety, minimum grade, kilograms, the delivered and farm-gate prices, the
delivery window; opened for allocation, or cancelled (which supersedes its proposed runs).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from models import (Buyer, BuyerOrder, Grade, LotStatus, OrderGradePrice, OrderStatus, PartyGroup,
                    QuantityUnit, RejectPolicy, RoleName, RunStatus, SaleMode, User, Variety, db)

from .. import audit
from ..auth.permissions import require_role
from ..errors import Conflict, FieldErrors as Errors, NotFound, PermissionDenied, ValidationFailed
from ..locking import lock_row
from ..numbering import next_number
from ..units import Unit, UnitError, Weight, parse_quantity, price_per_kg
from . import margin
from .allocation_runs import confirmed_lines, lock_lots
from .common import ORDER_STAFF, entered_decimal
from .states import ORDER

MAX_ORDER_KG = Decimal("1000000")


ORDER_FIELDS = ("number", "buyer_id", "variety_id", "min_grade_id", "quantity_kg", "delivered_price", "mode",
                "window_start", "window_end", "destination", "crate_kg", "party_group_id", "reject_policy",
                "status", "share_cap_pct", "stop_cost", "km_cost", "urgency_credit", "urgency_horizon_days",
                "min_pick_kg", "expected_cost_per_kg", "below_cost_reason")
#: the most logistics and packing an order may expect per kilogram (元): more is a typing error
MAX_EXPECTED_COST_PER_KG = Decimal("100")


def _may_write_order(actor: User, buyer_id: int | None) -> bool:
    if actor.has_role(*ORDER_STAFF):
        return True
    return actor.has_role(RoleName.BUYER) and buyer_id is not None and actor.buyer_id == buyer_id


def _grade_of(variety: Variety, grade_id: Any) -> Grade | None:
    grade = db.session.get(Grade, grade_id) if isinstance(grade_id, int) else None
    if grade is None or grade.table.product_id != variety.product_id:
        return None
    return grade


def _order_values(errors: Errors, data: Mapping[str, Any], current: BuyerOrder | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    variety = None
    if "buyer_id" in data or current is None:
        buyer = db.session.get(Buyer, data.get("buyer_id")) if isinstance(data.get("buyer_id"), int) else None
        if buyer is None or not buyer.active:
            errors.add("buyer_id", _l("Choose a buyer from the list."))
        values["buyer_id"] = buyer.id if buyer else None
    if "variety_id" in data or current is None:
        variety = db.session.get(Variety, data.get("variety_id")) if isinstance(data.get("variety_id"), int) else None
        if variety is None:
            errors.add("variety_id", _l("Choose a variety from the list."))
        values["variety_id"] = variety.id if variety else None
    else:
        variety = current.variety
    if "min_grade_id" in data or current is None:
        grade = _grade_of(variety, data.get("min_grade_id")) if variety else None
        if grade is None:
            errors.add("min_grade_id", _l("Choose a grade of this variety."))
        values["min_grade_id"] = grade.id if grade else None
    if "quantity" in data or current is None:
        try:
            quantity = parse_quantity(str(data.get("quantity") or ""), data.get("unit") or Unit.KG)
        except UnitError:
            errors.add("quantity", _l("Enter the quantity as a number with a unit: 5.4 吨, 5400 公斤 or 10800 斤."))
        else:
            if quantity.weight.kg > MAX_ORDER_KG:
                errors.add("quantity", _l("An order can be at most 1,000 吨."))
            values["quantity_kg"] = quantity.weight.kg
            values["entered_unit"] = QuantityUnit(quantity.unit.value)
    if "delivered_price" in data or current is None:
        try:
            price = price_per_kg(str(data.get("delivered_price") or ""), data.get("price_unit") or Unit.KG)
        except (UnitError, ValueError):
            price = None
        if price is None or price <= 0:
            errors.add("delivered_price", _l("Enter the delivered price above zero, to the fen."))
        values["delivered_price"] = price
    if "mode" in data or current is None:
        try:
            values["mode"] = SaleMode(data.get("mode"))
        except ValueError:
            errors.add("mode", _l("Choose field-direct or farm-to-supermarket."))
    if "reject_policy" in data:
        try:
            values["reject_policy"] = RejectPolicy(data.get("reject_policy"))
        except ValueError:
            errors.add("reject_policy", _l("Choose who bears rejects."))
    start = data.get("window_start", current.window_start if current else None)
    end = data.get("window_end", current.window_end if current else None)
    if not isinstance(start, date):
        errors.add("window_start", _l("Enter the first delivery day."))
    if not isinstance(end, date):
        errors.add("window_end", _l("Enter the last delivery day."))
    if isinstance(start, date) and isinstance(end, date):
        if end < start:
            errors.add("window_end", _l("The last day cannot be before the first."))
        values["window_start"], values["window_end"] = start, end
    if "crate_kg" in data:
        try:
            crate = Weight(str(data["crate_kg"]), Unit.KG).kg
        except (UnitError, ValueError):
            crate = None
        if crate is None or not Decimal("0.5") <= crate <= Decimal("50"):
            errors.add("crate_kg", _l("A crate holds 0.5 to 50 公斤."))
        values["crate_kg"] = crate
    if "min_pick_kg" in data:
        try:
            least = Weight(str(data["min_pick_kg"] or "0"), Unit.KG).kg
        except (UnitError, ValueError):
            least = None
        quantity = values.get("quantity_kg", current.quantity_kg if current else None)
        if least is None or least < 0:
            errors.add("min_pick_kg", _l("Enter the least one household is picked for, in 公斤 (0 for no least)."))
        elif quantity is not None and least > quantity:
            errors.add("min_pick_kg", _l("The least pick cannot be more than the order."))
        values["min_pick_kg"] = least
    if "expected_cost_per_kg" in data:
        try:
            cost = price_per_kg(str(data.get("expected_cost_per_kg") or "0"), data.get("price_unit") or Unit.KG)
        except (UnitError, ValueError):
            cost = None
        if cost is None or not Decimal("0") <= cost <= MAX_EXPECTED_COST_PER_KG:
            errors.add("expected_cost_per_kg", _l("Enter the expected logistics and packing per 公斤, "
                                                  "0 to 100 元, to the fen."))
        values["expected_cost_per_kg"] = cost
    for key in ("destination", "note", "below_cost_reason"):
        if key in data:
            values[key] = (data.get(key) or "").strip()
    if "party_group_id" in data:
        group_id = data.get("party_group_id") or None
        if group_id is not None and (not isinstance(group_id, int) or db.session.get(PartyGroup, group_id) is None):
            errors.add("party_group_id", _l("Choose a party group from the list."))
        values["party_group_id"] = group_id
    for key, low, high in (("share_cap_pct", "0.01", "100"), ("stop_cost", "0", "100000"),
                           ("km_cost", "0", "1000"), ("urgency_credit", "0", "1000")):
        if key in data and data[key] is not None:
            value = entered_decimal(data[key], key, errors, _l("Enter a number."))
            if value is not None and (not Decimal(low) <= value <= Decimal(high) or value != value.quantize(Decimal("0.01"))):
                errors.add(key, _l("Enter a number between %(low)s and %(high)s, to two decimals.") % {"low": low, "high": high})
            values[key] = value
    if "urgency_horizon_days" in data and data["urgency_horizon_days"] is not None:
        try:
            horizon = int(data["urgency_horizon_days"])
        except (TypeError, ValueError):
            horizon = 0
        if not 1 <= horizon <= 90:
            errors.add("urgency_horizon_days", _l("Enter 1 to 90 days."))
        values["urgency_horizon_days"] = horizon
    return values


def _farm_gate_prices(errors: Errors, order_variety: Variety | None, min_grade_id: int | None,
                      prices: Mapping[Any, Any] | None, unit: Any) -> dict[int, Decimal]:
    """Every grade the order accepts needs a farm-gate price."""
    result: dict[int, Decimal] = {}
    if order_variety is None or min_grade_id is None:
        return result
    min_grade = db.session.get(Grade, min_grade_id)
    accepted = [g for g in min_grade.table.grades if g.rank <= min_grade.rank]
    given: dict[int, Any] = {}
    for key, value in (prices or {}).items():
        if not (isinstance(key, int) or (isinstance(key, str) and key.isascii() and key.isdigit() and len(key) <= 9)):
            errors.add("farm_gate_prices", _l("Give the farm-gate prices by grade id, e.g. {\"1\": \"8.00\"}."))
            return result
        given[int(key)] = value
    for grade in accepted:
        raw = given.get(grade.id)
        try:
            price = price_per_kg(str(raw), unit or Unit.KG) if raw not in (None, "") else None
        except (UnitError, ValueError):
            price = None
        if price is None or price < 0:
            errors.add("farm_gate_prices", _l("Enter the farm-gate price for %(grade)s.") % {"grade": grade.name})
        else:
            result[grade.id] = price
    return result


def default_expected_cost() -> Decimal:
    """The logistics and packing a new order expects per kilogram unless told (a setting)."""
    return Decimal(str(current_app.config.get("ORDER_EXPECTED_COST_PER_KG") or "0"))


def margins_of(order: BuyerOrder) -> list[margin.GradeMargin]:
    """The order's expected margin per grade, best grade first."""
    prices = sorted(order.prices, key=lambda p: p.grade.rank)
    return margin.grade_margins(order.delivered_price, {p.grade_id: p.price for p in prices},
                                order.expected_cost_per_kg or Decimal("0"))


def _below_cost_text(order_grades: Mapping[int, Grade], losses: list[margin.GradeMargin]) -> str:
    return "、".join(f"{order_grades[m.grade_id].name} ¥{m.per_kg:.2f}/公斤" for m in losses)


def _require_reason_below_cost(errors: Errors, delivered: Decimal | None, prices: Mapping[int, Decimal],
                               cost: Decimal | None, reason: str) -> None:
    """A grade sold below its farm-gate price plus the expected costs needs a reason on the order."""
    if reason or delivered is None or delivered <= 0 or cost is None or not prices:
        return
    if any(name in errors.fields for name in ("delivered_price", "farm_gate_prices", "expected_cost_per_kg")):
        return  # the prices themselves are wrong: that is said first
    losses = margin.below_cost(margin.grade_margins(delivered, prices, cost))
    if losses:
        grades = {g.id: g for g in db.session.scalars(select(Grade).where(Grade.id.in_(prices))).all()}
        errors.add("below_cost_reason", _l(
            "The delivered price is below the farm-gate price plus the expected costs for %(grades)s: "
            "every kilogram of it is sold at a loss. Say why the order should stand.")
            % {"grades": _below_cost_text(grades, losses)})


def create_order(actor: User, **data: Any) -> BuyerOrder:
    """Enter a buyer order (draft). Coordinators and admins; a buyer's staff for their own buyer.

    :param quantity: text with a unit ("5.4吨") or a number in ``unit``.
    :param farm_gate_prices: ``{grade_id: price}`` per ``price_unit`` for every accepted grade.
    :raises ValidationFailed: every wrong field named.
    """
    if not _may_write_order(actor, data.get("buyer_id")):
        raise PermissionDenied()
    errors = Errors()
    values = _order_values(errors, data, None)
    variety = db.session.get(Variety, values["variety_id"]) if values.get("variety_id") else None
    prices = _farm_gate_prices(errors, variety, values.get("min_grade_id"), data.get("farm_gate_prices"),
                               data.get("price_unit"))
    if "expected_cost_per_kg" not in values:
        values["expected_cost_per_kg"] = default_expected_cost()
    if actor.has_role(*ORDER_STAFF):
        _require_reason_below_cost(errors, values.get("delivered_price"), prices, values["expected_cost_per_kg"],
                                   values.get("below_cost_reason", ""))
    errors.raise_if_any()
    number = next_number(BuyerOrder.number, f"DD{values['window_start'].year}-")
    order = BuyerOrder(number=number, created_by_id=actor.id, status=OrderStatus.DRAFT, **values)
    order.prices = [OrderGradePrice(grade_id=g, price=p) for g, p in prices.items()]
    db.session.add(order)
    db.session.flush()
    audit.record(actor, "buyer_order.create", order, after={**audit.snapshot(order, ORDER_FIELDS),
                                                           "farm_gate_prices": {str(k): v for k, v in prices.items()}})
    return order


def update_order(actor: User, order: BuyerOrder, **data: Any) -> BuyerOrder:
    """Change a draft or open order (before anything is reserved)."""
    if not _may_write_order(actor, order.buyer_id):
        raise PermissionDenied()
    if order.status not in (OrderStatus.DRAFT, OrderStatus.OPEN):
        raise Conflict(_l("This order can no longer be changed."))
    before = audit.snapshot(order, ORDER_FIELDS)
    errors = Errors()
    values = _order_values(errors, data, order)
    prices = None
    if "farm_gate_prices" in data or "min_grade_id" in data or "variety_id" in data:
        variety = db.session.get(Variety, values.get("variety_id", order.variety_id))
        prices = _farm_gate_prices(errors, variety, values.get("min_grade_id", order.min_grade_id),
                                   data.get("farm_gate_prices") or {p.grade_id: p.price for p in order.prices},
                                   data.get("price_unit"))
    if actor.has_role(*ORDER_STAFF):
        _require_reason_below_cost(
            errors, values.get("delivered_price", order.delivered_price),
            prices if prices is not None else {p.grade_id: p.price for p in order.prices},
            values.get("expected_cost_per_kg", order.expected_cost_per_kg),
            values.get("below_cost_reason", order.below_cost_reason))
    errors.raise_if_any()
    for key, value in values.items():
        setattr(order, key, value)
    if prices is not None:
        # old rows go first: the unit of work would insert the new ones before deleting
        order.prices = []
        db.session.flush()
        order.prices = [OrderGradePrice(grade_id=g, price=p) for g, p in prices.items()]
    db.session.flush()
    audit.record(actor, "buyer_order.update", order, before=before, after=audit.snapshot(order, ORDER_FIELDS))
    return order


def get_order(actor: User, order_id: int) -> BuyerOrder:
    order = db.session.get(BuyerOrder, order_id)
    if order is None:
        raise NotFound()
    if actor.has_role(*ORDER_STAFF, RoleName.ACCOUNTANT):
        return order
    if actor.has_role(RoleName.BUYER) and actor.buyer_id == order.buyer_id:
        return order
    raise PermissionDenied()


def orders_statement(actor: User, *, status: OrderStatus | str | None = None, buyer_id: int | None = None) -> Select:
    statement = select(BuyerOrder).order_by(BuyerOrder.id.desc()).options(
        selectinload(BuyerOrder.buyer), selectinload(BuyerOrder.variety), selectinload(BuyerOrder.min_grade),
        selectinload(BuyerOrder.prices))
    if actor.has_role(*ORDER_STAFF, RoleName.ACCOUNTANT):
        pass
    elif actor.has_role(RoleName.BUYER) and actor.buyer_id is not None:
        statement = statement.where(BuyerOrder.buyer_id == actor.buyer_id)
    else:
        raise PermissionDenied()
    if status:
        statement = statement.where(BuyerOrder.status == OrderStatus(status))
    if buyer_id:
        statement = statement.where(BuyerOrder.buyer_id == buyer_id)
    return statement


def open_order(actor: User, order: BuyerOrder) -> None:
    if not _may_write_order(actor, order.buyer_id):
        raise PermissionDenied()
    losses = margin.below_cost(margins_of(order))
    if losses and not order.below_cost_reason:
        if not actor.has_role(*ORDER_STAFF):  # the company's margin is its own business
            raise Conflict(_l("The company checks this order's prices before it opens: ask the coordinator."))
        raise Conflict(_l("The delivered price is below the farm-gate price plus the expected costs for "
                          "%(grades)s. Change the order and say why it should stand before opening it.")
                       % {"grades": _below_cost_text({p.grade_id: p.grade for p in order.prices}, losses)})
    ORDER.apply(actor, order, "open")


def cancel_order(actor: User, order: BuyerOrder, reason: str) -> None:
    """Cancel before collection starts; every reserved kilogram is released."""
    require_role(actor, *ORDER_STAFF)
    if not (reason or "").strip():
        raise ValidationFailed(_l("Say why the order is cancelled."), field="reason")
    lock_row(order)
    ORDER.apply(actor, order, "cancel", reason=reason.strip())
    order.cancelled_reason = reason.strip()
    lines = confirmed_lines(order)
    for lot in lock_lots(sorted({line.lot_id for line in lines})):
        released = sum((l.kg for l in lines if l.lot_id == lot.id), Decimal(0))
        lot.reserved_kg -= released
        if lot.reserved_kg == 0 and lot.status is LotStatus.ALLOCATED:
            lot.status = LotStatus.LISTED
    for run in order.runs:
        if run.status is not RunStatus.SUPERSEDED:
            run.status = RunStatus.SUPERSEDED
    db.session.flush()
