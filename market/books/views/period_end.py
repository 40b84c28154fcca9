"""Pages of the period-end books: 利润表, 资产负债表, the cash and bank journals, the 辅助核算余额表, and
preparing a month's carry-forward (期末结转) for review."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...pages import act
from ...ledger import services as ledger
from ...units import Money
from .. import period_reports, periods as book_periods, tables
from ..forms import ActionForm
from .blueprint import bp
from .common import can_review, month_arg, send_table


def _yuan(fen: int):
    return Money.from_fen(fen).yuan


@bp.route("/books/income-statement")
@login_required
def income_statement():
    report = period_reports.income_statement_of(current_user, month_arg())
    return send_table(tables.income_statement(report)) or render_template(
        "books/income_statement.html", report=report, yuan=_yuan)


@bp.route("/books/balance-sheet")
@login_required
def balance_sheet():
    report = period_reports.balance_sheet_of(current_user, month_arg())
    return send_table(tables.balance_sheet(report)) or render_template(
        "books/balance_sheet.html", report=report, yuan=_yuan)


@bp.route("/books/journal")
@login_required
def journal():
    accounts = period_reports.journal_accounts(current_user)
    code = request.args.get("account") or "1001"
    if code not in {a.code for a in accounts}:
        code = "1001"
    book = period_reports.journal_of(current_user, code, month_arg())
    return send_table(tables.journal(book)) or render_template("books/journal.html", book=book, accounts=accounts)


@bp.route("/books/party-balances")
@login_required
def party_balances():
    kind = request.args.get("party_type") or "household"
    if kind not in ("household", "buyer"):
        kind = "household"
    report = period_reports.party_balances_of(current_user, kind, month_arg())
    return send_table(tables.party_balances(report)) or render_template("books/party_balances.html", report=report)


@bp.route("/books/periods/<int:period_id>/carry-forward", methods=["POST"])
@login_required
def prepare_closing(period_id: int):
    if not can_review():  # the role before the form
        abort(403)
    period = book_periods.get_period(current_user, period_id)
    if not ActionForm().validate_on_submit():
        abort(400)

    def done(prepared) -> str:
        if not prepared:
            return _("Nothing to carry forward: the profit and loss accounts of %(period)s are at zero.",
                     period=str(period))
        return _("The carry-forward of %(period)s is prepared: another accountant approves and posts it, then the "
                 "period can be closed.", period=str(period))

    def then(prepared) -> str:
        if not prepared:
            return url_for("books.periods")
        if len(prepared) > 1:  # unpaid VAT transferred, profit and loss carried …: the period's waiting vouchers
            return url_for("books.vouchers", period=str(period), status="prepared")
        return url_for("books.voucher", voucher_id=prepared[0].id)

    return act(lambda: ledger.prepare_closing(current_user, period), done=done, then=then,
               back=url_for("books.periods"))
