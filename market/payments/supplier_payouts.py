"""Supplier payouts: a carrier or supplier is paid what it is owed on 2202 by supplier."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from models import (PartyType, Payment, Supplier, Voucher, VoucherLine, VoucherStatus, PaymentKind, PayoutMethod, User,
                    VoucherSource, db)

from .. import audit
from ..auth.permissions import require_role
from ..errors import NotFound, ValidationFailed
from ..ledger import services as ledger
from ..ledger.services import LineInput
from ..numbering import next_number
from .common import (ACCOUNTANTS, CASH_ACCOUNT, PaymentInput, _check, _columns, _digest, _key, _record,
                     _replay_or_lock, _save)


#: the account a supplier is owed on (freight and packing credited by the settlements' costs vouchers)
SUPPLIER_PAYABLE = "2202"


def supplier_of(supplier_id: int) -> Supplier:
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(_l("This supplier does not exist."))
    return supplier


def supplier_owed(supplier_id: int) -> Decimal:
    """元 the supplier is owed: its 2202 credit balance on posted vouchers, less what payments not
    yet posted (prepared or approved, not void) will take off it."""
    posted = db.session.execute(
        select(func.coalesce(func.sum(VoucherLine.credit), 0), func.coalesce(func.sum(VoucherLine.debit), 0))
        .join(Voucher, Voucher.id == VoucherLine.voucher_id)
        .where(Voucher.status == VoucherStatus.POSTED, VoucherLine.party_type == PartyType.SUPPLIER,
               VoucherLine.party_id == supplier_id,
               VoucherLine.account_id == ledger.account(SUPPLIER_PAYABLE).id)).one()
    balance = Decimal(posted[0]) - Decimal(posted[1])
    pending = db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0)).join(Voucher, Voucher.id == Payment.voucher_id)
        .where(Payment.supplier_id == supplier_id, Payment.kind == PaymentKind.SUPPLIER_PAYOUT,
               Payment.voided_at.is_(None), Voucher.status.in_((VoucherStatus.PREPARED, VoucherStatus.APPROVED))))
    return balance - Decimal(pending)


def pay_supplier(actor: User, supplier: Supplier, data: PaymentInput, *, idempotency_key: str) -> Payment:
    """付款: pay a carrier or supplier up to what it is owed (Dr 2202 supplier / Cr 1002, 1012 or 1001).

    :raises ValidationFailed: a bad amount, method or date; cash without a signer; more than the
        supplier is owed, or by bank with no account on record (nothing is written).
    :raises IdempotencyConflict: the key was used for another payment.
    """
    require_role(actor, *ACCOUNTANTS)
    key = _key(idempotency_key)
    checked = _check(data, payout=False)
    digest = _digest(PaymentKind.SUPPLIER_PAYOUT, supplier.id, checked)
    existing = _replay_or_lock(key, digest, supplier)
    if existing is not None:
        return existing
    left = supplier_owed(supplier.id)
    if checked.amount > left:
        raise ValidationFailed(_l("%(name)s is owed ¥%(owed)s; the payout cannot be more."), field="amount",
                               name=supplier.name, owed=f"{max(left, Decimal(0)):,.2f}")
    if checked.method is PayoutMethod.BANK and not supplier.account_number:
        raise ValidationFailed(_l("%(name)s has no bank account on record; pay by WeChat or cash."),
                               field="method", name=supplier.name)
    payment = _save(Payment(number=next_number(Payment.number, f"FK{checked.paid_on.year}-"),
                            kind=PaymentKind.SUPPLIER_PAYOUT, supplier_id=supplier.id, idempotency_key=key,
                            body_hash=digest, created_by_id=actor.id, **_columns(checked)))
    payment.voucher = ledger.prepare_voucher(
        actor, voucher_date=checked.paid_on, summary=f"支付{supplier.name}物流包装费（{payment.number}）",
        lines=[LineInput(SUPPLIER_PAYABLE, debit=checked.amount, party_type=PartyType.SUPPLIER, party_id=supplier.id,
                         memo=supplier.name[:255]),
               LineInput(CASH_ACCOUNT[checked.method], credit=checked.amount, memo=checked.reference)],
        idempotency_key=f"payment:{key}", source=VoucherSource.PAYMENT, source_id=payment.id, attachments=1,
        system=True, cash_field="amount")
    audit.record(actor, "payment.supplier", payment, after=_record(payment))
    return payment
