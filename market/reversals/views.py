"""The reversal page of a settlement (``/settlements/<id>/reverse``): an accountant asks for the whole
settlement to be reversed in red, another accountant approves and posts it or returns it there."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import ReversalStatus, Settlement, SettlementReversal, db

from ..clock import local_today
from ..errors import NotFound, PermissionDenied
from ..forms import new_key
from ..pages import PAGE_SIZE, act, already_used, require, submit, voucher_url
from ..settlements.states import IN_BOOKS
from . import services
from .forms import ApproveForm, ReturnForm, ReverseForm

bp = Blueprint("reversals", __name__)


def _settlement(settlement_id: int) -> Settlement:
    settlement = db.session.get(Settlement, settlement_id)
    if settlement is None:
        raise NotFound(_("This settlement does not exist."))
    return settlement


@bp.route("/settlements/<int:settlement_id>/reverse", methods=["GET", "POST"])
@login_required
def reverse(settlement_id: int):
    """红字冲销 of a posted settlement as a whole, and its review."""
    require(*services.READERS)
    settlement = _settlement(settlement_id)
    form = ReverseForm()
    if request.method == "GET":
        form.idempotency_key.data = new_key()
        form.reverse_on.data = local_today().isoformat()
    else:
        require(*services.PREPARERS)
    again = request.method == "POST" and already_used(form.idempotency_key.data, SettlementReversal)
    outcome = submit(
        form, lambda: services.prepare(current_user, settlement, reason=form.reason.data,
                                       reverse_on=form.reverse_on.data, idempotency_key=form.idempotency_key.data),
        done=lambda made: (_("This reversal was already sent; it was not sent twice."), "info") if again
        else _("Reversal %(number)s waits for another accountant's review.", number=made.number),
        then=url_for("reversals.reverse", settlement_id=settlement.id))
    if outcome.response:
        return outcome.response
    reversals = db.session.scalars(services.listing(current_user, settlement_id=settlement.id)).all()
    waiting = next((r for r in reversals if r.status is ReversalStatus.SUBMITTED), None)
    return render_template(
        "reversals/reverse.html", s=settlement, form=form, reversals=reversals, waiting=waiting,
        reversible=settlement.status in IN_BOOKS and waiting is None,
        can_prepare=current_user.has_role(*services.PREPARERS),
        can_review=waiting is not None and current_user.has_role(*services.REVIEWERS)
        and waiting.prepared_by_id != current_user.id,
        approve_form=ApproveForm(prefix="p"), return_form=ReturnForm(prefix="r"),
        to_reverse=services.vouchers_to_reverse(settlement) if waiting is not None else [],
        corrected=services.corrected_by(settlement.id), voucher_url=voucher_url), outcome.status


def _reviewed(reversal_id: int, form, action, done: str):
    require(*services.REVIEWERS)
    reversal = services.get(current_user, reversal_id)
    if not form.validate_on_submit():
        raise PermissionDenied()
    return act(lambda: action(reversal), done=lambda _value: _(done, number=reversal.number),
               then=url_for("reversals.reverse", settlement_id=reversal.settlement_id))


@bp.route("/settlement-reversals/<int:reversal_id>/approve", methods=["POST"])
@login_required
def approve(reversal_id: int):
    return _reviewed(reversal_id, ApproveForm(prefix="p"), lambda r: services.approve(current_user, r),
                     "Reversal %(number)s is posted; settle the order again to correct it.")


@bp.route("/settlement-reversals/<int:reversal_id>/return", methods=["POST"])
@login_required
def return_(reversal_id: int):
    form = ReturnForm(prefix="r")
    return _reviewed(reversal_id, form, lambda r: services.return_reversal(current_user, r, form.reason.data),
                     "Reversal %(number)s is returned.")


@bp.route("/settlement-reversals/")
@login_required
def listing():
    """Reversals, those waiting for review first; each opens on its settlement's reversal page."""
    require(*services.READERS)
    waiting = request.args.get("status") == "submitted"
    statement = services.listing(current_user, status="submitted" if waiting else None)
    page = db.paginate(statement, page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE, error_out=False)
    return render_template("reversals/list.html", page=page, waiting=waiting,
                           waiting_count=services.waiting_count())
