"""Ledgers (明细账): an account's posted lines, with its sub-accounts and optionally one party,
over a range of months, each line with its running balance; streamed for the downloads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Select, String, func, select, tuple_, type_coerce
from sqlalchemy.orm import selectinload

from models import Account, PartyType, Period, User, Voucher, VoucherLine, VoucherStatus, db

from ..errors import NotFound, ValidationFailed
from ..labels import label
from ..units import Money
from .common import (RunningTotals, STREAM_ROWS, ZERO, balance_side, party_name, party_names, require_reader,
                     yuan)
from . import sums
from .periods import Month
from .vouchers import number_label, voucher_label


@dataclass
class LedgerEntry:
    day: date
    voucher: Voucher
    summary: str
    party: str
    debit: Decimal
    credit: Decimal
    balance: Decimal

    @property
    def number(self) -> str:
        return voucher_label(self.voucher)

    @property
    def side(self) -> str:
        return balance_side(self.balance)


@dataclass
class LedgerRange:
    """What a 明细账 covers: the account, optionally one party, the months, and the opening balance."""

    account: Account
    party_type: PartyType | None
    party_id: int | None
    party: str
    start: Month
    end: Month
    opening: Decimal

    @property
    def opening_side(self) -> str:
        return balance_side(self.opening)


class _Closing:
    """The closing balance of a ledger that knows its opening and its debits and credits."""

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit  # type: ignore[attr-defined]

    @property
    def closing_side(self) -> str:
        return balance_side(self.closing)


@dataclass
class AccountLedger(_Closing, LedgerRange):
    """The 明细账 as a page shows it: every entry in memory, with its voucher."""

    entries: list[LedgerEntry] = field(default_factory=list)

    @property
    def debit(self) -> Decimal:
        return sum((e.debit for e in self.entries), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((e.credit for e in self.entries), ZERO)


def accounts(actor: User) -> list[Account]:
    require_reader(actor)
    return list(db.session.scalars(select(Account).order_by(Account.code)))


def get_account(actor: User, account: Any) -> Account:
    """An account by id or by code."""
    require_reader(actor)
    found = None
    if isinstance(account, Account):
        return account
    text = str(account or "").strip()
    if text:
        found = db.session.scalar(select(Account).where(Account.code == text))
        if found is None and text.isdigit() and len(text) < 4:
            found = db.session.get(Account, int(text))
    if found is None:
        raise NotFound(_l("There is no account %(code)s."), code=text)
    return found


def month_key():
    return Period.year * 100 + Period.month


#: a ledger's lines in the order they are booked
LEDGER_ORDER = (Period.year, Period.month, Voucher.number, VoucherLine.line_no)


def subtree(account: Account) -> Select:
    """The ids of the account and of its sub-accounts at every depth (560101, 56010101 under 5601)."""
    return select(Account.id).where(Account.code.startswith(account.code, autoescape=True))


def _ledger_lines(account: Account, kind: PartyType | None, party_id: int | None) -> Select:
    """Posted lines of the account and its sub-accounts (and party), every month; no order."""
    # the ids themselves, not a subquery: the planner then knows 2202 from 1002 (see .sums._ids)
    ids = list(db.session.scalars(subtree(account)))
    base = (select(VoucherLine).join(Voucher).join(Period)
            .where(VoucherLine.account_id.in_(ids), Voucher.status == VoucherStatus.POSTED))
    if kind is not None:
        base = base.where(VoucherLine.party_type == kind)
    if party_id is not None:
        base = base.where(VoucherLine.party_id == party_id)
    return base


def _in_range(book: LedgerRange) -> Select:
    return _ledger_lines(book.account, book.party_type, book.party_id).where(
        month_key() >= book.start.key, month_key() <= book.end.key)


def _party_names_of(lines: Select) -> dict[tuple[str, int], str]:
    """Names of the parties on ``lines`` (a select without order), from one query of the distinct
    (party type, party id) pairs: as many names as parties, whatever the number of lines."""
    pairs = db.session.execute(lines.with_only_columns(VoucherLine.party_type, VoucherLine.party_id)
                               .where(VoucherLine.party_id.is_not(None)).distinct())
    return party_names(pairs)


def _entry_summary(summary: str, memo: str, party: str) -> str:
    return summary + (f"（{memo}）" if memo and memo != party else "")


def ledger_range(actor: User, account: Account, party_type: Any = None, party_id: int | None = None,
                 start_period: Any = None, end_period: Any = None) -> LedgerRange:
    """The range of a 明细账 (default: January of this year to this month) and its opening balance."""
    require_reader(actor)
    end = Month.parse(end_period, "to") if end_period not in (None, "") else Month.current()
    start = Month.parse(start_period, "from") if start_period not in (None, "") else Month(end.year, 1)
    if end < start:
        raise ValidationFailed(_l("The end comes before the start."), field="to")
    kind = None
    if party_type not in (None, "", PartyType.NONE, "none"):
        try:
            kind = PartyType(party_type)
        except ValueError:
            raise ValidationFailed(_l("Choose a household or a buyer."), field="party_type") from None
    if party_id is not None and kind is None:
        kind = account.party_type if account.party_type is not PartyType.NONE else None
    # the balance at the end of the month before: closed months' snapshots and open months' lines
    opening = sums.balances(start.previous().key, accounts=subtree(account), kind=kind, party_id=party_id)
    return LedgerRange(account=account, party_type=kind, party_id=party_id,
                       party=party_name(kind, party_id) if party_id else "", start=start, end=end,
                       opening=opening.get(None, ZERO))


def account_ledger(actor: User, account: Account, party_type: Any = None, party_id: int | None = None,
                   start_period: Any = None, end_period: Any = None) -> AccountLedger:
    """明细账 of an account (and, for 辅助核算, one party) over a range of months, from posted vouchers:
    the opening balance, each line with its running balance and side, the closing balance.

    Everything is in memory, for a page or the API; a download streams :class:`LedgerLines`."""
    head = ledger_range(actor, account, party_type, party_id, start_period, end_period)
    lines = db.session.scalars(_in_range(head).options(selectinload(VoucherLine.voucher)).order_by(*LEDGER_ORDER))
    names = _party_names_of(_in_range(head))
    entries, running = [], head.opening
    for line in lines:
        running = running + line.debit - line.credit
        voucher = line.voucher
        name = (line.party_name or names.get((line.party_type.value, line.party_id), "")) if line.party_id else ""
        entries.append(LedgerEntry(day=voucher.voucher_date, voucher=voucher,
                                   summary=_entry_summary(voucher.summary, line.memo, name),
                                   party=name, debit=line.debit, credit=line.credit, balance=running))
    return AccountLedger(**vars(head), entries=entries)


#: lines one page of a 明细账 shows
PAGE_LINES = 200


@dataclass(frozen=True, order=True)
class LedgerPlace:
    """Where a line sits in a ledger (its month, voucher number and line number): a page begins after one."""

    key: int      # the month, YYYYMM
    number: int
    line_no: int

    @classmethod
    def parse(cls, text: Any) -> "LedgerPlace | None":
        """``202603-17-4``; anything else is no place (the first page)."""
        try:
            key, number, line_no = (int(part) for part in str(text or "").split("-"))
        except ValueError:
            return None
        if not (200001 <= key <= 299912 and 1 <= key % 100 <= 12 and 0 < number < 2**31 and 0 < line_no < 2**31):
            return None
        return cls(key, number, line_no)

    def __str__(self) -> str:
        return f"{self.key}-{self.number}-{self.line_no}"


@dataclass
class LedgerPage(_Closing, LedgerRange):
    """One page of a 明细账: the range's opening, debits, credits and closing, and the lines of the page,
    each with its running balance, read by keyset (after ``after``) a month at a time."""

    debit: Decimal = ZERO
    credit: Decimal = ZERO
    entries: list[LedgerEntry] = field(default_factory=list)
    #: the balance before the page's first line (承前页): the opening on the first page
    brought_forward: Decimal = ZERO
    #: the place the page begins after (None: the first page) and the next page's (None: the last page)
    after: LedgerPlace | None = None
    next_after: LedgerPlace | None = None

    @property
    def brought_forward_side(self) -> str:
        return balance_side(self.brought_forward)


def _after_in_month(statement: Select, place: LedgerPlace) -> Select:
    return statement.where(tuple_(Voucher.number, VoucherLine.line_no) > tuple_(place.number, place.line_no))


def ledger_page(actor: User, account: Account, party_type: Any = None, party_id: int | None = None,
                start_period: Any = None, end_period: Any = None, after: Any = None,
                size: int | None = None) -> LedgerPage:
    """A page of the 明细账 of :func:`account_ledger`: the range's totals come from .sums (closed months'
    snapshots, open months' lines), the page's ``size`` lines from the months in order after ``after``
    (a :class:`LedgerPlace` or its text), and the balance before its first line from the months before
    and that month's lines up to ``after``. Memory and time follow the page, not the range."""
    head = ledger_range(actor, account, party_type, party_id, start_period, end_period)
    size = size or PAGE_LINES
    place = after if isinstance(after, LedgerPlace) else LedgerPlace.parse(after)
    if place is not None and not head.start.key <= place.key <= head.end.key:
        place = None
    accounts = subtree(account)
    totals = sums.movements(head.start.key, head.end.key, accounts=accounts, kind=head.party_type,
                            party_id=head.party_id).get(None, (ZERO, ZERO))
    running = head.opening
    if place is not None:
        if place.key > head.start.key:
            debit, credit = sums.movements(head.start.key, Month(place.key // 100, place.key % 100).previous().key,
                                           accounts=accounts, kind=head.party_type,
                                           party_id=head.party_id).get(None, (ZERO, ZERO))
            running += debit - credit
        month_sums = (_ledger_lines(account, head.party_type, head.party_id)
                      .with_only_columns(func.coalesce(func.sum(VoucherLine.debit), 0),
                                         func.coalesce(func.sum(VoucherLine.credit), 0))
                      .where(month_key() == place.key,
                             tuple_(Voucher.number, VoucherLine.line_no) <= tuple_(place.number, place.line_no)))
        debit, credit = db.session.execute(month_sums).one()
        running += yuan(debit) - yuan(credit)
    months = [key for key, in db.session.execute(
        select(month_key()).where(month_key() >= (place.key if place else head.start.key),
                                  month_key() <= head.end.key).order_by(month_key()))]
    lines: list[VoucherLine] = []
    for key in months:
        statement = (_ledger_lines(account, head.party_type, head.party_id).where(month_key() == key)
                     .options(selectinload(VoucherLine.voucher).selectinload(Voucher.period))
                     .order_by(Voucher.number, VoucherLine.line_no).limit(size + 1 - len(lines)))
        if place is not None and key == place.key:
            statement = _after_in_month(statement, place)
        lines += db.session.scalars(statement).all()
        if len(lines) > size:
            break
    more = len(lines) > size
    lines = lines[:size]
    brought_forward = running
    names = party_names((line.party_type, line.party_id) for line in lines if line.party_id and not line.party_name)
    entries = []
    for line in lines:
        running = running + line.debit - line.credit
        voucher = line.voucher
        name = (line.party_name or names.get((line.party_type.value, line.party_id), "")) if line.party_id else ""
        entries.append(LedgerEntry(day=voucher.voucher_date, voucher=voucher,
                                   summary=_entry_summary(voucher.summary, line.memo, name),
                                   party=name, debit=line.debit, credit=line.credit, balance=running))
    last = lines[-1] if lines else None
    return LedgerPage(**vars(head), debit=totals[0], credit=totals[1], entries=entries,
                      brought_forward=brought_forward, after=place,
                      next_after=LedgerPlace(last.voucher.period.year * 100 + last.voucher.period.month,
                                             last.voucher.number, last.line_no) if more else None)


def _yuan(fen: int) -> Decimal:
    """Integer fen as 元 with two places (``Decimal(fen).scaleb(-2)`` is exact and keeps them)."""
    return Decimal(fen).scaleb(-2) if fen else ZERO


@dataclass(slots=True)
class LedgerLine:
    """One line of a streamed 明细账, as plain values."""

    day: date
    voucher: str   # period and number: 2026-08记-3
    summary: str
    party: str
    debit: Decimal
    credit: Decimal
    balance: Decimal

    @property
    def side(self) -> str:
        return balance_side(self.balance)


class LedgerLines(RunningTotals):
    """The lines of a 明细账 streamed from the database (``yield_per``: a server-side cursor on
    PostgreSQL), each with its running balance; the totals and the closing balance are known once
    the last line has been read. Memory does not grow with the number of lines: party names come
    first, from one query of the range's distinct parties.

    Iterate it inside the request (or application) context whose session runs the query; the
    cursor is closed when the iteration ends or is abandoned."""

    def __init__(self, book: LedgerRange) -> None:
        super().__init__()
        self.book = book

    def __iter__(self) -> Iterator[LedgerLine]:
        self._start()
        book = self.book
        names = _party_names_of(_in_range(book))
        statement = (_in_range(book)
                     .with_only_columns(Voucher.voucher_date, Period.year, Period.month, Voucher.number,
                                        Voucher.summary, VoucherLine.memo, VoucherLine.party_type,
                                        VoucherLine.party_id, VoucherLine.party_name, VoucherLine.debit,
                                        VoucherLine.credit)
                     .order_by(*LEDGER_ORDER).execution_options(yield_per=STREAM_ROWS))
        # the amounts come as integer fen and the running balance is kept in fen: a year's ledger is a
        # million lines, and Decimal arithmetic and the column type's conversion per line were most
        # of its time; each line still carries exact Decimal 元
        statement = statement.with_only_columns(
            *statement.selected_columns[:6], type_coerce(VoucherLine.party_type, String),
            *statement.selected_columns[7:9], type_coerce(VoucherLine.debit, BigInteger),
            type_coerce(VoucherLine.credit, BigInteger))
        running = Money(book.opening).fen
        lines = debits = credits = 0
        label_of, label = None, ""
        result = db.session.execute(statement)
        try:
            for day, year, month, number, summary, memo, kind, party_id, recorded, debit, credit in result:
                running += debit - credit
                debits += debit
                credits += credit
                lines += 1
                if label_of != (year, month, number):
                    label_of, label = (year, month, number), f"{year}-{month:02d}{number_label(number)}"
                name = (recorded or names.get((kind, party_id), "")) if party_id else ""
                yield LedgerLine(day=day, voucher=label, summary=_entry_summary(summary, memo, name), party=name,
                                 debit=_yuan(debit), credit=_yuan(credit), balance=_yuan(running))
        finally:
            result.close()
        self.lines, self._debit, self._credit = lines, _yuan(debits), _yuan(credits)
        self._complete = True

    @property
    def closing(self) -> Decimal:
        return self.book.opening + self.debit - self.credit

    @property
    def closing_side(self) -> str:
        return balance_side(self.closing)


def ledger_parties(actor: User, account: Account) -> list[tuple[str, str]]:
    """(value, name) of every party with a line on the account, by kind then name. The account's own
    kind of party has its id as value; another kind (2202 is also kept by supplier, and a supplier's
    id is not a household's) ``kind:id``, its name prefixed with the kind."""
    require_reader(actor)
    if account.party_type is PartyType.NONE:
        return []
    # from the closed months' snapshot and the other lines, not a distinct over every line (see .sums)
    pairs = sorted(sums.parties(account.id), key=lambda pair: (pair[0].value, pair[1]))
    names = party_names(pairs)
    own = [(str(i), names.get((kind.value, i), f"#{i}")) for kind, i in pairs if kind is account.party_type]
    other = [(f"{kind.value}:{i}", f"{label(kind)} · {names.get((kind.value, i), f'#{i}')}")
             for kind, i in pairs if kind is not account.party_type]
    return sorted(own, key=lambda p: (p[1], p[0])) + sorted(other, key=lambda p: (p[1], p[0]))


def parse_party(account: Account, value: str | None) -> tuple[PartyType | None, int | None]:
    """The party a ledger's ``party_id`` argument names: an id of the account's own kind of party, or
    ``kind:id`` (``supplier:3``); anything else, or an account without parties, names none."""
    if not value or account.party_type is PartyType.NONE:
        return None, None
    kind_text, _sep, id_text = value.rpartition(":")
    try:
        kind = PartyType(kind_text) if kind_text else account.party_type
        party_id = int(id_text)
    except ValueError:
        return None, None
    if kind is PartyType.NONE or not 0 < party_id < 2**31:
        return None, None
    return kind, party_id
