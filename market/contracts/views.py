"""Pages of the contracts feature: staff list, new contract, detail, print, villager's own; quotes."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from models import ContractStatus, DepositClosure, Grade, GradeTable, Household, PrepaymentKind, RoleName, Variety, Village, db

from ..auth.permissions import is_staff, require_role
from ..pages import act, submit
from ..errors import PermissionDenied
from ..labels import label
from ..units import format_number
from . import services
from .forms import ContractFilterForm, PrepaymentForm, QuoteForm, TerminateForm, contract_form
from .inputs import ContractInput
from .progress import tolerance_bounds
from .schemas import per_jin
from .states import ACCEPTS_DELIVERIES, CONTRACT

bp = Blueprint("contracts", __name__, url_prefix="/contracts")

PAGE_SIZE = 30


@bp.context_processor
def _template_helpers() -> dict:
    return {"pct": lambda value: format_number(value, 2), "num": lambda value: format_number(value, 2),
            "PrepaymentKind": PrepaymentKind, "per_jin": per_jin}


def _require_staff() -> None:
    if not is_staff(current_user):
        raise PermissionDenied()


def _can_manage() -> bool:
    return current_user.has_role(*services.CONTRACT_MANAGERS)


def _can_prepay() -> bool:
    return current_user.has_role(*services.PREPAYMENT_RECORDERS)


def _only_villager() -> bool:
    return current_user.has_role(RoleName.VILLAGER) and not is_staff(current_user)


def _varieties() -> list[Variety]:
    return list(db.session.scalars(select(Variety).order_by(Variety.product_id, Variety.id)))


# --- list -----------------------------------------------------------------------------------

@bp.route("/")
@login_required
def list_contracts():
    if _only_villager():
        return redirect(url_for("contracts.my_contracts"))
    _require_staff()
    filters = ContractFilterForm(request.args)
    filters.season.choices = [("", _("All seasons"))] + [(s, s) for s in services.seasons()]
    filters.status.choices = [("", _("All statuses"))] + [(s.value, label(s)) for s in ContractStatus]
    filters.variety_id.choices = [("", _("All varieties"))] + [(v.id, v.name) for v in _varieties()]
    status = filters.status.data if filters.status.data in {s.value for s in ContractStatus} else None
    statement = services.contracts_statement(current_user, season=filters.season.data or None, status=status,
                                             variety_id=filters.variety_id.data)
    page = db.paginate(statement, page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE, error_out=False)
    delivered = services.delivered_totals([c.id for c in page.items])
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("contracts/list.html", page=page, filters=filters, delivered=delivered, args=args,
                           can_manage=_can_manage())


# --- new ------------------------------------------------------------------------------------

def _households() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Household, Village.name).join(Village, Household.village_id == Village.id)
        .where(Household.active.is_(True)).order_by(Village.name, Household.head_name, Household.id)
    ).all()
    out = []
    for household, village_name in rows:
        group = f"{household.group.name}" if household.group else ""
        out.append((household.id, f"{household.head_name} · {village_name}{group}"))
    return out


def _chosen_table(variety: Variety, table_id: int | None) -> GradeTable | None:
    tables = variety.product.grade_tables
    chosen = next((t for t in tables if t.id == table_id), None)
    return chosen or variety.product.default_grade_table or (tables[0] if tables else None)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_contract():
    if not _can_manage():
        raise PermissionDenied()
    varieties = _varieties()
    if not varieties:
        flash(_("Add a product and its varieties first."), "error")
        return redirect(url_for("contracts.list_contracts"))
    source = request.form if request.method == "POST" else request.args
    variety_id = source.get("variety_id", type=int)
    variety = next((v for v in varieties if v.id == variety_id), varieties[0])
    table = _chosen_table(variety, source.get("grade_table_id", type=int))
    grades = list(table.grades) if table else []
    form = contract_form(grades)
    form.household_id.choices = [("", _("Choose a household"))] + _households()
    if request.method == "GET":
        form.variety_id.data = str(variety.id)
        form.grade_table_id.data = str(table.id) if table else ""
        if request.args.get("household_id", type=int):
            form.household_id.data = request.args.get("household_id", type=int)
        main = next((g for g in grades if g.rank == 1), grades[0] if grades else None)
        form.main_grade_id.data = main.id if main else None
    rename = {f"grade_prices.{g.id}": name for g, name in form.price_fields}
    rename.update(expected_kg="expected")
    outcome = submit(
        form, lambda: services.create_contract(current_user, ContractInput.parse(
            household_id=form.household_id.data, season=form.season.data,
            variety_id=variety.id, grade_table_id=table.id if table else None,
            main_grade_id=form.main_grade_id.data, area_mu=form.area_mu.data, expected_kg=form.expected.data,
            tolerance_pct=form.tolerance_pct.data, mechanism=form.mechanism.data,
            grade_prices=form.prices(), price_unit="kg", premium_pct=form.premium_pct.data,
            bonus_per_kg=form.bonus_per_kg.data, quote_source=form.quote_source.data,
            starts_on=form.starts_on.data, ends_on=form.ends_on.data, delivery_terms=form.delivery_terms.data)),
        done=lambda contract: _("Contract %(number)s drawn up. Sign it when both sides agree.",
                                number=contract.number),
        then=lambda contract: url_for("contracts.show_contract", contract_id=contract.id), rename=rename)
    return outcome.response or (
        render_template("contracts/new.html", form=form, varieties=varieties, variety=variety, table=table,
                        tables=variety.product.grade_tables), outcome.status)


# --- detail ---------------------------------------------------------------------------------

def _detail_context(contract):
    progress = services.progress(contract)
    today = services.local_today()
    quotes = {}
    if contract.quote_source:
        for row in contract.prices:
            quotes[row.grade_id] = services.quote_for(contract.variety_id, row.grade_id, today,
                                                      contract.quote_source)
    slips = db.session.scalars(services.slips_statement(contract).limit(100)).all()
    totals = services.prepayment_totals(contract)
    value = services.contract_value(contract)
    return dict(
        contract=contract, progress=progress, bounds=tolerance_bounds(contract.expected_kg, contract.tolerance_pct),
        slips=slips, quotes=quotes, today=today, totals=totals, value=value, cap=services.deposit_cap(contract),
        prices=sorted(contract.prices, key=lambda p: p.grade.rank),
        actions=[a for a in CONTRACT.allowed_actions(contract.status) if a != "terminate"],
        can_terminate=CONTRACT.can(contract, "terminate"), can_manage=_can_manage(),
        can_prepay=_can_prepay() and contract.status in ACCEPTS_DELIVERIES,
        staff=is_staff(current_user),
        deposit_closure=db.session.scalar(select(DepositClosure).where(DepositClosure.contract_id == contract.id,
                                                                       DepositClosure.voided_at.is_(None))),
    )


def _render_detail(contract, prepayment_form=None, terminate_form=None, status: int = 200):
    context = _detail_context(contract)
    return render_template("contracts/detail.html", prepayment_form=prepayment_form or PrepaymentForm(),
                           terminate_form=terminate_form or TerminateForm(), **context), status


@bp.route("/<int:contract_id>")
@login_required
def show_contract(contract_id: int):
    contract = services.get_contract(current_user, contract_id)
    return _render_detail(contract)


@bp.route("/<int:contract_id>/print")
@login_required
def print_contract(contract_id: int):
    contract = services.get_contract(current_user, contract_id)
    return render_template("contracts/print.html", **_detail_context(contract))


@bp.route("/<int:contract_id>/<any(sign, activate, fulfil):action>", methods=["POST"])
@login_required
def move_contract(contract_id: int, action: str):
    contract = services.get_contract(current_user, contract_id)
    return act(lambda: services.transition(current_user, contract, action),
               done=lambda _moved: _("Contract %(number)s is now: %(status)s.", number=contract.number,
                                     status=label(contract.status)),
               then=url_for("contracts.show_contract", contract_id=contract_id))


@bp.route("/<int:contract_id>/terminate", methods=["POST"])
@login_required
def terminate_contract(contract_id: int):
    contract = services.get_contract(current_user, contract_id)
    form = TerminateForm()
    outcome = submit(form, lambda: services.terminate(current_user, contract, form.reason.data),
                     done=lambda _ended: _("Contract %(number)s terminated.", number=contract.number),
                     then=url_for("contracts.show_contract", contract_id=contract_id))
    return outcome.response or _render_detail(contract, terminate_form=form, status=outcome.status)


@bp.route("/<int:contract_id>/prepayments", methods=["POST"])
@login_required
def add_prepayment(contract_id: int):
    require_role(current_user, *services.PREPAYMENT_RECORDERS)  # the role before the form
    contract = services.get_contract(current_user, contract_id)
    form = PrepaymentForm()
    outcome = submit(form, lambda: services.record_prepayment(current_user, contract, form.kind.data,
                                                              form.amount.data, form.paid_on.data, form.note.data or ""),
                     done=lambda payment: _("%(kind)s of %(amount)s recorded.", kind=label(payment.kind),
                                            amount=f"¥{payment.amount:,.2f}"),
                     then=url_for("contracts.show_contract", contract_id=contract_id) + "#prepayments")
    return outcome.response or _render_detail(contract, prepayment_form=form, status=outcome.status)


# --- the villager's own ---------------------------------------------------------------------

@bp.route("/mine")
@login_required
def my_contracts():
    if not current_user.has_role(RoleName.VILLAGER) or current_user.household_id is None:
        if is_staff(current_user):
            return redirect(url_for("contracts.list_contracts"))
        abort(403)
    statement = services.contracts_statement(current_user, household_id=current_user.household_id)
    contracts = db.session.scalars(statement).all()
    cards = [(c, services.progress(c), services.prepayment_totals(c),
              sorted(c.prices, key=lambda p: p.grade.rank)) for c in contracts]
    return render_template("contracts/mine.html", cards=cards)


# --- market quotes --------------------------------------------------------------------------

@bp.route("/quotes")
@login_required
def list_quotes():
    _require_staff()
    varieties = _varieties()
    variety_id = request.args.get("variety_id", type=int)
    quotes = db.session.scalars(services.quotes_statement(current_user, days=7, variety_id=variety_id)).all()
    return render_template("contracts/quotes.html", quotes=quotes, varieties=varieties, variety_id=variety_id,
                           today=services.local_today(),
                           can_record=current_user.has_role(*services.QUOTE_RECORDERS))


def _grade_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Grade, GradeTable).join(GradeTable, Grade.table_id == GradeTable.id)
        .order_by(GradeTable.product_id, GradeTable.is_default.desc(), GradeTable.id, Grade.rank)
    ).all()
    multiple = len({table.id for _grade, table in rows}) > 1
    return [(grade.id, f"{table.name} · {grade.name}" if multiple else grade.name) for grade, table in rows]


@bp.route("/quotes/new", methods=["GET", "POST"])
@login_required
def new_quote():
    if not current_user.has_role(*services.QUOTE_RECORDERS):
        raise PermissionDenied()
    form = QuoteForm()
    form.variety_id.choices = [(v.id, v.name) for v in _varieties()]
    form.grade_id.choices = _grade_choices()
    if request.method == "GET":
        for name in ("variety_id", "grade_id"):
            if request.args.get(name, type=int):
                getattr(form, name).data = request.args.get(name, type=int)
        if request.args.get("source"):
            form.source.data = request.args["source"]
    outcome = submit(form, lambda: services.record_quote(current_user, form.variety_id.data, form.grade_id.data,
                                                         form.quoted_on.data, form.price.data, form.source.data,
                                                         unit=form.unit.data, correct=form.correct.data,
                                                         reason=form.reason.data),
                     done=lambda quote: _("Quote recorded: %(variety)s %(grade)s, %(price)s per kg.",
                                          variety=quote.variety.name, grade=quote.grade.name, price=f"¥{quote.price}"),
                     then=url_for("contracts.list_quotes"))
    return outcome.response or (
        render_template("contracts/quote_form.html", form=form, sources=services.known_sources()), outcome.status)
