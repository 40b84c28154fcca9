"""Households: validation, permissions, audit rows and the privacy rules of their numbers."""
from __future__ import annotations

import pytest

from market.errors import Conflict, PermissionDenied, ValidationFailed
from market.reference import households
from models import Household, PayoutMethod, RoleName, db

from .support import VALID_IDS, count, events, household_fields


def test_a_coordinator_registers_a_household_for_a_villager_without_a_phone(coordinator, make_village):
    village = make_village()
    household = households.create_household(coordinator, **household_fields(village, phone="", id_number="11010519491231002x"))
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
        households.create_household(coordinator, **household_fields(village, **overrides))
    assert field in caught.value.fields
    db.session.rollback()
    assert count(Household) == 0 and events("household.create") == []


def test_a_group_must_belong_to_the_households_village(coordinator, make_village):
    village, other = make_village(), make_village(name="南里村")
    with pytest.raises(ValidationFailed) as caught:
        households.create_household(coordinator, **household_fields(village, group_id=other.groups[0].id))
    assert list(caught.value.fields) == ["group_id"]


def test_cash_needs_no_account_and_wechat_needs_an_id(coordinator, make_village):
    village = make_village()
    cash = households.create_household(coordinator, **household_fields(
        village, payout_method="cash", bank_name="", account_number="", id_number=""))
    assert cash.payout_method is PayoutMethod.CASH
    with pytest.raises(ValidationFailed) as caught:
        households.create_household(coordinator, **household_fields(
            village, payout_method="wechat", account_number="", id_number=VALID_IDS[2]))
    assert "account_number" in caught.value.fields


def test_the_same_id_number_cannot_head_two_households(coordinator, make_village):
    village = make_village()
    households.create_household(coordinator, **household_fields(village))
    with pytest.raises(Conflict) as caught:
        households.create_household(coordinator, **household_fields(village, head_name="另一户"))
    assert "id_number" in caught.value.fields


@pytest.mark.parametrize("role", [RoleName.ACCOUNTANT, RoleName.BUYER, RoleName.VILLAGER])
def test_only_coordinators_and_admins_register_or_edit_households(make_user, make_household, make_village, role):
    own = make_household()
    user = make_user(role, household=own if role is RoleName.VILLAGER else None)
    with pytest.raises(PermissionDenied):
        households.create_household(user, **household_fields(make_village(name="南里村")))
    with pytest.raises(PermissionDenied):
        households.update_household(user, own, note="改一下")


def test_coordinators_see_masked_numbers(coordinator, make_household):
    household = make_household()
    view = households.household_view(coordinator, household)
    assert view["id_number"] == "610402********1234"
    assert view["phone"] == "139****5678"
    assert view["account_number"] == "**** 5678"
    assert view["revealed"] is False


def test_a_coordinator_cannot_reveal_full_numbers_and_nothing_is_logged(coordinator, make_household):
    household = make_household()
    with pytest.raises(PermissionDenied):
        households.household_view(coordinator, household, reveal=True)
    assert events("household.view_sensitive") == []


@pytest.mark.parametrize("role", [RoleName.ACCOUNTANT, RoleName.ADMIN])
def test_accountants_and_admins_see_masked_values_until_they_ask_and_every_reveal_is_audited(make_user, make_household, role):
    reader = make_user(role)
    household = make_household()
    assert households.household_view(reader, household)["id_number"] == "610402********1234"
    assert events("household.view_sensitive") == []
    for _ in range(2):
        view = households.household_view(reader, household, reveal=True, reason="付款核对")
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
    assert households.household_view(villager, own)["head_name"] == own.head_name
    assert households.household_view(villager, own)["id_number"] == "610402********1234"
    with pytest.raises(PermissionDenied):
        households.household_view(villager, other)
    with pytest.raises(PermissionDenied):
        households.get_household(villager, other.id)
    with pytest.raises(PermissionDenied):
        households.household_view(villager, own, reveal=True)
    assert db.session.scalars(households.households_query(villager)).all() == [own]


def test_buyers_cannot_read_households_at_all(buyer_user, make_household):
    household = make_household()
    with pytest.raises(PermissionDenied):
        households.households_query(buyer_user)
    with pytest.raises(PermissionDenied):
        households.household_view(buyer_user, household)
    with pytest.raises(PermissionDenied):
        households.get_household(buyer_user, household.id)


def test_household_search_finds_a_name_or_the_last_four_phone_digits(coordinator, make_household):
    a = make_household(head_name="张秀英", phone="13912345678")
    b = make_household(head_name="王大山", phone="13700009999", id_number="")

    def found(text):
        return db.session.scalars(households.households_query(coordinator, search=text)).all()

    assert found("秀英") == [a]
    assert found("9999") == [b]
    assert found("000") == []


def test_a_coordinator_cannot_recover_a_masked_phone_by_exact_search(coordinator, make_household):
    """The masked phone shows 139****5678; an exact search answering 1 or 0 would reveal the rest."""
    make_household(head_name="张秀英", phone="13912345678")
    assert db.session.scalars(households.households_query(coordinator, search="13912345678")).all() == []
    assert db.session.scalars(households.households_query(coordinator, search="13912345679")).all() == []
    assert events("household.search_phone") == []


def test_an_accountant_finds_a_full_phone_number_and_the_search_is_audited(client, login, accountant,
                                                                           make_household):
    household = make_household(head_name="张秀英", phone="13912345678")
    login(accountant)
    body = client.get("/api/v1/households?q=13912345678").get_json()
    assert [h["id"] for h in body["items"]] == [household.id]
    event, = events("household.search_phone")
    assert event.actor_id == accountant.id and event.after == {"phone": "139****5678"}
    page = client.get("/admin/households?q=139 1234 5678")
    assert page.status_code == 200 and "张秀英" in page.get_data(as_text=True)
    assert len(events("household.search_phone")) == 2


def test_a_coordinators_exact_phone_search_through_the_api_finds_nothing(client, login, coordinator,
                                                                        make_household):
    make_household(head_name="张秀英", phone="13912345678")
    login(coordinator)
    assert client.get("/api/v1/households?q=13912345678").get_json()["total"] == 0
    assert client.get("/api/v1/households?q=5678").get_json()["total"] == 1


def test_editing_without_the_sensitive_numbers_keeps_them_and_the_log_stays_masked(coordinator, make_household):
    household = make_household()
    households.update_household(coordinator, household, note="腿脚不便，上门收购", priority=True,
                                id_number=None, phone=None, account_number=None)
    assert household.id_number == "610402195803151234" and household.phone == "13912345678"
    assert household.priority is True
    event, = events("household.update")
    assert event.before["priority"] is False and event.after["priority"] is True
    assert "changed_numbers" not in event.after
    households.update_household(coordinator, household, phone="13800001234")
    event = events("household.update")[-1]
    assert event.after["changed_numbers"] == ["phone"]
    assert "13800001234" not in str(event.after) and "13912345678" not in str(event.before)


def test_moving_a_household_to_another_village_checks_its_group(coordinator, make_household, make_village):
    household = make_household()
    other = make_village(name="南里村")
    with pytest.raises(ValidationFailed) as caught:
        households.update_household(coordinator, household, village_id=other.id)
    assert "group_id" in caught.value.fields
    households.update_household(coordinator, household, village_id=other.id, group_id=other.groups[1].id)
    assert household.group.village_id == other.id
