"""Orders and allocation runs on the database: reserve exactly, never twice."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from market.errors import Conflict, PermissionDenied, ValidationFailed
from market.orders import allocation_runs, buyer_orders, buyers
from market.orders.allocation_runs import InsufficientSupply
from market.orders.buyers import credit_code_valid
from models import (AllocationRun, AuditEvent, LotStatus, OrderStatus, ProduceLot, RoleName, RunStatus, db)
from tests.market.orders.conftest import credit_code


def test_credit_codes_are_checked_by_their_check_character():
    good = credit_code()
    assert credit_code_valid(good)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert not credit_code_valid(bad)
    assert not credit_code_valid("123")


def test_payment_terms_above_60_days_are_refused(coordinator):
    with pytest.raises(ValidationFailed) as error:
        buyers.create_buyer(coordinator, name="某超市", credit_code=credit_code("91610000MA6TG1XX0"),
                            payment_terms_days=90)
    assert "payment_terms_days" in error.value.fields


def test_an_order_is_entered_in_tonnes_and_stored_in_kilograms(make_order):
    order = make_order("5.4吨")
    assert order.quantity_kg == Decimal("5400.000")
    assert order.number.startswith("DD2026-")
    assert order.status is OrderStatus.OPEN


def test_every_accepted_grade_needs_a_farm_gate_price(make_order, catalogue):
    with pytest.raises(ValidationFailed) as error:
        make_order(farm_gate_prices={catalogue["grades"]["一级"].id: "6.80"})
    assert "farm_gate_prices" in error.value.fields


def test_a_villager_cannot_enter_an_order(villager, buyer, catalogue):
    with pytest.raises(PermissionDenied):
        buyer_orders.create_order(villager, buyer_id=buyer.id)


def test_a_fair_run_fills_the_order_from_many_households(make_order, make_household, make_lot, coordinator):
    households = [make_household(f"农户{i}") for i in range(12)]
    for i, household in enumerate(households):
        make_lot(household, str(400 + 10 * i))
    order = make_order("2吨")
    run = allocation_runs.run_allocation(coordinator, order, "fair")
    assert run.filled_kg == Decimal("2000.000")
    assert run.shortfall_kg == 0
    per_household = {}
    for line in run.lines:
        per_household[line.household_id] = per_household.get(line.household_id, 0) + line.kg
    assert max(per_household.values()) <= Decimal("200")  # the 10 % cap
    assert allocation_runs.rerun_matches(run)


def test_confirming_reserves_the_kilograms_and_locks_the_lots(make_order, make_household, make_lot, coordinator):
    lot = make_lot(make_household(), "300")
    order = make_order("200公斤", share_cap_pct="100")
    run = allocation_runs.run_allocation(coordinator, order)
    allocation_runs.confirm_run(coordinator, run)
    db.session.commit()
    db.session.refresh(lot)
    assert lot.reserved_kg == Decimal("200.000")
    assert lot.status is LotStatus.ALLOCATED
    assert order.status is OrderStatus.ALLOCATED
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "allocation_run.confirm"))


def test_a_stale_run_cannot_take_kilograms_promised_meanwhile(make_order, make_household, make_lot, coordinator):
    make_lot(make_household(), "300")
    first = make_order("200公斤", share_cap_pct="100")
    second = make_order("200公斤", share_cap_pct="100")
    run_a = allocation_runs.run_allocation(coordinator, first)
    run_b = allocation_runs.run_allocation(coordinator, second)
    allocation_runs.confirm_run(coordinator, run_a)
    db.session.commit()
    with pytest.raises(InsufficientSupply):
        allocation_runs.confirm_run(coordinator, run_b)
    db.session.rollback()
    assert db.session.get(AllocationRun, run_b.id).status is RunStatus.PROPOSED


def test_a_run_is_confirmed_only_once(make_order, make_household, make_lot, coordinator):
    make_lot(make_household(), "300")
    order = make_order("100公斤", share_cap_pct="100")
    run = allocation_runs.run_allocation(coordinator, order)
    allocation_runs.confirm_run(coordinator, run)
    db.session.commit()
    with pytest.raises(Conflict):
        allocation_runs.confirm_run(coordinator, run)


def test_a_hand_adjustment_is_audited_with_its_reason(make_order, make_household, make_lot, coordinator):
    lot_a = make_lot(make_household("甲"), "300")
    lot_b = make_lot(make_household("乙"), "300")
    order = make_order("200公斤", share_cap_pct="100")
    run = allocation_runs.run_allocation(coordinator, order)
    allocation_runs.adjust_line(coordinator, run, lot_a.id, "50", "甲家桃子偏软")
    assert run.adjusted and run.filled_kg == sum(l.kg for l in run.lines)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "allocation_run.adjust"))
    assert event.reason == "甲家桃子偏软"
    with pytest.raises(ValidationFailed):
        allocation_runs.adjust_line(coordinator, run, lot_b.id, "9999", "too much")


def test_cancelling_releases_every_reserved_kilogram(make_order, make_household, make_lot, coordinator):
    lot = make_lot(make_household(), "300")
    order = make_order("200公斤", share_cap_pct="100")
    allocation_runs.confirm_run(coordinator, allocation_runs.run_allocation(coordinator, order))
    buyer_orders.cancel_order(coordinator, order, "超市取消")
    db.session.commit()
    db.session.refresh(lot)
    assert lot.reserved_kg == 0 and lot.status is LotStatus.LISTED
    assert order.status is OrderStatus.CANCELLED


@pytest.mark.postgres_only
def test_two_coordinators_confirming_at_once_never_promise_a_kilogram_twice(
        app, make_order, make_household, make_lot, coordinator, make_user):
    lot = make_lot(make_household(), "300")
    other = make_user(RoleName.COORDINATOR, name="王协调")
    orders = [make_order("200公斤", share_cap_pct="100") for _ in range(2)]
    runs = [allocation_runs.run_allocation(coordinator, orders[0]).id, allocation_runs.run_allocation(other, orders[1]).id]
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm(run_id: int, user_id: int) -> None:
        with app.app_context():
            from models import User
            actor = db.session.get(User, user_id)
            run = db.session.get(AllocationRun, run_id)
            barrier.wait()
            try:
                allocation_runs.confirm_run(actor, run)
                db.session.commit()
                outcomes.append("ok")
            except InsufficientSupply:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm, args=(runs[0], coordinator.id)),
               threading.Thread(target=confirm, args=(runs[1], other.id))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "refused"]
    db.session.expire_all()
    assert db.session.get(ProduceLot, lot.id).reserved_kg == Decimal("200.000")
