"""Pages of the books, one module per book: the trial balance and ledgers, statements and
ageing, vouchers (the list, review and 制单), periods (结账, 期末结转), the period-end statements and
journals, and the chart of accounts (科目表).
This module has the index with the review queue and gathers the others onto the one blueprint.
"""
from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from .. import periods as book_periods, vouchers as book_vouchers
from . import accounts, ledgers, period_end, periods, statements, stock, suppliers, vouchers  # noqa: F401  (their routes)
from .blueprint import bp


@bp.route("/books/")
@login_required
def index():
    queue = book_vouchers.review_queue(current_user)
    recent = book_periods.periods(current_user)[:6]
    return render_template("books/index.html", queue=queue, periods=recent, month=book_periods.Month.current())
