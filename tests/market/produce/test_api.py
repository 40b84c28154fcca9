"""/api/v1/lots: the same rules as the pages, in the API's one error shape."""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from market.produce import services
from market.produce.states import LOT
from models import AuditEvent, LotPhoto, LotStatus, ProduceLot, RoleName, db

from .conftest import GIF, JPEG, PNG, files_in, upload


def _body(catalogue, **overrides):
    today = services.local_today()
    body = {"variety_id": catalogue["varieties"][0].id, "grade_id": catalogue["grades"]["一级"].id,
            "quantity": "300", "unit": "jin", "ready_from": today.isoformat(),
            "ready_to": (today + timedelta(days=3)).isoformat(),
            "spoil_by": (today + timedelta(days=7)).isoformat()}
    body.update(overrides)
    return body


def _lot_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ProduceLot))


def test_a_villager_creates_a_lot_and_gets_kilograms_as_a_string(client, login, villager, catalogue):
    login(villager)
    response = client.post("/api/v1/lots", json=_body(catalogue))
    assert response.status_code == 201, response.get_json()
    lot = response.get_json()
    assert lot["quantity_kg"] == "150.000"
    assert lot["entered_unit"] == "jin" and lot["quantity"] == "300"
    assert lot["status"] == "listed" and lot["household_id"] == villager.household_id
    assert lot["variety"] == "水蜜桃" and lot["grade"] == "一级"


def test_the_quantity_may_carry_its_unit_in_the_text(client, login, villager, catalogue):
    login(villager)
    body = _body(catalogue, quantity="0.3吨")
    del body["unit"]
    lot = client.post("/api/v1/lots", json=body).get_json()
    assert (lot["quantity_kg"], lot["entered_unit"], lot["quantity"]) == ("300.000", "t", "0.3")


def test_a_whole_json_number_is_accepted_but_a_fraction_is_refused(client, login, villager, catalogue):
    login(villager)
    assert client.post("/api/v1/lots", json=_body(catalogue, quantity=120, unit="kg")).status_code == 201
    response = client.post("/api/v1/lots", json=_body(catalogue, quantity=120.5, unit="kg"))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"quantity": ['数量请用文字形式发送，例如 "300.5"。']}
    assert _lot_count() == 1


def test_bad_weights_and_units_come_back_as_field_errors(client, login, villager, catalogue):
    login(villager)
    for body, field in [({"quantity": "-1"}, "quantity"), ({"quantity": "0"}, "quantity"),
                        ({"quantity": "2000 吨"}, "quantity"), ({"quantity": "300 磅"}, "quantity"),
                        ({"quantity": "300", "unit": "lb"}, "unit"), ({"variety_id": 9999}, "variety_id"),
                        ({"grade_id": 9999}, "grade_id")]:
        response = client.post("/api/v1/lots", json=_body(catalogue, **body))
        assert response.status_code == 422, body
        error = response.get_json()["error"]
        assert error["code"] == "rule_not_met" and list(error["fields"]) == [field], body
    assert _lot_count() == 0


def test_missing_fields_are_named(client, login, villager):
    login(villager)
    response = client.post("/api/v1/lots", json={})
    fields = response.get_json()["error"]["fields"]
    assert {"variety_id", "grade_id", "quantity", "ready_from", "ready_to", "spoil_by"} <= set(fields)


def test_creating_honours_the_idempotency_key(client, login, villager, catalogue):
    login(villager)
    headers = {"Idempotency-Key": "lot-1"}
    first = client.post("/api/v1/lots", json=_body(catalogue), headers=headers)
    again = client.post("/api/v1/lots", json=_body(catalogue), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert _lot_count() == 1
    other = client.post("/api/v1/lots", json=_body(catalogue, quantity="1"), headers=headers)
    assert other.status_code == 409 and _lot_count() == 1


def test_a_villager_cannot_create_for_another_household(client, login, villager, make_household, catalogue):
    other = make_household(head_name="王大妈")
    login(villager)
    response = client.post("/api/v1/lots", json=_body(catalogue, household_id=other.id))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert _lot_count() == 0


def test_a_coordinators_api_entry_is_audited_as_proxy(client, login, coordinator, household, catalogue):
    login(coordinator)
    response = client.post("/api/v1/lots", json=_body(catalogue, household_id=household.id))
    assert response.status_code == 201
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "produce_lot.create_proxy"))
    assert event.on_behalf_of_household_id == household.id and event.actor_id == coordinator.id


def test_villagers_list_only_their_own_lots_paginated(client, login, villager, make_lot, make_user, make_household,
                                                     coordinator):
    mine = [make_lot(villager) for _ in range(3)]
    other_household = make_household(head_name="王大妈")
    make_lot(coordinator, household_id=other_household.id)
    login(villager)
    page = client.get("/api/v1/lots?per_page=2").get_json()
    assert page["total"] == 3 and page["per_page"] == 2
    assert [item["id"] for item in page["items"]] == [mine[2].id, mine[1].id]
    assert client.get("/api/v1/lots?page=2&per_page=2").get_json()["items"][0]["id"] == mine[0].id
    assert client.get(f"/api/v1/lots?household_id={other_household.id}").status_code == 403


def test_staff_list_every_lot_with_filters(client, login, villager, coordinator, make_lot, catalogue):
    make_lot(villager)
    make_lot(villager, variety_id=catalogue["varieties"][1].id)
    login(coordinator)
    assert client.get("/api/v1/lots").get_json()["total"] == 2
    only = client.get(f"/api/v1/lots?variety_id={catalogue['varieties'][1].id}").get_json()
    assert only["total"] == 1 and only["items"][0]["variety"] == "油桃"
    assert client.get("/api/v1/lots?status=nonsense").status_code == 422


def test_another_households_lot_is_404_and_a_buyer_gets_403(client, login, villager, make_lot, make_user,
                                                           make_household, buyer_user):
    lot = make_lot(villager)
    login(make_user(RoleName.VILLAGER, household=make_household(head_name="王大妈")))
    assert client.get(f"/api/v1/lots/{lot.id}").status_code == 404
    assert client.patch(f"/api/v1/lots/{lot.id}", json={"quantity": "1"}).status_code == 404
    assert client.post(f"/api/v1/lots/{lot.id}/withdraw", json={}).status_code == 404
    client.post("/logout")
    login(buyer_user)
    assert client.get(f"/api/v1/lots/{lot.id}").status_code == 403
    assert db.session.get(ProduceLot, lot.id).quantity_kg == Decimal("150")


def test_patch_changes_only_what_is_sent(client, login, villager, make_lot):
    lot = make_lot(villager, note="原来的")
    login(villager)
    response = client.patch(f"/api/v1/lots/{lot.id}", json={"quantity": "200", "unit": "kg"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["quantity_kg"], body["entered_unit"], body["note"]) == ("200.000", "kg", "原来的")
    assert db.session.get(ProduceLot, lot.id).quantity_kg == Decimal("200")


def test_patch_after_allocation_is_a_409_and_changes_nothing(client, login, villager, coordinator, make_lot):
    lot = make_lot(villager)
    LOT.apply(coordinator, lot, "allocate")
    db.session.commit()
    login(villager)
    response = client.patch(f"/api/v1/lots/{lot.id}", json={"quantity": "1"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    withdraw = client.post(f"/api/v1/lots/{lot.id}/withdraw", json={})
    assert withdraw.status_code == 409 and withdraw.get_json()["error"]["code"] == "invalid_transition"
    stored = db.session.get(ProduceLot, lot.id)
    assert stored.quantity_kg == Decimal("150") and stored.status is LotStatus.ALLOCATED


def test_withdraw_through_the_api(client, login, villager, make_lot):
    lot = make_lot(villager)
    login(villager)
    response = client.post(f"/api/v1/lots/{lot.id}/withdraw", json={"reason": "卖掉了"})
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"
    assert db.session.get(ProduceLot, lot.id).status is LotStatus.WITHDRAWN


def test_photos_upload_and_download_through_the_api(client, login, villager, make_lot):
    lot = make_lot(villager)
    login(villager)
    response = client.post(f"/api/v1/lots/{lot.id}/photos", data={"photos": [(io.BytesIO(PNG), "a.png")]},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    [photo] = response.get_json()
    assert photo["content_type"] == "image/png" and photo["size_bytes"] == len(PNG)
    download = client.get(photo["url"])
    assert download.status_code == 200 and download.data == PNG and download.mimetype == "image/png"
    download.close()
    got = client.get(f"/api/v1/lots/{lot.id}").get_json()
    assert got["photos"][0]["url"] == photo["url"]


def test_wrong_or_oversized_photos_are_refused_by_the_api_with_no_file_left(app, client, login, villager, make_lot,
                                                                            photo_dir):
    lot = make_lot(villager)
    login(villager)
    wrong = client.post(f"/api/v1/lots/{lot.id}/photos", data={"photos": [(io.BytesIO(GIF), "a.jpg")]},
                        content_type="multipart/form-data")
    assert wrong.status_code == 422 and "photos" in wrong.get_json()["error"]["fields"]
    app.config["PHOTO_MAX_BYTES"] = 50
    big = client.post(f"/api/v1/lots/{lot.id}/photos", data={"photos": [(io.BytesIO(JPEG + b"\x00" * 60), "b.jpg")]},
                      content_type="multipart/form-data")
    assert big.status_code == 422
    assert files_in(photo_dir) == []
    assert db.session.scalar(select(func.count()).select_from(LotPhoto)) == 0


def test_another_household_cannot_download_a_photo(client, login, villager, make_lot, make_user, make_household):
    lot = make_lot(villager, photos=[upload(JPEG)])
    login(make_user(RoleName.VILLAGER, household=make_household(head_name="王大妈")))
    assert client.get(f"/api/v1/lots/{lot.id}/photos/{lot.photos[0].id}").status_code == 404


def test_deleting_a_photo_through_the_api(client, login, villager, make_lot, photo_dir):
    lot = make_lot(villager, photos=[upload(JPEG)])
    login(villager)
    assert client.delete(f"/api/v1/lots/{lot.id}/photos/{lot.photos[0].id}").status_code == 204
    assert files_in(photo_dir) == []


def test_the_openapi_document_describes_the_lots_api(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/lots", "/api/v1/lots/{lot_id}", "/api/v1/lots/{lot_id}/withdraw",
            "/api/v1/lots/{lot_id}/photos", "/api/v1/lots/{lot_id}/photos/{photo_id}"} <= set(paths)
    assert any(p["name"] == "Idempotency-Key" for p in paths["/api/v1/lots"]["post"]["parameters"])


def test_a_retried_photo_upload_with_the_same_key_stores_one_photo(client, login, villager, make_lot, photo_dir):
    lot = make_lot(villager)
    login(villager)
    sent = []
    for _ in range(2):
        sent.append(client.post(f"/api/v1/lots/{lot.id}/photos", headers={"Idempotency-Key": "photo-1"},
                                data={"photos": [(io.BytesIO(JPEG), "a.jpg")]}, content_type="multipart/form-data"))
    assert [r.status_code for r in sent] == [201, 201]
    assert db.session.scalar(select(func.count()).select_from(LotPhoto)) == 1
    assert len(files_in(photo_dir)) == 1


def test_the_same_photo_key_with_another_photo_is_refused(client, login, villager, make_lot):
    lot = make_lot(villager)
    login(villager)
    first = client.post(f"/api/v1/lots/{lot.id}/photos", headers={"Idempotency-Key": "photo-2"},
                        data={"photos": [(io.BytesIO(JPEG), "a.jpg")]}, content_type="multipart/form-data")
    other = client.post(f"/api/v1/lots/{lot.id}/photos", headers={"Idempotency-Key": "photo-2"},
                        data={"photos": [(io.BytesIO(PNG), "a.jpg")]}, content_type="multipart/form-data")
    assert (first.status_code, other.status_code) == (201, 409)
    assert db.session.scalar(select(func.count()).select_from(LotPhoto)) == 1
