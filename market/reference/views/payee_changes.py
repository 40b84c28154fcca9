"""The accountant's page of payout-account changes waiting for a second pair of eyes: old and new
in full (the reading is audited), approve, or turn down with a reason."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import PayeeChangeStatus, db

from ...errors import PermissionDenied
from ...pages import act
from .. import payee_changes
from ..forms import PayeeDecisionForm
from .blueprint import bp


@bp.route("/payee-changes")
@login_required
def payee_change_list():
    status = request.args.get("status") or "pending"
    if status not in {s.value for s in PayeeChangeStatus}:
        status = "pending"
    page = db.paginate(payee_changes.changes_query(current_user, status), per_page=30, error_out=False)
    payee_changes.record_reading(current_user, [change.id for change in page.items])
    db.session.commit()
    return render_template("reference/payee_changes.html", page=page, status=status, statuses=list(PayeeChangeStatus),
                           form=PayeeDecisionForm(), can_decide=current_user.has_role(*payee_changes.APPROVERS)), \
        200, {"Cache-Control": "no-store"}


@bp.route("/payee-changes/<int:change_id>", methods=["POST"])
@login_required
def decide_payee_change(change_id: int):
    if not current_user.has_role(*payee_changes.APPROVERS):
        raise PermissionDenied()
    form = PayeeDecisionForm()
    if not form.validate_on_submit():
        flash(_("The form expired: try again."), "error")
        return redirect(url_for(".payee_change_list"))
    if form.reject.data:
        return act(lambda: payee_changes.reject(current_user, change_id, form.reason.data or ""),
                   done=lambda change: _("Turned down: %(name)s keeps the old account.",
                                         name=change.household.head_name),
                   then=url_for(".payee_change_list"))
    return act(lambda: payee_changes.approve(current_user, change_id),
               done=lambda change: _("Approved: %(name)s is paid to the new account from now on.",
                                     name=change.household.head_name),
               then=url_for(".payee_change_list"))
