"""The deposits page (定金处理): terminated contracts whose deposit is still out, each with the
form that records how it ends (once; the form's idempotency key makes a double submit record
once), and the closures recorded so far, each voidable when recorded in error."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import DepositClosure, PurchaseContract, db

from ..clock import local_today
from ..errors import NotFound
from ..forms import new_key
from ..labels import label
from ..pages import PAGE_SIZE, already_used, require, submit, visible, void_from_list, voucher_url
from . import services
from .forms import DepositClosureForm, VoidClosureForm

bp = Blueprint("deposits", __name__)


@bp.context_processor
def _template_helpers() -> dict:
    return {"voucher_url": voucher_url}


def _closure_form(contract_id: int, formdata=None) -> DepositClosureForm:
    form = DepositClosureForm(formdata=formdata, prefix=f"c{contract_id}")
    if formdata is None:
        form.idempotency_key.data = new_key()
        form.closed_on.data = local_today().isoformat()
    return form


def _render_deposits(failed: int | None = None, failed_form=None, general=None, status=200):
    rows = [(entry, failed_form if entry.contract.id == failed else _closure_form(entry.contract.id))
            for entry in services.open_deposits(current_user)]
    page = db.paginate(services.listing(current_user), page=request.args.get("page", 1, type=int),
                       per_page=PAGE_SIZE, error_out=False)
    return render_template("deposits/list.html", rows=rows, page=page, general=general or [],
                           failed_id=failed, void_form=_void_closure_form), status


def _void_closure_form(closure_id: int) -> VoidClosureForm:
    return VoidClosureForm(prefix=f"v{closure_id}")


@bp.route("/payments/deposits/closures/<int:closure_id>/void", methods=["POST"])
@login_required
def void_deposit_closure(closure_id: int):
    """作废 a deposit closure recorded in error; the list says why it failed, if it did."""
    closure = services.get(current_user, closure_id)
    return void_from_list(
        _void_closure_form(closure_id), lambda reason: services.void_closure(current_user, closure, reason),
        lambda: _("Deposit closure %(number)s is void; the deposit of contract %(contract)s is open again.",
                  number=closure.number, contract=closure.contract.number),
        url_for("deposits.deposits_page"))


@bp.route("/payments/deposits")
@login_required
def deposits_page():
    """定金: terminated contracts whose deposit is still out, and the deposits closed so far."""
    require(*services.ACCOUNTANTS)
    return _render_deposits()


@bp.route("/payments/deposits/<int:contract_id>", methods=["POST"])
@login_required
def close_deposit(contract_id: int):
    require(*services.ACCOUNTANTS)
    contract = db.session.get(PurchaseContract, contract_id)
    if contract is None:
        raise NotFound()
    form = _closure_form(contract_id, formdata=request.form)
    key = form.idempotency_key.data
    again = already_used(key, DepositClosure)

    def closed(closure):
        if again:
            return _("This deposit was already closed; nothing was recorded twice."), "info"
        return _("The deposit of contract %(contract)s is closed (%(number)s): %(outcome)s. Its voucher waits for "
                 "review in the books.", contract=contract.number, number=closure.number,
                 outcome=label(closure.outcome))

    outcome = submit(form, lambda: services.close_deposit(
                         current_user, contract, services.ClosureInput(
                             outcome=form.outcome.data, reason=form.reason.data, closed_on=form.closed_on.data,
                             method=form.method.data, reference=form.reference.data or "",
                             signer=form.signer.data or ""),
                         idempotency_key=key),
                     done=closed, then=url_for("deposits.deposits_page"), only=visible(form))
    return outcome.response or _render_deposits(contract_id, form, form.form_errors, outcome.status)
