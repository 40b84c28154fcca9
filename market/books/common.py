"""What the books share: who reads them, amounts in 元, parties by name, the side of a balance
and totals added up while lines stream by.

Reading the books: household and buyer statements (:mod:`.statements`), receivables by age
(:mod:`.ageing`), the trial balance (:mod:`.trial_balance`, 科目余额表), ledgers per account and
party (:mod:`.ledgers`, 明细账) and the voucher list (:mod:`.vouchers`), over months and periods
(:mod:`.periods`). Nothing here writes but opening a period. Accountants and admins read
everything; a villager reads only their own household's statement. Balances come from posted
vouchers only.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import Buyer, Household, PartyType, RoleName, Supplier, User, db

from ..auth.permissions import require_role
from ..clock import local_today
from ..errors import ValidationFailed
from ..units import Money

READERS = (RoleName.ACCOUNTANT, RoleName.CASHIER, RoleName.ADMIN)
ZERO = Decimal("0.00")


#: rows fetched from the database at a time when a book is streamed (CSV and XLSX downloads)
STREAM_ROWS = 1000


def require_reader(actor: User) -> User:
    return require_role(actor, *READERS)


def yuan(value: Any) -> Decimal:
    """An aggregate's result as 元 with two places (a raw integer would be fen)."""
    if value is None:
        return ZERO
    if isinstance(value, int):
        return Money.from_fen(value).yuan
    return Decimal(value).quantize(Decimal("0.01"))


#: above this many ids, :func:`party_names` reads every name of the kind instead of binding each id
MANY_PARTIES = 500


def party_names(pairs: Iterable[tuple[PartyType | str | None, int | None]]) -> dict[tuple[str, int], str]:
    """Names of parties, keyed by (party type value, id): households by head, buyers and suppliers by name."""
    wanted: dict[str, set[int]] = {}
    for party_type, party_id in pairs:
        if party_type in (None, PartyType.NONE, "none") or not party_id:
            continue
        wanted.setdefault(PartyType(party_type).value, set()).add(party_id)
    names: dict[tuple[str, int], str] = {}
    for kind, column, name in (("household", Household.id, Household.head_name), ("buyer", Buyer.id, Buyer.name),
                               ("supplier", Supplier.id, Supplier.name)):
        ids = wanted.get(kind)
        if not ids:
            continue
        statement = select(column, name)
        # a few parties by their ids; many (a whole account's: thousands of households) by reading every
        # name, which costs less than binding thousands of ids one parameter each
        if len(ids) <= MANY_PARTIES:
            statement = statement.where(column.in_(ids))
        for party_id, text in db.session.execute(statement):
            if party_id in ids:
                names[(kind, party_id)] = text
    return names


def party_name(party_type: PartyType | str | None, party_id: int | None) -> str:
    if party_type in (None, PartyType.NONE, "none") or not party_id:
        return ""
    return party_names([(party_type, party_id)]).get((PartyType(party_type).value, party_id), f"#{party_id}")


def balance_side(balance: Decimal) -> str:
    """借 for a debit balance, 贷 for a credit balance, 平 when it is zero."""
    return "借" if balance > 0 else "贷" if balance < 0 else "平"


def day_range(start: Any, end: Any) -> tuple[date, date]:
    today = local_today()
    first = as_day(start, "from") if start not in (None, "") else date(today.year, 1, 1)
    last = as_day(end, "to") if end not in (None, "") else date(first.year, 12, 31)
    if last < first:
        raise ValidationFailed(_l("The end comes before the start."), field="to")
    return first, last


def as_day(value: Any, field_name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(_l("Enter a date as YYYY-MM-DD."), field=field_name) from None


def as_of_day(value: Any) -> date:
    return local_today() if value in (None, "") else as_day(value, "as_of")


class RunningTotals:
    """Debit and credit added up while lines go by; read once the last line has gone."""

    def __init__(self) -> None:
        self.lines = 0
        self._debit = self._credit = ZERO
        self._complete = False

    def _start(self) -> None:
        self.lines, self._debit, self._credit, self._complete = 0, ZERO, ZERO, False

    def _add(self, debit: Decimal, credit: Decimal) -> None:
        self.lines += 1
        self._debit += debit
        self._credit += credit

    def _check(self) -> None:
        if not self._complete:
            raise RuntimeError("the totals are known once every line has been read")

    @property
    def debit(self) -> Decimal:
        self._check()
        return self._debit

    @property
    def credit(self) -> Decimal:
        self._check()
        return self._credit
