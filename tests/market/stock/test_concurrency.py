"""Two coordinators picking the same stock at the same moment (PostgreSQL): the item's lock lets
one take it, the other is refused; stock is never promised twice."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from market.stock import services as stock
from models import BuyerOrder, OrderStockLine, User, db
from tests.market.settlements.test_concurrency import race, refused

pytestmark = pytest.mark.postgres_only


def test_two_orders_racing_for_the_same_stock_get_it_once(app, stocked, make_order, coordinator, grades):
    orders = [make_order("300公斤").id, make_order("300公斤").id]
    grade_id = grades["一级"].id

    def pick(order_id: int):
        def prepared():
            actor = db.session.get(User, coordinator.id)
            return lambda: stock.set_order_stock(actor, db.session.get(BuyerOrder, order_id), grade_id=grade_id,
                                                 quantity="200")
        return prepared

    results = race(app, [pick(order_id) for order_id in orders])
    assert refused(results, stock.InsufficientStock) == 1
    assert [str(kg) for kg in db.session.scalars(select(OrderStockLine.quantity_kg))] == ["200.000"]
