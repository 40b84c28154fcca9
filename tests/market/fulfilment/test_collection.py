"""Field collection on the database: slips against allocation lines, field rejects, closing a line
short, lots done, and re-allocating the shortfall in one step."""
from __future__ import annotations

from dataclasses import replace

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from market.errors import Conflict, PermissionDenied, ValidationFailed
from market.fulfilment import collection
from market.weighing import services as weighing
from models import (Allocation, AllocationClosure, AuditEvent, FieldReject, LotStatus, OrderStatus, ProduceLot,
                    RoleName, RunStatus, SlipStatus, WeighSlip, db)

from .conftest import WEIGHED_AT


def slip_count() -> int:
    return db.session.scalar(select(func.count()).select_from(WeighSlip))


def test_a_slip_against_a_line_pays_the_order_farm_gate_price_and_starts_the_collection(allocated, weigh):
    line = allocated.lines["张秀英"]
    slip = weigh(line, rows=[("特级", "50"), ("一级", "150")])
    assert slip.allocation_id == line.id and slip.contract_id is None
    assert [(l.grade.name, l.unit_price, l.price_basis, l.amount) for l in slip.lines] == [
        ("特级", Decimal("8.00"), "order", Decimal("400.00")), ("一级", Decimal("6.80"), "order", Decimal("1020.00"))]
    db.session.refresh(allocated.order)
    assert allocated.order.status is OrderStatus.COLLECTING
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "buyer_order.start_collection"))


def test_only_the_first_slip_moves_the_order_and_later_ones_keep_it_collecting(allocated, weigh):
    weigh(allocated.lines["张秀英"], "100")
    weigh(allocated.lines["李桂兰"], "100")
    db.session.refresh(allocated.order)
    assert allocated.order.status is OrderStatus.COLLECTING
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "buyer_order.start_collection")) == 1


def test_a_slip_for_another_household_than_the_line_is_refused_and_nothing_changes(allocated, weigh, catalogue,
                                                                                   coordinator):
    line = allocated.lines["张秀英"]
    other = allocated.lines["李桂兰"]
    with pytest.raises(ValidationFailed) as error:
        weighing.issue_slip(coordinator, household_id=other.household_id, variety_id=allocated.order.variety_id,
                            allocation_id=line.id, gross="112", tare="12", weighed_at=WEIGHED_AT,
                            grade_split=[{"grade_id": catalogue["grades"]["一级"].id, "amount": "100"}])
    db.session.rollback()
    assert "household_id" in error.value.fields
    assert slip_count() == 0
    assert db.session.get(type(allocated.order), allocated.order.id).status is OrderStatus.ALLOCATED


def test_a_slip_of_another_variety_than_the_order_is_refused(allocated, catalogue, coordinator):
    line = allocated.lines["张秀英"]
    with pytest.raises(ValidationFailed) as error:
        weighing.issue_slip(coordinator, household_id=line.household_id, variety_id=catalogue["varieties"][1].id,
                            allocation_id=line.id, gross="112", tare="12", weighed_at=WEIGHED_AT,
                            grade_split=[{"grade_id": catalogue["grades"]["一级"].id, "amount": "100"}])
    assert "variety_id" in error.value.fields


def test_fruit_below_the_order_grades_is_not_bought_on_the_line(allocated, weigh):
    with pytest.raises(ValidationFailed) as error:
        weigh(allocated.lines["张秀英"], "20", "等外")
    assert "grade_split" in error.value.fields and "田间剔除" in error.value.text()  # "record it as a field reject"
    db.session.rollback()
    assert slip_count() == 0


def test_the_order_sets_the_price_so_a_typed_unit_price_is_refused(allocated, catalogue, coordinator):
    line = allocated.lines["张秀英"]
    with pytest.raises(ValidationFailed) as error:
        weighing.issue_slip(coordinator, household_id=line.household_id, variety_id=allocated.order.variety_id,
                            allocation_id=line.id, gross="112", tare="12", weighed_at=WEIGHED_AT,
                            grade_split=[{"grade_id": catalogue["grades"]["一级"].id, "amount": "100",
                                          "unit_price": "9.99"}])
    assert "grade_split" in error.value.fields


def test_an_unconfirmed_or_unknown_line_cannot_be_weighed_against(allocated, catalogue, coordinator):
    line = allocated.lines["张秀英"]
    line.run.status = RunStatus.SUPERSEDED
    db.session.flush()
    for ident in (line.id, 99999):
        with pytest.raises(ValidationFailed) as error:
            weighing.issue_slip(coordinator, household_id=line.household_id, variety_id=allocated.order.variety_id,
                                allocation_id=ident, gross="112", tare="12", weighed_at=WEIGHED_AT,
                                grade_split=[{"grade_id": catalogue["grades"]["一级"].id, "amount": "100"}])
        assert "allocation_id" in error.value.fields


def test_a_line_takes_one_crate_more_than_allocated_but_not_two(allocated, weigh):
    line = allocated.lines["张秀英"]  # 200 公斤, crates of 10
    weigh(line, "205")
    with pytest.raises(ValidationFailed) as error:
        weigh(line, "5.001")
    assert "gross" in error.value.fields and "5" in error.value.text()
    db.session.rollback()
    weigh(line, "5")
    assert collection.line_progress(line).collected_kg == Decimal("210.000")


def test_collected_against_allocated_is_reported_per_line_and_in_total(allocated, weigh, coordinator):
    weigh(allocated.lines["张秀英"], "200")
    weigh(allocated.lines["李桂兰"], "120")
    board = collection.collection(coordinator, allocated.order)
    by_name = {item.line.household.head_name: item for item in board.lines}
    assert (by_name["张秀英"].collected_kg, by_name["张秀英"].finished) == (Decimal("200.000"), True)
    assert (by_name["李桂兰"].collected_kg, by_name["李桂兰"].expected_kg) == (Decimal("120.000"), Decimal("80.000"))
    assert (board.quantity_kg, board.allocated_kg, board.collected_kg, board.expected_kg, board.shortfall_kg) == (
        Decimal("600.000"), Decimal("600.000"), Decimal("320.000"), Decimal("280.000"), Decimal("0.000"))
    assert len(board.unshipped_slips) == 2


def test_villagers_and_buyers_cannot_read_the_collection_board(allocated, villager, buyer_staff):
    for actor in (villager, buyer_staff):
        with pytest.raises(PermissionDenied):
            collection.collection(actor, allocated.order)


def test_a_lot_that_gave_everything_it_had_is_collected(make_household, make_lot, make_order, coordinator, weigh):
    from market.orders import allocation_runs
    lot = make_lot(make_household("赵大娘"), "100")
    order = make_order("100公斤", share_cap_pct="100")
    allocation_runs.confirm_run(coordinator, allocation_runs.run_allocation(coordinator, order))
    db.session.commit()
    (line,) = collection.collection(coordinator, order).lines
    weigh(line.line, "60")
    assert db.session.get(ProduceLot, lot.id).status is LotStatus.ALLOCATED
    weigh(line.line, "40")
    assert db.session.get(ProduceLot, lot.id).status is LotStatus.COLLECTED
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "produce_lot.collect",
                                                          AuditEvent.entity_id == lot.id))


def test_a_lot_with_fruit_still_free_stays_offered_after_its_line_is_collected(allocated, weigh):
    weigh(allocated.lines["张秀英"], "200")  # the lot has 300, so 100 are still free
    lot = db.session.get(ProduceLot, allocated.lots["张秀英"].id)
    assert lot.status is LotStatus.ALLOCATED and lot.quantity_kg - lot.reserved_kg == Decimal("100.000")


def test_fruit_refused_in_the_field_is_recorded_not_bought_and_becomes_short(allocated, weigh, coordinator):
    line = allocated.lines["李桂兰"]
    weigh(line, "185")
    reject = collection.record_reject(coordinator, line, quantity="30", unit="jin", reason="果个偏小")
    db.session.commit()
    assert (reject.kg, reject.entered_unit.value, reject.reason) == (Decimal("15.000"), "jin", "果个偏小")
    item = collection.line_progress(line)
    assert (item.collected_kg, item.rejected_kg, item.finished) == (Decimal("185.000"), Decimal("15.000"), True)
    board = collection.collection(coordinator, allocated.order)
    assert board.shortfall_kg == Decimal("15.000")
    assert sum(slip.net_kg for slip in board.slips) == Decimal("185.000")  # nothing bought for the rejects
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "field_reject.create"))
    assert event.on_behalf_of_household_id == line.household_id and event.after["kg"] == "15.000"


@pytest.mark.parametrize("quantity, reason, field", [("0", "烂果", "quantity"), ("abc", "烂果", "quantity"),
                                                     ("5", "  ", "reason"), ("300", "烂果", "quantity")])
def test_a_field_reject_needs_a_weight_the_line_can_hold_and_a_reason(allocated, coordinator, quantity, reason, field):
    with pytest.raises(ValidationFailed) as error:
        collection.record_reject(coordinator, allocated.lines["张秀英"], quantity=quantity, reason=reason)
    assert field in error.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(FieldReject)) == 0


def test_a_reject_may_name_the_weighing_it_was_sorted_out_at_but_only_of_its_own_line(allocated, weigh, coordinator):
    own = weigh(allocated.lines["张秀英"], "100")
    other = weigh(allocated.lines["李桂兰"], "100")
    reject = collection.record_reject(coordinator, allocated.lines["张秀英"], quantity="3", reason="磕碰",
                                      slip_id=own.id)
    assert reject.slip_id == own.id
    with pytest.raises(ValidationFailed) as error:
        collection.record_reject(coordinator, allocated.lines["张秀英"], quantity="3", reason="磕碰", slip_id=other.id)
    assert "slip_id" in error.value.fields


def test_closing_a_line_short_puts_its_remainder_into_the_shortfall_and_finishes_the_lot(allocated, weigh,
                                                                                        coordinator):
    line = allocated.lines["王建国"]
    weigh(line, "150")
    closure = collection.close_line(coordinator, line, "家里没有了")
    db.session.commit()
    assert closure.short_kg == Decimal("50.000")
    assert collection.collection(coordinator, allocated.order).shortfall_kg == Decimal("50.000")
    assert db.session.get(ProduceLot, line.lot_id).status is LotStatus.COLLECTED  # the household ran out
    with pytest.raises(ValidationFailed):
        weigh(line, "10")
    db.session.rollback()
    with pytest.raises(Conflict):
        collection.close_line(coordinator, line, "again")


def test_closing_needs_a_reason(allocated, coordinator):
    with pytest.raises(ValidationFailed) as error:
        collection.close_line(coordinator, allocated.lines["王建国"], "")
    assert "reason" in error.value.fields
    assert db.session.scalar(select(func.count()).select_from(AllocationClosure)) == 0


def test_the_shortfall_is_reallocated_and_confirmed_in_one_step_from_free_supply(allocated, weigh, coordinator,
                                                                                make_household, make_lot):
    make_lot(make_household("周秀兰"), "80")
    reserved_before = db.session.scalar(select(func.sum(ProduceLot.reserved_kg)))
    weigh(allocated.lines["张秀英"], "200")
    weigh(allocated.lines["李桂兰"], "200")
    weigh(allocated.lines["王建国"], "140")
    collection.close_line(coordinator, allocated.lines["王建国"], "雹灾")
    db.session.commit()
    run = collection.reallocate_shortfall(coordinator, allocated.order, "fair")
    db.session.commit()
    assert run.status is RunStatus.CONFIRMED and run.requested_kg == Decimal("60.000")
    assert run.filled_kg == Decimal("60.000") and run.shortfall_kg == 0
    board = collection.collection(coordinator, allocated.order)
    assert (board.expected_kg, board.shortfall_kg) == (Decimal("60.000"), Decimal("0.000"))
    assert allocated.order.status is OrderStatus.COLLECTING
    # the kilograms are reserved on the lots they come from, never beyond what a lot has
    for new_line in run.lines:
        lot = db.session.get(ProduceLot, new_line.lot_id)
        assert lot.reserved_kg <= lot.quantity_kg and lot.id != allocated.lots["王建国"].id
    assert db.session.scalar(select(func.sum(ProduceLot.reserved_kg))) == reserved_before + Decimal("60")
    with pytest.raises(ValidationFailed):
        collection.reallocate_shortfall(coordinator, allocated.order)


def test_without_free_supply_the_shortfall_stays_and_nothing_is_reserved(allocated, weigh, coordinator):
    for name in ("张秀英", "李桂兰", "王建国"):
        lot = db.session.get(ProduceLot, allocated.lots[name].id)
        lot.status = LotStatus.WITHDRAWN if name != "王建国" else lot.status
    weigh(allocated.lines["王建国"], "100")
    collection.close_line(coordinator, allocated.lines["王建国"], "没有了")
    db.session.commit()
    with pytest.raises(collection.NoSupply):
        collection.reallocate_shortfall(coordinator, allocated.order)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Allocation)) == 3


def test_only_coordinators_and_admins_collect(allocated, villager, accountant, buyer_staff, weigh):
    line = allocated.lines["张秀英"]
    for actor in (villager, accountant, buyer_staff):
        with pytest.raises(PermissionDenied):
            collection.record_reject(actor, line, quantity="1", reason="x")
        with pytest.raises(PermissionDenied):
            collection.close_line(actor, line, "x")
        with pytest.raises(PermissionDenied):
            collection.reallocate_shortfall(actor, allocated.order)
        with pytest.raises(PermissionDenied):
            weigh(line, "10", actor=actor)


def test_a_void_slip_stops_counting_and_its_reissue_stays_on_the_same_line(allocated, weigh, coordinator):
    line = allocated.lines["张秀英"]
    slip = weigh(line, "200")
    weighing.void_slip(coordinator, slip, "毛重抄错")
    db.session.commit()
    assert collection.line_progress(line).collected_kg == 0
    values = replace(weighing.values_of(slip),  # as the re-issue page starts: no allocation named
                     gross=Decimal("202"), grade_split=[{"grade_id": slip.lines[0].grade_id, "amount": "190"}])
    new = weighing.reissue_slip(coordinator, slip, values)
    db.session.commit()
    assert new.allocation_id == line.id and new.replaces_id == slip.id
    assert new.lines[0].price_basis == "order" and new.lines[0].unit_price == Decimal("6.80")
    assert collection.line_progress(line).collected_kg == Decimal("190.000")
    with pytest.raises(ValidationFailed):
        weighing.issue_slip(coordinator, replace(weighing.values_of(new), allocation_id=allocated.lines["李桂兰"].id,
                                                 grade_split=[{"grade_id": new.lines[0].grade_id, "amount": "10"}],
                                                 gross="22", tare="12"))


def test_the_household_may_deliver_on_its_own_contract_within_the_order(allocated, weigh, catalogue, coordinator):
    from models import ContractGradePrice, ContractStatus, PriceMechanism, PurchaseContract
    from datetime import date
    line = allocated.lines["张秀英"]
    grades = catalogue["grades"]
    contract = PurchaseContract(
        number="HT2026-0100", household_id=line.household_id, season="2026", variety_id=allocated.order.variety_id,
        grade_table_id=catalogue["table"].id, main_grade_id=grades["一级"].id, area_mu=Decimal("2"),
        expected_kg=Decimal("1000"), tolerance_pct=Decimal("10"), mechanism=PriceMechanism.FIXED,
        starts_on=date(2026, 6, 1), ends_on=date(2026, 9, 30), status=ContractStatus.SIGNED,
        created_by_id=coordinator.id, prices=[ContractGradePrice(grade_id=grades["一级"].id, price=Decimal("7.20"))])
    db.session.add(contract)
    db.session.commit()
    slip = weigh(line, "100", contract_id=contract.id)
    assert (slip.contract_id, slip.lines[0].unit_price, slip.lines[0].price_basis) == (contract.id, Decimal("7.20"),
                                                                                       "fixed")


@pytest.mark.postgres_only
def test_two_weighers_at_once_cannot_take_a_line_past_its_allocation(app, allocated, coordinator, make_user, catalogue):
    from models import User
    line_id = allocated.lines["张秀英"].id
    other = make_user(RoleName.COORDINATOR, name="王协调")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def weigh_at_once(user_id: int) -> None:
        with app.app_context():
            actor = db.session.get(User, user_id)
            line = db.session.get(Allocation, line_id)
            barrier.wait()
            try:
                weighing.issue_slip(actor, household_id=line.household_id, variety_id=line.run.order.variety_id,
                                    allocation_id=line.id, gross="162", tare="12", weighed_at=WEIGHED_AT,
                                    grade_split=[{"grade_id": catalogue["grades"]["一级"].id, "amount": "150"}])
                db.session.commit()
                outcomes.append("ok")
            except ValidationFailed:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=weigh_at_once, args=(ident,)) for ident in (coordinator.id, other.id)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "refused"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(WeighSlip)
                             .where(WeighSlip.status == SlipStatus.CONFIRMED)) == 1


def test_a_slip_of_a_closed_line_can_still_be_corrected(allocated, weigh, coordinator):
    line = allocated.lines["王建国"]
    slip = weigh(line, "150")
    collection.close_line(coordinator, line, "没有了")
    weighing.void_slip(coordinator, slip, "净重抄错")
    db.session.commit()
    values = replace(weighing.values_of(slip), gross=Decimal("157"),
                     grade_split=[{"grade_id": slip.lines[0].grade_id, "amount": "145"}])
    new = weighing.reissue_slip(coordinator, slip, values)
    db.session.commit()
    assert new.allocation_id == line.id
    assert collection.line_progress(line).collected_kg == Decimal("145.000")
