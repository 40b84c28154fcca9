"""Settlement reversals (结算单冲销): a posted settlement undone as a whole, through review.

An accountant prepares the reversal of a posted (or paid) settlement with the reason and the day
of its red vouchers; an accountant who did not prepare it reviews it (审核记账) or returns it.
Posting it, in one transaction:

- writes a red voucher (红字冲销, lines swapped) for every voucher the settlement wrote and for the
  voucher of every adjustment posted against it, each linked to the voucher it undoes;
- voids the settlement's 农产品收购发票 (they are kept, marked void by the reversal);
- returns what the settlement moved in or out of stock, at the very value it moved;
- takes what payments had paid on it off it and keeps it as paid in advance (carried), for the
  corrected settlement to take (``settlements.carrying``);
- releases its weigh slips and trucks to be settled again, and (a final settlement) the order goes
  back to received;
- marks the settlement reversed: every figure it was posted with stays as it was.

The day must be in an open period with no closed period after it (then it is dated in the open
period, as 会计基础工作规范 asks of corrections found after closing). The corrected settlement is
prepared, reviewed and posted as usual; it names the reversed one (``corrects_id``), and the audit
log links the three.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from models import (Adjustment, AdjustmentStatus, CarriedPayment, OrderStatus, PaymentApplication, ReversalStatus,
                    RoleName, Settlement, SettlementReversal, SettlementStatus, User, Voucher,
                    VoucherSource, VoucherStatus, db)

from .. import audit, reviewing
from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import Conflict, FieldErrors, NotFound
from ..idempotency import body_hash, checked_key, insert_once, replay
from ..ledger import services as ledger
from ..locking import lock_row
from ..numbering import next_number
from ..orders.states import ORDER
from ..settlements.states import IN_BOOKS, SETTLEMENT
from ..stock import services as stock

#: who prepares a reversal, and who reviews and posts it: the accountants (not the cashier)
PREPARERS = REVIEWERS = (RoleName.ACCOUNTANT,)
READERS = (RoleName.ACCOUNTANT, RoleName.COORDINATOR, RoleName.CASHIER, RoleName.CHIEF_ACCOUNTANT, RoleName.ADMIN)
REASON_LENGTH = reviewing.REASON_LENGTH
LOADS = (selectinload(SettlementReversal.settlement), selectinload(SettlementReversal.prepared_by),
         selectinload(SettlementReversal.reviewed_by))


# --- reading -------------------------------------------------------------------------------------

def listing(actor: User, *, settlement_id: int | None = None, status: Any = None) -> Select:
    require_role(actor, *READERS)
    statement = select(SettlementReversal).options(*LOADS).order_by(SettlementReversal.id.desc())
    if settlement_id is not None:
        statement = statement.where(SettlementReversal.settlement_id == settlement_id)
    if status:
        statement = statement.where(SettlementReversal.status == ReversalStatus(status))
    return statement


def get(actor: User, reversal_id: int) -> SettlementReversal:
    require_role(actor, *READERS)
    reversal = db.session.get(SettlementReversal, reversal_id)
    if reversal is None:
        raise NotFound(_l("This reversal does not exist."))
    return reversal


def standing(settlement_id: int) -> SettlementReversal | None:
    """The settlement's reversal waiting for review or posted, if any."""
    return db.session.scalar(select(SettlementReversal).where(
        SettlementReversal.settlement_id == settlement_id, SettlementReversal.status != ReversalStatus.RETURNED))


def corrected_by(settlement_id: int) -> Settlement | None:
    return db.session.scalar(select(Settlement).where(Settlement.corrects_id == settlement_id)
                             .order_by(Settlement.id.desc()).limit(1))


def waiting_count() -> int:
    return db.session.scalar(select(func.count()).select_from(SettlementReversal)
                             .where(SettlementReversal.status == ReversalStatus.SUBMITTED)) or 0


# --- preparing -----------------------------------------------------------------------------------

def _reversible(settlement: Settlement) -> None:
    if settlement.status not in IN_BOOKS:
        raise Conflict(_l("Only a posted settlement is reversed; one not yet posted is returned to draft and "
                          "computed again."), rule="reversal_needs_posted_settlement")
    waiting = db.session.scalar(select(Adjustment.number).where(
        Adjustment.settlement_id == settlement.id, Adjustment.status == AdjustmentStatus.SUBMITTED))
    if waiting:
        raise Conflict(_l("Adjustment %(number)s of this settlement waits for review; review or return it first."),
                       rule="reversal_adjustment_waiting", number=waiting)


def _day(errors: FieldErrors, settlement: Settlement, value: Any) -> date:
    day = local_today()
    if isinstance(value, date):
        day = value
    elif value not in (None, ""):
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            errors.add("reverse_on", _l("Enter a date as YYYY-MM-DD."))
    if day > local_today():
        errors.add("reverse_on", _l("The date of a reversal cannot be in the future."))
    elif day < settlement.settle_on:
        errors.add("reverse_on", _l("A reversal cannot be dated before its settlement (%(day)s).",
                                    day=settlement.settle_on.isoformat()))
    return day


def _open_day(day: date) -> None:
    try:
        ledger.refuse_closed(day, field="reverse_on")
    except Conflict as error:
        raise Conflict(_l("%(refusal)s Date the reversal in the open period: its red vouchers go there."),
                       field="reverse_on", rule="period_closed", refusal=error.text()) from None


def prepare(actor: User, settlement: Settlement, *, reason: Any, reverse_on: Any = None,
            idempotency_key: str) -> SettlementReversal:
    """制单: the reversal of a posted settlement, for review.

    :raises ValidationFailed: no reason, a bad date (nothing is written).
    :raises Conflict: the settlement is not posted, is being or was reversed, an adjustment of it
        waits for review, or the day is in (or before) a closed period.
    :raises IdempotencyConflict: the key was used for another reversal.
    """
    require_role(actor, *PREPARERS)
    key = checked_key(idempotency_key, _l("Each reversal needs an idempotency key of at most 128 characters."))
    errors = FieldErrors()
    text = str(reason or "").strip()
    if not text:
        errors.add("reason", _l("Say why the settlement is reversed."))
    elif len(text) > REASON_LENGTH:
        errors.add("reason", _l("Keep the reason to 2000 characters."))
    day = _day(errors, settlement, reverse_on)
    errors.raise_if_any()
    digest = body_hash({"settlement": settlement.id, "reason": text, "reverse_on": day.isoformat()})
    existing = replay(SettlementReversal, key, digest)
    if existing is not None:
        return existing
    lock_row(settlement)
    _reversible(settlement)
    taken = standing(settlement.id)
    if taken is not None:
        raise Conflict(_l("Settlement %(settlement)s already has reversal %(number)s."), rule="reversal_exists",
                       settlement=settlement.number, number=taken.number)
    _open_day(day)
    reversal = SettlementReversal(number=next_number(SettlementReversal.number, f"CX{day.year}-"),
                                  settlement_id=settlement.id, reverse_on=day, reason=text, idempotency_key=key,
                                  body_hash=digest, prepared_by_id=actor.id, status=ReversalStatus.SUBMITTED)
    saved = insert_once(reversal, taken=Conflict(_l("Settlement %(settlement)s already has a reversal."),
                                                 rule="reversal_exists", settlement=settlement.number))
    if saved is not reversal:
        return saved
    audit.record(actor, "settlement_reversal.prepare", reversal, after=_record(reversal))
    return reversal


def _record(reversal: SettlementReversal) -> dict[str, Any]:
    return audit.snapshot(reversal, ("number", "status", "settlement_id", "reverse_on", "reason"))


# --- review --------------------------------------------------------------------------------------

REVIEW = reviewing.Review(
    reviewers=REVIEWERS, waiting=ReversalStatus.SUBMITTED, returned=ReversalStatus.RETURNED,
    reviewed=_l("Reversal %(number)s was already reviewed."),
    self_review=_l("The person who prepared a reversal cannot review it."), self_review_rule="reversal_self_review",
    say_why=_l("Say why the reversal is returned."), returned_action="settlement_reversal.return")


def vouchers_to_reverse(settlement: Settlement) -> list[Voucher]:
    """The posted vouchers the settlement and its posted adjustments wrote, not yet reversed."""
    adjustments = select(Adjustment.id).where(Adjustment.settlement_id == settlement.id,
                                              Adjustment.status == AdjustmentStatus.POSTED)
    reversed_ = select(Voucher.reverses_id).where(Voucher.reverses_id.is_not(None),
                                                  Voucher.status == VoucherStatus.POSTED)
    return list(db.session.scalars(select(Voucher).where(
        Voucher.status == VoucherStatus.POSTED, Voucher.reverses_id.is_(None), Voucher.id.not_in(reversed_),
        ((Voucher.source == VoucherSource.SETTLEMENT) & (Voucher.source_id == settlement.id))
        | ((Voucher.source == VoucherSource.ADJUSTMENT) & Voucher.source_id.in_(adjustments)))
        .options(selectinload(Voucher.lines)).order_by(Voucher.id)))


def _carry_payments(reversal: SettlementReversal, settlement: Settlement) -> list[CarriedPayment]:
    carried = []
    for application in db.session.scalars(select(PaymentApplication).where(
            PaymentApplication.settlement_id == settlement.id).order_by(PaymentApplication.id)):
        carried.append(CarriedPayment(reversal_id=reversal.id, payment_id=application.payment_id,
                                      buyer_id=settlement.buyer_id, amount=application.amount))
        settlement.buyer_received = settlement.buyer_received - application.amount
        db.session.delete(application)
    lines = {line.id: line for line in settlement.households}
    for application in db.session.scalars(select(PaymentApplication).where(
            PaymentApplication.line_id.in_(list(lines) or [0])).order_by(PaymentApplication.id)):
        line = lines[application.line_id]
        carried.append(CarriedPayment(reversal_id=reversal.id, payment_id=application.payment_id,
                                      household_id=line.household_id, amount=application.amount))
        line.paid = line.paid - application.amount
        db.session.delete(application)
    db.session.add_all(carried)
    return carried


def approve(actor: User, reversal: SettlementReversal) -> SettlementReversal:
    """审核记账: an accountant other than the preparer posts the reversal (see the module's docstring).
    Its rules are checked again; all of it is written or none."""
    reviewing.check(REVIEW, actor, reversal)
    settlement = lock_row(reversal.settlement)
    _reversible(settlement)
    _open_day(reversal.reverse_on)
    before = audit.snapshot(settlement, ("number", "status", "buyer_received"))
    stock.reverse_settlement(settlement, reversal.reverse_on, reversal.number)
    what = settlement.order.number if settlement.order is not None else settlement.number
    for voucher in vouchers_to_reverse(settlement):
        ledger.reverse_reviewed(voucher, preparer=reversal.prepared_by, approver=actor,
                                reason=f"{what}结算单{settlement.number}冲销（{reversal.number}）：{reversal.reason}",
                                voucher_date=reversal.reverse_on,
                                idempotency_key=f"settlement-reversal:{reversal.id}:{voucher.id}")
    carried = _carry_payments(reversal, settlement)
    reversal.slips = list(settlement.slips)
    settlement.slips, settlement.shipments = [], []  # its slips and trucks settle again
    order = settlement.order
    if order is not None and settlement.final and order.status is OrderStatus.SETTLED:
        ORDER.apply(actor, lock_row(order), "unsettle", reason=reversal.number)
    SETTLEMENT.apply(actor, settlement, "reverse", reason=reversal.reason)
    reviewing.mark_reviewed(reversal, actor, ReversalStatus.POSTED)
    db.session.flush()
    audit.record(actor, "settlement.reverse", settlement, before=before,
                 after={"status": settlement.status.value, "reversal": reversal.number})
    audit.record(actor, "settlement_reversal.post", reversal, after={
        **_record(reversal), "slips": [slip.serial for slip in reversal.slips],
        "carried": [{"payment_id": c.payment_id, "buyer_id": c.buyer_id, "household_id": c.household_id,
                     "amount": str(c.amount)} for c in carried]})
    return reversal


def return_reversal(actor: User, reversal: SettlementReversal, reason: Any) -> SettlementReversal:
    """退回: nothing is undone; the preparer is told why."""
    return reviewing.give_back(REVIEW, actor, reversal, reason)


# --- verification --------------------------------------------------------------------------------

def verify() -> list[str]:
    """Every reversed settlement has its posted reversal and a posted red voucher for each voucher it
    and its posted adjustments wrote; no settlement with a posted reversal stands; no payment has
    more applied and carried than its amount."""
    problems = []
    posted = {r.settlement_id: r for r in db.session.scalars(select(SettlementReversal).where(
        SettlementReversal.status == ReversalStatus.POSTED))}
    for settlement in db.session.scalars(select(Settlement).where(Settlement.status == SettlementStatus.REVERSED)):
        if settlement.id not in posted:
            problems.append(f"settlement {settlement.number}: reversed without a posted reversal")
        if vouchers_to_reverse(settlement):
            problems.append(f"settlement {settlement.number}: reversed, yet some of its vouchers are not reversed")
        if settlement.slips or settlement.shipments:
            problems.append(f"settlement {settlement.number}: reversed, yet it still holds weigh slips or trucks")
    for settlement_id, reversal in posted.items():
        if reversal.settlement.status is not SettlementStatus.REVERSED:
            problems.append(f"reversal {reversal.number}: posted, yet its settlement is not reversed")
    applied = dict(db.session.execute(select(PaymentApplication.payment_id, func.sum(PaymentApplication.amount))
                                      .group_by(PaymentApplication.payment_id)).all())
    carried: dict[int, Any] = {}
    for row in db.session.scalars(select(CarriedPayment).options(selectinload(CarriedPayment.payment))):
        payment, left = row.payment, carried.get(row.payment_id, (row.payment, 0))[1]
        carried[row.payment_id] = (payment, left + row.left)
    for payment_id, (payment, left) in sorted(carried.items()):
        if payment.voided_at is None and applied.get(payment_id, 0) + left > payment.amount:
            problems.append(f"payment {payment.number}: applied and carried beyond its amount")
    return problems
