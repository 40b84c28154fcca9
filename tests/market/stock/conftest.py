"""Contract peaches settled into stock, and helpers to sell them from the warehouse and count them."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from market.fulfilment import receipts, shipments
from market.orders import buyer_orders
from market.settlements import services as settlements
from market.stock import services as stock
from market.weighing import services as weighing
from models import RoleName, db
from tests.market.contracts.conftest import contract_args, grades, make_contract, peach, price_rows  # noqa: F401
from tests.market.orders.conftest import DAY, buyer, make_order  # noqa: F401
from tests.market.settlements.conftest import books, reviewer  # noqa: F401

#: 2026-08-19 09:00 in Xianyang
WEIGHED_AT = datetime(2026, 8, 19, 1, 0, tzinfo=timezone.utc)
SETTLED_ON = date(2026, 8, 20)


@pytest.fixture
def contract(make_contract, grades):
    """An active fixed-price contract: 一级 6.00, 二级 4.00 元/公斤."""
    built = make_contract("active")
    db.session.commit()
    return built


@pytest.fixture
def deliver(contract, coordinator, accountant, grades):
    """Weigh contract peaches (``{grade name: kg}``) and post them as a contract batch into stock."""
    minutes = itertools.count()

    def do(rows: dict[str, str], settle_on: date = SETTLED_ON):
        total = sum(Decimal(kg) for kg in rows.values())
        weighing.issue_slip(coordinator, household_id=contract.household_id, variety_id=contract.variety_id,
                            contract_id=contract.id, weighed_at=WEIGHED_AT + timedelta(minutes=next(minutes)),
                            gross=str(total + 10), tare="10",
                            grade_split=[{"grade_id": grades[g].id, "amount": kg} for g, kg in rows.items()])
        batch = settlements.prepare_contract_batch(coordinator, settle_on=settle_on)
        settlements.submit(coordinator, batch)
        settlements.approve(accountant, batch)
        settlements.post(accountant, batch)
        db.session.commit()
        return batch

    return do


@pytest.fixture
def stocked(books, deliver):
    """300 kg 一级 (¥1,800.00) and 100 kg 二级 (¥400.00) bought: cost ¥2,002.00 after 9 % input VAT,
    split ¥1,638.00 and ¥364.00."""
    return deliver({"一级": "300", "二级": "100"})


@pytest.fixture
def sell(coordinator, accountant, buyer, peach, grades):
    """An order filled from the warehouse (``{grade name: kg}``), shipped, received (accepted in full
    unless ``defect_pct`` says otherwise) and settled."""
    def do(rows: dict[str, str], *, price: str = "8.60", post: bool = True, defect_pct: str = "0",
           reject_policy: str = "company_bears"):
        total = sum(Decimal(kg) for kg in rows.values())
        order = buyer_orders.create_order(
            coordinator, buyer_id=buyer.id, variety_id=peach.id, min_grade_id=grades["二级"].id,
            quantity=f"{total}公斤", delivered_price=price, mode="farm_to_supermarket", window_start=DAY,
            window_end=DAY + timedelta(days=3), destination="咸阳", crate_kg="10",
            farm_gate_prices={grades["特级"].id: "6.00", grades["一级"].id: "5.00", grades["二级"].id: "4.00"},
            expected_cost_per_kg="0.50", reject_policy=reject_policy)
        buyer_orders.open_order(coordinator, order)
        for grade, kg in rows.items():
            stock.set_order_stock(coordinator, order, grade_id=grades[grade].id, quantity=f"{kg}公斤")
        shipment = shipments.create_shipment(coordinator, order, plate="陕D12345", driver_name="赵师傅",
                                             driver_phone="13700001111", temperature="3",
                                             departed_at=WEIGHED_AT + timedelta(hours=30))
        receipts.record_receipt(coordinator, shipment, received=str(total), defect_pct=defect_pct, supplier_signer="李协调",
                                clerk_signer="王芳", supervisor_signer="陈刚",
                                received_at=WEIGHED_AT + timedelta(hours=34))
        settlement = settlements.prepare_order_settlement(coordinator, order, settle_on=SETTLED_ON + timedelta(days=1))
        settlements.submit(coordinator, settlement)
        settlements.approve(accountant, settlement)
        if post:
            settlements.post(accountant, settlement)
        db.session.commit()
        return settlement

    return do


@pytest.fixture
def second_accountant(make_user):
    return make_user(RoleName.ACCOUNTANT, name="孙会计")
