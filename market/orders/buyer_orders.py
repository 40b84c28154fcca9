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
from . import margin
from .allocation_runs import confirmed_lines, lock_lots
from .common import ORDER_STAFF
from .inputs import UNSET, OrderInput
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


def _order_values(errors: Errors, entry: OrderInput, current: BuyerOrder | None) -> dict[str, Any]:
    """The columns ``entry`` sets, once the rules hold: what exists, what is in range, in order."""
    values = entry.given()
    new = current is None
    variety = current.variety if current is not None else None
    if entry.has("buyer_id") or new:
        buyer = db.session.get(Buyer, entry.buyer_id) if entry.buyer_id else None
        if buyer is None or not buyer.active:
            errors.add("buyer_id", _l("Choose a buyer from the list."))
        values["buyer_id"] = buyer.id if buyer else None
    if entry.has("variety_id") or new:
        variety = db.session.get(Variety, entry.variety_id) if entry.variety_id else None
        if variety is None:
            errors.add("variety_id", _l("Choose a variety from the list."))
        values["variety_id"] = variety.id if variety else None
    if entry.has("min_grade_id") or new:
        grade = _grade_of(variety, entry.min_grade_id) if variety else None
        if grade is None:
            errors.add("min_grade_id", _l("Choose a grade of this variety."))
        values["min_grade_id"] = grade.id if grade else None
    if new and not entry.has("quantity_kg") and "quantity" not in entry.errors:
        errors.add("quantity", _l("Enter the quantity as a number with a unit: 5.4 吨, 5400 公斤 or 10800 斤."))
    if entry.quantity_kg is not None and entry.quantity_kg is not UNSET and entry.quantity_kg > MAX_ORDER_KG:
        errors.add("quantity", _l("An order can be at most 1,000 吨."))
    if new and not entry.has("delivered_price"):
        errors.add("delivered_price", _l("Enter the delivered price above zero, to the fen."))
    if new and not entry.has("mode"):
        errors.add("mode", _l("Choose field-direct or farm-to-supermarket."))
    start = entry.window_start if entry.has("window_start") else (current.window_start if current else None)
    end = entry.window_end if entry.has("window_end") else (current.window_end if current else None)
    values.pop("window_start", None), values.pop("window_end", None)
    if not isinstance(start, date):
        errors.add("window_start", _l("Enter the first delivery day."))
    if not isinstance(end, date):
        errors.add("window_end", _l("Enter the last delivery day."))
    if isinstance(start, date) and isinstance(end, date):
        if end < start:
            errors.add("window_end", _l("The last day cannot be before the first."))
        values["window_start"], values["window_end"] = start, end
    if entry.has("crate_kg") and (entry.crate_kg is None or not Decimal("0.5") <= entry.crate_kg <= Decimal("50")):
        errors.add("crate_kg", _l("A crate holds 0.5 to 50 公斤."))
    if entry.min_pick_kg:
        quantity = values.get("quantity_kg", current.quantity_kg if current else None)
        if quantity is not None and entry.min_pick_kg > quantity:
            errors.add("min_pick_kg", _l("The least pick cannot be more than the order."))
    if entry.has("expected_cost_per_kg") and (entry.expected_cost_per_kg is None
                                              or not 0 <= entry.expected_cost_per_kg <= MAX_EXPECTED_COST_PER_KG):
        errors.add("expected_cost_per_kg", _l("Enter the expected logistics and packing per 公斤, "
                                              "0 to 100 元, to the fen."))
    if entry.has("party_group_id") and entry.party_group_id is not None and (
            entry.party_group_id == -1 or db.session.get(PartyGroup, entry.party_group_id) is None):
        errors.add("party_group_id", _l("Choose a party group from the list."))
    for name, messages in entry.errors.items():
        for message in messages:
            errors.add(name, message)
    return values


def _farm_gate_prices(errors: Errors, order_variety: Variety | None, min_grade_id: int | None,
                      given: Mapping[int, Decimal | None]) -> dict[int, Decimal]:
    """Every grade the order accepts needs a farm-gate price (``given`` in 元/公斤, read at the edge)."""
    result: dict[int, Decimal] = {}
    if order_variety is None or min_grade_id is None or "farm_gate_prices" in errors.fields:
        return result
    min_grade = db.session.get(Grade, min_grade_id)
    for grade in (g for g in min_grade.table.grades if g.rank <= min_grade.rank):
        price = given.get(grade.id)
        if price is None:
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


def create_order(actor: User, entry: OrderInput | None = None, **data: Any) -> BuyerOrder:
    """Enter a buyer order (draft). Coordinators and admins; a buyer's staff for their own buyer.

    ``entry`` is the order as the form or the API read it; a caller without one (the demo, a
    script) passes the fields as typed, read here by the same :meth:`OrderInput.parse`
    (``quantity`` as text with a unit or a number in ``unit``; ``farm_gate_prices`` as
    ``{grade_id: price}`` per ``price_unit`` for every accepted grade).

    :raises ValidationFailed: every wrong field named.
    """
    entry = entry if entry is not None else OrderInput.parse(data)
    if not _may_write_order(actor, entry.buyer_id or None):
        raise PermissionDenied()
    errors = Errors()
    values = _order_values(errors, entry, None)
    variety = db.session.get(Variety, values["variety_id"]) if values.get("variety_id") else None
    prices = _farm_gate_prices(errors, variety, values.get("min_grade_id"), entry.farm_gate_prices or {})
    if values.get("expected_cost_per_kg") is None:
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


def update_order(actor: User, order: BuyerOrder, entry: OrderInput | None = None, **data: Any) -> BuyerOrder:
    """Change a draft or open order (before anything is reserved): only the fields ``entry`` carries."""
    entry = entry if entry is not None else OrderInput.parse(data)
    if not _may_write_order(actor, order.buyer_id):
        raise PermissionDenied()
    if order.status not in (OrderStatus.DRAFT, OrderStatus.OPEN):
        raise Conflict(_l("This order can no longer be changed."))
    before = audit.snapshot(order, ORDER_FIELDS)
    errors = Errors()
    values = _order_values(errors, entry, order)
    prices = None
    if entry.has("farm_gate_prices") or entry.has("min_grade_id") or entry.has("variety_id"):
        variety = db.session.get(Variety, values.get("variety_id", order.variety_id))
        prices = _farm_gate_prices(errors, variety, values.get("min_grade_id", order.min_grade_id),
                                   entry.farm_gate_prices or {p.grade_id: p.price for p in order.prices})
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
