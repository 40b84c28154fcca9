"""What fulfilment's modules share: who may do what, the order's statuses that matter here, reading
an order and its slips, and the cleaning of what people type (times, texts, weights).

Fulfilment comes after allocation: field collection (:mod:`.collection`), the truck
(:mod:`.shipments`) with its crate labels (:mod:`.labels`), the compliance certificate
(:mod:`.certificates`), the supermarket's receipt (:mod:`.receipts`), and the public pages: the
trace behind a code (:mod:`.trace`) and the disclosure of an order (:mod:`.disclosure`, 村务公示).
Every change takes the order's row lock first (PostgreSQL ``FOR UPDATE``), then lots by id, the
same order the allocation's confirmation uses.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Allocation, BuyerOrder, OrderStatus, RoleName, User, WeighSlip, WeighSlipLine, db, utcnow
from models.fulfilment import shipment_slips

from ..clock import local_zone
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..units import Unit, UnitError, Weight, parse_quantity, parse_unit

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


BRAND = "空港浓香园"


def to_grams(kg: Decimal) -> int:
    return Weight(kg).grams


def to_kg(grams: int) -> Decimal:
    return Weight.from_grams(grams).kg


def entered_moment(value: datetime | None, field: str) -> datetime:
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


def clean_text(value: Any, field: str, max_length: int, message: Any, *, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not text:
        raise ValidationFailed(message, field=field)
    if len(text) > max_length:
        raise ValidationFailed(_l("At most %(n)s characters."), field=field, n=max_length)
    return text


def entered_weight(text: Any, unit: Any, field: str):
    if isinstance(text, float):
        raise TypeError("floats never touch weight")
    try:
        return parse_quantity(str(text if text is not None else ""), parse_unit(unit or Unit.KG))
    except UnitError:
        raise ValidationFailed(_l("Enter a weight above zero, e.g. 120, 240斤 or 1.2吨 (to the gram)."),
                               field=field) from None


def may_read_order(actor: User, order: BuyerOrder) -> bool:
    if actor.has_role(*READERS):
        return True
    return actor.has_role(RoleName.BUYER) and actor.buyer_id is not None and actor.buyer_id == order.buyer_id


def order_slips(order: BuyerOrder) -> list[WeighSlip]:
    """Every slip (void ones too) weighed against the order's allocation lines, oldest first."""
    return list(db.session.scalars(
        select(WeighSlip).join(Allocation, WeighSlip.allocation_id == Allocation.id)
        .where(Allocation.order_id == order.id)
        .options(selectinload(WeighSlip.lines).selectinload(WeighSlipLine.grade), selectinload(WeighSlip.household))
        .order_by(WeighSlip.weighed_at, WeighSlip.id)))


def get_order(actor: User, order_id: int) -> BuyerOrder:
    order = db.session.get(BuyerOrder, order_id)
    if order is None:
        raise NotFound(_l("This order does not exist."))
    if not may_read_order(actor, order):
        raise PermissionDenied()
    return order


def shipments_of(slip_ids: Sequence[int]) -> dict[int, int]:
    if not slip_ids:
        return {}
    return dict(db.session.execute(select(shipment_slips.c.slip_id, shipment_slips.c.shipment_id)
                                   .where(shipment_slips.c.slip_id.in_(list(slip_ids)))).all())
