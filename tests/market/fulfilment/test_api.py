"""The fulfilment API: collection, shipments, certificates, receipts, trace and disclosure, with the
one error shape, authentication and Idempotency-Key on every creating POST."""
from __future__ import annotations

from sqlalchemy import func, select

from models import OrderStatus, Receipt, Shipment, WeighSlip, db

from .conftest import DEPARTED_AT, RECEIVED_AT, WEIGHED_AT


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def slip_body(catalogue, net="200", grade="一级", **overrides):
    body = {"weighed_at": WEIGHED_AT.isoformat(), "unit": "kg", "gross": str(int(net) + 12), "tare": "12",
            "crates": 20, "grade_split": [{"grade_id": catalogue["grades"][grade].id, "amount": net}]}
    body.update(overrides)
    return body


TRUCK = {"plate": "陕D12345", "driver_name": "赵师傅", "driver_phone": "13700001111", "temperature": "3.5",
         "departed_at": DEPARTED_AT.isoformat()}
SIGNED = {"supplier_signer": "李协调", "clerk_signer": "马收货", "supervisor_signer": "杨主管",
          "received_at": RECEIVED_AT.isoformat()}


def test_an_order_is_collected_shipped_certified_and_received_through_the_api(
        client, login, coordinator, buyer_staff, allocated, catalogue):
    login(coordinator)
    order = allocated.order
    for name, line in allocated.lines.items():
        key = {"Idempotency-Key": f"slip-{line.id}"}
        response = client.post(f"/api/v1/allocations/{line.id}/slips", json=slip_body(catalogue), headers=key)
        assert response.status_code == 201, response.get_json()
        slip = response.get_json()
        assert (slip["allocation_id"], slip["net_kg"], slip["lines"][0]["price_basis"]) == (line.id, "200.000", "order")
        assert client.post(f"/api/v1/allocations/{line.id}/slips", json=slip_body(catalogue),
                           headers=key).get_json() == slip
    assert count(WeighSlip) == 3

    board = client.get(f"/api/v1/orders/{order.id}/collection").get_json()
    assert (board["status"], board["collected_kg"], board["expected_kg"], board["shortfall_kg"]) == (
        "collecting", "600.000", "0.000", "0.000")
    assert {line["household_name"]: line["collected_kg"] for line in board["lines"]} == {
        "张秀英": "200.000", "李桂兰": "200.000", "王建国": "200.000"}

    response = client.post(f"/api/v1/orders/{order.id}/shipments", json=TRUCK, headers={"Idempotency-Key": "truck"})
    assert response.status_code == 201, response.get_json()
    shipment = response.get_json()
    assert (shipment["crates"], shipment["net_kg"], shipment["temperature_c"]) == (60, "600.000", "3.5")
    labels = client.get(f"/api/v1/shipments/{shipment['id']}/labels").get_json()["labels"]
    assert len(labels) == 60 and len({l["code"] for l in labels}) == 60

    response = client.post(f"/api/v1/shipments/{shipment['id']}/certificate",
                           json={"basis": "own_test", "basis_note": "自检-0819", "issued_on": "2026-08-19",
                                 "parents": [{"reference": "HZ-7", "issuer": "李桂兰"}]},
                           headers={"Idempotency-Key": "cert"})
    assert response.status_code == 201, response.get_json()
    certificate = response.get_json()
    assert certificate["title"] == "承诺达标合格证" and certificate["retain_until"] == "2028-08-19"
    assert certificate["quantity_kg"] == "600.000" and len(certificate["lots"]) == 3
    assert certificate["parents"] == [{"parent_id": None, "parent_number": None, "external_number": "HZ-7",
                                       "issuer": "李桂兰"}]

    client.post("/logout")
    login(buyer_staff)
    assert [s["id"] for s in client.get("/api/v1/shipments").get_json()["items"]] == [shipment["id"]]
    response = client.post(f"/api/v1/shipments/{shipment['id']}/receipt",
                           json={"received": "600", "defect_pct": "3", **SIGNED}, headers={"Idempotency-Key": "r"})
    assert response.status_code == 201, response.get_json()
    receipt = response.get_json()
    assert (receipt["outcome"], receipt["deducted_kg"], receipt["accepted_kg"]) == ("deducted", "18.000", "582.000")
    assert client.get(f"/api/v1/shipments/{shipment['id']}/receipt").get_json() == receipt
    db.session.expire_all()
    assert db.session.get(type(order), order.id).status is OrderStatus.RECEIVED

    trace = client.get(f"/api/v1/trace/{labels[0]['code']}").get_json()
    assert trace["kind"] == "crate" and trace["households"] == ["张**"] and trace["certificate"]["number"]
    disclosure = client.get(f"/api/v1/disclosures/{order.number}").get_json()
    assert disclosure["total_kg"] == "600.000" and disclosure["rows"][0]["price_per_jin"] == "3.40"
    assert {row["household"] for row in disclosure["rows"]} == {"张**", "李**", "王**"}


def test_field_rejects_closures_and_the_shortfall_run_go_through_the_api(client, login, coordinator, allocated,
                                                                        catalogue, make_household, make_lot):
    make_lot(make_household("周秀兰"), "100")
    db.session.commit()
    login(coordinator)
    line = allocated.lines["王建国"]
    client.post(f"/api/v1/allocations/{line.id}/slips", json=slip_body(catalogue, "150"))
    response = client.post(f"/api/v1/allocations/{line.id}/rejects",
                           json={"quantity": "20斤", "reason": "裂果"}, headers={"Idempotency-Key": "rej"})
    assert response.status_code == 201 and response.get_json()["kg"] == "10.000"
    response = client.post(f"/api/v1/allocations/{line.id}/close", json={"reason": "没有了"})
    assert response.status_code == 200 and response.get_json()["short_kg"] == "40.000"
    board = client.get(f"/api/v1/orders/{allocated.order.id}/collection").get_json()
    assert (board["rejected_kg"], board["shortfall_kg"]) == ("10.000", "50.000")
    response = client.post(f"/api/v1/orders/{allocated.order.id}/shortfall-allocation", json={"policy": "fair"},
                           headers={"Idempotency-Key": "short"})
    assert response.status_code == 201, response.get_json()
    run = response.get_json()
    assert (run["status"], run["requested_kg"], run["filled_kg"]) == ("confirmed", "50.000", "50.000")
    again = client.post(f"/api/v1/orders/{allocated.order.id}/shortfall-allocation", json={"policy": "fair"})
    assert again.status_code == 422 and again.get_json()["error"]["code"] == "rule_not_met"


def test_refusals_come_back_in_the_one_error_shape_and_write_nothing(client, login, coordinator, allocated,
                                                                    catalogue):
    login(coordinator)
    line = allocated.lines["张秀英"]
    response = client.post(f"/api/v1/allocations/{line.id}/slips", json=slip_body(catalogue, "20", "等外"))
    assert response.status_code == 422 and "grade_split" in response.get_json()["error"]["fields"]
    response = client.post(f"/api/v1/allocations/{line.id}/slips", json=slip_body(catalogue, "250"))
    assert response.status_code == 422 and "gross" in response.get_json()["error"]["fields"]
    response = client.post(f"/api/v1/allocations/{line.id}/slips", json=slip_body(catalogue, gross=212.5))
    assert response.status_code == 422 and "gross" in response.get_json()["error"]["fields"]
    response = client.post(f"/api/v1/allocations/{line.id}/slips",
                           json=slip_body(catalogue, grade_split=[{"grade_id": 1, "amount": "200",
                                                                   "unit_price": "1.00"}]))
    assert response.status_code == 422 and "grade_split.0.unit_price" in response.get_json()["error"]["fields"]
    assert client.post("/api/v1/allocations/99999/slips", json=slip_body(catalogue)).status_code == 404
    response = client.post(f"/api/v1/orders/{allocated.order.id}/shipments", json=TRUCK)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "invalid_transition"
    assert count(WeighSlip) == 0 and count(Shipment) == 0


def test_villagers_buyers_and_strangers_are_kept_out(client, login, allocated, villager, buyer_staff, catalogue,
                                                    shipped):
    _, shipment = shipped
    assert client.get(f"/api/v1/orders/{allocated.order.id}/collection").status_code == 401
    login(villager)
    assert client.get(f"/api/v1/orders/{allocated.order.id}/collection").status_code == 403
    assert client.get("/api/v1/shipments").status_code == 403
    assert client.post(f"/api/v1/shipments/{shipment.id}/receipt",
                       json={"received": "600", "defect_pct": "0", **SIGNED}).status_code == 403
    client.post("/logout")
    login(buyer_staff)
    assert client.get(f"/api/v1/orders/{allocated.order.id}/collection").status_code == 403
    line = allocated.lines["张秀英"]
    assert client.post(f"/api/v1/allocations/{line.id}/slips", json=slip_body(catalogue)).status_code == 403
    assert client.post(f"/api/v1/shipments/{shipment.id}/certificate",
                       json={"basis": "quality_control"}).status_code == 403
    assert count(Receipt) == 0


def test_an_idempotency_key_reused_with_another_body_is_refused(client, login, coordinator, allocated, catalogue):
    login(coordinator)
    line = allocated.lines["张秀英"]
    first = client.post(f"/api/v1/allocations/{line.id}/slips", json=slip_body(catalogue, "100"),
                        headers={"Idempotency-Key": "k"})
    assert first.status_code == 201
    second = client.post(f"/api/v1/allocations/{line.id}/slips", json=slip_body(catalogue, "90"),
                         headers={"Idempotency-Key": "k"})
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "idempotency_key_reused"
    assert count(WeighSlip) == 1


def test_an_unknown_trace_code_is_a_404_in_the_api_shape(client, login, coordinator):
    login(coordinator)
    response = client.get("/api/v1/trace/ZZZZZZZZZZ")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_the_openapi_document_describes_the_fulfilment_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/orders/{order_id}/collection", "/api/v1/allocations/{allocation_id}/slips",
                 "/api/v1/orders/{order_id}/shipments", "/api/v1/shipments/{shipment_id}/certificate",
                 "/api/v1/shipments/{shipment_id}/receipt", "/api/v1/trace/{code}"):
        assert path in paths, path
    parameters = paths["/api/v1/orders/{order_id}/shipments"]["post"].get("parameters", [])
    assert any(p["name"] == "Idempotency-Key" for p in parameters)
