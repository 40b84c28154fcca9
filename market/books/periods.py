"""Months and the accounting periods (会计期间) the books are kept in."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import Period, RoleName, User, db

from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import NotFound, ValidationFailed
from ..ledger import services as ledger
from .common import require_reader


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, whether or not the books have a period for it yet."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: Any, field_name: str = "period") -> "Month":
        if isinstance(text, Month):
            return text
        if isinstance(text, Period):
            return cls(text.year, text.month)
        if isinstance(text, date):
            return cls(text.year, text.month)
        try:
            year, month = str(text).strip().split("-")[:2]
            value = cls(int(year), int(month))
        except (ValueError, TypeError):
            raise ValidationFailed(_l("Enter a month as YYYY-MM."), field=field_name) from None
        if not (1 <= value.month <= 12 and 2000 <= value.year <= 2999):
            raise ValidationFailed(_l("Enter a month as YYYY-MM."), field=field_name)
        return value

    @classmethod
    def current(cls) -> "Month":
        today = local_today()
        return cls(today.year, today.month)

    @property
    def key(self) -> int:
        return self.year * 100 + self.month

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        following = self.next()
        return following.first_day - timedelta(days=1)

    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> "Month":
        return Month(self.year - (1 if self.month == 1 else 0), 12 if self.month == 1 else self.month - 1)

    def period(self) -> Period | None:
        return db.session.scalar(select(Period).where(Period.year == self.year, Period.month == self.month))

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


def month_choices(*, ahead: int = 1, at_least: int = 24, also: Any = ()) -> list[Month]:
    """The months a book can be asked for, newest first: from the earliest period the books hold
    (or ``at_least`` months back, whichever is earlier) to ``ahead`` months after this one, and any
    month in ``also`` (one asked for in the address) even outside that range."""
    now = Month.current()
    first = now
    for _ in range(at_least - 1):
        first = first.previous()
    earliest = db.session.execute(select(Period.year, Period.month).order_by(Period.year, Period.month).limit(1)).first()
    if earliest is not None:
        first = min(first, Month(*earliest))
    last = now
    for _ in range(ahead):
        last = last.next()
    months = []
    month = last
    while month >= first:
        months.append(month)
        month = month.previous()
    for extra in also:
        try:
            wanted = Month.parse(extra)
        except ValidationFailed:
            continue
        if wanted not in months:
            months.append(wanted)
    return sorted(months, reverse=True)


def periods(actor: User) -> list[Period]:
    require_reader(actor)
    return list(db.session.scalars(select(Period).order_by(Period.year.desc(), Period.month.desc())))


def get_period(actor: User, period_id: int) -> Period:
    require_reader(actor)
    period = db.session.get(Period, period_id)
    if period is None:
        raise NotFound(_l("This period does not exist."))
    return period


def open_period(actor: User, month: Any) -> Period:
    """Open the period of a month (idempotent: an existing period is returned as it is)."""
    require_role(actor, RoleName.ACCOUNTANT)
    return ledger.period_for(Month.parse(month).first_day)
