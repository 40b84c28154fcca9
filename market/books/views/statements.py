"""Pages of statements (对账单): a household's (for the accountant, and a villager's own), a
buyer's, and the receivables by age (账龄分析).
"""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import RoleName

from ...clock import local_today
from ...errors import MarketError
from .. import ageing as book_ageing, periods as book_periods, statements, tables
from .blueprint import bp
from .common import send_table


def _range_args() -> tuple[str, str]:
    today = local_today()
    return request.args.get("from") or f"{today.year}-01-01", request.args.get("to") or f"{today.year}-12-31"


@bp.route("/books/households")
@login_required
def household_statement():
    households = statements.household_choices(current_user)
    household_id = request.args.get("household_id", type=int)
    start, end = _range_args()
    statement = None
    if household_id:
        household = statements.get_household(current_user, household_id)
        try:
            statement = statements.household_statement(current_user, household, start, end)
        except MarketError as exc:
            flash(exc.text(), "error")
            statement = statements.household_statement(current_user, household)
        download = send_table(tables.household_statement(statement))
        if download is not None:
            return download
    return render_template("books/household_statement.html", households=households, statement=statement,
                           household_id=household_id, start=start, end=end)


@bp.route("/me/statement")
@login_required
def my_statement():
    """A villager's own statement: this year by default, or one chosen month (斤 and 元/斤)."""
    if not current_user.has_role(RoleName.VILLAGER) or current_user.household_id is None:
        abort(403)
    household = statements.get_household(current_user, current_user.household_id)
    month_text = request.args.get("month") or ""
    month = None
    if month_text:
        try:
            month = book_periods.Month.parse(month_text, "month")
        except MarketError as exc:
            flash(exc.text(), "error")
    if month is not None:
        statement = statements.household_statement(current_user, household, month.first_day, month.last_day)
    else:
        year = local_today().year
        statement = statements.household_statement(current_user, household, date(year, 1, 1), date(year, 12, 31))
    return render_template("books/my_statement.html", statement=statement, month=month,
                           months=_recent_months(statement.end.year))


def _recent_months(year: int) -> list[book_periods.Month]:
    today = book_periods.Month.current()
    return [book_periods.Month(year, m) for m in range(1, 13) if book_periods.Month(year, m) <= today]


def _as_of_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("as_of") or "")
    except ValueError:
        return local_today()


@bp.route("/books/buyers")
@login_required
def receivables():
    buyers = statements.buyers(current_user)
    buyer_id = request.args.get("buyer_id", type=int)
    as_of = _as_of_arg()
    statement = None
    if buyer_id:
        statement = statements.buyer_statement(current_user, statements.get_buyer(current_user, buyer_id), as_of)
        download = send_table(tables.buyer_statement(statement))
        if download is not None:
            return download
    report = book_ageing.receivables_ageing(current_user, as_of)
    return render_template("books/buyers.html", buyers=buyers, statement=statement, report=report,
                           buyer_id=buyer_id, as_of=as_of, bucket_names=_bucket_names())


@bp.route("/books/ageing")
@login_required
def ageing():
    report = book_ageing.receivables_ageing(current_user, _as_of_arg())
    return send_table(tables.ageing(report)) or redirect(url_for("books.receivables", as_of=report.as_of))


def _bucket_names() -> dict[str, str]:
    return {"current": _("Not yet due"), "1-30": _("1–30 days"), "31-60": _("31–60 days"),
            "61-90": _("61–90 days"), "over_90": _("Over 90 days")}
