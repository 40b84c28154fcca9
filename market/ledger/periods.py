"""Periods: posted totals, 期末结转 (closing vouchers), closing a month with its balances and its
chain's head, reopening it, and the trial balance.

Closing and reopening lock the period's row as posting does (:mod:`.vouchers`), so a month closes
between two postings, never during one.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from models import (Account, PartyType, Period, PeriodBalance, PeriodStatus, User, Voucher, VoucherLine,
                    VoucherSource, VoucherStatus, db, utcnow)

from .. import audit
from ..auth.permissions import require_role
from ..errors import Conflict, ValidationFailed
from ..locking import lock_row
from ..units import Money
from . import rules
from .accounts import PROFIT_AND_LOSS_CLASS, PROFIT_DISTRIBUTION, PROFIT_THIS_YEAR
from .vouchers import ACCOUNTANTS, CLOSERS, LineInput, prepare_voucher


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
