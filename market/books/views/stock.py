"""The stock ledger page (库存商品明细账, 数量金额式) with its downloads, beside what 1405 holds."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import render_template, request
from flask_login import current_user, login_required

from ...pages import require
from ...stock import services as stock
from ...units import Money
from .. import exports
from .blueprint import bp
from .common import EXPORTS


def _day_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return None


HEADER = ("品种", "等级", "日期", "摘要", "收入数量(公斤)", "收入单价", "收入金额", "发出数量(公斤)", "发出单价", "发出金额",
          "结存数量(公斤)", "结存单价", "结存金额")


def ledger_table_rows(books: list[stock.ItemLedger]):
    for book in books:
        for row in book.rows:
            yield (book.variety.name, book.grade.name, row.moved_on, row.summary,
                   exports.weight(row.in_kg), row.in_price, row.in_value,
                   exports.weight(row.out_kg), row.out_price, row.out_value,
                   exports.weight(row.balance_kg), row.balance_price, row.balance_value)


@bp.route("/books/stock")
@login_required
def stock_ledger():
    """库存商品明细账 (数量金额式) per variety and grade, with what 1405 holds beside it."""
    require(*stock.READERS)
    start, end = _day_arg("from"), _day_arg("to")
    if start and end and end < start:
        start, end = end, start
    books = stock.stock_ledger(current_user, start=start, end=end)
    kind = request.args.get("format")
    if kind in EXPORTS:
        title = "库存商品明细账" + (f" {start or ''}–{end or ''}" if start or end else "")
        return exports.download(kind, "库存商品明细账", "库存商品明细账", HEADER, ledger_table_rows(books), None,
                                title=title)
    held = sum((book.closing.balance_value for book in books), Decimal(0))
    booked = Money.from_fen(stock.account_balance(stock.STOCK)).yuan
    return render_template("stock/ledger.html", books=books, held=held, booked=booked,
                           args={"from": start.isoformat() if start else "", "to": end.isoformat() if end else ""},
                           whole=end is None)


