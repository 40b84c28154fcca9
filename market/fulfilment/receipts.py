"""The supermarket's receipt (超市验收单) of each truck, by the buyer's acceptance rules
(:mod:`.acceptance`); once its last truck has left and every truck is received, the order moves
SHIPPED → RECEIVED.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import BuyerOrder, QuantityUnit, Receipt, ReceiptOutcome, RoleName, Shipment, User, db

from .. import audit
from ..errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from ..locking import lock_row
from ..orders.states import ORDER
from ..units import Unit, format_number, round_half_up
from . import acceptance
from .common import STAFF, clean_text, entered_moment, entered_weight, to_grams, to_kg
from .shipments import shipment_net_kg, truck_on_the_road

RECEIPT_FIELDS = ("shipment_id", "order_id", "received_at", "received_kg", "entered_unit", "defect_pct",
                  "accept_below_pct", "reject_above_pct", "ordered_kg", "over_order_kg", "deducted_kg",
                  "rejected_kg", "accepted_kg", "outcome", "supplier_signer", "clerk_signer", "supervisor_signer",
                  "loaded_kg", "over_loaded_reason")


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


def loaded_kg(shipment: Shipment) -> Decimal:
    """What the truck was loaded with: its confirmed slips, and the warehouse's part of the order if
    it was the order's first truck."""
    return shipment_net_kg(shipment) + shipment.stock_kg


def _check_over_loaded(actor: User, buyer, received: Decimal, loaded: Decimal, reason: Any) -> str:
    """More received than loaded (磅差): within the buyer's tolerance with a coordinator's reason, never beyond."""
    text = clean_text(reason, "over_loaded_reason", 500, None, required=False)
    if received <= loaded:
        return text
    excess = received - loaded
    allowed = round_half_up(loaded * buyer.weighbridge_tolerance_pct / 100, Decimal("0.001"))
    figures = {"loaded": format_number(loaded), "received": format_number(received), "excess": format_number(excess)}
    if excess > allowed:
        raise ValidationFailed(_l("The truck was loaded with %(loaded)s kg; %(received)s kg is %(excess)s kg more, "
                                  "beyond the %(pct)s%% weighbridge difference %(buyer)s allows (%(allowed)s kg). "
                                  "Weigh again or check the loading note."), field="received",
                               rule="receipt_beyond_weighbridge_tolerance", buyer=buyer.name,
                               pct=f"{buyer.weighbridge_tolerance_pct.normalize():f}", allowed=format_number(allowed),
                               **figures)
    if not text or not actor.has_role(RoleName.COORDINATOR):
        raise ValidationFailed(_l("The truck was loaded with %(loaded)s kg; %(received)s kg is %(excess)s kg more. "
                                  "A coordinator records it, saying why (e.g. the two weighbridges differ)."),
                               field="over_loaded_reason", rule="receipt_above_loaded", **figures)
    return text


def record_receipt(actor: User, shipment: Shipment, *, received: Any, unit: Any = Unit.KG, defect_pct: Any,
                   supplier_signer: str, clerk_signer: str, supervisor_signer: str,
                   received_at: datetime | None = None, note: str = "", over_loaded_reason: str = "") -> Receipt:
    """The supermarket's acceptance (超市验收单) by the buyer's rules (:mod:`.acceptance`); the
    order moves SHIPPED → RECEIVED. The buyer's own staff or a coordinator record it.

    :raises PermissionDenied: anyone else.
    :raises ValidationFailed: bad weight or percentage, a missing signature; more received than the
        truck was loaded with beyond the buyer's weighbridge tolerance, or within it without a
        coordinator's reason (磅差).
    :raises Conflict: already received.
    """
    order = shipment.order
    if not may_record_receipt(actor, order):
        raise PermissionDenied()
    lock_row(order)
    db.session.refresh(shipment)
    if shipment.receipt is not None:
        raise Conflict(_l("This shipment was already received."))
    if not ORDER.can(order, "receive_part"):
        raise InvalidTransition(_l("Only a shipped order can be received (status: %(status)s)."),
                                status=order.status.value)
    quantity = entered_weight(received, unit, "received")
    pct = _percent(defect_pct, "defect_pct")
    signers = {name: clean_text(value, name, 64, _l("All three sign: enter each name."))
               for name, value in (("supplier_signer", supplier_signer), ("clerk_signer", clerk_signer),
                                   ("supervisor_signer", supervisor_signer))}
    moment = entered_moment(received_at, "received_at")
    if moment < shipment.departed_at:
        raise ValidationFailed(_l("The goods cannot arrive before the truck left."), field="received_at")
    note = clean_text(note, "note", 1000, None, required=False)
    loaded = loaded_kg(shipment)
    reason = _check_over_loaded(actor, order.buyer, quantity.weight.kg, loaded, over_loaded_reason)
    already = sum((r.accepted_kg for r in db.session.scalars(select(Receipt).where(Receipt.order_id == order.id))),
                  Decimal(0))
    ordered = max(order.quantity_kg - already, Decimal(0))
    buyer = order.buyer
    result = acceptance.assess(quantity.weight.grams, pct, to_grams(ordered),
                               acceptance.Rules(buyer.accept_below_pct, buyer.reject_above_pct))
    receipt = Receipt(
        shipment_id=shipment.id, order_id=order.id, received_at=moment, received_kg=quantity.weight.kg,
        entered_unit=QuantityUnit(quantity.unit.value), defect_pct=pct, accept_below_pct=buyer.accept_below_pct,
        reject_above_pct=buyer.reject_above_pct, ordered_kg=ordered, over_order_kg=to_kg(result.over_order_g),
        deducted_kg=to_kg(result.deducted_g), rejected_kg=to_kg(result.rejected_g), accepted_kg=to_kg(result.accepted_g),
        outcome=ReceiptOutcome(result.outcome.value), note=note, recorded_by_id=actor.id, loaded_kg=loaded,
        over_loaded_reason=reason, **signers)
    db.session.add(receipt)
    db.session.flush()
    done = ORDER.can(order, "receive") and not truck_on_the_road(order.id)
    ORDER.apply(actor, order, "receive" if done else "receive_part")
    db.session.flush()
    audit.record(actor, "receipt.create", receipt, after=audit.snapshot(receipt, RECEIPT_FIELDS))
    return receipt
