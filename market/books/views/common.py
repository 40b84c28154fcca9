"""What the books' pages share: downloads as CSV or XLSX, who reviews, the month asked for."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from models import RoleName

from ...errors import MarketError
from ...ledger import services as ledger
from .. import exports, periods as book_periods, tables

EXPORTS = ("csv", "xlsx")


def send_table(table: tables.Table):
    kind = request.args.get("format")
    if kind not in EXPORTS:
        return None
    return exports.download(kind, table.filename, table.sheet, table.header, table.rows(), table.totals,
                            title=table.title)


def can_review() -> bool:
    return current_user.has_role(RoleName.ACCOUNTANT)


def can_prepare() -> bool:
    """An accountant, or the cashier (收付款凭证 only: the ledger refuses the rest)."""
    return current_user.has_role(*ledger.PREPARERS)


def can_close() -> bool:
    """会计主管 closes and reopens periods."""
    return current_user.has_role(*ledger.CLOSERS)


def month_arg(name: str = "period") -> book_periods.Month:
    value = request.args.get(name)
    try:
        return book_periods.Month.parse(value) if value else book_periods.Month.current()
    except MarketError:
        return book_periods.Month.current()
