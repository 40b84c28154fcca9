"""The adjustment pages: preparing a sales allowance or a price correction of a posted settlement
(``/settlements/<id>/adjust``), and the list where an accountant reviews them (``/adjustments/``)."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from models import Adjustment, AdjustmentStatus, Settlement, SettlementHousehold, SettlementItem, SettlementKind, db

from ..clock import local_today
from ..errors import NotFound, PermissionDenied
from ..forms import new_key
from ..pages import PAGE_SIZE, act, already_used, require, submit, visible, voucher_url, yuan
from ..settlements.states import IN_BOOKS
from ..units import format_number
from ..weighing.forms import options
from . import services
from .forms import AllowanceForm, ApproveForm, CorrectionForm, ReturnForm

bp = Blueprint("adjustments", __name__)


@bp.context_processor
def _template_helpers() -> dict:
    return {"voucher_url": voucher_url, "approve_form": lambda a: ApproveForm(prefix=f"p{a.id}"),
            "return_form": lambda a: ReturnForm(prefix=f"r{a.id}")}


def _settlement(settlement_id: int) -> Settlement:
    settlement = db.session.get(Settlement, settlement_id, options=[
        selectinload(Settlement.households).selectinload(SettlementHousehold.items).selectinload(SettlementItem.grade),
        selectinload(Settlement.households).selectinload(SettlementHousehold.household)])
    if settlement is None:
        raise NotFound(_("This settlement does not exist."))
    return settlement


def _item_choices(settlement: Settlement) -> list:
    rows: list[tuple] = [("", _("Choose the household's grade line"))]
    prices = services.item_prices([item for line in settlement.households for item in line.items])
    for line in settlement.households:
        for item in line.items:
            _fen, price = prices[item.id]
            rows.append((item.id, f"{line.household.head_name} · {item.grade.name} · "
                                  f"{format_number(item.payable_kg)} {_('kg')} · {price:.2f} {_('yuan/kg')}"))
    return options(rows)


@bp.route("/settlements/<int:settlement_id>/adjust", methods=["GET", "POST"])
@login_required
def adjust(settlement_id: int):
    """Prepare a sales allowance (the buyer) or a price correction (a household) of a posted order
    settlement; both go to an accountant for review."""
    require(*services.PREPARERS)
    settlement = _settlement(settlement_id)
    adjustable = settlement.kind is SettlementKind.ORDER and settlement.status in IN_BOOKS
    allowance, correction = AllowanceForm(prefix="a"), CorrectionForm(prefix="c")
    correction.item_id.choices = _item_choices(settlement)
    if request.method == "GET":
        for form in (allowance, correction):
            form.idempotency_key.data = new_key()
            form.adjusted_on.data = local_today().isoformat()
    form = allowance if "a-submit" in request.form else correction
    key = form.idempotency_key.data
    again = request.method == "POST" and already_used(key, Adjustment)

    def prepare():
        common = {"reason": form.reason.data, "adjusted_on": form.adjusted_on.data, "idempotency_key": key}
        if form is allowance:
            return services.prepare_allowance(current_user, settlement, amount=form.amount.data,
                                              per_kg=form.per_kg.data, invoice_number=form.invoice_number.data,
                                              **common)
        return services.prepare_correction(current_user, settlement, item_id=form.item_id.data,
                                           new_price=form.new_price.data, **common)

    outcome = submit(
        form, prepare,
        done=lambda made: (_("This adjustment was already sent; it was not sent twice."), "info") if again
        else _("Adjustment %(number)s (%(amount)s) waits for an accountant's review.", number=made.number,
               amount=yuan(made.amount)),
        then=url_for("adjustments.adjustments", settlement_id=settlement.id), only=visible(form))
    if outcome.response:
        return outcome.response
    rows = db.session.scalars(services.listing(current_user, settlement_id=settlement.id)).all()
    return render_template("adjustments/adjust.html", s=settlement, adjustable=adjustable, allowance=allowance,
                           correction=correction, rows=rows,
                           can_review=current_user.has_role(*services.REVIEWERS)), outcome.status


@bp.route("/adjustments/")
@login_required
def adjustments():
    """Adjustments, those waiting for review first; an accountant approves and posts or returns each."""
    require(*services.READERS)
    settlement_id = request.args.get("settlement_id", type=int)
    waiting = request.args.get("status") == AdjustmentStatus.SUBMITTED.value
    statement = services.listing(current_user, settlement_id=settlement_id,
                                 status=AdjustmentStatus.SUBMITTED if waiting else None)
    page = db.paginate(statement, page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE, error_out=False)
    return render_template("adjustments/list.html", page=page, settlement_id=settlement_id, waiting=waiting,
                           waiting_count=services.waiting_count(),
                           can_review=current_user.has_role(*services.REVIEWERS))


def _back(adjustment: Adjustment) -> str:
    return request.form.get("next") if request.form.get("next", "").startswith("/") \
        else url_for("adjustments.adjustments", settlement_id=adjustment.settlement_id)


def _reviewed(adjustment_id: int, form, action, done):
    """A review button of an adjustment (accountants other than the preparer): back to where it was pressed."""
    require(*services.REVIEWERS)
    adjustment = services.get(current_user, adjustment_id)
    if not form.validate_on_submit():
        raise PermissionDenied()
    return act(lambda: action(adjustment), done=lambda _value: done(adjustment), then=_back(adjustment))


@bp.route("/adjustments/<int:adjustment_id>/approve", methods=["POST"])
@login_required
def approve(adjustment_id: int):
    """审核记账."""
    return _reviewed(adjustment_id, ApproveForm(prefix=f"p{adjustment_id}"),
                     lambda adjustment: services.approve(current_user, adjustment),
                     lambda adjustment: _("Adjustment %(number)s is posted.", number=adjustment.number))


@bp.route("/adjustments/<int:adjustment_id>/return", methods=["POST"])
@login_required
def return_(adjustment_id: int):
    """退回 with the reason."""
    form = ReturnForm(prefix=f"r{adjustment_id}")
    return _reviewed(adjustment_id, form,
                     lambda adjustment: services.return_adjustment(current_user, adjustment, form.reason.data),
                     lambda adjustment: _("Adjustment %(number)s is returned.", number=adjustment.number))
