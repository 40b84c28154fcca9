"""What the orders' pages share: kilograms from grams in templates and who may do what."""
from __future__ import annotations

from decimal import Decimal

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import OrderStatus, RoleName, RunStatus, Variety, db

from ...auth.permissions import is_staff
from ...units import Weight, format_number
from .. import allocation_runs, board
from ..common import ORDER_STAFF
from .blueprint import bp

PAGE_SIZE = 30


def kg_of(grams: int) -> Decimal:
    return Weight.from_grams(int(grams)).kg


@bp.context_processor
def _template_helpers() -> dict:
    return {"kg_of": kg_of, "pct": lambda value: format_number(value, 2), "fill_percent": fill_percent,
            "OrderStatus": OrderStatus, "RunStatus": RunStatus}


def fill_percent(reserved_kg: Decimal, quantity_kg: Decimal) -> int:
    return board.fill_percent(Weight(reserved_kg).grams, Weight(quantity_kg).grams)


def can_manage() -> bool:
    return current_user.has_role(*ORDER_STAFF)


def is_buyer_staff() -> bool:
    """A buyer's own staff (and nothing more)."""
    return (current_user.has_role(RoleName.BUYER) and current_user.buyer_id is not None
            and not is_staff(current_user))


def can_see_runs() -> bool:
    return current_user.has_role(*allocation_runs.RUN_READERS)


def only_villager() -> bool:
    return (current_user.has_role(RoleName.VILLAGER) and not is_staff(current_user)
            and not current_user.has_role(RoleName.BUYER))


def all_varieties() -> list[Variety]:
    # each is shown with its product's name: a handful of rows, joined rather than fetched one by one
    return list(db.session.scalars(select(Variety).options(joinedload(Variety.product))
                                   .order_by(Variety.product_id, Variety.id)))
