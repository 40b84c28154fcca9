"""The trial balance (科目余额表): every account's opening balance, the month's debits and credits,
and the closing balance, rolled up to the parent accounts.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from models import Account, Period, User, db

from . import sums
from .common import ZERO, require_reader
from .periods import Month


@dataclass
class TrialRow:
    account: Account
    opening: Decimal   # debit-positive
    debit: Decimal
    credit: Decimal
    #: 0 for a first-level account (or one whose parent is not in the chart), 1 for its sub-account …
    level: int = 0
    #: the figures include its sub-accounts' (a parent's row sums its whole subtree)
    rolled_up: bool = False

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    @property
    def opening_debit(self) -> Decimal:
        return self.opening if self.opening > 0 else ZERO

    @property
    def opening_credit(self) -> Decimal:
        return -self.opening if self.opening < 0 else ZERO

    @property
    def closing_debit(self) -> Decimal:
        return self.closing if self.closing > 0 else ZERO

    @property
    def closing_credit(self) -> Decimal:
        return -self.closing if self.closing < 0 else ZERO


@dataclass
class TrialBalance:
    month: Month
    period: Period | None
    rows: list[TrialRow]

    def total(self, name: str) -> Decimal:
        """Over the top-level rows: a parent's row already holds its sub-accounts'."""
        return sum((getattr(row, name) for row in self.rows if row.level == 0), ZERO)

    @property
    def totals(self) -> dict[str, Decimal]:
        return {name: self.total(name) for name in ("opening_debit", "opening_credit", "debit", "credit",
                                                    "closing_debit", "closing_credit")}

    @property
    def balanced(self) -> bool:
        t = self.totals
        return (t["opening_debit"] == t["opening_credit"] and t["debit"] == t["credit"]
                and t["closing_debit"] == t["closing_credit"])


def trial_balance(actor: User, period: Any = None) -> TrialBalance:
    """科目余额表 of a month from posted vouchers: per account the opening balance, the month's
    debits and credits, and the closing balance; every active account is listed."""
    require_reader(actor)
    month = Month.parse(period) if period not in (None, "") else Month.current()
    found = month.period()
    # from the closed months' snapshots and the open months' lines (see .sums), per account
    closing = sums.balances(month.key, by_account=True)
    moved = sums.movements(month.key, month.key, by_account=True) if found is not None else {}
    rows = []
    for acct in db.session.scalars(select(Account).order_by(Account.code)):
        debit, credit = moved.get(acct.id, (ZERO, ZERO))
        end = closing.get(acct.id, ZERO)
        if not acct.active and not (end or debit or credit):
            continue
        rows.append(TrialRow(account=acct, opening=end - debit + credit, debit=debit, credit=credit))
    return TrialBalance(month=month, period=found, rows=roll_up(rows))


def _ancestors(code: str, present: dict[str, TrialRow]) -> list[TrialRow]:
    """The rows of the accounts above ``code`` (560101 → 5601), nearest first."""
    found = []
    while len(code) > 4:
        code = code[:-2]
        if code in present:
            found.append(present[code])
    return found


def roll_up(rows: list[TrialRow]) -> list[TrialRow]:
    """Each parent's row sums its own lines and every sub-account's (小企业 numbering: a sub-account is
    its parent's code and two digits); each row learns its depth. ``rows`` are in code order."""
    present = {row.account.code: row for row in rows}
    own = {row.account.code: (row.opening, row.debit, row.credit) for row in rows}
    for row in rows:
        above = _ancestors(row.account.code, present)
        row.level = len(above)
        opening, debit, credit = own[row.account.code]
        for parent in above:
            parent.opening += opening
            parent.debit += debit
            parent.credit += credit
            parent.rolled_up = True
    return rows
