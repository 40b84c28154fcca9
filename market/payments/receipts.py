"""Buyer receipts (收款): the supermarket pays its receivable, applied to its oldest settlements first."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import (Buyer, PartyType, Payment, PaymentApplication, PaymentKind, Settlement, SettlementKind, User,
                    VoucherSource, db)

from .. import audit
from ..auth.permissions import require_role
from ..errors import ValidationFailed
from ..ledger import services as ledger
from ..ledger.services import LineInput
from ..locking import lock_row
from ..numbering import next_number
from ..settlements.states import IN_BOOKS
from ..units import Money
from .applying import ApplyError, Open, apply_oldest_first
from .common import (ACCOUNTANTS, CASH_ACCOUNT, PaymentInput, _check, _columns, _digest, _key, _record,
                     _replay_or_lock, _save)


def receivable(buyer_id: int) -> list[Settlement]:
    """Posted order settlements of the buyer with something still to collect, oldest due first."""
    return list(db.session.scalars(
        select(Settlement).where(Settlement.buyer_id == buyer_id, Settlement.kind == SettlementKind.ORDER,
                                 Settlement.status.in_(IN_BOOKS),
                                 Settlement.buyer_received < Settlement.buyer_total + Settlement.buyer_adjusted)
        .order_by(Settlement.due_on, Settlement.id)))


def receive_from_buyer(actor: User, buyer: Buyer, data: PaymentInput, *, idempotency_key: str) -> Payment:
    """收款: the buyer pays; applied to its oldest receivables first, never beyond what it owes."""
    require_role(actor, *ACCOUNTANTS)
    key = _key(idempotency_key)
    checked = _check(data, payout=False)
    digest = _digest(PaymentKind.BUYER_RECEIPT, buyer.id, checked)
    existing = _replay_or_lock(key, digest, buyer)
    if existing is not None:
        return existing
    open_settlements = receivable(buyer.id)
    try:
        applied = apply_oldest_first(Money(checked.amount).fen, [
            Open(s.id, s.due_on or s.settle_on, Money(s.buyer_outstanding).fen) for s in open_settlements])
    except ApplyError:
        left = sum((s.buyer_outstanding for s in open_settlements), Decimal(0))
        raise ValidationFailed(_l("%(name)s owes ¥%(owed)s; record no more than that."), field="amount",
                               name=buyer.name, owed=f"{left:,.2f}") from None
    payment = _save(Payment(number=next_number(Payment.number, f"SK{checked.paid_on.year}-"),
                            kind=PaymentKind.BUYER_RECEIPT, buyer_id=buyer.id, idempotency_key=key, body_hash=digest,
                            created_by_id=actor.id, **_columns(checked)))
    by_id = {s.id: s for s in open_settlements}
    for settlement_id, fen in applied:
        settlement = lock_row(by_id[settlement_id])
        settlement.buyer_received = settlement.buyer_received + Money.from_fen(fen).yuan
        db.session.add(PaymentApplication(payment=payment, settlement_id=settlement_id,
                                          amount=Money.from_fen(fen).yuan))
    db.session.flush()
    payment.voucher = ledger.prepare_voucher(
        actor, voucher_date=checked.paid_on, summary=f"收到{buyer.name}货款（{payment.number}）",
        lines=[LineInput(CASH_ACCOUNT[checked.method], debit=checked.amount, memo=checked.reference),
               LineInput("1122", credit=checked.amount, party_type=PartyType.BUYER, party_id=buyer.id)],
        idempotency_key=f"payment:{key}", source=VoucherSource.PAYMENT, source_id=payment.id, attachments=1,
        system=True, cash_field="amount")
    audit.record(actor, "payment.buyer", payment, after=_record(payment))
    return payment
