"""Payments checked against their vouchers (for ``flask ledger verify``)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import AuditEvent, PartyType, Payment, PaymentKind, db

from ..units import Money
from .common import CASH_ACCOUNT
from .supplier_payouts import SUPPLIER_PAYABLE


#: the account a payment's party side is on, and whether that side is the debit
PARTY_SIDE = {PaymentKind.HOUSEHOLD_PAYOUT: ("2202", True), PaymentKind.ADVANCE: ("1123", True),
              PaymentKind.BUYER_RECEIPT: ("1122", False), PaymentKind.SUPPLIER_PAYOUT: (SUPPLIER_PAYABLE, True)}


def verify() -> list[str]:
    """Each payment's voucher says what the payment says: its amount, party, date and cash
    account (1002 bank, 1012 WeChat, 1001 cash), and the payment has its audit event."""
    problems = []
    audited = set(db.session.scalars(select(AuditEvent.entity_id).where(
        AuditEvent.entity_type == Payment.__tablename__, AuditEvent.action.in_(
            ("payment.household", "payment.buyer", "payment.advance", "payment.supplier")))))
    for payment in db.session.scalars(select(Payment).options(selectinload(Payment.voucher)).order_by(Payment.id)):
        name = f"payment {payment.number}"
        if payment.id not in audited:
            problems.append(f"{name}: its audit event is missing")
        voucher = payment.voucher
        if voucher is None:
            continue
        account, party_debit = PARTY_SIDE[payment.kind]
        fen = Money(payment.amount).fen
        party_type, party_id = ((PartyType.BUYER, payment.buyer_id) if payment.kind is PaymentKind.BUYER_RECEIPT
                                else (PartyType.SUPPLIER, payment.supplier_id)
                                if payment.kind is PaymentKind.SUPPLIER_PAYOUT
                                else (PartyType.HOUSEHOLD, payment.household_id))
        expected = sorted([(account, party_type.value, party_id, fen if party_debit else 0, 0 if party_debit else fen),
                           (CASH_ACCOUNT[payment.method], PartyType.NONE.value, None, 0 if party_debit else fen,
                            fen if party_debit else 0)], key=repr)
        actual = sorted([(line.account.code, PartyType(line.party_type).value, line.party_id, Money(line.debit).fen,
                          Money(line.credit).fen) for line in voucher.lines], key=repr)
        if actual != expected:
            problems.append(f"{name}: its voucher {voucher.id} differs from it in amount, party or account")
        if voucher.voucher_date != payment.paid_on:
            problems.append(f"{name}: its voucher {voucher.id} is dated {voucher.voucher_date.isoformat()}, "
                            f"the payment {payment.paid_on.isoformat()}")
    return problems
