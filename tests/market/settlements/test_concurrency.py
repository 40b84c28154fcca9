"""Accountants clicking at the same moment (PostgreSQL: row locks, READ COMMITTED): approving and
posting a settlement happen once, with gapless voucher numbers.

Each racer is a thread with its own application context, hence its own session, connection and
transaction, as two requests would be; a barrier lines them up before the contested call.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

import pytest
from sqlalchemy import func, select

from market.errors import InvalidTransition, MarketError
from market.ledger import services as ledger
from market.settlements import services
from models import Settlement, SettlementStatus, User, Voucher, VoucherSource, VoucherStatus, db
from tests.market.settlements.conftest import OPENING_KEY

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
    assert db.session.scalar(select(func.count()).select_from(Voucher)
                             .where(Voucher.idempotency_key != OPENING_KEY)) == 3
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
    numbers = sorted(db.session.scalars(select(Voucher.number).where(Voucher.idempotency_key != OPENING_KEY)))
    assert numbers == [1, 2, 3, 4]
    assert ledger.verify() == []
