"""The payment pages: paying a household, a buyer's payment, batch payouts with the bank's file,
booking a contract advance and voiding a payment, through their forms (with CSRF on), each paying
once however often it is sent."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from market.payments import services as payments
from models import AuditEvent, Payment, PaymentBatch, Settlement, SettlementHousehold, db
from tests.market.contracts.conftest import contract_args, grades, make_contract, peach  # noqa: F401  (fixtures)
from tests.market.settlements.test_pages import (  # noqa: F401  (csrf and posted are fixtures)
    DAY, count, csrf, hidden, login_with_form, posted, translated,
)


def _payout_form(client, household_id: int) -> tuple[str, dict]:
    page = client.get(f"/payments/pay?household_id={household_id}").get_data(as_text=True)
    return page, {"csrf_token": hidden(page, "csrf_token"), "idempotency_key": hidden(page, "idempotency_key"),
                  "household_id": str(household_id), "paid_on": DAY.isoformat(), "reference": "",
                  "signer": "", "supporting_doc": "", "note": ""}


def test_the_payout_form_offers_what_each_household_is_owed(client, login, posted, accountant):
    line = posted.households[0]
    login(accountant)
    page, _ = _payout_form(client, line.household_id)
    assert f'value="{line.net:.2f}"' in page and f'data-owed="{line.net:.2f}"' in page
    assert line.household.head_name in page


def test_double_submitting_a_payout_pays_once(client, csrf, posted, accountant):
    line = posted.households[0]
    login_with_form(client, accountant)
    _, data = _payout_form(client, line.household_id)
    data.update(amount="100.00", method="bank")
    first = client.post("/payments/pay", data=data)
    second = client.post("/payments/pay", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(Payment) == 1
    assert db.session.get(SettlementHousehold, line.id).paid == Decimal("100.00")
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "not paid twice" in page or translated(_l("This payment was already recorded; it was not paid twice.")) in page


def test_a_bad_amount_shows_a_translated_error_and_pays_nothing(client, login, posted, accountant):
    line = posted.households[0]
    login(accountant)
    _, data = _payout_form(client, line.household_id)
    response = client.post("/payments/pay", data={**data, "amount": "一百", "method": "bank"})
    assert response.status_code == 422
    assert translated(_l("Enter an amount in yuan, e.g. 500.00.")) in response.get_data(as_text=True)
    response = client.post("/payments/pay", data={**data, "amount": f"{line.net + 1:.2f}", "method": "bank"})
    assert response.status_code == 422
    assert line.household.head_name in response.get_data(as_text=True)
    assert count(Payment) == 0 and db.session.get(SettlementHousehold, line.id).paid == 0


def test_cash_without_a_signer_is_refused(client, login, posted, accountant):
    line = posted.households[0]
    login(accountant)
    _, data = _payout_form(client, line.household_id)
    response = client.post("/payments/pay", data={**data, "amount": "50", "method": "cash"})
    assert response.status_code == 422
    assert translated(_l("Cash needs the name of who signed for it.")) in response.get_data(as_text=True)
    assert count(Payment) == 0
    response = client.post("/payments/pay", data={**data, "amount": "50", "method": "cash", "signer": "张秀英"})
    assert response.status_code == 302
    assert db.session.scalar(select(Payment.signer)) == "张秀英"


def test_a_batch_payout_pays_once_and_gives_the_bank_file(client, csrf, posted, accountant):
    login_with_form(client, accountant)
    page = client.get("/payments/batch").get_data(as_text=True)
    lines = sorted(posted.households, key=lambda line: line.household_id)
    data = {"csrf_token": hidden(page, "csrf_token"), "idempotency_key": hidden(page, "idempotency_key"),
            "paid_on": DAY.isoformat()}
    for index, line in enumerate(lines):
        assert hidden(page, f"rows-{index}-household_id") == str(line.household_id)
        data[f"rows-{index}-household_id"] = str(line.household_id)
        data[f"rows-{index}-amount"] = f"{line.net:.2f}" if index else "10.00"
        if index < 2:
            data[f"rows-{index}-chosen"] = "y"  # the third is left out
    first = client.post("/payments/batch", data=data)
    second = client.post("/payments/batch", data=data)
    assert first.status_code == second.status_code == 302
    assert count(PaymentBatch) == 1 and count(Payment) == 2
    batch = db.session.scalar(select(PaymentBatch))
    assert batch.total == Decimal("10.00") + lines[1].net
    assert db.session.get(SettlementHousehold, lines[2].id).paid == 0
    response = client.get(f"/payments/batches/{batch.id}/bank.csv")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert text.startswith("\ufeff序号") and lines[1].household.account_number in text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "payment_batch.export")) is not None


def test_a_batch_with_a_bad_row_shows_it_and_pays_nobody(client, login, posted, accountant):
    login(accountant)
    page = client.get("/payments/batch").get_data(as_text=True)
    line = sorted(posted.households, key=lambda line: line.household_id)[0]
    response = client.post("/payments/batch", data={
        "idempotency_key": hidden(page, "idempotency_key"), "paid_on": DAY.isoformat(),
        "rows-0-household_id": str(line.household_id), "rows-0-chosen": "y", "rows-0-amount": f"{line.net + 1:.2f}"})
    assert response.status_code == 422 and line.household.head_name in response.get_data(as_text=True)
    response = client.post("/payments/batch", data={
        "idempotency_key": hidden(page, "idempotency_key"), "paid_on": DAY.isoformat(),
        "rows-0-household_id": str(line.household_id), "rows-0-chosen": "y", "rows-0-amount": "abc"})
    assert response.status_code == 422
    assert translated(_l("Enter an amount in yuan, e.g. 500.00.")) in response.get_data(as_text=True)
    assert count(Payment) == 0 and count(PaymentBatch) == 0


def test_a_buyer_payment_is_recorded_against_its_receivable(client, login, posted, accountant):
    login(accountant)
    page = client.get(f"/payments/receive?buyer_id={posted.buyer_id}").get_data(as_text=True)
    assert posted.buyer.name in page and f'value="{posted.buyer_total:.2f}"' in page
    data = {"idempotency_key": hidden(page, "idempotency_key"), "buyer_id": str(posted.buyer_id),
            "amount": "1000.00", "method": "bank", "paid_on": DAY.isoformat(), "reference": "HX20260901"}
    assert client.post("/payments/receive", data=data).status_code == 302
    assert db.session.get(Settlement, posted.id).buyer_received == Decimal("1000.00")
    page = client.get("/payments/owed").get_data(as_text=True)
    assert f"¥{posted.buyer_total - Decimal('1000'):,.2f}" in page
    assert all(line.household.head_name in page for line in posted.households)
    page = client.get("/payments/?kind=buyer_receipt").get_data(as_text=True)
    assert "HX20260901" not in page and "SK" in page


def test_the_payment_list_filters_by_kind(client, login, posted, accountant):
    household = posted.households[0].household
    payments.pay_household(accountant, household, payments.PaymentInput(amount="5", method="wechat"),
                           idempotency_key="k1")
    db.session.commit()
    login(accountant)
    assert household.head_name in client.get("/payments/?kind=household_payout").get_data(as_text=True)
    assert household.head_name not in client.get("/payments/?kind=advance").get_data(as_text=True)
    payment = db.session.scalar(select(Payment))
    page = client.get(f"/payments/{payment.id}").get_data(as_text=True)
    assert payment.number in page and posted.number in page and "伍元整" in page


def test_a_contract_advance_is_booked_once_from_its_page(client, login, make_contract, coordinator, accountant,
                                                          books):
    from market.contracts import services as contracts

    contract = make_contract("active")
    prepayment = contracts.record_prepayment(coordinator, contract, "advance", "2000", paid_on="2026-07-10")
    db.session.commit()
    login(accountant)
    page = client.get("/payments/prepayments").get_data(as_text=True)
    assert contract.number in page and "¥2,000.00" in page
    prefix = f"p{prepayment.id}-"
    data = {prefix + "idempotency_key": hidden(page, prefix + "idempotency_key"), prefix + "method": "cash",
            prefix + "paid_on": "2026-07-10", prefix + "reference": "", prefix + "signer": "", prefix + "note": ""}
    response = client.post(f"/payments/prepayments/{prepayment.id}", data=data)
    assert response.status_code == 422
    assert translated(_l("Cash needs the name of who signed for it.")) in response.get_data(as_text=True)
    data[prefix + "signer"] = "张秀英"
    assert client.post(f"/payments/prepayments/{prepayment.id}", data=data).status_code == 302
    assert client.post(f"/payments/prepayments/{prepayment.id}", data=data).status_code == 302
    assert count(Payment) == 1
    assert contract.number not in client.get("/payments/prepayments").get_data(as_text=True)


def test_a_payment_is_voided_on_its_page_with_a_reason(client, login, posted, accountant):
    line = posted.households[0]
    login(accountant)
    _, data = _payout_form(client, line.household_id)
    response = client.post("/payments/pay", data={**data, "amount": "100.00", "method": "wechat"})
    payment_url = response.headers["Location"]
    payment = db.session.scalar(select(Payment))
    assert client.post(f"/payments/{payment.id}/void", data={"reason": ""}).status_code == 422
    assert db.session.get(Payment, payment.id).voided_at is None
    response = client.post(f"/payments/{payment.id}/void", data={"reason": "付错了人"})
    assert response.status_code == 302 and response.headers["Location"] == payment_url
    assert db.session.get(SettlementHousehold, line.id).paid == 0
    page = client.get(payment_url).get_data(as_text=True)
    assert "付错了人" in page and f"/payments/{payment.id}/void" not in page
    # a second void (a stale page) is refused with the conflict's status and says why, above the form
    again = client.post(f"/payments/{payment.id}/void", data={"reason": "又一次"})
    assert again.status_code == 409
    assert translated(_l("This payment is already void.")) in again.get_data(as_text=True)


def test_paying_and_receiving_say_which_they_are(client, login, posted, accountant):
    """The receipt of money is 收款, not 验收 (a supermarket's acceptance); a payout's method is how
    the company pays (付款方式), a receipt's how the money came in (收款方式)."""
    login(accountant)
    receive = client.get("/payments/receive").get_data(as_text=True)
    assert "记录收款" in receive and "记录验收" not in receive and "收款方式" in receive
    pay, _ = _payout_form(client, posted.households[0].household_id)
    assert "付款方式" in pay and "收款方式" not in pay


def test_a_household_named_like_a_formula_reaches_the_bank_file_as_text(client, csrf, posted, accountant):
    import csv
    import io

    line = min(posted.households, key=lambda l: l.household_id)
    household = line.household
    household.head_name = '=HYPERLINK("http://example.invalid","领钱")'
    household.bank_name = "+陕西信合"
    db.session.commit()
    batch = payments.pay_batch(accountant, [(household, f"{line.net:.2f}")], paid_on=DAY,
                               idempotency_key="formula-batch")
    db.session.commit()
    rows = list(csv.reader(io.StringIO(payments.bank_file(accountant, batch).lstrip("\ufeff"))))
    assert rows[1][1] == "'" + household.head_name and rows[1][3] == "'+陕西信合"
    assert rows[1][4] == f"{line.net:.2f}"
