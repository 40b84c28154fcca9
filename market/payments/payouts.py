"""Household payouts (付款) and contract advances (预付) paid out.

A household payout never exceeds what the household is owed on posted settlements: the
household's row is locked, what is owed is read under that lock, and the payout is applied to
its oldest settlements first (the database refuses any line paid beyond its net). Cash needs the
name of who signed for it; a payout above ¥50,000 needs a supporting document's reference.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import (ContractPrepayment, Household, PartyType, Payment, PaymentApplication, PaymentBatch, PaymentKind,
                    PayoutMethod, PrepaymentKind, Settlement, SettlementHousehold, User, VoucherSource, db)

from .. import audit
from ..auth.permissions import require_role
from ..errors import Conflict, NotFound, ValidationFailed
from ..ledger import services as ledger
from ..ledger.services import LineInput
from ..numbering import next_number
from ..settlements import services as settlements
from ..units import Money
from .applying import ApplyError, Open, apply_oldest_first
from .common import (ACCOUNTANTS, CASH_ACCOUNT, PaymentInput, _check, _columns, _digest, _key, _record,
                     _replay_or_lock, _save)


# --- households ----------------------------------------------------------------------------------

def household_of(household_id: int) -> Household:
    household = db.session.get(Household, household_id)
    if household is None:
        raise NotFound(_l("This household does not exist."))
    return household


def open_lines(household_id: int) -> list[SettlementHousehold]:
    """Posted settlement lines of the household not yet paid in full, oldest first."""
    return [line for line in db.session.scalars(settlements.household_lines(household_id)) if line.owed > 0]


def owed(household_id: int) -> Decimal:
    """元 the household is owed on posted settlements, less what was paid."""
    return sum((line.owed for line in db.session.scalars(settlements.household_lines(household_id))),
               Decimal("0.00"))


def pay_household(actor: User, household: Household, data: PaymentInput, *, idempotency_key: str,
                  batch: PaymentBatch | None = None) -> Payment:
    """付款: pay a household up to what it is owed; exactly the payouts that fit succeed.

    :raises ValidationFailed: a bad amount, method or date; cash without a signer; a large payout
        without its supporting document; more than the household is owed (nothing is written).
    :raises IdempotencyConflict: the key was used for another payment.
    """
    require_role(actor, *ACCOUNTANTS)
    key = _key(idempotency_key)
    checked = _check(data, payout=True)
    digest = _digest(PaymentKind.HOUSEHOLD_PAYOUT, household.id, checked)
    existing = _replay_or_lock(key, digest, household)
    if existing is not None:
        return existing
    lines = open_lines(household.id)
    items = [Open(line.id, line.settlement.settle_on, Money(line.owed).fen) for line in lines]
    try:
        applied = apply_oldest_first(Money(checked.amount).fen, items)
    except ApplyError:
        left = sum((line.owed for line in lines), Decimal(0))
        raise ValidationFailed(_l("%(name)s is owed ¥%(owed)s; the payout cannot be more."), field="amount",
                               rule="payout_exceeds_owed", name=household.head_name, owed=f"{left:,.2f}") from None
    if checked.method is PayoutMethod.BANK and not household.account_number:
        raise ValidationFailed(_l("%(name)s has no bank account on record; pay by WeChat or cash."),
                               field="method", name=household.head_name)
    payment = Payment(number=next_number(Payment.number, f"FK{checked.paid_on.year}-"),
                      kind=PaymentKind.HOUSEHOLD_PAYOUT, household_id=household.id, idempotency_key=key,
                      body_hash=digest, created_by_id=actor.id, batch_id=batch.id if batch else None,
                      **_columns(checked))
    payment = _save(payment)
    by_id = {line.id: line for line in lines}
    for line_id, fen in applied:
        line = by_id[line_id]
        line.paid = line.paid + Money.from_fen(fen).yuan
        db.session.add(PaymentApplication(payment=payment, line_id=line_id, amount=Money.from_fen(fen).yuan))
    db.session.flush()
    payment.voucher = ledger.prepare_voucher(
        actor, voucher_date=checked.paid_on, summary=f"支付{household.head_name}货款（{payment.number}）",
        lines=[LineInput("2202", debit=checked.amount, party_type=PartyType.HOUSEHOLD, party_id=household.id,
                         memo=household.head_name),
               LineInput(CASH_ACCOUNT[checked.method], credit=checked.amount, memo=checked.reference)],
        idempotency_key=f"payment:{key}", source=VoucherSource.PAYMENT, source_id=payment.id, attachments=1,
        system=True, cash_field="amount")
    for settlement_id in sorted({by_id[line_id].settlement_id for line_id, _ in applied}):
        settlements.mark_paid_if_done(actor, db.session.get(Settlement, settlement_id))
    audit.record(actor, "payment.household", payment, after=_record(payment))
    return payment


# --- advances ------------------------------------------------------------------------------------

def pay_prepayment(actor: User, prepayment: ContractPrepayment, data: PaymentInput, *,
                   idempotency_key: str) -> Payment:
    """预付: book the money paid out on a contract's advance or deposit (Dr 1123 / Cr bank)."""
    require_role(actor, *ACCOUNTANTS)
    key = _key(idempotency_key)
    checked = _check(PaymentInput(amount=prepayment.amount, method=data.method, paid_on=data.paid_on or
                                  prepayment.paid_on, reference=data.reference, signer=data.signer,
                                  supporting_doc=data.supporting_doc, note=data.note), payout=False)
    household = prepayment.contract.household
    digest = _digest(PaymentKind.ADVANCE, household.id, checked)
    existing = _replay_or_lock(key, digest, prepayment)
    if existing is not None:
        return existing
    if db.session.scalar(select(Payment.id).where(Payment.prepayment_id == prepayment.id)) is not None:
        raise Conflict(_l("This prepayment is already booked."))
    label = "预付款" if prepayment.kind is PrepaymentKind.ADVANCE else "定金"
    payment = _save(Payment(number=next_number(Payment.number, f"FK{checked.paid_on.year}-"),
                            kind=PaymentKind.ADVANCE, household_id=household.id, prepayment_id=prepayment.id,
                            idempotency_key=key, body_hash=digest, created_by_id=actor.id, **_columns(checked)))
    payment.voucher = ledger.prepare_voucher(
        actor, voucher_date=checked.paid_on,
        summary=f"支付{household.head_name}合同{prepayment.contract.number}{label}",
        lines=[LineInput("1123", debit=checked.amount, party_type=PartyType.HOUSEHOLD, party_id=household.id,
                         memo=household.head_name),
               LineInput(CASH_ACCOUNT[checked.method], credit=checked.amount, memo=checked.reference)],
        idempotency_key=f"payment:{key}", source=VoucherSource.PAYMENT, source_id=payment.id, attachments=1,
        system=True, cash_field="amount")
    audit.record(actor, "payment.advance", payment, after=_record(payment))
    return payment


def unbooked_prepayments() -> list[ContractPrepayment]:
    return list(db.session.scalars(select(ContractPrepayment).where(
        ~ContractPrepayment.id.in_(select(Payment.prepayment_id).where(Payment.prepayment_id.is_not(None))))
        .order_by(ContractPrepayment.paid_on, ContractPrepayment.id)))
