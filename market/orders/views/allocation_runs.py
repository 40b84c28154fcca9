"""Pages of allocation runs: running one, adjusting a line by hand, confirming; and the
villager's own confirmed allocations.
"""
from __future__ import annotations

from decimal import Decimal

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import RoleName

from ...auth.permissions import is_staff
from ...clock import local_today
from ...errors import ValidationFailed
from ...pages import act, submit
from ...units import format_number
from .. import allocation_runs, buyer_orders
from ..forms import AdjustForm, RunForm
from .blueprint import bp
from .buyer_orders import render_order


@bp.route("/<int:order_id>/runs", methods=["POST"])
@login_required
def run_allocation(order_id: int):
    order = buyer_orders.get_order(current_user, order_id)
    form = RunForm()
    if not form.validate_on_submit():
        return render_order(order, run_form=form, status=422)

    def run_it():
        try:
            return allocation_runs.run_allocation(current_user, order, form.policy.data,
                                                  priority_first=bool(form.priority_first.data))
        except ValueError:
            raise ValidationFailed(_("Choose fair shares or lowest cost.")) from None

    def proposed(run) -> tuple[str, str]:
        if run.shortfall_kg > 0:
            return (_("Proposed %(filled)s; %(short)s could not be found. Check the lines, then confirm.",
                      filled=f"{format_number(run.filled_kg)} 公斤", short=f"{format_number(run.shortfall_kg)} 公斤"),
                    "info")
        return (_("Proposed %(filled)s from %(n)d households. Check the lines, then confirm.",
                  filled=f"{format_number(run.filled_kg)} 公斤", n=len({l.household_id for l in run.lines})),
                "success")

    return act(run_it, done=proposed,
               then=lambda run: url_for("orders.show_order", order_id=order_id, run=run.id) + "#run",
               back=url_for("orders.show_order", order_id=order_id))


@bp.route("/runs/<int:run_id>/lines", methods=["POST"])
@login_required
def adjust_line(run_id: int):
    run = allocation_runs.get_run(current_user, run_id)
    order_id = run.order_id
    form = AdjustForm()
    outcome = submit(form, lambda: allocation_runs.adjust_line(current_user, run, form.lot_id.data or 0,
                                                               (form.kg.data or "").strip(), form.reason.data or ""),
                     done=_("Allocation changed; the reason is on record."),
                     then=url_for("orders.show_order", order_id=order_id, run=run_id) + "#lines")
    return outcome.response or render_order(buyer_orders.get_order(current_user, order_id), adjust_form=form,
                                             status=outcome.status)


@bp.route("/runs/<int:run_id>/confirm", methods=["POST"])
@login_required
def confirm_run(run_id: int):
    run = allocation_runs.get_run(current_user, run_id)
    order_id = run.order_id
    return act(lambda: allocation_runs.confirm_run(current_user, run),
               done=lambda _confirmed: _("Allocation confirmed: %(kg)s reserved. The households see it on their page.",
                                         kg=f"{format_number(run.filled_kg)} 公斤"),
               then=url_for("orders.show_order", order_id=order_id, run=run_id) + "#run")


@bp.route("/mine")
@login_required
def my_allocations():
    if not current_user.has_role(RoleName.VILLAGER) or current_user.household_id is None:
        if is_staff(current_user) or current_user.has_role(RoleName.BUYER):
            return redirect(url_for("orders.list_orders"))
        abort(403)
    lines = allocation_runs.household_allocations(current_user)
    today = local_today()
    prices = {}
    for line in lines:
        order = line.run.order
        prices[line.id] = next((p.price for p in order.prices if p.grade_id == line.lot.grade_id), None)
    upcoming = [line for line in lines if line.pick_on is None or line.pick_on >= today]
    past = [line for line in lines if line.pick_on is not None and line.pick_on < today]
    return render_template("orders/mine.html", upcoming=upcoming, past=past, prices=prices, today=today,
                           total=sum((line.kg for line in upcoming), Decimal("0.000")))
