"""Accountants clicking at the same moment (PostgreSQL: row locks, READ COMMITTED).

Each racer is a thread with its own application context, hence its own session, connection and
transaction, as two requests would be; a barrier lines them up before the contested call.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Callable

import pytest
from sqlalchemy import func, select

from market.errors import InvalidTransition, MarketError, ValidationFailed
from market.ledger import services as ledger
from market.settlement import payments, services
from models import (Buyer, Household, Payment, PaymentApplication, RoleName, Settlement, SettlementHousehold,
                    SettlementStatus, User, Voucher, VoucherSource, VoucherStatus, db)

pytestmark = pytest.mark.postgres_only

DAY = date(2026, 8, 21)


@dataclass
class Result:
    value: Any = None
    error: BaseException | None = None


def race(app, calls: list[Callable[[], Any]], timeout: float = 60) -> list[Result]:
    """Run each call in its own thread and app context at the same moment; commit what succeeds."""
    barrier = threading.Barrier(len(calls))
    results = [Result() for _ in calls]

    def runner(index: int, call: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                prepared = call()  # reads what it needs, then returns the contested step
                barrier.wait(timeout)
                results[index].value = prepared()
                db.session.commit()
            except BaseException as error:  # noqa: BLE001 (reported below)
                db.session.rollback()
                results[index].error = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a racer hung (a lock never released?)"
    unexpected = [r.error for r in results if r.error is not None and not isinstance(r.error, MarketError)]
    assert not unexpected, f"racers failed with {unexpected!r}"
    db.session.expire_all()
    return results


def ok(results: list[Result]) -> list[Any]:
    return [r.value for r in results if r.error is None]


def refused(results: list[Result], kind: type[MarketError]) -> int:
    assert all(isinstance(r.error, kind) for r in results if r.error is not None), [r.error for r in results]
    return sum(r.error is not None for r in results)


@pytest.fixture
def submitted(received, coordinator):
    order, _receipt = received
    settlement = services.prepare_order_settlement(coordinator, order, settle_on=DAY, logistics="120.00",
                                                   packing="30.00")
    services.submit(coordinator, settlement)
    db.session.commit()
    return settlement


@pytest.fixture
def approved(submitted, accountant):
    services.approve(accountant, submitted)
    db.session.commit()
    return submitted


@pytest.fixture
def posted(approved, accountant):
    services.post(accountant, approved)
    db.session.commit()
    return approved


def as_user(user_id: int) -> User:
    return db.session.get(User, user_id)


def test_two_accountants_approving_at_once_approve_exactly_once(app, submitted, accountant, reviewer):
    settlement_id = submitted.id

    def approve(user_id):
        def read():
            actor, settlement = as_user(user_id), db.session.get(Settlement, settlement_id)
            assert settlement.status is SettlementStatus.SUBMITTED  # both saw it waiting
            return lambda: services.approve(actor, settlement).approved_by_id
        return read

    results = race(app, [approve(accountant.id), approve(reviewer.id)])
    assert len(ok(results)) == 1 and refused(results, InvalidTransition) == 1
    settlement = db.session.get(Settlement, settlement_id)
    assert settlement.status is SettlementStatus.APPROVED and settlement.approved_by_id == ok(results)[0]


def test_racing_posts_write_the_vouchers_once_with_gapless_numbers(app, approved, accountant, reviewer):
    settlement_id = approved.id

    def post(user_id):
        def read():
            actor, settlement = as_user(user_id), db.session.get(Settlement, settlement_id)
            return lambda: services.post(actor, settlement).id
        return read

    results = race(app, [post(user.id) for user in (accountant, reviewer, accountant, reviewer)])
    assert len(ok(results)) == 1 and refused(results, InvalidTransition) == 3
    vouchers = db.session.scalars(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT,
                                                        Voucher.source_id == settlement_id)).all()
    assert len(vouchers) == 3  # sale, purchase, costs
    assert {v.status for v in vouchers} == {VoucherStatus.POSTED}
    assert sorted(v.number for v in vouchers) == [1, 2, 3]
    assert db.session.scalar(select(func.count()).select_from(Voucher)) == 3
    assert db.session.get(Settlement, settlement_id).status is SettlementStatus.POSTED
    assert ledger.verify() == []


def test_a_settlement_and_a_manual_voucher_posting_at_once_share_the_numbers_without_gaps(
        app, approved, accountant, reviewer):
    manual = ledger.prepare_voucher(reviewer, voucher_date=DAY, summary="支付电费", idempotency_key="manual-1",
                                    lines=[ledger.LineInput("5601", debit="88.00"),
                                           ledger.LineInput("1002", credit="88.00")])
    ledger.approve(accountant, manual)
    db.session.commit()
    settlement_id, manual_id = approved.id, manual.id

    def post_settlement():
        actor, settlement = as_user(accountant.id), db.session.get(Settlement, settlement_id)
        return lambda: services.post(actor, settlement)

    def post_manual():
        actor, voucher = as_user(reviewer.id), db.session.get(Voucher, manual_id)
        return lambda: ledger.post(actor, voucher)

    results = race(app, [post_settlement, post_manual])
    assert len(ok(results)) == 2
    numbers = sorted(db.session.scalars(select(Voucher.number)))
    assert numbers == [1, 2, 3, 4]
    assert ledger.verify() == []


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
