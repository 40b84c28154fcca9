"""Stock pages: counts (盘点) prepared and posted, and the part of an order taken from the
warehouse. (The stock ledger is a book: ``market.books.views.stock``.)"""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import BuyerOrder, StockCountStatus, db

from ..errors import NotFound
from ..pages import PAGE_SIZE, act, require, submit, visible, voucher_url
from ..units import Money
from ..weighing.forms import options
from . import services
from .forms import CountForm, OrderStockForm

bp = Blueprint("stock", __name__)


@bp.context_processor
def _template_helpers() -> dict:
    return {"voucher_url": voucher_url}


def _counted(form) -> list[dict]:
    """The lines of a count form that were filled in, as the service takes them (its ``lines.<n>``)."""
    return [{"variety_id": line.variety_id.data, "grade_id": line.grade_id.data, "counted": line.counted.data,
             "loss_kind": line.loss_kind.data, "reason": line.reason.data}
            for line in form.lines if (line.counted.data or "").strip()]


def _place_line_errors(form, refusal) -> None:
    """A refusal naming a counted line (``lines.<n>``, counting from one among the lines filled in)
    is shown on that item's line of the form as well."""
    lines = _counted(form)
    for name, messages in refusal.field_texts().items():
        if not name.startswith("lines."):
            continue
        wanted = lines[int(name.split(".")[1]) - 1]
        for line in form.lines:
            if (line.variety_id.data, line.grade_id.data) == (wanted["variety_id"], wanted["grade_id"]):
                line.counted.errors = list(line.counted.errors) + messages


@bp.route("/stock/counts/", methods=["GET", "POST"])
@login_required
def counts():
    """盘点: the counts recorded, and the form listing every item with its book quantity."""
    require(*services.READERS)
    can_count = current_user.has_role(*services.STAFF)
    form = CountForm()
    items = services.items(current_user)
    if request.method == "POST":
        require(*services.STAFF)
    else:
        for variety, grade in items:
            form.lines.append_entry({"variety_id": str(variety.id), "grade_id": str(grade.id)})
    outcome = submit(
        form, lambda: services.prepare_count(current_user, counted_on=form.counted_on.data or None,
                                             lines=_counted(form), note=form.note.data or ""),
        done=lambda count: _("Count %(number)s recorded; an accountant other than you posts it.", number=count.number),
        then=lambda count: url_for("stock.count", count_id=count.id), only=visible(form))
    if outcome.response:
        return outcome.response
    if outcome.refusal:
        _place_line_errors(form, outcome.refusal)
    names = {(str(v.id), str(g.id)): (v, g, services.balance_of(v.id, g.id)) for v, g in items}
    page = db.paginate(services.counts(current_user), page=request.args.get("page", 1, type=int),
                       per_page=PAGE_SIZE, error_out=False)
    return render_template("stock/counts.html", form=form, names=names, page=page, can_count=can_count,
                           kg=lambda grams: Decimal(grams) / 1000,
                           yuan=lambda fen: Money.from_fen(fen).yuan), outcome.status


@bp.route("/stock/counts/<int:count_id>")
@login_required
def count(count_id: int):
    found = services.get_count(current_user, count_id)
    movements = services.count_movements(found)
    return render_template("stock/count.html", count=found, movements=movements,
                           voucher=services.count_voucher(found),
                           can_post=current_user.has_role(*services.ACCOUNTANTS)
                           and found.status is StockCountStatus.PREPARED and found.prepared_by_id != current_user.id,
                           can_discard=current_user.has_role(*services.STAFF)
                           and found.status is StockCountStatus.PREPARED)


def _act(count_id: int, action, done: str):
    found = services.get_count(current_user, count_id)
    return act(lambda: action(current_user, found), done=done, then=url_for("stock.count", count_id=count_id))


@bp.route("/stock/counts/<int:count_id>/post", methods=["POST"])
@login_required
def post_count(count_id: int):
    require(*services.ACCOUNTANTS)
    return _act(count_id, services.post_count, _("Count posted: its movements and voucher are in the books."))


@bp.route("/stock/counts/<int:count_id>/discard", methods=["POST"])
@login_required
def discard_count(count_id: int):
    require(*services.STAFF)
    return _act(count_id, services.discard_count, _("Count discarded."))


@bp.route("/stock/orders/<int:order_id>", methods=["GET", "POST"])
@login_required
def order_stock(order_id: int):
    """Fill part of an order from the warehouse."""
    require(*services.READERS)
    order = db.session.get(BuyerOrder, order_id)
    if order is None:
        raise NotFound(_("This order does not exist."))
    form = OrderStockForm()
    grades = [g for g in order.min_grade.table.grades if g.rank <= order.min_grade.rank]
    form.grade_id.choices = options([("", _("Choose the grade"))] + [(g.id, g.name) for g in grades])
    if request.method == "POST":
        require(*services.STAFF)
    outcome = submit(form, lambda: services.set_order_stock(current_user, order, grade_id=form.grade_id.data,
                                                            quantity=form.quantity.data),
                     done=_("The order's stock lines are saved."),
                     then=url_for("stock.order_stock", order_id=order.id), only=visible(form))
    if outcome.response:
        return outcome.response
    free = {g.id: services.available_grams(order.variety_id, g.id, excluding_order=order.id) for g in grades}
    return render_template("stock/order.html", order=order, form=form,
                           lines=services.stock_lines(order.id), grades=grades, free=free,
                           can_fill=current_user.has_role(*services.STAFF) and order.status in services.FILLABLE,
                           kg=lambda grams: Decimal(grams) / 1000), outcome.status
