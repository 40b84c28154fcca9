"""Settlements: prepared from what was weighed and received, reviewed, posted to the books.

The settlement's life (prepare, review, post, paid) and its reading; ``verify``, which checks the
settlements against the books and the payments, is in ``verification`` (re-exported here).

draft → submitted → approved (by an accountant other than the preparer) → posted → paid.
A draft can be recomputed or discarded; a submitted or approved one can be returned to draft
with a reason. Posting writes the settlement's vouchers and purchase invoices in the caller's
transaction, so they are all written or none is. ``paid`` follows when every household is paid.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from models import (Allocation, BuyerOrder, Receipt, Shipment, settlement_shipments, Household, OrderStatus,
                    PaymentApplication, ReversalStatus, SettlementReversal, reversal_slips,
                    RoleName, Settlement, SettlementHousehold, SettlementItem, SettlementKind, SettlementStatus, SlipStatus, User,
                    VoucherSource, WeighSlip, db, settlement_slips, utcnow)

from models.fulfilment import shipment_slips

from .. import audit
from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from ..ledger import services as ledger
from ..locking import lock_row
from ..numbering import lock_scope, next_number
from ..orders.states import ORDER
from ..stock import services as stock
from .carrying import apply_carried
from .computing import (compute_batch, compute_order, local_day, parse_day, read_entered,
                        settleable_trucks)
from .states import IN_BOOKS, SETTLEMENT
from .verification import verify as verify  # checked by `flask ledger verify`; lives in its own module
from .vouchers import issue_invoices, voucher_plan

PREPARERS = (RoleName.ACCOUNTANT, RoleName.COORDINATOR)
ACCOUNTANTS = (RoleName.ACCOUNTANT,)
READERS = (RoleName.ACCOUNTANT, RoleName.COORDINATOR, RoleName.ADMIN)

def _new(actor: User, kind: SettlementKind) -> Settlement:
    settlement = Settlement(number=next_number(Settlement.number, f"JS{local_today().year}-"), kind=kind,
                            status=SettlementStatus.DRAFT, prepared_by_id=actor.id, settle_on=local_today())
    db.session.add(settlement)
    return settlement


def prepare_order_settlement(actor: User, order: BuyerOrder, **values: Any) -> Settlement:
    """制单: the three-way settlement of a received order, as a draft.

    :param values: ``settle_on``, ``logistics``, ``packing``, ``buyer_deductions`` (元),
        ``vat_rate_pct``, ``note``.
    :raises Conflict: no receipt yet, nothing weighed, or the order is already settled.
    :raises ValidationFailed: a bad amount, date or rate.
    """
    require_role(actor, *PREPARERS)
    entered = read_entered(values)
    lock_row(order)
    if order.status is OrderStatus.CANCELLED:
        raise Conflict(_l("A cancelled order cannot be settled."))
    if not settleable_trucks(order):
        raise Conflict(_l("This order already has a settlement.") if order.status is OrderStatus.SETTLED else
                       _l("No truck of this order is received and not yet settled: settle after the supermarket's "
                          "receipt (验收单)."))
    settlement = _new(actor, SettlementKind.ORDER)
    # the settlement reversed before it, which this one corrects (更正)
    settlement.corrects_id = db.session.scalar(select(Settlement.id).where(
        Settlement.order_id == order.id, Settlement.status == SettlementStatus.REVERSED)
        .order_by(Settlement.id.desc()).limit(1))
    compute_order(settlement, order, entered)
    db.session.flush()
    audit.record(actor, "settlement.prepare", settlement, after=_summary(settlement))
    return settlement


#: an order in one of these has seen its last truck leave
LAST_TRUCK_GONE = (OrderStatus.SHIPPED, OrderStatus.RECEIVED, OrderStatus.SETTLED)


def unsettled_contract_slips(household_id: int | None = None) -> Select:
    """Confirmed deliveries the company buys for its own stock that no settlement pays for yet:
    contract deliveries not for an order, and what was weighed for an order whose last truck left
    without it (it stays with the company, 入库 at cost, instead of being sold)."""
    left_behind = (WeighSlip.allocation_id.in_(select(Allocation.id).join(BuyerOrder, BuyerOrder.id == Allocation.order_id)
                                               .where(BuyerOrder.status.in_(LAST_TRUCK_GONE)))
                   & ~WeighSlip.id.in_(select(shipment_slips.c.slip_id)))
    statement = (select(WeighSlip).where((WeighSlip.contract_id.is_not(None) & WeighSlip.allocation_id.is_(None))
                                         | left_behind,
                                         WeighSlip.status == SlipStatus.CONFIRMED,
                                         ~WeighSlip.id.in_(select(settlement_slips.c.slip_id)))
                 .options(selectinload(WeighSlip.lines), selectinload(WeighSlip.household))
                 .order_by(WeighSlip.weighed_at, WeighSlip.id))
    if household_id is not None:
        statement = statement.where(WeighSlip.household_id == household_id)
    return statement


def prepare_contract_batch(actor: User, *, start: Any = None, end: Any = None, **values: Any) -> Settlement:
    """制单: settle the contract deliveries weighed between ``start`` and ``end`` (inclusive) that
    no settlement pays for yet.

    :raises Conflict: there is nothing to settle in that range.
    """
    require_role(actor, *PREPARERS)
    errors = FieldErrors()
    first = parse_day(start, errors, "start") if start not in (None, "") else None
    last = parse_day(end, errors, "end") if end not in (None, "") else None
    if first and last and first > last:
        errors.add("end", _l("The end comes before the start."))
    errors.raise_if_any()
    entered = read_entered(values)
    lock_scope("settlement:contract-batch")  # two batches at once never pick the same slips
    slips = [slip for slip in db.session.scalars(unsettled_contract_slips())
             if (first is None or local_day(slip) >= first) and (last is None or local_day(slip) <= last)]
    if not slips:
        raise Conflict(_l("There are no contract deliveries to settle in that range."))
    settlement = _new(actor, SettlementKind.CONTRACT_BATCH)
    # a batch taking slips a reversal released corrects that reversed settlement
    settlement.corrects_id = db.session.scalar(
        select(SettlementReversal.settlement_id).join(reversal_slips, reversal_slips.c.reversal_id == SettlementReversal.id)
        .where(reversal_slips.c.slip_id.in_([slip.id for slip in slips]),
               SettlementReversal.status == ReversalStatus.POSTED)
        .order_by(SettlementReversal.id.desc()).limit(1))
    compute_batch(settlement, slips, entered)
    db.session.flush()
    audit.record(actor, "settlement.prepare", settlement, after=_summary(settlement))
    return settlement


def recompute(actor: User, settlement: Settlement, **values: Any) -> Settlement:
    """Change a draft's entered amounts (or pick up new weighings and advances) and compute again."""
    require_role(actor, *PREPARERS)
    lock_row(settlement)
    if settlement.status is not SettlementStatus.DRAFT:
        raise Conflict(_l("Only a draft settlement can be changed."))
    before = _summary(settlement)
    entered = read_entered(values)
    # Whoever last set the figures is their preparer, and so cannot approve them: a reviewer who
    # returns a settlement and recomputes it hands the review to someone else.
    settlement.prepared_by_id, settlement.prepared_at = actor.id, utcnow()
    if settlement.kind is SettlementKind.ORDER:
        compute_order(settlement, settlement.order, entered)
    else:
        slips = [slip for slip in settlement.slips if slip.status is SlipStatus.CONFIRMED]
        if not slips:
            raise Conflict(_l("Every delivery of this settlement was voided; discard the draft."))
        compute_batch(settlement, slips, entered)
    db.session.flush()
    audit.record(actor, "settlement.recompute", settlement, before=before, after=_summary(settlement))
    return settlement


def discard(actor: User, settlement: Settlement) -> None:
    """A draft no one needs: its slips are free to settle again."""
    require_role(actor, *PREPARERS)
    lock_row(settlement)
    if settlement.status is not SettlementStatus.DRAFT:
        raise Conflict(_l("Only a draft settlement can be discarded."))
    audit.record(actor, "settlement.discard", settlement, before=_summary(settlement))
    db.session.delete(settlement)
    db.session.flush()


def submit(actor: User, settlement: Settlement) -> Settlement:
    require_role(actor, *PREPARERS)
    lock_row(settlement)
    SETTLEMENT.apply(actor, settlement, "submit")
    settlement.submitted_at, settlement.returned_reason = utcnow(), ""
    db.session.flush()
    return settlement


def approve(actor: User, settlement: Settlement) -> Settlement:
    """审核, by an accountant other than the preparer; exactly once."""
    require_role(actor, *ACCOUNTANTS)
    lock_row(settlement)
    if settlement.prepared_by_id == actor.id:
        raise PermissionDenied(_l("The person who prepared a settlement cannot approve it."))
    SETTLEMENT.apply(actor, settlement, "approve")
    settlement.approved_by_id, settlement.approved_at = actor.id, utcnow()
    db.session.flush()
    return settlement


def return_to_draft(actor: User, settlement: Settlement, reason: str) -> Settlement:
    """退回: a reviewer sends a submitted or approved settlement back to its preparer, saying why."""
    require_role(actor, *ACCOUNTANTS)
    if not (reason or "").strip():
        raise ValidationFailed(_l("Say why the settlement is returned."), field="reason")
    lock_row(settlement)
    SETTLEMENT.apply(actor, settlement, "return", reason=reason.strip())
    settlement.returned_reason = reason.strip()
    settlement.approved_by_id = settlement.approved_at = None
    db.session.flush()
    return settlement


def post(actor: User, settlement: Settlement) -> Settlement:
    """记账: write the settlement's vouchers and purchase invoices, all or none; exactly once."""
    require_role(actor, *ACCOUNTANTS)
    lock_row(settlement)
    if settlement.status is not SettlementStatus.APPROVED:
        SETTLEMENT.apply(actor, settlement, "post")  # raises InvalidTransition
    if settlement.kind is SettlementKind.ORDER and settlement.sale_vat_rate_pct is None \
            and not settlement.sale_vat_exempt_basis:
        raise Conflict(_l("This settlement was prepared before output VAT was booked; return it to draft and "
                          "compute it again."))
    voided = [slip.serial for slip in settlement.slips if slip.status is not SlipStatus.CONFIRMED]
    if voided:
        raise Conflict(_l("Slip %(serial)s was voided after this settlement was prepared; return it to draft and "
                          "compute it again."), serial=voided[0])
    if settlement.kind is SettlementKind.CONTRACT_BATCH:
        stock.receive_batch(settlement)  # into stock at the cost its purchase voucher debits to 1405
    elif settlement.order is not None:
        stock.issue_for_order(settlement)  # the warehouse's part, at cost, in the sale voucher below
    # its lines and households at once (the vouchers name each household), not line by line; held here
    # so that the session keeps them while the vouchers are written
    held = db.session.scalars(select(SettlementHousehold).where(SettlementHousehold.settlement_id == settlement.id)
                              .options(selectinload(SettlementHousehold.household))).all()
    for plan in voucher_plan(settlement):
        ledger.record_reviewed(preparer=settlement.prepared_by, approver=settlement.approved_by, poster=actor,
                               voucher_date=settlement.settle_on, summary=plan.summary, lines=plan.lines,
                               idempotency_key=f"settlement:{settlement.id}:{plan.key}",
                               source=VoucherSource.SETTLEMENT, source_id=settlement.id, attachments=plan.attachments)
    issue_invoices(settlement)
    apply_carried(settlement)  # what was paid on a settlement reversed before it
    if settlement.order is not None and settlement.final and ORDER.can(settlement.order, "settle"):
        ORDER.apply(actor, lock_row(settlement.order), "settle")  # received → settled
    SETTLEMENT.apply(actor, settlement, "post")
    settlement.posted_by_id, settlement.posted_at = actor.id, utcnow()
    db.session.flush()
    mark_paid_if_done(actor, settlement)  # nothing left to pay when deductions took every net
    del held
    return settlement


def mark_paid_if_done(actor: User, settlement: Settlement) -> None:
    """posted → paid once every household has been paid in full, and back to posted when a price
    correction leaves one owed again (re-read under the settlement's lock)."""
    lock_row(settlement)
    if settlement.status not in IN_BOOKS:
        return
    open_lines = db.session.scalar(select(func.count()).select_from(SettlementHousehold).where(
        SettlementHousehold.settlement_id == settlement.id,
        SettlementHousehold.paid < SettlementHousehold.net + SettlementHousehold.adjusted))
    if settlement.status is SettlementStatus.POSTED and open_lines == 0:
        SETTLEMENT.apply(actor, settlement, "pay")
    elif settlement.status is SettlementStatus.PAID and open_lines:
        SETTLEMENT.apply(actor, settlement, "unpay")


# --- reading -------------------------------------------------------------------------------------

def _summary(settlement: Settlement) -> dict[str, Any]:
    return audit.snapshot(settlement, ("number", "kind", "status", "order_id", "settle_on", "buyer_total",
                                       "purchase_total", "input_vat", "logistics", "packing", "margin",
                                       "output_vat", "logistics_invoice_no", "logistics_input_vat",
                                       "packing_invoice_no", "packing_input_vat", "logistics_supplier_id",
                                       "packing_supplier_id"))


#: what the whole 三方结算单 shows of each household, loaded for all of them at once
WHOLE = (selectinload(Settlement.households).selectinload(SettlementHousehold.household)
         .selectinload(Household.village),
         selectinload(Settlement.households).selectinload(SettlementHousehold.invoice),
         selectinload(Settlement.households).selectinload(SettlementHousehold.items).selectinload(SettlementItem.grade))


def get(actor: User, settlement_id: int, *, whole: bool = False) -> Settlement:
    """A settlement; ``whole``: with every household's line, invoice and deliveries loaded at once (a
    query each, not a query per household)."""
    require_role(actor, *READERS)
    settlement = db.session.get(Settlement, settlement_id, options=WHOLE if whole else ())
    if settlement is None:
        raise NotFound(_l("This settlement does not exist."))
    return settlement


def listing(actor: User, status: SettlementStatus | None = None) -> Select:
    require_role(actor, *READERS)
    statement = select(Settlement).order_by(Settlement.id.desc())
    if status is not None:
        statement = statement.where(Settlement.status == status)
    return statement


def awaiting_review(actor: User) -> Select:
    return listing(actor, SettlementStatus.SUBMITTED)


@dataclass(frozen=True)
class Received:
    """What the supermarket accepted of an order over all its trucks, and when the last one was received."""
    accepted_kg: Decimal
    received_at: datetime


def received_of(order_ids: list[int]) -> dict[int, Received]:
    if not order_ids:
        return {}
    return {order_id: Received(accepted, last)
            for order_id, accepted, last in db.session.execute(
                select(Receipt.order_id, func.sum(Receipt.accepted_kg), func.max(Receipt.received_at))
                .where(Receipt.order_id.in_(order_ids)).group_by(Receipt.order_id))}


def settleable_orders() -> list[BuyerOrder]:
    """Orders with a truck the supermarket received that no standing settlement sells yet: settled in
    full once every truck is received, or in the meantime for the trucks received so far (interim)."""
    taken = (select(settlement_shipments.c.shipment_id)
             .join(Settlement, Settlement.id == settlement_shipments.c.settlement_id)
             .where(Settlement.status != SettlementStatus.REVERSED))
    waiting = (select(Shipment.order_id).join(Receipt, Receipt.shipment_id == Shipment.id)
               .where(~Shipment.id.in_(taken)))
    return list(db.session.scalars(
        select(BuyerOrder)
        .where(BuyerOrder.id.in_(waiting),
               BuyerOrder.status.in_((OrderStatus.COLLECTING, OrderStatus.SHIPPED, OrderStatus.RECEIVED,
                                      OrderStatus.SETTLED)))
        .order_by(BuyerOrder.id)))


def household_lines(household_id: int) -> Select:
    return (select(SettlementHousehold).join(Settlement)
            .where(SettlementHousehold.household_id == household_id, Settlement.status.in_(IN_BOOKS))
            .order_by(Settlement.settle_on, Settlement.id))


def applications_of(line: SettlementHousehold) -> list[PaymentApplication]:
    return list(db.session.scalars(select(PaymentApplication).where(PaymentApplication.line_id == line.id)
                                   .order_by(PaymentApplication.id)))
