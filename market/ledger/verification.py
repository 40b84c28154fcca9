"""``flask ledger verify``: every check the ledger promises (balance, dating, reopening, the chain
of each period, anchors, the audit trail), read-only.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from models import (Account, AuditEvent, PartyType, Period, PeriodBalance, PeriodStatus, Voucher, VoucherLine,
                    VoucherStatus, db)

from ..units import Money
from . import rules
from .periods import chain_head, closing_problems, posted_totals


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
