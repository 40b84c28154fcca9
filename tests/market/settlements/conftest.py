"""A received order (three households, 600 kg weighed, 594 kg accepted) and the books to settle it in."""
from __future__ import annotations

import pytest

from market.fulfilment import receipts as fulfilment
from market.ledger import services as ledger
from models import RoleName, db
from tests.market.fulfilment.conftest import (  # noqa: F401  (fixtures)
    RECEIVED_AT, allocated, buyer_staff, collected, shipped, weigh,
)
from tests.market.orders.conftest import buyer, make_lot, make_order  # noqa: F401  (fixtures)


@pytest.fixture
def books(app):
    ledger.seed_chart()
    db.session.commit()


@pytest.fixture
def reviewer(make_user):
    return make_user(RoleName.ACCOUNTANT, name="钱审核")


@pytest.fixture
def received(shipped, buyer_staff, books):
    """The supermarket found 1 % defects: 594 kg accepted of 600."""
    allocated, shipment = shipped
    receipt = fulfilment.record_receipt(buyer_staff, shipment, received="600", defect_pct="1", supplier_signer="李协调",
                                        clerk_signer="王芳", supervisor_signer="陈刚", received_at=RECEIVED_AT)
    db.session.commit()
    return allocated.order, receipt
