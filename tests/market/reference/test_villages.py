"""Villages, their groups and party organisation: validation, permissions, audit rows."""
from __future__ import annotations

import pytest

from market.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.reference import catalogue, party, villages
from sqlalchemy import select
from models import AuditEvent, RoleName, Village, db

from .support import count, events


@pytest.mark.parametrize("code", ["61040210220", "6104041022011", "61040410220a", "", "６１０４０４１０２２０１"])
def test_a_village_needs_exactly_twelve_digits(admin, code):
    with pytest.raises(ValidationFailed) as caught:
        villages.create_village(admin, code=code, name="北里村")
    assert "code" in caught.value.fields
    db.session.rollback()
    assert count(Village) == 0


def test_an_admin_adds_a_village_and_the_creation_is_audited(admin):
    village = villages.create_village(admin, code=" 610404102201 ", name="北里村", township="北杜街道",
                                      county="渭城区")
    db.session.commit()
    assert village.code == "610404102201"
    event, = events("village.create")
    assert event.actor_id == admin.id and event.entity_id == village.id
    assert event.after == {"code": "610404102201", "name": "北里村", "township": "北杜街道", "county": "渭城区"}


def test_a_second_village_with_the_same_area_code_is_a_conflict(admin):
    villages.create_village(admin, code="610404102201", name="北里村")
    with pytest.raises(Conflict) as caught:
        villages.create_village(admin, code="610404102201", name="南里村")
    assert "code" in caught.value.fields


def test_an_update_records_before_and_after(admin):
    village = villages.create_village(admin, code="610404102201", name="北里村")
    villages.update_village(admin, village, name="北里村委会")
    event, = events("village.update")
    assert event.before["name"] == "北里村" and event.after["name"] == "北里村委会"
    assert event.after["code"] == "610404102201"


@pytest.mark.parametrize("role", [RoleName.COORDINATOR, RoleName.ACCOUNTANT, RoleName.VILLAGER, RoleName.BUYER])
def test_only_admins_change_villages_groups_and_party_organisation(make_user, make_household, admin, role):
    user = make_user(role, household=make_household() if role is RoleName.VILLAGER else None)
    village = villages.create_village(admin, code="610404102201", name="北里村")
    branch = party.create_party_branch(admin, village_id=village.id, name="北里村党支部")
    calls = [
        lambda: villages.create_village(user, code="610404102202", name="南里村"),
        lambda: villages.update_village(user, village, name="x"),
        lambda: villages.create_village_group(user, village_id=village.id, number=1),
        lambda: party.create_party_branch(user, village_id=village.id, name="另一支部"),
        lambda: party.create_party_group(user, branch_id=branch.id, name="第二党小组"),
        lambda: catalogue.create_product(user, name="杏"),
        lambda: catalogue.create_peach_defaults(user),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()


def test_a_group_number_is_unique_within_its_village_and_the_name_defaults(admin):
    village = villages.create_village(admin, code="610404102201", name="北里村")
    other = villages.create_village(admin, code="610404102202", name="南里村")
    group = villages.create_village_group(admin, village_id=village.id, number=3)
    assert group.name == "3组"
    villages.create_village_group(admin, village_id=other.id, number=3, name="三组")
    with pytest.raises(Conflict):
        villages.create_village_group(admin, village_id=village.id, number=3, name="又一个三组")
    with pytest.raises(ValidationFailed) as caught:
        villages.create_village_group(admin, village_id=village.id, number=0)
    assert "number" in caught.value.fields


def test_party_groups_belong_to_a_branch_with_a_leader(admin):
    village = villages.create_village(admin, code="610404102201", name="北里村")
    branch = party.create_party_branch(admin, village_id=village.id, name="北里村党支部", secretary="王书记")
    group = party.create_party_group(admin, branch_id=branch.id, name="第一党小组", leader="李组长")
    assert str(group) == "北里村党支部第一党小组" and group.leader == "李组长"
    with pytest.raises(Conflict):
        party.create_party_group(admin, branch_id=branch.id, name="第一党小组")
    with pytest.raises(ValidationFailed) as caught:
        party.create_party_group(admin, branch_id=9999, name="第二党小组")
    assert "branch_id" in caught.value.fields
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == admin.id)
                                                 .order_by(AuditEvent.id))] == [
        "village.create", "party_branch.create", "party_group.create"]


def test_reading_villages_needs_a_staff_role(buyer_user, coordinator, make_village):
    make_village()
    assert len(db.session.scalars(villages.villages_query(coordinator)).all()) == 1
    with pytest.raises(PermissionDenied):
        villages.villages_query(buyer_user)


def test_an_unknown_village_is_not_found(coordinator):
    with pytest.raises(NotFound):
        villages.get_village(coordinator, 4242)
