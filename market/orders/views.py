"""Pages of buyers, buyer orders and allocation: lists and forms, the order with its allocation
runs, the coordinator's board, and the villager's own allocations."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import (Allocation, Buyer, BuyerOrder, GradeTable, Household, OrderStatus, PartyBranch, PartyGroup,
                    ProduceLot, RoleName, RunStatus, Variety, db)

from ..auth.permissions import is_staff
from ..clock import local_today
from ..forms import place_errors
from ..errors import MarketError, PermissionDenied
from ..labels import label
from ..units import Weight, format_number
from . import board, bp, services
from .forms import AdjustForm, BuyerForm, CancelForm, OrderFilterForm, RunForm, order_form
from .services import InsufficientSupply
from .states import ALLOCATABLE, ORDER

PAGE_SIZE = 30
BUYER_FIELDS = ("name", "credit_code", "province", "city", "address", "contact_name", "contact_phone",
                "accept_below_pct", "reject_above_pct", "payment_terms_days")

TIER_TEXT = {
    "urgent_priority": _l("Spoils soon · priority household"),
    "urgent": _l("Spoils soon"),
    "normal_priority": _l("Priority household"),
    "normal": _l("Regular"),
    "cost": _l("Lowest cost"),
}
REASON_TEXT = {
    "cap": _l("Reached the most one household may give"),
    "order_filled": _l("The order was filled"),
    "lower_tier_filled": _l("More urgent households filled the order first"),
    "cost": _l("Cheaper to collect elsewhere"),
}
INELIGIBLE_TEXT = {
    "variety": _l("another variety"),
    "grade": _l("grade below the order's"),
    "no_quantity": _l("nothing free"),
    "not_ready": _l("not ripe before the last delivery day"),
    "spoiled": _l("spoils before it can be picked"),
}


def kg_of(grams: int) -> Decimal:
    return Weight.from_grams(int(grams)).kg


@bp.context_processor
def _template_helpers() -> dict:
    return {"kg_of": kg_of, "pct": lambda value: format_number(value, 2), "fill_percent": _fill_percent,
            "OrderStatus": OrderStatus, "RunStatus": RunStatus}


def _fill_percent(reserved_kg: Decimal, quantity_kg: Decimal) -> int:
    return board.fill_percent(Weight(reserved_kg).grams, Weight(quantity_kg).grams)


def _can_manage() -> bool:
    return current_user.has_role(*services.ORDER_STAFF)


def _buyer_staff() -> bool:
    """A buyer's own staff (and nothing more)."""
    return (current_user.has_role(RoleName.BUYER) and current_user.buyer_id is not None
            and not is_staff(current_user))


def _can_see_runs() -> bool:
    return current_user.has_role(*services.RUN_READERS)


def _only_villager() -> bool:
    return (current_user.has_role(RoleName.VILLAGER) and not is_staff(current_user)
            and not current_user.has_role(RoleName.BUYER))


def _refuse_if_forbidden(exc: MarketError) -> None:
    """A refusal of who the user is stays a 403 page; other refusals are shown where they arose."""
    if isinstance(exc, PermissionDenied):
        raise exc


def _put_errors(form, exc: MarketError, rename: dict[str, str] | None = None) -> None:
    """Show a service's field errors on the form's fields; the rest above the form.

    ``rename`` maps a service's field name to the form's; to ``None``, when the page shows it elsewhere.
    """
    form.form_errors.extend(place_errors(form, exc, rename))


# --- buyers ---------------------------------------------------------------------------------

@bp.route("/buyers")
@login_required
def list_buyers():
    statement = services.buyers_statement(current_user)
    page = db.paginate(statement, page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE, error_out=False)
    return render_template("orders/buyers.html", page=page, can_manage=_can_manage())


def _buyer_data(form: BuyerForm, new: bool = False) -> dict:
    data = {name: (getattr(form, name).data or "").strip() for name in BUYER_FIELDS}
    data["active"] = True if new else bool(form.active.data)
    return data


@bp.route("/buyers/new", methods=["GET", "POST"])
@login_required
def new_buyer():
    if not _can_manage():
        raise PermissionDenied()
    form = BuyerForm()
    status = 200
    if form.validate_on_submit():
        try:
            buyer = services.create_buyer(current_user, **_buyer_data(form, new=True))
        except MarketError as exc:
            db.session.rollback()
            _refuse_if_forbidden(exc)
            _put_errors(form, exc)
            status = exc.status
        else:
            db.session.commit()
            flash(_("Buyer %(name)s registered.", name=buyer.name), "success")
            return redirect(url_for("orders.list_buyers"))
    elif request.method == "POST":
        status = 422
    return render_template("orders/buyer_form.html", form=form, buyer=None), status


@bp.route("/buyers/<int:buyer_id>/edit", methods=["GET", "POST"])
@login_required
def edit_buyer(buyer_id: int):
    if not _can_manage():
        raise PermissionDenied()
    buyer = services.get_buyer(current_user, buyer_id)
    form = BuyerForm(obj=buyer)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_buyer(current_user, buyer, **_buyer_data(form))
        except MarketError as exc:
            db.session.rollback()
            _refuse_if_forbidden(exc)
            _put_errors(form, exc)
            status = exc.status
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("orders.list_buyers"))
    elif request.method == "POST":
        status = 422
    return render_template("orders/buyer_form.html", form=form, buyer=buyer), status


# --- order list -----------------------------------------------------------------------------

@bp.route("/")
@login_required
def list_orders():
    if _only_villager():
        return redirect(url_for("orders.my_allocations"))
    filters = OrderFilterForm(request.args)
    filters.status.choices = [("", _("All statuses"))] + [(s.value, label(s)) for s in OrderStatus]
    staff = is_staff(current_user)
    if staff:
        buyers = db.session.scalars(select(Buyer).order_by(Buyer.name)).all()
        filters.buyer_id.choices = [("", _("All buyers"))] + [(b.id, b.name) for b in buyers]
    status = filters.status.data if filters.status.data in {s.value for s in OrderStatus} else None
    statement = services.orders_statement(current_user, status=status,
                                          buyer_id=filters.buyer_id.data if staff else None)
    page = db.paginate(statement, page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE, error_out=False)
    reserved = services.reserved_totals(o.id for o in page.items)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("orders/list.html", page=page, filters=filters, reserved=reserved, args=args,
                           staff=staff, can_create=_can_manage() or _buyer_staff())


# --- new and edit ---------------------------------------------------------------------------

def _varieties() -> list[Variety]:
    return list(db.session.scalars(select(Variety).order_by(Variety.product_id, Variety.id)))


def _chosen_table(variety: Variety, table_id: int | None) -> GradeTable | None:
    tables = variety.product.grade_tables
    chosen = next((t for t in tables if t.id == table_id), None)
    return chosen or variety.product.default_grade_table or (tables[0] if tables else None)


def _party_group_choices() -> list[tuple]:
    rows = db.session.execute(select(PartyGroup, PartyBranch.name).join(PartyBranch)
                              .order_by(PartyBranch.name, PartyGroup.id)).all()
    return [("", _("None"))] + [(group.id, f"{branch} · {group.name}") for group, branch in rows]


def _fill_from_order(form, order: BuyerOrder) -> None:
    unit = order.entered_unit.value
    form.buyer_id.data = order.buyer_id
    form.min_grade_id.data = order.min_grade_id
    form.quantity.data = format_number(Weight(order.quantity_kg).in_unit(unit)).replace(",", "")
    form.unit.data = unit
    form.delivered_price.data = str(order.delivered_price)
    form.price_unit.data = "kg"
    form.mode.data = order.mode.value
    form.window_start.data, form.window_end.data = order.window_start, order.window_end
    form.destination.data = order.destination
    form.crate_kg.data = format_number(order.crate_kg)
    form.reject_policy.data = order.reject_policy.value
    form.note.data = order.note
    prices = {p.grade_id: p.price for p in order.prices}
    for grade, name in form.price_fields:
        if grade.id in prices:
            getattr(form, name).data = str(prices[grade.id])
    if "party_group_id" in form:
        form.party_group_id.data = order.party_group_id
        for name in form.ALLOCATION_FIELDS:
            value = getattr(order, name)
            getattr(form, name).data = str(value) if isinstance(value, int) else format_number(value, 2)


def _order_data(form, variety: Variety, staff: bool) -> dict:
    data = dict(
        buyer_id=current_user.buyer_id if not staff else form.buyer_id.data, variety_id=variety.id,
        min_grade_id=form.min_grade_id.data, quantity=(form.quantity.data or "").strip(), unit=form.unit.data,
        delivered_price=(form.delivered_price.data or "").strip(), price_unit=form.price_unit.data,
        farm_gate_prices=form.farm_gate_prices(), mode=form.mode.data, window_start=form.window_start.data,
        window_end=form.window_end.data, destination=form.destination.data or "",
        crate_kg=(form.crate_kg.data or "").strip(), reject_policy=form.reject_policy.data,
        note=form.note.data or "")
    if staff:
        data["party_group_id"] = form.party_group_id.data
        data.update({name: (getattr(form, name).data or "").strip() for name in form.ALLOCATION_FIELDS})
    return data


def _order_form_page(order: BuyerOrder | None):
    staff = _can_manage()
    if not staff and not _buyer_staff():
        raise PermissionDenied()
    varieties = _varieties()
    if not varieties:
        flash(_("Add a product and its varieties first."), "error")
        return redirect(url_for("orders.list_orders"))
    source = request.form if request.method == "POST" else request.args
    if order is not None:
        variety, table = order.variety, order.min_grade.table
    else:
        variety_id = source.get("variety_id", type=int)
        variety = next((v for v in varieties if v.id == variety_id), varieties[0])
        table = _chosen_table(variety, source.get("grade_table_id", type=int))
    grades = list(table.grades) if table else []
    form = order_form(grades)
    if staff:
        buyers = db.session.scalars(select(Buyer).where(Buyer.active.is_(True)).order_by(Buyer.name)).all()
        form.buyer_id.choices = [("", _("Choose a buyer"))] + [(b.id, b.name) for b in buyers]
        form.party_group_id.choices = _party_group_choices()
    else:
        del form.buyer_id
        del form.party_group_id
        for name in form.ALLOCATION_FIELDS:
            delattr(form, name)
    if request.method == "GET":
        form.variety_id.data = str(variety.id)
        form.grade_table_id.data = str(table.id) if table else ""
        if order is not None:
            _fill_from_order(form, order)
        else:
            default_grade = next((g for g in grades if g.rank == 1), grades[0] if grades else None)
            form.min_grade_id.data = default_grade.id if default_grade else None
            tomorrow = local_today() + timedelta(days=1)
            form.window_start.data, form.window_end.data = tomorrow, tomorrow + timedelta(days=3)
            if staff and request.args.get("buyer_id", type=int):
                form.buyer_id.data = request.args.get("buyer_id", type=int)
    status = 200
    if form.validate_on_submit():
        data = _order_data(form, variety, staff)
        try:
            if order is None:
                saved = services.create_order(current_user, **data)
            else:
                saved = services.update_order(current_user, order, **data)
        except MarketError as exc:
            db.session.rollback()
            _refuse_if_forbidden(exc)
            form.price_errors.extend(exc.field_texts().get("farm_gate_prices", []))
            _put_errors(form, exc, {"quantity_kg": "quantity", "farm_gate_prices": None})
            status = exc.status
        else:
            db.session.commit()
            if order is None:
                flash(_("Order %(number)s entered as a draft. Open it when the buyer confirms.",
                        number=saved.number), "success")
            else:
                flash(_("Saved."), "success")
            return redirect(url_for("orders.show_order", order_id=saved.id))
    elif request.method == "POST":
        status = 422
    return render_template("orders/form.html", form=form, order=order, varieties=varieties, variety=variety,
                           table=table, tables=variety.product.grade_tables, staff=staff), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_order():
    return _order_form_page(None)


@bp.route("/<int:order_id>/edit", methods=["GET", "POST"])
@login_required
def edit_order(order_id: int):
    order = services.get_order(current_user, order_id)
    if order.status not in (OrderStatus.DRAFT, OrderStatus.OPEN) or services.reserved_for(order) > 0:
        flash(_("This order can no longer be changed."), "error")
        return redirect(url_for("orders.show_order", order_id=order.id))
    return _order_form_page(order)


# --- the order and its allocation ---------------------------------------------------------------

def _explanation_rows(run) -> list[dict]:
    """The engine's per-household explanation, in words, served tier first and largest first."""
    rows = run.explanation.get("households", [])
    households = services.households_by_id(row["household_id"] for row in rows)
    out = []
    for row in rows:
        out.append({
            "household": households.get(row["household_id"]), "household_id": row["household_id"],
            "tier": row["tier"], "tier_reason": row["tier_reason"],
            "tier_text": TIER_TEXT.get(row["tier_reason"], row["tier_reason"]),
            "offered_kg": kg_of(row["offered_g"]), "allocated_kg": kg_of(row["allocated_g"]),
            "cap_kg": kg_of(row["cap_g"]),
            "reasons": [(reason, REASON_TEXT.get(reason, reason)) for reason in row["reasons"]],
        })
    out.sort(key=lambda r: (r["tier"], -r["allocated_kg"], r["household"].head_name if r["household"] else ""))
    return out


def _loaded_lines(run) -> list[Allocation]:
    return list(db.session.scalars(
        select(Allocation).where(Allocation.run_id == run.id)
        .options(selectinload(Allocation.lot).selectinload(ProduceLot.grade),
                 selectinload(Allocation.lot).selectinload(ProduceLot.group),
                 selectinload(Allocation.household).selectinload(Household.village))))


def _ineligible_summary(run) -> list[tuple[str, int]]:
    counts = Counter(run.explanation.get("ineligible", {}).values())
    return [(str(INELIGIBLE_TEXT.get(reason, reason)), n) for reason, n in sorted(counts.items())]


def _adjust_choices(run) -> list[tuple]:
    current = {line.lot_id: line.kg for line in run.lines}
    choices = [("", _("Choose a lot"))]
    for lot in services.adjustable_lots(run):
        free = lot.quantity_kg - lot.reserved_kg
        text = _("#%(id)s %(name)s · %(grade)s · %(free)s 公斤 free", id=lot.id, name=lot.household.head_name,
                 grade=lot.grade.name, free=format_number(free))
        if lot.id in current:
            text += " · " + _("now %(kg)s 公斤", kg=format_number(current[lot.id]))
        choices.append((lot.id, text))
    return choices


def _render_order(order: BuyerOrder, *, cancel_form=None, run_form=None, adjust_form=None, status: int = 200):
    reserved = services.reserved_for(order)
    manage = _can_manage()
    runs, run, rows, ineligible, lines, reproducible = [], None, [], [], [], None
    if _can_see_runs():
        runs = list(order.runs)
        wanted = request.args.get("run", type=int)
        run = next((r for r in runs if r.id == wanted), None) or (runs[-1] if runs else None)
    if run is not None:
        rows = _explanation_rows(run)
        ineligible = _ineligible_summary(run)
        lines = sorted(_loaded_lines(run), key=lambda l: (l.pick_on or date.max, l.household.head_name, l.lot_id))
        if run.status is RunStatus.PROPOSED:
            reproducible = services.rerun_matches(run)
    proposed = run is not None and run.status is RunStatus.PROPOSED and manage
    if proposed:
        adjust_form = adjust_form or AdjustForm()
        adjust_form.lot_id.choices = _adjust_choices(run)
        chosen = request.args.get("lot", type=int)
        if chosen and request.method == "GET":
            adjust_form.lot_id.data = chosen
            current = next((l.kg for l in run.lines if l.lot_id == chosen), None)
            if current is not None:
                adjust_form.kg.data = format_number(current).replace(",", "")
    can_open = ORDER.can(order, "open") and (manage or _buyer_staff())
    can_cancel = ORDER.can(order, "cancel") and manage
    can_run = manage and order.status in ALLOCATABLE and reserved < order.quantity_kg
    can_edit = (manage or _buyer_staff()) and order.status in (OrderStatus.DRAFT, OrderStatus.OPEN) and reserved == 0
    return render_template(
        "orders/detail.html", order=order, reserved=reserved, remaining=order.quantity_kg - reserved,
        prices=sorted(order.prices, key=lambda p: p.grade.rank), runs=runs, run=run, rows=rows,
        ineligible=ineligible, lines=lines, reproducible=reproducible, proposed=proposed,
        cap_kg=rows[0]["cap_kg"] if rows else None,
        can_open=can_open, can_cancel=can_cancel, can_run=can_run, can_edit=can_edit, manage=manage,
        cancel_form=cancel_form or CancelForm(), run_form=run_form or RunForm(), adjust_form=adjust_form,
        staff=is_staff(current_user)), status


@bp.route("/<int:order_id>")
@login_required
def show_order(order_id: int):
    return _render_order(services.get_order(current_user, order_id))


@bp.route("/<int:order_id>/open", methods=["POST"])
@login_required
def open_order(order_id: int):
    order = services.get_order(current_user, order_id)
    try:
        services.open_order(current_user, order)
    except MarketError as exc:
        db.session.rollback()
        _refuse_if_forbidden(exc)
        flash(exc.text(), "error")
    else:
        db.session.commit()
        flash(_("Order %(number)s is open: households' lots can now be allocated to it.", number=order.number),
              "success")
    return redirect(url_for("orders.show_order", order_id=order_id))


@bp.route("/<int:order_id>/cancel", methods=["POST"])
@login_required
def cancel_order(order_id: int):
    order = services.get_order(current_user, order_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return _render_order(order, cancel_form=form, status=422)
    try:
        services.cancel_order(current_user, order, form.reason.data or "")
    except MarketError as exc:
        db.session.rollback()
        _refuse_if_forbidden(exc)
        _put_errors(form, exc)
        return _render_order(services.get_order(current_user, order_id), cancel_form=form, status=exc.status)
    db.session.commit()
    flash(_("Order %(number)s cancelled; its kilograms are free again.", number=order.number), "success")
    return redirect(url_for("orders.show_order", order_id=order_id))


@bp.route("/<int:order_id>/runs", methods=["POST"])
@login_required
def run_allocation(order_id: int):
    order = services.get_order(current_user, order_id)
    form = RunForm()
    if not form.validate_on_submit():
        return _render_order(order, run_form=form, status=422)
    try:
        run = services.run_allocation(current_user, order, form.policy.data,
                                      priority_first=bool(form.priority_first.data))
    except (MarketError, ValueError) as exc:
        db.session.rollback()
        if isinstance(exc, MarketError):
            _refuse_if_forbidden(exc)
        flash(exc.text() if isinstance(exc, MarketError) else _("Choose fair shares or lowest cost."), "error")
        return redirect(url_for("orders.show_order", order_id=order_id))
    db.session.commit()
    if run.shortfall_kg > 0:
        flash(_("Proposed %(filled)s; %(short)s could not be found. Check the lines, then confirm.",
                filled=f"{format_number(run.filled_kg)} 公斤", short=f"{format_number(run.shortfall_kg)} 公斤"),
              "info")
    else:
        flash(_("Proposed %(filled)s from %(n)d households. Check the lines, then confirm.",
                filled=f"{format_number(run.filled_kg)} 公斤", n=len({l.household_id for l in run.lines})),
              "success")
    return redirect(url_for("orders.show_order", order_id=order_id, run=run.id) + "#run")


@bp.route("/runs/<int:run_id>/lines", methods=["POST"])
@login_required
def adjust_line(run_id: int):
    run = services.get_run(current_user, run_id)
    order_id = run.order_id
    form = AdjustForm()
    if form.validate_on_submit():
        try:
            services.adjust_line(current_user, run, form.lot_id.data or 0, (form.kg.data or "").strip(),
                                 form.reason.data or "")
        except MarketError as exc:
            db.session.rollback()
            _refuse_if_forbidden(exc)
            _put_errors(form, exc)
            status = exc.status
        else:
            db.session.commit()
            flash(_("Allocation changed; the reason is on record."), "success")
            return redirect(url_for("orders.show_order", order_id=order_id, run=run_id) + "#lines")
    else:
        status = 422
    return _render_order(services.get_order(current_user, order_id), adjust_form=form, status=status)


@bp.route("/runs/<int:run_id>/confirm", methods=["POST"])
@login_required
def confirm_run(run_id: int):
    run = services.get_run(current_user, run_id)
    order_id = run.order_id
    try:
        services.confirm_run(current_user, run)
    except InsufficientSupply as exc:
        db.session.rollback()
        flash(exc.text(), "error")
    except MarketError as exc:
        db.session.rollback()
        _refuse_if_forbidden(exc)
        flash(exc.text(), "error")
    else:
        db.session.commit()
        flash(_("Allocation confirmed: %(kg)s reserved. The households see it on their page.",
                kg=f"{format_number(run.filled_kg)} 公斤"), "success")
    return redirect(url_for("orders.show_order", order_id=order_id, run=run_id) + "#run")


# --- the villager's own ---------------------------------------------------------------------

@bp.route("/mine")
@login_required
def my_allocations():
    if not current_user.has_role(RoleName.VILLAGER) or current_user.household_id is None:
        if is_staff(current_user) or current_user.has_role(RoleName.BUYER):
            return redirect(url_for("orders.list_orders"))
        abort(403)
    lines = services.household_allocations(current_user)
    today = local_today()
    prices = {}
    for line in lines:
        order = line.run.order
        prices[line.id] = next((p.price for p in order.prices if p.grade_id == line.lot.grade_id), None)
    upcoming = [line for line in lines if line.pick_on is None or line.pick_on >= today]
    past = [line for line in lines if line.pick_on is not None and line.pick_on < today]
    return render_template("orders/mine.html", upcoming=upcoming, past=past, prices=prices, today=today,
                           total=sum((line.kg for line in upcoming), Decimal("0.000")))


# --- the coordinator's board ----------------------------------------------------------------

@bp.route("/board", endpoint="board")
@login_required
def board_page():
    if not is_staff(current_user):
        raise PermissionDenied()
    varieties = _varieties()
    variety_id = request.args.get("variety_id", type=int)
    if variety_id not in {v.id for v in varieties}:
        variety_id = None
    today = local_today()
    lots = services.board_supply(current_user, today, variety_id)
    orders = services.board_orders(current_user, variety_id)
    current = board.live(lots, today)
    grades = board.grades_in(current)
    points = board.daily_outlook(lots, [need for _order, need in orders], today)
    ready = board.by_ready_day(lots, today)
    ready_rows = [(_("Ripe now") if day == today else _("%(month)d/%(day)d", month=day.month, day=day.day), grams)
                  for day, grams in ready.days]
    supply_g = sum(lot.free_g for lot in current)
    need_g = sum(need.remaining_g for _order, need in orders)
    chart = board.outlook_svg(
        points, grades,
        title=_("Free fruit ripe on each day, by grade, and what open orders still need"),
        description=_("Free now or ripening within %(days)d days: %(supply)s. Open orders still need %(need)s.",
                      days=board.HORIZON_DAYS, supply=f"{format_number(kg_of(supply_g))} 公斤",
                      need=f"{format_number(kg_of(need_g))} 公斤"),
        need_label=_("open orders need"),
        day_label=lambda d: _("Today") if d == today else f"{d.month}/{d.day}")
    return render_template(
        "orders/board.html", varieties=varieties, variety_id=variety_id, today=today, orders=orders,
        chart=chart, legend=board.grade_colours(grades), need_colour=board.NEED_COLOUR,
        villages=board.by_village(lots, today), grades=board.by_grade(lots, today),
        ready=ready, ready_rows=ready_rows, supply_g=supply_g, need_g=need_g, points=points)

