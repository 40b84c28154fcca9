"""Vouchers through review: 制单 (prepare) → 审核 (approve, by someone else) →
记账 (post), rejection, reversal and withdrawal, and the reviewed shortcuts the documents post with.

Review takes each step exactly once: the voucher's row is locked and re-read before it moves. Numbers
are given at posting, gapless per period, under a lock on the period's row, which is taken last and
held to commit, so everything a posting checks is read before it. Every posting carries an
idempotency key: the same key and body returns the original voucher; the same key with another body
is refused.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Sequence

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from models import (Account, AccountKind, Buyer, Household, PartyType, Supplier, Period, PeriodStatus, RoleName,
                    User, Voucher, VoucherLine, VoucherSource, VoucherStatus, db, utcnow)

from .. import audit
from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import Conflict, IdempotencyConflict, NotFound, PermissionDenied, ValidationFailed
from ..locking import lock_row
from ..states import StateMachine
from ..units import Money, UnitError
from . import cash, rules
from .accounts import _accounts_for_lines, party_types_of
from .cash import CASH_ROOTS


REVIEW = StateMachine("voucher", {
    (VoucherStatus.PREPARED, "approve"): VoucherStatus.APPROVED,
    (VoucherStatus.PREPARED, "reject"): VoucherStatus.REJECTED,
    (VoucherStatus.APPROVED, "post"): VoucherStatus.POSTED,
    (VoucherStatus.APPROVED, "reject"): VoucherStatus.REJECTED,
})

ACCOUNTANTS = (RoleName.ACCOUNTANT,)
#: who may prepare a voucher by hand: an accountant, or the cashier (收付款凭证 only)
PREPARERS = (RoleName.ACCOUNTANT, RoleName.CASHIER)
#: who closes and reopens a period: 会计主管
CLOSERS = (RoleName.CHIEF_ACCOUNTANT,)


@dataclass(frozen=True)
class LineInput:
    account_code: str
    debit: Decimal | str | int = 0
    credit: Decimal | str | int = 0
    party_type: PartyType | str = PartyType.NONE
    party_id: int | None = None
    memo: str = ""


def period_for(day: date, *, create: bool = True) -> Period:
    period = db.session.scalar(select(Period).where(Period.year == day.year, Period.month == day.month))
    if period is None:
        if not create:
            raise NotFound()
        try:
            with db.session.begin_nested():
                period = Period(year=day.year, month=day.month, status=PeriodStatus.OPEN, last_number=0)
                db.session.add(period)
        except IntegrityError:
            # another transaction opened the same month a moment ago
            period = db.session.scalar(select(Period).where(Period.year == day.year, Period.month == day.month))
    return period


def _fen(value: Any) -> int:
    try:
        fen = Money(value).fen if value not in (None, "") else 0
    except UnitError:
        raise ValidationFailed(_l("Amounts are in 元 to the fen."), field="lines") from None
    most = Money(current_app.config["MAX_VOUCHER_LINE_YUAN"])
    if abs(fen) > most.fen:
        raise ValidationFailed(_l("A line may be at most %(most)s."), field="lines", most=f"¥{most.yuan:,}")
    return fen


def _body(voucher_date: date, summary: str, lines: Sequence[LineInput], source: VoucherSource,
          source_id: int | None, reverses_id: int | None) -> dict[str, Any]:
    return {"date": voucher_date.isoformat(), "summary": summary, "source": source.value, "source_id": source_id,
            "reverses_id": reverses_id,
            "lines": [[l.account_code, _fen(l.debit), _fen(l.credit), PartyType(l.party_type).value, l.party_id,
                       l.memo] for l in lines]}


def body_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def prepare_voucher(actor: User, *, voucher_date: date, summary: str, lines: Sequence[LineInput],
                    idempotency_key: str, source: VoucherSource | str = VoucherSource.MANUAL,
                    source_id: int | None = None, attachments: int = 0, reverses_id: int | None = None,
                    system: bool = False, cash_field: str = "lines") -> Voucher:
    """制单: record a balanced voucher awaiting review.

    :param system: prepared by a service on an accountant's behalf (settlement, payment).
    :param cash_field: the field a refusal to take cash or a bank account below zero is reported on.
    :raises ValidationFailed: unbalanced, a line both or neither debit and credit, an unknown
        account, a party missing where the account needs one, a closed period, a payout or a voucher
        typed by hand that would leave cash or a bank account below zero (counting what waits).
    :raises IdempotencyConflict: the key was used for a different voucher.
    """
    if not system:
        require_role(actor, *PREPARERS)
    source = VoucherSource(source)
    summary = (summary or "").strip()
    if not summary:
        raise ValidationFailed(_l("Write a summary (摘要)."), field="summary")
    body = _body(voucher_date, summary, lines, source, source_id, reverses_id)
    digest = body_hash(body)
    existing = db.session.scalar(select(Voucher).where(Voucher.idempotency_key == idempotency_key))
    if existing is not None:
        if existing.body_hash != digest:
            raise IdempotencyConflict()
        return existing
    pure = [rules.Line(code, debit_fen=debit, credit_fen=credit, party=f"{ptype}:{pid}" if pid else None)
            for code, debit, credit, ptype, pid, _memo in body["lines"]]
    try:
        rules.check_voucher(pure)
    except rules.LedgerRuleError as error:
        messages = {"unbalanced": _l("Debits and credits must be equal to the fen."),
                    "too_few_lines": _l("A voucher needs at least two lines."),
                    "debit_xor_credit": _l("Each line is either a debit or a credit, above zero."),
                    "negative_amount": _l("Each line is either a debit or a credit, above zero.")}
        rule = {"unbalanced": "voucher_unbalanced", "too_few_lines": "voucher_too_few_lines"}.get(
            error.code, "voucher_line_malformed")
        raise ValidationFailed(messages.get(error.code, _l("The voucher breaks a ledger rule.")), field="lines",
                               rule=rule) from None
    period = period_for(voucher_date)
    if period.status is PeriodStatus.CLOSED:
        raise Conflict(_l("The period %(period)s is closed."), field="voucher_date", period=str(period))
    _refuse_before_closed(period, field="voucher_date")
    voucher = Voucher(period_id=period.id, voucher_date=voucher_date, summary=summary[:255],
                      attachments=max(0, int(attachments or 0)), status=VoucherStatus.PREPARED, source=source,
                      source_id=source_id, idempotency_key=idempotency_key, body_hash=digest,
                      reverses_id=reverses_id, prepared_by_id=actor.id)
    names = _names_now(body["lines"])
    # every account looked up (and share-locked) at once, however many lines use it (a settlement's
    # purchase voucher has a 2202 line per household)
    accounts = _accounts_for_lines([line[0] for line in body["lines"]])
    lines: list[VoucherLine] = []
    for number, (code, debit, credit, ptype, pid, memo) in enumerate(body["lines"], start=1):
        acct = accounts[code]
        party_type = PartyType(ptype)
        if acct.party_type is not PartyType.NONE and (party_type not in party_types_of(acct) or not pid):
            raise ValidationFailed(_l("Account %(code)s needs a party (辅助核算)."), field="lines", code=code)
        lines.append(VoucherLine(line_no=number, account_id=acct.id, party_type=party_type,
                                 party_id=pid, debit=Decimal(debit).scaleb(-2),
                                 credit=Decimal(credit).scaleb(-2), memo=(memo or "")[:255],
                                 party_name=names.get((PartyType(ptype).value, pid), "") if pid else ""))
    if not system and not actor.has_role(*ACCOUNTANTS):
        _refuse_beyond_the_cashier(lines, accounts)
    if source is VoucherSource.MANUAL:
        _refuse_party_balance_by_hand(accounts)
    # the accounts read (and share-locked) above answer these checks too: no second look at them
    cash.refuse_cash_below_zero(voucher_date, cash.cash_changes(
        [(line.account_id, Money(line.debit).fen, Money(line.credit).fen) for line in lines], source,
        codes={a.id: a.code for a in accounts.values()}), waiting=True, field=cash_field)
    try:
        with db.session.begin_nested():
            db.session.add(voucher)
            db.session.flush()
            # its lines in one statement (a settlement's purchase voucher has one per household)
            db.session.execute(insert(VoucherLine), [
                {column: getattr(line, column) for column in LINE_COLUMNS} | {"voucher_id": voucher.id}
                for line in lines])
            db.session.expire(voucher, ["lines"])
    except IntegrityError:
        # Another request took the key between our look and our write.
        existing = db.session.scalar(select(Voucher).where(Voucher.idempotency_key == idempotency_key))
        if existing is None:
            raise
        if existing.body_hash != digest:
            raise IdempotencyConflict() from None
        return existing
    audit.record(actor, "voucher.prepare", voucher, after={"summary": summary, "key": idempotency_key,
                                                           "lines": body["lines"]})
    return voucher


#: what a voucher line is written with (its id and voucher come from the database and the voucher)
LINE_COLUMNS = ("line_no", "account_id", "party_type", "party_id", "debit", "credit", "memo", "party_name")


def _refuse_beyond_the_cashier(lines: list[VoucherLine], accounts: dict[str, Account]) -> None:
    """The cashier prepares only 收付款凭证 (a line on cash, a bank account or 1012) and keeps no revenue,
    receivable or payable (会计基础工作规范): money owed by or to a party moves through a payment.
    ``accounts`` are the lines' accounts by code."""
    by_id = {a.id: a for a in accounts.values()}
    lines = [by_id[line.account_id] for line in lines]
    if not any(a.code.startswith(CASH_ROOTS) for a in lines):
        raise ValidationFailed(_l("A cashier prepares only receipts and payments: a voucher with a cash or bank "
                                  "line."), field="lines", rule="cashier_voucher_scope")
    kept = [a for a in lines if a.party_type is not PartyType.NONE or a.kind is AccountKind.REVENUE]
    if kept:
        raise ValidationFailed(_l("A cashier does not keep %(code)s %(name)s: record the payment or receipt on "
                                  "the payments pages, or ask an accountant."), field="lines",
                               rule="cashier_voucher_scope", code=kept[0].code, name=kept[0].name)


#: accounts whose balance per party the documents keep (settlements, payments, input credit,
#: deposit closures, adjustments), and statements, ageing and payout limits read: a voucher typed
#: by hand on them would leave the books saying one thing and the documents another
DOCUMENT_KEPT = ("1122", "1123", "1221", "2202")


def _refuse_party_balance_by_hand(accounts: dict[str, Account]) -> None:
    """``accounts``: a voucher's accounts by code."""
    kept = sorted((a for a in accounts.values() if a.code.startswith(DOCUMENT_KEPT)), key=lambda a: a.code)
    if kept:
        raise ValidationFailed(_l("%(code)s %(name)s is kept per party by documents: a buyer's allowance or a "
                                  "household's price correction is an adjustment (调整单), money received or paid a "
                                  "payment, a supply on credit an input credit."), field="lines",
                               rule="party_balance_by_document", code=kept[0].code, name=kept[0].name)


def approve(actor: User, voucher: Voucher) -> Voucher:
    """审核, by an accountant other than the preparer; exactly once."""
    require_role(actor, *ACCOUNTANTS)
    lock_row(voucher)
    if voucher.prepared_by_id == actor.id:
        raise PermissionDenied(_l("The accountant who prepared a voucher cannot approve it."))
    REVIEW.apply(actor, voucher, "approve")
    voucher.approved_by_id, voucher.approved_at = actor.id, utcnow()
    db.session.flush()
    return voucher


#: vouchers a settlement, a payment or a supply on credit wrote: they change only through their source
GENERATED = (VoucherSource.SETTLEMENT, VoucherSource.PAYMENT, VoucherSource.INPUT_CREDIT, VoucherSource.DEPOSIT,
             VoucherSource.STOCK_COUNT, VoucherSource.ADJUSTMENT)


def is_generated(voucher: Voucher) -> bool:
    """Written by a source document, or the 红字 reversal of one (a voided payment's)."""
    if voucher.source in GENERATED:
        return True
    if voucher.source is VoucherSource.REVERSAL and voucher.source_id is not None:
        original = db.session.get(Voucher, voucher.source_id)
        return original is not None and original.source in GENERATED
    return False


def _refuse_generated(voucher: Voucher) -> None:
    if is_generated(voucher):
        raise Conflict(_l("This voucher was written by a settlement, a payment, a supply on credit, a deposit "
                          "closure, a stock count or an adjustment; correct it there (a settlement is reversed as a "
                          "whole on its page; a payment, a supply on credit or a deposit closure recorded in error is "
                          "voided on its page; a stock count is corrected by the next count; a posted adjustment by "
                          "another adjustment)."))


def reject(actor: User, voucher: Voucher, reason: str, *, system: bool = False) -> Voucher:
    """退回 a voucher waiting for review, saying why.

    :param system: the voucher's own source rejects it (a payment being voided); otherwise a
        voucher a settlement or payment wrote cannot be rejected on its own.
    """
    require_role(actor, *ACCOUNTANTS)
    if not (reason or "").strip():
        raise ValidationFailed(_l("Say why the voucher is rejected."), field="reason")
    if not system:
        _refuse_generated(voucher)
    lock_row(voucher)
    REVIEW.apply(actor, voucher, "reject", reason=reason.strip())
    voucher.rejected_reason = reason.strip()
    if voucher.reverses_id is not None:
        # A rejected 红字 voucher no longer reverses anything: the original may be reversed anew
        # (its link stays in source_id).
        voucher.reverses_id = None
    db.session.flush()
    return voucher


def _refuse_before_closed(period: Period, *, field: str | None = None, lock: bool = False) -> None:
    """Nothing is posted before a closed period either: its closing balances include every
    earlier posting. With ``lock``, later periods are share-locked so that closing one waits
    for this posting (and a posting waits for a closing under way)."""
    statement = (select(Period.year, Period.month, Period.status)
                 .where(Period.year * 100 + Period.month > period.year * 100 + period.month)
                 .order_by(Period.year, Period.month))
    if lock:
        statement = statement.with_for_update(read=True)
    for year, month, status in db.session.execute(statement):
        if status is PeriodStatus.CLOSED:
            raise Conflict(_l("The period %(period)s is closed; nothing can be posted before it."), field=field,
                           period=f"{year}-{month:02d}")


def post(actor: User, voucher: Voucher) -> Voucher:
    """记账: give the next number of the period and make the voucher immutable; exactly once."""
    require_role(actor, *ACCOUNTANTS)
    lock_row(voucher)
    if voucher.status is not VoucherStatus.APPROVED:
        REVIEW.apply(actor, voucher, "post")  # raises InvalidTransition
    content = _chain_lines(voucher)
    cash.refuse_cash_below_zero(voucher.voucher_date, cash.cash_changes(
        [(account_id, debit, credit) for account_id, _code, _t, _p, debit, credit in content], voucher.source,
        codes={account_id: code for account_id, code, *_rest in content}),
        waiting=False, field="lines", excluding=voucher.id)
    period = voucher.period
    if period.status is PeriodStatus.CLOSED:
        raise Conflict(_l("The period %(period)s is closed."), period=str(period))
    # Later months are share-locked before this month's row, so that closing one waits for this posting.
    _refuse_before_closed(period, lock=True)
    # The month's row is locked last, and every poster of the month waits on it until commit: what can
    # be checked and read before (the voucher's state, cash, its lines and their accounts) is. Its lock,
    # the check that it is still open and its next number are one statement; then the previous link of
    # the chain (read after the lock, so it is the last poster's), and the voucher written once.
    number = db.session.execute(
        update(Period).where(Period.id == period.id, Period.status == PeriodStatus.OPEN)
        .values(last_number=Period.last_number + 1).returning(Period.last_number),
        execution_options={"synchronize_session": False}).scalar()
    if number is None:  # closed while this voucher waited (closing took the row first)
        db.session.refresh(period)
        raise Conflict(_l("The period %(period)s is closed."), period=str(period))
    set_committed_value(period, "last_number", number)
    with db.session.no_autoflush:  # the voucher is written once, numbered, chained and posted
        voucher.number = number
        voucher.posted_by_id, voucher.posted_at = actor.id, utcnow()
        previous = db.session.scalar(select(Voucher.chain_hash).where(
            Voucher.period_id == period.id, Voucher.number == number - 1, Voucher.status == VoucherStatus.POSTED))
        voucher.chain_hash = _chain_hash(voucher, previous or "", content)
    REVIEW.apply(actor, voucher, "post")
    db.session.flush()
    return voucher


def _chain_lines(voucher: Voucher) -> list[tuple[int, str, str, int | None, int, int]]:
    """A voucher's lines in order as (account id, account code, party type, party id, debit fen, credit
    fen), in one statement: what the hash chain and the cash check read."""
    return [(account_id, code, PartyType(party_type).value, party_id, Money(debit).fen, Money(credit).fen)
            for account_id, code, party_type, party_id, debit, credit in db.session.execute(
                select(VoucherLine.account_id, Account.code, VoucherLine.party_type, VoucherLine.party_id,
                       VoucherLine.debit, VoucherLine.credit)
                .join(Account, Account.id == VoucherLine.account_id)
                .where(VoucherLine.voucher_id == voucher.id).order_by(VoucherLine.line_no))]


def _chain_hash(voucher: Voucher, previous: str, content) -> str:
    return rules.chain_hash(previous, voucher_date=voucher.voucher_date.isoformat(), number=voucher.number,
                            period=f"{voucher.period.year}-{voucher.period.month:02d}", summary=voucher.summary,
                            lines=[(code, party_type, party_id, debit, credit)
                                   for _a, code, party_type, party_id, debit, credit in content])


def chain_hash_of(voucher: Voucher, previous: str) -> str:
    """``voucher``'s link in its period's hash chain, after the link ``previous``."""
    return _chain_hash(voucher, previous, _chain_lines(voucher))


def reversal_key(voucher: Voucher) -> str:
    """The idempotency key a page or the API uses to reverse ``voucher``: the same until a
    reversal is rejected, then a fresh one for the next attempt."""
    rejected = db.session.scalar(select(func.count()).select_from(Voucher).where(
        Voucher.source == VoucherSource.REVERSAL, Voucher.source_id == voucher.id,
        Voucher.status == VoucherStatus.REJECTED))
    return f"reverse:{voucher.id}" + (f":{rejected}" if rejected else "")


def reverse(actor: User, voucher: Voucher, *, reason: str, voucher_date: date, idempotency_key: str,
            system: bool = False) -> Voucher:
    """红字冲销: a new voucher, linked to the original, whose lines net every account to zero.

    It goes through review like any other. A reversal cannot itself be reversed, and a voucher is
    reversed at most once.
    """
    require_role(actor, *ACCOUNTANTS)
    if not system:
        _refuse_generated(voucher)
        if voucher.source is VoucherSource.CLOSING:
            raise Conflict(_l("A period-end carry-forward is reversed by reopening its period."))
    if voucher.status is not VoucherStatus.POSTED:
        raise Conflict(_l("Only a posted voucher can be reversed."))
    if voucher.reverses_id is not None:
        raise Conflict(_l("A reversal cannot be reversed; post a new voucher instead."))
    taken = db.session.scalar(select(Voucher).where(Voucher.reverses_id == voucher.id))
    if taken is not None and taken.idempotency_key != idempotency_key:
        raise Conflict(_l("This voucher was already reversed."))
    # A retry with the reversal's own key goes on to prepare_voucher, which returns the reversal
    # for the same body and refuses another body (another reason or date) with that key.
    if not (reason or "").strip():
        raise ValidationFailed(_l("Say why the voucher is reversed."), field="reason")
    lines = [LineInput(l.account.code, debit=l.credit, credit=l.debit, party_type=l.party_type, party_id=l.party_id,
                       memo=l.memo) for l in voucher.lines]
    return prepare_voucher(actor, voucher_date=voucher_date,
                           summary=f"冲销{voucher.period}第{voucher.number}号凭证：{reason.strip()}"[:255],
                           lines=lines, idempotency_key=idempotency_key, source=VoucherSource.REVERSAL,
                           source_id=voucher.id, reverses_id=voucher.id)


# --- balances, periods, verification -----------------------------------------------------

def withdraw(actor: User, voucher: Voucher | None, *, what: str, number: str, reason: str) -> None:
    """The voucher of a source document voided as ``what`` (付款, 赊销农资 …): rejected while it waits
    for review, reversed in red (for review) once posted; a rejected one stays as it is."""
    if voucher is None:
        return
    if voucher.status in (VoucherStatus.PREPARED, VoucherStatus.APPROVED):
        reject(actor, voucher, f"{what}作废：{reason}", system=True)
    elif voucher.status is VoucherStatus.POSTED:
        reverse(actor, voucher, reason=f"{what}{number}作废：{reason}", voucher_date=local_today(),
                idempotency_key=reversal_key(voucher), system=True)


def _names_now(lines) -> dict[tuple[str, int], str]:
    """The current names of the parties on a voucher's lines, to be recorded with them."""
    wanted: dict[str, set[int]] = {}
    for _code, _debit, _credit, ptype, pid, _memo in lines:
        if pid and PartyType(ptype) is not PartyType.NONE:
            wanted.setdefault(PartyType(ptype).value, set()).add(pid)
    names: dict[tuple[str, int], str] = {}
    if wanted.get("household"):
        names.update({("household", i): n for i, n in db.session.execute(
            select(Household.id, Household.head_name).where(Household.id.in_(wanted["household"])))})
    if wanted.get("buyer"):
        names.update({("buyer", i): n for i, n in db.session.execute(
            select(Buyer.id, Buyer.name).where(Buyer.id.in_(wanted["buyer"])))})
    if wanted.get("supplier"):
        names.update({("supplier", i): n for i, n in db.session.execute(
            select(Supplier.id, Supplier.name).where(Supplier.id.in_(wanted["supplier"])))})
    return names

def record_reviewed(*, preparer: User, approver: User, poster: User, voucher_date: date, summary: str,
                    lines: Sequence[LineInput], idempotency_key: str, source: VoucherSource, source_id: int,
                    attachments: int = 0) -> Voucher:
    """A voucher whose review (审核) happened on its source document — a settlement prepared by
    one person and approved by another accountant — prepared, approved and posted at once.

    The same key and body returns the voucher already posted.

    :raises PermissionDenied: the approver is the preparer, or the poster is no accountant.
    """
    if approver.id == preparer.id:
        raise PermissionDenied(_l("The accountant who prepared a voucher cannot approve it."))
    require_role(approver, *ACCOUNTANTS)
    voucher = prepare_voucher(preparer, voucher_date=voucher_date, summary=summary, lines=lines,
                              idempotency_key=idempotency_key, source=source, source_id=source_id,
                              attachments=attachments, system=True)
    return _approve_and_post(voucher, approver=approver, poster=poster)


def _approve_and_post(voucher: Voucher, *, approver: User, poster: User) -> Voucher:
    if voucher.status is VoucherStatus.POSTED:
        return voucher
    if voucher.status is VoucherStatus.PREPARED:
        REVIEW.apply(approver, voucher, "approve")
        voucher.approved_by_id, voucher.approved_at = approver.id, utcnow()
    return post(poster, voucher)


def reverse_reviewed(voucher: Voucher, *, preparer: User, approver: User, reason: str, voucher_date: date,
                     idempotency_key: str) -> Voucher:
    """红字冲销 of a document's voucher whose review happened on the document (a settlement's reversal,
    prepared by one accountant and approved by another): prepared, approved and posted at once."""
    if approver.id == preparer.id:
        raise PermissionDenied(_l("The accountant who prepared a voucher cannot approve it."))
    require_role(approver, *ACCOUNTANTS)
    red = reverse(preparer, voucher, reason=reason, voucher_date=voucher_date, idempotency_key=idempotency_key,
                  system=True)
    return _approve_and_post(red, approver=approver, poster=approver)


def refuse_closed(day: date, *, field: str) -> None:
    """Nothing is dated in a closed period or before one (see :func:`_refuse_before_closed`)."""
    period = db.session.scalar(select(Period).where(Period.year == day.year, Period.month == day.month))
    if period is not None and period.status is PeriodStatus.CLOSED:
        raise Conflict(_l("The period %(period)s is closed."), field=field, period=str(period), rule="period_closed")
    _refuse_before_closed(period or Period(year=day.year, month=day.month), field=field)


def voucher_lines_of(source: VoucherSource, source_id: int) -> list[VoucherLine]:
    return list(db.session.scalars(select(VoucherLine).join(Voucher).where(
        Voucher.source == source, Voucher.source_id == source_id).order_by(Voucher.id, VoucherLine.line_no)))
