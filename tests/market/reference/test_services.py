"""Reference data services: validation, permissions, audit rows and the privacy rules."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from market.auth.services import authenticate
from market.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.reference import services
from models import (AuditEvent, Grade, GradeTable, Household, PartyGroup, PayoutMethod, Product, RoleName,
                    User, Variety, Village, db)

VALID_IDS = ("610402195803151234", "11010519491231002X", "610402196207082425")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def events(action: str) -> list[AuditEvent]:
    """Audit events of ``action`` written by someone (fixtures create their logins with no actor)."""
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                       AuditEvent.actor_id.is_not(None))
                              .order_by(AuditEvent.id)).all()


def household_fields(village, **overrides):
    fields = dict(head_name="王建国", village_id=village.id, id_number=VALID_IDS[1], phone="13700001111",
                  group_id=village.groups[0].id, payout_method=PayoutMethod.BANK, bank_name="陕西信合",
                  account_number="6230 2701 0001 2345 678")
    fields.update(overrides)
    return fields


# --- pure validators ----------------------------------------------------------------

@pytest.mark.parametrize("value", VALID_IDS)
def test_real_id_numbers_pass_the_gb_11643_check(value):
    assert services.valid_id_number(value)


@pytest.mark.parametrize("value", [
    "610402195803151235",   # wrong check digit
    "61040219580315123",    # 17 characters
    "6104021958031512345",  # 19 characters
    "610402195802301234",   # 30 February
    "610402209901011234",   # born in the future
    "010402195803151234",   # region cannot start with 0
    "61040219580315123Y",
])
def test_id_numbers_with_a_wrong_digit_length_or_date_are_refused(value):
    assert not services.valid_id_number(value)


@given(birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
       region=st.integers(min_value=110000, max_value=829999), serial=st.integers(min_value=0, max_value=999),
       position=st.integers(min_value=0, max_value=16), delta=st.integers(min_value=1, max_value=9))
def test_the_check_character_catches_every_single_digit_mistake(birth, region, serial, position, delta):
    first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    valid = first17 + services.id_check_character(first17)
    assert services.valid_id_number(valid)
    wrong_digit = str((int(valid[position]) + delta) % 10)
    mistyped = valid[:position] + wrong_digit + valid[position + 1:]
    assert not services.valid_id_number(mistyped)


@pytest.mark.parametrize("text, expected", [("+1.00", "1.00"), ("-3", "-3.00"), ("−1.5", "-1.50"),
                                            ("0", "0.00"), ("", "0.00"), ("2元/公斤", "2.00")])
def test_price_differentials_are_read_exactly_with_their_sign(text, expected):
    assert services.parse_price_diff(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["1.005", "abc", "1e400", "1000"])
def test_a_differential_finer_than_a_fen_or_not_a_number_is_refused(text):
    with pytest.raises(ValidationFailed) as caught:
        services.parse_price_diff(text)
    assert "price_diff" in caught.value.fields


# --- villages and party organisation -------------------------------------------------

@pytest.mark.parametrize("code", ["61040210220", "6104041022011", "61040410220a", "", "６１０４０４１０２２０１"])
def test_a_village_needs_exactly_twelve_digits(admin, code):
    with pytest.raises(ValidationFailed) as caught:
        services.create_village(admin, code=code, name="北里村")
    assert "code" in caught.value.fields
    db.session.rollback()
    assert count(Village) == 0


def test_an_admin_adds_a_village_and_the_creation_is_audited(admin):
    village = services.create_village(admin, code=" 610404102201 ", name="北里村", township="北杜街道",
                                      county="渭城区")
    db.session.commit()
    assert village.code == "610404102201"
    event, = events("village.create")
    assert event.actor_id == admin.id and event.entity_id == village.id
    assert event.after == {"code": "610404102201", "name": "北里村", "township": "北杜街道", "county": "渭城区"}


def test_a_second_village_with_the_same_area_code_is_a_conflict(admin):
    services.create_village(admin, code="610404102201", name="北里村")
    with pytest.raises(Conflict) as caught:
        services.create_village(admin, code="610404102201", name="南里村")
    assert "code" in caught.value.fields


def test_an_update_records_before_and_after(admin):
    village = services.create_village(admin, code="610404102201", name="北里村")
    services.update_village(admin, village, name="北里村委会")
    event, = events("village.update")
    assert event.before["name"] == "北里村" and event.after["name"] == "北里村委会"
    assert event.after["code"] == "610404102201"


@pytest.mark.parametrize("role", [RoleName.COORDINATOR, RoleName.ACCOUNTANT, RoleName.VILLAGER, RoleName.BUYER])
def test_only_admins_change_villages_groups_and_party_organisation(make_user, make_household, admin, role):
    user = make_user(role, household=make_household() if role is RoleName.VILLAGER else None)
    village = services.create_village(admin, code="610404102201", name="北里村")
    branch = services.create_party_branch(admin, village_id=village.id, name="北里村党支部")
    calls = [
        lambda: services.create_village(user, code="610404102202", name="南里村"),
        lambda: services.update_village(user, village, name="x"),
        lambda: services.create_village_group(user, village_id=village.id, number=1),
        lambda: services.create_party_branch(user, village_id=village.id, name="另一支部"),
        lambda: services.create_party_group(user, branch_id=branch.id, name="第二党小组"),
        lambda: services.create_product(user, name="杏"),
        lambda: services.create_peach_defaults(user),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()


def test_a_group_number_is_unique_within_its_village_and_the_name_defaults(admin):
    village = services.create_village(admin, code="610404102201", name="北里村")
    other = services.create_village(admin, code="610404102202", name="南里村")
    group = services.create_village_group(admin, village_id=village.id, number=3)
    assert group.name == "3组"
    services.create_village_group(admin, village_id=other.id, number=3, name="三组")
    with pytest.raises(Conflict):
        services.create_village_group(admin, village_id=village.id, number=3, name="又一个三组")
    with pytest.raises(ValidationFailed) as caught:
        services.create_village_group(admin, village_id=village.id, number=0)
    assert "number" in caught.value.fields


def test_party_groups_belong_to_a_branch_with_a_leader(admin):
    village = services.create_village(admin, code="610404102201", name="北里村")
    branch = services.create_party_branch(admin, village_id=village.id, name="北里村党支部", secretary="王书记")
    group = services.create_party_group(admin, branch_id=branch.id, name="第一党小组", leader="李组长")
    assert str(group) == "北里村党支部第一党小组" and group.leader == "李组长"
    with pytest.raises(Conflict):
        services.create_party_group(admin, branch_id=branch.id, name="第一党小组")
    with pytest.raises(ValidationFailed) as caught:
        services.create_party_group(admin, branch_id=9999, name="第二党小组")
    assert "branch_id" in caught.value.fields
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == admin.id)
                                                 .order_by(AuditEvent.id))] == [
        "village.create", "party_branch.create", "party_group.create"]


def test_reading_villages_needs_a_staff_role(buyer_user, coordinator, make_village):
    make_village()
    assert len(db.session.scalars(services.villages_query(coordinator)).all()) == 1
    with pytest.raises(PermissionDenied):
        services.villages_query(buyer_user)


def test_an_unknown_village_is_not_found(coordinator):
    with pytest.raises(NotFound):
        services.get_village(coordinator, 4242)


# --- households ---------------------------------------------------------------------

def test_a_coordinator_registers_a_household_for_a_villager_without_a_phone(coordinator, make_village):
    village = make_village()
    household = services.create_household(coordinator, **household_fields(village, phone="", id_number="11010519491231002x"))
    db.session.commit()
    assert household.id_number == "11010519491231002X"
    assert household.account_number == "6230270100012345678"
    event, = events("household.create")
    assert event.actor_id == coordinator.id and event.on_behalf_of_household_id == household.id
    assert event.after["id_number"] == "110105********002X"
    assert "6230270100012345678" not in str(event.after)


@pytest.mark.parametrize("overrides, field", [
    ({"id_number": "110105194912310021"}, "id_number"),
    ({"phone": "1370000111"}, "phone"),
    ({"phone": "23700001111"}, "phone"),
    ({"head_name": "  "}, "head_name"),
    ({"account_number": ""}, "account_number"),
    ({"bank_name": ""}, "bank_name"),
    ({"account_number": "6230-ABC"}, "account_number"),
    ({"payout_method": "alipay"}, "payout_method"),
    ({"village_id": 9999}, "village_id"),
    ({"party_group_id": 9999}, "party_group_id"),
])
def test_a_household_with_bad_details_is_refused_and_nothing_is_written(coordinator, make_village, overrides, field):
    village = make_village()
    db.session.commit()
    with pytest.raises(ValidationFailed) as caught:
        services.create_household(coordinator, **household_fields(village, **overrides))
    assert field in caught.value.fields
    db.session.rollback()
    assert count(Household) == 0 and events("household.create") == []


def test_a_group_must_belong_to_the_households_village(coordinator, make_village):
    village, other = make_village(), make_village(name="南里村")
    with pytest.raises(ValidationFailed) as caught:
        services.create_household(coordinator, **household_fields(village, group_id=other.groups[0].id))
    assert list(caught.value.fields) == ["group_id"]


def test_cash_needs_no_account_and_wechat_needs_an_id(coordinator, make_village):
    village = make_village()
    cash = services.create_household(coordinator, **household_fields(
        village, payout_method="cash", bank_name="", account_number="", id_number=""))
    assert cash.payout_method is PayoutMethod.CASH
    with pytest.raises(ValidationFailed) as caught:
        services.create_household(coordinator, **household_fields(
            village, payout_method="wechat", account_number="", id_number=VALID_IDS[2]))
    assert "account_number" in caught.value.fields


def test_the_same_id_number_cannot_head_two_households(coordinator, make_village):
    village = make_village()
    services.create_household(coordinator, **household_fields(village))
    with pytest.raises(Conflict) as caught:
        services.create_household(coordinator, **household_fields(village, head_name="另一户"))
    assert "id_number" in caught.value.fields


@pytest.mark.parametrize("role", [RoleName.ACCOUNTANT, RoleName.BUYER, RoleName.VILLAGER])
def test_only_coordinators_and_admins_register_or_edit_households(make_user, make_household, make_village, role):
    own = make_household()
    user = make_user(role, household=own if role is RoleName.VILLAGER else None)
    with pytest.raises(PermissionDenied):
        services.create_household(user, **household_fields(make_village(name="南里村")))
    with pytest.raises(PermissionDenied):
        services.update_household(user, own, note="改一下")


def test_coordinators_see_masked_numbers(coordinator, make_household):
    household = make_household()
    view = services.household_view(coordinator, household)
    assert view["id_number"] == "610402********1234"
    assert view["phone"] == "139****5678"
    assert view["account_number"] == "**** 5678"
    assert view["revealed"] is False


def test_a_coordinator_cannot_reveal_full_numbers_and_nothing_is_logged(coordinator, make_household):
    household = make_household()
    with pytest.raises(PermissionDenied):
        services.household_view(coordinator, household, reveal=True)
    assert events("household.view_sensitive") == []


@pytest.mark.parametrize("role", [RoleName.ACCOUNTANT, RoleName.ADMIN])
def test_accountants_and_admins_see_masked_values_until_they_ask_and_every_reveal_is_audited(make_user, make_household, role):
    reader = make_user(role)
    household = make_household()
    assert services.household_view(reader, household)["id_number"] == "610402********1234"
    assert events("household.view_sensitive") == []
    for _ in range(2):
        view = services.household_view(reader, household, reveal=True, reason="付款核对")
    assert view["id_number"] == "610402195803151234"
    assert view["phone"] == "13912345678"
    assert view["account_number"] == "6230270100012345678"
    logged = events("household.view_sensitive")
    assert len(logged) == 2
    assert {(e.actor_id, e.entity_type, e.entity_id, e.reason) for e in logged} == {
        (reader.id, "households", household.id, "付款核对")}


def test_a_villager_reads_only_their_own_household_and_only_masked(villager, make_household):
    own = db.session.get(Household, villager.household_id)
    other = make_household(head_name="李四")
    assert services.household_view(villager, own)["head_name"] == own.head_name
    assert services.household_view(villager, own)["id_number"] == "610402********1234"
    with pytest.raises(PermissionDenied):
        services.household_view(villager, other)
    with pytest.raises(PermissionDenied):
        services.get_household(villager, other.id)
    with pytest.raises(PermissionDenied):
        services.household_view(villager, own, reveal=True)
    assert db.session.scalars(services.households_query(villager)).all() == [own]


def test_buyers_cannot_read_households_at_all(buyer_user, make_household):
    household = make_household()
    with pytest.raises(PermissionDenied):
        services.households_query(buyer_user)
    with pytest.raises(PermissionDenied):
        services.household_view(buyer_user, household)
    with pytest.raises(PermissionDenied):
        services.get_household(buyer_user, household.id)


def test_household_search_finds_a_name_or_the_last_four_phone_digits(coordinator, make_household):
    a = make_household(head_name="张秀英", phone="13912345678")
    b = make_household(head_name="王大山", phone="13700009999", id_number="")

    def found(text):
        return db.session.scalars(services.households_query(coordinator, search=text)).all()

    assert found("秀英") == [a]
    assert found("9999") == [b]
    assert found("13700009999") == [b]
    assert found("000") == []


def test_editing_without_the_sensitive_numbers_keeps_them_and_the_log_stays_masked(coordinator, make_household):
    household = make_household()
    services.update_household(coordinator, household, note="腿脚不便，上门收购", priority=True,
                              id_number=None, phone=None, account_number=None)
    assert household.id_number == "610402195803151234" and household.phone == "13912345678"
    assert household.priority is True
    event, = events("household.update")
    assert event.before["priority"] is False and event.after["priority"] is True
    assert "changed_numbers" not in event.after
    services.update_household(coordinator, household, phone="13800001234")
    event = events("household.update")[-1]
    assert event.after["changed_numbers"] == ["phone"]
    assert "13800001234" not in str(event.after) and "13912345678" not in str(event.before)


def test_moving_a_household_to_another_village_checks_its_group(coordinator, make_household, make_village):
    household = make_household()
    other = make_village(name="南里村")
    with pytest.raises(ValidationFailed) as caught:
        services.update_household(coordinator, household, village_id=other.id)
    assert "group_id" in caught.value.fields
    services.update_household(coordinator, household, village_id=other.id, group_id=other.groups[1].id)
    assert household.group.village_id == other.id


# --- catalogue ----------------------------------------------------------------------

def test_the_peach_defaults_create_the_product_varieties_and_grade_table(admin):
    product = services.create_peach_defaults(admin)
    db.session.commit()
    assert product.name == "桃"
    assert [v.name for v in product.varieties] == ["水蜜桃", "油桃"]
    table, = product.grade_tables
    assert table.is_default and product.default_grade_table is table
    assert [(g.rank, g.name, g.min_fruit_g, g.price_diff) for g in table.grades] == [
        (0, "特级", 250, Decimal("1.00")), (1, "一级", 200, Decimal("0.00")),
        (2, "二级", 150, Decimal("-1.00")), (3, "等外", None, Decimal("-3.00"))]
    assert len(events("grade.create")) == 4


def test_running_the_peach_defaults_twice_changes_nothing(admin):
    services.create_peach_defaults(admin)
    before = (count(Product), count(Variety), count(GradeTable), count(Grade), count(AuditEvent))
    services.create_peach_defaults(admin)
    assert (count(Product), count(Variety), count(GradeTable), count(Grade), count(AuditEvent)) == before


def test_exactly_one_grade_table_per_product_is_the_default(admin):
    product = services.create_product(admin, name="杏")
    first = services.create_grade_table(admin, product_id=product.id, name="旧标准")
    assert first.is_default
    second = services.create_grade_table(admin, product_id=product.id, name="超市标准")
    assert not second.is_default
    services.update_grade_table(admin, second, is_default=True)
    db.session.refresh(first)
    assert (first.is_default, second.is_default) == (False, True)
    with pytest.raises(ValidationFailed):
        services.update_grade_table(admin, second, is_default=False)
    third = services.create_grade_table(admin, product_id=product.id, name="出口标准", is_default=True)
    defaults = db.session.scalars(select(GradeTable).where(GradeTable.is_default.is_(True))).all()
    assert defaults == [third]
    demoted = [e for e in events("grade_table.update") if e.entity_id == second.id][-1]
    assert demoted.before["is_default"] is True and demoted.after["is_default"] is False


def test_grades_are_editable_and_codes_and_ranks_stay_unique(admin, catalogue):
    table = catalogue["table"]
    first = catalogue["grades"]["一级"]
    services.update_grade(admin, first, min_fruit_g=210, price_diff="0.50")
    assert (first.min_fruit_g, first.price_diff) == (210, Decimal("0.50"))
    with pytest.raises(Conflict):
        services.update_grade(admin, first, rank=0)
    with pytest.raises(Conflict):
        services.create_grade(admin, table_id=table.id, code="special", name="精品", rank=9)
    with pytest.raises(ValidationFailed) as caught:
        services.create_grade(admin, table_id=table.id, code="精品", name="精品", rank=-1, min_fruit_g="大")
    assert set(caught.value.fields) == {"code", "rank", "min_fruit_g"}
    event, = events("grade.update")
    assert event.before["price_diff"] == "0.00" and event.after["price_diff"] == "0.50"


def test_anyone_signed_in_reads_the_catalogue(buyer_user, catalogue):
    assert db.session.scalars(services.products_query(buyer_user)).all() == [catalogue["product"]]


# --- users --------------------------------------------------------------------------

def test_an_admin_creates_a_villager_login_for_a_household(admin, make_household):
    household = make_household()
    user = services.admin_create_user(admin, phone="13600001111", name="张秀英", password="peach-peach",
                                      roles=["villager"], household_id=household.id)
    db.session.commit()
    assert user.household_id == household.id and user.role_names == {RoleName.VILLAGER}
    event, = events("user.create")
    assert event.actor_id == admin.id and event.after["roles"] == ["villager"]


def test_creating_a_login_checks_the_links_and_the_role(admin, coordinator):
    with pytest.raises(ValidationFailed) as caught:
        services.admin_create_user(admin, phone="13600001111", name="某人", password="peach-peach",
                                   roles=["villager"], household_id=4242)
    assert "household_id" in caught.value.fields
    with pytest.raises(ValidationFailed):
        services.admin_create_user(admin, phone="13600001111", name="某人", password="peach-peach",
                                   roles=["chief"])
    with pytest.raises(PermissionDenied):
        services.admin_create_user(coordinator, phone="13600001111", name="某人", password="peach-peach",
                                   roles=["coordinator"])
    assert count(User) == 2


def test_a_link_left_out_stays_and_an_empty_one_is_removed(admin, coordinator, villager, make_village):
    make_village()
    party_group = db.session.scalar(select(PartyGroup))
    services.admin_update_user(admin, coordinator, party_group_id=party_group.id)
    services.admin_update_user(admin, coordinator, name="李建国")  # links not given: kept
    assert coordinator.party_group_id == party_group.id
    services.admin_update_user(admin, coordinator, party_group_id=None)  # moved off the party group
    db.session.commit()
    assert coordinator.party_group_id is None
    assert events("user.update")[-1].before["party_group_id"] == party_group.id
    household = villager.household_id
    with pytest.raises(ValidationFailed) as caught:
        services.admin_update_user(admin, villager, household_id=None)
    assert "household_id" in caught.value.fields
    db.session.rollback()
    assert db.session.get(User, villager.id).household_id == household


def test_an_admin_changes_roles_disables_and_resets_a_login(admin, coordinator, make_village):
    make_village()
    party_group = db.session.scalar(select(PartyGroup))
    services.admin_update_user(admin, coordinator, roles=["coordinator", "accountant"], party_group_id=party_group.id)
    assert coordinator.role_names == {RoleName.COORDINATOR, RoleName.ACCOUNTANT}
    assert coordinator.party_group_id == party_group.id
    services.set_user_active(admin, coordinator, False)
    db.session.commit()
    assert authenticate(coordinator.phone, "peach-2016!") is None
    services.set_user_active(admin, coordinator, True)
    services.reset_password(admin, coordinator, "new-secret-1")
    db.session.commit()
    assert authenticate(coordinator.phone, "new-secret-1") is not None
    updates = events("user.update")
    assert updates[0].before["roles"] == ["coordinator"]
    assert updates[0].after["roles"] == ["accountant", "coordinator"]
    assert updates[-1].after["password"] == "changed"
    assert "new-secret-1" not in str([e.after for e in updates])


def test_an_admin_cannot_disable_their_own_login(admin):
    with pytest.raises(ValidationFailed):
        services.set_user_active(admin, admin, False)


def test_a_short_reset_password_is_refused(admin, coordinator):
    with pytest.raises(ValidationFailed) as caught:
        services.reset_password(admin, coordinator, "short")
    assert "password" in caught.value.fields


def test_a_name_taken_at_the_same_moment_is_still_a_conflict(admin, monkeypatch):
    services.create_product(admin, name="杏")
    db.session.commit()
    monkeypatch.setattr(services, "_check_product_name_free", lambda name, product: None)
    with pytest.raises(Conflict) as caught:
        services.create_product(admin, name="杏")
    assert "name" in caught.value.fields
    db.session.rollback()
    assert count(Product) == 1
