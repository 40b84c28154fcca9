"""Logins as an admin manages them: links, roles, enabling and passwords."""
from __future__ import annotations

import pytest

from market.auth.services import authenticate
from market.errors import PermissionDenied, ValidationFailed
from market.reference import users
from sqlalchemy import select
from models import AuditEvent, PartyGroup, RoleName, User, db

from .support import count, events


def test_an_admin_creates_a_villager_login_for_a_household(admin, make_household):
    household = make_household()
    user = users.admin_create_user(admin, phone="13600001111", name="张秀英", password="peach-peach",
                                   roles=["villager"], household_id=household.id)
    db.session.commit()
    assert user.household_id == household.id and user.role_names == {RoleName.VILLAGER}
    event, = events("user.create")
    assert event.actor_id == admin.id and event.after["roles"] == ["villager"]


def test_creating_a_login_checks_the_links_and_the_role(admin, coordinator):
    with pytest.raises(ValidationFailed) as caught:
        users.admin_create_user(admin, phone="13600001111", name="某人", password="peach-peach",
                                roles=["villager"], household_id=4242)
    assert "household_id" in caught.value.fields
    with pytest.raises(ValidationFailed):
        users.admin_create_user(admin, phone="13600001111", name="某人", password="peach-peach",
                                roles=["chief"])
    with pytest.raises(PermissionDenied):
        users.admin_create_user(coordinator, phone="13600001111", name="某人", password="peach-peach",
                                roles=["coordinator"])
    assert count(User) == 2


def test_a_link_left_out_stays_and_an_empty_one_is_removed(admin, coordinator, villager, make_village):
    make_village()
    party_group = db.session.scalar(select(PartyGroup))
    users.admin_update_user(admin, coordinator, party_group_id=party_group.id)
    users.admin_update_user(admin, coordinator, name="李建国")  # links not given: kept
    assert coordinator.party_group_id == party_group.id
    users.admin_update_user(admin, coordinator, party_group_id=None)  # moved off the party group
    db.session.commit()
    assert coordinator.party_group_id is None
    assert events("user.update")[-1].before["party_group_id"] == party_group.id
    household = villager.household_id
    with pytest.raises(ValidationFailed) as caught:
        users.admin_update_user(admin, villager, household_id=None)
    assert "household_id" in caught.value.fields
    db.session.rollback()
    assert db.session.get(User, villager.id).household_id == household


def test_an_admin_changes_roles_disables_and_resets_a_login(admin, coordinator, make_village):
    make_village()
    party_group = db.session.scalar(select(PartyGroup))
    users.admin_update_user(admin, coordinator, roles=["coordinator", "accountant"], party_group_id=party_group.id)
    assert coordinator.role_names == {RoleName.COORDINATOR, RoleName.ACCOUNTANT}
    assert coordinator.party_group_id == party_group.id
    users.set_user_active(admin, coordinator, False)
    db.session.commit()
    assert authenticate(coordinator.phone, "peach-2016!") is None
    users.set_user_active(admin, coordinator, True)
    users.reset_password(admin, coordinator, "new-secret-1")
    db.session.commit()
    assert authenticate(coordinator.phone, "new-secret-1") is not None
    updates = events("user.update")
    assert updates[0].before["roles"] == ["coordinator"]
    assert updates[0].after["roles"] == ["accountant", "coordinator"]
    assert updates[-1].after["password"] == "changed"
    assert "new-secret-1" not in str([e.after for e in updates])


def test_an_admin_cannot_disable_their_own_login(admin):
    with pytest.raises(ValidationFailed):
        users.set_user_active(admin, admin, False)


def test_a_short_reset_password_is_refused(admin, coordinator):
    with pytest.raises(ValidationFailed) as caught:
        users.reset_password(admin, coordinator, "short")
    assert "password" in caught.value.fields


def test_an_admin_links_a_buyer_login_to_its_buyer_through_the_api_and_the_page(client, login, admin, make_user):
    from models import Buyer, User
    buyer = Buyer(name="金昌赢华联超市", credit_code="91620300MA74XK3B0J", province="甘肃省", city="金昌市")
    db.session.add(buyer)
    db.session.commit()
    login(admin)
    created = client.post("/api/v1/users", json={"phone": "13912340001", "name": "超市收货员", "password": "peach-2016!",
                                                 "roles": ["buyer"], "buyer_id": buyer.id})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["buyer_id"] == buyer.id
    staff = db.session.get(User, created.get_json()["id"])
    assert staff.buyer_id == buyer.id
    assert client.patch(f"/api/v1/users/{staff.id}", json={"buyer_id": None}).status_code == 200
    db.session.expire_all()
    assert db.session.get(User, staff.id).buyer_id is None
    assert client.patch(f"/api/v1/users/{staff.id}", json={"buyer_id": 4242}).status_code == 422
    page = client.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    assert "金昌赢华联超市" in page and 'name="buyer_id"' in page
    client.post(f"/admin/users/{staff.id}", data={"name": "超市收货员", "roles": ["buyer"], "buyer_id": str(buyer.id)})
    db.session.expire_all()
    assert db.session.get(User, staff.id).buyer_id == buyer.id
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "user.update")).all()[-1]
    assert event.after["buyer_id"] == buyer.id
