"""Pages of households: list, register, edit, and revealing the full numbers (audited)."""
from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from models import Household, Village, db

from ...auth.permissions import can_see_sensitive
from ...errors import PermissionDenied
from .. import households as household_services, payee_changes
from ..forms import HouseholdForm, RevealForm
from .blueprint import bp
from .common import PER_PAGE, group_choices, party_group_choices, submit, village_choices


def _household_form(household: Household | None = None) -> HouseholdForm:
    form = HouseholdForm(obj=household)
    form.village_id.choices = village_choices()
    form.group_id.choices = group_choices()
    form.party_group_id.choices = party_group_choices()
    if household is not None:
        if not form.is_submitted():
            form.payout_method.data = household.payout_method.value
            # Sensitive numbers are never put back into the page: blank keeps them.
            form.id_number.data = form.phone.data = form.account_number.data = ""
        view = household_services.household_view(current_user, household)
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
    statement = household_services.households_query(current_user, village_id=village_id, search=request.args.get("q"))
    page = db.paginate(statement, per_page=PER_PAGE, error_out=False)
    rows = [household_services.household_view(current_user, h) for h in page.items]
    db.session.commit()  # a search by a full phone number is audited
    return render_template("reference/households.html", page=page, rows=rows, q=request.args.get("q", ""),
                           village_id=village_id, village_choices=village_choices(),
                           can_write=household_services.can_write_households(current_user))


@bp.route("/households/new", methods=["GET", "POST"])
@login_required
def new_household():
    if not household_services.can_write_households(current_user):
        raise PermissionDenied()
    form = _household_form()
    if not form.is_submitted():
        form.village_id.data = request.args.get("village", type=int) or _usual_village_id()
        form.party_group_id.data = current_user.party_group_id
    outcome = submit(form, lambda: household_services.create_household(current_user,
                                                                       **_household_values(form, editing=False)),
                     done=lambda household: _("Household %(name)s registered.", name=household.head_name),
                     then=lambda household: url_for(".household", household_id=household.id))
    return outcome.response or (
        render_template("reference/household_form.html", form=form, household=None), outcome.status)


@bp.route("/households/<int:household_id>")
@login_required
def household(household_id: int):
    record = household_services.get_household(current_user, household_id)
    view = household_services.household_view(current_user, record)
    return render_template("reference/household.html", household=record, view=view,
                           reveal_form=RevealForm() if can_see_sensitive(current_user) else None,
                           can_write=household_services.can_write_households(current_user))


@bp.route("/households/<int:household_id>/reveal", methods=["POST"])
@login_required
def reveal_household(household_id: int):
    """Accountants and admins open the full numbers; each opening is audited."""
    record = household_services.get_household(current_user, household_id)
    form = RevealForm()
    if not form.validate_on_submit():
        return redirect(url_for(".household", household_id=household_id))
    view = household_services.household_view(current_user, record, reveal=True, reason=form.reason.data)
    db.session.commit()
    response = render_template("reference/household.html", household=record, view=view, reveal_form=None,
                               can_write=household_services.can_write_households(current_user))
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@login_required
def edit_household(household_id: int):
    record = household_services.get_household(current_user, household_id)
    if not household_services.can_write_households(current_user):
        raise PermissionDenied()
    form = _household_form(record)
    waiting = payee_changes.pending_for(record.id) if form.is_submitted() else None

    def saved(_updated) -> str:
        requested = payee_changes.pending_for(household_id)
        if requested is not None and (waiting is None or requested.id != waiting.id):
            return _("Saved. The new payout account takes effect when an accountant approves it; "
                     "until then payouts go to the old one.")
        return _("Saved.")

    outcome = submit(form, lambda: household_services.update_household(current_user, record,
                                                                       **_household_values(form, editing=True)),
                     done=saved, then=url_for(".household", household_id=household_id))
    return outcome.response or (
        render_template("reference/household_form.html", form=form, household=record), outcome.status)
