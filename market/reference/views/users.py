"""Pages of logins: list, create, edit, reset a password, enable or disable."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from models import RoleName, User, db

from ...pages import act
from .. import common, users as user_services
from ..forms import PasswordResetForm, UserCreateForm, UserEditForm
from .blueprint import bp
from .common import PER_PAGE, buyer_choices, household_choices, party_group_choices, render_form, submit


def _user_links(form: FlaskForm) -> None:
    form.household_id.choices = household_choices()
    form.party_group_id.choices = party_group_choices()
    form.buyer_id.choices = buyer_choices()


@bp.route("/users")
@login_required
def users():
    role = request.args.get("role") or None
    try:
        role_name = RoleName(role) if role else None
    except ValueError:
        role_name = None
    statement = user_services.users_query(current_user, search=request.args.get("q"), role=role_name)
    page = db.paginate(statement, per_page=PER_PAGE, error_out=False)
    return render_template("reference/users.html", page=page, q=request.args.get("q", ""),
                           role=role_name.value if role_name else "")


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    common.require_admin(current_user)
    form = UserCreateForm()
    _user_links(form)
    outcome = submit(form, lambda: user_services.admin_create_user(
                         current_user, phone=form.phone.data, name=form.name.data, password=form.password.data,
                         roles=form.roles.data or [], household_id=form.household_id.data,
                         party_group_id=form.party_group_id.data, buyer_id=form.buyer_id.data),
                     done=lambda user: _("Login for %(name)s created.", name=user.name),
                     then=lambda user: url_for(".user", user_id=user.id))
    return outcome.response or render_form(_("New login"), form, url_for(".users"), outcome.status)


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
    account = user_services.get_user(current_user, user_id)
    if request.method == "GET":
        return _user_page(account)
    form = UserEditForm()
    _user_links(form)
    outcome = submit(form, lambda: user_services.admin_update_user(
                         current_user, account, name=form.name.data, roles=form.roles.data or [],
                         household_id=form.household_id.data, party_group_id=form.party_group_id.data,
                         buyer_id=form.buyer_id.data),
                     done=_("Saved."), then=url_for(".user", user_id=user_id))
    return outcome.response or _user_page(account, outcome.status, form=form)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@login_required
def reset_user_password(user_id: int):
    account = user_services.get_user(current_user, user_id)
    form = PasswordResetForm(prefix="pw")
    outcome = submit(form, lambda: user_services.reset_password(current_user, account, form.password.data or ""),
                     done=lambda _reset: _("Password reset. Tell %(name)s the new password in person.",
                                           name=account.name),
                     then=url_for(".user", user_id=user_id))
    return outcome.response or _user_page(account, outcome.status, password_form=form)


@bp.route("/users/<int:user_id>/<any(enable, disable):action>", methods=["POST"])
@login_required
def set_user_active(user_id: int, action: str):
    account = user_services.get_user(current_user, user_id)
    return act(lambda: user_services.set_user_active(current_user, account, action == "enable"),
               done=_("Login enabled.") if action == "enable" else _("Login disabled."),
               then=url_for(".user", user_id=user_id))
