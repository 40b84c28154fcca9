"""register_lot, update_lot, withdraw_lot and photos against the database."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from market import units
from market.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.produce import services
from market.produce.states import LOT
from models import (AuditEvent, Grade, GradeTable, LotPhoto, LotStatus, ProduceLot, Product, QuantityUnit,
                    RoleName, Variety, db)

from .conftest import GIF, HTML, JPEG, PNG, WEBP, files_in, upload


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _lot_events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("produce_lot.%"))))


# --- registering ------------------------------------------------------------------------

def test_a_villager_registers_300_jin_and_150_kg_is_stored_with_the_unit_jin(villager, household, lot_args):
    lot = services.register_lot(villager, **lot_args())
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(ProduceLot, lot.id)
    assert stored.quantity_kg == Decimal("150.000")
    assert stored.entered_unit is QuantityUnit.JIN
    assert stored.status is LotStatus.LISTED
    assert stored.household_id == household.id
    assert stored.village_id == household.village_id and stored.group_id == household.group_id
    assert stored.created_by_id == villager.id


def test_a_quantity_object_and_a_unit_select_are_accepted_too(villager, lot_args):
    lot = services.register_lot(villager, **lot_args(quantity=units.parse_quantity("0.3吨")))
    assert (lot.quantity_kg, lot.entered_unit) == (Decimal("300"), QuantityUnit.TONNE)
    lot = services.register_lot(villager, **lot_args(quantity="120", unit="kg"))
    assert (lot.quantity_kg, lot.entered_unit) == (Decimal("120"), QuantityUnit.KG)


def test_the_villagers_own_registration_is_audited_as_create(villager, household, lot_args):
    lot = services.register_lot(villager, **lot_args())
    [event] = _events("produce_lot.create")
    assert event.actor_id == villager.id and event.entity_id == lot.id
    assert event.on_behalf_of_household_id is None
    assert event.after["quantity_kg"] == "150.000" and event.after["entered_unit"] == "jin"
    assert _events("produce_lot.create_proxy") == []


def test_a_coordinator_registers_for_a_household_as_audited_proxy_entry(coordinator, household, lot_args):
    lot = services.register_lot(coordinator, **lot_args())
    assert lot.household_id == household.id and lot.created_by_id == coordinator.id
    [event] = _events("produce_lot.create_proxy")
    assert event.actor_id == coordinator.id
    assert event.on_behalf_of_household_id == household.id
    assert _events("produce_lot.create") == []


def test_an_admin_may_enter_for_a_household_too(admin, household, lot_args):
    services.register_lot(admin, **lot_args())
    assert len(_events("produce_lot.create_proxy")) == 1


def test_a_villager_cannot_register_for_another_household(villager, make_household, lot_args):
    other = make_household(head_name="王大妈")
    with pytest.raises(PermissionDenied):
        services.register_lot(villager, **lot_args(household_id=other.id))
    assert _count(ProduceLot) == 0


@pytest.mark.parametrize("role", [RoleName.ACCOUNTANT, RoleName.BUYER])
def test_accountants_and_buyers_do_not_enter_produce(make_user, household, lot_args, role):
    with pytest.raises(PermissionDenied):
        services.register_lot(make_user(role), **lot_args())


def test_a_villager_without_household_id_registers_for_their_own(villager, household, lot_args):
    lot = services.register_lot(villager, **lot_args(household_id=None))
    assert lot.household_id == household.id


def test_staff_must_choose_an_existing_active_household(coordinator, household, lot_args):
    with pytest.raises(ValidationFailed) as caught:
        services.register_lot(coordinator, **lot_args(household_id=None))
    assert "household_id" in caught.value.fields
    household.active = False
    with pytest.raises(ValidationFailed) as caught:
        services.register_lot(coordinator, **lot_args())
    assert "household_id" in caught.value.fields
    with pytest.raises(ValidationFailed):
        services.register_lot(coordinator, **lot_args(household_id=987654))


@pytest.mark.parametrize("quantity", ["0", "-300 斤", "0 吨", "1001 吨", "3000000 斤", "300 磅", "abc", ""])
def test_bad_weights_are_refused_on_the_quantity_field_and_nothing_is_stored(villager, lot_args, quantity):
    with pytest.raises(ValidationFailed) as caught:
        services.register_lot(villager, **lot_args(quantity=quantity))
    assert list(caught.value.fields) == ["quantity"]
    db.session.rollback()
    assert _count(ProduceLot) == 0 and _lot_events() == []


def test_an_unknown_unit_is_refused_on_the_unit_field(villager, lot_args):
    with pytest.raises(ValidationFailed) as caught:
        services.register_lot(villager, **lot_args(quantity="300", unit="lb"))
    assert list(caught.value.fields) == ["unit"]


def test_an_unknown_variety_is_a_field_error(villager, lot_args):
    with pytest.raises(ValidationFailed) as caught:
        services.register_lot(villager, **lot_args(variety_id=424242))
    assert caught.value.field_texts() == {"variety_id": ["没有这个品种。"]}


def test_an_unknown_grade_is_a_field_error(villager, lot_args):
    with pytest.raises(ValidationFailed) as caught:
        services.register_lot(villager, **lot_args(grade_id=424242))
    assert list(caught.value.fields) == ["grade_id"]


def test_the_grade_must_belong_to_the_varietys_product(villager, lot_args):
    apple = Product(name="苹果")
    db.session.add(apple)
    db.session.flush()
    fuji = Variety(product_id=apple.id, name="红富士")
    table = GradeTable(product_id=apple.id, name="苹果等级", is_default=True)
    db.session.add_all([fuji, table])
    db.session.flush()
    apple_grade = Grade(table_id=table.id, code="first", name="一级果", rank=0)
    db.session.add(apple_grade)
    db.session.flush()
    with pytest.raises(ValidationFailed) as caught:
        services.register_lot(villager, **lot_args(grade_id=apple_grade.id))
    assert caught.value.field_texts() == {"grade_id": ["这不是桃的等级。"]}
    lot = services.register_lot(villager, **lot_args(variety_id=fuji.id, grade_id=apple_grade.id))
    assert lot.grade.name == "一级果"


def test_any_of_the_products_grade_tables_will_do(villager, catalogue, lot_args):
    table = GradeTable(product_id=catalogue["product"].id, name="超市收货标准")
    db.session.add(table)
    db.session.flush()
    grade = Grade(table_id=table.id, code="a", name="A级", rank=0)
    db.session.add(grade)
    db.session.flush()
    assert services.register_lot(villager, **lot_args(grade_id=grade.id)).grade_id == grade.id


def test_every_problem_is_reported_at_once(villager, lot_args):
    today = services.local_today()
    with pytest.raises(ValidationFailed) as caught:
        services.register_lot(villager, **lot_args(
            variety_id=None, quantity="-1", ready_from=today + timedelta(days=5), ready_to=today,
            spoil_by=today, note="x" * 2001))
    assert set(caught.value.fields) == {"variety_id", "quantity", "ready_to", "spoil_by", "note"}


def test_the_group_must_be_in_the_village(villager, household, make_village, lot_args):
    elsewhere = make_village(name="南里村")
    with pytest.raises(ValidationFailed) as caught:
        services.register_lot(villager, **lot_args(group_id=elsewhere.groups[0].id))
    assert caught.value.field_texts() == {"group_id": [f"这个组不在{household.village.name}。"]}
    lot = services.register_lot(villager, **lot_args(village_id=elsewhere.id, group_id=elsewhere.groups[1].id))
    assert lot.group.name == "2组"


def test_an_unknown_village_is_refused(villager, lot_args):
    with pytest.raises(ValidationFailed) as caught:
        services.register_lot(villager, **lot_args(village_id=999))
    assert "village_id" in caught.value.fields


# --- reading ----------------------------------------------------------------------------

def test_another_households_lot_is_not_found_for_a_villager(make_lot, make_user, make_household, villager):
    lot = make_lot(villager)
    other = make_user(RoleName.VILLAGER, household=make_household(head_name="王大妈"))
    with pytest.raises(NotFound):
        services.get_lot(other, lot.id)
    assert db.session.scalars(services.lots_query(other)).all() == []
    with pytest.raises(PermissionDenied):
        services.lots_query(other, household_id=villager.household_id)


def test_buyers_see_no_lots(make_lot, villager, buyer_user):
    lot = make_lot(villager)
    with pytest.raises(PermissionDenied):
        services.get_lot(buyer_user, lot.id)


def test_staff_filter_lots_by_village_variety_grade_status_and_ready_day(make_lot, villager, coordinator,
                                                                        accountant, catalogue):
    today = services.local_today()
    a = make_lot(villager)
    b = make_lot(villager, variety_id=catalogue["varieties"][1].id, grade_id=catalogue["grades"]["特级"].id,
                 ready_from=today + timedelta(days=10), ready_to=today + timedelta(days=12),
                 spoil_by=today + timedelta(days=14))

    def ids(**filters):
        return [lot.id for lot in db.session.scalars(services.lots_query(accountant, **filters))]

    assert ids() == [b.id, a.id]
    assert ids(variety_id=catalogue["varieties"][1].id) == [b.id]
    assert ids(grade_id=catalogue["grades"]["一级"].id) == [a.id]
    assert ids(ready_on=today + timedelta(days=11)) == [b.id]
    assert ids(village_id=a.village_id) == [b.id, a.id]
    services.withdraw_lot(coordinator, a.id)
    assert ids(status="withdrawn") == [a.id]
    assert ids(status=LotStatus.LISTED) == [b.id]


# --- changing ---------------------------------------------------------------------------

def test_the_owner_changes_a_listed_lot_and_the_change_is_audited(make_lot, villager):
    lot = make_lot(villager)
    services.update_lot(villager, lot.id, quantity="400", unit="jin", note="东坡果园")
    db.session.commit()
    assert lot.quantity_kg == Decimal("200") and lot.note == "东坡果园"
    [event] = _events("produce_lot.update")
    assert event.before["quantity_kg"] == "150.000" and event.after["quantity_kg"] == "200.000"
    assert event.before["note"] == "" and event.after["note"] == "东坡果园"


def test_changing_only_the_unit_keeps_the_weight(make_lot, villager):
    lot = make_lot(villager)
    services.update_lot(villager, lot.id, unit="kg")
    assert lot.quantity_kg == Decimal("150") and lot.entered_unit is QuantityUnit.KG


def test_an_update_that_changes_nothing_is_not_audited(make_lot, villager):
    lot = make_lot(villager)
    services.update_lot(villager, lot.id, quantity="300", unit="jin")
    assert _events("produce_lot.update") == []


def test_a_coordinators_change_is_audited_on_behalf_of_the_household(make_lot, villager, coordinator):
    lot = make_lot(villager)
    services.update_lot(coordinator, lot.id, quantity="1 吨")
    [event] = _events("produce_lot.update")
    assert event.actor_id == coordinator.id and event.on_behalf_of_household_id == lot.household_id


def test_a_bad_change_changes_nothing(make_lot, villager):
    lot = make_lot(villager)
    with pytest.raises(ValidationFailed):
        services.update_lot(villager, lot.id, quantity="0", grade_id=999)
    db.session.rollback()
    assert db.session.get(ProduceLot, lot.id).quantity_kg == Decimal("150")
    assert _events("produce_lot.update") == []


def test_a_lot_is_locked_after_allocation(make_lot, villager, coordinator):
    lot = make_lot(villager)
    LOT.apply(coordinator, lot, "allocate")
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        services.update_lot(villager, lot.id, quantity="10")
    assert "已配给订单" in caught.value.text()
    with pytest.raises(InvalidTransition):
        services.withdraw_lot(villager, lot.id)
    with pytest.raises(Conflict):
        services.add_photos(villager, lot.id, [upload(JPEG)])
    db.session.rollback()
    assert db.session.get(ProduceLot, lot.id).status is LotStatus.ALLOCATED
    assert db.session.get(ProduceLot, lot.id).quantity_kg == Decimal("150")


def test_another_villager_can_neither_change_nor_withdraw_the_lot(make_lot, villager, make_user, make_household):
    lot = make_lot(villager)
    other = make_user(RoleName.VILLAGER, household=make_household(head_name="王大妈"))
    with pytest.raises(NotFound):
        services.update_lot(other, lot.id, quantity="1")
    with pytest.raises(NotFound):
        services.withdraw_lot(other, lot.id)


def test_an_accountant_reads_but_does_not_change_lots(make_lot, villager, accountant):
    lot = make_lot(villager)
    assert services.get_lot(accountant, lot.id) is lot
    with pytest.raises(PermissionDenied):
        services.update_lot(accountant, lot.id, quantity="1")


def test_withdrawing_moves_the_lot_and_audits_the_reason(make_lot, villager):
    lot = make_lot(villager)
    services.withdraw_lot(villager, lot.id, reason="集市上卖了")
    db.session.commit()
    assert lot.status is LotStatus.WITHDRAWN
    [event] = _events("produce_lot.withdraw")
    assert event.before == {"status": "listed"} and event.after == {"status": "withdrawn"}
    assert event.reason == "集市上卖了"
    with pytest.raises(InvalidTransition):
        services.withdraw_lot(villager, lot.id)
    with pytest.raises(Conflict):
        services.update_lot(villager, lot.id, note="x")


def test_update_refuses_fields_it_does_not_know():
    with pytest.raises(TypeError):
        services.update_lot(None, 1, household_id=2)


# --- photos -----------------------------------------------------------------------------

def test_photos_registered_with_the_lot_are_stored_under_random_names(villager, lot_args, photo_dir):
    lot = services.register_lot(villager, **lot_args(photos=[upload(JPEG, "桃.jpg"), upload(PNG, "b.png")]))
    db.session.commit()
    names = files_in(photo_dir)
    assert len(names) == 2 and not any("桃" in n or n.startswith("b.") for n in names)
    assert [p.content_type for p in lot.photos] == ["image/jpeg", "image/png"]
    assert lot.photos[0].original_name == "桃.jpg"
    assert (photo_dir / lot.photos[1].stored_name).read_bytes() == PNG


def test_a_photo_is_judged_by_its_bytes_not_its_name(make_lot, villager):
    lot = make_lot(villager)
    [photo] = services.add_photos(villager, lot.id, [upload(PNG, "looks-like.jpg")])
    assert photo.content_type == "image/png" and photo.stored_name.endswith(".png")
    [photo] = services.add_photos(villager, lot.id, [upload(WEBP, "photo.exe")])
    assert photo.content_type == "image/webp"


@pytest.mark.parametrize("data, name", [(GIF, "a.gif"), (HTML, "peach.jpg"), (b"", "empty.jpg")],
                         ids=["gif", "html-named-jpg", "empty"])
def test_wrong_file_types_are_refused_and_nothing_is_written(make_lot, villager, photo_dir, data, name):
    lot = make_lot(villager)
    with pytest.raises(ValidationFailed) as caught:
        services.add_photos(villager, lot.id, [upload(JPEG, "ok.jpg"), upload(data, name)])
    assert list(caught.value.fields) == ["photos"] and name in caught.value.field_texts()["photos"][0]
    db.session.rollback()
    assert files_in(photo_dir) == [] and _count(LotPhoto) == 0


def test_an_oversized_photo_is_refused_without_leaving_a_file(app, make_lot, villager, photo_dir):
    app.config["PHOTO_MAX_BYTES"] = 1000
    lot = make_lot(villager)
    with pytest.raises(ValidationFailed) as caught:
        services.add_photos(villager, lot.id, [upload(JPEG + b"\x00" * 1000, "big.jpg")])
    assert "big.jpg" in caught.value.field_texts()["photos"][0]
    db.session.rollback()
    assert files_in(photo_dir) == [] and _count(LotPhoto) == 0


def test_a_photo_of_exactly_the_limit_is_accepted(app, make_lot, villager):
    data = JPEG + b"\x00" * 100
    app.config["PHOTO_MAX_BYTES"] = len(data)
    lot = make_lot(villager)
    assert len(services.add_photos(villager, lot.id, [upload(data)])) == 1


def test_a_lot_takes_at_most_three_photos(make_lot, villager, photo_dir):
    lot = make_lot(villager, photos=[upload(JPEG), upload(JPEG)])
    with pytest.raises(ValidationFailed) as caught:
        services.add_photos(villager, lot.id, [upload(PNG), upload(PNG)])
    assert caught.value.field_texts()["photos"] == ["每批最多3张照片。"]
    db.session.rollback()
    assert len(files_in(photo_dir)) == 2
    services.add_photos(villager, lot.id, [upload(PNG)])
    db.session.commit()
    assert len(files_in(photo_dir)) == 3


def test_a_registration_refused_for_its_photo_writes_no_lot_and_no_file(villager, lot_args, photo_dir):
    with pytest.raises(ValidationFailed):
        services.register_lot(villager, **lot_args(photos=[upload(JPEG), upload(GIF, "x.gif")]))
    db.session.rollback()
    assert _count(ProduceLot) == 0 and files_in(photo_dir) == []


def test_files_written_in_a_transaction_that_rolls_back_are_removed(make_lot, villager, photo_dir):
    lot = make_lot(villager)
    services.add_photos(villager, lot.id, [upload(JPEG)])
    assert len(files_in(photo_dir)) == 1
    db.session.rollback()
    assert files_in(photo_dir) == []


def test_a_removed_photos_file_goes_only_when_the_removal_commits(make_lot, villager, photo_dir):
    lot = make_lot(villager, photos=[upload(JPEG)])
    photo_id = lot.photos[0].id
    services.remove_photo(villager, lot.id, photo_id)
    db.session.rollback()
    assert len(files_in(photo_dir)) == 1
    services.remove_photo(villager, lot.id, photo_id)
    db.session.commit()
    assert files_in(photo_dir) == [] and _count(LotPhoto) == 0
    assert len(_events("produce_lot.remove_photo")) == 1


def test_photos_are_shown_to_the_owner_and_staff_only(make_lot, villager, coordinator, make_user, make_household):
    lot = make_lot(villager, photos=[upload(JPEG)])
    photo_id = lot.photos[0].id
    assert services.get_photo(villager, lot.id, photo_id).id == photo_id
    assert services.get_photo(coordinator, lot.id, photo_id).id == photo_id
    other = make_user(RoleName.VILLAGER, household=make_household(head_name="王大妈"))
    with pytest.raises(NotFound):
        services.get_photo(other, lot.id, photo_id)
    second = make_lot(villager)
    with pytest.raises(NotFound):
        services.get_photo(villager, second.id, photo_id)


def test_a_lot_with_kilograms_promised_to_an_order_is_locked(make_lot, villager):
    lot = make_lot(villager)
    lot.reserved_kg = Decimal("50")
    db.session.commit()
    assert not services.can_change(villager, lot)
    with pytest.raises(Conflict):
        services.update_lot(villager, lot.id, quantity="10")
    with pytest.raises(InvalidTransition):
        services.withdraw_lot(villager, lot.id)
