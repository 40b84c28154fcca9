"""Voiding a payment recorded in error: its voucher rejected or reversed, never deleted."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import DepositClosure, Payment, PrepaymentKind, SettlementStatus, User, db, utcnow

from .. import audit
from ..auth.permissions import require_role
from ..errors import Conflict, ValidationFailed
from ..ledger import services as ledger
from ..locking import lock_row
from ..settlements.states import SETTLEMENT
from .common import ACCOUNTANTS, _record


def void_payment(actor: User, payment: Payment, reason: str) -> Payment:
    """作废: a payment recorded in error is undone, never deleted.

    What it paid comes off the settlement lines (or the buyer's settlements) it was applied to, a
    paid settlement goes back to posted, and its voucher is rejected if it still waits for review
    or reversed (红字, for review) if it was posted. A voided advance can be booked again.

    :raises ValidationFailed: no reason. :raises Conflict: already void.
    """
    require_role(actor, *ACCOUNTANTS)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Say why the payment is void."), field="reason")
    lock_row(payment.household or payment.buyer or payment.supplier)  # the party first, as paying does
    lock_row(payment)
    if payment.voided_at is not None:
        raise Conflict(_l("This payment is already void."))
    prepayment = payment.prepayment
    if prepayment is not None and prepayment.kind is PrepaymentKind.DEPOSIT:
        lock_row(prepayment.contract)  # as closing the deposit does: household, then contract
        if db.session.scalar(select(DepositClosure.id).where(
                DepositClosure.contract_id == prepayment.contract_id, DepositClosure.voided_at.is_(None))) is not None:
            raise Conflict(_l("The deposit this payment paid out is already closed (定金处理); it cannot be voided."))
    before = _record(payment)
    for application in list(payment.applications):
        if application.line_id is not None:
            line = application.line
            line.paid = line.paid - application.amount
            settlement = lock_row(line.settlement)
            if settlement.status is SettlementStatus.PAID:
                SETTLEMENT.apply(actor, settlement, "unpay", reason=reason)
        else:
            settlement = lock_row(application.settlement)
            settlement.buyer_received = settlement.buyer_received - application.amount
        db.session.delete(application)
    ledger.withdraw(actor, payment.voucher, what="付款", number=payment.number, reason=reason)
    payment.voided_at, payment.voided_by_id, payment.void_reason = utcnow(), actor.id, reason
    payment.prepayment_id = None
    db.session.flush()
    audit.record(actor, "payment.void", payment, before=before, reason=reason)
    return payment
