"""The suppliers page (供应商/承运商): the carriers and packing suppliers a settlement's costs may be
owed to, what each is owed (2202 by supplier), and recording a new one (accountants)."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import db

from ...pages import require, submit, visible
from ...payments import services as payments
from ...settlements import suppliers
from ..forms import SupplierForm
from .blueprint import bp


@bp.route("/books/suppliers", methods=["GET", "POST"])
@login_required
def suppliers_page():
    require(*suppliers.READERS)
    form = SupplierForm()
    if request.method == "POST" and not current_user.has_role(*suppliers.WRITERS):
        abort(403)
    outcome = submit(form, lambda: suppliers.create(current_user, {name: getattr(form, name).data for name in
                                                                   ("name", "credit_code", "bank_name",
                                                                    "account_number")}),
                     done=lambda created: _("Supplier %(name)s recorded.", name=created.name),
                     then=url_for("books.suppliers_page"), only=visible(form))
    if outcome.response:
        return outcome.response
    rows = [(supplier, suppliers.shown_account(current_user, supplier), payments.supplier_owed(supplier.id))
            for supplier in db.session.scalars(suppliers.listing(current_user))]
    return render_template("books/suppliers.html", rows=rows, form=form,
                           can_create=current_user.has_role(*suppliers.WRITERS),
                           can_pay=current_user.has_role(*payments.ACCOUNTANTS)), outcome.status
