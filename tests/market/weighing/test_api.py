"""The weigh slip API: list, get, create, void, re-issue; and no way to edit."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from market.weighing import services
from models import ContractStatus, PriceMechanism, SlipStatus, WeighSlip, db


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(WeighSlip))


def body(catalogue, household, **overrides) -> dict:
    grades = catalogue["grades"]
    data = {
        "household_id": household.id, "variety_id": catalogue["varieties"][0].id,
        "weighed_at": "2026-08-26T09:30:00+08:00", "plate": "陕D12345", "crates": 10, "unit": "jin",
        "gross": "260", "tare": "60", "deduction_kind": "percent", "deduction_value": "2",
        "split_mode": "percent", "price_unit": "jin",
        "grade_split": [{"grade_id": grades["特级"].id, "amount": "60", "unit_price": "3.00"},
                        {"grade_id": grades["一级"].id, "amount": "40", "unit_price": "2.50"}],
    }
    data.update(overrides)
    return data


def test_a_coordinator_creates_a_slip_and_gets_it_back_with_strings_for_numbers(client, login, coordinator,
                                                                              catalogue, household):
    login(coordinator)
    response = client.post("/api/v1/slips", json=body(catalogue, household), headers={"Idempotency-Key": "s-1"})
    assert response.status_code == 201, response.get_json()
    slip = response.get_json()
    assert slip["serial"] == "GB20260826-0001"
    assert (slip["gross_kg"], slip["tare_kg"], slip["deduction_kg"], slip["net_kg"]) == (
        "130.000", "30.000", "2.000", "98.000")
    assert slip["weigher_name"] == "李协调" and slip["household_name"] == "张秀英"
    assert [(l["grade_name"], l["net_kg"], l["unit_price"], l["amount"], l["price_basis"]) for l in slip["lines"]] == [
        ("特级", "58.800", "6.00", "352.80", "spot"), ("一级", "39.200", "5.00", "196.00", "spot")]
    assert slip["amount"] == "548.80"
    again = client.post("/api/v1/slips", json=body(catalogue, household), headers={"Idempotency-Key": "s-1"})
    assert again.get_json() == slip and count() == 1
    assert client.get(f"/api/v1/slips/{slip['id']}").get_json() == slip


def test_a_contract_slip_through_the_api_is_priced_by_the_contract(client, login, coordinator, catalogue, household,
                                                                  make_contract, make_quote):
    contract = make_contract(household, PriceMechanism.FLOOR, prices={"特级": "5.00", "一级": "4.00"})
    quote = make_quote("特级", "5.80")
    make_quote("一级", "3.00")
    login(coordinator)
    data = body(catalogue, household, contract_id=contract.id, deduction_kind="none", deduction_value="0",
                grade_split=[{"grade_id": catalogue["grades"]["特级"].id, "amount": "50"},
                             {"grade_id": catalogue["grades"]["一级"].id, "amount": "50"}])
    slip = client.post("/api/v1/slips", json=data).get_json()
    assert slip["contract_number"] == contract.number
    assert [(l["unit_price"], l["price_basis"]) for l in slip["lines"]] == [("5.80", "quote"), ("4.00", "floor")]
    assert slip["lines"][0]["quote_id"] == quote.id
    db.session.refresh(contract)
    assert contract.status is ContractStatus.ACTIVE


def test_a_missing_quote_is_a_422_naming_the_grade_split_and_nothing_is_written(client, login, coordinator,
                                                                               catalogue, household, make_contract):
    contract = make_contract(household, PriceMechanism.MARKET_PLUS, premium_pct="5")
    login(coordinator)
    data = body(catalogue, household, contract_id=contract.id,
                grade_split=[{"grade_id": catalogue["grades"]["一级"].id, "amount": "100"}])
    response = client.post("/api/v1/slips", json=data)
    assert response.status_code == 422
    assert "grade_split" in response.get_json()["error"]["fields"]
    assert count() == 0


@pytest.mark.parametrize("overrides, field", [
    ({"gross": "-260"}, "gross"),
    ({"gross": 260.5}, "gross"),  # a float in JSON is refused: send weights as strings
    ({"gross": "9000吨"}, "gross"),
    ({"unit": "lb"}, "unit"),
    ({"tare": "300"}, "tare"),
    ({"deduction_value": "101"}, "deduction_value"),
    ({"split_mode": "kg"}, "grade_split"),  # 60 + 40 kg is not the net
    ({"grade_split": []}, "grade_split"),
    ({"crates": -1}, "crates"),
    ({"household_id": 99999}, "household_id"),
])
def test_bad_input_is_a_422_on_the_field(client, login, coordinator, catalogue, household, overrides, field):
    login(coordinator)
    response = client.post("/api/v1/slips", json=body(catalogue, household, **overrides))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert count() == 0


def test_a_villager_cannot_create_a_slip(client, login, villager, catalogue):
    login(villager)
    response = client.post("/api/v1/slips", json=body(catalogue, villager.household))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert count() == 0


def test_villagers_list_only_their_own_slips(client, login, villager, issue, make_household):
    mine = issue(household_id=villager.household_id)
    issue(household_id=make_household(head_name="王建国").id)
    other = issue(household_id=make_household(head_name="李四").id)
    login(villager)
    page = client.get("/api/v1/slips").get_json()
    assert page["total"] == 1 and [s["id"] for s in page["items"]] == [mine.id]
    assert client.get(f"/api/v1/slips?household_id={other.household_id}").get_json()["total"] == 0
    assert client.get(f"/api/v1/slips/{other.id}").status_code == 403


def test_the_list_is_paginated_and_filtered(client, login, coordinator, issue):
    for _ in range(3):
        issue()
    voided = issue()
    services.void_slip(coordinator, voided, "重复")
    db.session.commit()
    login(coordinator)
    page = client.get("/api/v1/slips?per_page=2&page=2").get_json()
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (4, 2, 2, 2)
    assert [s["id"] for s in client.get("/api/v1/slips?status=void").get_json()["items"]] == [voided.id]
    assert client.get("/api/v1/slips?day=2026-08-26").get_json()["total"] == 4
    assert client.get("/api/v1/slips?day=2026-08-27").get_json()["total"] == 0
    assert client.get("/api/v1/slips?status=lost").status_code == 422


def test_void_then_reissue_through_the_api(client, login, coordinator, catalogue, household, issue):
    wrong = issue()
    login(coordinator)
    assert client.post(f"/api/v1/slips/{wrong.id}/void", json={}).status_code == 422
    response = client.post(f"/api/v1/slips/{wrong.id}/void", json={"reason": "皮重填错"})
    assert response.status_code == 200
    voided = response.get_json()
    assert voided["status"] == "void" and voided["void_reason"] == "皮重填错"
    assert voided["voided_by_id"] == coordinator.id and voided["voided_at"]
    again = client.post(f"/api/v1/slips/{wrong.id}/void", json={"reason": "again"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_transition"

    response = client.post(f"/api/v1/slips/{wrong.id}/reissue", json=body(catalogue, household),
                           headers={"Idempotency-Key": "r-1"})
    assert response.status_code == 201
    new = response.get_json()
    assert new["replaces_id"] == wrong.id and new["status"] == "confirmed"
    twice = client.post(f"/api/v1/slips/{wrong.id}/reissue", json=body(catalogue, household))
    assert twice.status_code == 409
    assert client.get(f"/api/v1/slips/{wrong.id}").get_json()["status"] == "void"
    assert count() == 2


def test_a_confirmed_slip_cannot_be_reissued(client, login, coordinator, catalogue, household, issue):
    slip = issue()
    login(coordinator)
    assert client.post(f"/api/v1/slips/{slip.id}/reissue", json=body(catalogue, household)).status_code == 409
    assert count() == 1


def test_a_villager_cannot_void_their_slip_through_the_api(client, login, villager, issue):
    slip = issue(household_id=villager.household_id)
    login(villager)
    assert client.post(f"/api/v1/slips/{slip.id}/void", json={"reason": "x"}).status_code == 403
    assert db.session.get(WeighSlip, slip.id).status is SlipStatus.CONFIRMED


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_a_slip_cannot_be_edited_or_deleted(client, login, coordinator, issue, method):
    slip = issue()
    login(coordinator)
    response = getattr(client, method)(f"/api/v1/slips/{slip.id}", json={"gross_kg": "999", "net_kg": "999"})
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert db.session.get(WeighSlip, slip.id).gross_kg == Decimal("130.000")


def test_the_openapi_document_has_no_way_to_edit_a_slip(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/slips/{slip_id}"]) - {"parameters"} == {"get"}
    assert "post" in paths["/api/v1/slips/{slip_id}/void"] and "post" in paths["/api/v1/slips/{slip_id}/reissue"]
    params = paths["/api/v1/slips"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" for p in params)
