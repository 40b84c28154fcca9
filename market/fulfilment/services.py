"""After allocation: field collection, shipment, compliance certificate, the supermarket's receipt,
trace codes and the public disclosure (村务公示). The services behind pages, API and CLI.

Field collection
    Slips are weighed against a confirmed allocation line (``WeighSlip.allocation_id``) through
    :func:`market.weighing.services.issue_slip`, which calls the hooks below: the line's household
    and variety must match, the order's farm-gate price applies (unless the household delivers on
    its own contract), the first slip moves the order ALLOCATED → COLLECTING, and a lot whose lines
    are all finished moves to COLLECTED. Fruit sorted out in the field is not bought, so it is no
    slip: :func:`record_reject` keeps it as a :class:`~models.FieldReject` on the line. A line the
    household cannot fill is closed with a reason (:func:`close_line`), and
    :func:`reallocate_shortfall` asks the allocation engine, in one step, for what neither the
    scale nor the open lines will bring. The arithmetic is :mod:`.progress`.

Every change takes the order's row lock first (PostgreSQL ``FOR UPDATE``), then lots by id, the
same order the allocation's confirmation uses.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping, Sequence

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from models import (Allocation, AllocationClosure, AllocationPolicy, AllocationRun, BuyerOrder, Certificate,
                    CertificateBasis, CertificateLot, CertificateParent, CrateLabel, FieldReject, LotStatus,
                    OrderStatus, ProduceLot, QuantityUnit, Receipt, ReceiptOutcome, RoleName, RunStatus, Shipment,
                    SlipStatus, User, Variety, WeighSlip, WeighSlipLine, db, utcnow)
from models.fulfilment import shipment_slips

from .. import audit
from ..clock import local_today, local_zone
from ..locking import lock_row
from ..auth.permissions import require_role
from ..contracts.pricing import PriceDecision
from ..errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ..numbering import next_number
from ..orders import services as orders
from ..orders.states import ORDER
from ..privacy import mask_name
from ..produce.states import LOT
from ..units import Unit, UnitError, Weight, parse_quantity, parse_unit
from . import acceptance, codes, progress

#: who collects, ships and certifies
STAFF = (RoleName.COORDINATOR, RoleName.ADMIN)
#: who may read every order's fulfilment
READERS = (RoleName.COORDINATOR, RoleName.ADMIN, RoleName.ACCOUNTANT)
#: a new slip may be weighed against a line while the order is in one of these
COLLECTING = frozenset({OrderStatus.ALLOCATED, OrderStatus.COLLECTING})
#: a void slip of a line may be re-issued until the order is settled
CORRECTABLE = COLLECTING | {OrderStatus.SHIPPED, OrderStatus.RECEIVED}
#: orders with confirmed lines: on the collection board, and with a public disclosure
PAST_ALLOCATION = frozenset({OrderStatus.ALLOCATED, OrderStatus.COLLECTING, OrderStatus.SHIPPED,
                             OrderStatus.RECEIVED, OrderStatus.SETTLED})
FUTURE_GRACE = timedelta(minutes=10)
MAX_CRATES = 10_000
TEMPERATURE_RANGE = (Decimal("-30"), Decimal("50"))
COMPANY = "陕西空港城乡统筹开发有限公司"
BRAND = "空港浓香园"
#: the commitment printed on every 承诺达标合格证 (the document is Chinese by law)
COMMITMENT = ("我承诺对销售的食用农产品：不使用禁用农药兽药、停用兽药和非法添加物；"
              "遵守农药安全间隔期、兽药休药期规定；常规农药兽药残留不超标。对承诺的真实性负责。")
SHIPMENT_FIELDS = ("number", "code", "order_id", "plate", "driver_name", "driver_phone", "crates",
                   "temperature_c", "departed_at", "note")
CERTIFICATE_FIELDS = ("number", "code", "shipment_id", "product_name", "variety_name", "quantity_kg", "origin",
                      "issuer_name", "brand", "issuer_contact", "issued_on", "basis", "basis_note", "retain_until")
RECEIPT_FIELDS = ("shipment_id", "order_id", "received_at", "received_kg", "entered_unit", "defect_pct",
                  "accept_below_pct", "reject_above_pct", "ordered_kg", "over_order_kg", "deducted_kg",
                  "rejected_kg", "accepted_kg", "outcome", "supplier_signer", "clerk_signer", "supervisor_signer")


class NoSupply(Conflict):
    code = "no_supply"
    default_message = _l("No listed produce can fill the shortfall now.")


# --- small helpers -----------------------------------------------------------------------------

def _grams(kg: Decimal) -> int:
    return Weight(kg).grams


def _kg(grams: int) -> Decimal:
    return Weight.from_grams(grams).kg




def _moment(value: datetime | None, field: str) -> datetime:
    """A time as entered (a form's naive local time, or aware), not in the future."""
    if value is None:
        return utcnow()
    if not isinstance(value, datetime):
        raise ValidationFailed(_l("Enter a date and time."), field=field)
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    if value > utcnow() + FUTURE_GRACE:
        raise ValidationFailed(_l("This time is in the future."), field=field)
    return value.astimezone(timezone.utc)


def _text(value: Any, field: str, max_length: int, message: Any, *, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not text:
        raise ValidationFailed(message, field=field)
    if len(text) > max_length:
        raise ValidationFailed(_l("At most %(n)s characters."), field=field, n=max_length)
    return text


def _weight(text: Any, unit: Any, field: str):
    if isinstance(text, float):
        raise TypeError("floats never touch weight")
    try:
        return parse_quantity(str(text if text is not None else ""), parse_unit(unit or Unit.KG))
    except UnitError:
        raise ValidationFailed(_l("Enter a weight above zero, e.g. 120, 240斤 or 1.2吨 (to the gram)."),
                               field=field) from None


def _lock_lot(lot_id: int) -> ProduceLot:
    lot = db.session.execute(select(ProduceLot).where(ProduceLot.id == lot_id).with_for_update(key_share=True)).scalar_one()
    db.session.refresh(lot)
    return lot


def _may_read_order(actor: User, order: BuyerOrder) -> bool:
    if actor.has_role(*READERS):
        return True
    return actor.has_role(RoleName.BUYER) and actor.buyer_id is not None and actor.buyer_id == order.buyer_id


# --- progress of the field collection ---------------------------------------------------------------

@dataclass
class LineProgress:
    line: Allocation
    figures: progress.LineFigures
    closure: AllocationClosure | None = None

    @property
    def allocated_kg(self) -> Decimal:
        return _kg(self.figures.allocated_g)

    @property
    def collected_kg(self) -> Decimal:
        return _kg(self.figures.collected_g)

    @property
    def rejected_kg(self) -> Decimal:
        return _kg(self.figures.rejected_g)

    @property
    def expected_kg(self) -> Decimal:
        return _kg(self.figures.expected_g)

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
        return _kg(self.figures.quantity_g)

    @property
    def allocated_kg(self) -> Decimal:
        return _kg(self.figures.allocated_g)

    @property
    def collected_kg(self) -> Decimal:
        return _kg(self.figures.collected_g)

    @property
    def rejected_kg(self) -> Decimal:
        return _kg(self.figures.rejected_g)

    @property
    def expected_kg(self) -> Decimal:
        return _kg(self.figures.expected_g)

    @property
    def shortfall_kg(self) -> Decimal:
        return _kg(self.figures.shortfall_g)

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
            collected[allocation_id] += _grams(net)
        for allocation_id, kg in db.session.execute(
                select(FieldReject.allocation_id, FieldReject.kg).where(FieldReject.allocation_id.in_(ids))):
            rejected[allocation_id] += _grams(kg)
        closures = {c.allocation_id: c for c in db.session.scalars(
            select(AllocationClosure).where(AllocationClosure.allocation_id.in_(ids)))}
    figures = {line.id: progress.LineFigures(allocated_g=_grams(line.kg), collected_g=collected[line.id],
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
    return lines, figures, closures, progress.order_figures(_grams(order.quantity_kg), figures.values())


def order_slips(order: BuyerOrder) -> list[WeighSlip]:
    """Every slip (void ones too) weighed against the order's allocation lines, oldest first."""
    return list(db.session.scalars(
        select(WeighSlip).join(Allocation, WeighSlip.allocation_id == Allocation.id)
        .where(Allocation.order_id == order.id)
        .options(selectinload(WeighSlip.lines).selectinload(WeighSlipLine.grade), selectinload(WeighSlip.household))
        .order_by(WeighSlip.weighed_at, WeighSlip.id)))


def collection(actor: User, order: BuyerOrder, *, with_slips: bool = True) -> Collection:
    """Collected against allocated, per line and in total, and what is still short.

    :raises PermissionDenied: villagers and buyers (the lines name households).
    """
    require_role(actor, *READERS)
    lines, figures, closures, totals = _figures_of(order)
    slips = order_slips(order) if with_slips else []
    return Collection(order=order, lines=[LineProgress(line, figures[line.id], closures.get(line.id)) for line in lines],
                      figures=totals, slips=slips, shipped=_shipments_of([slip.id for slip in slips]))


def get_order(actor: User, order_id: int) -> BuyerOrder:
    order = db.session.get(BuyerOrder, order_id)
    if order is None:
        raise NotFound(_l("This order does not exist."))
    if not _may_read_order(actor, order):
        raise PermissionDenied()
    return order


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
    return _grams(order.crate_kg)


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
    if progress.lot_collected(figures.values(), _grams(lot.quantity_kg - lot.reserved_kg)):
        LOT.apply(actor, lot, "collect")


# --- hooks of market.weighing.services.issue_slip ------------------------------------------------------

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
               "Weigh the rest as another allocation."), field="gross", room=_kg(room).normalize())


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


def _shipments_of(slip_ids: Sequence[int]) -> dict[int, int]:
    if not slip_ids:
        return {}
    return dict(db.session.execute(select(shipment_slips.c.slip_id, shipment_slips.c.shipment_id)
                                   .where(shipment_slips.c.slip_id.in_(list(slip_ids)))).all())


# --- field rejects, closing a line, the shortfall ------------------------------------------------------

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
    reason = _text(reason, "reason", 255, _l("Say why the fruit was refused, e.g. under size or bruised."))
    quantity = _weight(quantity, unit, "quantity")
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
                               field="quantity", room=_kg(room).normalize())
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
    reason = _text(reason, "reason", 1000, _l("Say why the line is closed, e.g. the household has no more."))
    if order.status not in COLLECTING:
        raise InvalidTransition(_l("Order %(number)s is not collecting now."), number=order.number)
    figures = line_progress(line).figures
    if figures.closed:
        raise Conflict(_l("This allocation line is already closed."))
    closure = AllocationClosure(allocation_id=line.id, short_kg=_kg(figures.short_g), reason=reason,
                                closed_by_id=actor.id)
    db.session.add(closure)
    db.session.flush()
    audit.record(actor, "allocation.close", line, before={"collected_kg": _kg(figures.collected_g),
                                                          "rejected_kg": _kg(figures.rejected_g)},
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
    run = orders.run_allocation(actor, order, policy, need_kg=_kg(totals.shortfall_g))
    if not run.lines:
        raise NoSupply()
    orders.confirm_run(actor, run, committed_kg=_kg(totals.collected_g + totals.expected_g))
    audit.record(actor, "buyer_order.reallocate_shortfall", order, after={
        "shortfall_kg": _kg(totals.shortfall_g), "run_id": run.id, "filled_kg": run.filled_kg})
    return run


# --- shipment ---------------------------------------------------------------------------------------

def _temperature(value: Any) -> Decimal:
    if isinstance(value, float):
        raise TypeError("floats are refused")
    try:
        number = Decimal(str(value).strip().replace("℃", "").replace("°C", "").replace("°", ""))
    except (InvalidOperation, AttributeError):
        number = None
    low, high = TEMPERATURE_RANGE
    if number is None or not number.is_finite() or number != number.quantize(Decimal("0.1")) \
            or not low <= number <= high:
        raise ValidationFailed(_l("Enter the load temperature in °C, e.g. 4 or 3.5 (−30 to 50)."),
                               field="temperature")
    return number.quantize(Decimal("0.1"))


def _phone(value: Any) -> str:
    phone = _text(value, "driver_phone", 20, _l("Enter the driver's phone number."))
    digits = phone.replace("-", "").replace(" ", "")
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise ValidationFailed(_l("Enter the driver's phone number (digits only)."), field="driver_phone")
    return digits


def _crates_of(slip: WeighSlip, order: BuyerOrder) -> int:
    """The slip's crates as weighed, or (if none were counted) full crates of the order's size."""
    if slip.crates:
        return slip.crates
    return max(1, math.ceil(slip.net_kg / order.crate_kg))


def _fresh_codes(count: int) -> list[str]:
    """``count`` new trace codes, unused by any crate, shipment or certificate."""
    chosen: list[str] = []
    while len(chosen) < count:
        # in the order drawn: labels next to each other share nothing
        batch = list(dict.fromkeys(codes.new_code() for _ in range(count - len(chosen))))
        taken: set[str] = set(chosen)
        for start in range(0, len(batch), 500):
            part = batch[start:start + 500]
            for model in (CrateLabel, Shipment, Certificate):
                taken.update(db.session.scalars(select(model.code).where(model.code.in_(part))))
        chosen.extend(code for code in batch if code not in taken)
    return chosen[:count]


def create_shipment(actor: User, order: BuyerOrder, *, plate: str, driver_name: str, driver_phone: str,
                    temperature: Any, departed_at: datetime | None = None,
                    slip_ids: Iterable[int] | None = None, note: str = "") -> Shipment:
    """Load the truck (发货单/装车单): the order's weighed slips go in it, each crate gets a label,
    and the order moves COLLECTING → SHIPPED.

    :param slip_ids: which of the order's unshipped confirmed slips; all of them when omitted.
    :raises ValidationFailed: missing truck data, bad temperature, no slips or a slip of another order.
    :raises InvalidTransition: the order is not collecting (one truck per order).
    """
    require_role(actor, *STAFF)
    lock_row(order)
    if not ORDER.can(order, "ship"):
        raise InvalidTransition(_l("Only an order being collected can be shipped (status: %(status)s)."),
                                status=order.status.value)
    plate = _text(plate, "plate", 16, _l("Enter the truck's plate.")).upper().replace(" ", "")
    driver_name = _text(driver_name, "driver_name", 64, _l("Enter the driver's name."))
    driver_phone = _phone(driver_phone)
    temperature_c = _temperature(temperature)
    departed = _moment(departed_at, "departed_at")
    note = _text(note, "note", 1000, None, required=False)

    slips = order_slips(order)
    shipped = _shipments_of([slip.id for slip in slips])
    available = {slip.id: slip for slip in slips if slip.status is SlipStatus.CONFIRMED and slip.id not in shipped}
    if slip_ids is None:
        chosen = list(available.values())
    else:
        wanted = []
        for ident in slip_ids:
            try:
                wanted.append(int(ident))
            except (TypeError, ValueError):
                raise ValidationFailed(_l("Choose slips of this order that are not shipped yet."),
                                       field="slip_ids") from None
        if any(ident not in available for ident in wanted):
            raise ValidationFailed(_l("Choose slips of this order that are not shipped yet."), field="slip_ids")
        chosen = [available[ident] for ident in sorted(set(wanted))]
    if not chosen:
        raise ValidationFailed(_l("Nothing weighed is waiting to be shipped."), field="slip_ids")
    crates = [(slip, _crates_of(slip, order)) for slip in chosen]
    total_crates = sum(n for _, n in crates)
    if total_crates > MAX_CRATES:
        raise ValidationFailed(_l("At most %(n)s crates on one truck."), field="slip_ids", n=MAX_CRATES)

    fresh = _fresh_codes(total_crates + 1)
    shipment = Shipment(number=next_number(Shipment.number, f"FH{departed.astimezone(local_zone()).year}-"),
                        code=fresh.pop(), order_id=order.id, plate=plate, driver_name=driver_name,
                        driver_phone=driver_phone, crates=total_crates, temperature_c=temperature_c,
                        departed_at=departed, note=note, created_by_id=actor.id)
    shipment.slips = [slip for slip, _ in crates]
    db.session.add(shipment)
    db.session.flush()
    number = 0
    for slip, count in crates:
        for _ in range(count):
            number += 1
            db.session.add(CrateLabel(shipment_id=shipment.id, slip_id=slip.id, number=number, code=fresh.pop()))
    ORDER.apply(actor, order, "ship")
    db.session.flush()
    audit.record(actor, "shipment.create", shipment, after={
        **audit.snapshot(shipment, SHIPMENT_FIELDS), "slip_ids": [slip.id for slip, _ in crates],
        "net_kg": shipment_net_kg(shipment)})
    return shipment


def shipment_net_kg(shipment: Shipment) -> Decimal:
    """Net kilograms of the shipment's confirmed slips (a slip voided later no longer counts)."""
    return sum((slip.net_kg for slip in shipment.slips if slip.status is SlipStatus.CONFIRMED), Decimal("0.000"))


def get_shipment(actor: User, shipment_id: int) -> Shipment:
    """:raises NotFound: no such shipment. :raises PermissionDenied: villagers, other buyers."""
    shipment = db.session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFound(_l("This shipment does not exist."))
    if not _may_read_order(actor, shipment.order):
        raise PermissionDenied()
    return shipment


def shipments_statement(actor: User, *, order_id: int | None = None) -> Select:
    if actor.has_role(*READERS):
        statement = select(Shipment)
    elif actor.has_role(RoleName.BUYER) and actor.buyer_id is not None:
        statement = select(Shipment).join(BuyerOrder).where(BuyerOrder.buyer_id == actor.buyer_id)
    else:
        raise PermissionDenied()
    if order_id is not None:
        statement = statement.where(Shipment.order_id == order_id)
    return statement.order_by(Shipment.departed_at.desc(), Shipment.id.desc())


# --- compliance certificate ------------------------------------------------------------------------

def origin_of(lots: Iterable[ProduceLot]) -> str:
    """渭城区北杜街道北里村、上召村: county and township once, then the villages."""
    places: dict[tuple[str, str], list[str]] = {}
    for lot in sorted(lots, key=lambda l: (l.village.county, l.village.township, l.village.code)):
        names = places.setdefault((lot.village.county, lot.village.township), [])
        if lot.village.name not in names:
            names.append(lot.village.name)
    return "；".join(f"{county}{township}{'、'.join(names)}" for (county, township), names in places.items())


def _parents(entries: Iterable[Mapping[str, Any] | str]) -> list[CertificateParent]:
    parents: list[CertificateParent] = []
    for entry in entries or []:
        if isinstance(entry, str):
            entry = {"reference": entry}
        reference = (entry.get("reference") or entry.get("certificate") or "").strip()
        external = (entry.get("external_number") or "").strip()
        issuer = (entry.get("issuer") or "").strip()
        if reference:
            ours = db.session.scalar(select(Certificate).where(
                (Certificate.number == reference) | (Certificate.code == codes.normalise(reference))))
            if ours is not None:
                parents.append(CertificateParent(parent_id=ours.id, issuer=ours.issuer_name))
                continue
            external = external or reference
        if not external:
            raise ValidationFailed(_l("Name each parent certificate by its number."), field="parents")
        if len(external) > 64 or len(issuer) > 128:
            raise ValidationFailed(_l("A certificate number has at most 64 characters."), field="parents")
        parents.append(CertificateParent(external_number=external, issuer=issuer))
    return parents


def issue_certificate(actor: User, shipment: Shipment, *, basis: CertificateBasis | str, basis_note: str = "",
                      issued_on: date | None = None,
                      parents: Iterable[Mapping[str, Any] | str] = ()) -> Certificate:
    """Issue the shipment's 承诺达标合格证 (一车一证): product, quantity, origin, issuer, basis, the
    lots it mixes and any certificates they came with. Retained at least two years.

    :raises ValidationFailed: unknown basis, a test without its report number, a date in the future.
    :raises Conflict: the shipment already has its certificate.
    """
    require_role(actor, *STAFF)
    lock_row(shipment.order)
    db.session.refresh(shipment)
    if shipment.certificate is not None:
        raise Conflict(_l("This shipment already has certificate %(number)s."), number=shipment.certificate.number)
    try:
        basis = CertificateBasis(basis)
    except ValueError:
        raise ValidationFailed(_l("Choose what the commitment rests on."), field="basis") from None
    basis_note = _text(basis_note, "basis_note", 255, None, required=False)
    if basis is not CertificateBasis.QUALITY_CONTROL and not basis_note:
        raise ValidationFailed(_l("Enter the test report's number."), field="basis_note")
    today = local_today()
    issued_on = issued_on or today
    if not isinstance(issued_on, date) or issued_on > today:
        raise ValidationFailed(_l("The issue date cannot be in the future."), field="issued_on")
    parent_rows = _parents(parents)

    slips = [slip for slip in shipment.slips if slip.status is SlipStatus.CONFIRMED]
    quantity = sum((slip.net_kg for slip in slips), Decimal("0.000"))
    if quantity <= 0:
        raise ValidationFailed(_l("The shipment has no confirmed slips."))
    per_lot: dict[int, Decimal] = defaultdict(Decimal)
    lots: dict[int, ProduceLot] = {}
    for slip in slips:
        lot = slip.allocation.lot
        lots[lot.id] = lot
        per_lot[lot.id] += slip.net_kg
    variety: Variety = shipment.order.variety
    code = _fresh_codes(1)[0]
    certificate = Certificate(
        number=next_number(Certificate.number, f"HG{issued_on.year}-"), code=code, shipment_id=shipment.id,
        product_name=variety.product.name, variety_name=variety.name, quantity_kg=quantity,
        origin=origin_of(lots.values())[:255], issuer_name=current_app.config.get("CERTIFICATE_ISSUER", COMPANY),
        brand=current_app.config.get("CERTIFICATE_BRAND", BRAND),
        issuer_contact=current_app.config.get("CERTIFICATE_CONTACT") or f"{actor.name} {actor.phone}",
        issued_on=issued_on, basis=basis, basis_note=basis_note, commitment=COMMITMENT,
        retain_until=codes.retain_until(issued_on), issued_by_id=actor.id)
    certificate.lots = [CertificateLot(lot_id=lot_id, household_id=lots[lot_id].household_id, kg=kg)
                        for lot_id, kg in sorted(per_lot.items())]
    certificate.parents = parent_rows
    db.session.add(certificate)
    db.session.flush()
    audit.record(actor, "certificate.issue", certificate, after={
        **audit.snapshot(certificate, CERTIFICATE_FIELDS),
        "lots": {str(l.lot_id): l.kg for l in certificate.lots},
        "parents": [p.parent_id or p.external_number for p in certificate.parents]})
    return certificate


def get_certificate(actor: User, certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFound(_l("This certificate does not exist."))
    if not _may_read_order(actor, certificate.shipment.order):
        raise PermissionDenied()
    return certificate


# --- the supermarket's receipt ------------------------------------------------------------------------

def may_record_receipt(actor: User, order: BuyerOrder) -> bool:
    if actor.has_role(*STAFF):
        return True
    return actor.has_role(RoleName.BUYER) and actor.buyer_id is not None and actor.buyer_id == order.buyer_id


def _percent(value: Any, field: str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("floats are refused")
    try:
        number = Decimal(str(value).strip().rstrip("%％").strip())
    except (InvalidOperation, AttributeError):
        number = None
    if number is None or not number.is_finite() or not Decimal(0) <= number <= Decimal(100) \
            or number != number.quantize(Decimal("0.01")):
        raise ValidationFailed(_l("Enter a percentage from 0 to 100, at most two decimals."), field=field)
    return number.quantize(Decimal("0.01"))


def record_receipt(actor: User, shipment: Shipment, *, received: Any, unit: Any = Unit.KG, defect_pct: Any,
                   supplier_signer: str, clerk_signer: str, supervisor_signer: str,
                   received_at: datetime | None = None, note: str = "") -> Receipt:
    """The supermarket's acceptance (超市验收单) by the buyer's rules (:mod:`.acceptance`); the
    order moves SHIPPED → RECEIVED. The buyer's own staff or a coordinator record it.

    :raises PermissionDenied: anyone else.
    :raises ValidationFailed: bad weight or percentage, a missing signature.
    :raises Conflict: already received.
    """
    order = shipment.order
    if not may_record_receipt(actor, order):
        raise PermissionDenied()
    lock_row(order)
    db.session.refresh(shipment)
    if shipment.receipt is not None:
        raise Conflict(_l("This shipment was already received."))
    if not ORDER.can(order, "receive"):
        raise InvalidTransition(_l("Only a shipped order can be received (status: %(status)s)."),
                                status=order.status.value)
    quantity = _weight(received, unit, "received")
    pct = _percent(defect_pct, "defect_pct")
    signers = {name: _text(value, name, 64, _l("All three sign: enter each name."))
               for name, value in (("supplier_signer", supplier_signer), ("clerk_signer", clerk_signer),
                                   ("supervisor_signer", supervisor_signer))}
    moment = _moment(received_at, "received_at")
    if moment < shipment.departed_at:
        raise ValidationFailed(_l("The goods cannot arrive before the truck left."), field="received_at")
    note = _text(note, "note", 1000, None, required=False)
    already = sum((r.accepted_kg for r in db.session.scalars(select(Receipt).where(Receipt.order_id == order.id))),
                  Decimal(0))
    ordered = max(order.quantity_kg - already, Decimal(0))
    buyer = order.buyer
    result = acceptance.assess(quantity.weight.grams, pct, _grams(ordered),
                               acceptance.Rules(buyer.accept_below_pct, buyer.reject_above_pct))
    receipt = Receipt(
        shipment_id=shipment.id, order_id=order.id, received_at=moment, received_kg=quantity.weight.kg,
        entered_unit=QuantityUnit(quantity.unit.value), defect_pct=pct, accept_below_pct=buyer.accept_below_pct,
        reject_above_pct=buyer.reject_above_pct, ordered_kg=ordered, over_order_kg=_kg(result.over_order_g),
        deducted_kg=_kg(result.deducted_g), rejected_kg=_kg(result.rejected_g), accepted_kg=_kg(result.accepted_g),
        outcome=ReceiptOutcome(result.outcome.value), note=note, recorded_by_id=actor.id, **signers)
    db.session.add(receipt)
    ORDER.apply(actor, order, "receive")
    db.session.flush()
    audit.record(actor, "receipt.create", receipt, after=audit.snapshot(receipt, RECEIPT_FIELDS))
    return receipt


# --- public trace ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TraceStep:
    #: picked | weighed | shipped | received
    key: str
    at: date | datetime | None
    detail: str = ""


@dataclass
class Trace:
    """What anyone holding a code may see: no personal data beyond masked household names."""

    kind: str  # crate | shipment | certificate
    code: str
    brand: str
    product: str
    variety: str
    villages: list[str]
    households: list[str]
    grades: list[str]
    harvest_days: list[date]
    net_kg: Decimal
    crate_number: int | None
    crates: int
    #: crates on the weighing(s) shown: the crate's household's slip, or the whole truck
    weighed_crates: int
    certificate: Certificate | None
    steps: list[TraceStep]
    destination: str


def _resolve(code: str) -> tuple[str, Shipment, CrateLabel | None] | None:
    label = db.session.scalar(select(CrateLabel).where(CrateLabel.code == code))
    if label is not None:
        return "crate", label.shipment, label
    shipment = db.session.scalar(select(Shipment).where(Shipment.code == code))
    if shipment is not None:
        return "shipment", shipment, None
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if certificate is not None:
        return "certificate", certificate.shipment, None
    return None


def trace(code: str) -> Trace:
    """The journey behind a crate label, loading note or certificate. Public: no actor.

    :raises NotFound: an unknown code.
    """
    code = codes.normalise(code)
    found = _resolve(code) if codes.is_code(code) else None
    if found is None:
        raise NotFound(_l("No produce carries this code. Check the letters on the label."))
    kind, shipment, label = found
    order = shipment.order
    slips = [label.slip] if label is not None else [s for s in shipment.slips if s.status is SlipStatus.CONFIRMED]
    households = []
    villages = []
    grades: dict[str, int] = {}
    for slip in slips:
        masked = mask_name(slip.household.head_name)
        village = slip.household.village.name
        if masked not in households:
            households.append(masked)
        if village not in villages:
            villages.append(village)
        for line in slip.lines:
            grades.setdefault(line.grade.name, line.grade.rank)
    zone = local_zone()
    weighed = sorted(slip.weighed_at for slip in slips)
    picks = sorted(slip.allocation.pick_on for slip in slips if slip.allocation and slip.allocation.pick_on)
    steps = []
    if weighed:
        picked_on = min(picks[0], weighed[0].astimezone(zone).date()) if picks else weighed[0].astimezone(zone).date()
        steps.append(TraceStep("picked", picked_on, "、".join(villages)))
        steps.append(TraceStep("weighed", weighed[-1] if len(weighed) == 1 else weighed[0],
                               "、".join(sorted(grades, key=grades.get))))
    steps.append(TraceStep("shipped", shipment.departed_at,
                           f"{codes.mask_plate(shipment.plate)} · {shipment.temperature_c.normalize():f}°C"))
    if shipment.receipt is not None:
        steps.append(TraceStep("received", shipment.receipt.received_at, order.buyer.city or ""))
    return Trace(
        kind=kind, code=code, brand=BRAND, product=order.variety.product.name, variety=order.variety.name,
        villages=villages, households=households, grades=sorted(grades, key=grades.get),
        harvest_days=sorted({moment.astimezone(zone).date() for moment in weighed}),
        net_kg=sum((slip.net_kg for slip in slips if slip.status is SlipStatus.CONFIRMED), Decimal("0.000")),
        crate_number=label.number if label else None, crates=shipment.crates,
        weighed_crates=sum(1 for l in shipment.crate_labels if label is None or l.slip_id == label.slip_id),
        certificate=shipment.certificate,
        steps=steps, destination=order.buyer.city or "")


def crate_labels(actor: User, shipment: Shipment) -> list[CrateLabel]:
    if not _may_read_order(actor, shipment.order):
        raise PermissionDenied()
    return list(db.session.scalars(select(CrateLabel).where(CrateLabel.shipment_id == shipment.id)
                                   .options(selectinload(CrateLabel.slip)).order_by(CrateLabel.number)))


# --- public disclosure (村务公示) --------------------------------------------------------------------

@dataclass(frozen=True)
class DisclosureRow:
    #: the household's number on the notice: masked names repeat, numbers do not
    number: int
    household: str
    place: str
    grade: str
    grade_rank: int
    kg: Decimal
    #: 元/公斤
    price: Decimal
    amount: Decimal


@dataclass
class Disclosure:
    number: str
    product: str
    variety: str
    window_start: date
    window_end: date
    status: OrderStatus
    rows: list[DisclosureRow]
    total_kg: Decimal
    total_amount: Decimal
    households: int


def disclosure(number: str) -> Disclosure:
    """Who sold how much at what price into an order, names masked. Public: no actor.

    :raises NotFound: no such order, or one not yet allocated (or cancelled).
    """
    order = db.session.scalar(select(BuyerOrder).where(BuyerOrder.number == (number or "").strip()))
    if order is None or order.status not in PAST_ALLOCATION:
        raise NotFound(_l("No public record exists for this order."))
    totals: dict[tuple, list] = {}
    for slip in order_slips(order):
        if slip.status is not SlipStatus.CONFIRMED:
            continue
        household = slip.household
        place = household.village.name + (household.group.name if household.group else "")
        for line in slip.lines:
            key = (place, mask_name(household.head_name), household.id, line.grade.rank, line.grade.name,
                   line.unit_price)
            entry = totals.setdefault(key, [Decimal("0.000"), Decimal("0.00")])
            entry[0] += line.net_kg
            entry[1] += line.amount
    numbers: dict[int, int] = {}
    rows = []
    for (place, masked, household_id, rank, grade, price), (kg, amount) in sorted(totals.items(), key=lambda i: i[0]):
        number = numbers.setdefault(household_id, len(numbers) + 1)
        rows.append(DisclosureRow(number=number, household=masked, place=place, grade=grade, grade_rank=rank, kg=kg,
                                  price=price, amount=amount))
    return Disclosure(number=order.number, product=order.variety.product.name, variety=order.variety.name,
                      window_start=order.window_start, window_end=order.window_end, status=order.status, rows=rows,
                      total_kg=sum((r.kg for r in rows), Decimal("0.000")),
                      total_amount=sum((r.amount for r in rows), Decimal("0.00")),
                      households=len({key[2] for key in totals}))
