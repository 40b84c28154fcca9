"""Pages of accounting periods: opening, closing (结账) and reopening a month."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from models import PeriodStatus, Voucher, VoucherStatus, db

from ...pages import act, submit
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
    if request.method == "POST" and not can_review():
        abort(403)
    outcome = submit(form, lambda: book_periods.open_period(current_user, form.month.data),
                     done=lambda period: _("Period %(period)s is open.", period=str(period)),
                     then=url_for("books.periods"), rename={"period": "month"})
    if outcome.response:
        return outcome.response
    items = book_periods.periods(current_user)
    return render_template("books/periods.html", periods=items, form=form, action=ActionForm(),
                           reopen_form=ReasonForm(prefix="reopen"), can_close=can_close(), can_review=can_review(),
                           waiting=_waiting_by_period(),
                           anchors={p.id: ledger.chain_head(p) for p in items if p.status is PeriodStatus.CLOSED}), \
        outcome.status


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
    return act(lambda: ledger.close_period(current_user, period),
               done=_("Period %(period)s is closed.", period=str(period)), then=url_for("books.periods"))


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

    def reopened(reversals) -> str:
        text = _("Period %(period)s is open again.", period=str(period))
        if reversals:
            text += " " + _("The reversal of its carry-forward waits for another accountant's approval.")
        return text

    return act(lambda: ledger.reopen_period(current_user, period, form.reason.data), done=reopened,
               then=url_for("books.periods"))
