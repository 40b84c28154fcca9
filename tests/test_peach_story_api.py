"""The peach story end to end through the JSON API, as a machine with a bearer token would run it:
buyer, 5.4 t order, fair allocation, field weighing against each allocation line, shipment,
certificate, the supermarket's receipt, then the public trace page."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from market.clock import local_today
from market.produce import services as produce
from market.reference import catalogue, households, villages
from models import GradeTable, RoleName, Variety, db
from tests.market.orders.conftest import credit_code


def test_the_peach_story_runs_end_to_end_through_the_api(app, client, login, make_user):
    admin = make_user(RoleName.ADMIN, name="管理员")
    coordinator = make_user(RoleName.COORDINATOR, name="李建国")
    village = villages.create_village(admin, code="610404004201", name="北里村")
    group = villages.create_village_group(admin, village_id=village.id, number=1, name="一组")
    peach = catalogue.create_peach_defaults(admin)
    variety = db.session.scalar(db.select(Variety).where(Variety.name == "水蜜桃"))
    grades = {g.name: g for g in db.session.scalar(db.select(GradeTable).where(GradeTable.product_id == peach.id)).grades}
    today = local_today()
    for i in range(45):
        household = households.create_household(coordinator, head_name=f"农户{i:02d}", village_id=village.id,
                                                group_id=group.id, payout_method="cash")
        produce.register_lot(coordinator, household_id=household.id, variety_id=variety.id, grade_id=grades["一级"].id,
                             quantity="300斤", ready_from=today, ready_to=today + timedelta(days=2),
                             spoil_by=today + timedelta(days=6))
    db.session.commit()

    login(coordinator)
    token = client.post("/api/v1/tokens", json={"name": "磅房电脑"}).get_json()["token"]
    client.post("/logout")
    auth = {"Authorization": f"Bearer {token}"}

    def post(path, body, key=None):
        headers = dict(auth, **({"Idempotency-Key": key} if key else {}))
        response = client.post(f"/api/v1{path}", json=body, headers=headers)
        assert response.status_code in (200, 201), (path, response.get_json())
        return response.get_json()

    buyer = post("/buyers", {"name": "金昌赢华联超市", "credit_code": credit_code(), "province": "甘肃省",
                             "city": "金昌市", "payment_terms_days": 30}, key="buyer-1")
    order = post("/orders", {
        "buyer_id": buyer["id"], "variety_id": variety.id, "min_grade_id": grades["二级"].id, "quantity": "5.4吨",
        "delivered_price": "8.60", "mode": "field_direct", "window_start": today.isoformat(),
        "window_end": (today + timedelta(days=2)).isoformat(), "crate_kg": "10", "share_cap_pct": "5",
        "farm_gate_prices": {str(grades["特级"].id): "8.00", str(grades["一级"].id): "6.80",
                             str(grades["二级"].id): "5.20"}}, key="order-1")
    post(f"/orders/{order['id']}/open", {})
    run = post(f"/orders/{order['id']}/allocation-runs", {"policy": "fair"}, key="run-1")
    assert Decimal(run["filled_kg"]) == Decimal("5400")
    assert post(f"/orders/{order['id']}/allocation-runs", {"policy": "fair"}, key="run-1")["id"] == run["id"]
    run = post(f"/allocation-runs/{run['id']}/confirm", {})
    lines = client.get(f"/api/v1/allocation-runs/{run['id']}", headers=auth).get_json()["lines"]
    assert len({line["household_id"] for line in lines}) >= 40

    for line in lines:
        kg = Decimal(line["kg"])
        crates = int(kg // 10)
        post(f"/allocations/{line['id']}/slips", {
            "crates": crates, "gross": str(kg + crates * Decimal("1.2")), "tare": str(crates * Decimal("1.2")),
            "grade_split": [{"grade_id": grades["一级"].id, "amount": str(kg)}]}, key=f"slip-{line['id']}")
    collection = client.get(f"/api/v1/orders/{order['id']}/collection", headers=auth).get_json()
    assert Decimal(collection["collected_kg"]) == Decimal("5400")

    shipment = post(f"/orders/{order['id']}/shipments", {"plate": "甘C5T218", "driver_name": "马师傅",
                                                        "driver_phone": "13909350123", "temperature": "2.5"},
                    key="ship-1")
    certificate = post(f"/shipments/{shipment['id']}/certificate", {"basis": "quality_control"}, key="cert-1")
    receipt = post(f"/shipments/{shipment['id']}/receipt", {
        "received": "5400", "defect_pct": "1.8", "supplier_signer": "李建国", "clerk_signer": "王芳",
        "supervisor_signer": "陈刚"}, key="receipt-1")
    assert Decimal(receipt["accepted_kg"]) == Decimal("5302.8")
    assert client.get(f"/api/v1/orders/{order['id']}", headers=auth).get_json()["status"] == "received"

    trace = client.get(f"/t/{certificate['code']}")
    assert trace.status_code == 200
    page = trace.get_data(as_text=True)
    assert "承诺达标合格证" in page and "北里村" in page and "农户00" not in page
