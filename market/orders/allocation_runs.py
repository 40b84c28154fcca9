"""Allocation runs: the pure :mod:`.allocation` fed from the database, each run stored (policy,
parameters, input hash, result, explanations) and, on confirmation, the kilograms reserved under
row locks so no kilogram is promised twice.
"""
from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any, Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from models import (Allocation, AllocationPolicy, AllocationRun, BuyerOrder, Household, LotStatus,
                    ProduceLot, RoleName, RunStatus, User, db, utcnow)

from .. import audit
from ..auth.permissions import require_role
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..locking import lock_row
from ..units import Unit, UnitError, Weight, format_number
from . import allocation as engine
from .common import ORDER_STAFF, to_grams
from .states import ALLOCATABLE, ORDER


class InsufficientSupply(Conflict):
    code = "insufficient_supply"
    default_message = _l("Some of these kilograms were promised to another order meanwhile. Run the allocation again.")


def confirmed_lines(order: BuyerOrder) -> list[Allocation]:
    return list(db.session.scalars(
        select(Allocation).join(AllocationRun).where(Allocation.order_id == order.id,
                                                     AllocationRun.status == RunStatus.CONFIRMED)
        .order_by(Allocation.id)))


def reserved_for(order: BuyerOrder) -> Decimal:
    return reserved_totals([order.id])[order.id]


def order_spec(order: BuyerOrder, need_kg: Decimal | None = None) -> engine.OrderSpec:
    need = order.quantity_kg - reserved_for(order) if need_kg is None else need_kg
    return engine.OrderSpec(quantity_g=to_grams(need), variety_id=order.variety_id,
                            min_grade_rank=order.min_grade.rank, window_start=order.window_start,
                            window_end=order.window_end, crate_g=to_grams(order.crate_kg))


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
            available_g=to_grams(lot.quantity_kg - lot.reserved_kg), ready_from=lot.ready_from,
            spoil_by=lot.spoil_by, priority=lot.household.priority,
            distance_km=lot.group.distance_km if lot.group is not None else Decimal(0),
            price_per_kg=prices.get(lot.grade_id, order.delivered_price)))
    return result


def policy_params(order: BuyerOrder, policy: AllocationPolicy, *, priority_first: bool = True):
    share_cap = order.share_cap_pct / 100
    least = to_grams(order.min_pick_kg)
    if policy is AllocationPolicy.FAIR:
        return engine.FairParams(share_cap=share_cap, priority_first=priority_first, min_pick_g=least)
    return engine.OptimalParams(share_cap=share_cap, stop_cost=order.stop_cost, km_cost=order.km_cost,
                                urgency_credit=order.urgency_credit,
                                urgency_horizon_days=order.urgency_horizon_days, min_pick_g=least)


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
    least = run.order.min_pick_kg
    from_household = sum((l.kg for l in run.lines if l.household_id == lot.household_id), Decimal(0))
    if 0 < from_household < least:  # a change by hand keeps the order's least pick like the engine does
        raise ValidationFailed(_l("This order picks at least %(kg)s 公斤 from a household: give this one that much "
                                  "or take all its lots out."), field="kg", kg=format_number(least))
    run.filled_kg = total
    run.shortfall_kg = run.requested_kg - total
    run.adjusted = True
    db.session.flush()
    audit.record(actor, "allocation_run.adjust", run, before={"lot_id": lot_id, "kg": before},
                 after={"lot_id": lot_id, "kg": new_kg}, reason=reason.strip())
    return run


def lock_lots(lot_ids: list[int]) -> list[ProduceLot]:
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
    lots = lock_lots(sorted({line.lot_id for line in run.lines}))
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


#: runs name households and their kilograms: never shown to a buyer's staff
RUN_READERS = (*ORDER_STAFF, RoleName.ACCOUNTANT)


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
