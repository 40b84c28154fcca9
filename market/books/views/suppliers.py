"""The suppliers page (供应商/承运商): the carriers and packing suppliers a settlement's costs may be
owed to, what each is owed (2202 by supplier), and recording a new one (accountants)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import db

from ...errors import MarketError
from ...pages import form_errors, require
from ...payments import services as payments
from ...settlements import suppliers
from ..forms import SupplierForm
from .blueprint import bp


@bp.route("/books/suppliers", methods=["GET", "POST"])
@login_required
def suppliers_page():
    require(*suppliers.READERS)
    form = SupplierForm()
    general: list[str] = []
    if request.method == "POST":
        if not current_user.has_role(*suppliers.WRITERS):
            abort(403)
        if form.validate_on_submit():
            try:
                created = suppliers.create(current_user, {name: getattr(form, name).data for name in
                                                          ("name", "credit_code", "bank_name", "account_number")})
            except MarketError as exc:
                general = form_errors(form, exc)
            else:
                db.session.commit()
                flash(_("Supplier %(name)s recorded.", name=created.name), "success")
                return redirect(url_for("books.suppliers_page"))
    rows = [(supplier, suppliers.shown_account(current_user, supplier), payments.supplier_owed(supplier.id))
            for supplier in db.session.scalars(suppliers.listing(current_user))]
    status = 422 if request.method == "POST" else 200
    return render_template("books/suppliers.html", rows=rows, form=form, general=general,
                           can_create=current_user.has_role(*suppliers.WRITERS),
                           can_pay=current_user.has_role(*payments.ACCOUNTANTS)), status
