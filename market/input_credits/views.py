"""The input credit page (农资赊销): the supplies households got on credit, what settlements took
back and what is still to recover, the form that records more (its idempotency key makes a double
submit record once), and voiding a credit recorded in error."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Household, InputCredit, Village, db

from ..clock import local_today
from ..errors import PermissionDenied, ValidationFailed
from ..forms import new_key
from ..pages import PAGE_SIZE, already_used, require, submit, visible, void_from_list, voucher_url, yuan
from ..weighing.forms import options
from . import services
from .forms import InputCreditForm, VoidCreditForm

bp = Blueprint("input_credits", __name__)


@bp.context_processor
def _template_helpers() -> dict:
    return {"voucher_url": voucher_url}


def _supplied_choices(balances: dict[int, services.Balance]) -> list:
    """Every active household, by village; what it still owes for supplies shows beside its name."""
    rows: list[tuple] = [("", _("Choose the household"))]
    households = db.session.scalars(select(Household).join(Village).where(Household.active.is_(True))
                                    .options(selectinload(Household.village))
                                    .order_by(Village.name, Household.head_name, Household.id))
    for household in households:
        text = f"{household.head_name} · {household.village.name}"
        balance = balances.get(household.id)
        if balance is not None and balance.outstanding:
            text += f" · {_('still to recover')} {yuan(balance.outstanding)}"
        rows.append((household.id, text))
    return options(rows)


@bp.route("/input-credits/", methods=["GET", "POST"])
@login_required
def input_credits():
    """农资赊销: the supplies households got on credit, what settlements recovered, and the form to
    record more (coordinators and accountants)."""
    require(*services.READERS)
    can_record = current_user.has_role(*services.RECORDERS)
    if request.method == "POST" and not can_record:
        raise PermissionDenied()
    balances = {balance.household.id: balance for balance in services.balances()}
    form = InputCreditForm()
    form.household_id.choices = _supplied_choices(balances)
    if request.method == "GET":
        form.idempotency_key.data = new_key()
        form.issued_on.data = local_today().isoformat()
        wanted = request.args.get("household_id", type=int)
        if wanted is not None and db.session.get(Household, wanted) is not None:
            form.household_id.data = wanted
    key = form.idempotency_key.data
    again = already_used(key, InputCredit) if form.is_submitted() else False

    def record():
        household = db.session.get(Household, form.household_id.data)
        if household is None:
            raise ValidationFailed(_("Choose the household that got the supplies."), field="household_id")
        return services.record_input_credit(current_user, household, item=form.item.data,
                                            amount=form.amount.data, issued_on=form.issued_on.data,
                                            note=form.note.data or "", idempotency_key=key)

    def recorded(credit):
        if again:
            return _("This input credit was already recorded; it was not counted twice."), "info"
        return _("%(amount)s of farm supplies on credit to %(name)s recorded (%(number)s). Its voucher "
                 "waits for review in the books; the next settlements recover it.",
                 amount=yuan(credit.amount), name=credit.household.head_name, number=credit.number)

    outcome = submit(form, record, done=recorded, then=url_for("input_credits.input_credits"), only=visible(form))
    if outcome.response:
        return outcome.response
    shown = request.args.get("household_id", type=int) if request.method == "GET" else None
    page = db.paginate(services.listing(current_user, shown).options(selectinload(InputCredit.household),
                                                                     selectinload(InputCredit.voucher)),
                       page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE, error_out=False)
    rows = sorted(balances.values(), key=lambda b: (-b.outstanding, b.household.id))
    return render_template(
        "input_credits/list.html", form=form, general=form.form_errors, page=page, balances=rows, shown=shown,
        can_record=can_record, shown_household=db.session.get(Household, shown) if shown else None,
        can_void=current_user.has_role(*services.ACCOUNTANTS), void_form=_void_credit_form,
        supplied=sum((b.supplied for b in rows), Decimal("0.00")),
        recovered=sum((b.recovered for b in rows), Decimal("0.00"))), outcome.status


def _void_credit_form(credit_id: int) -> VoidCreditForm:
    return VoidCreditForm(prefix=f"v{credit_id}")


@bp.route("/input-credits/<int:credit_id>/void", methods=["POST"])
@login_required
def void_input_credit(credit_id: int):
    """作废 an input credit recorded in error (accountants); the list shows why it failed, if it did."""
    require(*services.ACCOUNTANTS)
    credit = services.get(current_user, credit_id)
    return void_from_list(
        _void_credit_form(credit_id), lambda reason: services.void_input_credit(current_user, credit, reason),
        lambda: _("Input credit %(number)s is void; it is no longer taken back from %(name)s.", number=credit.number,
                  name=credit.household.head_name),
        url_for("input_credits.input_credits", household_id=credit.household_id))
