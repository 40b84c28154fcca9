"""The payment API: households paid, a batch payout and its bank import file, a contract advance
booked once, payments replayed by their Idempotency-Key and voided, through JSON."""
from __future__ import annotations

from sqlalchemy import func, select

from market.contracts import services as contracts
from models import AuditEvent, Payment, PaymentApplication, PaymentBatch, db
from tests.market.contracts.conftest import contract_args, grades, make_contract, peach  # noqa: F401  (fixtures)
from tests.market.settlements.test_api import DAY, count, payout, posted_settlement, switch


def test_paying_every_household_marks_the_settlement_paid(client, login, received, accountant, reviewer):
    settlement = posted_settlement(client, login, received, accountant, reviewer)
    for line in settlement["households"]:
        response = payout(client, line["household_id"], line["net"], f"all-{line['id']}", method="wechat")
        assert response.status_code == 201, response.get_json()
    after = client.get(f"/api/v1/settlements/{settlement['id']}").get_json()
    assert after["status"] == "paid" and {h["owed"] for h in after["households"]} == {"0.00"}


def test_a_batch_payout_and_its_bank_import_file(client, login, received, accountant, reviewer):
    settlement = posted_settlement(client, login, received, accountant, reviewer)
    first, second = settlement["households"][:2]
    body = {"paid_on": DAY, "payments": [{"household_id": first["household_id"], "amount": "1360.00"},
                                         {"household_id": second["household_id"], "amount": "500"}]}
    response = client.post("/api/v1/payments/batches", json=body, headers={"Idempotency-Key": "batch-0821"})
    assert response.status_code == 201, response.get_json()
    batch = response.get_json()
    assert (batch["count"], batch["total"]) == (2, "1860.00")
    assert [(p["household_name"], p["amount"], p["batch_id"]) for p in batch["payments"]] == [
        ("张秀英", "1360.00", batch["id"]), ("李桂兰", "500.00", batch["id"])]
    again = client.post("/api/v1/payments/batches", json=body, headers={"Idempotency-Key": "batch-0821"})
    assert again.status_code == 201 and again.get_json() == batch
    assert client.get(f"/api/v1/payments/batches/{batch['id']}").get_json() == batch

    response = client.get(f"/api/v1/payments/batches/{batch['id']}/bank-file")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="{batch["number"]}.csv"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff序号,收款人户名,收款账号,开户行,金额,用途")
    assert "张秀英,6230270100012345678,陕西信合,1360.00" in text
    assert count(PaymentBatch) == 1 and count(Payment) == 2
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "payment_batch.export")) == 1


def test_a_contract_prepayment_is_booked_once(client, login, accountant, coordinator, make_contract, books):
    contract = make_contract("active")
    prepayment = contracts.record_prepayment(coordinator, contract, "advance", "2000", paid_on="2026-07-10")
    db.session.commit()
    login(accountant)
    body = {"method": "cash", "signer": "张秀英", "paid_on": "2026-07-10"}
    response = client.post(f"/api/v1/prepayments/{prepayment.id}/payment", json=body,
                           headers={"Idempotency-Key": "adv-1"})
    assert response.status_code == 201, response.get_json()
    booked = response.get_json()
    assert (booked["kind"], booked["amount"], booked["method"], booked["prepayment_id"]) == (
        "advance", "2000.00", "cash", prepayment.id)
    response = client.post(f"/api/v1/prepayments/{prepayment.id}/payment", json=body,
                           headers={"Idempotency-Key": "adv-2"})
    assert response.status_code == 409
    assert client.post("/api/v1/prepayments/9999/payment", json=body,
                       headers={"Idempotency-Key": "adv-3"}).status_code == 404
    assert count(Payment) == 1


def test_a_payout_replays_by_its_key_and_refuses_the_key_with_another_body(client, login, received, accountant,
                                                                          reviewer, make_user):
    settlement = posted_settlement(client, login, received, accountant, reviewer)
    household_id = settlement["households"][0]["household_id"]
    first = payout(client, household_id, "100.00", "k-1")
    assert first.status_code == 201
    again = payout(client, household_id, "100.00", "k-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    other = payout(client, household_id, "100.01", "k-1")
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "idempotency_key_reused"

    # the same payment retried by another accountant (another device): the original, not a second one
    switch(client, login, reviewer)
    elsewhere = payout(client, household_id, "100.00", "k-1")
    assert elsewhere.status_code == 200 and elsewhere.get_json()["id"] == first.get_json()["id"]
    other = payout(client, household_id, "99.00", "k-1")
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert count(Payment) == 1
    assert client.get(f"/api/v1/households/{household_id}/owed").get_json()["owed"] == "1260.00"


def test_a_batch_takes_an_idempotency_key_of_the_full_length(client, login, received, accountant, reviewer):
    settlement = posted_settlement(client, login, received, accountant, reviewer)
    key = "b" * 128
    body = {"paid_on": DAY, "payments": [{"household_id": line["household_id"], "amount": "100"}
                                         for line in settlement["households"]]}
    response = client.post("/api/v1/payments/batches", json=body, headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.get_json()
    assert all(len(payment.idempotency_key) <= 128 for payment in db.session.scalars(select(Payment)))
    assert client.post("/api/v1/payments/batches", json=body, headers={"Idempotency-Key": key}).get_json() \
        == response.get_json()
    assert count(Payment) == 3


def test_a_payment_is_voided_through_the_api(client, login, received, accountant, reviewer):
    settlement = posted_settlement(client, login, received, accountant, reviewer)
    household = settlement["households"][0]
    made = payout(client, household["household_id"], "50.00", "to-void", method="wechat").get_json()
    response = client.post(f"/api/v1/payments/{made['id']}/void", json={"reason": ""})
    assert response.status_code == 422 and count(PaymentApplication) == 1
    response = client.post(f"/api/v1/payments/{made['id']}/void", json={"reason": "银行退回"})
    assert response.status_code == 200 and response.get_json()["void_reason"] == "银行退回"
    assert response.get_json()["voucher"]["status"] == "rejected" and count(PaymentApplication) == 0
    assert client.post(f"/api/v1/payments/{made['id']}/void", json={"reason": "again"}).status_code == 409
