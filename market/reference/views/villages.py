"""Pages of villages, their groups and their party organisation (branches, party groups)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from models import Household, PartyBranch, Village, db

from ...errors import MarketError, ValidationFailed
from .. import common, party, villages as village_services
from ..forms import choice, PartyBranchForm, PartyGroupEditForm, PartyGroupForm, VillageForm, VillageGroupForm
from .blueprint import bp
from .common import PER_PAGE, form_status, refused, render_form


@bp.route("/villages", methods=["GET", "POST"])
@login_required
def villages():
    statement = village_services.villages_query(current_user, search=request.args.get("q"))
    form = VillageForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                village = village_services.create_village(current_user, code=form.code.data, name=form.name.data,
                                                          township=form.township.data, county=form.county.data)
            except MarketError as exc:
                status = refused(form, exc)
            else:
                db.session.commit()
                flash(_("Village %(name)s added.", name=village.name), "success")
                return redirect(url_for(".village", village_id=village.id))
        else:
            status = form_status(form)
    page = db.paginate(statement, per_page=PER_PAGE, error_out=False)
    return render_template("reference/villages.html", page=page, form=form,
                           q=request.args.get("q", "")), status


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
    status = 200
    if form.validate_on_submit():
        try:
            village_services.update_village(current_user, village, code=form.code.data, name=form.name.data,
                                            township=form.township.data, county=form.county.data)
        except MarketError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".village", village_id=village.id))
    elif form.is_submitted():
        status = form_status(form)
    return render_form(_("Edit village"), form, url_for(".village", village_id=village.id), status)


@bp.route("/villages/<int:village_id>/groups", methods=["POST"])
@login_required
def add_village_group(village_id: int):
    village = village_services.get_village(current_user, village_id)
    form = VillageGroupForm(prefix="group")
    if not form.validate_on_submit():
        return _village_page(village, form_status(form), group_form=form)
    try:
        village_services.create_village_group(current_user, village_id=village.id, number=form.number.data,
                                              name=form.name.data)
    except MarketError as exc:
        status = refused(form, exc)
        return _village_page(village_services.get_village(current_user, village_id), status, group_form=form)
    db.session.commit()
    flash(_("Group added."), "success")
    return redirect(url_for(".village", village_id=village_id))


@bp.route("/villages/<int:village_id>/branches", methods=["POST"])
@login_required
def add_party_branch(village_id: int):
    village = village_services.get_village(current_user, village_id)
    form = PartyBranchForm(prefix="branch")
    if not form.validate_on_submit():
        return _village_page(village, form_status(form), branch_form=form)
    try:
        party.create_party_branch(current_user, village_id=village.id, name=form.name.data,
                                  secretary=form.secretary.data)
    except MarketError as exc:
        status = refused(form, exc)
        return _village_page(village_services.get_village(current_user, village_id), status, branch_form=form)
    db.session.commit()
    flash(_("Party branch added."), "success")
    return redirect(url_for(".village", village_id=village_id))


@bp.route("/villages/<int:village_id>/party-groups", methods=["POST"])
@login_required
def add_party_group(village_id: int):
    village = village_services.get_village(current_user, village_id)
    form = PartyGroupForm(prefix="pg")
    if not form.validate_on_submit():
        return _village_page(village, form_status(form), party_group_form=form)
    branch = db.session.get(PartyBranch, form.branch_id.data) if isinstance(form.branch_id.data, int) else None
    try:
        if branch is None or branch.village_id != village.id:
            raise ValidationFailed(_("Choose a party branch from the list."), field="branch_id")
        party.create_party_group(current_user, branch_id=branch.id, name=form.name.data,
                                 leader=form.leader.data)
    except MarketError as exc:
        status = refused(form, exc)
        return _village_page(village_services.get_village(current_user, village_id), status, party_group_form=form)
    db.session.commit()
    flash(_("Party group added."), "success")
    return redirect(url_for(".village", village_id=village_id))


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit_village_group(group_id: int):
    group = village_services.get_village_group(current_user, group_id)
    common.require_admin(current_user)
    form = VillageGroupForm(obj=None if request.method == "POST" else group)  # a POST is judged on what it sent
    status = 200
    if form.validate_on_submit():
        try:
            village_services.update_village_group(current_user, group, number=form.number.data, name=form.name.data)
        except MarketError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".village", village_id=group.village_id))
    elif form.is_submitted():
        status = form_status(form)
    return render_form(_("Edit group"), form, url_for(".village", village_id=group.village_id), status)


@bp.route("/party-branches/<int:branch_id>/edit", methods=["GET", "POST"])
@login_required
def edit_party_branch(branch_id: int):
    branch = party.get_party_branch(current_user, branch_id)
    common.require_admin(current_user)
    form = PartyBranchForm(obj=branch)
    status = 200
    if form.validate_on_submit():
        try:
            party.update_party_branch(current_user, branch, name=form.name.data,
                                      secretary=form.secretary.data)
        except MarketError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".village", village_id=branch.village_id))
    elif form.is_submitted():
        status = form_status(form)
    return render_form(_("Edit party branch"), form, url_for(".village", village_id=branch.village_id), status)


@bp.route("/party-groups/<int:party_group_id>/edit", methods=["GET", "POST"])
@login_required
def edit_party_group(party_group_id: int):
    group = party.get_party_group(current_user, party_group_id)
    common.require_admin(current_user)
    form = PartyGroupEditForm(obj=group)
    status = 200
    back = url_for(".village", village_id=group.branch.village_id)
    if form.validate_on_submit():
        try:
            party.update_party_group(current_user, group, name=form.name.data, leader=form.leader.data)
        except MarketError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(back)
    elif form.is_submitted():
        status = form_status(form)
    return render_form(_("Edit party group"), form, back, status)
