"""Deposit closures and input-credit voids at the same moment (PostgreSQL: row locks, READ COMMITTED).

Each racer runs in its own thread, application context and transaction (``race`` from
``test_concurrency``). Where a test must see the loser act while the winner's transaction is still
open, the winner holds it open after its work until the loser waits for its lock (seen in
``pg_stat_activity``), as a slow request would: without the lock the loser would read what the
winner has not committed yet, and never wait.
"""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from market.deposits import services as deposits
from market.errors import Conflict
from market.input_credits import services as input_credits
from market.ledger import services as ledger
from market.settlements import services
from models import (BuyerOrder, DepositClosure, InputCredit, PurchaseContract, Settlement, SettlementHousehold, Voucher,
                    VoucherSource, db)
from tests.locks import HoldFirst, wait_for_lock_waiters
from tests.market.contracts.conftest import contract_args, grades, make_contract, peach  # noqa: F401  (fixtures)
from tests.market.deposits.test_deposits import CLOSED, terminated
from tests.market.input_credits.test_input_credit import DAY, households, review, supply
from tests.market.settlements.test_concurrency import as_user, ok, race

pytestmark = pytest.mark.postgres_only

#: how long a racer waits for the other to reach its step before giving up
WAIT = 30


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def deposit_vouchers() -> int:
    return count(Voucher, Voucher.source == VoucherSource.DEPOSIT)


def closing(accountant_id: int, contract_id: int, key: str, hold: HoldFirst, reference: str = "BANK-778"):
    """A racer that closes the contract's deposit; the first to do so keeps its transaction open until
    the other waits for its lock."""
    def read():
        actor, contract = as_user(accountant_id), db.session.get(PurchaseContract, contract_id)
        data = deposits.ClosureInput(outcome="returned", reason="冰雹绝收，协商解除合同", closed_on=CLOSED,
                                     method="bank", reference=reference)

        def step():
            closure_id = deposits.close_deposit(actor, contract, data, idempotency_key=key).id
            hold()  # still uncommitted while the other racer waits to look for a closure
            return closure_id
        return step
    return read


@pytest.fixture
def contract(received, make_contract, coordinator, accountant, reviewer):
    """张秀英's terminated contract, with a ¥1,000 deposit paid out and posted."""
    return terminated(make_contract, households(received)["张秀英"], coordinator, accountant, reviewer)


def test_two_accountants_closing_one_deposit_at_once_with_different_keys_close_it_once(
        app, contract, accountant, reviewer):
    contract_id, hold = contract.id, HoldFirst()
    results = race(app, [closing(accountant.id, contract_id, "close-a", hold),
                         closing(reviewer.id, contract_id, "close-b", hold)])
    assert len(ok(results)) == 1
    loser = [r.error for r in results if r.error is not None]
    assert len(loser) == 1 and type(loser[0]) is Conflict, loser  # refused, not an idempotency clash
    closure = db.session.scalar(select(DepositClosure).where(DepositClosure.contract_id == contract_id))
    assert closure.id == ok(results)[0] and closure.number == f"DJ{CLOSED.year}-0001"
    assert count(DepositClosure) == 1 and deposit_vouchers() == 1
    assert closure.voucher.source is VoucherSource.DEPOSIT and closure.voucher.source_id == closure.id
    assert deposits.open_deposits(accountant) == []
    assert services.verify() == [] and ledger.verify() == []


def test_one_closure_sent_twice_at_once_with_the_same_key_closes_once_and_both_get_it(
        app, contract, accountant):
    contract_id, hold = contract.id, HoldFirst()
    results = race(app, [closing(accountant.id, contract_id, "close-same", hold) for _ in range(2)])
    assert count(DepositClosure) == 1 and deposit_vouchers() == 1
    closure = db.session.scalar(select(DepositClosure).where(DepositClosure.contract_id == contract_id))
    assert closure.idempotency_key == "close-same"
    assert [r.error for r in results] == [None, None], [r.error for r in results]
    assert ok(results) == [closure.id, closure.id]
    assert services.verify() == [] and ledger.verify() == []


def test_the_same_key_with_another_body_at_once_is_never_a_second_closure(app, contract, accountant):
    contract_id, hold = contract.id, HoldFirst()
    results = race(app, [closing(accountant.id, contract_id, "close-same", hold, reference=reference)
                         for reference in ("BANK-778", "BANK-779")])
    assert len(ok(results)) == 1
    assert all(isinstance(r.error, Conflict) for r in results if r.error is not None)
    assert count(DepositClosure) == 1 and deposit_vouchers() == 1
    assert services.verify() == [] and ledger.verify() == []


# --- voiding an input credit while a settlement recovers it -------------------------------------------

def staged(first, second):
    """Two steps of which ``first`` wins: ``second`` starts once ``first`` has done its work, while
    its transaction (and the locks it took) stays open until ``second`` waits for one of them; the locks
    must make ``second`` wait for the commit and see it."""
    done = threading.Event()

    def leader(read):
        def prepared():
            step = read()

            def run():
                try:
                    value = step()
                finally:
                    done.set()
                wait_for_lock_waiters(1)
                return value
            return run
        return prepared

    def follower(read):
        def prepared():
            step = read()

            def run():
                assert done.wait(WAIT), "the first racer never finished"
                return step()
            return run
        return prepared

    return leader(first), follower(second)


@pytest.mark.parametrize("order", ["at once", "the void first", "the settlement first"])
def test_a_void_racing_a_settlement_leaves_the_credit_either_void_or_recovered_never_both(
        app, received, coordinator, accountant, reviewer, order):
    zhang = households(received)["张秀英"]
    credit = supply(coordinator, zhang, "500", "zhang-1")
    review(credit.voucher, accountant)  # posted: a void reverses it
    credit_id, order_id, zhang_id = credit.id, received[0].id, zhang.id

    def void():
        actor, credit = as_user(accountant.id), db.session.get(InputCredit, credit_id)
        return lambda: input_credits.void_input_credit(actor, credit, "录错了农户").id

    def settle():
        actor, order = as_user(coordinator.id), db.session.get(BuyerOrder, order_id)
        return lambda: services.prepare_order_settlement(actor, order, settle_on=DAY).id

    calls = {"at once": [void, settle], "the void first": list(staged(void, settle)),
             "the settlement first": list(staged(settle, void)[::-1])}[order]
    results = race(app, calls)
    voiding, settling = results
    assert settling.error is None, settling.error  # a settlement always goes ahead
    assert voiding.error is None or isinstance(voiding.error, Conflict), voiding.error

    credit = db.session.get(InputCredit, credit_id)
    settlement = db.session.scalar(select(Settlement).where(Settlement.order_id == order_id))
    recovered = db.session.scalar(select(SettlementHousehold.recovered_input_credit).where(
        SettlementHousehold.settlement_id == settlement.id, SettlementHousehold.household_id == zhang_id))
    if voiding.error is None:
        assert credit.voided_at is not None and recovered == Decimal("0.00"), "void, yet recovered"
    else:
        assert credit.voided_at is None and recovered == Decimal("500.00"), "refused, yet not recovered"
    if order == "the void first":
        assert voiding.error is None
    elif order == "the settlement first":
        assert isinstance(voiding.error, Conflict)
    assert input_credits.outstanding_input_credit(zhang_id) == 0
    assert services.verify() == []
    assert ledger.verify() == []


def test_one_prepayment_booked_twice_at_once_with_the_same_key_is_booked_once(
        app, received, make_contract, coordinator, accountant):
    from market.contracts import services as contracts
    from market.payments import services as payments
    from models import Payment

    zhang = households(received)["张秀英"]
    contract = make_contract("active", household_id=zhang.id)
    prepayment_id = contracts.record_prepayment(coordinator, contract, "deposit", "1000", paid_on=CLOSED).id
    db.session.commit()
    accountant_id = accountant.id

    def booking():
        from models import ContractPrepayment
        prepayment = db.session.get(ContractPrepayment, prepayment_id)
        actor = as_user(accountant_id)
        return lambda: payments.pay_prepayment(actor, prepayment, payments.PaymentInput(amount=None, method="bank"),
                                               idempotency_key="book-once").id

    results = race(app, [booking for _ in range(4)])
    assert len(ok(results)) == 4 and len(set(ok(results))) == 1  # every retry gets the one payment back
    assert count(Payment) == 1
    assert count(Voucher, Voucher.idempotency_key == "payment:book-once") == 1
