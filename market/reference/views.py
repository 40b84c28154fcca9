"""Pages of the reference feature: villages, households, the catalogue and logins."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from models import (GradeTable, Household, PartyBranch, PartyGroup, Product, RoleName, User, Village,
                    VillageGroup, db)

from ..auth.permissions import can_see_sensitive
from ..forms import place_errors
from ..errors import MarketError, NotFound, PermissionDenied, ValidationFailed
from . import bp, services
from .forms import (GradeForm, choice, GradeTableForm, HouseholdForm, PartyBranchForm, PartyGroupEditForm,
                    PartyGroupForm, PasswordResetForm, ProductForm, RevealForm, UserCreateForm,
                    UserEditForm, VarietyForm, VillageForm, VillageGroupForm)

PER_PAGE = 50


# --- helpers ----------------------------------------------------------------------

def _refused(form: FlaskForm, exc: MarketError) -> int:
    """Put a service's refusal onto the form; returns the status to answer with."""
    db.session.rollback()
    if isinstance(exc, (PermissionDenied, NotFound)):
        raise exc
    unplaced = place_errors(form, exc, rename=lambda name: name.split(".")[-1])
    placed = exc.fields and len(unplaced) < sum(len(m) for m in exc.field_texts().values())
    if not placed:
        flash(exc.text(), "error")
    return exc.status


def _form_status(form: FlaskForm) -> int:
    return 422 if form.errors else 200


def _village_choices() -> list:
    villages = db.session.scalars(select(Village).order_by(Village.code))
    return [choice(None, "—")] + [choice(v.id, f"{v.name}（{v.township}）" if v.township else v.name)
                                  for v in villages]


def _group_choices() -> list:
    groups = db.session.scalars(select(VillageGroup).join(Village).order_by(Village.code, VillageGroup.number))
    return [choice(None, "—")] + [choice(g.id, f"{g.village.name} {g.name}", optgroup=g.village.name)
                                  for g in groups]


def _party_group_choices() -> list:
    groups = db.session.scalars(select(PartyGroup).join(PartyBranch).order_by(PartyBranch.name, PartyGroup.id))
    return [choice(None, "—")] + [choice(g.id, f"{g.branch.name} {g.name}", optgroup=g.branch.name)
                                  for g in groups]


def _household_choices() -> list:
    households = db.session.scalars(select(Household).join(Village).order_by(Village.code, Household.id))
    return [choice(None, "—")] + [choice(h.id, h.head_name, optgroup=h.village.name) for h in households]


def _render_form(title: str, form: FlaskForm, back: str, status: int = 200, intro: str | None = None):
    return render_template("reference/form.html", title=title, form=form, back=back, intro=intro), status


# --- index --------------------------------------------------------------------------

@bp.route("")
@login_required
def index():
    services.require_staff(current_user)

    def count(model: type) -> int:
        return db.session.scalar(select(func.count()).select_from(model)) or 0

    counts = {"villages": count(Village), "households": count(Household), "products": count(Product),
              "users": count(User) if current_user.has_role(RoleName.ADMIN) else None}
    return render_template("reference/index.html", counts=counts)


# --- villages, groups and party organisation --------------------------------------

@bp.route("/villages", methods=["GET", "POST"])
@login_required
def villages():
    statement = services.villages_query(current_user, search=request.args.get("q"))
    form = VillageForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                village = services.create_village(current_user, code=form.code.data, name=form.name.data,
                                                  township=form.township.data, county=form.county.data)
            except MarketError as exc:
                status = _refused(form, exc)
            else:
                db.session.commit()
                flash(_("Village %(name)s added.", name=village.name), "success")
                return redirect(url_for(".village", village_id=village.id))
        else:
            status = _form_status(form)
    page = db.paginate(statement, per_page=PER_PAGE, error_out=False)
    return render_template("reference/villages.html", page=page, form=form,
                           q=request.args.get("q", "")), status


def _village_page(village: Village, status: int = 200, group_form: FlaskForm | None = None,
                  branch_form: FlaskForm | None = None, party_group_form: FlaskForm | None = None):
    group_form = group_form or VillageGroupForm(prefix="group", formdata=None)
    branch_form = branch_form or PartyBranchForm(prefix="branch", formdata=None)
    party_group_form = party_group_form or PartyGroupForm(prefix="pg", formdata=None)
    branches = db.session.scalars(services.party_branches_query(current_user, village_id=village.id)).all()
    party_group_form.branch_id.choices = [choice(b.id, b.name) for b in branches]
    households = db.session.scalar(select(func.count()).select_from(Household)
                                   .where(Household.village_id == village.id))
    return render_template("reference/village.html", village=village, branches=branches,
                           households=households, group_form=group_form, branch_form=branch_form,
                           party_group_form=party_group_form), status


@bp.route("/villages/<int:village_id>")
@login_required
def village(village_id: int):
    return _village_page(services.get_village(current_user, village_id))


@bp.route("/villages/<int:village_id>/edit", methods=["GET", "POST"])
@login_required
def edit_village(village_id: int):
    village = services.get_village(current_user, village_id)
    services.require_admin(current_user)
    form = VillageForm(obj=village)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_village(current_user, village, code=form.code.data, name=form.name.data,
                                    township=form.township.data, county=form.county.data)
        except MarketError as exc:
            status = _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".village", village_id=village.id))
    elif form.is_submitted():
        status = _form_status(form)
    return _render_form(_("Edit village"), form, url_for(".village", village_id=village.id), status)


@bp.route("/villages/<int:village_id>/groups", methods=["POST"])
@login_required
def add_village_group(village_id: int):
    village = services.get_village(current_user, village_id)
    form = VillageGroupForm(prefix="group")
    if not form.validate_on_submit():
        return _village_page(village, _form_status(form), group_form=form)
    try:
        services.create_village_group(current_user, village_id=village.id, number=form.number.data,
                                      name=form.name.data)
    except MarketError as exc:
        status = _refused(form, exc)
        return _village_page(services.get_village(current_user, village_id), status, group_form=form)
    db.session.commit()
    flash(_("Group added."), "success")
    return redirect(url_for(".village", village_id=village_id))


@bp.route("/villages/<int:village_id>/branches", methods=["POST"])
@login_required
def add_party_branch(village_id: int):
    village = services.get_village(current_user, village_id)
    form = PartyBranchForm(prefix="branch")
    if not form.validate_on_submit():
        return _village_page(village, _form_status(form), branch_form=form)
    try:
        services.create_party_branch(current_user, village_id=village.id, name=form.name.data,
                                     secretary=form.secretary.data)
    except MarketError as exc:
        status = _refused(form, exc)
        return _village_page(services.get_village(current_user, village_id), status, branch_form=form)
    db.session.commit()
    flash(_("Party branch added."), "success")
    return redirect(url_for(".village", village_id=village_id))


@bp.route("/villages/<int:village_id>/party-groups", methods=["POST"])
@login_required
def add_party_group(village_id: int):
    village = services.get_village(current_user, village_id)
    form = PartyGroupForm(prefix="pg")
    if not form.validate_on_submit():
        return _village_page(village, _form_status(form), party_group_form=form)
    branch = db.session.get(PartyBranch, form.branch_id.data) if isinstance(form.branch_id.data, int) else None
    try:
        if branch is None or branch.village_id != village.id:
            raise ValidationFailed(_("Choose a party branch from the list."), field="branch_id")
        services.create_party_group(current_user, branch_id=branch.id, name=form.name.data,
                                    leader=form.leader.data)
    except MarketError as exc:
        status = _refused(form, exc)
        return _village_page(services.get_village(current_user, village_id), status, party_group_form=form)
    db.session.commit()
    flash(_("Party group added."), "success")
    return redirect(url_for(".village", village_id=village_id))


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit_village_group(group_id: int):
    group = services.get_village_group(current_user, group_id)
    services.require_admin(current_user)
    form = VillageGroupForm(obj=group)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_village_group(current_user, group, number=form.number.data, name=form.name.data)
        except MarketError as exc:
            status = _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".village", village_id=group.village_id))
    elif form.is_submitted():
        status = _form_status(form)
    return _render_form(_("Edit group"), form, url_for(".village", village_id=group.village_id), status)


@bp.route("/party-branches/<int:branch_id>/edit", methods=["GET", "POST"])
@login_required
def edit_party_branch(branch_id: int):
    branch = services.get_party_branch(current_user, branch_id)
    services.require_admin(current_user)
    form = PartyBranchForm(obj=branch)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_party_branch(current_user, branch, name=form.name.data,
                                         secretary=form.secretary.data)
        except MarketError as exc:
            status = _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".village", village_id=branch.village_id))
    elif form.is_submitted():
        status = _form_status(form)
    return _render_form(_("Edit party branch"), form, url_for(".village", village_id=branch.village_id), status)


@bp.route("/party-groups/<int:party_group_id>/edit", methods=["GET", "POST"])
@login_required
def edit_party_group(party_group_id: int):
    group = services.get_party_group(current_user, party_group_id)
    services.require_admin(current_user)
    form = PartyGroupEditForm(obj=group)
    status = 200
    back = url_for(".village", village_id=group.branch.village_id)
    if form.validate_on_submit():
        try:
            services.update_party_group(current_user, group, name=form.name.data, leader=form.leader.data)
        except MarketError as exc:
            status = _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(back)
    elif form.is_submitted():
        status = _form_status(form)
    return _render_form(_("Edit party group"), form, back, status)


# --- households -------------------------------------------------------------------

def _household_form(household: Household | None = None) -> HouseholdForm:
    form = HouseholdForm(obj=household)
    form.village_id.choices = _village_choices()
    form.group_id.choices = _group_choices()
    form.party_group_id.choices = _party_group_choices()
    if household is not None:
        if not form.is_submitted():
            form.payout_method.data = household.payout_method.value
            # Sensitive numbers are never put back into the page: blank keeps them.
            form.id_number.data = form.phone.data = form.account_number.data = ""
        view = services.household_view(current_user, household)
        keep = _("Leave empty to keep %(value)s.")
        for name in ("id_number", "phone", "account_number"):
            if view[name]:
                getattr(form, name).description = keep % {"value": view[name]}
    return form


def _usual_village_id() -> int | None:
    """A coordinator registers households of their own party group's village, usually."""
    if current_user.party_group is not None:
        return current_user.party_group.branch.village_id
    ids = db.session.scalars(select(Village.id).limit(2)).all()
    return ids[0] if len(ids) == 1 else None


def _household_values(form: HouseholdForm, editing: bool) -> dict[str, Any]:
    values = {name: getattr(form, name).data for name in (
        "head_name", "village_id", "group_id", "party_group_id", "payout_method", "bank_name",
        "priority", "note", "active")}
    for name in ("id_number", "phone", "account_number"):
        data = (getattr(form, name).data or "").strip()
        values[name] = None if (editing and not data) else data
    return values


@bp.route("/households")
@login_required
def households():
    village_id = request.args.get("village", type=int)
    statement = services.households_query(current_user, village_id=village_id, search=request.args.get("q"))
    page = db.paginate(statement, per_page=PER_PAGE, error_out=False)
    rows = [services.household_view(current_user, h) for h in page.items]
    return render_template("reference/households.html", page=page, rows=rows, q=request.args.get("q", ""),
                           village_id=village_id, village_choices=_village_choices(),
                           can_write=services.can_write_households(current_user))


@bp.route("/households/new", methods=["GET", "POST"])
@login_required
def new_household():
    if not services.can_write_households(current_user):
        raise PermissionDenied()
    form = _household_form()
    if not form.is_submitted():
        form.village_id.data = request.args.get("village", type=int) or _usual_village_id()
        form.party_group_id.data = current_user.party_group_id
    status = 200
    if form.validate_on_submit():
        try:
            household = services.create_household(current_user, **_household_values(form, editing=False))
        except MarketError as exc:
            status = _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Household %(name)s registered.", name=household.head_name), "success")
            return redirect(url_for(".household", household_id=household.id))
    elif form.is_submitted():
        status = _form_status(form)
    return render_template("reference/household_form.html", form=form, household=None), status


@bp.route("/households/<int:household_id>")
@login_required
def household(household_id: int):
    record = services.get_household(current_user, household_id)
    view = services.household_view(current_user, record)
    return render_template("reference/household.html", household=record, view=view,
                           reveal_form=RevealForm() if can_see_sensitive(current_user) else None,
                           can_write=services.can_write_households(current_user))


@bp.route("/households/<int:household_id>/reveal", methods=["POST"])
@login_required
def reveal_household(household_id: int):
    """Accountants and admins open the full numbers; each opening is audited."""
    record = services.get_household(current_user, household_id)
    form = RevealForm()
    if not form.validate_on_submit():
        return redirect(url_for(".household", household_id=household_id))
    view = services.household_view(current_user, record, reveal=True, reason=form.reason.data)
    db.session.commit()
    response = render_template("reference/household.html", household=record, view=view, reveal_form=None,
                               can_write=services.can_write_households(current_user))
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@login_required
def edit_household(household_id: int):
    record = services.get_household(current_user, household_id)
    if not services.can_write_households(current_user):
        raise PermissionDenied()
    form = _household_form(record)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_household(current_user, record, **_household_values(form, editing=True))
        except MarketError as exc:
            status = _refused(form, exc)
            record = services.get_household(current_user, household_id)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".household", household_id=household_id))
    elif form.is_submitted():
        status = _form_status(form)
    return render_template("reference/household_form.html", form=form, household=record), status


# --- products, varieties and grade tables ----------------------------------------

@bp.route("/products", methods=["GET", "POST"])
@login_required
def products():
    services.require_staff(current_user)
    form = ProductForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                product = services.create_product(current_user, name=form.name.data)
            except MarketError as exc:
                status = _refused(form, exc)
            else:
                db.session.commit()
                flash(_("Product %(name)s added.", name=product.name), "success")
                return redirect(url_for(".product", product_id=product.id))
        else:
            status = _form_status(form)
    items = db.session.scalars(services.products_query(current_user)).all()
    return render_template("reference/products.html", products=items, form=form), status


@bp.route("/products/peach-defaults", methods=["POST"])
@login_required
def peach_defaults():
    product = services.create_peach_defaults(current_user)
    db.session.commit()
    flash(_("桃 with its varieties and default grades is ready."), "success")
    return redirect(url_for(".product", product_id=product.id))


def _product_page(product: Product, status: int = 200, form: FlaskForm | None = None,
                  variety_form: FlaskForm | None = None, table_form: FlaskForm | None = None):
    return render_template(
        "reference/product.html", product=product,
        form=form or ProductForm(obj=product, formdata=None),
        variety_form=variety_form or VarietyForm(prefix="variety", formdata=None),
        table_form=table_form or GradeTableForm(prefix="table", formdata=None)), status


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@login_required
def product(product_id: int):
    services.require_staff(current_user)
    item = services.get_product(current_user, product_id)
    form = ProductForm(obj=item)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.update_product(current_user, item, name=form.name.data)
            except MarketError as exc:
                status = _refused(form, exc)
                item = services.get_product(current_user, product_id)
            else:
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for(".product", product_id=product_id))
        else:
            status = _form_status(form)
    return _product_page(item, status, form=form)


@bp.route("/products/<int:product_id>/varieties", methods=["POST"])
@login_required
def add_variety(product_id: int):
    item = services.get_product(current_user, product_id)
    form = VarietyForm(prefix="variety")
    if not form.validate_on_submit():
        return _product_page(item, _form_status(form), variety_form=form)
    try:
        services.create_variety(current_user, product_id=item.id, name=form.name.data)
    except MarketError as exc:
        status = _refused(form, exc)
        return _product_page(services.get_product(current_user, product_id), status, variety_form=form)
    db.session.commit()
    flash(_("Variety added."), "success")
    return redirect(url_for(".product", product_id=product_id))


@bp.route("/products/<int:product_id>/grade-tables", methods=["POST"])
@login_required
def add_grade_table(product_id: int):
    item = services.get_product(current_user, product_id)
    form = GradeTableForm(prefix="table")
    if not form.validate_on_submit():
        return _product_page(item, _form_status(form), table_form=form)
    try:
        table = services.create_grade_table(current_user, product_id=item.id, name=form.name.data,
                                            is_default=form.is_default.data)
    except MarketError as exc:
        status = _refused(form, exc)
        return _product_page(services.get_product(current_user, product_id), status, table_form=form)
    db.session.commit()
    flash(_("Grade table added. Now add its grades."), "success")
    return redirect(url_for(".grade_table", table_id=table.id))


@bp.route("/varieties/<int:variety_id>/edit", methods=["GET", "POST"])
@login_required
def edit_variety(variety_id: int):
    services.require_admin(current_user)
    variety = services.get_variety(current_user, variety_id)
    form = VarietyForm(obj=variety)
    back = url_for(".product", product_id=variety.product_id)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_variety(current_user, variety, name=form.name.data)
        except MarketError as exc:
            status = _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(back)
    elif form.is_submitted():
        status = _form_status(form)
    return _render_form(_("Edit variety"), form, back, status)


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
    services.require_staff(current_user)
    table = services.get_grade_table(current_user, table_id)
    form = GradeTableForm(obj=table)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.update_grade_table(current_user, table, name=form.name.data,
                                            is_default=form.is_default.data)
            except MarketError as exc:
                status = _refused(form, exc)
                table = services.get_grade_table(current_user, table_id)
            else:
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for(".grade_table", table_id=table_id))
        else:
            status = _form_status(form)
    return _table_page(table, status, form=form)


@bp.route("/grade-tables/<int:table_id>/grades", methods=["POST"])
@login_required
def add_grade(table_id: int):
    table = services.get_grade_table(current_user, table_id)
    form = GradeForm(prefix="grade")
    if not form.validate_on_submit():
        return _table_page(table, _form_status(form), grade_form=form)
    try:
        services.create_grade(current_user, table_id=table.id, code=form.code.data, name=form.name.data,
                              rank=form.rank.data, min_fruit_g=form.min_fruit_g.data,
                              min_diameter_mm=form.min_diameter_mm.data, price_diff=form.price_diff.data)
    except MarketError as exc:
        status = _refused(form, exc)
        return _table_page(services.get_grade_table(current_user, table_id), status, grade_form=form)
    db.session.commit()
    flash(_("Grade added."), "success")
    return redirect(url_for(".grade_table", table_id=table_id))


@bp.route("/grades/<int:grade_id>/edit", methods=["GET", "POST"])
@login_required
def edit_grade(grade_id: int):
    services.require_admin(current_user)
    grade = services.get_grade(current_user, grade_id)
    form = GradeForm(obj=grade)
    if not form.is_submitted():
        form.rank.data = str(grade.rank)
        form.min_fruit_g.data = "" if grade.min_fruit_g is None else str(grade.min_fruit_g)
        form.min_diameter_mm.data = "" if grade.min_diameter_mm is None else str(grade.min_diameter_mm)
        form.price_diff.data = f"{grade.price_diff:+.2f}"
    back = url_for(".grade_table", table_id=grade.table_id)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_grade(current_user, grade, code=form.code.data, name=form.name.data,
                                  rank=form.rank.data, min_fruit_g=form.min_fruit_g.data,
                                  min_diameter_mm=form.min_diameter_mm.data, price_diff=form.price_diff.data)
        except MarketError as exc:
            status = _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(back)
    elif form.is_submitted():
        status = _form_status(form)
    return _render_form(_("Edit grade"), form, back, status)


# --- users ------------------------------------------------------------------------

def _user_links(form: FlaskForm) -> None:
    form.household_id.choices = _household_choices()
    form.party_group_id.choices = _party_group_choices()


@bp.route("/users")
@login_required
def users():
    role = request.args.get("role") or None
    try:
        role_name = RoleName(role) if role else None
    except ValueError:
        role_name = None
    statement = services.users_query(current_user, search=request.args.get("q"), role=role_name)
    page = db.paginate(statement, per_page=PER_PAGE, error_out=False)
    return render_template("reference/users.html", page=page, q=request.args.get("q", ""),
                           role=role_name.value if role_name else "")


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    services.require_admin(current_user)
    form = UserCreateForm()
    _user_links(form)
    status = 200
    if form.validate_on_submit():
        try:
            user = services.admin_create_user(
                current_user, phone=form.phone.data, name=form.name.data, password=form.password.data,
                roles=form.roles.data or [], household_id=form.household_id.data,
                party_group_id=form.party_group_id.data)
        except MarketError as exc:
            status = _refused(form, exc)
        else:
            db.session.commit()
            flash(_("Login for %(name)s created.", name=user.name), "success")
            return redirect(url_for(".user", user_id=user.id))
    elif form.is_submitted():
        status = _form_status(form)
    return _render_form(_("New login"), form, url_for(".users"), status)


def _user_page(user: User, status: int = 200, form: FlaskForm | None = None,
               password_form: FlaskForm | None = None):
    if form is None:
        form = UserEditForm(obj=user, formdata=None)
        form.roles.data = [r.name.value for r in user.roles]
    _user_links(form)
    return render_template("reference/user.html", user=user, form=form,
                           password_form=password_form or PasswordResetForm(prefix="pw", formdata=None)), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user(user_id: int):
    account = services.get_user(current_user, user_id)
    if request.method == "GET":
        return _user_page(account)
    form = UserEditForm()
    _user_links(form)
    if not form.validate_on_submit():
        return _user_page(account, _form_status(form), form=form)
    try:
        services.admin_update_user(current_user, account, name=form.name.data, roles=form.roles.data or [],
                                   household_id=form.household_id.data, party_group_id=form.party_group_id.data)
    except MarketError as exc:
        status = _refused(form, exc)
        return _user_page(services.get_user(current_user, user_id), status, form=form)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".user", user_id=user_id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@login_required
def reset_user_password(user_id: int):
    account = services.get_user(current_user, user_id)
    form = PasswordResetForm(prefix="pw")
    if not form.validate_on_submit():
        return _user_page(account, _form_status(form), password_form=form)
    try:
        services.reset_password(current_user, account, form.password.data or "")
    except MarketError as exc:
        status = _refused(form, exc)
        return _user_page(services.get_user(current_user, user_id), status, password_form=form)
    db.session.commit()
    flash(_("Password reset. Tell %(name)s the new password in person.", name=account.name), "success")
    return redirect(url_for(".user", user_id=user_id))


@bp.route("/users/<int:user_id>/<any(enable, disable):action>", methods=["POST"])
@login_required
def set_user_active(user_id: int, action: str):
    account = services.get_user(current_user, user_id)
    try:
        services.set_user_active(current_user, account, action == "enable")
    except MarketError as exc:
        db.session.rollback()
        if isinstance(exc, (PermissionDenied, NotFound)):
            raise
        flash(exc.text(), "error")
        return redirect(url_for(".user", user_id=user_id))
    db.session.commit()
    flash(_("Login enabled.") if action == "enable" else _("Login disabled."), "success")
    return redirect(url_for(".user", user_id=user_id))

