"""The coordinator's board: free supply against the orders still looking for fruit, day by day."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...auth.permissions import is_staff
from ...clock import local_today
from ...errors import PermissionDenied
from ...units import format_number
from .. import board, supply
from .blueprint import bp
from .common import all_varieties, kg_of


@bp.route("/board", endpoint="board")
@login_required
def board_page():
    if not is_staff(current_user):
        raise PermissionDenied()
    varieties = all_varieties()
    variety_id = request.args.get("variety_id", type=int)
    if variety_id not in {v.id for v in varieties}:
        variety_id = None
    today = local_today()
    lots = supply.board_supply(current_user, today, variety_id)
    orders = supply.board_orders(current_user, variety_id)
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
