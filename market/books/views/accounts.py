"""Pages of the chart of accounts (科目表): adding, editing, deactivating and reactivating."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import AccountKind, PartyType

from ...pages import act, submit
from ...labels import select_choices
from ...ledger import chart
from ..forms import AccountEditForm, AccountForm, ActionForm
from .blueprint import bp
from .common import can_review


def _kind_choices():
    return select_choices(AccountKind)


def _party_type_choices():
    return select_choices(PartyType)


def _accounts_page(form: AccountForm, status: int = 200):
    rows = chart.rows(current_user)
    edit_forms = {}
    for row in rows:
        edit = AccountEditForm(prefix=f"a{row.account.id}", formdata=None, data={
            "name": row.account.name, "party_type": row.account.party_type.value})
        edit.party_type.choices = _party_type_choices()
        edit_forms[row.account.id] = edit
    return render_template("books/accounts.html", rows=rows, form=form,
                           edit_forms=edit_forms, action=ActionForm(), can_edit=can_review()), status


def _account_form() -> AccountForm:
    form = AccountForm()
    form.kind.choices = _kind_choices()
    form.party_type.choices = _party_type_choices()
    return form


@bp.route("/books/accounts", methods=["GET", "POST"])
@login_required
def accounts():
    """The chart (科目表) with each account's posted balance; accountants add accounts here."""
    form = _account_form()
    if request.method == "GET":
        return _accounts_page(form)
    if not can_review():
        abort(403)
    outcome = submit(form, lambda: chart.create_account(current_user, code=form.code.data, name=form.name.data,
                                                        kind=form.kind.data,
                                                        party_type=form.party_type.data or PartyType.NONE),
                     done=lambda created: _("Account %(account)s added.", account=str(created)),
                     then=lambda created: url_for("books.accounts", _anchor=f"account-{created.code}"))
    return outcome.response or _accounts_page(form, outcome.status)


def _account_action(account_id: int, action, success: str):
    account = chart.get(current_user, account_id)
    return act(lambda: action(account), done=lambda _done: success % {"account": str(account)},
               then=url_for("books.accounts", _anchor=f"account-{account.code}"))


@bp.route("/books/accounts/<int:account_id>/edit", methods=["POST"])
@login_required
def edit_account(account_id: int):
    """Rename; change 辅助核算 while no voucher uses the account."""
    if not can_review():
        abort(403)
    account = chart.get(current_user, account_id)
    form = AccountEditForm(prefix=f"a{account.id}")
    form.party_type.choices = _party_type_choices()
    if not form.validate_on_submit():
        flash(_("Name the account (at most 64 characters)."), "error")
        return redirect(url_for("books.accounts", _anchor=f"account-{account.code}"))

    def edit(found):
        chart.rename_account(current_user, found, form.name.data)
        if form.party_type.data and form.party_type.data != found.party_type.value:
            chart.set_party_type(current_user, found, form.party_type.data)

    return _account_action(account_id, edit, _("Account %(account)s saved."))


@bp.route("/books/accounts/<int:account_id>/deactivate", methods=["POST"])
@login_required
def deactivate_account(account_id: int):
    if not can_review():
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _account_action(account_id, lambda a: chart.deactivate(current_user, a),
                           _("Account %(account)s is inactive: new vouchers cannot use it."))


@bp.route("/books/accounts/<int:account_id>/reactivate", methods=["POST"])
@login_required
def reactivate_account(account_id: int):
    if not can_review():
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _account_action(account_id, lambda a: chart.reactivate(current_user, a),
                           _("Account %(account)s is active again."))
