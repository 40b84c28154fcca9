"""Pages of the catalogue: products, varieties, grade tables and grades."""
from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from models import GradeTable, Product, db

from ...pages import act
from .. import catalogue, common
from ..forms import GradeForm, GradeTableForm, ProductForm, ProductVatForm, VarietyForm
from .blueprint import bp
from .common import render_form, submit


@bp.route("/products", methods=["GET", "POST"])
@login_required
def products():
    common.require_staff(current_user)
    form = ProductForm()
    outcome = submit(form, lambda: catalogue.create_product(current_user, name=form.name.data),
                     done=lambda product: _("Product %(name)s added.", name=product.name),
                     then=lambda product: url_for(".product", product_id=product.id))
    if outcome.response:
        return outcome.response
    items = db.session.scalars(catalogue.products_query(current_user)).all()
    return render_template("reference/products.html", products=items, form=form), outcome.status


@bp.route("/products/peach-defaults", methods=["POST"])
@login_required
def peach_defaults():
    return act(lambda: catalogue.create_peach_defaults(current_user),
               done=_("桃 with its varieties and default grades is ready."),
               then=lambda product: url_for(".product", product_id=product.id), back=url_for(".products"))


def _vat_form(product: Product) -> ProductVatForm:
    return ProductVatForm(prefix="vat", formdata=None, data={
        "treatment": "exempt" if product.sales_vat_exempt else "taxable",
        "rate_pct": f"{product.sales_vat_rate_pct.normalize():f}" if product.sales_vat_rate_pct is not None else "",
        "basis": product.sales_vat_exempt_basis})


def _product_page(product: Product, status: int = 200, form: FlaskForm | None = None,
                  variety_form: FlaskForm | None = None, table_form: FlaskForm | None = None,
                  vat_form: FlaskForm | None = None):
    return render_template(
        "reference/product.html", product=product,
        vat_form=vat_form or _vat_form(product), can_edit_vat=current_user.has_role(*catalogue.VAT_EDITORS),
        form=form or ProductForm(obj=product, formdata=None),
        variety_form=variety_form or VarietyForm(prefix="variety", formdata=None),
        table_form=table_form or GradeTableForm(prefix="table", formdata=None)), status


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@login_required
def product(product_id: int):
    common.require_staff(current_user)
    item = catalogue.get_product(current_user, product_id)
    form = ProductForm(obj=item)
    outcome = submit(form, lambda: catalogue.update_product(current_user, item, name=form.name.data),
                     done=_("Saved."), then=url_for(".product", product_id=product_id))
    return outcome.response or _product_page(item, outcome.status, form=form)


@bp.route("/products/<int:product_id>/sales-vat", methods=["POST"])
@login_required
def product_sales_vat(product_id: int):
    """Set the product's sales VAT (admins and accountants)."""
    common.require_staff(current_user)
    item = catalogue.get_product(current_user, product_id)
    form = ProductVatForm(prefix="vat")
    outcome = submit(form, lambda: catalogue.set_sales_vat(current_user, item, exempt=form.treatment.data == "exempt",
                                                           rate_pct=form.rate_pct.data, basis=form.basis.data),
                     done=_("Saved."), then=url_for(".product", product_id=product_id))
    return outcome.response or _product_page(item, outcome.status, vat_form=form)


@bp.route("/products/<int:product_id>/varieties", methods=["POST"])
@login_required
def add_variety(product_id: int):
    item = catalogue.get_product(current_user, product_id)
    form = VarietyForm(prefix="variety")
    outcome = submit(form, lambda: catalogue.create_variety(current_user, product_id=item.id, name=form.name.data),
                     done=_("Variety added."), then=url_for(".product", product_id=product_id))
    return outcome.response or _product_page(item, outcome.status, variety_form=form)


@bp.route("/products/<int:product_id>/grade-tables", methods=["POST"])
@login_required
def add_grade_table(product_id: int):
    item = catalogue.get_product(current_user, product_id)
    form = GradeTableForm(prefix="table")
    outcome = submit(form, lambda: catalogue.create_grade_table(current_user, product_id=item.id, name=form.name.data,
                                                                is_default=form.is_default.data),
                     done=_("Grade table added. Now add its grades."),
                     then=lambda table: url_for(".grade_table", table_id=table.id))
    return outcome.response or _product_page(item, outcome.status, table_form=form)


@bp.route("/varieties/<int:variety_id>/edit", methods=["GET", "POST"])
@login_required
def edit_variety(variety_id: int):
    common.require_admin(current_user)
    variety = catalogue.get_variety(current_user, variety_id)
    form = VarietyForm(obj=variety)
    back = url_for(".product", product_id=variety.product_id)
    outcome = submit(form, lambda: catalogue.update_variety(current_user, variety, name=form.name.data),
                     done=_("Saved."), then=back)
    return outcome.response or render_form(_("Edit variety"), form, back, outcome.status)


def _table_page(table: GradeTable, status: int = 200, form: FlaskForm | None = None,
                grade_form: FlaskForm | None = None):
    return render_template(
        "reference/grade_table.html", table=table,
        form=form or GradeTableForm(obj=table, formdata=None),
        grade_form=grade_form or GradeForm(prefix="grade", formdata=None,
                                           data={"rank": str(len(table.grades)), "price_diff": "0.00"})), status


@bp.route("/grade-tables/<int:table_id>", methods=["GET", "POST"])
@login_required
def grade_table(table_id: int):
    common.require_staff(current_user)
    table = catalogue.get_grade_table(current_user, table_id)
    form = GradeTableForm(obj=table)
    outcome = submit(form, lambda: catalogue.update_grade_table(current_user, table, name=form.name.data,
                                                                is_default=form.is_default.data),
                     done=_("Saved."), then=url_for(".grade_table", table_id=table_id))
    return outcome.response or _table_page(table, outcome.status, form=form)


@bp.route("/grade-tables/<int:table_id>/grades", methods=["POST"])
@login_required
def add_grade(table_id: int):
    table = catalogue.get_grade_table(current_user, table_id)
    form = GradeForm(prefix="grade")
    outcome = submit(form, lambda: catalogue.create_grade(
                         current_user, table_id=table.id, code=form.code.data, name=form.name.data,
                         rank=form.rank.data, min_fruit_g=form.min_fruit_g.data,
                         min_diameter_mm=form.min_diameter_mm.data, price_diff=form.price_diff.data),
                     done=_("Grade added."), then=url_for(".grade_table", table_id=table_id))
    return outcome.response or _table_page(table, outcome.status, grade_form=form)


@bp.route("/grades/<int:grade_id>/edit", methods=["GET", "POST"])
@login_required
def edit_grade(grade_id: int):
    common.require_admin(current_user)
    grade = catalogue.get_grade(current_user, grade_id)
    form = GradeForm(obj=grade)
    # a field the request left out keeps the grade's own value: shown as text, never a bare number
    # (an empty POST used to reach the length check with an int and answer 500)
    shown = {"rank": str(grade.rank),
             "min_fruit_g": "" if grade.min_fruit_g is None else str(grade.min_fruit_g),
             "min_diameter_mm": "" if grade.min_diameter_mm is None else str(grade.min_diameter_mm),
             "price_diff": f"{grade.price_diff:+.2f}"}
    for name, text in shown.items():
        if not form.is_submitted() or not isinstance(form[name].data, str):
            form[name].data = text
    back = url_for(".grade_table", table_id=grade.table_id)
    outcome = submit(form, lambda: catalogue.update_grade(
                         current_user, grade, code=form.code.data, name=form.name.data,
                         rank=form.rank.data, min_fruit_g=form.min_fruit_g.data,
                         min_diameter_mm=form.min_diameter_mm.data, price_diff=form.price_diff.data),
                     done=_("Saved."), then=back)
    return outcome.response or render_form(_("Edit grade"), form, back, outcome.status)
