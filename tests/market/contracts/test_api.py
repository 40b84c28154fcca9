"""The contracts and quotes JSON API."""
from __future__ import annotations

import pytest

from market.contracts import services
from models import AuditEvent, ContractPrepayment, ContractStatus, IdempotencyRecord, MarketQuote, PurchaseContract, db


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def body(villager, peach, grades, **overrides):
    data = {
        "household_id": villager.household_id, "season": "2026", "variety_id": peach.id,
        "main_grade_id": grades["一级"].id, "area_mu": "3.5", "expected_kg": "5000", "tolerance_pct": "5",
        "mechanism": "fixed", "starts_on": "2026-07-01", "ends_on": "2026-08-31",
        "grade_prices": {str(grades[n].id): p for n, p in (("特级", "8.00"), ("一级", "6.00"), ("二级", "4.00"),
                                                             ("等外", "1.00"))},
    }
    data.update(overrides)
    return data


def test_a_coordinator_creates_a_contract_and_reads_it_back(client, login, coordinator, villager, peach, grades):
    login(coordinator)
    response = client.post("/api/v1/contracts", json=body(villager, peach, grades))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert (created["number"], created["status"], created["expected_kg"]) == ("HT2026-0001", "draft", "5000.000")
    assert [(p["grade"], p["price"], p["price_per_jin"]) for p in created["prices"]][1] == ("一级", "6.00", "3.00")
    fetched = client.get(f"/api/v1/contracts/{created['id']}").get_json()
    assert fetched == created


def test_prices_may_be_sent_per_jin_and_quantities_with_a_unit(client, login, coordinator, villager, peach, grades):
    login(coordinator)
    response = client.post("/api/v1/contracts", json=body(
        villager, peach, grades, expected_kg="10000斤", price_unit="jin",
        grade_prices={str(grades[n].id): p for n, p in (("特级", "4"), ("一级", "3.575"), ("二级", "2"), ("等外", 0))}))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["expected_kg"] == "5000.000"
    assert (data["prices"][1]["price"], data["prices"][1]["price_per_jin"]) == ("7.15", "3.575")


def test_fractional_json_numbers_are_refused_so_no_float_touches_money(client, login, coordinator, villager, peach,
                                                                      grades):
    login(coordinator)
    response = client.post("/api/v1/contracts", json=body(villager, peach, grades, area_mu=3.5))
    assert response.status_code == 422
    assert "area_mu" in response.get_json()["error"]["fields"]
    assert count(PurchaseContract) == 0


def test_bad_contract_fields_come_back_named(client, login, coordinator, villager, peach, grades):
    login(coordinator)
    response = client.post("/api/v1/contracts", json=body(villager, peach, grades, tolerance_pct="80",
                                                          mechanism="floor", ends_on="2026-06-01"))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"tolerance_pct", "quote_source", "ends_on"}
    assert count(PurchaseContract) == 0


def test_creating_with_the_same_idempotency_key_makes_one_contract(client, login, coordinator, villager, peach,
                                                                   grades):
    login(coordinator)
    headers = {"Idempotency-Key": "ht-1"}
    first = client.post("/api/v1/contracts", json=body(villager, peach, grades), headers=headers)
    again = client.post("/api/v1/contracts", json=body(villager, peach, grades), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    assert count(PurchaseContract) == 1
    other = client.post("/api/v1/contracts", json=body(villager, peach, grades, season="2027"), headers=headers)
    assert other.status_code == 409 and count(PurchaseContract) == 1


def test_steps_move_the_contract_and_illegal_ones_are_409(client, login, coordinator, make_contract):
    contract = make_contract()
    login(coordinator)
    assert client.post(f"/api/v1/contracts/{contract.id}/activate").status_code == 409
    signed = client.post(f"/api/v1/contracts/{contract.id}/sign")
    assert signed.status_code == 200 and signed.get_json()["status"] == "signed" and signed.get_json()["signed_at"]
    assert client.post(f"/api/v1/contracts/{contract.id}/activate").get_json()["status"] == "active"
    assert client.post(f"/api/v1/contracts/{contract.id}/terminate", json={}).status_code == 422
    ended = client.post(f"/api/v1/contracts/{contract.id}/terminate", json={"reason": "双方协商"})
    assert ended.get_json()["status"] == "terminated" and ended.get_json()["terminated_reason"] == "双方协商"
    assert db.session.get(PurchaseContract, contract.id).status is ContractStatus.TERMINATED


def test_prepayments_through_the_api_respect_the_deposit_cap(client, login, coordinator, make_contract):
    contract = make_contract("signed")
    login(coordinator)
    url = f"/api/v1/contracts/{contract.id}/prepayments"
    too_much = client.post(url, json={"kind": "deposit", "amount": "6000.01", "paid_on": "2026-06-01"})
    assert too_much.status_code == 422
    assert "¥6,000.00" in too_much.get_json()["error"]["fields"]["amount"][0]
    assert count(ContractPrepayment) == 0
    ok = client.post(url, json={"kind": "deposit", "amount": "6000", "paid_on": "2026-06-01"},
                     headers={"Idempotency-Key": "dj-1"})
    advance = client.post(url, json={"kind": "advance", "amount": "10000", "paid_on": "2026-06-02", "note": "化肥"})
    assert ok.status_code == advance.status_code == 201
    listed = client.get(url).get_json()
    assert [(p["kind"], p["amount"]) for p in listed] == [("deposit", "6000.00"), ("advance", "10000.00")]


def test_progress_reports_the_band_and_what_was_delivered(client, login, villager, make_contract, make_slip):
    contract = make_contract("active", expected_kg="1000")
    make_slip(contract, "1060.000", "6360.00")
    login(villager)
    data = client.get(f"/api/v1/contracts/{contract.id}/progress").get_json()
    assert data["delivered_kg"] == "1060.000" and data["band"] == "over" and data["percent"] == 106
    assert (data["low_kg"], data["high_kg"], data["amount"]) == ("950.000", "1050.000", "6360.00")


def test_a_villager_lists_only_their_own_contracts_and_cannot_read_others(client, login, villager,
                                                                           make_household, make_contract):
    mine = make_contract()
    theirs = make_contract(household_id=make_household(head_name="王大妈").id)
    login(villager)
    listed = client.get("/api/v1/contracts").get_json()
    assert [c["number"] for c in listed["items"]] == [mine.number] and listed["total"] == 1
    assert client.get(f"/api/v1/contracts?household_id={theirs.household_id}").get_json()["total"] == 0
    for path in ("", "/progress", "/prepayments"):
        response = client.get(f"/api/v1/contracts/{theirs.id}{path}")
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


def test_a_villager_cannot_create_or_sign_contracts(client, login, villager, make_contract, peach, grades):
    contract = make_contract()
    login(villager)
    assert client.post("/api/v1/contracts", json=body(villager, peach, grades)).status_code == 403
    assert client.post(f"/api/v1/contracts/{contract.id}/sign").status_code == 403
    assert count(PurchaseContract) == 1 and db.session.get(PurchaseContract, contract.id).status is ContractStatus.DRAFT


def test_a_buyer_is_denied_contracts_and_quotes(client, login, buyer_user, make_contract):
    contract = make_contract()
    login(buyer_user)
    for path in ("/api/v1/contracts", f"/api/v1/contracts/{contract.id}", "/api/v1/quotes",
                 "/api/v1/contracts/999999"):
        assert client.get(path).status_code == 403, path


def test_a_missing_contract_is_404_for_staff(client, login, coordinator):
    login(coordinator)
    assert client.get("/api/v1/contracts/999").status_code == 404


def test_the_list_filters_by_season_status_and_variety(client, login, coordinator, make_contract, catalogue):
    make_contract("signed")
    make_contract(season="2027")
    make_contract(variety_id=catalogue["varieties"][1].id)
    login(coordinator)
    assert client.get("/api/v1/contracts?season=2027").get_json()["total"] == 1
    assert client.get("/api/v1/contracts?status=signed").get_json()["total"] == 1
    assert client.get(f"/api/v1/contracts?variety_id={catalogue['varieties'][1].id}").get_json()["total"] == 1
    assert client.get("/api/v1/contracts?status=nonsense").status_code == 422


# --- quotes ---------------------------------------------------------------------------------

def test_quotes_are_recorded_listed_and_corrected(client, login, coordinator, peach, grades):
    login(coordinator)
    today = services.local_today().isoformat()
    quote = {"variety_id": peach.id, "grade_id": grades["一级"].id, "quoted_on": today, "price": "3.20",
             "unit": "jin", "source": "西安北郊果品市场"}
    created = client.post("/api/v1/quotes", json=quote, headers={"Idempotency-Key": "q-1"})
    assert created.status_code == 201 and created.get_json()["price"] == "6.40"
    duplicate = client.post("/api/v1/quotes", json={**quote, "price": "3.30"})
    assert duplicate.status_code == 409 and "西安北郊果品市场" in duplicate.get_json()["error"]["message"]
    listed = client.get(f"/api/v1/quotes?variety_id={peach.id}").get_json()
    assert [(q["grade"], q["price"], q["price_per_jin"]) for q in listed["items"]] == [("一级", "6.40", "3.20")]
    quote_id = created.get_json()["id"]
    assert client.patch(f"/api/v1/quotes/{quote_id}", json={"price": "6.60"}).status_code == 422
    corrected = client.patch(f"/api/v1/quotes/{quote_id}", json={"price": "6.60", "reason": "市场更正"})
    assert corrected.status_code == 200 and corrected.get_json()["price"] == "6.60"
    assert db.session.scalar(db.select(AuditEvent.before).where(AuditEvent.action == "market_quote.correct")) \
        == {"price": "6.40"}


def test_quotes_may_be_asked_for_a_date_range(client, login, coordinator, peach, grades):
    from datetime import date
    services.record_quote(coordinator, peach.id, grades["一级"].id, date(2026, 8, 1), "6.00", "甲市场")
    services.record_quote(coordinator, peach.id, grades["一级"].id, date(2026, 8, 9), "6.20", "甲市场")
    db.session.commit()
    login(coordinator)
    data = client.get("/api/v1/quotes?since=2026-08-01&until=2026-08-05").get_json()
    assert [q["quoted_on"] for q in data["items"]] == ["2026-08-01"]
    assert client.get("/api/v1/quotes").get_json()["total"] == 0  # the default is the last seven days


@pytest.mark.parametrize("who", ["villager", "accountant"])
def test_only_coordinators_and_admins_record_or_correct_quotes(request, client, login, peach, grades, who):
    login(request.getfixturevalue(who))
    response = client.post("/api/v1/quotes", json={"variety_id": peach.id, "grade_id": grades["一级"].id,
                                                   "quoted_on": "2026-08-01", "price": "6.00", "source": "甲市场"})
    assert response.status_code == 403
    assert client.patch("/api/v1/quotes/1", json={"price": "6.60", "reason": "x"}).status_code == 403
    assert count(MarketQuote) == 0 and count(IdempotencyRecord) == 0


def test_the_openapi_document_lists_the_contract_and_quote_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/contracts", "/api/v1/contracts/{contract_id}/prepayments", "/api/v1/quotes",
            "/api/v1/contracts/{contract_id}/progress"} <= set(paths)
    assert "Idempotency-Key" in str(paths["/api/v1/contracts"]["post"])
