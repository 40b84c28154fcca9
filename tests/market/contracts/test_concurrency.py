"""Two people writing at once on PostgreSQL: the deposit cap and contract numbers hold."""
from __future__ import annotations

import threading
from datetime import date

import pytest

from market.contracts import services
from market.errors import ValidationFailed
from models import ContractPrepayment, PurchaseContract, User, db
from tests.locks import wait_for_lock_waiters

pytestmark = pytest.mark.postgres_only


def in_other_session(app, work):
    """Run ``work()`` in its own app context (so its own session and connection) on a thread."""
    outcome: dict = {}

    def run():
        with app.app_context():
            try:
                outcome["result"] = work()
                db.session.commit()
            except Exception as exc:  # reported to the test, which asserts on it
                db.session.rollback()
                outcome["error"] = exc
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_two_deposits_recorded_at_once_cannot_together_pass_the_cap(app, coordinator, make_contract):
    contract = make_contract("signed")  # cap ¥6,000.00
    contract_id, actor_id = contract.id, coordinator.id
    services.record_prepayment(coordinator, contract, "deposit", "4000", date(2026, 6, 1))  # holds the row lock

    def second():
        actor = db.session.get(User, actor_id)
        return services.record_prepayment(actor, db.session.get(PurchaseContract, contract_id), "deposit", "4000",
                                          date(2026, 6, 1))

    thread, outcome = in_other_session(app, second)
    wait_for_lock_waiters(1)  # the second deposit waits for the first to commit
    assert thread.is_alive()
    db.session.commit()
    thread.join(10)
    assert isinstance(outcome.get("error"), ValidationFailed)
    assert db.session.scalar(db.select(db.func.count()).select_from(ContractPrepayment)) == 1


def test_contracts_drawn_up_at_once_get_consecutive_numbers(app, coordinator, contract_args):
    first = services.create_contract(coordinator, **contract_args())  # holds the season's numbering lock
    actor_id = coordinator.id
    args = contract_args()

    def second():
        return services.create_contract(db.session.get(User, actor_id), **args).number

    thread, outcome = in_other_session(app, second)
    wait_for_lock_waiters(1)
    assert thread.is_alive()
    db.session.commit()
    thread.join(10)
    assert "error" not in outcome, outcome.get("error")
    assert (first.number, outcome["result"]) == ("HT2026-0001", "HT2026-0002")
