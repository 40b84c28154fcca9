"""Pages of villages, their groups and their party organisation (branches, party groups)."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from models import Household, PartyBranch, Village, db

from ...errors import ValidationFailed
from .. import common, party, villages as village_services
from ..forms import choice, PartyBranchForm, PartyGroupEditForm, PartyGroupForm, VillageForm, VillageGroupForm
from .blueprint import bp
from .common import PER_PAGE, render_form, submit


@bp.route("/villages", methods=["GET", "POST"])
@login_required
def villages():
    statement = village_services.villages_query(current_user, search=request.args.get("q"))
    form = VillageForm()
    outcome = submit(form, lambda: village_services.create_village(
                         current_user, code=form.code.data, name=form.name.data, township=form.township.data,
                         county=form.county.data),
                     done=lambda village: _("Village %(name)s added.", name=village.name),
                     then=lambda village: url_for(".village", village_id=village.id))
    if outcome.response:
        return outcome.response
    page = db.paginate(statement, per_page=PER_PAGE, error_out=False)
    return render_template("reference/villages.html", page=page, form=form,
                           q=request.args.get("q", "")), outcome.status


def _village_page(village: Village, status: int = 200, group_form: FlaskForm | None = None,
                  branch_form: FlaskForm | None = None, party_group_form: FlaskForm | None = None):
    group_form = group_form or VillageGroupForm(prefix="group", formdata=None)
    branch_form = branch_form or PartyBranchForm(prefix="branch", formdata=None)
    party_group_form = party_group_form or PartyGroupForm(prefix="pg", formdata=None)
    branches = db.session.scalars(party.party_branches_query(current_user, village_id=village.id)).all()
    party_group_form.branch_id.choices = [choice(b.id, b.name) for b in branches]
    households = db.session.scalar(select(func.count()).select_from(Household)
                                   .where(Household.village_id == village.id))
    return render_template("reference/village.html", village=village, branches=branches,
                           households=households, group_form=group_form, branch_form=branch_form,
                           party_group_form=party_group_form), status


@bp.route("/villages/<int:village_id>")
@login_required
def village(village_id: int):
    return _village_page(village_services.get_village(current_user, village_id))


@bp.route("/villages/<int:village_id>/edit", methods=["GET", "POST"])
@login_required
def edit_village(village_id: int):
    village = village_services.get_village(current_user, village_id)
    common.require_admin(current_user)
    form = VillageForm(obj=village)
    back = url_for(".village", village_id=village.id)
    outcome = submit(form, lambda: village_services.update_village(
                         current_user, village, code=form.code.data, name=form.name.data,
                         township=form.township.data, county=form.county.data),
                     done=_("Saved."), then=back)
    return outcome.response or render_form(_("Edit village"), form, back, outcome.status)


@bp.route("/villages/<int:village_id>/groups", methods=["POST"])
@login_required
def add_village_group(village_id: int):
    village = village_services.get_village(current_user, village_id)
    form = VillageGroupForm(prefix="group")
    outcome = submit(form, lambda: village_services.create_village_group(
                         current_user, village_id=village.id, number=form.number.data, name=form.name.data),
                     done=_("Group added."), then=url_for(".village", village_id=village_id))
    return outcome.response or _village_page(village, outcome.status, group_form=form)


@bp.route("/villages/<int:village_id>/branches", methods=["POST"])
@login_required
def add_party_branch(village_id: int):
    village = village_services.get_village(current_user, village_id)
    form = PartyBranchForm(prefix="branch")
    outcome = submit(form, lambda: party.create_party_branch(current_user, village_id=village.id, name=form.name.data,
                                                             secretary=form.secretary.data),
                     done=_("Party branch added."), then=url_for(".village", village_id=village_id))
    return outcome.response or _village_page(village, outcome.status, branch_form=form)


@bp.route("/villages/<int:village_id>/party-groups", methods=["POST"])
@login_required
def add_party_group(village_id: int):
    village = village_services.get_village(current_user, village_id)
    form = PartyGroupForm(prefix="pg")

    def add():
        branch = db.session.get(PartyBranch, form.branch_id.data) if isinstance(form.branch_id.data, int) else None
        if branch is None or branch.village_id != village.id:
            raise ValidationFailed(_("Choose a party branch from the list."), field="branch_id")
        return party.create_party_group(current_user, branch_id=branch.id, name=form.name.data,
                                        leader=form.leader.data)

    outcome = submit(form, add, done=_("Party group added."), then=url_for(".village", village_id=village_id))
    return outcome.response or _village_page(village, outcome.status, party_group_form=form)


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit_village_group(group_id: int):
    group = village_services.get_village_group(current_user, group_id)
    common.require_admin(current_user)
    form = VillageGroupForm(obj=None if request.method == "POST" else group)  # a POST is judged on what it sent
    back = url_for(".village", village_id=group.village_id)
    outcome = submit(form, lambda: village_services.update_village_group(current_user, group, number=form.number.data,
                                                                         name=form.name.data),
                     done=_("Saved."), then=back)
    return outcome.response or render_form(_("Edit group"), form, back, outcome.status)


@bp.route("/party-branches/<int:branch_id>/edit", methods=["GET", "POST"])
@login_required
def edit_party_branch(branch_id: int):
    branch = party.get_party_branch(current_user, branch_id)
    common.require_admin(current_user)
    form = PartyBranchForm(obj=branch)
    back = url_for(".village", village_id=branch.village_id)
    outcome = submit(form, lambda: party.update_party_branch(current_user, branch, name=form.name.data,
                                                             secretary=form.secretary.data),
                     done=_("Saved."), then=back)
    return outcome.response or render_form(_("Edit party branch"), form, back, outcome.status)


@bp.route("/party-groups/<int:party_group_id>/edit", methods=["GET", "POST"])
@login_required
def edit_party_group(party_group_id: int):
    group = party.get_party_group(current_user, party_group_id)
    common.require_admin(current_user)
    form = PartyGroupEditForm(obj=group)
    back = url_for(".village", village_id=group.branch.village_id)
    outcome = submit(form, lambda: party.update_party_group(current_user, group, name=form.name.data,
                                                            leader=form.leader.data),
                     done=_("Saved."), then=back)
    return outcome.response or render_form(_("Edit party group"), form, back, outcome.status)
