"""Field collection: slips weighed against a confirmed allocation line, fruit refused in the
field, lines closed short, and the shortfall allocated again.

Slips are weighed against a line (``WeighSlip.allocation_id``) by
:func:`market.weighing.services.issue_slip`, which asks this module through the hooks of
:mod:`market.hooks` (connected by :func:`subscribe` when the app is built): the line's household
and variety must match, the order's farm-gate price applies (unless the household delivers on
its own contract), the first slip moves the order ALLOCATED → COLLECTING, and a lot whose lines
are all finished moves to COLLECTED. Fruit sorted out in the field is not bought, so it is no
slip: :func:`record_reject` keeps it as a :class:`~models.FieldReject` on the line. A line the
household cannot fill is closed with a reason (:func:`close_line`), and
:func:`reallocate_shortfall` asks the allocation engine, in one step, for what neither the
scale nor the open lines will bring. The arithmetic is :mod:`.progress`.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from models import (Allocation, AllocationClosure, AllocationPolicy, AllocationRun, BuyerOrder, CrateLabel,
                    FieldReject, LotStatus, OrderStatus, ProduceLot, QuantityUnit, RunStatus, SlipStatus,
                    User, WeighSlip, db)
from models.fulfilment import shipment_slips

from .. import audit, hooks
from ..auth.permissions import require_role
from ..contracts.pricing import PriceDecision
from ..errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from ..locking import lock_row
from ..orders import allocation_runs
from ..orders.states import ORDER
from ..produce.states import LOT
from ..units import Unit, Weight
from . import progress
from .common import (COLLECTING, CORRECTABLE, PAST_ALLOCATION, READERS, STAFF, clean_text, entered_weight,
                     order_slips, shipments_of, to_grams, to_kg)


class NoSupply(Conflict):
    code = "no_supply"
    default_message = _l("No listed produce can fill the shortfall now.")


def _lock_lot(lot_id: int) -> ProduceLot:
    lot = db.session.execute(select(ProduceLot).where(ProduceLot.id == lot_id).with_for_update(key_share=True)).scalar_one()
    db.session.refresh(lot)
    return lot


@dataclass
class LineProgress:
    line: Allocation
    figures: progress.LineFigures
    closure: AllocationClosure | None = None

    @property
    def allocated_kg(self) -> Decimal:
        return to_kg(self.figures.allocated_g)

    @property
    def collected_kg(self) -> Decimal:
        return to_kg(self.figures.collected_g)

    @property
    def rejected_kg(self) -> Decimal:
        return to_kg(self.figures.rejected_g)

    @property
    def expected_kg(self) -> Decimal:
        return to_kg(self.figures.expected_g)

    @property
    def finished(self) -> bool:
        return self.figures.finished

    @property
    def closed(self) -> bool:
        return self.figures.closed


@dataclass
class Collection:
    order: BuyerOrder
    lines: list[LineProgress]
    figures: progress.OrderFigures
    slips: list[WeighSlip] = field(default_factory=list)
    #: slip id → the shipment it travels in
    shipped: dict[int, int] = field(default_factory=dict)

    @property
    def quantity_kg(self) -> Decimal:
        return to_kg(self.figures.quantity_g)

    @property
    def allocated_kg(self) -> Decimal:
        return to_kg(self.figures.allocated_g)

    @property
    def collected_kg(self) -> Decimal:
        return to_kg(self.figures.collected_g)

    @property
    def rejected_kg(self) -> Decimal:
        return to_kg(self.figures.rejected_g)

    @property
    def expected_kg(self) -> Decimal:
        return to_kg(self.figures.expected_g)

    @property
    def shortfall_kg(self) -> Decimal:
        return to_kg(self.figures.shortfall_g)

    @property
    def unshipped_slips(self) -> list[WeighSlip]:
        return [slip for slip in self.slips if slip.status is SlipStatus.CONFIRMED and slip.id not in self.shipped]


def _line_figures(lines: Sequence[Allocation]) -> tuple[dict[int, progress.LineFigures], dict[int, AllocationClosure]]:
    ids = [line.id for line in lines]
    collected: dict[int, int] = defaultdict(int)
    rejected: dict[int, int] = defaultdict(int)
    closures: dict[int, AllocationClosure] = {}
    if ids:
        for allocation_id, net in db.session.execute(
                select(WeighSlip.allocation_id, WeighSlip.net_kg)
                .where(WeighSlip.allocation_id.in_(ids), WeighSlip.status == SlipStatus.CONFIRMED)):
            collected[allocation_id] += to_grams(net)
        for allocation_id, kg in db.session.execute(
                select(FieldReject.allocation_id, FieldReject.kg).where(FieldReject.allocation_id.in_(ids))):
            rejected[allocation_id] += to_grams(kg)
        closures = {c.allocation_id: c for c in db.session.scalars(
            select(AllocationClosure).where(AllocationClosure.allocation_id.in_(ids)))}
    figures = {line.id: progress.LineFigures(allocated_g=to_grams(line.kg), collected_g=collected[line.id],
                                             rejected_g=rejected[line.id], closed=line.id in closures)
               for line in lines}
    return figures, closures


def _order_lines(order: BuyerOrder) -> list[Allocation]:
    return list(db.session.scalars(
        select(Allocation).join(AllocationRun)
        .where(Allocation.order_id == order.id, AllocationRun.status == RunStatus.CONFIRMED)
        .options(selectinload(Allocation.household), selectinload(Allocation.lot).selectinload(ProduceLot.grade))
        .order_by(Allocation.id)))


def _figures_of(order: BuyerOrder) -> tuple[list[Allocation], dict[int, progress.LineFigures],
                                            dict[int, AllocationClosure], progress.OrderFigures]:
    lines = _order_lines(order)
    figures, closures = _line_figures(lines)
    return lines, figures, closures, progress.order_figures(to_grams(order.quantity_kg), figures.values())


def collection(actor: User, order: BuyerOrder, *, with_slips: bool = True) -> Collection:
    """Collected against allocated, per line and in total, and what is still short.

    :raises PermissionDenied: villagers and buyers (the lines name households).
    """
    require_role(actor, *READERS)
    lines, figures, closures, totals = _figures_of(order)
    slips = order_slips(order) if with_slips else []
    return Collection(order=order, lines=[LineProgress(line, figures[line.id], closures.get(line.id)) for line in lines],
                      figures=totals, slips=slips, shipped=shipments_of([slip.id for slip in slips]))


def fulfilment_orders(actor: User) -> Select:
    """Orders past allocation, newest first: what the coordinator collects, ships and certifies."""
    require_role(actor, *READERS)
    return (select(BuyerOrder).where(BuyerOrder.status.in_(sorted(PAST_ALLOCATION)))
            .order_by(BuyerOrder.window_start.desc(), BuyerOrder.id.desc()))


def get_line(actor: User, allocation_id: int) -> Allocation:
    """A confirmed allocation line. :raises NotFound: no such line, or its run is not confirmed."""
    require_role(actor, *STAFF)
    line = db.session.get(Allocation, allocation_id) if isinstance(allocation_id, int) else None
    if line is None or line.run.status is not RunStatus.CONFIRMED:
        raise NotFound(_l("This allocation line does not exist or is not confirmed."))
    return line


def line_progress(line: Allocation) -> LineProgress:
    figures, closures = _line_figures([line])
    return LineProgress(line, figures[line.id], closures.get(line.id))


def _tolerance_g(order: BuyerOrder) -> int:
    return to_grams(order.crate_kg)


def _start_collection(actor: User, order: BuyerOrder) -> None:
    if order.status is OrderStatus.ALLOCATED:
        ORDER.apply(actor, order, "start_collection")


def _settle_lot(actor: User, lot_id: int) -> None:
    """Move the lot to COLLECTED once every line it gives to is finished and nothing is left to offer."""
    lot = _lock_lot(lot_id)
    if lot.status is not LotStatus.ALLOCATED:
        return
    lines = list(db.session.scalars(
        select(Allocation).join(AllocationRun)
        .where(Allocation.lot_id == lot.id, AllocationRun.status == RunStatus.CONFIRMED)))
    figures, _ = _line_figures(lines)
    if progress.lot_collected(figures.values(), to_grams(lot.quantity_kg - lot.reserved_kg)):
        LOT.apply(actor, lot, "collect")


def allocation_for_slip(actor: User, allocation_id: Any, *, household, variety, replaces: WeighSlip | None) -> Allocation:
    """The line a slip is weighed against, checked and with its order locked.

    A re-issued slip stays on the line of the slip it replaces.

    :raises ValidationFailed: no such confirmed line, another household or variety, the order
        not collecting.
    """
    if replaces is not None and replaces.allocation_id is not None:
        if allocation_id not in (None, "", 0) and str(allocation_id) != str(replaces.allocation_id):
            raise ValidationFailed(_l("A re-issued slip stays on the allocation line of the slip it replaces."),
                                   field="allocation_id")
        allocation_id = replaces.allocation_id
    try:
        line = db.session.get(Allocation, int(allocation_id))
    except (TypeError, ValueError):
        line = None
    if line is None or line.run.status is not RunStatus.CONFIRMED:
        raise ValidationFailed(_l("Choose a confirmed allocation line."), field="allocation_id")
    order = lock_row(line.run.order)
    allowed = CORRECTABLE if replaces is not None and replaces.allocation_id == line.id else COLLECTING
    if order.status not in allowed:
        raise ValidationFailed(_l("Order %(number)s is not collecting now."), field="allocation_id",
                               number=order.number)
    if line.household_id != household.id:
        raise ValidationFailed(_l("This allocation line belongs to another household."), field="household_id")
    if order.variety_id != variety.id:
        raise ValidationFailed(_l("This allocation line is for another variety."), field="variety_id")
    return line


def check_room(line: Allocation, net: Weight, *, reissue: bool = False) -> None:
    """:raises ValidationFailed: the slip would take the line more than one crate past its
        allocation, or the line is closed (a correction of one of its slips is still allowed)."""
    figures = line_progress(line).figures
    if figures.closed and not reissue:
        raise ValidationFailed(_l("This allocation line is closed."), field="allocation_id")
    open_figures = progress.LineFigures(figures.allocated_g, figures.collected_g, figures.rejected_g)
    room = progress.room_g(open_figures, _tolerance_g(line.run.order))
    if net.grams > room:
        raise ValidationFailed(
            _l("This line can take at most %(room)s 公斤 more (its allocation plus one crate). "
               "Weigh the rest as another allocation."), field="gross", room=to_kg(room).normalize())


def order_price(line: Allocation, grade_id: int) -> PriceDecision:
    """The order's farm-gate price for the grade.

    :raises ValidationFailed: the grade is below the order's minimum (record it as a field reject).
    """
    for price in line.run.order.prices:
        if price.grade_id == grade_id:
            return PriceDecision(price.price, "order", False)
    raise ValidationFailed(_l("This grade is below what the order accepts: record it as a field reject."),
                           field="grade_split")


def slip_collected(actor: User, slip: WeighSlip, line: Allocation, replaces: WeighSlip | None) -> None:
    """After a slip is weighed against a line: the order starts collecting, the lot may be done,
    and a re-issued slip takes the place (and crate labels) of the one it replaces in a shipment."""
    order = line.run.order
    _start_collection(actor, order)
    if replaces is not None:
        shipment_id = _shipment_id_of(replaces)
        if shipment_id is not None:
            db.session.execute(shipment_slips.insert().values(shipment_id=shipment_id, slip_id=slip.id))
            for label in db.session.scalars(select(CrateLabel).where(CrateLabel.slip_id == replaces.id)):
                label.slip_id = slip.id
            audit.record(actor, "shipment.slip_reissued", entity_type="shipments", entity_id=shipment_id,
                         before={"slip_id": replaces.id}, after={"slip_id": slip.id})
    db.session.flush()
    _settle_lot(actor, line.lot_id)


def _shipment_id_of(slip: WeighSlip) -> int | None:
    return db.session.scalar(select(shipment_slips.c.shipment_id).where(shipment_slips.c.slip_id == slip.id))


def record_reject(actor: User, line: Allocation, *, quantity: Any, unit: Any = Unit.KG, reason: str,
                  slip_id: int | None = None) -> FieldReject:
    """Record fruit of the line refused in the field (田间剔除). It is not bought.

    :raises ValidationFailed: no reason, a bad weight, more than the line has room for, a slip of
        another line.
    :raises InvalidTransition: the order is not collecting.
    """
    require_role(actor, *STAFF)
    order = lock_row(line.run.order)
    if order.status not in COLLECTING:
        raise InvalidTransition(_l("Order %(number)s is not collecting now."), number=order.number)
    reason = clean_text(reason, "reason", 255, _l("Say why the fruit was refused, e.g. under size or bruised."))
    quantity = entered_weight(quantity, unit, "quantity")
    slip = None
    if slip_id not in (None, "", 0):
        slip = db.session.get(WeighSlip, slip_id) if str(slip_id).isdigit() else None
        if slip is None or slip.allocation_id != line.id or slip.status is not SlipStatus.CONFIRMED:
            raise ValidationFailed(_l("Choose a confirmed slip of this line."), field="slip_id")
    figures = line_progress(line).figures
    if figures.closed:
        raise ValidationFailed(_l("This allocation line is closed."), field="quantity")
    room = progress.room_g(figures, _tolerance_g(order))
    if quantity.weight.grams > room:
        raise ValidationFailed(_l("This line can take at most %(room)s 公斤 more (its allocation plus one crate)."),
                               field="quantity", room=to_kg(room).normalize())
    reject = FieldReject(allocation_id=line.id, slip_id=slip.id if slip else None, kg=quantity.weight.kg,
                         entered_unit=QuantityUnit(quantity.unit.value), reason=reason, recorded_by_id=actor.id)
    db.session.add(reject)
    _start_collection(actor, order)
    db.session.flush()
    audit.record(actor, "field_reject.create", reject, after={
        "allocation_id": line.id, "order": order.number, "kg": reject.kg, "unit": quantity.unit.value,
        "slip_id": reject.slip_id, "reason": reason}, on_behalf_of_household_id=line.household_id)
    _settle_lot(actor, line.lot_id)
    return reject


def close_line(actor: User, line: Allocation, reason: str) -> AllocationClosure:
    """Finish a line the household cannot fill; what it leaves short becomes the order's shortfall.

    :raises ValidationFailed: no reason. :raises Conflict: already closed or the order is past collection.
    """
    require_role(actor, *STAFF)
    order = lock_row(line.run.order)
    reason = clean_text(reason, "reason", 1000, _l("Say why the line is closed, e.g. the household has no more."))
    if order.status not in COLLECTING:
        raise InvalidTransition(_l("Order %(number)s is not collecting now."), number=order.number)
    figures = line_progress(line).figures
    if figures.closed:
        raise Conflict(_l("This allocation line is already closed."))
    closure = AllocationClosure(allocation_id=line.id, short_kg=to_kg(figures.short_g), reason=reason,
                                closed_by_id=actor.id)
    db.session.add(closure)
    db.session.flush()
    audit.record(actor, "allocation.close", line, before={"collected_kg": to_kg(figures.collected_g),
                                                          "rejected_kg": to_kg(figures.rejected_g)},
                 after={"short_kg": closure.short_kg}, reason=reason, on_behalf_of_household_id=line.household_id)
    _settle_lot(actor, line.lot_id)
    return closure


def reallocate_shortfall(actor: User, order: BuyerOrder, policy: AllocationPolicy | str = AllocationPolicy.FAIR
                         ) -> AllocationRun:
    """Run and confirm, in one step, a supplementary allocation for what the order will miss:
    ``quantity − collected − still expected``, from the supply that is free now.

    :raises ValidationFailed: nothing is short, or an unknown policy.
    :raises NoSupply: no free lot can give anything.
    :raises InvalidTransition: the order is not collecting.
    """
    require_role(actor, *STAFF)
    try:
        policy = AllocationPolicy(policy)
    except ValueError:
        raise ValidationFailed(_l("Choose the fair or the optimal allocation."), field="policy") from None
    lock_row(order)
    if order.status not in COLLECTING:
        raise InvalidTransition(_l("Order %(number)s is not collecting now."), number=order.number)
    _, _, _, totals = _figures_of(order)
    if totals.shortfall_g <= 0:
        raise ValidationFailed(_l("Nothing is short: the scale and the open lines cover the order."))
    run = allocation_runs.run_allocation(actor, order, policy, need_kg=to_kg(totals.shortfall_g))
    if not run.lines:
        raise NoSupply()
    allocation_runs.confirm_run(actor, run, committed_kg=to_kg(totals.collected_g + totals.expected_g))
    audit.record(actor, "buyer_order.reallocate_shortfall", order, after={
        "shortfall_kg": to_kg(totals.shortfall_g), "run_id": run.id, "filled_kg": run.filled_kg})
    return run



def subscribe() -> None:
    """Answer weighing's hooks (:mod:`market.hooks`) with this module's collection rules."""
    hooks.allocation_for_slip.connect(allocation_for_slip)
    hooks.check_slip_room.connect(check_room)
    hooks.order_price.connect(order_price)
    hooks.slip_collected.connect(slip_collected)
