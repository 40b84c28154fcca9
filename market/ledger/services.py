"""The ledger's services: chart of accounts, vouchers through review, reversals, periods, verify.

Kept in one module (about 900 lines) for now: preparing, reviewing, posting and reversing vouchers and
closing periods share the period's lock and the posting path, and a split must carry that lock order
with it; it would split as ``vouchers`` (prepare, review, post, reverse), ``periods`` (close, reopen,
carry forward) and ``verification``.

Review is 制单 (prepare) → 审核 (approve, by someone else) → 记账 (post), each step exactly once:
the voucher's row is locked and re-read before it moves. Numbers are given at posting, gapless per
period, under a lock on the period's row. Every posting carries an idempotency key: the same key
and body returns the original voucher; the same key with another body is refused.
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
from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from models import (Account, AccountKind, AuditEvent, Buyer, Household, PartyType, Supplier, Period, PeriodBalance, PeriodStatus,
                    RoleName, User, Voucher, VoucherLine, VoucherSource, VoucherStatus, db, utcnow)

from .. import audit
from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import Conflict, IdempotencyConflict, NotFound, PermissionDenied, ValidationFailed
from ..locking import lock_row
from ..states import StateMachine
from ..units import Money, UnitError
from . import cash, rules
from .cash import CASH_ROOTS

#: 小企业会计准则 numbering; a party type on an account means 辅助核算 by that party.
CHART = [
    ("1001", "库存现金", AccountKind.ASSET, PartyType.NONE),
    ("1002", "银行存款", AccountKind.ASSET, PartyType.NONE),
    ("1012", "其他货币资金", AccountKind.ASSET, PartyType.NONE),
    ("1122", "应收账款", AccountKind.ASSET, PartyType.BUYER),
    ("1123", "预付账款", AccountKind.ASSET, PartyType.HOUSEHOLD),
    ("1221", "其他应收款", AccountKind.ASSET, PartyType.HOUSEHOLD),
    ("1405", "库存商品", AccountKind.ASSET, PartyType.NONE),
    ("2202", "应付账款", AccountKind.LIABILITY, PartyType.HOUSEHOLD),
    ("2221", "应交税费", AccountKind.LIABILITY, PartyType.NONE),
    ("222101", "应交增值税", AccountKind.LIABILITY, PartyType.NONE),
    ("22210101", "进项税额", AccountKind.LIABILITY, PartyType.NONE),
    ("22210102", "销项税额", AccountKind.LIABILITY, PartyType.NONE),
    ("22210103", "进项税额转出", AccountKind.LIABILITY, PartyType.NONE),
    ("22210104", "转出未交增值税", AccountKind.LIABILITY, PartyType.NONE),
    ("222102", "未交增值税", AccountKind.LIABILITY, PartyType.NONE),
    ("3001", "实收资本", AccountKind.EQUITY, PartyType.NONE),
    ("3103", "本年利润", AccountKind.EQUITY, PartyType.NONE),
    ("3104", "利润分配", AccountKind.EQUITY, PartyType.NONE),
    ("5001", "主营业务收入", AccountKind.REVENUE, PartyType.NONE),
    ("5301", "营业外收入", AccountKind.REVENUE, PartyType.NONE),
    ("5401", "主营业务成本", AccountKind.COST, PartyType.NONE),
    ("5601", "销售费用", AccountKind.EXPENSE, PartyType.NONE),
    ("5711", "营业外支出", AccountKind.EXPENSE, PartyType.NONE),
]
#: accounts kept by more than one kind of party: 2202 应付账款 by household (produce) and by
#: supplier (freight and packing bought on a special invoice and owed to the carrier)
ALSO_KEPT_BY = {"2202": (PartyType.SUPPLIER,)}


def party_types_of(account: Account) -> tuple[PartyType, ...]:
    """The kinds of party an account's lines may carry (none for an account without 辅助核算)."""
    if account.party_type is PartyType.NONE:
        return ()
    return (account.party_type, *ALSO_KEPT_BY.get(account.code, ()))

#: 应交税费—应交增值税 and its third-level accounts (小企业会计准则 附录: 应交税费 2221)
VAT_PAYABLE = "222101"
INPUT_VAT = "22210101"      # 进项税额
OUTPUT_VAT = "22210102"     # 销项税额
INPUT_VAT_OUT = "22210103"  # 进项税额转出
VAT_TRANSFERRED = "22210104"  # 转出未交增值税
UNPAID_VAT = "222102"       # 未交增值税

#: 3103 本年利润, 3104 利润分配: where 期末结转 carries the 损益类 balances
PROFIT_THIS_YEAR = rules.PROFIT_THIS_YEAR
PROFIT_DISTRIBUTION = rules.PROFIT_DISTRIBUTION
#: the class digit of the 损益类 accounts (5001 … 5801 and their sub-accounts), brought to zero by each
#: month's carry-forward; class 4 (成本类, e.g. 4001 生产成本) is also of kind "cost" but is stock, not profit
PROFIT_AND_LOSS_CLASS = "5"

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


def seed_chart() -> list[Account]:
    """Create the standard accounts that are missing (idempotent)."""
    existing = {a.code: a for a in db.session.scalars(select(Account))}
    for code, name, kind, party_type in CHART:
        if code not in existing:
            existing[code] = Account(code=code, name=name, kind=kind, party_type=party_type)
            db.session.add(existing[code])
    db.session.flush()
    return [existing[code] for code, *_ in CHART]


def account(code: str, *, share_lock: bool = False) -> Account:
    """The active account with this code. ``share_lock`` holds the row (FOR SHARE) to the end of the
    transaction, so a deactivation cannot slip in between this look and the voucher's commit."""
    statement = select(Account).where(Account.code == code)
    if share_lock:
        statement = statement.with_for_update(read=True).execution_options(populate_existing=True)
    found = db.session.scalar(statement)
    if found is None or not found.active:  # a retired account takes no new voucher
        raise ValidationFailed(_l("There is no account %(code)s."), field="lines", code=code)
    return found


def _accounts_for_lines(codes: Sequence[str]) -> dict[str, Account]:
    """The active accounts of a voucher's lines by code, share-locked (:func:`account`), in two
    statements whatever their number. Refused, for the first line's account that fails: one that does
    not exist or is retired, and one broken down into sub-accounts (明细核算: every amount then goes to
    one of them)."""
    wanted = list(dict.fromkeys(codes))
    found = {a.code: a for a in db.session.scalars(
        select(Account).where(Account.code.in_(wanted)).with_for_update(read=True)
        .execution_options(populate_existing=True))}
    children = set(db.session.scalars(select(Account.code).where(Account.active.is_(True), or_(*(
        and_(Account.code.like(f"{code}__"), func.length(Account.code) == len(code) + 2) for code in wanted)))))
    for code in wanted:
        acct = found.get(code)
        if acct is None or not acct.active:  # a retired account takes no new voucher
            raise ValidationFailed(_l("There is no account %(code)s."), field="lines", code=code)
        if any(child[:-2] == code for child in children):
            raise ValidationFailed(_l("Account %(code)s has sub-accounts; post to one of them."), field="lines",
                                   code=code)
    return found


def has_sub_accounts(code: str) -> bool:
    """Whether an active account sits right below ``code`` (its code plus two digits)."""
    return db.session.scalar(select(Account.id).where(
        Account.code.like(f"{code}__"), func.length(Account.code) == len(code) + 2,
        Account.active.is_(True)).limit(1)) is not None


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


def posted_totals(until_period: Period | None = None, only_period: Period | None = None):
    """(account_id, party_type, party_id, Σdebit, Σcredit) over posted vouchers."""
    statement = (select(VoucherLine.account_id, VoucherLine.party_type, VoucherLine.party_id,
                        func.coalesce(func.sum(VoucherLine.debit), 0), func.coalesce(func.sum(VoucherLine.credit), 0))
                 .join(Voucher).join(Period)
                 .where(Voucher.status == VoucherStatus.POSTED)
                 .group_by(VoucherLine.account_id, VoucherLine.party_type, VoucherLine.party_id)
                 .order_by(VoucherLine.account_id, VoucherLine.party_type, VoucherLine.party_id))
    if only_period is not None:
        statement = statement.where(Voucher.period_id == only_period.id)
    if until_period is not None:
        statement = statement.where((Period.year * 100 + Period.month) <= until_period.year * 100 + until_period.month)
    return db.session.execute(statement).all()


def _last_day(period: Period) -> date:
    following = date(period.year + period.month // 12, period.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _profit_and_loss_balances(period: Period) -> dict[tuple[str, str | None], int]:
    """Debit-positive balance in fen per (损益类 account code, party) at ``period``'s end, posted only."""
    accounts = {a.id: a.code for a in db.session.scalars(select(Account).where(
        Account.code.startswith(PROFIT_AND_LOSS_CLASS)))}
    balances: dict[tuple[str, str | None], int] = {}
    for account_id, party_type, party_id, debit, credit in posted_totals(until_period=period):
        if account_id in accounts:
            key = (accounts[account_id], f"{PartyType(party_type).value}:{party_id}" if party_id else None)
            balances[key] = balances.get(key, 0) + Money(debit).fen - Money(credit).fen
    return {key: balance for key, balance in balances.items() if balance}


def _account_balance(code: str, period: Period) -> int:
    """The debit-positive balance in fen of one account (its own lines) at ``period``'s end, posted only."""
    account_id = db.session.scalar(select(Account.id).where(Account.code == code))
    return sum(Money(d).fen - Money(c).fen for a, _t, _p, d, c in posted_totals(until_period=period) if a == account_id)


def _balance_under(code: str, period: Period) -> int:
    """The debit-positive balance in fen of ``code`` and every sub-account below it at ``period``'s end, posted only."""
    accounts = set(db.session.scalars(select(Account.id).where(Account.code.startswith(code))))
    return sum(Money(d).fen - Money(c).fen for a, _t, _p, d, c in posted_totals(until_period=period) if a in accounts)


def _line_inputs(lines: Sequence[rules.Line]) -> list[LineInput]:
    out = []
    for line in lines:
        party_type, party_id = (line.party.split(":") if line.party else (PartyType.NONE.value, None))
        out.append(LineInput(line.account, debit=Money.from_fen(line.debit_fen).yuan,
                             credit=Money.from_fen(line.credit_fen).yuan, party_type=party_type,
                             party_id=int(party_id) if party_id else None))
    return out


def closing_vouchers(period: Period) -> list[Voucher]:
    """The period's 期末结转 vouchers and their reversals, in the order they were prepared."""
    return list(db.session.scalars(select(Voucher).where(Voucher.period_id == period.id,
                                                         Voucher.source == VoucherSource.CLOSING)
                                   .order_by(Voucher.id)))


def prepare_closing(actor: User, period: Period) -> list[Voucher]:
    """期末结转, the step before 结账: the vouchers that transfer the month's unpaid VAT (转出未交增值税:
    a credit balance of 222101 to 222102), carry the month's 损益类 balances to 3103 本年利润
    (结转损益) and, in December, 本年利润 to 3104 利润分配 (结转本年利润), prepared for review like
    any other voucher (approved by another accountant, then posted).

    What is carried is every 损益类 balance at the period's end, per account and party, as posted;
    run again after a late posting, it carries only what is left. The December voucher takes 3103's
    balance as it will be once the first is posted.

    :raises Conflict: the period is closed (or a later one is), or vouchers of the period still
        wait for review (their amounts would be missed); a carry-forward already waits.
    :returns: the vouchers prepared; none when nothing is left to carry.
    """
    require_role(actor, *ACCOUNTANTS)
    lock_row(period)
    if period.status is PeriodStatus.CLOSED:
        raise Conflict(_l("The period %(period)s is closed."), period=str(period))
    waiting = db.session.scalar(select(func.count()).select_from(Voucher).where(
        Voucher.period_id == period.id, Voucher.status.in_([VoucherStatus.PREPARED, VoucherStatus.APPROVED])))
    if waiting:
        raise Conflict(_l("%(n)d vouchers of this period still wait for review or posting: post or reject them "
                          "before carrying the month's profit and loss forward."), n=waiting)
    day = _last_day(period)
    label = f"{period.year}年{period.month}月"
    taken = len(closing_vouchers(period))
    prepared = []
    vat = rules.unpaid_vat_transfer(_balance_under(rules.VAT_DUE, period))
    if vat:
        prepared.append(prepare_voucher(
            actor, voucher_date=day, summary=f"转出{label}未交增值税", lines=_line_inputs(vat),
            idempotency_key=f"closing:{period}:{taken + 1}", source=VoucherSource.CLOSING, source_id=period.id))
    carried = rules.carry_forward(_profit_and_loss_balances(period))
    profit_change = 0
    if carried:
        prepared.append(prepare_voucher(
            actor, voucher_date=day, summary=f"结转{label}损益", lines=_line_inputs(carried),
            idempotency_key=f"closing:{period}:{taken + len(prepared) + 1}", source=VoucherSource.CLOSING, source_id=period.id))
        profit_change = sum(l.debit_fen - l.credit_fen for l in carried if l.account == PROFIT_THIS_YEAR)
    if period.month == 12:
        year_end = rules.year_end_carry(_account_balance(PROFIT_THIS_YEAR, period) + profit_change)
        if year_end:
            prepared.append(prepare_voucher(
                actor, voucher_date=day, summary=f"结转{period.year}年本年利润至利润分配", lines=_line_inputs(year_end),
                idempotency_key=f"closing:{period}:{taken + len(prepared) + 1}", source=VoucherSource.CLOSING,
                source_id=period.id))
    audit.record(actor, "period.prepare_closing", period,
                 after={"period": str(period), "vouchers": [v.id for v in prepared]})
    return prepared


def closing_problems(period: Period) -> list[str]:
    """What keeps ``period`` from being closed as far as 期末结转 goes: a 损益类 account that does not
    net to zero at its end; in December, 3103 本年利润 not carried to 3104."""
    codes = sorted({code for code, _party in _profit_and_loss_balances(period)})
    problems = [f"{code} does not net to zero at the end of {period}" for code in codes]
    if period.month == 12 and _account_balance(PROFIT_THIS_YEAR, period):
        problems.append(f"{PROFIT_THIS_YEAR} is not carried to {PROFIT_DISTRIBUTION} at the end of {period}")
    return problems


def close_period(actor: User, period: Period) -> list[PeriodBalance]:
    """结账, by 会计主管: no voucher may wait in review; every 损益类 account nets to zero (the carry-forward
    is posted) and, in December, 3103 本年利润 too; balances are snapshotted; nothing posts here after."""
    require_role(actor, *CLOSERS)
    lock_row(period)
    if period.status is PeriodStatus.CLOSED:
        raise Conflict(_l("The period %(period)s is closed."), period=str(period))
    waiting = db.session.scalar(select(func.count()).select_from(Voucher).where(
        Voucher.period_id == period.id, Voucher.status.in_([VoucherStatus.PREPARED, VoucherStatus.APPROVED])))
    if waiting:
        raise Conflict(_l("%(n)d vouchers of this period still wait for review or posting."), n=waiting)
    if _profit_and_loss_balances(period):
        raise Conflict(_l("The profit and loss accounts still hold balances: carry them forward (期末结转损益), "
                          "have the voucher approved and posted, then close."))
    if period.month == 12 and _account_balance(PROFIT_THIS_YEAR, period):
        raise Conflict(_l("3103 本年利润 still holds the year's profit: carry it to 3104 利润分配 "
                          "(期末结转), have the voucher approved and posted, then close."))
    movements = {(a, t, p): (d, c) for a, t, p, d, c in posted_totals(only_period=period)}
    snapshot = []
    for account_id, party_type, party_id, debit, credit in posted_totals(until_period=period):
        own_debit, own_credit = movements.get((account_id, party_type, party_id), (Decimal(0), Decimal(0)))
        snapshot.append(PeriodBalance(period_id=period.id, account_id=account_id, party_type=party_type,
                                      party_key=party_id or 0, debit=Decimal(own_debit), credit=Decimal(own_credit),
                                      closing=Decimal(debit) - Decimal(credit)))
    db.session.add_all(snapshot)
    period.status, period.closed_at, period.closed_by_id = PeriodStatus.CLOSED, utcnow(), actor.id
    db.session.flush()
    audit.record(actor, "period.close", period, after={"period": str(period), "balances": len(snapshot),
                                                        "chain_head": chain_head(period)})
    return snapshot


def chain_head(period: Period) -> str:
    """The hash of the period's last posted voucher (empty when none): what closing writes into the
    audit log and the periods page shows, so a chain recomputed after an edit no longer matches."""
    return db.session.scalar(select(Voucher.chain_hash).where(
        Voucher.period_id == period.id, Voucher.status == VoucherStatus.POSTED)
        .order_by(Voucher.number.desc()).limit(1)) or ""


def reopen_period(actor: User, period: Period, reason: str) -> list[Voucher]:
    """反结账: reopen a closed period (audited, with its reason); the snapshot is discarded and each
    posted carry-forward of the period not yet reversed gets its red reversal, dated the period's
    last day and prepared for review like any other voucher: once posted, the month's profit and
    loss stand as before the carry-forward.

    :raises Conflict: the period is open; a later period is closed while there is a carry-forward
        to reverse (nothing posts before a closed period: reopen the later one first).
    :returns: the reversals prepared.
    """
    require_role(actor, *CLOSERS)
    if not (reason or "").strip():
        raise ValidationFailed(_l("Say why the period is reopened."), field="reason")
    lock_row(period)
    if period.status is not PeriodStatus.CLOSED:
        raise Conflict(_l("The period is open."))
    for row in db.session.scalars(select(PeriodBalance).where(PeriodBalance.period_id == period.id)):
        db.session.delete(row)
    period.status, period.closed_at, period.closed_by_id = PeriodStatus.OPEN, None, None
    db.session.flush()
    reversals = []
    vouchers = closing_vouchers(period)
    reversed_ids = {v.reverses_id for v in vouchers if v.reverses_id is not None}
    for original in reversed(vouchers):
        if original.status is not VoucherStatus.POSTED or original.reverses_id is not None \
                or original.id in reversed_ids:
            continue
        attempts = sum(1 for v in vouchers if v.source_id == original.id)
        lines = [LineInput(l.account.code, debit=l.credit, credit=l.debit, party_type=l.party_type,
                           party_id=l.party_id, memo=l.memo) for l in original.lines]
        reversals.append(prepare_voucher(
            actor, voucher_date=_last_day(period), lines=lines,
            summary=f"冲销{period}第{original.number}号凭证（反结账）：{reason.strip()}"[:255],
            idempotency_key=f"reopen:{original.id}:{attempts + 1}", source=VoucherSource.CLOSING,
            source_id=original.id, reverses_id=original.id))
    audit.record(actor, "period.reopen", period, reason=reason.strip(),
                 after={"reversals": [v.id for v in reversals]})
    return reversals


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


def verify() -> list[str]:
    """Every check the ledger promises; an empty list means all hold.

    Trial balance zero; every posted voucher balanced with two or more lines each a debit xor a
    credit; numbers gapless per period and matching the period's counter; snapshots of closed
    periods equal to the sums of lines.
    """
    problems: list[str] = []
    totals = posted_totals()
    debit = sum((Decimal(d) for *_k, d, _c in totals), Decimal(0))
    credit = sum((Decimal(c) for *_k, _d, c in totals), Decimal(0))
    if debit != credit:
        problems.append(f"trial balance is not zero: debits {debit} credits {credit}")
    rows = db.session.execute(
        select(Voucher.id, Voucher.period_id, Voucher.number, func.count(VoucherLine.id),
               func.coalesce(func.sum(VoucherLine.debit), 0), func.coalesce(func.sum(VoucherLine.credit), 0))
        .join(VoucherLine, VoucherLine.voucher_id == Voucher.id)
        .where(Voucher.status == VoucherStatus.POSTED).group_by(Voucher.id, Voucher.period_id, Voucher.number)).all()
    numbers: dict[int, list[int]] = {}
    for voucher_id, period_id, number, count, d, c in rows:
        if count < 2 or Decimal(d) != Decimal(c):
            problems.append(f"voucher {voucher_id} does not balance")
        numbers.setdefault(period_id, []).append(number or 0)
    bad_lines = db.session.scalar(select(func.count()).select_from(VoucherLine).where(
        ~(((VoucherLine.debit > 0) & (VoucherLine.credit == 0)) | ((VoucherLine.credit > 0) & (VoucherLine.debit == 0)))))
    if bad_lines:
        problems.append(f"{bad_lines} lines are not a debit xor a credit above zero")
    for period in db.session.scalars(select(Period)):
        given = numbers.get(period.id, [])
        if not rules.gapless(given) or len(given) != period.last_number:
            problems.append(f"voucher numbers of {period} are not 1..{period.last_number} without gaps")
        if period.status is PeriodStatus.CLOSED:
            expected = {(a, t, p or 0): Decimal(d) - Decimal(c) for a, t, p, d, c in posted_totals(until_period=period)}
            stored = {(b.account_id, b.party_type, b.party_key): b.closing
                      for b in db.session.scalars(select(PeriodBalance).where(PeriodBalance.period_id == period.id))}
            if expected != stored:
                problems.append(f"closing balances of {period} differ from the sum of its lines")
            problems += [f"closed period {period}: {problem}" for problem in closing_problems(period)]
    problems += _dating_problems()
    problems += _reopening_problems()
    problems += _chain_problems()
    problems += _anchor_problems()
    problems += _audit_problems()
    return problems


def _dating_problems() -> list[str]:
    """Each posted voucher is dated within its period and was not posted into, or before, a
    period after that period was closed (closing refuses both; reopening clears ``closed_at``)."""
    problems = []
    periods = list(db.session.scalars(select(Period)))
    closed = [p for p in periods if p.status is PeriodStatus.CLOSED and p.closed_at is not None]
    for voucher in db.session.scalars(select(Voucher).where(Voucher.status == VoucherStatus.POSTED)
                                      .order_by(Voucher.id)):
        period = voucher.period
        if (voucher.voucher_date.year, voucher.voucher_date.month) != (period.year, period.month):
            problems.append(f"voucher {voucher.id} ({period} no. {voucher.number}) is dated "
                            f"{voucher.voucher_date.isoformat()}, outside its period")
        for later in closed:
            if (later.year, later.month) >= (period.year, period.month) and voucher.posted_at is not None \
                    and voucher.posted_at > later.closed_at:
                problems.append(f"voucher {voucher.id} ({period} no. {voucher.number}) was posted after "
                                f"{later} was closed")
                break
    return problems


def _period_events() -> dict[int, list[AuditEvent]]:
    """Each period's ``period.close`` and ``period.reopen`` events, oldest first."""
    events: dict[int, list[AuditEvent]] = {}
    for event in db.session.scalars(select(AuditEvent).where(
            AuditEvent.entity_type == Period.__tablename__,
            AuditEvent.action.in_(("period.close", "period.reopen"))).order_by(AuditEvent.at, AuditEvent.id)):
        events.setdefault(event.entity_id, []).append(event)
    return events


def _reopening_problems() -> list[str]:
    """A voucher posted into a month the audit log says was closed at the time: closing and reopening
    are read from the log (which no one can change), not from the period row (which a forger can)."""
    problems = []
    events = _period_events()
    for voucher in db.session.scalars(select(Voucher).where(Voucher.status == VoucherStatus.POSTED,
                                                            Voucher.posted_at.is_not(None)).order_by(Voucher.id)):
        before = [e for e in events.get(voucher.period_id, []) if e.at <= voucher.posted_at]
        if before and before[-1].action == "period.close":
            problems.append(f"voucher {voucher.id} ({voucher.period} no. {voucher.number}) was posted while the audit "
                            f"log has {voucher.period} closed (no reopening recorded)")
    for period in db.session.scalars(select(Period)):
        logged = events.get(period.id, [])
        logged_closed = bool(logged) and logged[-1].action == "period.close"
        if (period.status is PeriodStatus.CLOSED) != logged_closed:
            problems.append(f"{period} is {period.status.value} but the audit log has it "
                            f"{'closed' if logged_closed else 'open'}")
    return problems


def _anchor_problems() -> list[str]:
    """Each closed period's chain ends where its close recorded (the anchor in the audit log)."""
    problems = []
    events = _period_events()
    for period in db.session.scalars(select(Period).where(Period.status == PeriodStatus.CLOSED)):
        closes = [e for e in events.get(period.id, []) if e.action == "period.close"]
        recorded = (closes[-1].after or {}).get("chain_head") if closes else None
        if recorded is not None and recorded != chain_head(period):
            problems.append(f"the hash chain of {period} no longer ends where its closing recorded: vouchers were "
                            "changed and the chain recomputed")
    return problems


def _chain_problems() -> list[str]:
    """Every posted voucher's ``chain_hash`` is its content's, chained in number order per period.

    The lines stream in one query in chain order (a server-side cursor on PostgreSQL) beside the
    vouchers', rather than loading each voucher's lines: a year's million lines in constant memory."""
    problems = []
    posted = Voucher.status == VoucherStatus.POSTED
    order = (Voucher.period_id, Voucher.number, Voucher.id)
    codes = dict(db.session.execute(select(Account.id, Account.code)).all())
    vouchers = db.session.execute(
        select(Voucher.id, Voucher.period_id, Voucher.number, Voucher.voucher_date, Voucher.summary,
               Voucher.chain_hash, Period.year, Period.month)
        .join(Period, Period.id == Voucher.period_id).where(posted).order_by(*order)).all()
    lines = db.session.execute(
        select(VoucherLine.voucher_id, VoucherLine.account_id, VoucherLine.party_type, VoucherLine.party_id,
               VoucherLine.debit, VoucherLine.credit)
        .join(Voucher, Voucher.id == VoucherLine.voucher_id).where(posted)
        .order_by(*order, VoucherLine.line_no).execution_options(yield_per=5000))
    rows = iter(lines)
    pending = next(rows, None)
    previous: dict[int, str] = {}
    try:
        for voucher_id, period_id, number, day, summary, stored, year, month in vouchers:
            content = []
            while pending is not None and pending[0] == voucher_id:
                _v, account_id, party_type, party_id, debit, credit = pending
                content.append((codes[account_id], PartyType(party_type).value, party_id, Money(debit).fen,
                                Money(credit).fen))
                pending = next(rows, None)
            expected = rules.chain_hash(previous.get(period_id, ""), voucher_date=day.isoformat(), number=number,
                                        period=f"{year}-{month:02d}", summary=summary, lines=content)
            if stored != expected:
                problems.append(f"voucher {voucher_id} ({year}-{month:02d} no. {number}): its hash chain is "
                                "broken: it or a voucher before it in the period was changed, moved or removed")
            previous[period_id] = stored or expected
    finally:
        lines.close()
    return problems


def _audit_problems() -> list[str]:
    """Every voucher has its ``voucher.prepare`` event and every posted one its ``voucher.post``;
    every voucher an audit event names exists. (Gaps in event ids prove nothing: sequences skip.)"""
    problems = []
    events: dict[str, set[int]] = {}
    for action, entity_id in db.session.execute(select(AuditEvent.action, AuditEvent.entity_id).where(
            AuditEvent.entity_type == Voucher.__tablename__, AuditEvent.entity_id.is_not(None))):
        events.setdefault(action, set()).add(entity_id)
    existing = dict(db.session.execute(select(Voucher.id, Voucher.status)).all())
    for voucher_id, status in sorted(existing.items()):
        if voucher_id not in events.get("voucher.prepare", set()):
            problems.append(f"voucher {voucher_id}: its audit event voucher.prepare is missing")
        if status is VoucherStatus.POSTED and voucher_id not in events.get("voucher.post", set()):
            problems.append(f"voucher {voucher_id}: its audit event voucher.post is missing")
    for voucher_id in sorted(set().union(*events.values()) - set(existing)) if events else []:
        problems.append(f"voucher {voucher_id} is in the audit log but no longer in the books")
    return problems


def trial_balance(period: Period | None = None) -> list[dict[str, Any]]:
    """科目余额表 rows per account: debit, credit and debit-positive balance (to ``period``'s end)."""
    per_account: dict[int, list[Decimal]] = {}
    for account_id, _t, _p, d, c in posted_totals(until_period=period):
        row = per_account.setdefault(account_id, [Decimal(0), Decimal(0)])
        row[0] += Decimal(d)
        row[1] += Decimal(c)
    accounts = {a.id: a for a in db.session.scalars(select(Account))}
    return [{"account": accounts[a], "debit": d, "credit": c, "balance": d - c}
            for a, (d, c) in sorted(per_account.items(), key=lambda item: accounts[item[0]].code)]


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
