"""What the payment services share: who records payments, the account money moves by, a payment's
inputs read and checked once, its idempotency key and digest, its audit record, and reading one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from models import LARGE_PAYOUT, Payment, PaymentKind, PayoutMethod, RoleName, User, db

from .. import audit
from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import FieldErrors, NotFound
from ..idempotency import body_hash, checked_key, insert_once, replay
from ..locking import lock_row
from ..units import Money, UnitError, parse_money


#: who records payouts and receipts: an accountant or the cashier (出纳)
ACCOUNTANTS = (RoleName.ACCOUNTANT, RoleName.CASHIER)
#: the account money leaves or arrives by
CASH_ACCOUNT = {PayoutMethod.BANK: "1002", PayoutMethod.WECHAT: "1012", PayoutMethod.CASH: "1001"}
MAX_PAYMENT = Decimal(100_000_000)


@dataclass(frozen=True)
class PaymentInput:
    amount: Any
    method: Any = PayoutMethod.BANK
    paid_on: Any = None
    reference: str = ""
    signer: str = ""
    supporting_doc: str = ""
    note: str = ""


@dataclass(frozen=True)
class _Checked:
    amount: Decimal
    method: PayoutMethod
    paid_on: date
    reference: str
    signer: str
    supporting_doc: str
    note: str
    day_given: bool = True


def _check(data: PaymentInput, *, payout: bool) -> _Checked:
    errors = FieldErrors()
    amount = Decimal(0)
    try:
        money = parse_money(data.amount) if isinstance(data.amount, str) else Money(data.amount)
        amount = money.yuan
        if money.fen <= 0:
            errors.add("amount", _l("Enter an amount above zero."))
        elif amount > MAX_PAYMENT:
            errors.add("amount", _l("That amount is too large."))
    except (UnitError, ValueError, TypeError):
        errors.add("amount", _l("Enter an amount in yuan, e.g. 500.00."))
    try:
        method = PayoutMethod(data.method)
    except ValueError:
        errors.add("method", _l("Choose bank, WeChat or cash."))
        method = PayoutMethod.BANK
    paid_on = local_today()
    if isinstance(data.paid_on, date):
        paid_on = data.paid_on
    elif data.paid_on not in (None, ""):
        try:
            paid_on = date.fromisoformat(str(data.paid_on))
        except ValueError:
            errors.add("paid_on", _l("Enter a date as YYYY-MM-DD."))
    if paid_on > local_today():
        errors.add("paid_on", _l("The payment date cannot be in the future."))
    signer = (data.signer or "").strip()[:64]
    supporting = (data.supporting_doc or "").strip()[:128]
    if method is PayoutMethod.CASH and not signer:
        errors.add("signer", _l("Cash needs the name of who signed for it."))
    if payout and amount > LARGE_PAYOUT and not supporting:
        errors.add("supporting_doc", _l("A payout above ¥50,000 needs a supporting document's reference."))
    errors.raise_if_any()
    return _Checked(amount, method, paid_on, (data.reference or "").strip()[:64], signer, supporting,
                    (data.note or "").strip(), day_given=data.paid_on not in (None, ""))


def _digest(kind: PaymentKind, party: int, checked: _Checked) -> str:
    body = {"kind": kind.value, "party": party, "amount": str(checked.amount), "method": checked.method.value,
            # a date left to default is not part of the body: a retry tomorrow is the same request
            "paid_on": checked.paid_on.isoformat() if checked.day_given else "",
            "reference": checked.reference, "signer": checked.signer,
            "supporting_doc": checked.supporting_doc, "note": checked.note}
    return body_hash(body)


def _replay(key: str, digest: str) -> Payment | None:
    return replay(Payment, key, digest)


def _replay_or_lock(key: str, digest: str, row) -> Payment | None:
    """The payment ``key`` already made (a retry), or ``None`` with ``row`` locked for a new one: payments
    to one party queue on its row, and what it is owed is read under that lock. Read again once locked,
    for the same request sent twice at once may have finished while this one waited."""
    existing = _replay(key, digest)
    if existing is None:
        lock_row(row)
        existing = _replay(key, digest)
    return existing


def _key(key: str | None) -> str:
    return checked_key(key, _l("Each payment needs an idempotency key of at most 128 characters."))


def _save(payment: Payment) -> Payment:
    return insert_once(payment)


def _columns(checked: _Checked) -> dict[str, Any]:
    return {"method": checked.method, "amount": checked.amount, "paid_on": checked.paid_on,
            "reference": checked.reference, "signer": checked.signer, "supporting_doc": checked.supporting_doc,
            "note": checked.note}


def _record(payment: Payment) -> dict[str, Any]:
    return audit.snapshot(payment, ("number", "kind", "method", "amount", "paid_on", "household_id", "buyer_id",
                                    "supplier_id", "reference", "signer", "supporting_doc"))


def get(actor: User, payment_id: int) -> Payment:
    require_role(actor, *ACCOUNTANTS)
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        raise NotFound(_l("This payment does not exist."))
    return payment
