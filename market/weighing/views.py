"""Pages of the weighing feature: the staff list, the new-slip form, a slip with its void
and re-issue actions, the printable 80 mm slip, and a villager's own slips."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from models import (DeductionKind, Grade, GradeTable, Household, Product, PurchaseContract, RoleName,
                    SlipStatus, Variety, WeighSlip, db)

from ..auth.permissions import is_staff, visible_household_id
from ..pages import submit
from ..labels import label
from ..units import Money, Weight, format_number, format_weight
from . import services
from .capitals import amount_in_capitals
from .forms import GRADE_ROWS, SlipFilterForm, SlipForm, VoidForm, options
from .slips import LOCAL_ZONE

bp = Blueprint("weighing", __name__, url_prefix="/slips")

PAGE_SIZE = 30

#: why a line has its price, in words (the stored codes come from the contract's mechanism)
BASIS_LABELS = {
    "fixed": _l("Contract fixed price"),
    "floor": _l("Contract floor price"),
    "quote": _l("Market quote (above the floor)"),
    "quote_plus": _l("Market quote plus premium"),
    "base": _l("Contract base price (bonus later)"),
    "spot": _l("Spot price"),
    "order": _l("Order farm-gate price"),
}


def deduction_text(slip: WeighSlip) -> str:
    """How the deduction was reckoned, e.g. "2%", "0.5 公斤 × 20"."""
    kind = slip.deduction_kind
    if kind is DeductionKind.PERCENT:
        return f"{label(kind)} {format_number(slip.deduction_value)}%"
    if kind is DeductionKind.FIXED:
        return label(kind)
    if kind is DeductionKind.PER_UNIT:
        return f"{format_weight(Weight(slip.deduction_value), 'kg')} × {slip.crates}"
    return ""


def _slip_context(slip: WeighSlip) -> dict:
    return {"slip": slip, "replacement": services.replacement_of(slip), "basis_labels": BASIS_LABELS,
            "deduction_text": deduction_text(slip), "capitals": amount_in_capitals(Money(slip.amount))}


def _can_weigh() -> bool:
    return current_user.has_role(*services.WEIGHERS)


def _household_choices(include_all: str | None = None):
    rows = db.session.scalars(select(Household).where(Household.active.is_(True))
                              .order_by(Household.head_name, Household.id))
    out = [("", include_all)] if include_all is not None else [("", _("Choose the household"))]
    return options(out + [(h.id, f"{h.head_name} · {h.village.name}") for h in rows])


def _contract_choices(include_all: str | None = None, contracts=None):
    contracts = services.deliverable_contracts() if contracts is None else contracts
    first = include_all if include_all is not None else _("No contract (spot purchase)")
    # the data attributes let the form show only the chosen household's contracts
    return options([("", first)] + [(c.id, f"{c.number} · {c.household.head_name} · {c.variety.name}",
                                     {"data-household": c.household_id, "data-variety": c.variety_id})
                                    for c in contracts])


def _variety_choices():
    rows = db.session.scalars(select(Variety).join(Product).order_by(Product.name, Variety.id))
    return options([("", _("Choose the variety"))] + [(v.id, f"{v.product.name} · {v.name}") for v in rows])


def _grade_choices():
    tables = list(db.session.scalars(select(GradeTable).order_by(GradeTable.product_id, GradeTable.id)))
    several = len(tables) > 1
    out = [("", "—")]
    for table in tables:
        for grade in table.grades:
            out.append((grade.id, f"{grade.name} · {table.name}" if several else grade.name))
    return options(out)


def _default_grades() -> list[Grade]:
    table = db.session.scalar(select(GradeTable).where(GradeTable.is_default.is_(True)).order_by(GradeTable.id))
    return list(table.grades) if table is not None else []


def _prepare(form: SlipForm) -> None:
    form.household_id.choices = _household_choices()
    form.contract_id.choices = _contract_choices()
    form.variety_id.choices = _variety_choices()
    grade_choices = _grade_choices()
    for row in form.grades:
        row.grade_id.choices = grade_choices


def _prefill_new(form: SlipForm) -> None:
    form.weighed_at.data = datetime.now(LOCAL_ZONE).replace(second=0, microsecond=0, tzinfo=None)
    for row, grade in zip(form.grades, _default_grades()):
        row.grade_id.data = grade.id
    if request.args.get("household_id", "").isdigit():
        form.household_id.data = int(request.args["household_id"])


def _plain(value) -> str:
    """1.3E+2 → "130": a Decimal as people type it."""
    return f"{value.normalize():f}"


def _prefill_from(form: SlipForm, slip: WeighSlip) -> None:
    values = services.values_of(slip)
    form.replaces_id.data = str(slip.id)
    for name in ("household_id", "contract_id", "variety_id", "plate", "crates", "note"):
        getattr(form, name).data = getattr(values, name)
    form.weighed_at.data = slip.weighed_at.astimezone(LOCAL_ZONE).replace(tzinfo=None, second=0, microsecond=0)
    form.unit.data = "kg"
    form.price_unit.data = "kg"
    form.gross.data = _plain(values.gross)
    form.tare.data = _plain(values.tare)
    form.deduction_kind.data = values.deduction_kind.value
    form.deduction_value.data = _plain(values.deduction_value)
    form.split_mode.data = "kg"
    parts = values.grade_split
    while len(form.grades) < len(parts):
        form.grades.append_entry()
    _prepare(form)
    for row, part in zip(form.grades, parts):
        row.grade_id.data = part.grade_id
        row.amount.data = _plain(part.amount)
        row.unit_price.data = _plain(part.unit_price) if part.unit_price is not None else ""
    for row in list(form.grades)[len(parts):]:
        row.grade_id.data = None


FORM_FIELDS = {"household_id", "contract_id", "variety_id", "weighed_at", "plate", "unit", "gross", "tare",
               "crates", "deduction_kind", "deduction_value", "split_mode", "price_unit", "note"}


@bp.route("/")
@login_required
def list_slips():
    if not is_staff(current_user):
        if current_user.has_role(RoleName.VILLAGER):
            return redirect(url_for("weighing.my_slips"))
        abort(403)
    filters = SlipFilterForm(request.args)
    filters.household_id.choices = _household_choices(include_all=_("All households"))
    filters.contract_id.choices = _contract_choices(include_all=_("All contracts"), contracts=_all_contracts())
    filters.validate()
    status = filters.status.data if filters.status.data in {s.value for s in SlipStatus} else None
    statement = services.slips_query(
        current_user, day=filters.day.data if not filters.day.errors else None,
        household_id=filters.household_id.data if not filters.household_id.errors else None,
        contract_id=filters.contract_id.data if not filters.contract_id.errors else None, status=status)
    page = db.paginate(statement, page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE,
                       error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("weighing/list.html", page=page, filters=filters, args=args, can_weigh=_can_weigh())


def _all_contracts():
    return list(db.session.scalars(select(PurchaseContract).order_by(PurchaseContract.number)))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_slip():
    if not _can_weigh():
        abort(403)
    form = SlipForm()
    _prepare(form)
    replaced = None
    replaces_id = request.args.get("replaces", type=int) or (
        int(form.replaces_id.data) if (form.replaces_id.data or "").isdigit() else None)
    if replaces_id is not None:
        replaced = services.get_slip(current_user, replaces_id)
    if request.method == "GET":
        if replaced is not None:
            _prefill_from(form, replaced)
        else:
            _prefill_new(form)

    def issue():
        if replaced is not None:
            return services.reissue_slip(current_user, replaced, form.slip_input())
        return services.issue_slip(current_user, form.slip_input())

    outcome = submit(form, issue, done=lambda slip: _("Slip %(serial)s confirmed.", serial=slip.serial),
                     then=lambda slip: url_for("weighing.show_slip", slip_id=slip.id), only=FORM_FIELDS)
    if outcome.response:
        return outcome.response
    if outcome.refusal:
        _prepare(form)
    contracts = services.deliverable_contracts()
    return render_template("weighing/new.html", form=form, replaced=replaced,
                           contracts=contracts, grade_rows=GRADE_ROWS), outcome.status


@bp.route("/<int:slip_id>")
@login_required
def show_slip(slip_id: int):
    slip = services.get_slip(current_user, slip_id)
    return _render_detail(slip, VoidForm())


def _render_detail(slip: WeighSlip, void_form: VoidForm, status: int = 200):
    return render_template("weighing/detail.html", void_form=void_form, can_weigh=_can_weigh(),
                           **_slip_context(slip)), status


@bp.route("/<int:slip_id>/void", methods=["POST"])
@login_required
def void(slip_id: int):
    slip = services.get_slip(current_user, slip_id)
    form = VoidForm()
    outcome = submit(form, lambda: services.void_slip(current_user, slip, form.reason.data),
                     done=lambda voided: _("Slip %(serial)s is void. Issue the corrected slip now.",
                                           serial=voided.serial),
                     then=url_for("weighing.show_slip", slip_id=slip_id), rename=lambda _name: "reason")
    return outcome.response or _render_detail(slip, form, outcome.status)


@bp.route("/<int:slip_id>/print")
@login_required
def print_slip(slip_id: int):
    """The slip as handed to the villager: always in Chinese, 80 mm wide."""
    slip = services.get_slip(current_user, slip_id)
    with force_locale("zh_CN"):
        return render_template("weighing/print.html", **_slip_context(slip))


@bp.route("/mine")
@login_required
def my_slips():
    own = visible_household_id(current_user)
    if own is None:
        return redirect(url_for("weighing.list_slips"))
    statement = services.slips_query(current_user)
    page = db.paginate(statement, page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE,
                       error_out=False)
    return render_template("weighing/mine.html", page=page)
