"""Pages of buyer orders: the list, new and edit, and the order with its allocation runs
(each line explained), opened for allocation or cancelled.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any
from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import (Allocation, Buyer, BuyerOrder, GradeTable, Household, OrderStatus, PartyBranch,
                    PartyGroup, ProduceLot, RunStatus, Variety, db)

from ...auth.permissions import is_staff
from ...clock import local_today
from ...errors import PermissionDenied
from ...labels import label
from ...listing import list_page
from ...pages import act, submit
from ...units import Weight, format_number
from .. import allocation_runs, buyer_orders, margin
from ..forms import AdjustForm, CancelForm, OrderFilterForm, RunForm, order_form
from ..inputs import OrderInput
from ..states import ALLOCATABLE, ORDER
from .blueprint import bp
from .common import (PAGE_SIZE, all_varieties, can_manage, can_see_runs, is_buyer_staff, kg_of,
                     only_villager)

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
    "crate_rounding": _l("Its fair share was rounded down to whole crates"),
    "lower_tier_filled": _l("More urgent households filled the order first"),
    "cost": _l("Cheaper to collect elsewhere"),
    "min_pick": _l("Would be given less than the order's least pick per household, so left out"),
}
INELIGIBLE_TEXT = {
    "variety": _l("another variety"),
    "grade": _l("grade below the order's"),
    "no_quantity": _l("nothing free"),
    "not_ready": _l("not ripe before the last delivery day"),
    "spoiled": _l("spoils before it can be picked"),
}


@bp.route("/")
@login_required
def list_orders():
    if only_villager():
        return redirect(url_for("orders.my_allocations"))
    filters = OrderFilterForm(request.args)
    filters.status.choices = [("", _("All statuses"))] + [(s.value, label(s)) for s in OrderStatus]
    staff = is_staff(current_user)
    if staff:
        buyers = db.session.scalars(select(Buyer).order_by(Buyer.name)).all()
        filters.buyer_id.choices = [("", _("All buyers"))] + [(b.id, b.name) for b in buyers]
    status = filters.status.data if filters.status.data in {s.value for s in OrderStatus} else None
    statement = buyer_orders.orders_statement(current_user, status=status,
                                              buyer_id=filters.buyer_id.data if staff else None)
    page = db.paginate(statement, page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE, error_out=False)
    reserved = allocation_runs.reserved_totals(o.id for o in page.items)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("orders/list.html", page=page, filters=filters, reserved=reserved, args=args,
                           staff=staff, can_create=can_manage() or is_buyer_staff())


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
    if "buyer_id" in form:  # a buyer's own form has no buyer to choose
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
    if "expected_cost_per_kg" in form:
        form.expected_cost_per_kg.data = f"{order.expected_cost_per_kg:.2f}"
        form.below_cost_reason.data = order.below_cost_reason
    if "party_group_id" in form:
        form.party_group_id.data = order.party_group_id
        for name in form.ALLOCATION_FIELDS:
            value = getattr(order, name)
            # as typed back in: no thousands separators; weights to the gram
            getattr(form, name).data = (str(value) if isinstance(value, int) else
                                        format_number(value, 3 if name.endswith("_kg") else 2).replace(",", ""))


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
        data["expected_cost_per_kg"] = (form.expected_cost_per_kg.data or "").strip() or "0"
        data["below_cost_reason"] = form.below_cost_reason.data or ""
        data.update({name: (getattr(form, name).data or "").strip() for name in form.ALLOCATION_FIELDS})
    return data


def _order_form_page(order: BuyerOrder | None):
    staff = can_manage()
    if not staff and not is_buyer_staff():
        raise PermissionDenied()
    varieties = all_varieties()
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
        for name in (*form.ALLOCATION_FIELDS, *form.MARGIN_FIELDS):
            delattr(form, name)
    if request.method == "GET":
        form.variety_id.data = str(variety.id)
        form.grade_table_id.data = str(table.id) if table else ""
        if order is not None:
            _fill_from_order(form, order)
        else:
            default_grade = next((g for g in grades if g.rank == 1), grades[0] if grades else None)
            form.min_grade_id.data = default_grade.id if default_grade else None
            if staff:
                form.expected_cost_per_kg.data = f"{buyer_orders.default_expected_cost():.2f}"
            tomorrow = local_today() + timedelta(days=1)
            form.window_start.data, form.window_end.data = tomorrow, tomorrow + timedelta(days=3)
            if staff and request.args.get("buyer_id", type=int):
                form.buyer_id.data = request.args.get("buyer_id", type=int)

    def save():
        entry = OrderInput.parse(_order_data(form, variety, staff))
        if order is None:
            return buyer_orders.create_order(current_user, entry)
        return buyer_orders.update_order(current_user, order, entry)

    form.mark_required_prices()
    outcome = submit(form, save,
                     done=(lambda saved: _("Order %(number)s entered as a draft. Open it when the buyer confirms.",
                                           number=saved.number)) if order is None else _("Saved."),
                     then=lambda saved: url_for("orders.show_order", order_id=saved.id),
                     rename={"quantity_kg": "quantity", "farm_gate_prices": None})
    if outcome.response:
        return outcome.response
    if outcome.refusal:
        form.price_errors.extend(outcome.refusal.field_texts().get("farm_gate_prices", []))
    return render_template("orders/form.html", form=form, order=order, varieties=varieties, variety=variety,
                           table=table, tables=variety.product.grade_tables, staff=staff), outcome.status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_order():
    return _order_form_page(None)


@bp.route("/<int:order_id>/edit", methods=["GET", "POST"])
@login_required
def edit_order(order_id: int):
    order = buyer_orders.get_order(current_user, order_id)
    if order.status not in (OrderStatus.DRAFT, OrderStatus.OPEN) or allocation_runs.reserved_for(order) > 0:
        flash(_("This order can no longer be changed."), "error")
        return redirect(url_for("orders.show_order", order_id=order.id))
    return _order_form_page(order)


def _explanation_rows(run) -> list[dict]:
    """The engine's per-household explanation, in words, served tier first and largest first."""
    rows = run.explanation.get("households", [])
    households = allocation_runs.households_by_id(row["household_id"] for row in rows)
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


#: households listed per page in "why each household got what it got"
WHY_PAGE_SIZE = 15


def _why_page(rows: list[dict]) -> dict[str, Any]:
    """The explanation rows as a summary (how many households for each outcome) and one page of a
    list that can be searched by household or village, so a run over hundreds of households stays
    a page a coordinator can read on a phone."""
    summary = Counter()
    for row in rows:
        if row["reasons"]:
            summary[str(row["reasons"][0][1])] += 1
        else:
            summary[_("Everything offered") if row["allocated_kg"] else _("Nothing taken")] += 1
    listing = list_page(rows, size=WHY_PAGE_SIZE, page_arg="why_page", matches=lambda row, query: bool(
        row["household"] and (query in row["household"].head_name or query in row["household"].village.name)))
    return {"summary": summary.most_common(), "list": listing}


def _lines_by_day(lines: list[Allocation]) -> list[dict]:
    """The run's lots grouped by picking day: each day with its households and kilograms."""
    days: dict = {}
    for line in lines:
        days.setdefault(line.pick_on, []).append(line)
    return [{"day": day, "lines": group, "kg": sum((l.kg for l in group), start=Decimal("0")),
             "households": len({l.household_id for l in group})} for day, group in days.items()]


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
    for lot in allocation_runs.adjustable_lots(run):
        free = lot.quantity_kg - lot.reserved_kg
        text = _("#%(id)s %(name)s · %(grade)s · %(free)s 公斤 free", id=lot.id, name=lot.household.head_name,
                 grade=lot.grade.name, free=format_number(free))
        if lot.id in current:
            text += " · " + _("now %(kg)s 公斤", kg=format_number(current[lot.id]))
        choices.append((lot.id, text))
    return choices


def render_order(order: BuyerOrder, *, cancel_form=None, run_form=None, adjust_form=None, status: int = 200):
    reserved = allocation_runs.reserved_for(order)
    manage = can_manage()
    runs, run, rows, ineligible, lines, reproducible = [], None, [], [], [], None
    if can_see_runs():
        runs = list(order.runs)
        wanted = request.args.get("run", type=int)
        run = next((r for r in runs if r.id == wanted), None) or (runs[-1] if runs else None)
    if run is not None:
        rows = _explanation_rows(run)
        ineligible = _ineligible_summary(run)
        lines = sorted(_loaded_lines(run), key=lambda l: (l.pick_on or date.max, l.household.head_name, l.lot_id))
        if run.status is RunStatus.PROPOSED:
            reproducible = allocation_runs.rerun_matches(run)
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
    can_open = ORDER.can(order, "open") and (manage or is_buyer_staff())
    can_cancel = ORDER.can(order, "cancel") and manage
    can_run = manage and order.status in ALLOCATABLE and reserved < order.quantity_kg
    can_edit = (manage or is_buyer_staff()) and order.status in (OrderStatus.DRAFT, OrderStatus.OPEN) and reserved == 0
    staff = is_staff(current_user)
    margins = buyer_orders.margins_of(order) if staff else []
    losses = margin.below_cost(margins)
    return render_template(
        "orders/detail.html", order=order, reserved=reserved, remaining=order.quantity_kg - reserved,
        prices=sorted(order.prices, key=lambda p: p.grade.rank), runs=runs, run=run, rows=rows,
        ineligible=ineligible, lines=lines, reproducible=reproducible, proposed=proposed,
        cap_kg=rows[0]["cap_kg"] if rows else None,
        can_open=can_open, can_cancel=can_cancel, can_run=can_run, can_edit=can_edit, manage=manage,
        cancel_form=cancel_form or CancelForm(), run_form=run_form or RunForm(), adjust_form=adjust_form,
        why=_why_page(rows), days=_lines_by_day(lines),
        staff=staff, margins=margins, losses=losses, margin_range=margin.order_range(order.quantity_kg, margins),
        grade_names={p.grade_id: p.grade.name for p in order.prices}), status


@bp.route("/<int:order_id>")
@login_required
def show_order(order_id: int):
    return render_order(buyer_orders.get_order(current_user, order_id))


@bp.route("/<int:order_id>/open", methods=["POST"])
@login_required
def open_order(order_id: int):
    order = buyer_orders.get_order(current_user, order_id)
    return act(lambda: buyer_orders.open_order(current_user, order),
               done=lambda _opened: _("Order %(number)s is open: households' lots can now be allocated to it.",
                                      number=order.number),
               then=url_for("orders.show_order", order_id=order_id))


@bp.route("/<int:order_id>/cancel", methods=["POST"])
@login_required
def cancel_order(order_id: int):
    order = buyer_orders.get_order(current_user, order_id)
    form = CancelForm()
    outcome = submit(form, lambda: buyer_orders.cancel_order(current_user, order, form.reason.data or ""),
                     done=lambda _cancelled: _("Order %(number)s cancelled; its kilograms are free again.",
                                               number=order.number),
                     then=url_for("orders.show_order", order_id=order_id))
    return outcome.response or render_order(buyer_orders.get_order(current_user, order_id), cancel_form=form,
                                             status=outcome.status)
