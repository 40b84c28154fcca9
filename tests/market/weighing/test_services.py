"""Issuing, pricing, numbering, voiding and re-issuing weigh slips."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from market.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.weighing import services
from models import (AuditEvent, ContractStatus, PriceMechanism, RoleName, SlipStatus, WeighSlip, WeighSlipLine,
                    db)

from .conftest import DAY, WEIGHED_AT


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# --- pricing by each contract mechanism ---------------------------------------------------

def test_a_fixed_price_contract_prices_each_grade_and_the_slip_sums_the_lines(issue, make_contract, household):
    contract = make_contract(household, PriceMechanism.FIXED)
    slip = issue(contract_id=contract.id, gross="230", tare="30",
                 rows=(("二级", "50.5"), ("特级", "100"), ("一级", "49.5")))
    by_grade = {line.grade.name: line for line in slip.lines}
    assert [line.grade.name for line in slip.lines] == ["特级", "一级", "二级"]  # best grade first
    assert by_grade["特级"].unit_price == Decimal("6.00") and by_grade["特级"].amount == Decimal("600.00")
    assert by_grade["一级"].amount == Decimal("247.50")
    assert by_grade["二级"].amount == Decimal("202.00")
    assert {line.price_basis for line in slip.lines} == {"fixed"}
    assert all(line.quote_id is None for line in slip.lines)
    assert slip.net_kg == Decimal("200.000")
    assert slip.amount == Decimal("1049.50") == sum(line.amount for line in slip.lines)


def test_the_first_delivery_starts_a_signed_contract(issue, make_contract, household):
    contract = make_contract(household, PriceMechanism.FIXED)
    issue(contract_id=contract.id)
    db.session.refresh(contract)
    assert contract.status is ContractStatus.ACTIVE
    assert "purchase_contract.activate" in audit_actions()
    issue(contract_id=contract.id)  # an active contract keeps taking deliveries
    assert count(WeighSlip) == 2


def test_a_floor_contract_pays_the_market_when_the_quote_is_above_the_floor(issue, make_contract, make_quote,
                                                                          household):
    contract = make_contract(household, PriceMechanism.FLOOR, prices={"一级": "4.00"})
    quote = make_quote("一级", "4.60")
    line = issue(contract_id=contract.id).lines[0]
    assert (line.unit_price, line.price_basis, line.quote_id) == (Decimal("4.60"), "quote", quote.id)
    assert line.amount == Decimal("460.00")


def test_a_floor_contract_pays_the_floor_when_the_quote_is_below_it(issue, make_contract, make_quote, household):
    contract = make_contract(household, PriceMechanism.FLOOR, prices={"一级": "4.00"})
    quote = make_quote("一级", "3.20")
    line = issue(contract_id=contract.id).lines[0]
    assert (line.unit_price, line.price_basis) == (Decimal("4.00"), "floor")
    assert line.quote_id == quote.id  # the quote that was weighed against the floor


def test_a_market_plus_contract_adds_its_premium_to_the_day_s_quote(issue, make_contract, make_quote, household):
    contract = make_contract(household, PriceMechanism.MARKET_PLUS, prices={"一级": "3.00"}, premium_pct="10")
    make_quote("一级", "4.55")
    line = issue(contract_id=contract.id).lines[0]
    # 4.55 × 1.10 = 5.005 → 5.01 (half up)
    assert (line.unit_price, line.price_basis) == (Decimal("5.01"), "quote_plus")
    assert line.amount == Decimal("501.00")


def test_quotes_of_another_day_or_market_do_not_count(issue, make_contract, make_quote, household):
    contract = make_contract(household, PriceMechanism.FLOOR, prices={"一级": "4.00"})
    make_quote("一级", "9.00", day=DAY - timedelta(days=1))
    make_quote("一级", "9.00", source="别的市场")
    with pytest.raises(ValidationFailed):
        issue(contract_id=contract.id)


def test_a_base_bonus_contract_pays_the_base_now_and_records_the_promised_bonus(issue, make_contract, household):
    contract = make_contract(household, PriceMechanism.BASE_BONUS, prices={"一级": "4.20"}, bonus_per_kg="0.30")
    slip = issue(contract_id=contract.id)
    assert (slip.lines[0].unit_price, slip.lines[0].price_basis) == (Decimal("4.20"), "base")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "weigh_slip.issue"))
    assert event.after["bonus_per_kg"] == {str(slip.lines[0].grade_id): "0.30"}


def test_a_missing_quote_is_a_clear_error_and_nothing_is_written(issue, make_contract, household):
    contract = make_contract(household, PriceMechanism.MARKET_PLUS, prices={"一级": "3.00"}, premium_pct="5")
    with pytest.raises(ValidationFailed) as caught:
        issue(contract_id=contract.id, commit=False)
    db.session.rollback()
    message = caught.value.field_texts()["grade_split"][0]
    assert "2026-08-26" in message and "西安北二环市场" in message
    assert count(WeighSlip) == count(WeighSlipLine) == 0
    assert not [a for a in audit_actions() if a.startswith("weigh_slip")]
    db.session.refresh(contract)
    assert contract.status is ContractStatus.SIGNED


def test_a_slip_is_priced_on_its_local_date(issue, make_contract, make_quote, household):
    contract = make_contract(household, PriceMechanism.FLOOR, prices={"一级": "4.00"})
    make_quote("一级", "5.00", day=date(2026, 8, 27))
    # 2026-08-26 17:00 UTC is 01:00 on the 27th in Xianyang
    slip = issue(contract_id=contract.id, weighed_at=datetime(2026, 8, 26, 17, 0, tzinfo=timezone.utc))
    assert slip.lines[0].unit_price == Decimal("5.00")
    assert slip.serial.startswith("GB20260827-")


# --- spot purchases ----------------------------------------------------------------------

def test_a_spot_purchase_takes_its_prices_per_jin_or_per_kg(issue):
    slip = issue(price_unit="jin", rows=(("特级", "60", "3.05"), ("一级", "40", "2.50")))
    lines = {line.grade.name: line for line in slip.lines}
    assert lines["特级"].unit_price == Decimal("6.10") and lines["特级"].price_basis == "spot"
    assert lines["一级"].unit_price == Decimal("5.00")
    assert slip.amount == Decimal("366.00") + Decimal("200.00")
    assert slip.contract_id is None


def test_a_spot_purchase_needs_a_price_for_every_grade(app, catalogue, coordinator, household):
    with pytest.raises(ValidationFailed) as caught:
        services.issue_slip(coordinator, household_id=household.id, variety_id=catalogue["varieties"][0].id,
                            gross="100", tare="0", weighed_at=WEIGHED_AT,
                            grade_split=[{"grade_id": catalogue["grades"]["一级"].id, "amount": "100"}])
    assert "grade_split" in caught.value.fields


def test_a_contract_slip_refuses_a_typed_price(issue, make_contract, household):
    contract = make_contract(household)
    with pytest.raises(ValidationFailed) as caught:
        issue(contract_id=contract.id, rows=(("一级", "100", "9.99"),))
    assert "grade_split" in caught.value.fields


# --- what a slip may be weighed against -------------------------------------------------------

def test_the_contract_must_belong_to_the_household(issue, make_contract, make_household):
    other = make_household(head_name="王建国")
    contract = make_contract(other)
    with pytest.raises(ValidationFailed) as caught:
        issue(contract_id=contract.id)
    assert "contract_id" in caught.value.fields


def test_the_contract_must_be_for_the_variety(issue, make_contract, household, catalogue):
    contract = make_contract(household, variety=catalogue["varieties"][1])
    with pytest.raises(ValidationFailed) as caught:
        issue(contract_id=contract.id)
    assert "contract_id" in caught.value.fields


@pytest.mark.parametrize("status", [ContractStatus.DRAFT, ContractStatus.FULFILLED, ContractStatus.TERMINATED])
def test_only_signed_or_active_contracts_take_deliveries(issue, make_contract, household, status):
    contract = make_contract(household, status=status)
    with pytest.raises(ValidationFailed) as caught:
        issue(contract_id=contract.id)
    assert "contract_id" in caught.value.fields


def test_grades_must_come_from_the_variety_s_grade_table(issue, catalogue, household):
    with pytest.raises(ValidationFailed) as caught:
        issue(grade_split=[{"grade_id": 9999, "amount": "100", "unit_price": "5"}])
    assert "grade_split" in caught.value.fields


def test_an_inactive_household_cannot_deliver(issue, household):
    household.active = False
    db.session.commit()
    with pytest.raises(ValidationFailed) as caught:
        issue()
    assert "household_id" in caught.value.fields


# --- weights as typed -----------------------------------------------------------------------

def test_weights_are_accepted_in_jin_kg_and_tonnes(issue):
    slip = issue(unit="jin", gross="2600", tare="100公斤", deduction_kind="fixed", deduction_value="10",
                 rows=(("一级", "2390"),))
    assert (slip.gross_kg, slip.tare_kg, slip.deduction_kg) == (Decimal("1300.000"), Decimal("100.000"),
                                                                 Decimal("5.000"))
    assert slip.net_kg == Decimal("1195.000")
    slip = issue(gross="1.2吨", tare="0.2t", rows=(("一级", "1000"),))
    assert slip.net_kg == Decimal("1000.000")


def test_a_percent_split_is_turned_into_grams_that_add_up(issue):
    slip = issue(gross="100.001", tare="0", split_mode="percent", rows=(("特级", "50"), ("一级", "50")))
    assert sum(line.net_kg for line in slip.lines) == slip.net_kg == Decimal("100.001")
    assert sorted(line.net_kg for line in slip.lines) == [Decimal("50.000"), Decimal("50.001")]


def test_per_crate_deductions_use_the_crate_count(issue):
    slip = issue(gross="200", tare="0", crates=20, deduction_kind="per_unit", deduction_value="0.5",
                 rows=(("一级", "190"),))
    assert slip.deduction_kg == Decimal("10.000") and slip.deduction_value == Decimal("0.500")


def test_a_percent_deduction_is_stored_with_its_percentage(issue):
    slip = issue(gross="130", tare="30", deduction_kind="percent", deduction_value="1.5", rows=(("一级", "98.5"),))
    assert (slip.deduction_value, slip.deduction_kg, slip.net_kg) == (
        Decimal("1.500"), Decimal("1.500"), Decimal("98.500"))


@pytest.mark.parametrize("values, field", [
    ({"gross": "-100"}, "gross"),
    ({"gross": "0"}, "gross"),
    ({"gross": "150吨"}, "gross"),
    ({"gross": "100磅"}, "gross"),
    ({"gross": "abc"}, "gross"),
    ({"unit": "lb"}, "unit"),
    ({"tare": "140"}, "tare"),
    ({"tare": "-1"}, "tare"),
    ({"deduction_kind": "percent", "deduction_value": "120"}, "deduction_value"),
    ({"deduction_kind": "sideways"}, "deduction_kind"),
    ({"crates": -3, "deduction_kind": "per_unit", "deduction_value": "1"}, "crates"),
    ({"crates": "many"}, "crates"),
    ({"rows": (("一级", "99"),)}, "grade_split"),
    ({"rows": (("一级", "60"), ("一级", "40"))}, "grade_split"),
    ({"rows": (("一级", "60"), ("二级", "30")), "split_mode": "percent"}, "grade_split"),
    ({"split_mode": "thirds"}, "split_mode"),
    ({"weighed_at": datetime.now(timezone.utc) + timedelta(days=1)}, "weighed_at"),
    ({"plate": "陕D" + "1" * 20}, "plate"),
    ({"household_id": 9999}, "household_id"),
    ({"variety_id": None}, "variety_id"),
])
def test_bad_input_is_refused_on_its_field_and_nothing_is_written(issue, values, field):
    with pytest.raises(ValidationFailed) as caught:
        issue(commit=False, **values)
    db.session.rollback()
    assert field in caught.value.fields, caught.value.fields
    assert all(caught.value.field_texts()[field])
    assert count(WeighSlip) == 0


# --- serials -----------------------------------------------------------------------------

def test_serials_count_up_per_local_day(issue):
    first = issue()
    second = issue(weighed_at=WEIGHED_AT + timedelta(hours=2))
    next_day = issue(weighed_at=WEIGHED_AT + timedelta(days=1))
    assert (first.serial, second.serial, next_day.serial) == (
        "GB20260826-0001", "GB20260826-0002", "GB20260827-0001")


def test_a_voided_slip_keeps_its_number_and_the_next_slip_takes_a_new_one(issue, coordinator):
    first = issue()
    services.void_slip(coordinator, first, "称错了")
    db.session.commit()
    assert issue().serial == "GB20260826-0002"


def test_a_serial_taken_by_a_concurrent_weigher_is_skipped(issue, monkeypatch):
    issue()
    issue()
    real = services._day_serial_max
    stale = iter(["GB20260826-0001"])  # what a weigher who read a moment too early saw

    def racing(day):
        return next(stale, None) or real(day)

    monkeypatch.setattr(services, "_day_serial_max", racing)
    slip = issue()
    assert slip.serial == "GB20260826-0003"
    assert count(WeighSlip) == 3


# --- void and re-issue -------------------------------------------------------------------------

def test_voiding_records_who_when_and_why_and_keeps_the_slip(issue, coordinator):
    slip = issue()
    services.void_slip(coordinator, slip, "  皮重填错  ")
    db.session.commit()
    db.session.refresh(slip)
    assert slip.status is SlipStatus.VOID
    assert (slip.void_reason, slip.voided_by_id) == ("皮重填错", coordinator.id)
    assert slip.voided_at is not None
    assert slip.net_kg == Decimal("100.000") and len(slip.lines) == 1  # nothing else changed
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "weigh_slip.void"))
    assert event.reason == "皮重填错" and event.actor_id == coordinator.id
    assert event.before == {"status": "confirmed"} and event.after["status"] == "void"


def test_a_void_needs_a_reason(issue, coordinator):
    slip = issue()
    with pytest.raises(ValidationFailed) as caught:
        services.void_slip(coordinator, slip, "   ")
    assert "reason" in caught.value.fields
    assert slip.status is SlipStatus.CONFIRMED


def test_a_voided_slip_cannot_be_voided_again(issue, coordinator, admin):
    slip = issue()
    services.void_slip(coordinator, slip, "称错了")
    db.session.commit()
    with pytest.raises(InvalidTransition):
        services.void_slip(admin, slip, "再作废")
    db.session.rollback()
    db.session.refresh(slip)
    assert slip.void_reason == "称错了" and slip.voided_by_id == coordinator.id


def test_a_stale_copy_cannot_void_a_slip_someone_else_already_voided(issue, coordinator, admin):
    slip = issue()
    services.void_slip(coordinator, slip, "称错了")
    db.session.commit()
    set_committed_value(slip, "status", SlipStatus.CONFIRMED)  # a copy loaded before the other void
    with pytest.raises(InvalidTransition):
        services.void_slip(admin, slip, "也作废")
    db.session.rollback()
    assert db.session.get(WeighSlip, slip.id).void_reason == "称错了"


def test_a_reissued_slip_points_at_the_voided_one_and_both_stay(issue, coordinator, household, catalogue):
    wrong = issue(gross="130", tare="3", rows=(("一级", "127"),))
    services.void_slip(coordinator, wrong, "皮重应为30公斤")
    db.session.commit()
    right = services.reissue_slip(coordinator, wrong, household_id=household.id,
                                  variety_id=catalogue["varieties"][0].id, gross="130", tare="30",
                                  weighed_at=WEIGHED_AT,
                                  grade_split=[{"grade_id": catalogue["grades"]["一级"].id, "amount": "100",
                                                "unit_price": "5.00"}])
    db.session.commit()
    assert right.replaces_id == wrong.id and right.serial != wrong.serial
    assert services.replacement_of(wrong).id == right.id
    assert db.session.get(WeighSlip, wrong.id).status is SlipStatus.VOID
    assert count(WeighSlip) == 2


def test_only_a_voided_slip_can_be_reissued_and_only_once(issue, coordinator):
    slip = issue()
    with pytest.raises(Conflict):
        issue(replaces_id=slip.id)
    db.session.rollback()
    services.void_slip(coordinator, slip, "称错了")
    db.session.commit()
    issue(replaces_id=slip.id)
    with pytest.raises(Conflict):
        issue(replaces_id=slip.id)
    db.session.rollback()
    with pytest.raises(NotFound):
        issue(replaces_id=12345)


def test_there_is_no_way_to_edit_a_slip():
    actions = [name for name, value in vars(services).items()
               if callable(value) and getattr(value, "__module__", "") == services.__name__]
    assert "issue_slip" in actions and "void_slip" in actions
    assert not [name for name in actions if any(word in name for word in ("update", "edit", "change", "set_"))]


def test_issuing_is_audited_with_the_lines_and_the_unit_typed(issue):
    slip = issue(unit="jin", gross="260", tare="60", rows=(("一级", "200"),))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "weigh_slip.issue"))
    assert event.entity_id == slip.id
    assert event.after["serial"] == slip.serial and event.after["net_kg"] == "100.000"
    assert event.after["entered"]["unit"] == "jin"
    assert event.after["lines"][0]["amount"] == "500.00"


# --- permissions --------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [RoleName.VILLAGER, RoleName.ACCOUNTANT, RoleName.BUYER])
def test_only_coordinators_and_admins_weigh(issue, make_user, household, role):
    actor = make_user(role, household=household if role is RoleName.VILLAGER else None)
    with pytest.raises(PermissionDenied):
        issue(actor)
    assert count(WeighSlip) == 0


def test_an_admin_may_weigh(issue, admin):
    assert issue(admin).weigher_id == admin.id


def test_villagers_cannot_void(issue, villager):
    slip = issue(household_id=villager.household_id)
    with pytest.raises(PermissionDenied):
        services.void_slip(villager, slip, "不要了")


def test_villagers_see_only_their_own_slips(issue, villager, make_household):
    mine = issue(household_id=villager.household_id)
    issue(household_id=make_household(head_name="王建国").id)
    seen = db.session.scalars(services.slips_query(villager)).all()
    assert [s.id for s in seen] == [mine.id]
    # asking for another household's slips still shows only their own
    other_filter = db.session.scalars(services.slips_query(villager, household_id=mine.household_id + 1)).all()
    assert other_filter == []


def test_a_villager_cannot_open_another_household_s_slip(issue, villager, make_household):
    other = issue(household_id=make_household(head_name="王建国").id)
    with pytest.raises(PermissionDenied):
        services.get_slip(villager, other.id)


def test_buyers_see_no_slips(issue, buyer_user):
    issue()
    with pytest.raises(PermissionDenied):
        services.slips_query(buyer_user)


def test_staff_filter_slips_by_day_household_contract_and_status(issue, coordinator, make_contract, household,
                                                                 make_household):
    contract = make_contract(household)
    on_contract = issue(contract_id=contract.id)
    other_day = issue(weighed_at=WEIGHED_AT - timedelta(days=1))
    other_household = issue(household_id=make_household(head_name="王建国").id)
    services.void_slip(coordinator, other_day, "重复")
    db.session.commit()

    def ids(**filters):
        return {s.id for s in db.session.scalars(services.slips_query(coordinator, **filters))}

    assert ids(day=DAY) == {on_contract.id, other_household.id}
    assert ids(household_id=household.id) == {on_contract.id, other_day.id}
    assert ids(contract_id=contract.id) == {on_contract.id}
    assert ids(status="void") == {other_day.id}
