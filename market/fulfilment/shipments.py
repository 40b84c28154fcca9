"""The trucks (发货单/装车单): the order's weighed slips go in them, each crate gets a label. An order
may go on several trucks; it stays COLLECTING until its last truck leaves, then it is SHIPPED. The
warehouse's part of the order goes on its first truck.
"""
from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from models import BuyerOrder, CrateLabel, Receipt, RoleName, Shipment, SlipStatus, User, WeighSlip, db

from .. import audit
from ..auth.permissions import require_role
from ..clock import local_zone
from ..errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ..locking import lock_row
from ..numbering import next_number
from ..orders.states import ORDER
from ..stock import services as stock
from .common import READERS, STAFF, clean_text, entered_moment, may_read_order, order_slips, shipments_of
from ..units import Weight
from .labels import fresh_codes

MAX_CRATES = 10_000
TEMPERATURE_RANGE = (Decimal("-30"), Decimal("50"))


SHIPMENT_FIELDS = ("number", "code", "order_id", "plate", "driver_name", "driver_phone", "crates",
                   "temperature_c", "departed_at", "note", "last", "stock_kg")


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
    phone = clean_text(value, "driver_phone", 20, _l("Enter the driver's phone number."))
    digits = phone.replace("-", "").replace(" ", "")
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise ValidationFailed(_l("Enter the driver's phone number (digits only)."), field="driver_phone")
    return digits


def _crates_of(slip: WeighSlip, order: BuyerOrder) -> int:
    """The slip's crates as weighed, or (if none were counted) full crates of the order's size."""
    if slip.crates:
        return slip.crates
    return max(1, math.ceil(slip.net_kg / order.crate_kg))


def create_shipment(actor: User, order: BuyerOrder, *, plate: str, driver_name: str, driver_phone: str,
                    temperature: Any, departed_at: datetime | None = None,
                    slip_ids: Iterable[int] | None = None, note: str = "", last: bool = True) -> Shipment:
    """Load a truck (发货单/装车单): the order's weighed slips go in it, each crate gets a label. The
    order's last truck moves it COLLECTING → SHIPPED; an earlier one leaves it collecting, so that
    more is weighed and loaded on the next.

    :param slip_ids: which of the order's unshipped confirmed slips; all of them when omitted.
    :param last: whether this is the order's last truck (what was weighed for the order and is not
        loaded by then stays with the company, bought into stock).
    :raises ValidationFailed: missing truck data, bad temperature, no slips or a slip of another order.
    :raises InvalidTransition: the order is not collecting (its last truck has left).
    """
    require_role(actor, *STAFF)
    lock_row(order)
    if not ORDER.can(order, "ship"):
        raise InvalidTransition(_l("Only an order being collected can be shipped (status: %(status)s)."),
                                status=order.status.value)
    plate = clean_text(plate, "plate", 16, _l("Enter the truck's plate.")).upper().replace(" ", "")
    driver_name = clean_text(driver_name, "driver_name", 64, _l("Enter the driver's name."))
    driver_phone = _phone(driver_phone)
    temperature_c = _temperature(temperature)
    departed = entered_moment(departed_at, "departed_at")
    note = clean_text(note, "note", 1000, None, required=False)

    slips = order_slips(order)
    shipped = shipments_of([slip.id for slip in slips])
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
    first = db.session.scalar(select(Shipment.id).where(Shipment.order_id == order.id).limit(1)) is None
    stock_g = stock.stock_grams(order.id) if first else 0
    if not chosen and not stock_g:
        # an order filled from the warehouse alone ships its stock lines with no slip
        raise ValidationFailed(_l("Nothing weighed is waiting to be shipped."), field="slip_ids")
    crates = [(slip, _crates_of(slip, order)) for slip in chosen]
    total_crates = sum(n for _, n in crates)
    if total_crates > MAX_CRATES:
        raise ValidationFailed(_l("At most %(n)s crates on one truck."), field="slip_ids", n=MAX_CRATES)

    fresh = fresh_codes(total_crates + 1)
    shipment = Shipment(number=next_number(Shipment.number, f"FH{departed.astimezone(local_zone()).year}-"),
                        code=fresh.pop(), order_id=order.id, plate=plate, driver_name=driver_name,
                        driver_phone=driver_phone, crates=total_crates, temperature_c=temperature_c,
                        departed_at=departed, note=note, created_by_id=actor.id, last=bool(last),
                        stock_kg=Weight.from_grams(stock_g).kg)
    shipment.slips = [slip for slip, _ in crates]
    db.session.add(shipment)
    db.session.flush()
    number = 0
    for slip, count in crates:
        for _ in range(count):
            number += 1
            db.session.add(CrateLabel(shipment_id=shipment.id, slip_id=slip.id, number=number, code=fresh.pop()))
    ORDER.apply(actor, order, "ship" if last else "ship_part")
    db.session.flush()
    audit.record(actor, "shipment.create", shipment, after={
        **audit.snapshot(shipment, SHIPMENT_FIELDS), "slip_ids": [slip.id for slip, _ in crates],
        "net_kg": shipment_net_kg(shipment)})
    return shipment


def finish_shipping(actor: User, order: BuyerOrder) -> Shipment:
    """No more trucks: the order's latest truck becomes its last, and the order is shipped (received,
    if every truck is). What was weighed for it and not loaded stays with the company.

    :raises InvalidTransition: the order is not collecting, or no truck has left yet.
    """
    require_role(actor, *STAFF)
    lock_row(order)
    latest = db.session.scalar(select(Shipment).where(Shipment.order_id == order.id)
                               .order_by(Shipment.departed_at.desc(), Shipment.id.desc()).limit(1))
    if latest is None or not ORDER.can(order, "ship"):
        raise InvalidTransition(_l("Only an order being collected that has sent a truck can finish shipping "
                                   "(status: %(status)s)."), status=order.status.value)
    latest.last = True
    ORDER.apply(actor, order, "ship", reason="no more trucks")
    if not truck_on_the_road(order.id):
        ORDER.apply(actor, order, "receive")
    db.session.flush()
    audit.record(actor, "shipment.last", latest, after={"order_id": order.id, "last": True})
    return latest


def truck_on_the_road(order_id: int) -> bool:
    """Whether a truck of the order has no receipt yet."""
    return db.session.scalar(select(Shipment.id).where(Shipment.order_id == order_id, ~Shipment.id.in_(
        select(Receipt.shipment_id).where(Receipt.order_id == order_id))).limit(1)) is not None


def shipment_net_kg(shipment: Shipment) -> Decimal:
    """Net kilograms of the shipment's confirmed slips (a slip voided later no longer counts)."""
    return sum((slip.net_kg for slip in shipment.slips if slip.status is SlipStatus.CONFIRMED), Decimal("0.000"))


def get_shipment(actor: User, shipment_id: int) -> Shipment:
    """:raises NotFound: no such shipment. :raises PermissionDenied: villagers, other buyers."""
    shipment = db.session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFound(_l("This shipment does not exist."))
    if not may_read_order(actor, shipment.order):
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
