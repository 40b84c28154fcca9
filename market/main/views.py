"""The start page for each role, and the health check."""
from __future__ import annotations

from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from models import RoleName, db

from . import bp


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("main.home"))


@bp.route("/home")
@login_required
def home():
    """Villagers go to their own page; staff see what needs doing."""
    if current_user.has_role(RoleName.VILLAGER) and not current_user.has_role(
            RoleName.COORDINATOR, RoleName.ACCOUNTANT, RoleName.ADMIN):
        return redirect(url_for("produce.my_lots"))
    return render_template("main/home.html")


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any driver error means the database is not reachable
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
