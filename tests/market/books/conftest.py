"""A posted peach settlement (three households, August 2026), part-paid households and a part-paid
buyer, for reading the books."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from market.ledger import services as ledger
from market.payments import services as payments
from market.settlements import services as settlements
from models import Payment, RoleName, Settlement, Voucher, VoucherStatus, db
from tests.market.settlements.conftest import books, received, reviewer  # noqa: F401  (fixtures)
from tests.market.fulfilment.conftest import (  # noqa: F401  (fixtures)
    allocated, buyer_staff, collected, shipped, weigh,
)
from tests.market.orders.conftest import buyer, make_lot, make_order  # noqa: F401  (fixtures)

SETTLED_ON = date(2026, 8, 21)
PAID_ON = date(2026, 9, 5)


@dataclass
class Books:
    settlement: Settlement
    payouts: list[Payment]
    receipt: Payment


def post_waiting_vouchers(reviewer) -> None:
    """The second accountant approves and posts every voucher the first prepared."""
    for voucher in db.session.scalars(select(Voucher).where(Voucher.status == VoucherStatus.PREPARED)
                                      .order_by(Voucher.id)):
        ledger.approve(reviewer, voucher)
        ledger.post(reviewer, voucher)
    db.session.commit()


@pytest.fixture
def posted_settlement(received, coordinator, accountant):
    order, _receipt = received
    settlement = settlements.prepare_order_settlement(coordinator, order, settle_on=SETTLED_ON, logistics="120.00",
                                                      packing="30.00")
    settlements.submit(coordinator, settlement)
    settlements.approve(accountant, settlement)
    settlements.post(accountant, settlement)
    db.session.commit()
    return settlement


@pytest.fixture
def paid(posted_settlement, accountant):
    """张秀英 paid 500 by bank and 100 in cash; the buyer paid 1,000 of what it owes."""
    lines = {line.household.head_name: line for line in posted_settlement.households}
    zhang = lines["张秀英"].household
    payouts = [
        payments.pay_household(accountant, zhang, payments.PaymentInput(amount="500.00", paid_on=PAID_ON,
                                                                        reference="BANK-1"),
                               idempotency_key="zhang-1"),
        payments.pay_household(accountant, zhang, payments.PaymentInput(amount="100.00", method="cash",
                                                                        paid_on=date(2026, 10, 2), signer="张秀英"),
                               idempotency_key="zhang-2"),
    ]
    receipt = payments.receive_from_buyer(accountant, posted_settlement.buyer,
                                          payments.PaymentInput(amount="1000.00", paid_on=PAID_ON),
                                          idempotency_key="buyer-1")
    db.session.commit()
    return Books(settlement=posted_settlement, payouts=payouts, receipt=receipt)


@pytest.fixture
def all_posted(paid, reviewer):
    post_waiting_vouchers(reviewer)
    return paid


@pytest.fixture
def zhang(posted_settlement):
    return next(line.household for line in posted_settlement.households if line.household.head_name == "张秀英")


@pytest.fixture
def zhang_villager(make_user, zhang):
    return make_user(RoleName.VILLAGER, name="张秀英", household=zhang)
