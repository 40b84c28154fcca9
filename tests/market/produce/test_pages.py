"""The villager's pages and the staff list, through the test client."""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from market.produce import services
from market.produce.states import LOT
from models import AuditEvent, LotPhoto, LotStatus, ProduceLot, RoleName, db

from .conftest import GIF, JPEG, PNG, files_in, upload


def _form(catalogue, **overrides):
    today = services.local_today()
    data = {"variety_id": str(catalogue["varieties"][0].id), "grade_id": str(catalogue["grades"]["一级"].id),
            "quantity": "300", "unit": "jin", "ready_from": today.isoformat(),
            "ready_to": (today + timedelta(days=3)).isoformat(),
            "spoil_by": (today + timedelta(days=7)).isoformat(), "location_note": "", "note": ""}
    data.update(overrides)
    return data


def _lots() -> list[ProduceLot]:
    return list(db.session.scalars(select(ProduceLot).order_by(ProduceLot.id)))


def test_a_villagers_home_and_produce_have_a_big_register_button(client, login, villager):
    login(villager)
    home = client.get("/home").get_data(as_text=True)
    assert "登记交售" in home and 'href="/lots/new"' in home and 'href="/lots/mine"' in home
    page = client.get("/lots/mine").get_data(as_text=True)
    assert "登记交售" in page and 'href="/lots/new"' in page
    assert "还没有登记" in page


def test_registering_300_jin_shows_300_jin_with_150_kg_beneath_on_my_list(client, login, villager, catalogue):
    login(villager)
    response = client.post("/lots/new", data=_form(catalogue))
    assert response.status_code == 302 and response.headers["Location"].endswith("/lots/mine")
    page = client.get("/lots/mine").get_data(as_text=True)
    assert '<div class="qty">300 斤</div>' in page
    assert '<div class="qty-kg">150 公斤</div>' in page
    assert "水蜜桃" in page and "一级" in page and "待收购" in page
    assert "已登记：水蜜桃 300 斤" in page
    [lot] = _lots()
    assert lot.quantity_kg == Decimal("150") and lot.entered_unit.value == "jin"


def test_a_unit_typed_into_the_number_box_is_understood(client, login, villager, catalogue):
    login(villager)
    client.post("/lots/new", data=_form(catalogue, quantity="0.5吨", unit="jin"))
    [lot] = _lots()
    assert lot.quantity_kg == Decimal("500") and lot.entered_unit.value == "t"
    page = client.get("/lots/mine").get_data(as_text=True)
    assert "1,000 斤" in page and "500 公斤" in page


def test_the_form_starts_with_today_and_three_days_and_jin(client, login, villager, catalogue):
    login(villager)
    page = client.get("/lots/new").get_data(as_text=True)
    today = services.local_today()
    assert f'value="{today.isoformat()}"' in page
    assert f'value="{(today + timedelta(days=3)).isoformat()}"' in page
    assert '<option selected value="jin">斤</option>' in page
    assert 'name="household_id"' not in page
    assert 'accept="image/jpeg,image/png,image/webp"' in page
    assert "一级（单果≥200克）" in page


def test_bad_weights_are_shown_on_the_quantity_field_and_nothing_is_saved(client, login, villager, catalogue):
    login(villager)
    for quantity, message in [("-5", "重量要大于零"), ("0", "重量要大于零"), ("5000000", "一批超过1000吨"),
                              ("300 磅", "不认识单位“磅”"), ("", "请填写有多少")]:
        response = client.post("/lots/new", data=_form(catalogue, quantity=quantity))
        assert response.status_code == 422
        assert message in response.get_data(as_text=True), quantity
    assert _lots() == []


def test_an_unknown_variety_and_a_bad_window_are_named_on_their_fields(client, login, villager, catalogue):
    login(villager)
    today = services.local_today()
    response = client.post("/lots/new", data=_form(catalogue, variety_id="99999",
                                                   ready_to=(today - timedelta(days=1)).isoformat()))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "没有这个品种" in page and "最晚日期不能早于起始日期" in page
    assert 'value="300"' in page  # what was typed stays in the form
    assert _lots() == []


def test_a_photo_of_the_wrong_type_is_refused_and_nothing_is_saved(client, login, villager, catalogue, photo_dir):
    login(villager)
    data = _form(catalogue)
    data["photos"] = [(io.BytesIO(JPEG), "a.jpg"), (io.BytesIO(GIF), "b.jpg")]
    response = client.post("/lots/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "“b.jpg”不是 JPEG、PNG 或 WebP 照片" in response.get_data(as_text=True)
    assert _lots() == [] and files_in(photo_dir) == []


def test_photos_sent_with_the_form_are_stored_and_shown_to_the_owner(client, login, villager, catalogue):
    login(villager)
    data = _form(catalogue)
    data["photos"] = [(io.BytesIO(PNG), "peach.png")]
    client.post("/lots/new", data=data, content_type="multipart/form-data")
    [lot] = _lots()
    [photo] = lot.photos
    detail = client.get(f"/lots/{lot.id}").get_data(as_text=True)
    url = f"/lots/{lot.id}/photos/{photo.id}"
    assert url in detail
    image = client.get(url)
    assert image.status_code == 200 and image.data == PNG
    assert image.mimetype == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    image.close()
    assert photo.stored_name not in detail


def test_photos_are_not_static_files(client, login, villager, make_lot):
    lot = make_lot(villager, photos=[upload(JPEG)])
    login(villager)
    assert client.get(f"/static/photos/{lot.photos[0].stored_name}").status_code == 404
    assert client.get(f"/photos/{lot.photos[0].stored_name}").status_code == 404


def test_another_household_gets_404_for_the_lot_and_its_photo(client, login, villager, make_lot, make_user,
                                                               make_household):
    lot = make_lot(villager, photos=[upload(JPEG)])
    other = make_user(RoleName.VILLAGER, household=make_household(head_name="王大妈"))
    login(other)
    assert client.get(f"/lots/{lot.id}").status_code == 404
    assert client.get(f"/lots/{lot.id}/photos/{lot.photos[0].id}").status_code == 404
    assert client.get(f"/lots/{lot.id}/edit").status_code == 404
    assert client.post(f"/lots/{lot.id}/edit", data={"quantity": "1"}).status_code == 404
    assert client.post(f"/lots/{lot.id}/withdraw").status_code == 404
    assert "300 斤" not in client.get("/lots/mine").get_data(as_text=True)
    assert db.session.get(ProduceLot, lot.id).status is LotStatus.LISTED


def test_a_buyer_cannot_see_lots_or_photos(client, login, villager, make_lot, buyer_user):
    lot = make_lot(villager, photos=[upload(JPEG)])
    login(buyer_user)
    assert client.get(f"/lots/{lot.id}/photos/{lot.photos[0].id}").status_code == 403
    assert client.get("/lots").status_code == 403
    assert client.get("/lots/new").status_code == 403


def test_the_owner_edits_a_listed_lot(client, login, villager, make_lot, catalogue):
    lot = make_lot(villager)
    login(villager)
    page = client.get(f"/lots/{lot.id}/edit").get_data(as_text=True)
    assert 'value="300"' in page
    response = client.post(f"/lots/{lot.id}/edit", data=_form(catalogue, quantity="200", unit="kg"))
    assert response.status_code == 302
    assert db.session.get(ProduceLot, lot.id).quantity_kg == Decimal("200")
    assert "400 斤" in client.get(f"/lots/{lot.id}").get_data(as_text=True)


def test_an_allocated_lot_can_no_longer_be_edited_or_withdrawn(client, login, villager, coordinator, make_lot,
                                                              catalogue):
    lot = make_lot(villager)
    LOT.apply(coordinator, lot, "allocate")
    db.session.commit()
    login(villager)
    detail = client.get(f"/lots/{lot.id}").get_data(as_text=True)
    assert "已配货" in detail and f"/lots/{lot.id}/edit" not in detail
    response = client.post(f"/lots/{lot.id}/edit", data=_form(catalogue, quantity="1"))
    assert response.status_code == 302
    assert "不能修改" in client.get(response.headers["Location"]).get_data(as_text=True)
    client.post(f"/lots/{lot.id}/withdraw", data={"reason": ""})
    stored = db.session.get(ProduceLot, lot.id)
    assert stored.quantity_kg == Decimal("150") and stored.status is LotStatus.ALLOCATED


def test_withdrawing_asks_first_then_takes_the_lot_off_sale(client, login, villager, make_lot):
    lot = make_lot(villager)
    login(villager)
    confirm = client.get(f"/lots/{lot.id}/withdraw").get_data(as_text=True)
    assert "要撤回这批吗" in confirm
    assert db.session.get(ProduceLot, lot.id).status is LotStatus.LISTED
    response = client.post(f"/lots/{lot.id}/withdraw", data={"reason": "卖掉了"})
    assert response.headers["Location"].endswith("/lots/mine")
    assert db.session.get(ProduceLot, lot.id).status is LotStatus.WITHDRAWN
    assert "已撤回" in client.get("/lots/mine").get_data(as_text=True)


def test_photos_are_added_and_removed_on_the_detail_page(client, login, villager, make_lot, photo_dir):
    lot = make_lot(villager)
    login(villager)
    response = client.post(f"/lots/{lot.id}/photos", data={"photos": [(io.BytesIO(JPEG), "a.jpg")]},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert "已添加1张照片" in client.get(f"/lots/{lot.id}").get_data(as_text=True)
    photo_id = db.session.scalar(select(LotPhoto.id))
    client.post(f"/lots/{lot.id}/photos/{photo_id}/delete")
    assert db.session.scalar(select(func.count()).select_from(LotPhoto)) == 0
    assert files_in(photo_dir) == []


def test_an_oversized_photo_upload_is_refused_with_a_message(app, client, login, villager, make_lot, photo_dir):
    app.config["PHOTO_MAX_BYTES"] = 200
    lot = make_lot(villager)
    login(villager)
    client.post(f"/lots/{lot.id}/photos", data={"photos": [(io.BytesIO(JPEG + b"\x00" * 300), "big.jpg")]},
                content_type="multipart/form-data")
    page = client.get(f"/lots/{lot.id}").get_data(as_text=True)
    assert "“big.jpg”超过" in page
    assert files_in(photo_dir) == []


def test_a_coordinator_registers_for_a_household_from_the_same_form(client, login, coordinator, villager,
                                                                     household, catalogue):
    login(coordinator)
    page = client.get("/lots/new").get_data(as_text=True)
    assert 'name="household_id"' in page and household.head_name in page
    assert "您正在替农户登记" in page
    response = client.post("/lots/new", data=_form(catalogue, household_id=str(household.id)))
    [lot] = _lots()
    assert response.headers["Location"].endswith(f"/lots/{lot.id}")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "produce_lot.create_proxy"))
    assert event.actor_id == coordinator.id and event.on_behalf_of_household_id == household.id
    assert "由李协调代登记" in client.get(f"/lots/{lot.id}").get_data(as_text=True)


def test_a_coordinator_must_choose_the_household(client, login, coordinator, catalogue):
    login(coordinator)
    response = client.post("/lots/new", data=_form(catalogue))
    assert response.status_code == 422 and "请选择农户" in response.get_data(as_text=True)


def test_staff_list_filters_and_shows_kilograms(client, login, coordinator, villager, make_lot, catalogue):
    make_lot(villager)
    make_lot(villager, quantity="2 吨", variety_id=catalogue["varieties"][1].id)
    login(coordinator)
    page = client.get("/lots").get_data(as_text=True)
    assert "共2批" in page and "150 公斤" in page and "2,000 公斤" in page
    assert "300 斤" in page  # the unit the household used, beneath
    only = client.get(f"/lots?variety_id={catalogue['varieties'][1].id}").get_data(as_text=True)
    assert "共1批" in only and "2,000 公斤" in only and "150 公斤" not in only
    assert "共0批" in client.get("/lots?status=withdrawn").get_data(as_text=True)
    assert client.get("/lots?village_id=abc&ready_on=nonsense").status_code == 200


def test_staff_list_is_paginated(client, login, coordinator, villager, make_lot):
    for _ in range(51):
        make_lot(villager)
    login(coordinator)
    first = client.get("/lots?status=listed").get_data(as_text=True)
    assert "共51批" in first and "page=2&amp;status=listed" in first
    assert first.count('<span class="badge listed">') == 50
    second = client.get("/lots?page=2&status=listed").get_data(as_text=True)
    assert second.count('<span class="badge listed">') == 1


def test_a_villager_asking_for_the_staff_list_is_sent_to_their_own(client, login, villager):
    login(villager)
    assert client.get("/lots").headers["Location"].endswith("/lots/mine")


def test_an_accountant_reads_lots_but_gets_no_edit_page(client, login, accountant, villager, make_lot):
    lot = make_lot(villager)
    login(accountant)
    assert "150 公斤" in client.get("/lots").get_data(as_text=True)
    detail = client.get(f"/lots/{lot.id}").get_data(as_text=True)
    assert "张秀英" in detail and f"/lots/{lot.id}/edit" not in detail
    assert client.get(f"/lots/{lot.id}/edit").status_code == 403
    assert client.get("/lots/new").status_code == 403


def test_the_lot_form_marks_what_is_required_before_it_is_sent(client, login, villager, catalogue):
    """Grade was revealed as required only after submitting; now the browser asks, and the label says ＊."""
    import re
    login(villager)
    page = client.get("/lots/new").get_data(as_text=True)
    for name in ("variety_id", "grade_id", "quantity", "ready_from", "ready_to", "spoil_by"):
        tag = re.search(rf'<(?:select|input)[^>]*name="{name}"[^>]*>', page).group(0)
        assert "required" in tag, name
        assert re.search(rf'<label for="{name}">[^<]*<span class="req"', page), name
    assert not re.search(r'<input[^>]*name="location_note"[^>]*required', page)
