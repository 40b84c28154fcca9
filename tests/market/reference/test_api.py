"""The reference JSON API: auth, roles, pagination, errors, idempotency and the OpenAPI document."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import AuditEvent, GradeTable, Household, User, Village, db

PATHS = ["/api/v1/villages", "/api/v1/villages/{village_id}", "/api/v1/village-groups",
         "/api/v1/village-groups/{group_id}", "/api/v1/party-branches", "/api/v1/party-branches/{branch_id}",
         "/api/v1/party-groups", "/api/v1/party-groups/{party_group_id}", "/api/v1/households",
         "/api/v1/households/{household_id}", "/api/v1/products", "/api/v1/products/{product_id}",
         "/api/v1/varieties", "/api/v1/varieties/{variety_id}", "/api/v1/grade-tables",
         "/api/v1/grade-tables/{table_id}", "/api/v1/grade-tables/{table_id}/grades",
         "/api/v1/grades/{grade_id}", "/api/v1/users", "/api/v1/users/{user_id}"]

VILLAGE = {"code": "610404102201", "name": "北里村", "township": "北杜街道", "county": "渭城区"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_openapi_document_lists_every_reference_path(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in PATHS:
        assert path in spec["paths"], path
    params = spec["paths"]["/api/v1/households"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" for p in params)


def test_anonymous_callers_get_401(client):
    assert client.get("/api/v1/villages").status_code == 401
    assert client.post("/api/v1/villages", json=VILLAGE).status_code == 401


def test_an_admin_creates_reads_and_patches_a_village(client, login, admin):
    login(admin)
    created = client.post("/api/v1/villages", json=VILLAGE)
    assert created.status_code == 201
    body = created.get_json()
    assert body["code"] == "610404102201" and body["name"] == "北里村"
    assert client.get(f"/api/v1/villages/{body['id']}").get_json() == body
    patched = client.patch(f"/api/v1/villages/{body['id']}", json={"township": "北杜镇"})
    assert patched.status_code == 200 and patched.get_json()["township"] == "北杜镇"
    assert patched.get_json()["name"] == "北里村"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)).all()
    assert actions == ["village.create", "village.update"]


def test_a_bad_area_code_is_422_with_the_field_named_in_chinese(client, login, admin):
    login(admin)
    response = client.post("/api/v1/villages", json={**VILLAGE, "code": "6104041022"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "rule_not_met"
    assert error["fields"]["code"] == ["区划代码必须是12位数字。"]
    assert count(Village) == 0


def test_a_duplicate_is_409(client, login, admin):
    login(admin)
    client.post("/api/v1/villages", json=VILLAGE)
    response = client.post("/api/v1/villages", json={**VILLAGE, "name": "另一个村"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert count(Village) == 1


@pytest.mark.parametrize("path", ["/api/v1/villages/4242", "/api/v1/village-groups/4242",
                                  "/api/v1/party-branches/4242", "/api/v1/party-groups/4242",
                                  "/api/v1/households/4242", "/api/v1/products/4242", "/api/v1/varieties/4242",
                                  "/api/v1/grade-tables/4242", "/api/v1/grades/4242", "/api/v1/users/4242"])
def test_unknown_ids_are_404(client, login, admin, path):
    login(admin)
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    field = "head_name" if "households" in path else "name"
    assert client.patch(path, json={field: "改名"}).status_code == 404


@pytest.mark.parametrize("who", ["villager", "buyer_user", "coordinator", "accountant"])
@pytest.mark.parametrize("path, body", [
    ("/api/v1/villages", VILLAGE),
    ("/api/v1/products", {"name": "杏"}),
    ("/api/v1/users", {"phone": "13600001111", "name": "某人", "password": "peach-peach", "roles": ["admin"]}),
])
def test_only_admins_write_villages_products_and_users(client, login, request, who, path, body):
    login(request.getfixturevalue(who))
    response = client.post(path, json=body)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("who", ["villager", "buyer_user", "accountant"])
def test_villagers_buyers_and_accountants_cannot_register_households(client, login, request, who, make_village):
    village = make_village()
    db.session.commit()
    login(request.getfixturevalue(who))
    response = client.post("/api/v1/households", json={"head_name": "王建国", "village_id": village.id,
                                                       "payout_method": "cash"})
    assert response.status_code == 403
    assert count(Household) == (1 if who == "villager" else 0)


def test_lists_are_paginated(client, login, admin):
    login(admin)
    for n in range(3):
        assert client.post("/api/v1/villages", json={**VILLAGE, "code": f"61040410220{n}",
                                                     "name": f"村{n}"}).status_code == 201
    first = client.get("/api/v1/villages?per_page=2").get_json()
    assert (first["total"], first["page"], first["per_page"], len(first["items"])) == (3, 1, 2, 2)
    second = client.get("/api/v1/villages?per_page=2&page=2").get_json()
    assert [v["name"] for v in second["items"]] == ["村2"]
    assert client.get("/api/v1/villages?page=0").status_code == 422


def test_a_retried_create_with_the_same_idempotency_key_is_replayed(client, login, coordinator, make_village):
    village = make_village()
    db.session.commit()
    login(coordinator)
    body = {"head_name": "王建国", "village_id": village.id, "id_number": "11010519491231002X",
            "payout_method": "wechat", "account_number": "wang_jianguo"}
    headers = {"Idempotency-Key": "household-1"}
    first = client.post("/api/v1/households", json=body, headers=headers)
    again = client.post("/api/v1/households", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(Household) == 1
    other = client.post("/api/v1/households", json={**body, "head_name": "王二"}, headers=headers)
    assert other.status_code == 409 and count(Household) == 1


def test_a_coordinator_registers_and_patches_a_household_and_sees_it_masked(client, login, coordinator, make_village):
    village = make_village()
    db.session.commit()
    login(coordinator)
    created = client.post("/api/v1/households", json={
        "head_name": "王建国", "village_id": village.id, "group_id": village.groups[0].id,
        "id_number": "11010519491231002X", "phone": "13700001111", "payout_method": "bank",
        "bank_name": "陕西信合", "account_number": "6230270100099998888"})
    assert created.status_code == 201
    body = created.get_json()
    assert body["id_number"] == "110105********002X"
    assert body["phone"] == "137****1111" and body["account_number"] == "**** 8888"
    assert body["revealed"] is False and body["payout_method"] == "bank"
    patched = client.patch(f"/api/v1/households/{body['id']}", json={"priority": True})
    assert patched.status_code == 200 and patched.get_json()["priority"] is True
    household = db.session.get(Household, body["id"])
    assert household.account_number == "6230270100099998888"
    refused = client.get(f"/api/v1/households/{body['id']}?reveal=1")
    assert refused.status_code == 403
    assert count(AuditEvent) == db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action != "household.view_sensitive"))


def test_a_bad_household_is_422_and_nothing_is_written(client, login, coordinator, make_village):
    village, other = make_village(), make_village(name="南里村")
    db.session.commit()
    login(coordinator)
    response = client.post("/api/v1/households", json={
        "head_name": "王建国", "village_id": village.id, "group_id": other.groups[0].id,
        "id_number": "110105194912310021", "phone": "12345", "payout_method": "bank"})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"group_id", "id_number", "phone", "bank_name", "account_number"}
    assert count(Household) == 0


def test_an_accountant_reveals_full_numbers_and_each_reveal_is_audited(client, login, accountant, make_household):
    household = make_household()
    db.session.commit()
    login(accountant)
    masked = client.get(f"/api/v1/households/{household.id}").get_json()
    assert masked["id_number"] == "610402********1234" and masked["revealed"] is False
    full = client.get(f"/api/v1/households/{household.id}?reveal=1&reason=付款").get_json()
    assert full["id_number"] == "610402195803151234"
    assert full["account_number"] == "6230270100012345678" and full["phone"] == "13912345678"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "household.view_sensitive"))
    assert (event.actor_id, event.entity_id, event.reason) == (accountant.id, household.id, "付款")


def test_a_villager_reads_only_their_own_household_and_buyers_none(client, login, villager, buyer_user,
                                                                   make_household):
    other = make_household(head_name="李四")
    db.session.commit()
    login(villager)
    listing = client.get("/api/v1/households").get_json()
    assert [h["id"] for h in listing["items"]] == [villager.household_id]
    assert client.get(f"/api/v1/households/{other.id}").status_code == 403
    assert client.get(f"/api/v1/households/{villager.household_id}?reveal=1").status_code == 403
    client.post("/logout")
    login(buyer_user)
    assert client.get("/api/v1/households").status_code == 403
    assert client.get(f"/api/v1/households/{other.id}").status_code == 403


def test_villages_are_for_staff_but_the_catalogue_is_for_everyone(client, login, buyer_user, catalogue):
    login(buyer_user)
    assert client.get("/api/v1/villages").status_code == 403
    tables = client.get("/api/v1/grade-tables").get_json()["items"]
    assert [(g["name"], g["price_diff"]) for g in tables[0]["grades"]] == [
        ("特级", "1.00"), ("一级", "0.00"), ("二级", "-1.00"), ("等外", "-3.00")]
    product = client.get(f"/api/v1/products/{catalogue['product'].id}").get_json()
    assert product["default_grade_table_id"] == catalogue["table"].id


def test_an_admin_builds_a_product_with_a_grade_table(client, login, admin):
    login(admin)
    product = client.post("/api/v1/products", json={"name": "杏"}).get_json()
    variety = client.post("/api/v1/varieties", json={"product_id": product["id"], "name": "大接杏"})
    assert variety.status_code == 201
    table = client.post("/api/v1/grade-tables", json={
        "product_id": product["id"], "name": "杏等级", "grades": [
            {"code": "first", "name": "一级", "rank": 0, "min_diameter_mm": 45, "price_diff": "0.50"},
            {"code": "second", "name": "二级", "rank": 1, "price_diff": "-0.50"}]})
    assert table.status_code == 201, table.get_json()
    body = table.get_json()
    assert body["is_default"] is True
    assert [(g["rank"], g["min_diameter_mm"], g["price_diff"]) for g in body["grades"]] == [
        (0, 45, "0.50"), (1, None, "-0.50")]
    grade = client.post(f"/api/v1/grade-tables/{body['id']}/grades",
                        json={"code": "offgrade", "name": "等外", "rank": 2, "price_diff": "-2"})
    assert grade.status_code == 201 and grade.get_json()["price_diff"] == "-2.00"
    patched = client.patch(f"/api/v1/grades/{grade.get_json()['id']}", json={"price_diff": "-2.50"})
    assert patched.get_json()["price_diff"] == "-2.50"
    bad = client.post(f"/api/v1/grade-tables/{body['id']}/grades",
                      json={"code": "x", "name": "X", "rank": 7, "price_diff": "1.234"})
    assert bad.status_code == 422 and "price_diff" in bad.get_json()["error"]["fields"]
    taken = client.post(f"/api/v1/grade-tables/{body['id']}/grades",
                        json={"code": "x", "name": "X", "rank": 1, "price_diff": "1.00"})
    assert taken.status_code == 409
    unknown_table = client.post("/api/v1/grade-tables/4242/grades",
                                json={"code": "x", "name": "X", "rank": 5})
    assert unknown_table.status_code == 404


def test_a_grade_table_with_a_bad_grade_writes_nothing(client, login, admin, catalogue):
    login(admin)
    response = client.post("/api/v1/grade-tables", json={
        "product_id": catalogue["product"].id, "name": "超市标准", "grades": [
            {"code": "top", "name": "精品", "rank": 0, "price_diff": "2.00"},
            {"code": "bad", "name": "坏", "rank": 1, "price_diff": "1.001"}]})
    assert response.status_code == 422
    assert "grades.1.price_diff" in response.get_json()["error"]["fields"]
    assert count(GradeTable) == 1


def test_switching_the_default_table_keeps_exactly_one(client, login, admin, catalogue):
    login(admin)
    new = client.post("/api/v1/grade-tables", json={"product_id": catalogue["product"].id,
                                                    "name": "超市标准", "is_default": True}).get_json()
    defaults = db.session.scalars(select(GradeTable.id).where(GradeTable.is_default.is_(True))).all()
    assert defaults == [new["id"]]
    response = client.patch(f"/api/v1/grade-tables/{new['id']}", json={"is_default": False})
    assert response.status_code == 422


def test_an_admin_manages_logins_over_the_api(client, login, admin, make_household):
    household = make_household()
    db.session.commit()
    login(admin)
    created = client.post("/api/v1/users", json={"phone": "13600001111", "name": "张秀英",
                                                 "password": "peach-peach", "roles": ["villager"],
                                                 "household_id": household.id})
    assert created.status_code == 201
    body = created.get_json()
    assert body["roles"] == ["villager"] and body["active"] is True and "password" not in body
    taken = client.post("/api/v1/users", json={"phone": "13600001111", "name": "又一个",
                                               "password": "peach-peach", "roles": ["buyer"]})
    assert taken.status_code == 409
    disabled = client.patch(f"/api/v1/users/{body['id']}", json={"active": False})
    assert disabled.get_json()["active"] is False
    listing = client.get("/api/v1/users?role=villager").get_json()
    assert [u["phone"] for u in listing["items"]] == ["13600001111"]
    assert db.session.get(User, body["id"]).is_active_flag is False


def test_users_are_not_listed_for_coordinators(client, login, coordinator):
    login(coordinator)
    assert client.get("/api/v1/users").status_code == 403
