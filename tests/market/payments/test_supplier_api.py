"""Suppliers and their payouts through JSON: a carrier recorded, named on a settlement's freight, owed
it on 2202 and paid it, never beyond; coordinators read suppliers with the account masked."""
from __future__ import annotations

from models import Payment, Voucher
from tests.market.settlements.test_api import DAY, count, prepare, switch


def _record_carrier(client):
    response = client.post("/api/v1/suppliers", json={"name": "咸阳顺达冷链物流有限公司", "credit_code": "91610400MA6XP5R123",
                                                      "bank_name": "中国银行", "account_number": "6217000012345678901"},
                           headers={"Idempotency-Key": "carrier-1"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_carrier_owed_the_freight_is_paid_through_the_api(client, login, received, accountant, reviewer,
                                                             coordinator):
    order, _ = received
    login(accountant)
    carrier = _record_carrier(client)
    assert carrier["account_number"] == "6217000012345678901"
    settlement = prepare(client, order, logistics="120.00", packing="0", logistics_invoice_no="04400123",
                         logistics_vat_rate_pct="9", logistics_supplier_id=carrier["id"])
    assert settlement["company"]["logistics_supplier_id"] == carrier["id"]
    assert client.post(f"/api/v1/settlements/{settlement['id']}/submit").status_code == 200
    switch(client, login, reviewer)
    assert client.post(f"/api/v1/settlements/{settlement['id']}/approve").status_code == 200
    assert client.post(f"/api/v1/settlements/{settlement['id']}/post").status_code == 200
    switch(client, login, accountant)

    before = (count(Payment), count(Voucher))
    body = {"supplier_id": carrier["id"], "amount": "120.01", "paid_on": DAY}
    refused = client.post("/api/v1/payments/supplier-payouts", json=body, headers={"Idempotency-Key": "sp-1"})
    assert refused.status_code == 422 and "amount" in refused.get_json()["error"]["fields"], refused.get_json()
    assert (count(Payment), count(Voucher)) == before
    body["amount"] = "120.00"
    response = client.post("/api/v1/payments/supplier-payouts", json=body, headers={"Idempotency-Key": "sp-2"})
    assert response.status_code == 201, response.get_json()
    paid = response.get_json()
    assert (paid["kind"], paid["supplier_id"], paid["supplier_name"], paid["amount"]) == (
        "supplier_payout", carrier["id"], "咸阳顺达冷链物流有限公司", "120.00")
    assert paid["voucher"]["status"] == "prepared"
    again = client.post("/api/v1/payments/supplier-payouts", json=body, headers={"Idempotency-Key": "sp-2"})
    assert again.status_code in (200, 201) and again.get_json()["id"] == paid["id"]
    listed = client.get(f"/api/v1/payments?supplier_id={carrier['id']}").get_json()
    assert [p["id"] for p in listed["items"]] == [paid["id"]]

    switch(client, login, coordinator)
    seen = client.get("/api/v1/suppliers").get_json()
    assert [s["name"] for s in seen["items"]] == ["咸阳顺达冷链物流有限公司"]
    assert seen["items"][0]["account_number"] != "6217000012345678901"
    assert client.post("/api/v1/suppliers", json={"name": "x"}, headers={"Idempotency-Key": "c-1"}).status_code == 403
