"""Pages of 交售登记: the villager's own lots and form, and the staff list."""
from __future__ import annotations

from datetime import timedelta

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_from_directory, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import LotStatus, RoleName, db

from .. import units
from ..auth.permissions import is_staff
from ..templating import default_unit
from ..pages import act, submit
from . import services
from .forms import EditLotForm, LotFilterForm, LotForm, PhotoForm, WithdrawForm, choice
from .photos import photo_dir

bp = Blueprint("produce", __name__, url_prefix="/lots")

MY_LOTS_PER_PAGE = 20
STAFF_LOTS_PER_PAGE = 50


def _has_own_household() -> bool:
    return current_user.has_role(RoleName.VILLAGER) and current_user.household_id is not None


def _unless_changeable(lot):
    """``None`` when the lot may be changed now; otherwise the answer to give instead."""
    if services.can_change(current_user, lot):
        return None
    if not services.may_enter_for(current_user, lot.household_id):
        abort(403)
    flash(_("This lot can no longer be changed."), "error")
    return redirect(url_for(".lot_detail", lot_id=lot.id))


def _grade_label(grade) -> str:
    if grade.min_fruit_g:
        return _("%(name)s (fruit ≥ %(g)d g)", name=grade.name, g=grade.min_fruit_g)
    if grade.min_diameter_mm:
        return _("%(name)s (≥ %(mm)d mm across)", name=grade.name, mm=grade.min_diameter_mm)
    return grade.name


def _fill_catalogue_choices(form, current_grade=None, empty_label=None) -> None:
    empty = choice(None, empty_label or _("Choose…"))
    varieties = services.varieties()
    several_products = len({v.product_id for v in varieties}) > 1
    form.variety_id.choices = [empty] + [
        choice(v.id, f"{v.product.name} · {v.name}" if several_products else v.name) for v in varieties]
    grades = services.grades_offered(current_grade)
    grouped = len({g.table.product_id for g in grades}) > 1
    form.grade_id.choices = [empty] + [
        choice(g.id, _grade_label(g), optgroup=g.table.product.name if grouped else None) for g in grades]


def _fill_household_choices(form) -> None:
    form.household_id.choices = [choice(None, _("Choose…"))] + [
        choice(h.id, f"{h.head_name} · {h.group or h.village}") for h in services.households_for_entry(current_user)]


def _uploads(field) -> list:
    return [f for f in (field.data or []) if f and getattr(f, "filename", "")]


@bp.route("/mine")
@login_required
def my_lots():
    """The household's lots as big cards, newest first."""
    if not _has_own_household():
        if is_staff(current_user):
            return redirect(url_for(".list_lots"))
        abort(403)
    statement = services.lots_query(current_user, household_id=current_user.household_id)
    page = db.paginate(statement, per_page=MY_LOTS_PER_PAGE, error_out=False)
    return render_template("produce/my_lots.html", page=page, today=services.local_today())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_lot():
    """交售登记. Staff choose the household: proxy entry, audited as such."""
    staff = services.can_enter_for_others(current_user)
    if not staff and not _has_own_household():
        abort(403)
    form = LotForm()
    if staff:
        _fill_household_choices(form)
    else:
        del form.household_id
    _fill_catalogue_choices(form)
    if request.method == "GET":
        today = services.local_today()
        form.ready_from.data = today
        form.ready_to.data = today + timedelta(days=3)
        form.spoil_by.data = today + timedelta(days=7)
        if staff and request.args.get("household_id", "").isdigit():
            form.household_id.data = int(request.args["household_id"])
    outcome = submit(
        form, lambda: services.register_lot(
            current_user,
            household_id=form.household_id.data if staff else current_user.household_id,
            variety_id=form.variety_id.data, grade_id=form.grade_id.data,
            quantity=form.quantity.data, unit=form.unit.data,
            ready_from=form.ready_from.data, ready_to=form.ready_to.data, spoil_by=form.spoil_by.data,
            location_note=form.location_note.data, note=form.note.data,
            photos=_uploads(form.photos)),
        done=lambda lot: _("Registered: %(variety)s, %(quantity)s.", variety=lot.variety.name,
                           quantity=units.format_weight(units.Weight(lot.quantity_kg), default_unit())),
        then=lambda lot: (url_for(".my_lots") if lot.household_id == current_user.household_id
                          else url_for(".lot_detail", lot_id=lot.id)))
    return outcome.response or (
        render_template("produce/lot_form.html", form=form, lot=None, proxy=staff), outcome.status)


@bp.route("/<int:lot_id>")
@login_required
def lot_detail(lot_id: int):
    lot = services.get_lot(current_user, lot_id)
    room = current_app.config["PHOTOS_PER_LOT"] - len(lot.photos)
    return render_template("produce/lot_detail.html", lot=lot, today=services.local_today(),
                           can_change=services.can_change(current_user, lot),
                           photo_form=PhotoForm() if room > 0 else None,
                           entered=services.weight_in_entered_unit(lot))


@bp.route("/<int:lot_id>/edit", methods=["GET", "POST"])
@login_required
def edit_lot(lot_id: int):
    lot = services.get_lot(current_user, lot_id)
    refused = _unless_changeable(lot)
    if refused is not None:
        return refused
    form = EditLotForm(data={
        "variety_id": lot.variety_id, "grade_id": lot.grade_id,
        "quantity": services.weight_in_entered_unit(lot), "unit": lot.entered_unit.value,
        "ready_from": lot.ready_from, "ready_to": lot.ready_to, "spoil_by": lot.spoil_by,
        "location_note": lot.location_note, "note": lot.note,
    })
    del form.household_id
    del form.photos
    _fill_catalogue_choices(form, lot.grade)
    outcome = submit(
        form, lambda: services.update_lot(
            current_user, lot.id, variety_id=form.variety_id.data, grade_id=form.grade_id.data,
            quantity=form.quantity.data, unit=form.unit.data, ready_from=form.ready_from.data,
            ready_to=form.ready_to.data, spoil_by=form.spoil_by.data,
            location_note=form.location_note.data, note=form.note.data),
        done=_("Saved."), then=url_for(".lot_detail", lot_id=lot_id))
    return outcome.response or (
        render_template("produce/lot_form.html", form=form, lot=lot, proxy=False), outcome.status)


@bp.route("/<int:lot_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_lot(lot_id: int):
    lot = services.get_lot(current_user, lot_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        return act(lambda: services.withdraw_lot(current_user, lot.id, reason=form.reason.data),
                   done=_("Withdrawn. It is no longer offered for sale."),
                   then=lambda _withdrawn: (
                       url_for(".my_lots") if _has_own_household() and lot.household_id == current_user.household_id
                       else url_for(".lot_detail", lot_id=lot_id)),
                   back=url_for(".lot_detail", lot_id=lot_id))
    refused = _unless_changeable(lot)
    if refused is not None:
        return refused
    return render_template("produce/withdraw.html", lot=lot, form=form)


@bp.route("/<int:lot_id>/photos", methods=["POST"])
@login_required
def add_photos(lot_id: int):
    form = PhotoForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Reload the page and try again."), "error")
        return redirect(url_for(".lot_detail", lot_id=lot_id))
    return act(lambda: services.add_photos(current_user, lot_id, _uploads(form.photos)),
               done=lambda added: _("%(n)d photo(s) added.", n=len(added)),
               then=url_for(".lot_detail", lot_id=lot_id))


@bp.route("/<int:lot_id>/photos/<int:photo_id>/delete", methods=["POST"])
@login_required
def remove_photo(lot_id: int, photo_id: int):
    return act(lambda: services.remove_photo(current_user, lot_id, photo_id),
               done=_("Photo removed."), then=url_for(".lot_detail", lot_id=lot_id))


@bp.route("/<int:lot_id>/photos/<int:photo_id>")
@login_required
def photo(lot_id: int, photo_id: int):
    """A photo, to the owner household and staff only; never a static file."""
    found = services.get_photo(current_user, lot_id, photo_id)
    return send_photo(found)


def send_photo(found):
    response = send_from_directory(photo_dir(), found.stored_name, mimetype=found.content_type,
                                   max_age=0, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.route("")
@login_required
def list_lots():
    """Every household's lots for staff, with filters; weights in 公斤."""
    if not is_staff(current_user):
        if _has_own_household():
            return redirect(url_for(".my_lots"))
        abort(403)
    form = LotFilterForm(formdata=request.args)
    form.village_id.choices = [choice(None, _("All"))] + [choice(v.id, v.name) for v in services.villages()]
    _fill_catalogue_choices(form, empty_label=_("All"))
    form.fill_status_choices()
    form.validate()
    status = form.status.data if form.status.data in {s.value for s in LotStatus} else None
    statement = services.lots_query(
        current_user, village_id=form.village_id.data if not form.village_id.errors else None,
        variety_id=form.variety_id.data if not form.variety_id.errors else None,
        grade_id=form.grade_id.data if not form.grade_id.errors else None,
        status=status, ready_on=form.ready_on.data)
    page = db.paginate(statement, per_page=STAFF_LOTS_PER_PAGE, error_out=False)
    filters = {k: v for k, v in request.args.items() if k not in ("page", "submit") and v}
    return render_template("produce/list_lots.html", page=page, form=form, filters=filters,
                           today=services.local_today())
