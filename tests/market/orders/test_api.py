"""The buyers, orders and allocation-runs JSON API."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from market.orders import allocation_runs, buyers
from models import AllocationRun, AuditEvent, Buyer, BuyerOrder, OrderStatus, ProduceLot, RunStatus, db
from tests.market.orders.conftest import credit_code


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def order_body(catalogue, buyer, **overrides) -> dict:
    grades = catalogue["grades"]
    body = {
        "buyer_id": buyer.id, "variety_id": catalogue["varieties"][0].id, "min_grade_id": grades["二级"].id,
        "quantity": "5.4", "unit": "t", "delivered_price": "4.30", "price_unit": "jin",
        "farm_gate_prices": {str(grades["特级"].id): "4", str(grades["一级"].id): "3.40",
                             str(grades["二级"].id): "2.60"},
        "mode": "farm_to_supermarket", "window_start": "2026-08-18", "window_end": "2026-08-21",
        "destination": "甘肃省金昌市",
    }
    body.update(overrides)
    return body


# --- buyers -------------------------------------------------------------------------------------

def test_a_coordinator_registers_a_buyer_and_changes_its_terms(client, login, coordinator):
    login(coordinator)
    response = client.post("/api/v1/buyers", json={"name": "金昌赢华联超市", "credit_code": credit_code(),
                                                    "city": "金昌市", "accept_below_pct": "1.5",
                                                    "payment_terms_days": 30})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert (created["accept_below_pct"], created["reject_above_pct"], created["active"]) == ("1.50", "5.00", True)
    assert client.get(f"/api/v1/buyers/{created['id']}").get_json() == created
    listed = client.get("/api/v1/buyers").get_json()
    assert listed["total"] == 1 and listed["items"][0]["name"] == "金昌赢华联超市"
    patched = client.patch(f"/api/v1/buyers/{created['id']}", json={"payment_terms_days": 45})
    assert patched.status_code == 200 and patched.get_json()["payment_terms_days"] == 45
    assert count(AuditEvent, AuditEvent.action == "buyer.update") == 1


def test_a_bad_buyer_is_refused_with_every_field_named_and_nothing_saved(client, login, coordinator):
    login(coordinator)
    response = client.post("/api/v1/buyers", json={"name": "", "credit_code": "123", "payment_terms_days": 90,
                                                    "accept_below_pct": 1.5})
    assert response.status_code == 422
    assert "accept_below_pct" in response.get_json()["error"]["fields"]  # a float never becomes a percentage
    response = client.post("/api/v1/buyers", json={"name": "", "credit_code": "123", "payment_terms_days": 90})
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"name", "credit_code", "payment_terms_days"}
    assert "60" in fields["payment_terms_days"][0] and "账期" in fields["payment_terms_days"][0]
    assert count(Buyer) == 0


# --- orders ------------------------------------------------------------------------------------------

def test_an_order_is_entered_in_tonnes_with_prices_per_jin_and_read_back(client, login, coordinator, buyer,
                                                                        catalogue):
    login(coordinator)
    response = client.post("/api/v1/orders", json=order_body(catalogue, buyer))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert (created["quantity_kg"], created["entered_unit"], created["delivered_price"]) == ("5400.000", "t", "8.60")
    assert [(p["grade"], p["price"], p["price_per_jin"]) for p in created["farm_gate_prices"]] == [
        ("特级", "8.00", "4.00"), ("一级", "6.80", "3.40"), ("二级", "5.20", "2.60")]
    assert (created["status"], created["reserved_kg"], created["buyer"]) == ("draft", "0.000", "金昌赢华联超市")
    assert client.get(f"/api/v1/orders/{created['id']}").get_json() == created
    opened = client.post(f"/api/v1/orders/{created['id']}/open")
    assert opened.get_json()["status"] == "open"
    assert client.get("/api/v1/orders?status=open").get_json()["total"] == 1
    assert client.get("/api/v1/orders?status=draft").get_json()["total"] == 0
    patched = client.patch(f"/api/v1/orders/{created['id']}", json={"quantity": "6吨"})
    assert patched.get_json()["quantity_kg"] == "6000.000"


def test_a_bad_order_is_refused_in_chinese_with_the_fields_named_and_nothing_written(client, login, coordinator,
                                                                                    buyer, catalogue):
    login(coordinator)
    grades = catalogue["grades"]
    response = client.post("/api/v1/orders", json=order_body(
        catalogue, buyer, quantity="lots", window_end="2026-08-01",
        farm_gate_prices={str(grades["特级"].id): "4"}))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert set(error["fields"]) == {"quantity", "window_end", "farm_gate_prices"}
    assert "吨" in error["fields"]["quantity"][0]
    assert any("一级" in m and "收购价" in m for m in error["fields"]["farm_gate_prices"])
    float_price = client.post("/api/v1/orders", json=order_body(catalogue, buyer, delivered_price=4.3))
    assert float_price.status_code == 422 and "delivered_price" in float_price.get_json()["error"]["fields"]
    assert count(BuyerOrder) == 0


def test_cancelling_needs_a_reason_and_releases_what_was_reserved(client, login, coordinator, make_order,
                                                                  make_household, make_lot):
    lot = make_lot(make_household(), "300")
    order = make_order("200公斤", share_cap_pct="100")
    allocation_runs.confirm_run(coordinator, allocation_runs.run_allocation(coordinator, order))
    db.session.commit()
    login(coordinator)
    assert client.post(f"/api/v1/orders/{order.id}/cancel", json={}).status_code == 422
    blank = client.post(f"/api/v1/orders/{order.id}/cancel", json={"reason": "  "})
    assert blank.status_code == 422 and "reason" in blank.get_json()["error"]["fields"]
    done = client.post(f"/api/v1/orders/{order.id}/cancel", json={"reason": "超市取消"})
    assert done.status_code == 200 and done.get_json()["status"] == "cancelled"
    assert db.session.get(ProduceLot, lot.id).reserved_kg == 0


# --- allocation runs -------------------------------------------------------------------------------

def test_a_run_is_created_once_per_idempotency_key_and_explains_itself(client, login, coordinator, make_order,
                                                                       make_household, make_lot):
    for i in range(5):
        make_lot(make_household(f"农户{i}"), "300")
    order = make_order("1吨")
    login(coordinator)
    headers = {"Idempotency-Key": "run-1"}
    first = client.post(f"/api/v1/orders/{order.id}/allocation-runs", json={"policy": "fair"}, headers=headers)
    assert first.status_code == 201, first.get_json()
    again = client.post(f"/api/v1/orders/{order.id}/allocation-runs", json={"policy": "fair"}, headers=headers)
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()
    assert count(AllocationRun) == 1
    other = client.post(f"/api/v1/orders/{order.id}/allocation-runs", json={"policy": "optimal"}, headers=headers)
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert count(AllocationRun) == 1

    run = first.get_json()
    assert (run["status"], run["requested_kg"], run["filled_kg"], run["shortfall_kg"]) == (
        "proposed", "1000.000", "1000.000", "0.000")
    assert len(run["input_hash"]) == 64 and run["params"]["share_cap"] == "0.1"
    assert sum(Decimal(line["kg"]) for line in run["lines"]) == Decimal("1000.000")
    assert {h["household"] for h in run["households"]} == {f"农户{i}" for i in range(5)}
    assert all(h["allocated_kg"] == "200.000" and h["reasons"] == ["cap"] for h in run["households"])
    assert client.get(f"/api/v1/allocation-runs/{run['id']}").get_json() == run
    listed = client.get(f"/api/v1/orders/{order.id}/allocation-runs").get_json()
    assert [r["id"] for r in listed["items"]] == [run["id"]]


def test_a_run_is_adjusted_by_hand_with_a_reason_and_confirmed(client, login, coordinator, make_order,
                                                               make_household, make_lot):
    lots = [make_lot(make_household(f"农户{i}"), "300") for i in range(3)]
    order = make_order("500公斤", share_cap_pct="100")
    login(coordinator)
    run = client.post(f"/api/v1/orders/{order.id}/allocation-runs", json={"policy": "optimal"}).get_json()
    assert run["cost"] is not None
    line = run["lines"][0]
    no_reason = client.post(f"/api/v1/allocation-runs/{run['id']}/lines",
                            json={"lot_id": line["lot_id"], "kg": "100", "reason": ""})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    adjusted = client.post(f"/api/v1/allocation-runs/{run['id']}/lines",
                           json={"lot_id": line["lot_id"], "kg": "100", "reason": "农户要留一些自卖"})
    assert adjusted.status_code == 200, adjusted.get_json()
    body = adjusted.get_json()
    assert body["adjusted"] and Decimal(body["filled_kg"]) == Decimal("500") - Decimal(line["kg"]) + 100
    confirmed = client.post(f"/api/v1/allocation-runs/{run['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    assert client.get(f"/api/v1/orders/{order.id}").get_json()["reserved_kg"] == body["filled_kg"]
    assert sum(db.session.get(ProduceLot, lot.id).reserved_kg for lot in lots) == Decimal(body["filled_kg"])
    twice = client.post(f"/api/v1/allocation-runs/{run['id']}/confirm")
    assert twice.status_code == 409


def test_confirming_a_run_whose_kilograms_were_taken_meanwhile_is_a_409(client, login, coordinator, make_order,
                                                                        make_household, make_lot):
    lot = make_lot(make_household(), "300")
    first, second = make_order("200公斤", share_cap_pct="100"), make_order("200公斤", share_cap_pct="100")
    login(coordinator)
    run_a = client.post(f"/api/v1/orders/{first.id}/allocation-runs", json={}).get_json()
    run_b = client.post(f"/api/v1/orders/{second.id}/allocation-runs", json={}).get_json()
    assert client.post(f"/api/v1/allocation-runs/{run_a['id']}/confirm").status_code == 200
    refused = client.post(f"/api/v1/allocation-runs/{run_b['id']}/confirm")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "insufficient_supply"
    assert db.session.get(AllocationRun, run_b["id"]).status is RunStatus.PROPOSED
    assert db.session.get(ProduceLot, lot.id).reserved_kg == Decimal("200.000")
    assert db.session.get(BuyerOrder, second.id).status is OrderStatus.OPEN


# --- who may do what ---------------------------------------------------------------------------------

def test_a_buyers_staff_see_and_enter_only_their_own_orders_and_never_see_runs(
        client, login, buyer_user, buyer, coordinator, catalogue, make_order, make_household, make_lot):
    make_lot(make_household(), "300")
    other = buyers.create_buyer(coordinator, name="西安华润万家", credit_code=credit_code("91610000MA6TG1XX0"))
    db.session.commit()
    own, theirs = make_order("200公斤"), make_order("200公斤", buyer_id=other.id)
    run = allocation_runs.run_allocation(coordinator, own)
    db.session.commit()
    buyer_user.buyer_id = buyer.id
    db.session.commit()
    login(buyer_user)
    listed = client.get("/api/v1/orders").get_json()
    assert [o["number"] for o in listed["items"]] == [own.number]
    assert client.get(f"/api/v1/orders/{theirs.id}").status_code == 403
    assert client.get(f"/api/v1/buyers/{other.id}").status_code == 403
    assert client.get(f"/api/v1/buyers/{buyer.id}").status_code == 200
    assert client.get(f"/api/v1/allocation-runs/{run.id}").status_code == 403
    assert client.get(f"/api/v1/orders/{own.id}/allocation-runs").status_code == 403
    assert client.post(f"/api/v1/orders/{own.id}/allocation-runs", json={}).status_code == 403
    assert client.post(f"/api/v1/allocation-runs/{run.id}/confirm").status_code == 403
    body = order_body(catalogue, buyer)
    del body["buyer_id"]
    created = client.post("/api/v1/orders", json=body)
    assert created.status_code == 201 and created.get_json()["buyer_id"] == buyer.id
    assert client.post("/api/v1/orders", json=order_body(catalogue, other)).status_code == 403
    assert count(AllocationRun) == 1 and count(BuyerOrder) == 3


def test_a_villager_reads_only_their_own_allocations_and_cannot_allocate(
        client, login, villager, coordinator, make_order, make_household, make_lot):
    make_lot(villager.household, "300")
    make_lot(make_household("王大爷"), "300")
    order = make_order("400公斤", share_cap_pct="100")
    run = allocation_runs.run_allocation(coordinator, order)
    allocation_runs.confirm_run(coordinator, run)
    db.session.commit()
    login(villager)
    mine = client.get("/api/v1/me/allocations")
    assert mine.status_code == 200
    lines = mine.get_json()
    assert {(l["kg"], l["jin"], l["buyer"], l["grade"], l["farm_gate_price"]) for l in lines} == {
        ("200.000", "400.000", "金昌赢华联超市", "一级", "6.80")}
    assert client.get(f"/api/v1/orders/{order.id}").status_code == 403
    assert client.get(f"/api/v1/allocation-runs/{run.id}").status_code == 403
    assert client.post(f"/api/v1/orders/{order.id}/allocation-runs", json={}).status_code == 403
    assert count(AllocationRun) == 1


def test_allocations_of_me_need_a_household(client, login, coordinator):
    login(coordinator)
    assert client.get("/api/v1/me/allocations").status_code == 403


def test_a_price_keyed_by_something_other_than_a_grade_id_is_a_rule_not_met(client, login, coordinator, catalogue, buyer):
    from models import BuyerOrder, db
    login(coordinator)
    body = order_body(catalogue, buyer)
    body["farm_gate_prices"] = {"特级": "8.00", **body["farm_gate_prices"]}
    response = client.post("/api/v1/orders", json=body)
    error = response.get_json()["error"]
    # OpenAPI 3.0 cannot say what a key holds; the service says it, as a rule
    assert response.status_code == 422 and error["code"] == "rule_not_met" and "farm_gate_prices" in error["fields"]
    assert db.session.scalar(db.select(db.func.count()).select_from(BuyerOrder)) == 0
