"""The voucher list (凭证列表) and the review queue: vouchers by period and status, their lines
streamed with totals, a voucher and the one reversing it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased, selectinload

from models import Account, Period, PeriodStatus, User, Voucher, VoucherLine, VoucherStatus, db

from ..errors import NotFound, ValidationFailed
from .common import RunningTotals, STREAM_ROWS, ZERO, party_names, require_reader
from .periods import Month

#: 记账凭证 word before its number
VOUCHER_WORD = "记"


def voucher_label(voucher: Voucher) -> str:
    """记-3: the voucher's number in its period ("记-" before it is posted)."""
    return number_label(voucher.number)


def number_label(number: int | None) -> str:
    return f"{VOUCHER_WORD}-{number}" if number else f"{VOUCHER_WORD}-"


#: posted first in number order, then the ones waiting, newest last
VOUCHER_ORDER = (Voucher.number.is_(None), Voucher.number, Voucher.id)


def _voucher_filters(period: Any = None, status: Any = None) -> list:
    filters = []
    if period not in (None, ""):
        month = Month.parse(period)
        found = month.period()
        filters.append(Voucher.period_id == (found.id if found else -1))
    if status not in (None, ""):
        try:
            filters.append(Voucher.status == VoucherStatus(status))
        except ValueError:
            raise ValidationFailed(_l("Unknown status."), field="status") from None
    return filters


def voucher_query(actor: User, period: Any = None, status: Any = None) -> Select:
    require_reader(actor)
    return (select(Voucher).options(selectinload(Voucher.lines).selectinload(VoucherLine.account),
                                    selectinload(Voucher.period), selectinload(Voucher.prepared_by),
                                    selectinload(Voucher.approved_by), selectinload(Voucher.posted_by))
            .where(*_voucher_filters(period, status)).order_by(*VOUCHER_ORDER))


def voucher_list(actor: User, period: Any = None, status: Any = None) -> list[Voucher]:
    return list(db.session.scalars(voucher_query(actor, period, status)))


@dataclass
class VoucherListLine:
    """One line of a voucher in the streamed voucher list, as plain values."""

    day: date
    number: str
    summary: str
    status: VoucherStatus
    account: str
    party: str
    debit: Decimal
    credit: Decimal
    prepared_by: str
    approved_by: str
    posted_by: str


class VoucherLines(RunningTotals):
    """Every line of the vouchers of a period (and status), voucher by voucher in list order,
    streamed from the database like :class:`LedgerLines`; the totals are known at the end."""

    def __init__(self, actor: User, period: Any = None, status: Any = None) -> None:
        super().__init__()
        require_reader(actor)
        self.filters = _voucher_filters(period, status)

    def __iter__(self) -> Iterator[VoucherListLine]:
        self._start()
        pairs = db.session.execute(select(VoucherLine.party_type, VoucherLine.party_id).join(Voucher)
                                   .where(*self.filters, VoucherLine.party_id.is_not(None)).distinct())
        names = party_names(pairs)
        preparer, approver, poster = aliased(User), aliased(User), aliased(User)
        statement = (select(Voucher.voucher_date, Voucher.number, Voucher.summary, Voucher.status, Account.code,
                            Account.name, VoucherLine.party_type, VoucherLine.party_id, VoucherLine.party_name, VoucherLine.debit,
                            VoucherLine.credit, preparer.name, approver.name, poster.name)
                     .select_from(VoucherLine)
                     .join(Voucher, VoucherLine.voucher_id == Voucher.id)
                     .join(Account, VoucherLine.account_id == Account.id)
                     .join(preparer, Voucher.prepared_by_id == preparer.id)
                     .outerjoin(approver, Voucher.approved_by_id == approver.id)
                     .outerjoin(poster, Voucher.posted_by_id == poster.id)
                     .where(*self.filters).order_by(*VOUCHER_ORDER, VoucherLine.line_no)
                     .execution_options(yield_per=STREAM_ROWS))
        result = db.session.execute(statement)
        try:
            for (day, number, summary, status, code, account, kind, party_id, recorded, debit, credit, prepared_by,
                 approved_by, posted_by) in result:
                self._add(debit, credit)
                party = (recorded or names.get((kind.value, party_id), f"#{party_id}")) if party_id else ""
                yield VoucherListLine(day=day, number=number_label(number), summary=summary, status=status,
                                      account=f"{code} {account}", party=party, debit=debit, credit=credit,
                                      prepared_by=prepared_by, approved_by=approved_by or "",
                                      posted_by=posted_by or "")
        finally:
            result.close()
        self._complete = True


def voucher_total(voucher: Voucher) -> Decimal:
    return sum((line.debit for line in voucher.lines), ZERO)


def get_voucher(actor: User, voucher_id: int) -> Voucher:
    require_reader(actor)
    voucher = db.session.get(Voucher, voucher_id)
    if voucher is None:
        raise NotFound(_l("This voucher does not exist."))
    return voucher


def reversal_of(voucher: Voucher) -> Voucher | None:
    return db.session.scalar(select(Voucher).where(Voucher.reverses_id == voucher.id))


def review_queue(actor: User) -> dict[str, int]:
    """How many vouchers wait for 审核 and for 记账, and how many periods are open."""
    require_reader(actor)
    counts = dict(db.session.execute(select(Voucher.status, func.count()).where(
        Voucher.status.in_([VoucherStatus.PREPARED, VoucherStatus.APPROVED])).group_by(Voucher.status)).all())
    open_periods = db.session.scalar(select(func.count()).select_from(Period).where(
        Period.status == PeriodStatus.OPEN))
    return {"prepared": counts.get(VoucherStatus.PREPARED, 0), "approved": counts.get(VoucherStatus.APPROVED, 0),
            "open_periods": open_periods or 0}
