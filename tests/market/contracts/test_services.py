"""Creating contracts, moving them through their life, prepayments and delivery progress."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from market.contracts import services
from market.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from market.units import Money, Quantity, Unit, Weight
from models import (AuditEvent, ContractPrepayment, ContractStatus, Grade, GradeTable, PrepaymentKind,
                    PurchaseContract, SlipStatus, db)

from .conftest import price_rows


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def audit_actions() -> list[str]:
    return [a for a in db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id))
            if not a.startswith("user.")]


# --- creating -------------------------------------------------------------------------------

def test_a_coordinator_creates_a_draft_contract_with_a_price_for_every_grade(coordinator, contract_args, grades):
    contract = services.create_contract(coordinator, **contract_args())
    db.session.commit()
    assert contract.number == "HT2026-0001"
    assert contract.status is ContractStatus.DRAFT
    assert contract.grade_table.is_default
    assert {p.grade.name: p.price for p in contract.prices} == {
        "特级": Decimal("8.00"), "一级": Decimal("6.00"), "二级": Decimal("4.00"), "等外": Decimal("1.00")}
    assert contract.expected_kg == Decimal("5000.000")
    assert audit_actions() == ["purchase_contract.create"]


def test_numbers_run_in_sequence_within_each_season(coordinator, contract_args):
    numbers = [services.create_contract(coordinator, **contract_args(season=s)).number
               for s in ("2026", "2026", "2027", "2026")]
    assert numbers == ["HT2026-0001", "HT2026-0002", "HT2027-0001", "HT2026-0003"]
    assert len(set(numbers)) == 4


def test_the_expected_quantity_may_be_given_in_jin_or_tonnes(coordinator, contract_args):
    in_jin = services.create_contract(coordinator, **contract_args(expected_kg="6000斤"))
    in_tonnes = services.create_contract(coordinator, **contract_args(expected_kg=Quantity(Weight("5.4", "t"), Unit.TONNE)))
    assert (in_jin.expected_kg, in_tonnes.expected_kg) == (Decimal("3000.000"), Decimal("5400.000"))


def test_prices_in_yuan_per_jin_are_stored_per_kilogram(coordinator, contract_args, grades):
    contract = services.create_contract(coordinator, **contract_args(
        price_unit="jin", grade_prices=price_rows(grades, "4.00", "3.575", "2.00", "0.50")))
    assert {p.grade.name: p.price for p in contract.prices}["一级"] == Decimal("7.15")


def test_a_price_per_jin_that_is_not_whole_fen_per_kg_is_refused(coordinator, contract_args, grades):
    with pytest.raises(ValidationFailed) as caught:
        services.create_contract(coordinator, **contract_args(
            price_unit="jin", grade_prices=price_rows(grades, first="3.571")))
    assert list(caught.value.fields) == [f"grade_prices.{grades['一级'].id}"]


def test_every_grade_of_the_table_needs_a_price(coordinator, contract_args, grades):
    prices = price_rows(grades)
    del prices[grades["等外"].id]
    with pytest.raises(ValidationFailed) as caught:
        services.create_contract(coordinator, **contract_args(grade_prices=prices))
    assert caught.value.field_texts() == {f"grade_prices.{grades['等外'].id}": ["请填写等外的价格。"]}
    assert count(PurchaseContract) == 0


def test_bad_input_is_refused_with_every_field_named_and_nothing_written(coordinator, contract_args, grades):
    with pytest.raises(ValidationFailed) as caught:
        services.create_contract(coordinator, **contract_args(
            area_mu="0", expected_kg="-5", tolerance_pct="51", premium_pct="-1", mechanism="market_plus",
            quote_source="", starts_on=date(2026, 9, 1), ends_on=date(2026, 8, 1),
            grade_prices=price_rows(grades, second="-1")))
    assert set(caught.value.fields) == {"area_mu", "expected_kg", "tolerance_pct", "premium_pct", "quote_source",
                                        "ends_on", f"grade_prices.{grades['二级'].id}"}
    assert count(PurchaseContract) == 0 and audit_actions() == []


@pytest.mark.parametrize("tolerance", ["0", "50", "12.5"])
def test_tolerances_from_zero_to_fifty_percent_are_accepted(coordinator, contract_args, tolerance):
    contract = services.create_contract(coordinator, **contract_args(tolerance_pct=tolerance))
    assert contract.tolerance_pct == Decimal(tolerance)


@pytest.mark.parametrize("mechanism", ["floor", "market_plus"])
def test_market_mechanisms_need_the_market_they_follow(coordinator, contract_args, mechanism):
    with pytest.raises(ValidationFailed) as caught:
        services.create_contract(coordinator, **contract_args(mechanism=mechanism))
    assert list(caught.value.fields) == ["quote_source"]
    contract = services.create_contract(coordinator, **contract_args(mechanism=mechanism, quote_source="西安北郊果品市场"))
    assert contract.quote_source == "西安北郊果品市场"


def test_a_fixed_contract_keeps_no_quote_source(coordinator, contract_args):
    contract = services.create_contract(coordinator, **contract_args(quote_source="西安北郊果品市场"))
    assert contract.quote_source == ""


def test_a_premium_on_a_fixed_price_is_refused_rather_than_ignored(coordinator, contract_args):
    with pytest.raises(ValidationFailed) as caught:
        services.create_contract(coordinator, **contract_args(premium_pct="5"))
    assert list(caught.value.fields) == ["premium_pct"]


def test_the_main_grade_must_come_from_the_contracts_table(coordinator, contract_args, catalogue):
    other = GradeTable(product_id=catalogue["product"].id, name="超市标准")
    db.session.add(other)
    db.session.flush()
    stray = Grade(table_id=other.id, code="a", name="A级", rank=0)
    db.session.add(stray)
    db.session.flush()
    with pytest.raises(ValidationFailed) as caught:
        services.create_contract(coordinator, **contract_args(main_grade_id=stray.id))
    assert "main_grade_id" in caught.value.fields


def test_a_grade_table_of_another_product_is_refused(coordinator, contract_args):
    from models import Product
    apples = Product(name="苹果")
    db.session.add(apples)
    db.session.flush()
    table = GradeTable(product_id=apples.id, name="苹果等级", is_default=True)
    db.session.add(table)
    db.session.flush()
    with pytest.raises(ValidationFailed) as caught:
        services.create_contract(coordinator, **contract_args(grade_table_id=table.id))
    assert "grade_table_id" in caught.value.fields


@pytest.mark.parametrize("who", ["villager", "buyer_user", "accountant"])
def test_only_coordinators_and_admins_create_contracts(request, contract_args, who):
    with pytest.raises(PermissionDenied):
        services.create_contract(request.getfixturevalue(who), **contract_args())
    assert count(PurchaseContract) == 0


def test_an_admin_may_create_a_contract(admin, contract_args):
    assert services.create_contract(admin, **contract_args()).number == "HT2026-0001"


# --- life -----------------------------------------------------------------------------------

def test_signing_records_when_and_is_audited(coordinator, make_contract):
    contract = make_contract()
    services.sign(coordinator, contract)
    db.session.commit()
    assert contract.status is ContractStatus.SIGNED and contract.signed_at is not None
    assert audit_actions()[-1] == "purchase_contract.sign"


LEGAL = {
    ("draft", "sign"): ContractStatus.SIGNED, ("draft", "terminate"): ContractStatus.TERMINATED,
    ("signed", "activate"): ContractStatus.ACTIVE, ("signed", "terminate"): ContractStatus.TERMINATED,
    ("active", "fulfil"): ContractStatus.FULFILLED, ("active", "terminate"): ContractStatus.TERMINATED,
}


@pytest.mark.parametrize("status", ["draft", "signed", "active", "fulfilled", "terminated"])
@pytest.mark.parametrize("action", services.ACTIONS)
def test_the_transition_table_allows_exactly_the_listed_moves(coordinator, make_contract, status, action):
    contract = make_contract(status)
    events = count(AuditEvent)
    if (status, action) in LEGAL:
        services.transition(coordinator, contract, action, reason="雹灾绝收")
        assert contract.status is LEGAL[(status, action)]
        assert count(AuditEvent) == events + 1
    else:
        with pytest.raises(InvalidTransition):
            services.transition(coordinator, contract, action, reason="雹灾绝收")
        db.session.rollback()
        assert contract.status is ContractStatus(status)
        assert count(AuditEvent) == events


def test_terminating_needs_a_reason_which_is_kept(coordinator, make_contract):
    contract = make_contract("signed")
    with pytest.raises(ValidationFailed) as caught:
        services.terminate(coordinator, contract, "  ")
    assert list(caught.value.fields) == ["reason"]
    assert contract.status is ContractStatus.SIGNED
    services.terminate(coordinator, contract, "果园遭冰雹")
    db.session.commit()
    event = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (contract.terminated_reason, event.reason) == ("果园遭冰雹", "果园遭冰雹")


@pytest.mark.parametrize("who", ["villager", "buyer_user", "accountant"])
def test_only_coordinators_and_admins_move_contracts(request, make_contract, who):
    contract = make_contract()
    with pytest.raises(PermissionDenied):
        services.sign(request.getfixturevalue(who), contract)
    assert contract.status is ContractStatus.DRAFT


def test_the_first_delivery_activates_a_signed_contract_and_later_ones_change_nothing(coordinator, make_contract):
    contract = make_contract("signed")
    services.start_deliveries(coordinator, contract)
    assert contract.status is ContractStatus.ACTIVE
    events = count(AuditEvent)
    services.start_deliveries(coordinator, contract)
    assert contract.status is ContractStatus.ACTIVE and count(AuditEvent) == events


@pytest.mark.parametrize("status", ["draft", "fulfilled", "terminated"])
def test_deliveries_cannot_start_on_a_draft_or_closed_contract(coordinator, make_contract, status):
    contract = make_contract(status)
    with pytest.raises(InvalidTransition):
        services.start_deliveries(coordinator, contract)


# --- prepayments ----------------------------------------------------------------------------

def test_deposits_up_to_twenty_percent_of_the_contract_value_are_accepted(coordinator, make_contract):
    contract = make_contract("signed")  # 5000 kg × 6.00 = 30,000.00 → cap 6,000.00
    services.record_prepayment(coordinator, contract, "deposit", "4000", date(2026, 6, 1), "现金")
    services.record_prepayment(coordinator, contract, PrepaymentKind.DEPOSIT, Decimal("2000.00"), date(2026, 6, 2))
    db.session.commit()
    assert services.prepaid(contract, PrepaymentKind.DEPOSIT) == Money("6000.00")
    assert [p.kind for p in contract.prepayments] == [PrepaymentKind.DEPOSIT] * 2
    assert audit_actions().count("contract_prepayment.create") == 2


def test_a_deposit_over_twenty_percent_is_refused_naming_the_cap_and_nothing_is_written(coordinator, make_contract):
    contract = make_contract("signed")
    services.record_prepayment(coordinator, contract, "deposit", "5000", date(2026, 6, 1))
    db.session.commit()
    events = count(AuditEvent)
    with pytest.raises(ValidationFailed) as caught:
        services.record_prepayment(coordinator, contract, "deposit", "1000.01", date(2026, 6, 2))
    db.session.rollback()
    message = caught.value.field_texts()["amount"][0]
    assert "¥6,000.00" in message and "¥30,000.00" in message and "¥1,000.00" in message
    assert count(ContractPrepayment) == 1 and count(AuditEvent) == events


def test_the_deposit_cap_message_is_in_chinese_for_chinese_users(app, coordinator, make_contract):
    contract = make_contract("signed")
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as caught:
            services.record_prepayment(coordinator, contract, "deposit", "6000.01", date(2026, 6, 2))
        text = caught.value.field_texts()["amount"][0]
    assert text.startswith("定金合计不得超过 ¥6,000.00，即合同金额 ¥30,000.00 的 20%。")


def test_advances_are_not_capped_by_the_deposit_rule(coordinator, make_contract):
    contract = make_contract("active")
    services.record_prepayment(coordinator, contract, "deposit", "6000", date(2026, 6, 1))
    services.record_prepayment(coordinator, contract, "advance", "20000", date(2026, 6, 1))
    db.session.commit()
    totals = services.prepayment_totals(contract)
    assert totals == {PrepaymentKind.DEPOSIT: Money("6000"), PrepaymentKind.ADVANCE: Money("20000")}


@pytest.mark.parametrize("status", ["draft", "fulfilled", "terminated"])
def test_prepayments_need_a_signed_or_active_contract(coordinator, make_contract, status):
    contract = make_contract(status)
    with pytest.raises(Conflict):
        services.record_prepayment(coordinator, contract, "advance", "100", date(2026, 6, 1))
    assert count(ContractPrepayment) == 0


@pytest.mark.parametrize("amount, field", [("0", "amount"), ("-5", "amount"), ("12.345", "amount"),
                                           ("abc", "amount")])
def test_bad_prepayment_amounts_are_refused(coordinator, make_contract, amount, field):
    contract = make_contract("signed")
    with pytest.raises(ValidationFailed) as caught:
        services.record_prepayment(coordinator, contract, "advance", amount, date(2026, 6, 1))
    assert list(caught.value.fields) == [field]


def test_a_prepayment_dated_in_the_future_is_refused(coordinator, make_contract):
    contract = make_contract("signed")
    with pytest.raises(ValidationFailed) as caught:
        services.record_prepayment(coordinator, contract, "advance", "100",
                                   services.local_today() + timedelta(days=1))
    assert list(caught.value.fields) == ["paid_on"]


def test_an_accountant_may_record_a_prepayment_but_a_villager_may_not(accountant, villager, make_contract):
    contract = make_contract("signed")
    with pytest.raises(PermissionDenied):
        services.record_prepayment(villager, contract, "advance", "100", date(2026, 6, 1))
    services.record_prepayment(accountant, contract, "advance", "100", date(2026, 6, 1))
    assert count(ContractPrepayment) == 1


# --- progress -------------------------------------------------------------------------------

def test_progress_counts_only_confirmed_slips_of_the_contract(make_contract, make_slip):
    contract = make_contract("active", expected_kg="1000")
    other = make_contract("active")
    make_slip(contract, "400.500", "2403.00")
    make_slip(contract, "560.000", "3360.00")
    make_slip(contract, "300.000", "1800.00", status=SlipStatus.VOID)
    make_slip(other, "999.000", "1.00")
    progress = services.progress(contract)
    assert progress.delivered_kg == Decimal("960.500")
    assert progress.amount == Decimal("5763.00")
    assert (progress.slip_count, progress.percent, progress.band.value) == (2, 96, "within")


def test_a_contract_without_deliveries_shows_nothing_delivered(make_contract):
    progress = services.progress(make_contract("signed"))
    assert (progress.delivered_kg, progress.amount, progress.slip_count) == (Decimal("0.000"), Decimal("0.00"), 0)
    assert progress.band.value == "under"


# --- reading --------------------------------------------------------------------------------

def test_a_villager_sees_only_their_own_contracts(make_user, make_household, villager, make_contract):
    neighbour = make_household(head_name="王大妈")
    mine = make_contract()
    theirs = make_contract(household_id=neighbour.id)
    visible = db.session.scalars(services.contracts_statement(villager)).all()
    assert visible == [mine]
    assert services.get_contract(villager, mine.id) is mine
    with pytest.raises(PermissionDenied):
        services.get_contract(villager, theirs.id)


def test_a_buyer_sees_no_contracts(buyer_user, make_contract):
    contract = make_contract()
    with pytest.raises(PermissionDenied):
        services.contracts_statement(buyer_user)
    with pytest.raises(PermissionDenied):
        services.get_contract(buyer_user, contract.id)
