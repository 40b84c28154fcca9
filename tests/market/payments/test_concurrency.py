"""Accountants paying at the same moment (PostgreSQL: row locks, READ COMMITTED): payouts and
buyer receipts never go beyond what is owed, one key makes one payment, a batch and single
payouts neither deadlock nor overpay. The racers are the settlements' (``race``)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from market.errors import ValidationFailed
from market.payments import services as payments
from market.settlements import services
from models import (Buyer, Household, Payment, PaymentApplication, Settlement, SettlementHousehold, SettlementStatus,
                    Voucher, VoucherSource, db)
from tests.market.settlements.test_concurrency import (  # noqa: F401  (submitted, approved, posted are fixtures)
    DAY, approved, as_user, ok, posted, race, refused, submitted,
)

pytestmark = pytest.mark.postgres_only


def _line(settlement_id: int) -> SettlementHousehold:
    return db.session.scalars(select(SettlementHousehold).where(SettlementHousehold.settlement_id == settlement_id)
                              .order_by(SettlementHousehold.household_id)).first()


def payout(accountant_id: int, household_id: int, amount: Decimal, key: str, method: str = "wechat"):
    def read():
        actor, household = as_user(accountant_id), db.session.get(Household, household_id)
        return lambda: payments.pay_household(actor, household, payments.PaymentInput(amount=amount, method=method),
                                              idempotency_key=key).id
    return read


def test_racing_payouts_beyond_what_is_owed_pay_only_those_that_fit(app, posted, accountant):
    line = _line(posted.id)
    net, household_id = line.net, line.household_id
    share = (net * Decimal("0.4")).quantize(Decimal("0.01"))  # two fit, the third and fourth do not
    results = race(app, [payout(accountant.id, household_id, share, f"pay-{i}") for i in range(4)])
    assert len(ok(results)) == 2 and refused(results, ValidationFailed) == 2
    line = db.session.get(SettlementHousehold, line.id)
    assert line.paid == 2 * share <= line.net
    assert net - line.paid < share, "a refused payout would not have fitted"
    paid = db.session.scalar(select(func.sum(Payment.amount)).where(Payment.household_id == household_id))
    assert paid == line.paid
    applied = db.session.scalar(select(func.sum(PaymentApplication.amount)).where(PaymentApplication.line_id == line.id))
    assert applied == line.paid
    assert db.session.scalar(select(func.count()).select_from(Voucher).where(Voucher.source == VoucherSource.PAYMENT)) == 2


def test_racing_payouts_of_different_sizes_never_pay_beyond_the_net(app, posted, accountant):
    line = _line(posted.id)
    net, household_id = line.net, line.household_id
    amounts = [net - Decimal("0.01"), Decimal("0.02"), Decimal("0.01"), (net / 2).quantize(Decimal("0.01"))]
    results = race(app, [payout(accountant.id, household_id, a, f"mixed-{i}") for i, a in enumerate(amounts)])
    refused(results, ValidationFailed)
    line = db.session.get(SettlementHousehold, line.id)
    succeeded = [a for a, r in zip(amounts, results) if r.error is None]
    assert line.paid == sum(succeeded) <= net
    for amount, result in zip(amounts, results):
        if result.error is not None:
            assert amount > net - line.paid, f"¥{amount} was refused though it fits"


def test_concurrent_replays_of_one_payout_key_make_one_payment(app, posted, accountant):
    line = _line(posted.id)
    household_id, amount = line.household_id, Decimal("100.00")
    results = race(app, [payout(accountant.id, household_id, amount, "same-key") for _ in range(10)])
    assert len(ok(results)) == 10 and len(set(ok(results))) == 1
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
    assert db.session.scalar(select(func.count()).select_from(PaymentApplication)) == 1
    assert db.session.get(SettlementHousehold, line.id).paid == amount
    assert db.session.scalar(select(func.count()).select_from(Voucher).where(
        Voucher.idempotency_key == "payment:same-key")) == 1


def test_every_household_paid_in_full_at_once_marks_the_settlement_paid(app, posted, accountant):
    lines = [(line.household_id, line.net) for line in posted.households]
    assert len(lines) == 3
    results = race(app, [payout(accountant.id, h, net, f"full-{h}") for h, net in lines])
    assert len(ok(results)) == 3
    numbers = db.session.scalars(select(Payment.number)).all()
    assert len(set(numbers)) == 3
    assert db.session.get(Settlement, posted.id).status is SettlementStatus.PAID


def test_racing_buyer_receipts_beyond_the_outstanding_record_only_what_fits(app, posted, accountant):
    settlement_id, buyer_id, total = posted.id, posted.buyer_id, posted.buyer_total
    share = (total * Decimal("0.4")).quantize(Decimal("0.01"))

    def receipt(i):
        def read():
            actor, buyer = as_user(accountant.id), db.session.get(Buyer, buyer_id)
            return lambda: payments.receive_from_buyer(actor, buyer, payments.PaymentInput(amount=share),
                                                       idempotency_key=f"receipt-{i}").id
        return read

    results = race(app, [receipt(i) for i in range(4)])
    assert len(ok(results)) == 2 and refused(results, ValidationFailed) == 2
    settlement = db.session.get(Settlement, settlement_id)
    assert settlement.buyer_received == 2 * share <= settlement.buyer_total
    assert settlement.buyer_outstanding < share
    received = db.session.scalar(select(func.sum(Payment.amount)).where(Payment.buyer_id == buyer_id))
    assert received == settlement.buyer_received


def test_a_batch_and_single_payouts_at_once_neither_deadlock_nor_overpay(app, posted, accountant):
    lines = [(line.household_id, line.net) for line in posted.households]
    for household_id, _net in lines:
        db.session.get(Household, household_id).account_number = f"62170000{household_id:08d}"
    db.session.commit()
    half = [(h, (net / 2).quantize(Decimal("0.01"))) for h, net in lines]

    def batch(key):
        def read():
            actor = as_user(accountant.id)
            households = [(db.session.get(Household, h), amount) for h, amount in half]
            return lambda: payments.pay_batch(actor, households, paid_on=DAY, idempotency_key=key).id
        return read

    # a batch paying half of everyone, the same batch double-submitted, and single payouts of the
    # other half to the last and the first household, in the opposite lock order
    results = race(app, [batch("batch-a"), batch("batch-a"), payout(accountant.id, lines[-1][0], half[-1][1], "one"),
                         payout(accountant.id, lines[0][0], half[0][1], "two")])
    assert all(r.error is None for r in results), [r.error for r in results]
    assert results[0].value == results[1].value  # the double submit found the first batch
    for line in db.session.get(Settlement, posted.id).households:
        assert line.paid <= line.net
    assert services.verify() == []
