"""A received order (three households, 600 kg weighed, 594 kg accepted) and the books to settle it in."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from market.fulfilment import receipts as fulfilment
from market.ledger import services as ledger
from models import RoleName, db
from tests.market.fulfilment.conftest import (  # noqa: F401  (fixtures)
    RECEIVED_AT, allocated, buyer_staff, collected, shipped, weigh,
)
from tests.market.orders.conftest import buyer, make_lot, make_order  # noqa: F401  (fixtures)


#: the idempotency key of the opening funds' voucher, for tests that count the vouchers they wrote
OPENING_KEY = "opening-capital"
#: the company's paid-in capital since before the year these tests book, in the bank, the cash box and
#: the WeChat account: payouts need money to pay with
OPENING_FUNDS = {"1002": "1000000.00", "1001": "20000.00", "1012": "50000.00"}


@pytest.fixture
def books(app):
    """The chart, and the capital (借1002, 1001, 1012 / 贷3001, posted on 2025-12-01): cash and bank never
    go below zero, so paying households needs money to pay them with."""
    ledger.seed_chart()
    fund_the_bank()
    db.session.commit()


def fund_the_bank(day: date = date(2025, 12, 1)) -> None:
    from models import RoleName
    from market.auth.services import create_user

    preparer = create_user(None, phone="13899990001", name="期初制单", password="opening-2025!",
                           roles=[RoleName.ACCOUNTANT])
    checker = create_user(None, phone="13899990002", name="期初审核", password="opening-2025!",
                          roles=[RoleName.ACCOUNTANT])
    voucher = ledger.prepare_voucher(preparer, voucher_date=day, summary="收到股东投资款（期初资金）", attachments=1,
                                     idempotency_key=OPENING_KEY,
                                     lines=[*(ledger.LineInput(code, debit=amount) for code, amount in OPENING_FUNDS.items()),
                                            ledger.LineInput("3001", credit=sum(Decimal(a) for a in OPENING_FUNDS.values()))])
    ledger.approve(checker, voucher)
    ledger.post(checker, voucher)


@pytest.fixture
def reviewer(make_user):
    return make_user(RoleName.ACCOUNTANT, RoleName.CHIEF_ACCOUNTANT, name="钱审核")


@pytest.fixture
def received(shipped, buyer_staff, books):
    """The supermarket found 1 % defects: 594 kg accepted of 600."""
    allocated, shipment = shipped
    receipt = fulfilment.record_receipt(buyer_staff, shipment, received="600", defect_pct="1", supplier_signer="李协调",
                                        clerk_signer="王芳", supervisor_signer="陈刚", received_at=RECEIVED_AT)
    db.session.commit()
    return allocated.order, receipt
