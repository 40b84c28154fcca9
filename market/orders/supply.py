"""What the coordinator's board reads: free kilograms of lots that have not spoiled, and the orders
still looking for fruit with what each has reserved. The board's arithmetic is :mod:`.board`.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.orm import selectinload

from models import BuyerOrder, Grade, LotStatus, OrderStatus, ProduceLot, User, Village, db

from ..auth.permissions import STAFF, require_role
from . import board
from .allocation_runs import reserved_totals
from .common import to_grams

#: orders still looking for fruit
ORDERS_IN_PROGRESS = (OrderStatus.OPEN, OrderStatus.ALLOCATED, OrderStatus.COLLECTING)


def board_supply(actor: User, today: date, variety_id: int | None = None) -> list[board.SupplyLot]:
    """Free kilograms of listed and allocated lots that have not spoiled, as the board counts them.

    The board tells lots apart only by village, grade and the days they ripen and spoil, so the
    database adds up the lots alike: a district's thousands of lots come back as a few dozen rows, and
    every figure of the board is the same as summed lot by lot. ``lot_id`` is the first lot of each."""
    require_role(actor, *STAFF)
    # weights are stored as integer grams: summed as such, exactly
    free_g = func.sum(type_coerce(ProduceLot.quantity_kg, BigInteger) - type_coerce(ProduceLot.reserved_kg, BigInteger))
    statement = (
        select(func.min(ProduceLot.id), free_g, ProduceLot.ready_from, ProduceLot.spoil_by, Village.name, Grade.name,
               Grade.rank)
        .join(Village, ProduceLot.village_id == Village.id)
        .join(Grade, ProduceLot.grade_id == Grade.id)
        .where(ProduceLot.status.in_([LotStatus.LISTED, LotStatus.ALLOCATED]),
               ProduceLot.quantity_kg > ProduceLot.reserved_kg, ProduceLot.spoil_by >= today)
        .group_by(ProduceLot.ready_from, ProduceLot.spoil_by, Village.id, Village.name, Grade.id, Grade.name, Grade.rank)
        .order_by(func.min(ProduceLot.id)))
    if variety_id:
        statement = statement.where(ProduceLot.variety_id == variety_id)
    return [board.SupplyLot(lot_id=lot_id, village=village, grade=grade, grade_rank=rank, free_g=int(grams),
                            ready_from=ready_from, spoil_by=spoil_by)
            for lot_id, grams, ready_from, spoil_by, village, grade, rank in db.session.execute(statement)]


def board_orders(actor: User, variety_id: int | None = None) -> list[tuple[BuyerOrder, board.OrderNeed]]:
    """Orders still looking for fruit, earliest window first, with what each has reserved."""
    require_role(actor, *STAFF)
    statement = (select(BuyerOrder).where(BuyerOrder.status.in_(ORDERS_IN_PROGRESS))
                 .options(selectinload(BuyerOrder.buyer), selectinload(BuyerOrder.variety),
                          selectinload(BuyerOrder.min_grade))
                 .order_by(BuyerOrder.window_start, BuyerOrder.id))
    if variety_id:
        statement = statement.where(BuyerOrder.variety_id == variety_id)
    orders = list(db.session.scalars(statement))
    totals = reserved_totals(o.id for o in orders)
    return [(o, board.OrderNeed(order_id=o.id, quantity_g=to_grams(o.quantity_kg), reserved_g=to_grams(totals[o.id]),
                                window_start=o.window_start, window_end=o.window_end)) for o in orders]
