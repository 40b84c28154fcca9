"""Payments: the supermarket pays its receivable, households are paid what they are owed.

Kept in one module (about 590 lines) for now: household payouts, buyer receipts, supplier payouts and
batches share the parties' lock order and the oldest-first application; it would split as
``payouts``, ``receipts`` and ``batches``.

A household payout never exceeds what the household is owed on posted settlements: the
household's row is locked, what is owed is read under that lock, and the payout is applied to
its oldest settlements first (the database refuses any line paid beyond its net). Cash needs the
name of who signed for it; a payout above ¥50,000 needs a supporting document's reference.
Each payment prepares its voucher, which goes through review like any other. Every payment
carries an idempotency key: the same key and body returns the original payment.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Iterable, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from models import (LARGE_PAYOUT, AuditEvent, Buyer, ContractPrepayment, DepositClosure, Household, PartyType,
                    Payment, PaymentApplication, Supplier, Voucher, VoucherLine, VoucherStatus,
                    PaymentBatch, PaymentKind, PayoutMethod, PrepaymentKind, RoleName, Settlement,
                    SettlementHousehold, SettlementKind, SettlementStatus, User, VoucherSource, db,
                    utcnow)

from .. import audit
from ..cells import csv_text
from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import Conflict, FieldErrors, IdempotencyConflict, NotFound, ValidationFailed
from ..idempotency import body_hash, checked_key, insert_once, replay
from ..ledger import services as ledger
from ..ledger.services import LineInput
from ..locking import lock_row
from ..numbering import lock_scope, next_number
from ..settlements import services as settlements
from ..settlements.states import IN_BOOKS, SETTLEMENT
from ..units import Money, UnitError, parse_money
from .applying import ApplyError, Open, apply_oldest_first

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


def _columns(checked: _Checked) -> dict[str, Any]:
    return {"method": checked.method, "amount": checked.amount, "paid_on": checked.paid_on,
            "reference": checked.reference, "signer": checked.signer, "supporting_doc": checked.supporting_doc,
            "note": checked.note}


def _record(payment: Payment) -> dict[str, Any]:
    return audit.snapshot(payment, ("number", "kind", "method", "amount", "paid_on", "household_id", "buyer_id",
                                    "supplier_id", "reference", "signer", "supporting_doc"))


# --- batches -------------------------------------------------------------------------------------

def proposed_batch(village_id: int | None = None) -> list[tuple[Household, Decimal]]:
    """Households paid by bank, with an account on record, and what each is owed."""
    statement = (select(SettlementHousehold).join(Settlement).join(Household)
                 .where(Settlement.status.in_(IN_BOOKS), Household.payout_method == PayoutMethod.BANK,
                        Household.account_number != "", SettlementHousehold.paid < SettlementHousehold.net + SettlementHousehold.adjusted)
                 .order_by(Household.id))
    if village_id is not None:
        statement = statement.where(Household.village_id == village_id)
    totals: dict[int, list] = {}
    for line in db.session.scalars(statement):
        entry = totals.setdefault(line.household_id, [line.household, Decimal("0.00")])
        entry[1] += line.owed
    return [(household, total) for household, total in totals.values()]


def pay_batch(actor: User, amounts: Sequence[tuple[Household, Any]], *, paid_on: Any = None,
              idempotency_key: str) -> PaymentBatch:
    """批量代发: pay many households by bank in one go, all or none; the batch's file is the
    bank's import file (``bank_file``).

    :raises ValidationFailed: an empty batch, a household twice, or any payout that does not fit
        (the message names the household; nothing is written).
    """
    require_role(actor, *ACCOUNTANTS)
    key = _key(idempotency_key)
    if not amounts:
        raise ValidationFailed(_l("Choose at least one household to pay."), field="households")
    ids = [household.id for household, _ in amounts]
    if len(ids) != len(set(ids)):
        raise ValidationFailed(_l("A household appears twice in the batch."), field="households")
    errors = FieldErrors()
    day = local_today()
    if isinstance(paid_on, date):
        day = paid_on
    elif paid_on not in (None, ""):
        try:
            day = date.fromisoformat(str(paid_on))
        except ValueError:
            errors.add("paid_on", _l("Enter a date as YYYY-MM-DD."))
    errors.raise_if_any()
    body = {"paid_on": day.isoformat(), "amounts": sorted([household.id, _normal(amount)] for household, amount in amounts)}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    lock_scope(f"payment-batch:{key}")  # a double submit waits here, then finds the first batch
    existing = db.session.scalar(select(PaymentBatch).where(PaymentBatch.idempotency_key == key))
    if existing is not None:
        if existing.body_hash != digest:
            raise IdempotencyConflict()
        return existing
    batch = PaymentBatch(number=next_number(PaymentBatch.number, f"PL{day.year}-"), paid_on=day, total=Decimal(0),
                         count=0, created_by_id=actor.id, idempotency_key=key, body_hash=digest)
    db.session.add(batch)
    db.session.flush()
    total = Decimal(0)
    # Every household's lock first, in id order (as settlements take them): a batch and a single
    # payout, or two batches, then never wait on each other in a circle.
    db.session.execute(select(Household.id).where(Household.id.in_(sorted(ids))).order_by(Household.id)
                       .with_for_update(key_share=True))
    for household, amount in sorted(amounts, key=lambda pair: pair[0].id):
        try:
            payment = pay_household(actor, household, PaymentInput(amount=amount, method=PayoutMethod.BANK,
                                                                   paid_on=day, reference=batch.number),
                                    idempotency_key=_payout_key(key, household.id), batch=batch)
        except ValidationFailed as error:
            # Name the household: the batch is refused whole, so the accountant must know whom to fix.
            reasons = "；".join(text for texts in error.field_texts().values() for text in texts) or error.text()
            raise ValidationFailed(_l("%(name)s: %(reason)s"), field="households", name=household.head_name,
                                   reason=reasons) from None
        if payment.batch_id != batch.id:
            raise IdempotencyConflict()
        total += payment.amount
    batch.total, batch.count = total, len(amounts)
    db.session.flush()
    audit.record(actor, "payment.batch", batch, after={"number": batch.number, "count": batch.count,
                                                        "total": str(total)})
    return batch


def _payout_key(batch_key: str, household_id: int) -> str:
    """A batch's payout key; a long batch key is replaced by its hash so that the payout key fits."""
    key = f"{batch_key}:{household_id}"
    if len(key) > 128:
        key = f"batch-{hashlib.sha256(batch_key.encode()).hexdigest()}:{household_id}"
    return key


def _normal(amount: Any) -> str:
    """An amount as the batch's fingerprint sees it: "100" and "100.00" are the same request."""
    try:
        return str((parse_money(amount) if isinstance(amount, str) else Money(amount)).fen)
    except (UnitError, ValueError, TypeError):
        return str(amount)


BANK_FILE_HEADER = ("序号", "收款人户名", "收款账号", "开户行", "金额", "用途")


def bank_rows(batch: PaymentBatch) -> Iterable[tuple[Any, ...]]:
    for number, payment in enumerate(batch.payments, start=1):
        household = payment.household
        # names are typed by people: a "=HYPERLINK(…)" must reach the bank's spreadsheet as text
        yield (number, csv_text(household.head_name), csv_text(household.account_number or ""),
               csv_text(household.bank_name or ""), f"{payment.amount:.2f}", f"货款{payment.number}")


def bank_file(actor: User, batch: PaymentBatch) -> str:
    """The bank's import file (CSV, UTF-8 with BOM so spreadsheet programs read the Chinese);
    full account numbers, so reading it is audited."""
    require_role(actor, *ACCOUNTANTS)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(BANK_FILE_HEADER)
    writer.writerows(bank_rows(batch))
    audit.record(actor, "payment_batch.export", batch)
    return out.getvalue()


# --- buyers --------------------------------------------------------------------------------------

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


# --- suppliers -----------------------------------------------------------------------------------

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


# --- voiding ------------------------------------------------------------------------------------

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


def unbooked_prepayments() -> list[ContractPrepayment]:
    return list(db.session.scalars(select(ContractPrepayment).where(
        ~ContractPrepayment.id.in_(select(Payment.prepayment_id).where(Payment.prepayment_id.is_not(None))))
        .order_by(ContractPrepayment.paid_on, ContractPrepayment.id)))


def get(actor: User, payment_id: int) -> Payment:
    require_role(actor, *ACCOUNTANTS)
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        raise NotFound(_l("This payment does not exist."))
    return payment


# --- verifying ----------------------------------------------------------------------------------

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
