"""The start page for each role, and the health check."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from models import BuyerOrder, OrderStatus, RoleName, db

from ..orders import allocation_runs, buyer_orders
from . import todo

bp = Blueprint("main", __name__)

#: orders that still need the coordinator
ACTIVE_ORDER_STATES = (OrderStatus.OPEN, OrderStatus.ALLOCATED, OrderStatus.COLLECTING, OrderStatus.SHIPPED)


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("main.home"))


@bp.route("/home")
@login_required
def home():
    """Every role's home starts with what waits for it (counts that link to the work), then the
    orders in progress for staff, then the pages each role uses most."""
    active = []
    if current_user.has_role(RoleName.COORDINATOR, RoleName.ADMIN, RoleName.ACCOUNTANT):

        statement = buyer_orders.orders_statement(current_user).where(BuyerOrder.status.in_(ACTIVE_ORDER_STATES))
        active = list(db.session.scalars(statement.limit(20)))
        reserved = allocation_runs.reserved_totals(o.id for o in active)
        active = [(order, reserved[order.id]) for order in active]
    return render_template("main/home.html", active_orders=active, todo=todo.for_user(current_user))


@bp.route("/livez")
def livez():
    """Liveness: the worker answers. Touches no database, so a slow database never gets a healthy
    worker restarted; ``/healthz`` is the readiness check that does."""
    return jsonify(status="ok")


@bp.route("/favicon.ico")
def favicon():
    """Pages that name no icon (printouts) still get the brand's peach, not a 404 in the console."""
    return current_app.send_static_file("icons/peach-32.png")


@bp.route("/healthz")
def healthz():
    """Readiness: the worker answers and reaches the database."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any driver error means the database is not reachable
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
