"""The settlement API: the peach order settled, reviewed, posted and paid through JSON, with the
one error shape, refusals that write nothing and the roles kept apart (the payments' own API
tests are the payments')."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from market.ledger import services as ledger
from models import Payment, PaymentBatch, PurchaseInvoice, Settlement, Voucher, db
from tests.market.settlements.conftest import OPENING_KEY

DAY = "2026-08-21"
ENTERED = {"settle_on": DAY, "logistics": "120.00", "packing": "30", "buyer_deductions": "10.00"}


def count(model) -> int:
    """Rows of ``model``; of vouchers, those the test wrote (not the opening funds every ledger starts with)."""
    statement = select(func.count()).select_from(model)
    if model is Voucher:
        statement = statement.where(Voucher.idempotency_key != OPENING_KEY)
    return db.session.scalar(statement)


def money(text: str) -> Decimal:
    assert isinstance(text, str) and Decimal(text) == Decimal(text).quantize(Decimal("0.01")), text
    assert len(text.split(".")[1]) == 2, text
    return Decimal(text)


def switch(client, login, user):
    client.post("/logout")
    login(user)


def prepare(client, order, **overrides):
    response = client.post("/api/v1/settlements", json={"kind": "order", "order_id": order.id, **ENTERED, **overrides})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def posted_settlement(client, login, received, accountant, reviewer):
    order, _ = received
    login(accountant)
    settlement = prepare(client, order)
    assert client.post(f"/api/v1/settlements/{settlement['id']}/submit").status_code == 200
    switch(client, login, reviewer)
    assert client.post(f"/api/v1/settlements/{settlement['id']}/approve").status_code == 200
    response = client.post(f"/api/v1/settlements/{settlement['id']}/post")
    assert response.status_code == 200, response.get_json()
    switch(client, login, accountant)
    return response.get_json()


def payout(client, household_id, amount, key, **values):
    body = {"household_id": household_id, "amount": amount, "paid_on": DAY, **values}
    return client.post("/api/v1/payments/household-payouts", json=body,
                       headers={"Idempotency-Key": key} if key else {})


# --- the whole flow ---------------------------------------------------------------------------------

def test_the_peach_settlement_is_prepared_reviewed_posted_and_paid_through_the_api(
        client, login, received, accountant, reviewer):
    order, _ = received
    login(accountant)
    assert [o["number"] for o in client.get("/api/v1/settlements/settleable-orders").get_json()] == [order.number]
    assert client.get("/api/v1/settlements/settleable-orders").get_json()[0]["accepted_kg"] == "594.000"

    draft = prepare(client, order)
    assert draft["status"] == "draft" and draft["kind"] == "order" and draft["order_number"] == order.number
    assert client.get("/api/v1/settlements/settleable-orders").get_json() == []
    # 594 kg accepted × 8.60 − 10.00 deducted; three households × 200 kg × 6.80; 9 % calculated input VAT
    buyer, company, check = draft["buyer"], draft["company"], draft["reconciliation"]
    assert (buyer["accepted_kg"], buyer["gross"], buyer["deductions"], buyer["total"]) == (
        "594.000", "5108.40", "10.00", "5098.40")
    # the price includes 9 % VAT: 5,098.40 × 9 / 109 = 420.9688… → 420.97, the rest is revenue
    assert (buyer["sale_vat_rate_pct"], buyer["sale_vat_exempt_basis"], buyer["sale_net"], buyer["output_vat"]) == (
        "9.00", "", "4677.43", "420.97")
    assert [(h["household_name"], h["field_kg"], h["gross"], h["input_vat"], h["net"]) for h in draft["households"]] \
        == [(name, "200.000", "1360.00", "122.40", "1360.00") for name in ("张秀英", "李桂兰", "王建国")]
    assert draft["households"][0]["items"][0]["grade"] == "一级"
    assert draft["households"][0]["items"][0]["price"] == "6.80"
    assert (company["purchase_total"], company["input_vat"], company["purchase_cost"], company["costs"],
            company["margin"]) == ("4080.00", "367.20", "3712.80", "150.00", "868.40")
    assert money(buyer["total"]) == (sum(money(h["gross"]) for h in draft["households"])
                                     + money(company["costs"]) + money(company["margin"]))
    assert check["reconciles"] is True and check["difference"] == "0.00" and check["lost_kg"] == "6.000"
    assert draft["vouchers"] == [] and draft["purchase_invoices"] == []

    number = draft["id"]
    assert client.post(f"/api/v1/settlements/{number}/submit").get_json()["status"] == "submitted"
    waiting = client.get("/api/v1/settlements?status=submitted").get_json()
    assert [s["id"] for s in waiting["items"]] == [number] and waiting["total"] == 1
    assert waiting["items"][0]["household_count"] == 3 and waiting["items"][0]["buyer_total"] == "5098.40"

    switch(client, login, reviewer)
    approved = client.post(f"/api/v1/settlements/{number}/approve").get_json()
    assert approved["status"] == "approved" and approved["approved_by"]["name"] == "钱审核"
    settlement = client.post(f"/api/v1/settlements/{number}/post").get_json()
    assert settlement["status"] == "posted" and settlement["posted_by"]["id"] == reviewer.id
    assert [(v["period"], v["number"], v["status"]) for v in settlement["vouchers"]] == [
        ("2026-08", 1, "posted"), ("2026-08", 2, "posted"), ("2026-08", 3, "posted")]
    assert settlement["vouchers"][0]["summary"].startswith("销售")
    invoices = settlement["purchase_invoices"]
    assert len(invoices) == 3 and sum(money(i["amount"]) for i in invoices) == Decimal("4080.00")
    assert sum(money(i["vat"]) for i in invoices) == Decimal("367.20")
    assert invoices[0]["seller_id_masked"] != "610402195803151234" and invoices[0]["title"] == "农产品收购发票"
    assert client.get(f"/api/v1/purchase-invoices/{invoices[0]['id']}").get_json() == invoices[0]
    listed = client.get(f"/api/v1/purchase-invoices?settlement_id={number}").get_json()
    assert listed["total"] == 3

    switch(client, login, accountant)
    zhang = settlement["households"][0]
    owed = client.get(f"/api/v1/households/{zhang['household_id']}/owed").get_json()
    assert owed["owed"] == "1360.00" and [line["settlement_id"] for line in owed["open_lines"]] == [number]
    response = payout(client, zhang["household_id"], "1000.00", "pay-zhang-1", method="bank", reference="BK001")
    assert response.status_code == 201, response.get_json()
    paid = response.get_json()
    assert (paid["kind"], paid["amount"], paid["method"], paid["household_name"]) == (
        "household_payout", "1000.00", "bank", "张秀英")
    assert paid["applications"] == [{"amount": "1000.00", "settlement_id": number,
                                     "settlement_number": settlement["number"], "line_id": zhang["id"]}]
    assert paid["voucher"]["status"] == "prepared" and paid["voucher"]["number"] is None
    owed = client.get(f"/api/v1/households/{zhang['household_id']}/owed").get_json()
    assert owed["owed"] == "360.00" and owed["open_lines"][0]["paid"] == "1000.00"

    response = client.post("/api/v1/payments/buyer-receipts",
                           json={"buyer_id": order.buyer_id, "amount": "3000", "paid_on": DAY, "reference": "HL-77"},
                           headers={"Idempotency-Key": "hualian-1"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["applications"][0]["settlement_id"] == number
    after = client.get(f"/api/v1/settlements/{number}").get_json()
    assert (after["buyer"]["received"], after["buyer"]["outstanding"]) == ("3000.00", "2098.40")
    assert after["households"][0]["paid"] == "1000.00" and after["households"][0]["owed"] == "360.00"
    assert after["status"] == "posted"

    mine = client.get(f"/api/v1/payments?household_id={zhang['household_id']}").get_json()
    assert [p["id"] for p in mine["items"]] == [paid["id"]]
    assert client.get("/api/v1/payments?kind=buyer_receipt").get_json()["total"] == 1
    assert client.get(f"/api/v1/payments/{paid['id']}").get_json() == paid
    balances = {row["account"].code: row["balance"] for row in ledger.trial_balance()}
    # 5,098.40 includes 9 % VAT: 5,098.40 × 9 / 109 = 420.9688… → 420.97 销项税额, 4,677.43 revenue
    assert balances["1122"] == Decimal("5098.40") and balances["5001"] == Decimal("-4677.43")
    assert balances["22210102"] == Decimal("-420.97")
    assert balances["2202"] == Decimal("-4080.00")  # the payout's and receipt's vouchers wait for review
    assert ledger.verify() == []


def test_a_draft_is_recomputed_returned_and_discarded(client, login, received, accountant, reviewer):
    order, _ = received
    login(accountant)
    draft = prepare(client, order)
    changed = client.patch(f"/api/v1/settlements/{draft['id']}", json={"logistics": "200"})
    assert changed.status_code == 200, changed.get_json()
    changed = changed.get_json()
    # only the logistics changed; packing and deductions kept, the margin takes the difference
    assert (changed["company"]["logistics"], changed["company"]["packing"], changed["buyer"]["deductions"]) == (
        "200.00", "30.00", "10.00")
    assert changed["company"]["margin"] == "788.40" and changed["settle_on"] == DAY
    again = client.post(f"/api/v1/settlements/{draft['id']}/recompute", json={})
    assert again.status_code == 200 and again.get_json()["company"] == changed["company"]

    client.post(f"/api/v1/settlements/{draft['id']}/submit")
    assert client.patch(f"/api/v1/settlements/{draft['id']}", json={"packing": "1"}).status_code == 409
    switch(client, login, reviewer)
    response = client.post(f"/api/v1/settlements/{draft['id']}/return", json={"reason": ""})
    assert response.status_code == 422 and "reason" in response.get_json()["error"]["fields"]
    response = client.post(f"/api/v1/settlements/{draft['id']}/return", json={"reason": "包装费发票未附"})
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["returned_reason"]) == ("draft", "包装费发票未附")

    switch(client, login, accountant)
    assert client.delete(f"/api/v1/settlements/{draft['id']}").status_code == 204
    assert client.get(f"/api/v1/settlements/{draft['id']}").status_code == 404
    assert count(Settlement) == 0
    assert [o["id"] for o in client.get("/api/v1/settlements/settleable-orders").get_json()] == [order.id]


def test_a_contract_batch_needs_deliveries_in_its_range(client, login, accountant, books):
    login(accountant)
    response = client.post("/api/v1/settlements", json={"kind": "contract_batch", "start": "2026-08-20",
                                                        "end": "2026-08-01"})
    assert response.status_code == 422 and "end" in response.get_json()["error"]["fields"]
    response = client.post("/api/v1/settlements", json={"kind": "contract_batch"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    response = client.post("/api/v1/settlements", json={"kind": "order"})
    assert response.status_code == 422 and "order_id" in response.get_json()["error"]["fields"]
    response = client.post("/api/v1/settlements", json={"kind": "order", "order_id": 9999})
    assert response.status_code == 422 and "order_id" in response.get_json()["error"]["fields"]


# --- refusals ----------------------------------------------------------------------------------------

def test_refusals_come_back_in_the_one_error_shape_and_write_nothing(client, login, received, accountant,
                                                                    reviewer):
    order, _ = received
    login(accountant)
    # validation_error: the API document refuses it (a float, not a number); rule_not_met: a rule does
    for field, value, code in (("logistics", "12.345", "rule_not_met"), ("logistics", 12.5, "validation_error"),
                               ("packing", "-1", "rule_not_met"), ("buyer_deductions", "abc", "validation_error"),
                               ("vat_rate_pct", "120", "rule_not_met"), ("settle_on", "2099-01-01", "rule_not_met")):
        response = client.post("/api/v1/settlements", json={"order_id": order.id, field: value})
        assert response.status_code == 422, (field, value, response.get_json())
        error = response.get_json()["error"]
        assert error["code"] == code and field in error["fields"], (field, value, error)
    assert count(Settlement) == 0

    draft = prepare(client, order)
    client.post(f"/api/v1/settlements/{draft['id']}/submit")
    response = client.post(f"/api/v1/settlements/{draft['id']}/approve")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    response = client.post(f"/api/v1/settlements/{draft['id']}/post")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "invalid_transition"
    assert client.get(f"/api/v1/settlements/{draft['id']}").get_json()["status"] == "submitted"
    assert count(Voucher) == 0

    switch(client, login, reviewer)
    client.post(f"/api/v1/settlements/{draft['id']}/approve")
    client.post(f"/api/v1/settlements/{draft['id']}/post")
    switch(client, login, accountant)
    household_id = draft["households"][0]["household_id"]
    vouchers = count(Voucher)

    def refused(response, field, code="rule_not_met"):
        assert response.status_code == 422, response.get_json()
        error = response.get_json()["error"]
        assert error["code"] == code and field in error["fields"], error
        assert error["message"]

    refused(payout(client, household_id, "1360.01", "too-much"), "amount")
    assert "1,360.00" in payout(client, household_id, "1360.01", "too-much").get_json()["error"]["fields"]["amount"][0]
    refused(payout(client, household_id, "0", "zero"), "amount")
    refused(payout(client, household_id, "-5", "negative"), "amount")
    refused(payout(client, household_id, "1.001", "fine"), "amount")
    refused(payout(client, household_id, 100.5, "float"), "amount", "validation_error")
    refused(payout(client, household_id, "10", "cash", method="cash"), "signer")
    refused(payout(client, household_id, "50000.01", "large"), "supporting_doc")
    refused(payout(client, household_id, "10", "future", paid_on="2099-01-01"), "paid_on")
    refused(payout(client, household_id, "10", None), "idempotency_key")
    refused(payout(client, 9999, "10", "nobody"), "household_id")
    response = client.post("/api/v1/payments/buyer-receipts", json={"buyer_id": order.buyer_id, "amount": "5098.41"},
                           headers={"Idempotency-Key": "buyer-too-much"})
    refused(response, "amount")
    response = client.post("/api/v1/payments/batches", json={"payments": [
        {"household_id": household_id, "amount": "10"}, {"household_id": household_id, "amount": "20"}]},
        headers={"Idempotency-Key": "twice"})
    refused(response, "households")
    assert count(Payment) == 0 and count(PaymentBatch) == 0 and count(Voucher) == vouchers
    assert client.get(f"/api/v1/households/{household_id}/owed").get_json()["owed"] == "1360.00"


# --- who may ----------------------------------------------------------------------------------------

def test_villagers_buyers_and_strangers_are_kept_out(client, login, received, accountant, reviewer, coordinator,
                                                    villager, buyer_staff):
    settlement = posted_settlement(client, login, received, accountant, reviewer)
    number, household_id = settlement["id"], settlement["households"][0]["household_id"]
    invoice_id = settlement["purchase_invoices"][0]["id"]
    paid = payout(client, household_id, "10", "p").get_json()
    client.post("/logout")

    reads = ["/api/v1/settlements", f"/api/v1/settlements/{number}", "/api/v1/settlements/settleable-orders",
             "/api/v1/purchase-invoices", f"/api/v1/purchase-invoices/{invoice_id}", "/api/v1/payments",
             f"/api/v1/payments/{paid['id']}", f"/api/v1/households/{household_id}/owed"]
    writes = [("/api/v1/settlements", {"order_id": received[0].id}), (f"/api/v1/settlements/{number}/approve", None),
              ("/api/v1/payments/household-payouts", {"household_id": household_id, "amount": "1"}),
              ("/api/v1/payments/buyer-receipts", {"buyer_id": received[0].buyer_id, "amount": "1"})]
    for path in reads:
        response = client.get(path)
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized", path
    for path, body in writes:
        assert client.post(path, json=body, headers={"Idempotency-Key": "x"}).status_code == 401, path

    for user in (villager, buyer_staff):
        login(user)
        for path in reads:
            response = client.get(path)
            assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden", (user, path)
        for path, body in writes:
            assert client.post(path, json=body, headers={"Idempotency-Key": "x"}).status_code == 403, (user, path)
        client.post("/logout")

    login(villager)  # their own household's figures, and no one else's
    own = client.get(f"/api/v1/households/{villager.household_id}/owed")
    assert own.status_code == 200 and own.get_json()["owed"] == "0.00"
    client.post("/logout")

    login(coordinator)  # coordinators read and prepare settlements, but neither approve nor pay
    assert client.get(f"/api/v1/settlements/{number}").status_code == 200
    assert client.post(f"/api/v1/settlements/{number}/approve").status_code == 403
    assert payout(client, household_id, "1", "coord").status_code == 403
    assert client.get("/api/v1/payments").status_code == 403
    assert count(Payment) == 1 and count(PurchaseInvoice) == 3


def test_a_bearer_token_reads_settlements(app, client, login, received, accountant):
    login(accountant)
    prepare(client, received[0])
    token = client.post("/api/v1/tokens", json={"name": "财务软件"}).get_json()["token"]
    client.post("/logout")
    response = app.test_client().get("/api/v1/settlements", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json()["total"] == 1


def test_the_openapi_document_describes_the_settlement_and_payment_routes(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    for path in ("/api/v1/settlements", "/api/v1/settlements/{settlement_id}",
                 "/api/v1/settlements/settleable-orders", "/api/v1/settlements/{settlement_id}/recompute",
                 "/api/v1/settlements/{settlement_id}/submit", "/api/v1/settlements/{settlement_id}/approve",
                 "/api/v1/settlements/{settlement_id}/return", "/api/v1/settlements/{settlement_id}/post",
                 "/api/v1/purchase-invoices", "/api/v1/purchase-invoices/{invoice_id}", "/api/v1/payments",
                 "/api/v1/payments/{payment_id}", "/api/v1/payments/household-payouts",
                 "/api/v1/payments/buyer-receipts", "/api/v1/payments/batches",
                 "/api/v1/payments/batches/{batch_id}/bank-file", "/api/v1/prepayments/{prepayment_id}/payment",
                 "/api/v1/households/{household_id}/owed"):
        assert path in paths, path
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/settlements/{settlement_id}"])
    for path in ("/api/v1/settlements", "/api/v1/payments/household-payouts", "/api/v1/payments/batches"):
        parameters = paths[path]["post"].get("parameters", [])
        assert any(p["name"] == "Idempotency-Key" for p in parameters), path
    assert "text/csv" in paths["/api/v1/payments/batches/{batch_id}/bank-file"]["get"]["responses"]["200"]["content"]
    settlement = document["components"]["schemas"]["Settlement"]["properties"]
    assert {"buyer", "households", "company", "reconciliation", "vouchers", "purchase_invoices"} <= set(settlement)
    assert settlement["buyer_total"]["type"] == "string"


def test_a_special_invoice_for_the_freight_is_entered_kept_on_patch_and_cleared(client, login, received, accountant):
    order, _ = received
    login(accountant)
    draft = prepare(client, order, logistics="120.00", logistics_invoice_no="04400123", logistics_vat_rate_pct="9")
    company = draft["company"]
    assert (company["logistics_invoice_no"], company["logistics_vat_rate_pct"], company["logistics_input_vat"]) == (
        "04400123", "9.00", "9.91")
    # a PATCH of something else keeps the invoice
    changed = client.patch(f"/api/v1/settlements/{draft['id']}", json={"packing": "10"}).get_json()
    assert changed["company"]["logistics_input_vat"] == "9.91"
    refused = client.patch(f"/api/v1/settlements/{draft['id']}", json={"logistics_vat_rate_pct": "18"})
    assert refused.status_code == 422 and "logistics_vat_rate_pct" in refused.get_json()["error"]["fields"]
    cleared = client.patch(f"/api/v1/settlements/{draft['id']}",
                           json={"logistics_invoice_no": "", "logistics_vat_rate_pct": None}).get_json()
    assert (cleared["company"]["logistics_invoice_no"], cleared["company"]["logistics_input_vat"]) == ("", "0.00")
