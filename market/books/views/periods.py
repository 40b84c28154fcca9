"""Pages of accounting periods: opening, closing (结账) and reopening a month."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from models import PeriodStatus, Voucher, VoucherStatus, db

from ...errors import MarketError
from ...forms import place_errors
from ...templating import month_label
from ...ledger import services as ledger
from .. import periods as book_periods
from ..forms import ActionForm, OpenPeriodForm, ReasonForm
from .blueprint import bp
from .common import can_close, can_review


@bp.route("/books/periods", methods=["GET", "POST"])
@login_required
def periods():
    form = OpenPeriodForm()
    held = {(p.year, p.month) for p in book_periods.periods(current_user)} if can_review() else set()
    form.month.choices = [(str(m), month_label(m)) for m in book_periods.month_choices(ahead=2, at_least=13)
                          if (m.year, m.month) not in held]
    if request.method == "POST":
        if not can_review():
            abort(403)
        if form.validate_on_submit():
            try:
                period = book_periods.open_period(current_user, form.month.data)
            except MarketError as exc:
                db.session.rollback()
                place_errors(form, exc, {"period": "month"})
            else:
                db.session.commit()
                flash(_("Period %(period)s is open.", period=str(period)), "success")
                return redirect(url_for("books.periods"))
    items = book_periods.periods(current_user)
    return render_template("books/periods.html", periods=items, form=form, action=ActionForm(),
                           reopen_form=ReasonForm(prefix="reopen"), can_close=can_close(), can_review=can_review(),
                           waiting=_waiting_by_period(),
                           anchors={p.id: ledger.chain_head(p) for p in items if p.status is PeriodStatus.CLOSED}), \
        422 if form.errors else 200


def _waiting_by_period() -> dict[int, int]:
    rows = db.session.execute(select(Voucher.period_id, func.count()).where(
        Voucher.status.in_([VoucherStatus.PREPARED, VoucherStatus.APPROVED])).group_by(Voucher.period_id))
    return dict(rows.all())


@bp.route("/books/periods/<int:period_id>/close", methods=["POST"])
@login_required
def close_period(period_id: int):
    if not can_close():  # the role before the form
        abort(403)
    period = book_periods.get_period(current_user, period_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        ledger.close_period(current_user, period)
    except MarketError as exc:
        db.session.rollback()
        flash(exc.text(), "error")
    else:
        db.session.commit()
        flash(_("Period %(period)s is closed.", period=str(period)), "success")
    return redirect(url_for("books.periods"))


@bp.route("/books/periods/<int:period_id>/reopen", methods=["POST"])
@login_required
def reopen_period(period_id: int):
    if not can_close():  # the role before the form
        abort(403)
    period = book_periods.get_period(current_user, period_id)
    form = ReasonForm(prefix="reopen")
    if not form.validate_on_submit():
        flash(_("Say why the period is reopened."), "error")
        return redirect(url_for("books.periods"))
    try:
        reversals = ledger.reopen_period(current_user, period, form.reason.data)
    except MarketError as exc:
        db.session.rollback()
        flash(exc.text(), "error")
    else:
        db.session.commit()
        flash(_("Period %(period)s is open again.", period=str(period)), "success")
        if reversals:
            flash(_("The reversal of its carry-forward waits for another accountant's approval."), "success")
    return redirect(url_for("books.periods"))
