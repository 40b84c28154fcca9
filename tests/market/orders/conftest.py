"""Builders for orders tests: a buyer, households with lots, an order."""
from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest

from market.orders import buyer_orders, buyers
from market.orders.buyers import CREDIT_CODE_CHARS, CREDIT_CODE_WEIGHTS
from models import LotStatus, ProduceLot, QuantityUnit, db

DAY = date(2026, 8, 18)


def credit_code(body17: str = "91620300MA74XK3B0") -> str:
    total = sum(CREDIT_CODE_CHARS.index(ch) * w for ch, w in zip(body17, CREDIT_CODE_WEIGHTS))
    return body17 + CREDIT_CODE_CHARS[(31 - total % 31) % 31]


@pytest.fixture
def buyer(app, coordinator):
    buyer = buyers.create_buyer(coordinator, name="金昌赢华联超市", credit_code=credit_code(),
                                province="甘肃省", city="金昌市", payment_terms_days=30)
    db.session.commit()
    return buyer


@pytest.fixture
def make_lot(app, catalogue, coordinator):
    counter = itertools.count()

    def build(household, kg: str, grade: str = "一级", ready: int = -1, spoil: int = 6) -> ProduceLot:
        next(counter)
        lot = ProduceLot(household_id=household.id, variety_id=catalogue["varieties"][0].id,
                         grade_id=catalogue["grades"][grade].id, quantity_kg=Decimal(kg),
                         entered_unit=QuantityUnit.KG, ready_from=DAY + timedelta(days=ready),
                         ready_to=DAY + timedelta(days=ready + 3), spoil_by=DAY + timedelta(days=spoil),
                         village_id=household.village_id, group_id=household.group_id,
                         created_by_id=coordinator.id, status=LotStatus.LISTED)
        db.session.add(lot)
        db.session.flush()
        return lot

    return build


@pytest.fixture
def make_order(app, catalogue, coordinator, buyer):
    def build(quantity: str = "5.4吨", **overrides):
        grades = catalogue["grades"]
        data = dict(buyer_id=buyer.id, variety_id=catalogue["varieties"][0].id, min_grade_id=grades["二级"].id,
                    quantity=quantity, delivered_price="8.60", mode="field_direct", window_start=DAY,
                    window_end=DAY + timedelta(days=3), destination="甘肃省金昌市", crate_kg="10",
                    farm_gate_prices={grades["特级"].id: "8.00", grades["一级"].id: "6.80", grades["二级"].id: "5.20"})
        data.update(overrides)
        order = buyer_orders.create_order(coordinator, **data)
        buyer_orders.open_order(coordinator, order)
        db.session.commit()
        return order

    return build
