"""An order allocated over three households' lots, and helpers to weigh, ship and receive it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from market.fulfilment import shipments
from market.orders import allocation_runs
from market.weighing import services as weighing
from models import Allocation, BuyerOrder, ProduceLot, RoleName, WeighSlip, db
from tests.market.orders.conftest import buyer, make_lot, make_order  # noqa: F401  (fixtures)

#: 2026-08-19 09:00 in Xianyang: the morning after the order was allocated
WEIGHED_AT = datetime(2026, 8, 19, 1, 0, tzinfo=timezone.utc)
DEPARTED_AT = WEIGHED_AT + timedelta(hours=8)
RECEIVED_AT = DEPARTED_AT + timedelta(hours=14)


@dataclass
class Allocated:
    order: BuyerOrder
    lots: dict[str, ProduceLot]
    lines: dict[str, Allocation]


@pytest.fixture
def allocated(app, make_household, make_lot, make_order, coordinator, make_village, request):
    """600 公斤 of 水蜜桃 ordered; 张秀英 and 李桂兰 (北里村) and 王建国 (上召村) each give 200.

    The order's reject policy is ``company_bears`` unless the test is parametrized with ``reject_policy``."""
    callspec = getattr(request.node, "callspec", None)
    reject_policy = callspec.params.get("reject_policy", "company_bears") if callspec else "company_bears"
    second_village = make_village("上召村")
    households = {"张秀英": make_household("张秀英"), "李桂兰": make_household("李桂兰"),
                  "王建国": make_household("王建国", village=second_village)}
    lots = {name: make_lot(household, "300") for name, household in households.items()}
    order = make_order("600公斤", share_cap_pct="100", reject_policy=reject_policy)
    run = allocation_runs.run_allocation(coordinator, order)
    allocation_runs.confirm_run(coordinator, run)
    db.session.commit()
    lines = {line.household.head_name: line for line in run.lines}
    assert sorted(line.kg for line in lines.values()) == [Decimal("200.000")] * 3
    return Allocated(order=order, lots=lots, lines=lines)


@pytest.fixture
def weigh(app, catalogue, coordinator):
    """Weigh ``net`` kg of one grade (or ``rows`` of (grade, kg)) against an allocation line."""

    def do(line: Allocation, net: str = "200", grade: str = "一级", *, rows=None, actor=None, commit=True,
           **values) -> WeighSlip:
        grades = catalogue["grades"]
        rows = rows or [(grade, net)]
        total = sum(Decimal(kg) for _, kg in rows)
        values.setdefault("weighed_at", WEIGHED_AT)
        values.setdefault("gross", str(total + Decimal("12")))
        values.setdefault("tare", "12")
        values.setdefault("crates", 0)
        slip = weighing.issue_slip(actor or coordinator, household_id=line.household_id,
                                   variety_id=line.run.order.variety_id, allocation_id=line.id,
                                   grade_split=[{"grade_id": grades[g].id, "amount": kg} for g, kg in rows], **values)
        if commit:
            db.session.commit()
        return slip

    return do


@pytest.fixture
def collected(allocated, weigh):
    """Every line weighed in full: 20 crates each."""
    slips = [weigh(line, "200", crates=20) for line in allocated.lines.values()]
    return allocated, slips


@pytest.fixture
def shipped(collected, coordinator):
    allocated, slips = collected
    shipment = shipments.create_shipment(coordinator, allocated.order, plate="陕D12345", driver_name="赵师傅",
                                         driver_phone="13700001111", temperature="3.5", departed_at=DEPARTED_AT)
    db.session.commit()
    return allocated, shipment


@pytest.fixture
def buyer_staff(make_user, buyer):
    user = make_user(RoleName.BUYER, name="华联收货员")
    user.buyer_id = buyer.id
    db.session.commit()
    return user
