"""Buyers, buyer orders and allocation runs: the services behind pages, API and CLI.

The allocation itself is the pure :mod:`market.orders.allocation`; this module feeds it from
the database, stores each run (policy, parameters, input hash, result, explanations) and, on
confirmation, reserves the kilograms under row locks so no kilogram is promised twice.
"""
from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any, Iterable, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from models import (Allocation, AllocationPolicy, AllocationRun, Buyer, BuyerOrder, Grade, Household,
                    LotStatus, OrderGradePrice, OrderStatus, PartyGroup, ProduceLot, QuantityUnit, RejectPolicy,
                    RoleName, RunStatus, SaleMode, User, Variety, Village, db, utcnow)

from .. import audit
from ..auth.permissions import STAFF, require_role
from ..errors import Conflict, FieldErrors as Errors, NotFound, PermissionDenied, ValidationFailed
from ..locking import lock_row
from ..numbering import next_number
from ..units import Unit, UnitError, Weight, parse_quantity, price_per_kg
from . import allocation as engine
from . import board
from .states import ALLOCATABLE, ORDER

ORDER_STAFF = (RoleName.COORDINATOR, RoleName.ADMIN)
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MAX_ORDER_KG = Decimal("1000000")
BUYER_FIELDS = ("name", "credit_code", "province", "city", "address", "contact_name", "contact_phone",
                "accept_below_pct", "reject_above_pct", "payment_terms_days", "active")
ORDER_FIELDS = ("number", "buyer_id", "variety_id", "min_grade_id", "quantity_kg", "delivered_price", "mode",
                "window_start", "window_end", "destination", "crate_kg", "party_group_id", "reject_policy",
                "status", "share_cap_pct", "stop_cost", "km_cost", "urgency_credit", "urgency_horizon_days")


class InsufficientSupply(Conflict):
    code = "insufficient_supply"
    default_message = _l("Some of these kilograms were promised to another order meanwhile. Run the allocation again.")


# --- buyers ----------------------------------------------------------------------------

def credit_code_valid(code: str) -> bool:
    """统一社会信用代码 (GB 32100-2015): 18 characters with a mod-31 check character."""
    if not re.fullmatch(f"[{CREDIT_CODE_CHARS}]{{18}}", code or ""):
        return False
    total = sum(CREDIT_CODE_CHARS.index(ch) * w for ch, w in zip(code[:17], CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31] == code[17]


def _decimal(value: Any, field: str, errors: Errors, message: Any) -> Decimal | None:
    if isinstance(value, float):
        raise TypeError("floats never touch money or weight")
    try:
        result = Decimal(str(value).strip())
    except Exception:  # InvalidOperation and friends: the input is not a number
        errors.add(field, message)
        return None
    if not result.is_finite():
        errors.add(field, message)
        return None
    return result


def _buyer_values(errors: Errors, data: Mapping[str, Any], current: Buyer | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in data or current is None:
        name = (data.get("name") or "").strip()
        if not name:
            errors.add("name", _l("Enter the buyer's name."))
        values["name"] = name[:128]
    if "credit_code" in data or current is None:
        code = (data.get("credit_code") or "").strip().upper()
        if not credit_code_valid(code):
            errors.add("credit_code", _l("Enter the 18-character unified social credit code (统一社会信用代码)."))
        values["credit_code"] = code
    for key in ("province", "city", "address", "contact_name", "contact_phone"):
        if key in data:
            values[key] = (data.get(key) or "").strip()
    for key in ("accept_below_pct", "reject_above_pct"):
        if key in data:
            pct = _decimal(data[key], key, errors, _l("Enter a percentage such as 1 or 5."))
            if pct is not None and not (Decimal(0) <= pct <= Decimal(100)) or (pct is not None and pct != pct.quantize(Decimal("0.01"))):
                errors.add(key, _l("Enter a percentage between 0 and 100."))
            values[key] = pct
    accept = values.get("accept_below_pct", current.accept_below_pct if current else Decimal("1"))
    reject = values.get("reject_above_pct", current.reject_above_pct if current else Decimal("5"))
    if accept is not None and reject is not None and accept > reject:
        errors.add("reject_above_pct", _l("The rejection threshold must not be below the acceptance threshold."))
    if "payment_terms_days" in data:
        try:
            days = int(data["payment_terms_days"])
        except (TypeError, ValueError):
            days = -1
        if not 0 <= days <= 60:
            errors.add("payment_terms_days", _l("Payment terms are 0 to 60 days (the law allows at most 60)."))
        values["payment_terms_days"] = days
    if "active" in data:
        values["active"] = bool(data["active"])
    return values


def _check_buyer_unique(values: dict[str, Any], current: Buyer | None) -> None:
    for key, message in (("name", _l("A buyer with this name exists.")),
                         ("credit_code", _l("A buyer with this credit code exists."))):
        if key in values:
            column = getattr(Buyer, key)
            other = db.session.scalar(select(Buyer.id).where(column == values[key]))
            if other is not None and (current is None or other != current.id):
                raise Conflict(message, field=key)


def create_buyer(actor: User, **data: Any) -> Buyer:
    """Register a supermarket or other buyer. Admins and coordinators.

    :raises ValidationFailed: bad credit code, terms over 60 days, thresholds out of order.
    :raises Conflict: the name or credit code is taken.
    """
    require_role(actor, *ORDER_STAFF)
    errors = Errors()
    values = _buyer_values(errors, data, None)
    errors.raise_if_any()
    _check_buyer_unique(values, None)
    buyer = Buyer(**values)
    db.session.add(buyer)
    db.session.flush()
    audit.record(actor, "buyer.create", buyer, after=audit.snapshot(buyer, BUYER_FIELDS))
    return buyer


def update_buyer(actor: User, buyer: Buyer, **data: Any) -> Buyer:
    require_role(actor, *ORDER_STAFF)
    before = audit.snapshot(buyer, BUYER_FIELDS)
    errors = Errors()
    values = _buyer_values(errors, data, buyer)
    errors.raise_if_any()
    _check_buyer_unique(values, buyer)
    for key, value in values.items():
        setattr(buyer, key, value)
    db.session.flush()
    audit.record(actor, "buyer.update", buyer, before=before, after=audit.snapshot(buyer, BUYER_FIELDS))
    return buyer


def get_buyer(actor: User, buyer_id: int) -> Buyer:
    buyer = db.session.get(Buyer, buyer_id)
    if buyer is None:
        raise NotFound()
    if actor.has_role(*ORDER_STAFF, RoleName.ACCOUNTANT):
        return buyer
    if actor.has_role(RoleName.BUYER) and actor.buyer_id == buyer.id:
        return buyer
    raise PermissionDenied()


def buyers_statement(actor: User) -> Select:
    require_role(actor, *ORDER_STAFF, RoleName.ACCOUNTANT)
    return select(Buyer).order_by(Buyer.name)


# --- orders ----------------------------------------------------------------------------

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
    for key in ("destination", "note"):
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
            value = _decimal(data[key], key, errors, _l("Enter a number."))
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
    given = {int(k): v for k, v in (prices or {}).items()}
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
    for lot in _lock_lots(sorted({line.lot_id for line in lines})):
        released = sum((l.kg for l in lines if l.lot_id == lot.id), Decimal(0))
        lot.reserved_kg -= released
        if lot.reserved_kg == 0 and lot.status is LotStatus.ALLOCATED:
            lot.status = LotStatus.LISTED
    for run in order.runs:
        if run.status is not RunStatus.SUPERSEDED:
            run.status = RunStatus.SUPERSEDED
    db.session.flush()


# --- allocation runs ---------------------------------------------------------------------

def confirmed_lines(order: BuyerOrder) -> list[Allocation]:
    return list(db.session.scalars(
        select(Allocation).join(AllocationRun).where(Allocation.order_id == order.id,
                                                     AllocationRun.status == RunStatus.CONFIRMED)
        .order_by(Allocation.id)))


def reserved_for(order: BuyerOrder) -> Decimal:
    return reserved_totals([order.id])[order.id]


def _grams(kg: Decimal) -> int:
    return Weight(kg).grams


def order_spec(order: BuyerOrder, need_kg: Decimal | None = None) -> engine.OrderSpec:
    need = order.quantity_kg - reserved_for(order) if need_kg is None else need_kg
    return engine.OrderSpec(quantity_g=_grams(need), variety_id=order.variety_id,
                            min_grade_rank=order.min_grade.rank, window_start=order.window_start,
                            window_end=order.window_end, crate_g=_grams(order.crate_kg))


def candidates(order: BuyerOrder) -> list[engine.Candidate]:
    """Every lot of the order's variety with free kilograms, as the engine sees it.

    Grade, readiness and spoilage are judged by the engine, which says why a lot was left out.
    """
    prices = {p.grade_id: p.price for p in order.prices}
    lots = db.session.scalars(
        select(ProduceLot)
        .where(ProduceLot.variety_id == order.variety_id,
               ProduceLot.status.in_([LotStatus.LISTED, LotStatus.ALLOCATED]),
               ProduceLot.quantity_kg > ProduceLot.reserved_kg)
        .options(selectinload(ProduceLot.grade), selectinload(ProduceLot.household),
                 selectinload(ProduceLot.group))
        .order_by(ProduceLot.id))
    result = []
    for lot in lots:
        if lot.grade.table_id != order.min_grade.table_id:
            continue
        result.append(engine.Candidate(
            lot_id=lot.id, household_id=lot.household_id, variety_id=lot.variety_id, grade_rank=lot.grade.rank,
            available_g=_grams(lot.quantity_kg - lot.reserved_kg), ready_from=lot.ready_from,
            spoil_by=lot.spoil_by, priority=lot.household.priority,
            distance_km=lot.group.distance_km if lot.group is not None else Decimal(0),
            price_per_kg=prices.get(lot.grade_id, order.delivered_price)))
    return result


def policy_params(order: BuyerOrder, policy: AllocationPolicy, *, priority_first: bool = True):
    share_cap = order.share_cap_pct / 100
    if policy is AllocationPolicy.FAIR:
        return engine.FairParams(share_cap=share_cap, priority_first=priority_first)
    return engine.OptimalParams(share_cap=share_cap, stop_cost=order.stop_cost, km_cost=order.km_cost,
                                urgency_credit=order.urgency_credit,
                                urgency_horizon_days=order.urgency_horizon_days)


def run_allocation(actor: User, order: BuyerOrder, policy: AllocationPolicy | str = AllocationPolicy.FAIR,
                   *, priority_first: bool = True, need_kg: Decimal | None = None) -> AllocationRun:
    """Propose an allocation for what the order still needs. Nothing is reserved yet.

    :raises InvalidTransition: the order is not open for allocation.
    :raises ValidationFailed: nothing is left to allocate.
    """
    require_role(actor, *ORDER_STAFF)
    if order.status not in ALLOCATABLE:
        raise Conflict(_l("Open the order before allocating."))
    policy = AllocationPolicy(policy)
    need = order.quantity_kg - reserved_for(order) if need_kg is None else need_kg
    if need <= 0:
        raise ValidationFailed(_l("The order is fully allocated."))
    spec = order_spec(order, need)
    params = policy_params(order, policy, priority_first=priority_first)
    result = engine.allocate(spec, candidates(order), policy.value, params)
    for run in order.runs:
        if run.status is RunStatus.PROPOSED:
            run.status = RunStatus.SUPERSEDED
    run = AllocationRun(
        order_id=order.id, policy=policy, params=result.params, input_hash=result.input_hash,
        requested_kg=Weight.from_grams(result.requested_g).kg, filled_kg=Weight.from_grams(result.filled_g).kg,
        shortfall_kg=Weight.from_grams(result.shortfall_g).kg,
        explanation={"households": [asdict(h) for h in result.households],
                     "ineligible": {str(k): v for k, v in result.ineligible.items()}},
        cost=str(result.cost.quantize(Decimal("0.01"))) if result.cost is not None else None,
        created_by_id=actor.id)
    lots = {lot.id: lot for lot in db.session.scalars(
        select(ProduceLot).where(ProduceLot.id.in_([line.lot_id for line in result.lines])))}
    for line in result.lines:
        lot = lots[line.lot_id]
        run.lines.append(Allocation(order_id=order.id, lot_id=line.lot_id, household_id=line.household_id,
                                    kg=Weight.from_grams(line.grams).kg,
                                    pick_on=max(order.window_start, lot.ready_from)))
    db.session.add(run)
    db.session.flush()
    audit.record(actor, "allocation_run.create", run, after={
        "order": order.number, "policy": policy.value, "input_hash": result.input_hash,
        "filled_kg": run.filled_kg, "shortfall_kg": run.shortfall_kg, "lines": len(run.lines)})
    return run


def rerun_matches(run: AllocationRun) -> bool:
    """Whether the engine, fed the inputs now in the database, would reproduce this run."""
    order = run.order
    spec = order_spec(order, run.requested_kg)
    params = policy_params(order, run.policy, priority_first=run.params.get("priority_first", True))
    return engine.input_hash(spec, candidates(order), run.policy.value, params) == run.input_hash


def adjust_line(actor: User, run: AllocationRun, lot_id: int, kg: Any, reason: str) -> AllocationRun:
    """Change by hand how much a lot gives in a proposed run (0 removes it). Audited.

    :raises ValidationFailed: no reason, negative or more than the lot has free.
    """
    require_role(actor, *ORDER_STAFF)
    if run.status is not RunStatus.PROPOSED:
        raise Conflict(_l("Only a proposed allocation can be adjusted."))
    if not (reason or "").strip():
        raise ValidationFailed(_l("Say why you change the allocation."), field="reason")
    try:
        new_kg = Weight(str(kg), Unit.KG).kg
    except (UnitError, ValueError):
        raise ValidationFailed(_l("Enter kilograms, 0 or more."), field="kg") from None
    if new_kg < 0:
        raise ValidationFailed(_l("Enter kilograms, 0 or more."), field="kg")
    lot = db.session.get(ProduceLot, lot_id)
    if lot is None or lot.variety_id != run.order.variety_id or lot.grade.rank > run.order.min_grade.rank:
        raise ValidationFailed(_l("This lot cannot serve the order."), field="lot_id")
    if new_kg > lot.quantity_kg - lot.reserved_kg:
        raise ValidationFailed(_l("The lot has only %(kg)s 公斤 free.") % {"kg": lot.quantity_kg - lot.reserved_kg},
                               field="kg")
    line = next((l for l in run.lines if l.lot_id == lot_id), None)
    before = line.kg if line else Decimal(0)
    if line is None and new_kg > 0:
        run.lines.append(Allocation(order_id=run.order_id, lot_id=lot.id, household_id=lot.household_id, kg=new_kg,
                                    pick_on=max(run.order.window_start, lot.ready_from)))
    elif line is not None and new_kg == 0:
        run.lines.remove(line)
    elif line is not None:
        line.kg = new_kg
    total = sum((l.kg for l in run.lines), Decimal(0))
    if total > run.requested_kg:
        raise ValidationFailed(_l("That would allocate more than the order still needs."), field="kg")
    run.filled_kg = total
    run.shortfall_kg = run.requested_kg - total
    run.adjusted = True
    db.session.flush()
    audit.record(actor, "allocation_run.adjust", run, before={"lot_id": lot_id, "kg": before},
                 after={"lot_id": lot_id, "kg": new_kg}, reason=reason.strip())
    return run


def _lock_lots(lot_ids: list[int]) -> list[ProduceLot]:
    """Lock the lots' rows in id order (a fixed order, so two confirmations never deadlock)."""
    if not lot_ids:
        return []
    lots = list(db.session.scalars(select(ProduceLot).where(ProduceLot.id.in_(lot_ids))
                                   .order_by(ProduceLot.id).with_for_update(key_share=True)))
    for lot in lots:
        db.session.refresh(lot)
    return lots


def confirm_run(actor: User, run: AllocationRun, *, committed_kg: Decimal | None = None) -> AllocationRun:
    """Reserve the run's kilograms on their lots, all or none.

    Rows are locked (PostgreSQL ``FOR UPDATE``, order first, then lots by id), and each lot's
    free kilograms are checked again under the lock, so two coordinators confirming at the same
    moment can never promise the same kilogram twice.

    :param committed_kg: what the order already counts on, when that is not its reserved
        kilograms: during field collection, collected plus still expected (the caller holds the
        order's lock), so a supplementary run can replace what fell short.
    :raises InsufficientSupply: a lot no longer has the kilograms free.
    :raises Conflict: the run is not the order's current proposal.
    """
    require_role(actor, *ORDER_STAFF)
    order = run.order
    lock_row(order)
    db.session.refresh(run)
    if run.status is not RunStatus.PROPOSED:
        raise Conflict(_l("This allocation was already confirmed or replaced."))
    if not run.lines:
        raise ValidationFailed(_l("The allocation is empty."))
    committed = reserved_for(order) if committed_kg is None else committed_kg
    if committed + run.filled_kg > order.quantity_kg:
        raise Conflict(_l("The order would be over-allocated."))
    lots = _lock_lots(sorted({line.lot_id for line in run.lines}))
    by_id = {lot.id: lot for lot in lots}
    for line in run.lines:
        lot = by_id[line.lot_id]
        if lot.status not in (LotStatus.LISTED, LotStatus.ALLOCATED) or lot.quantity_kg - lot.reserved_kg < line.kg:
            raise InsufficientSupply()
    for line in run.lines:
        lot = by_id[line.lot_id]
        lot.reserved_kg += line.kg
        if lot.status is LotStatus.LISTED:
            lot.status = LotStatus.ALLOCATED
            audit.record(actor, "produce_lot.allocate", lot, before={"status": LotStatus.LISTED},
                         after={"status": LotStatus.ALLOCATED, "reserved_kg": lot.reserved_kg})
    run.status = RunStatus.CONFIRMED
    run.confirmed_by_id = actor.id
    run.confirmed_at = utcnow()
    ORDER.apply(actor, order, "allocate")
    db.session.flush()
    audit.record(actor, "allocation_run.confirm", run, after={"order": order.number, "filled_kg": run.filled_kg})
    return run


def household_allocations(actor: User) -> list[Allocation]:
    """A villager's confirmed allocations: which lot gives how much to which order, and when."""
    if actor.household_id is None:
        raise PermissionDenied()
    return list(db.session.scalars(
        select(Allocation).join(AllocationRun)
        .where(Allocation.household_id == actor.household_id, AllocationRun.status == RunStatus.CONFIRMED)
        .options(selectinload(Allocation.lot), selectinload(Allocation.run).selectinload(AllocationRun.order))
        .order_by(Allocation.pick_on, Allocation.id)))


# --- reading runs, reservations and free supply (pages, API and the board) ---------------

#: runs name households and their kilograms: never shown to a buyer's staff
RUN_READERS = (*ORDER_STAFF, RoleName.ACCOUNTANT)
#: orders still looking for fruit
ORDERS_IN_PROGRESS = (OrderStatus.OPEN, OrderStatus.ALLOCATED, OrderStatus.COLLECTING)


def get_run(actor: User, run_id: int) -> AllocationRun:
    """One allocation run, for staff (it names households)."""
    require_role(actor, *RUN_READERS)
    run = db.session.get(AllocationRun, run_id)
    if run is None:
        raise NotFound()
    return run


def runs_statement(actor: User, order: BuyerOrder) -> Select:
    require_role(actor, *RUN_READERS)
    return select(AllocationRun).where(AllocationRun.order_id == order.id).order_by(AllocationRun.id.desc())


def reserved_totals(order_ids: Iterable[int]) -> dict[int, Decimal]:
    """Confirmed kilograms per order, in one query (lists show many orders' fill)."""
    ids = list(order_ids)
    totals = {order_id: Decimal("0.000") for order_id in ids}
    if not ids:
        return totals
    rows = db.session.execute(
        select(Allocation.order_id, func.sum(Allocation.kg)).join(AllocationRun)
        .where(Allocation.order_id.in_(ids), AllocationRun.status == RunStatus.CONFIRMED)
        .group_by(Allocation.order_id))
    for order_id, total in rows:
        totals[order_id] = total
    return totals


def households_by_id(ids: Iterable[int]) -> dict[int, Household]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {h.id: h for h in db.session.scalars(
        select(Household).where(Household.id.in_(wanted))
        .options(selectinload(Household.village), selectinload(Household.group)))}


def adjustable_lots(run: AllocationRun) -> list[ProduceLot]:
    """Lots a coordinator may set by hand in a proposed run: the run's own, and every lot the
    engine would accept for the order that still has free kilograms."""
    order = run.order
    spec = order_spec(order, run.requested_kg)
    ids = {c.lot_id for c in candidates(order) if engine.ineligibility(spec, c) is None}
    ids |= {line.lot_id for line in run.lines}
    if not ids:
        return []
    return list(db.session.scalars(
        select(ProduceLot).where(ProduceLot.id.in_(ids))
        .options(selectinload(ProduceLot.household), selectinload(ProduceLot.grade))
        .order_by(ProduceLot.id)))


def board_supply(actor: User, today: date, variety_id: int | None = None) -> list[board.SupplyLot]:
    """Free kilograms of listed and allocated lots that have not spoiled, as the board counts them."""
    require_role(actor, *STAFF)
    statement = (
        select(ProduceLot.id, ProduceLot.quantity_kg, ProduceLot.reserved_kg, ProduceLot.ready_from,
               ProduceLot.spoil_by, Village.name, Grade.name, Grade.rank)
        .join(Village, ProduceLot.village_id == Village.id)
        .join(Grade, ProduceLot.grade_id == Grade.id)
        .where(ProduceLot.status.in_([LotStatus.LISTED, LotStatus.ALLOCATED]),
               ProduceLot.quantity_kg > ProduceLot.reserved_kg, ProduceLot.spoil_by >= today)
        .order_by(ProduceLot.id))
    if variety_id:
        statement = statement.where(ProduceLot.variety_id == variety_id)
    return [board.SupplyLot(lot_id=lot_id, village=village, grade=grade, grade_rank=rank,
                            free_g=_grams(quantity - reserved), ready_from=ready_from, spoil_by=spoil_by)
            for lot_id, quantity, reserved, ready_from, spoil_by, village, grade, rank
            in db.session.execute(statement)]


def board_orders(actor: User, variety_id: int | None = None) -> list[tuple[BuyerOrder, board.OrderNeed]]:
    """Orders still looking for fruit, earliest window first, with what each has reserved."""
    require_role(actor, *STAFF)
    statement = (select(BuyerOrder).where(BuyerOrder.status.in_(ORDERS_IN_PROGRESS))
                 .options(selectinload(BuyerOrder.buyer), selectinload(BuyerOrder.variety),
                          selectinload(BuyerOrder.min_grade))
                 .order_by(BuyerOrder.window_start, BuyerOrder.id))
    if variety_id:
        statement = statement.where(BuyerOrder.variety_id == variety_id)
    orders = list(db.session.scalars(statement))
    totals = reserved_totals(o.id for o in orders)
    return [(o, board.OrderNeed(order_id=o.id, quantity_g=_grams(o.quantity_kg), reserved_g=_grams(totals[o.id]),
                                window_start=o.window_start, window_end=o.window_end)) for o in orders]
