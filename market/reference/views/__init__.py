"""Pages of the reference feature (under /admin), one module per aggregate: villages and their
party organisation, households, the catalogue and logins. This module has the index page and
gathers the others onto the one blueprint.
"""
from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from models import Household, Product, RoleName, User, Village, db

from ..common import require_staff
from . import catalogue, households, payee_changes, users, villages  # noqa: F401  (their routes)
from .blueprint import bp


@bp.route("")
@login_required
def index():
    require_staff(current_user)

    def count(model: type) -> int:
        return db.session.scalar(select(func.count()).select_from(model)) or 0

    counts = {"villages": count(Village), "households": count(Household), "products": count(Product),
              "users": count(User) if current_user.has_role(RoleName.ADMIN) else None}
    return render_template("reference/index.html", counts=counts)
