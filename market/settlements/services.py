"""Settlements: prepared from what was weighed and received, reviewed, posted to the books.

Kept in one module (about 510 lines): the settlement's life (prepare, review, post, paid); its
``verify`` would be the first to move to a module of its own.

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

from models import (Allocation, AuditEvent, BuyerOrder, Receipt, Shipment, settlement_shipments, DepositClosure, Household, InputCredit, OrderStatus, PartyType, Payment,
                    PaymentApplication, ReversalStatus, SettlementReversal, reversal_slips,
                    RoleName, Settlement, SettlementHousehold, SettlementItem, SettlementKind, SettlementStatus, SlipStatus, User,
                    Voucher, VoucherSource, VoucherStatus, WeighSlip, db, settlement_slips, utcnow)

from models.fulfilment import shipment_slips

from .. import audit
from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from ..input_credits import services as input_credits
from ..ledger import services as ledger
from ..locking import lock_row
from ..numbering import lock_scope, next_number
from ..orders.states import ORDER
from ..stock import services as stock
from ..units import Money
from . import sales_vat, splits
from .carrying import apply_carried
from .computing import (compute_batch, compute_order, cost_input_vat, local_day, parse_day, read_entered,
                        settleable_trucks,
                        sale_lines)
from .states import IN_BOOKS, SETTLEMENT
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


def verify() -> list[str]:
    """The settlements agree with the books and the payments; an empty list means all hold.

    Every posted settlement has exactly the vouchers its plan says, posted; each household line's
    ``paid`` is the sum of the payouts applied to it and each settlement's ``buyer_received`` the
    sum of the receipts applied to it.
    """
    problems: list[str] = []
    posted = db.session.scalars(select(Settlement).where(Settlement.status.in_(IN_BOOKS))
                                .options(selectinload(Settlement.households)))
    for settlement in posted:
        planned = sorted((plan.summary, sum(Money(l.debit or 0).fen for l in plan.lines))
                         for plan in voucher_plan(settlement))
        written = db.session.scalars(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT,
                                                           Voucher.source_id == settlement.id)).all()
        actual = sorted((v.summary, sum(Money(l.debit).fen for l in v.lines)) for v in written
                        if v.status is VoucherStatus.POSTED)
        if planned != actual or len(written) != len(actual):
            problems.append(f"settlement {settlement.number}: its posted vouchers differ from what it settles")
        problems += _rederived_problems(settlement, [v for v in written if v.status is VoucherStatus.POSTED])
        if not db.session.scalar(select(AuditEvent.id).where(
                AuditEvent.entity_type == Settlement.__tablename__, AuditEvent.entity_id == settlement.id,
                AuditEvent.action == "settlement.post").limit(1)):
            problems.append(f"settlement {settlement.number}: its audit event settlement.post is missing")
    for number, in db.session.execute(select(Settlement.number).where(
            Settlement.status.not_in(IN_BOOKS), Settlement.status != SettlementStatus.REVERSED,
            Settlement.id.in_(select(Voucher.source_id).where(
                Voucher.source == VoucherSource.SETTLEMENT, Voucher.status == VoucherStatus.POSTED)))):
        problems.append(f"settlement {number}: not posted, yet its vouchers are in the books")
    for payment in db.session.scalars(select(Payment).options(selectinload(Payment.voucher),
                                                              selectinload(Payment.applications))):
        problems += _source_problems(f"payment {payment.number}", payment.voided_at is not None, payment.voucher)
        if payment.voided_at is not None and payment.applications:
            problems.append(f"payment {payment.number}: void, yet still applied to what it paid")
    for credit in db.session.scalars(select(InputCredit).options(selectinload(InputCredit.voucher))):
        problems += _source_problems(f"input credit {credit.number}", credit.voided_at is not None, credit.voucher)
    for closure in db.session.scalars(select(DepositClosure).options(selectinload(DepositClosure.voucher))):
        problems += _source_problems(f"deposit closure {closure.number}", closure.voided_at is not None,
                                     closure.voucher)
    problems += _applied_mismatches(PaymentApplication.line_id, SettlementHousehold, SettlementHousehold.paid,
                                    "settlement line {}: paid differs from the payouts applied to it")
    problems += _applied_mismatches(PaymentApplication.settlement_id, Settlement, Settlement.buyer_received,
                                    "settlement {}: received differs from the receipts applied to it")
    return problems


PAYABLE, ADVANCES, REVENUE = "2202", "1123", "5001"


def _rederived_problems(settlement: Settlement, vouchers: list[Voucher]) -> list[str]:
    """A posted settlement re-derived from what it stores: each household line's gross from its
    items, its VAT from its gross, its net from its gross less what was recovered; the
    settlement's totals from its lines; each line against the vouchers' 2202, 1123 and 1221 for
    that household."""
    name = f"settlement {settlement.number}"
    problems = []
    rate = Decimal(settlement.vat_rate_pct) / 100
    booked: dict[tuple[str, int, str], int] = {}
    for voucher in vouchers:
        for line in voucher.lines:
            if line.party_type is PartyType.HOUSEHOLD:
                for side, amount in (("debit", line.debit), ("credit", line.credit)):
                    key = (line.account.code, line.party_id, side)
                    booked[key] = booked.get(key, 0) + Money(amount).fen
    derived: dict[tuple[str, int, str], int] = {}
    gross_total = vat_total = 0
    for line in settlement.households:
        who = f"{name}, household {line.household_id}"
        gross, net = Money(line.gross).fen, Money(line.net).fen
        advances, credit = Money(line.recovered_advances).fen, Money(line.recovered_input_credit).fen
        if gross != sum(Money(item.amount).fen for item in line.items):
            problems.append(f"{who}: gross differs from the sum of its items")
        if Money(line.input_vat).fen != splits.input_vat(gross, rate)[0]:
            problems.append(f"{who}: input VAT differs from the VAT of its gross")
        if net != gross - advances - credit:
            problems.append(f"{who}: net differs from gross less what was recovered")
        gross_total += gross
        vat_total += Money(line.input_vat).fen
        for key, fen in (((PAYABLE, line.household_id, "credit"), gross),
                         ((PAYABLE, line.household_id, "debit"), advances + credit),
                         ((ADVANCES, line.household_id, "credit"), advances),
                         ((input_credits.RECEIVABLE_ACCOUNT, line.household_id, "credit"), credit)):
            if fen:
                derived[key] = derived.get(key, 0) + fen
    problems += _sale_problems(settlement, vouchers)
    problems += _cost_credit_problems(settlement, vouchers)
    if Money(settlement.purchase_total).fen != gross_total or Money(settlement.input_vat).fen != vat_total \
            or Money(settlement.purchase_cost).fen != gross_total - vat_total:
        problems.append(f"{name}: its purchase total, input VAT or cost differ from its household lines")
    booked = {key: fen for key, fen in booked.items() if fen}
    for household_id in sorted({key[1] for key in booked} | {key[1] for key in derived}):
        if {k: v for k, v in booked.items() if k[1] == household_id} != \
                {k: v for k, v in derived.items() if k[1] == household_id}:
            problems.append(f"{name}, household {household_id}: its vouchers' 2202, 1123 and 1221 differ from its line")
    return problems


def _sale_problems(settlement: Settlement, vouchers: list[Voucher]) -> list[str]:
    """The VAT re-derived: the sale's 不含税金额 and 销项税额 from the buyer total at the treatment it
    recorded (per invoice line), against what its vouchers credit to 5001 and 22210102; the special
    invoices' input VAT from their amounts and rates; 22210101 against all the input VAT it keeps."""
    name = f"settlement {settlement.number}"
    problems = []
    split = sales_vat.split_sale(sale_lines(settlement))
    net, tax = Money(settlement.sale_net).fen, Money(settlement.output_vat).fen
    if (net, tax) != (split.net_fen, split.tax_fen):
        problems.append(f"{name}: its revenue and output VAT differ from its buyer total at its VAT rate")
    credited = {code: 0 for code in (REVENUE, ledger.OUTPUT_VAT)}
    for voucher in vouchers:
        for line in voucher.lines:
            if line.account.code in credited:
                credited[line.account.code] += Money(line.credit).fen - Money(line.debit).fen
    if credited != {REVENUE: net, ledger.OUTPUT_VAT: tax}:
        problems.append(f"{name}: its vouchers' 5001 and 22210102 differ from its revenue and output VAT")
    for cost in ("logistics", "packing"):
        if getattr(settlement, f"{cost}_input_vat") != cost_input_vat(getattr(settlement, cost),
                                                                      getattr(settlement, f"{cost}_vat_rate_pct")):
            problems.append(f"{name}: its {cost} input VAT differs from its special invoice's amount at its rate")
    deducted = sum(Money(line.debit).fen - Money(line.credit).fen for voucher in vouchers for line in voucher.lines
                   if line.account.code == ledger.INPUT_VAT)
    if deducted != Money(settlement.input_vat).fen + Money(settlement.costs_input_vat).fen:
        problems.append(f"{name}: its vouchers' 22210101 differ from its purchase invoices' and special invoices' VAT")
    return problems


def _cost_credit_problems(settlement: Settlement, vouchers: list[Voucher]) -> list[str]:
    """The costs' credits re-derived: each cost that names a supplier is owed to it in full (2202 by
    that supplier), the rest was paid from the bank (1002) on the settlement day."""
    owed: dict[int, int] = {}
    paid = 0
    for cost in ("logistics", "packing"):
        fen, supplier_id = Money(getattr(settlement, cost)).fen, getattr(settlement, f"{cost}_supplier_id")
        if supplier_id is None:
            paid += fen
        elif fen:
            owed[supplier_id] = owed.get(supplier_id, 0) + fen
    booked: dict[int, int] = {}
    banked = 0
    for voucher in vouchers:
        for line in voucher.lines:
            if line.party_type is PartyType.SUPPLIER:
                booked[line.party_id] = booked.get(line.party_id, 0) + Money(line.credit).fen - Money(line.debit).fen
            elif line.account.code == "1002":
                banked += Money(line.credit).fen - Money(line.debit).fen
    name = f"settlement {settlement.number}"
    problems = []
    if {k: v for k, v in booked.items() if v} != owed:
        problems.append(f"{name}: its vouchers' 2202 by supplier differ from the costs it owes its suppliers")
    if banked != paid:
        problems.append(f"{name}: its vouchers' 1002 differs from the costs paid on the settlement day")
    return problems


def _source_problems(name: str, voided: bool, voucher: Voucher | None) -> list[str]:
    """A record that stands has a voucher that was not rejected; a void one's posted voucher is reversed."""
    if voucher is None:
        return [] if voided else [f"{name}: it has no voucher"]
    if not voided and voucher.status is VoucherStatus.REJECTED:
        return [f"{name}: its voucher was rejected but it stands"]
    if voided and voucher.status is VoucherStatus.POSTED and \
            db.session.scalar(select(Voucher.id).where(Voucher.reverses_id == voucher.id)) is None:
        return [f"{name}: void, yet its posted voucher is not reversed"]
    return []


def _applied_mismatches(target, model, column, message: str) -> list[str]:
    """Rows whose stored ``column`` is not the sum of the payment applications made to them."""
    applied = {row_id: Decimal(total) for row_id, total in db.session.execute(
        select(target, func.sum(PaymentApplication.amount)).where(target.is_not(None)).group_by(target))}
    stored = dict(db.session.execute(select(model.id, column).where(
        (column > 0) | model.id.in_(list(applied) or [0]))).all())
    return [message.format(row_id) for row_id in sorted(stored) if stored[row_id] != applied.get(row_id, Decimal(0))]
