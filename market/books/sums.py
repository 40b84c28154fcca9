"""Sums of posted lines over months, read from the closed periods' snapshots where there are some
and from the lines only for the months still open.

Closing a period (结账) snapshots, per account and party, its own debits and credits and the
cumulative balance at its end (``period_balances``); nothing can then be posted into it or before
it until it is reopened, which discards the snapshot, and ``flask ledger verify`` proves every
snapshot equal to the sums of the lines. So the balance at the end of a month is the snapshot of
the last closed period up to it plus the lines of the periods after that, and a range's debits and
credits are the closed periods' own movements plus the open periods' lines: a year's books are
added up from a few thousand snapshot rows and one month's lines, not a million lines.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Select, func, literal, null, select

from models import Period, PeriodBalance, PeriodStatus, PartyType, Voucher, VoucherLine, VoucherStatus, db

from .common import ZERO, yuan

#: account id (or None when not grouped by account) → (debit, credit) in 元
Sums = dict[int | None, tuple[Decimal, Decimal]]


def _key():
    return Period.year * 100 + Period.month


def _periods(start_key: int | None, end_key: int) -> list[tuple[int, int, PeriodStatus]]:
    """(id, month key, status) of the periods from ``start_key`` (or the first) to ``end_key``."""
    statement = select(Period.id, _key(), Period.status).where(_key() <= end_key)
    if start_key is not None:
        statement = statement.where(_key() >= start_key)
    return list(db.session.execute(statement.order_by(_key())))


def _add(sums: Sums, rows) -> None:
    for account_id, debit, credit in rows:
        had_debit, had_credit = sums.get(account_id, (ZERO, ZERO))
        sums[account_id] = (had_debit + yuan(debit), had_credit + yuan(credit))


def _live(period_ids: list[int], accounts: list[int] | None, kind: PartyType | None, party_id: int | None,
          by_account: bool) -> Select:
    """Posted lines of the periods ``period_ids``, summed per account (or in all)."""
    group = VoucherLine.account_id if by_account else None
    statement = (select(group if by_account else null(), func.coalesce(func.sum(VoucherLine.debit), 0),
                        func.coalesce(func.sum(VoucherLine.credit), 0))
                 .join(Voucher, Voucher.id == VoucherLine.voucher_id)
                 .where(Voucher.period_id.in_(period_ids), Voucher.status == VoucherStatus.POSTED))
    if accounts is not None:
        statement = statement.where(VoucherLine.account_id.in_(accounts))
    if kind is not None:
        statement = statement.where(VoucherLine.party_type == kind)
    if party_id is not None:
        statement = statement.where(VoucherLine.party_id == party_id)
    return statement.group_by(group) if by_account else statement


def _snapshot(period_ids: list[int], accounts: list[int] | None, kind: PartyType | None, party_id: int | None,
              by_account: bool, *, closing: bool = False) -> Select:
    """The snapshots of the closed periods ``period_ids``, summed per account (or in all): their own
    debits and credits, or (``closing``) their closing balances as debits."""
    group = PeriodBalance.account_id if by_account else None
    figures = ((func.coalesce(func.sum(PeriodBalance.closing), 0), literal(0)) if closing else
               (func.coalesce(func.sum(PeriodBalance.debit), 0), func.coalesce(func.sum(PeriodBalance.credit), 0)))
    statement = select(group if by_account else null(), *figures).where(PeriodBalance.period_id.in_(period_ids))
    if accounts is not None:
        statement = statement.where(PeriodBalance.account_id.in_(accounts))
    if kind is not None:
        statement = statement.where(PeriodBalance.party_type == kind)
    if party_id is not None:
        statement = statement.where(PeriodBalance.party_key == party_id)
    return statement.group_by(group) if by_account else statement


def _ids(accounts: Select | list[int] | None) -> list[int] | None:
    """The account ids themselves: given as a subquery, the planner cannot tell 2202 (most of the
    lines) from 1002 and reads every line of the account where a month's would do."""
    return list(db.session.scalars(accounts)) if isinstance(accounts, Select) else accounts


def movements(start_key: int | None, end_key: int, *, accounts: Select | list[int] | None = None,
              kind: PartyType | None = None, party_id: int | None = None, by_account: bool = False) -> Sums:
    """Posted debits and credits of the months ``start_key``..``end_key`` (``None``: from the first),
    of ``accounts`` (account ids or a select of them; all when ``None``), for one kind of party and one
    party when given; per account, or under the key ``None``."""
    accounts = _ids(accounts)
    periods = _periods(start_key, end_key)
    closed = [pid for pid, _k, status in periods if status is PeriodStatus.CLOSED]
    open_ = [pid for pid, _k, status in periods if status is not PeriodStatus.CLOSED]
    sums: Sums = {}
    if closed:
        _add(sums, db.session.execute(_snapshot(closed, accounts, kind, party_id, by_account)))
    if open_:
        _add(sums, db.session.execute(_live(open_, accounts, kind, party_id, by_account)))
    return sums


def balances(end_key: int, *, accounts: Select | list[int] | None = None, kind: PartyType | None = None,
             party_id: int | None = None, by_account: bool = False) -> dict[int | None, Decimal]:
    """Debit-positive balances at the end of the month ``end_key``: the last closed period's snapshot
    up to it, and the lines of every period after that one."""
    accounts = _ids(accounts)
    periods = _periods(None, end_key)
    last_closed = max((key for _pid, key, status in periods if status is PeriodStatus.CLOSED), default=None)
    sums: Sums = {}
    if last_closed is not None:
        anchor = [pid for pid, key, _s in periods if key == last_closed]
        _add(sums, db.session.execute(_snapshot(anchor, accounts, kind, party_id, by_account, closing=True)))
    after = [pid for pid, key, _s in periods if last_closed is None or key > last_closed]
    if after:
        _add(sums, db.session.execute(_live(after, accounts, kind, party_id, by_account)))
    return {account: debit - credit for account, (debit, credit) in sums.items()}


def _pairs(rows) -> set[tuple[PartyType, int]]:
    return {(kind, party_id) for kind, party_id in rows}


def parties(account_id: int) -> set[tuple[PartyType, int]]:
    """Every (kind, id) of party with a line on the account, whatever its voucher's status: the last
    closed period's snapshot names every party posted up to it, the lines name the rest (those of the
    later periods, and those of vouchers never posted)."""
    periods = _periods(None, 999912)
    last_closed = max((key for _pid, key, status in periods if status is PeriodStatus.CLOSED), default=None)
    found: set[tuple[PartyType, int]] = set()
    lines = (select(VoucherLine.party_type, VoucherLine.party_id).distinct()
             .where(VoucherLine.account_id == account_id, VoucherLine.party_type != PartyType.NONE,
                    VoucherLine.party_id.is_not(None)))
    if last_closed is None:
        return _pairs(db.session.execute(lines))
    anchor = next(pid for pid, key, _s in periods if key == last_closed)
    found.update(_pairs(db.session.execute(select(PeriodBalance.party_type, PeriodBalance.party_key).where(
        PeriodBalance.period_id == anchor, PeriodBalance.account_id == account_id,
        PeriodBalance.party_type != PartyType.NONE, PeriodBalance.party_key != 0))))
    later = [pid for pid, key, _s in periods if key > last_closed]
    if later:
        found.update(_pairs(db.session.execute(lines.join(Voucher, Voucher.id == VoucherLine.voucher_id).where(
            Voucher.period_id.in_(later)))))
    found.update(_pairs(db.session.execute(lines.join(Voucher, Voucher.id == VoucherLine.voucher_id).where(
        Voucher.status != VoucherStatus.POSTED))))
    return found
