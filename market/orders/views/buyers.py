"""Pages of buyers: the list, a new buyer, editing one."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import db

from ...errors import PermissionDenied
from ...pages import submit
from .. import buyers as buyer_services
from ..forms import BuyerForm
from .blueprint import bp
from .common import PAGE_SIZE, can_manage

BUYER_FIELDS = ("name", "credit_code", "province", "city", "address", "contact_name", "contact_phone",
                "accept_below_pct", "reject_above_pct", "weighbridge_tolerance_pct", "payment_terms_days")


@bp.route("/buyers")
@login_required
def list_buyers():
    statement = buyer_services.buyers_statement(current_user)
    page = db.paginate(statement, page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE, error_out=False)
    return render_template("orders/buyers.html", page=page, can_manage=can_manage())


def _buyer_data(form: BuyerForm, new: bool = False) -> dict:
    data = {name: (getattr(form, name).data or "").strip() for name in BUYER_FIELDS}
    data["active"] = True if new else bool(form.active.data)
    return data


@bp.route("/buyers/new", methods=["GET", "POST"])
@login_required
def new_buyer():
    if not can_manage():
        raise PermissionDenied()
    form = BuyerForm()
    outcome = submit(form, lambda: buyer_services.create_buyer(current_user, **_buyer_data(form, new=True)),
                     done=lambda buyer: _("Buyer %(name)s registered.", name=buyer.name),
                     then=url_for("orders.list_buyers"))
    return outcome.response or (render_template("orders/buyer_form.html", form=form, buyer=None), outcome.status)


@bp.route("/buyers/<int:buyer_id>/edit", methods=["GET", "POST"])
@login_required
def edit_buyer(buyer_id: int):
    if not can_manage():
        raise PermissionDenied()
    buyer = buyer_services.get_buyer(current_user, buyer_id)
    # the stored buyer fills the form shown; a POST is judged on what it sent alone (a field it left
    # out would otherwise arrive as the model's Decimal or int and answer 500)
    form = BuyerForm(obj=None if request.method == "POST" else buyer)
    outcome = submit(form, lambda: buyer_services.update_buyer(current_user, buyer, **_buyer_data(form)),
                     done=_("Saved."), then=url_for("orders.list_buyers"))
    return outcome.response or (render_template("orders/buyer_form.html", form=form, buyer=buyer), outcome.status)
