"""定金: a fulfilled contract's deposit is set off against the price by the household's next
settlement (抵作价款); a terminated contract's deposit is closed once — paid back, kept by the
household when the company broke the contract, or paid back twice when the household did — with
a voucher that empties the household's 1123 and keeps the books balanced."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text

from market.clock import local_today
from market.contracts import services as contracts
from market.deposits import services as deposits
from market.errors import Conflict, IdempotencyConflict, PermissionDenied, ValidationFailed
from market.ledger import services as ledger
from market.payments import services as payments
from market.settlements import computing, services
from models import AuditEvent, DepositClosure, DepositOutcome, Voucher, VoucherSource, VoucherStatus, db
from tests.market.contracts.conftest import contract_args, grades, make_contract, peach  # noqa: F401  (fixtures)
from tests.market.input_credits.test_input_credit import (DAY, books_hold, count, households, party_balance,
                                                          post_settlement, review)

PAID = date(2026, 7, 5)
CLOSED = date(2026, 8, 20)
NOT_TERMINATED = ("Only a terminated contract's deposit is closed here; a fulfilled contract's deposit is set off by "
                  "the household's next settlement.")
UNBOOKED = "Book the money paid out for this contract's deposit first (Contract advances and deposits to book)."


def deposit_on(contract, coordinator, accountant, reviewer, amount="1000", *, book=True):
    """A deposit recorded on the contract and, unless ``book`` is false, paid out and posted."""
    prepayment = contracts.record_prepayment(coordinator, contract, "deposit", amount, paid_on=PAID)
    db.session.commit()
    if book:
        payment = payments.pay_prepayment(accountant, prepayment, payments.PaymentInput(amount=None, method="bank"),
                                          idempotency_key=f"deposit-{prepayment.id}")
        db.session.commit()
        review(payment.voucher, reviewer)
    return prepayment


def terminated(make_contract, household, coordinator, accountant, reviewer, amount="1000"):
    contract = make_contract("active", household_id=household.id)
    deposit_on(contract, coordinator, accountant, reviewer, amount)
    contracts.terminate(coordinator, contract, "果园遭冰雹，双方协商解除")
    db.session.commit()
    return contract


def close(actor, contract, outcome="returned", key="close-1", **values):
    data = dict(outcome=outcome, reason="冰雹绝收，协商解除合同", closed_on=CLOSED, method="bank",
                reference="BANK-778")
    data.update(values)
    closure = deposits.close_deposit(actor, contract, deposits.ClosureInput(**data), idempotency_key=key)
    db.session.commit()
    return closure


def refused(message: str):
    """The service refuses with this message (compared in whatever language the test runs in)."""
    return pytest.raises(Conflict, match=re.escape(str(_l(message))))


def lines_of(voucher):
    return [(line.account.code, line.debit, line.credit) for line in voucher.lines]


# --- fulfilled: set off by the next settlement ----------------------------------------------------

def test_a_fulfilled_contracts_deposit_is_set_off_by_the_households_next_settlement(
        received, make_contract, coordinator, accountant, reviewer):
    zhang = households(received)["张秀英"]
    contract = make_contract("active", household_id=zhang.id)
    deposit_on(contract, coordinator, accountant, reviewer, "300")
    assert party_balance("1123", zhang.id) == Decimal("300.00")
    order, _receipt = received

    # While the contract runs, the deposit is an earnest, not part of the price: nothing comes off.
    draft = services.prepare_order_settlement(coordinator, order, settle_on=DAY)
    db.session.commit()
    assert {l.household.head_name: l.recovered_advances for l in draft.households}["张秀英"] == Decimal("0.00")

    contracts.fulfil(coordinator, contract)
    db.session.commit()
    services.recompute(coordinator, draft, settle_on=DAY)
    db.session.commit()
    line = {l.household.head_name: l for l in draft.households}["张秀英"]
    assert (line.gross, line.recovered_advances, line.net) == (
        Decimal("1360.00"), Decimal("300.00"), Decimal("1060.00"))
    assert computing.outstanding_advances(zhang.id) == 0  # the draft counts: never set off twice

    post_settlement(draft, coordinator, accountant)
    assert party_balance("1123", zhang.id) == Decimal("0.00")
    assert party_balance("2202", zhang.id) == Decimal("-1060.00")
    books_hold()


def test_a_terminated_contracts_deposit_is_never_set_off_by_a_settlement(
        received, make_contract, coordinator, accountant, reviewer):
    zhang = households(received)["张秀英"]
    terminated(make_contract, zhang, coordinator, accountant, reviewer)
    settlement = services.prepare_order_settlement(coordinator, received[0], settle_on=DAY)
    db.session.commit()
    assert {l.household.head_name: l.recovered_advances for l in settlement.households}["张秀英"] == Decimal("0.00")
    assert [o.contract.household_id for o in deposits.open_deposits(accountant)] == [zhang.id]


# --- terminated: closed once ----------------------------------------------------------------------

@pytest.mark.parametrize("outcome, values, voucher, summary", [
    ("returned", {}, [("1002", Decimal("1000.00"), Decimal("0.00")), ("1123", Decimal("0.00"), Decimal("1000.00"))],
     "收回张秀英合同{number}定金（合同解除）"),
    ("forfeited", {"method": None, "reference": ""},
     [("5711", Decimal("1000.00"), Decimal("0.00")), ("1123", Decimal("0.00"), Decimal("1000.00"))],
     "张秀英合同{number}定金不予退还（公司违约）"),
    ("doubled", {"method": "cash", "signer": "钱出纳", "reference": ""},
     [("1001", Decimal("2000.00"), Decimal("0.00")), ("1123", Decimal("0.00"), Decimal("1000.00")),
      ("5301", Decimal("0.00"), Decimal("1000.00"))],
     "张秀英违约，双倍返还合同{number}定金"),
])
def test_a_terminated_contracts_deposit_is_closed_by_its_outcome_and_the_books_balance(
        received, make_contract, coordinator, accountant, reviewer, outcome, values, voucher, summary):
    zhang = households(received)["张秀英"]
    contract = terminated(make_contract, zhang, coordinator, accountant, reviewer)
    closure = close(accountant, contract, outcome, **values)
    assert closure.number == f"DJ{CLOSED.year}-0001"
    assert closure.outcome is DepositOutcome(outcome)
    assert (closure.deposit, closure.received) == (
        Decimal("1000.00"), Decimal("1000.00") * deposits.RECEIVED_TIMES[closure.outcome])
    assert closure.voucher.source is VoucherSource.DEPOSIT and closure.voucher.status is VoucherStatus.PREPARED
    assert closure.voucher.summary == summary.format(number=contract.number)
    assert lines_of(closure.voucher) == voucher
    assert ledger.is_generated(closure.voucher)  # it changes only through the closure
    assert deposits.open_deposits(accountant) == []
    assert deposits.closure_of(contract).id == closure.id

    review(closure.voucher, reviewer)
    assert party_balance("1123", zhang.id) == Decimal("0.00")
    books_hold()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "deposit.close"))
    assert event.entity_id == closure.id and event.after["outcome"] == outcome


def test_the_same_key_and_body_return_the_closure_and_another_body_is_refused(
        received, make_contract, coordinator, accountant, reviewer):
    zhang = households(received)["张秀英"]
    contract = terminated(make_contract, zhang, coordinator, accountant, reviewer)
    closure = close(accountant, contract)
    assert close(accountant, contract).id == closure.id
    with pytest.raises(IdempotencyConflict):
        close(accountant, contract, reference="BANK-779")
    db.session.rollback()
    with refused("This contract's deposit is already closed."):
        close(accountant, contract, key="close-2")
    db.session.rollback()
    assert count(DepositClosure) == 1
    assert db.session.scalar(select(func.count()).select_from(Voucher)
                             .where(Voucher.source == VoucherSource.DEPOSIT)) == 1


def test_only_a_terminated_contract_with_a_booked_deposit_is_closed(
        received, make_contract, coordinator, accountant, reviewer):
    zhang = households(received)["张秀英"]
    running = make_contract("active", household_id=zhang.id)
    deposit_on(running, coordinator, accountant, reviewer)
    with refused(NOT_TERMINATED):
        close(accountant, running)
    db.session.rollback()
    contracts.fulfil(coordinator, running)
    db.session.commit()
    with refused(NOT_TERMINATED):
        close(accountant, running)
    db.session.rollback()

    without = make_contract("terminated", household_id=zhang.id)
    with refused('No deposit (定金) was paid on this contract.'):
        close(accountant, without)
    db.session.rollback()

    unbooked = make_contract("active", household_id=zhang.id)
    deposit_on(unbooked, coordinator, accountant, reviewer, book=False)
    contracts.terminate(coordinator, unbooked, "协商解除")
    db.session.commit()
    assert [(o.contract.id, o.unbooked) for o in deposits.open_deposits(accountant)] == [(unbooked.id, 1)]
    with refused(UNBOOKED):
        close(accountant, unbooked)
    db.session.rollback()
    assert count(DepositClosure) == 0
    books_hold()


@pytest.mark.parametrize("values, field", [
    ({"outcome": "kept"}, "outcome"),
    ({"reason": "  "}, "reason"),
    ({"reason": "很" * 2001}, "reason"),
    ({"method": None}, "method"),
    ({"method": "cash"}, "signer"),
    ({"closed_on": "2026-13-01"}, "closed_on"),
    ({"closed_on": "tomorrow"}, "closed_on"),
])
def test_bad_input_is_refused_and_nothing_is_written(
        received, make_contract, coordinator, accountant, reviewer, values, field):
    zhang = households(received)["张秀英"]
    contract = terminated(make_contract, zhang, coordinator, accountant, reviewer)
    if values.get("closed_on") == "tomorrow":
        values = {"closed_on": local_today() + timedelta(days=1)}
    vouchers = count(Voucher)
    with pytest.raises(ValidationFailed) as caught:
        close(accountant, contract, **values)
    assert field in caught.value.fields
    db.session.rollback()
    assert count(DepositClosure) == 0 and count(Voucher) == vouchers


def test_a_forfeit_needs_no_method_and_ignores_one(received, make_contract, coordinator, accountant, reviewer):
    zhang = households(received)["张秀英"]
    contract = terminated(make_contract, zhang, coordinator, accountant, reviewer)
    closure = close(accountant, contract, "forfeited", method="cash")  # no money moves: no signer asked
    assert closure.method is None and closure.received == Decimal("0.00")


def test_only_accountants_close_deposits(received, make_contract, coordinator, accountant, reviewer, villager):
    zhang = households(received)["张秀英"]
    contract = terminated(make_contract, zhang, coordinator, accountant, reviewer)
    for who in (coordinator, villager):
        with pytest.raises(PermissionDenied):
            close(who, contract)
        db.session.rollback()
    assert count(DepositClosure) == 0


def test_no_closure_is_dated_before_a_closed_month(received, make_contract, coordinator, accountant, reviewer):
    zhang = households(received)["张秀英"]
    contract = terminated(make_contract, zhang, coordinator, accountant, reviewer)
    ledger.close_period(accountant, ledger.period_for(date(2026, 8, 1)))
    db.session.commit()
    with pytest.raises(Conflict):
        close(accountant, contract)
    db.session.rollback()
    assert count(DepositClosure) == 0
    close(accountant, contract, closed_on=date(2026, 9, 2))
    assert count(DepositClosure) == 1


def test_verify_sees_a_closure_whose_voucher_was_rejected_behind_its_back(
        received, make_contract, coordinator, accountant, reviewer):
    zhang = households(received)["张秀英"]
    closure = close(accountant, terminated(make_contract, zhang, coordinator, accountant, reviewer))
    assert services.verify() == []
    ledger.reject(reviewer, closure.voucher, "测试", system=True)
    db.session.commit()
    assert services.verify() == [f"deposit closure {closure.number}: its voucher was rejected but it stands"]


# --- the API and the page -------------------------------------------------------------------------

def test_deposits_through_the_api(client, login, received, make_contract, coordinator, accountant, reviewer,
                                  villager):
    zhang = households(received)["张秀英"]
    contract = terminated(make_contract, zhang, coordinator, accountant, reviewer)
    login(accountant)
    listed = client.get("/api/v1/deposits").get_json()
    assert [(o["contract_id"], o["deposit"], o["unbooked"]) for o in listed["open"]] == [(contract.id, "1000.00", 0)]
    url = f"/api/v1/contracts/{contract.id}/deposit-closure"
    body = {"outcome": "doubled", "reason": "农户违约，另卖他人", "closed_on": CLOSED.isoformat(), "method": "wechat",
            "reference": "WX-42"}
    assert client.post(url, json=body).status_code == 422  # a key is required
    bad = client.post(url, json={**body, "method": None}, headers={"Idempotency-Key": "api-bad"})
    assert bad.status_code == 422 and "method" in bad.get_json()["error"]["fields"]
    made = client.post(url, json=body, headers={"Idempotency-Key": "api-1"})
    assert made.status_code == 201, made.get_json()
    closure = made.get_json()
    assert (closure["outcome"], closure["deposit"], closure["received"], closure["method"]) == (
        "doubled", "1000.00", "2000.00", "wechat")
    assert closure["voucher"]["status"] == "prepared"
    replay = client.post(url, json=body, headers={"Idempotency-Key": "api-1"})
    assert replay.status_code == 201 and replay.get_json()["id"] == closure["id"]
    assert client.post(url, json={**body, "reference": "WX-43"}, headers={"Idempotency-Key": "api-1"}
                       ).status_code == 409
    again = client.post(url, json=body, headers={"Idempotency-Key": "api-2"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    assert client.post("/api/v1/contracts/999999/deposit-closure", json=body,
                       headers={"Idempotency-Key": "api-3"}).status_code == 404
    assert client.get("/api/v1/deposits").get_json()["open"] == []
    page = client.get(f"/api/v1/deposit-closures?household_id={zhang.id}").get_json()
    assert page["total"] == 1 and page["items"][0]["number"] == closure["number"]
    assert client.get(f"/api/v1/deposit-closures/{closure['id']}").get_json()["contract_number"] == contract.number
    assert client.get("/api/v1/deposit-closures/999999").status_code == 404
    assert count(DepositClosure) == 1

    client.post("/logout")
    login(coordinator)
    assert client.get("/api/v1/deposits").status_code == 403  # the accountants' work, as on the pages
    assert client.post(url, json=body, headers={"Idempotency-Key": "api-4"}).status_code == 403
    client.post("/logout")
    login(villager)
    assert client.get("/api/v1/deposits").status_code == 403
    assert client.get("/api/v1/deposit-closures").status_code == 403
    spec = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in spec["/api/v1/contracts/{contract_id}/deposit-closure"]
    assert "get" in spec["/api/v1/deposits"] and "get" in spec["/api/v1/deposit-closures"]


def test_the_deposits_page_closes_a_deposit_once(client, login, received, make_contract, coordinator, accountant,
                                                 reviewer):
    import re

    from flask_babel import force_locale
    from markupsafe import escape

    zhang = households(received)["张秀英"]
    contract = terminated(make_contract, zhang, coordinator, accountant, reviewer)
    login(accountant)
    page = client.get("/payments/deposits").get_data(as_text=True)
    assert contract.number in page and "¥1,000.00" in page and "果园遭冰雹" in page
    assert 'href="/payments/deposits"' in client.get("/payments/owed").get_data(as_text=True)  # in the tabs
    key = re.search(rf'name="c{contract.id}-idempotency_key"[^>]*value="([^"]*)"', page).group(1)
    data = {f"c{contract.id}-{name}": value for name, value in {
        "idempotency_key": key, "outcome": "returned", "reason": "", "closed_on": CLOSED.isoformat(),
        "method": "cash", "reference": "", "signer": ""}.items()}
    refused = client.post(f"/payments/deposits/{contract.id}", data=data)
    assert refused.status_code == 422
    with force_locale("zh_CN"):
        for message in (deposits._l("Say why the contract ended and who broke it."),
                        deposits._l("Cash needs the name of who took it.")):
            assert str(escape(str(message))) in refused.get_data(as_text=True)
    assert count(DepositClosure) == 0
    data[f"c{contract.id}-reason"] = "双方协商解除"
    data[f"c{contract.id}-signer"] = "钱出纳"
    assert client.post(f"/payments/deposits/{contract.id}", data=data).status_code == 302
    assert client.post(f"/payments/deposits/{contract.id}", data=data).status_code == 302  # a double submit
    assert count(DepositClosure) == 1
    page = client.get("/payments/deposits").get_data(as_text=True)
    assert "DJ2026-0001" in page and "钱出纳" in page and f'action="/payments/deposits/{contract.id}"' not in page
    contract_page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "DJ2026-0001" in contract_page  # the contract says how its deposit ended
    client.post("/logout")
    login(coordinator)
    assert client.get("/payments/deposits").status_code == 403


def test_the_payment_of_a_closed_deposit_cannot_be_voided(received, make_contract, coordinator, accountant,
                                                          reviewer):
    from models import Payment

    zhang = households(received)["张秀英"]
    contract = terminated(make_contract, zhang, coordinator, accountant, reviewer)
    (booked,) = db.session.scalars(select(Payment).where(Payment.household_id == zhang.id)).all()
    close(accountant, contract)
    with refused("The deposit this payment paid out is already closed (定金处理); it cannot be voided."):
        payments.void_payment(accountant, booked, "录错")
    db.session.rollback()
    assert db.session.get(Payment, booked.id).voided_at is None


def test_a_voided_deposit_payment_must_be_booked_again_before_the_closure(
        received, make_contract, coordinator, accountant, reviewer):
    from models import Payment

    zhang = households(received)["张秀英"]
    contract = terminated(make_contract, zhang, coordinator, accountant, reviewer)
    (booked,) = db.session.scalars(select(Payment).where(Payment.household_id == zhang.id)).all()
    payments.void_payment(accountant, booked, "银行退回")
    db.session.commit()
    assert [entry.unbooked for entry in deposits.open_deposits(accountant)] == [1]
    with refused(UNBOOKED):
        close(accountant, contract)


def test_no_deposit_is_recorded_on_a_contract_terminated_meanwhile(received, make_contract, coordinator):
    zhang = households(received)["张秀英"]
    contract = make_contract("active", household_id=zhang.id)
    # another request terminated it after this one checked the status, before it took the lock
    db.session.execute(text("UPDATE purchase_contracts SET status = 'terminated' WHERE id = :id"),
                       {"id": contract.id})
    with pytest.raises(Conflict):
        contracts.record_prepayment(coordinator, contract, "deposit", "100", paid_on=PAID)


def test_a_closure_is_not_dated_before_the_deposit_was_paid(received, make_contract, coordinator, accountant,
                                                            reviewer):
    zhang = households(received)["张秀英"]
    contract = terminated(make_contract, zhang, coordinator, accountant, reviewer)
    with pytest.raises(ValidationFailed) as caught:
        close(accountant, contract, closed_on=PAID - timedelta(days=1))
    assert "closed_on" in caught.value.fields
    db.session.rollback()
    assert close(accountant, contract, closed_on=PAID).closed_on == PAID


def test_the_contract_api_says_how_its_deposit_ended(client, login, received, make_contract, coordinator,
                                                     accountant, reviewer):
    zhang = households(received)["张秀英"]
    contract = terminated(make_contract, zhang, coordinator, accountant, reviewer)
    login(coordinator)
    progress = client.get(f"/api/v1/contracts/{contract.id}/progress").get_json()
    assert (progress["deposit_closure"], progress["deposit_outcome"]) == (None, None)
    close(accountant, contract, "forfeited", method=None)
    progress = client.get(f"/api/v1/contracts/{contract.id}/progress").get_json()
    assert (progress["deposit_closure"], progress["deposit_outcome"]) == ("DJ2026-0001", "forfeited")


# --- a closure recorded in error ------------------------------------------------------------------

def test_a_closure_recorded_in_error_is_voided_and_the_deposit_closed_again(
        received, make_contract, coordinator, accountant, reviewer):
    zhang = households(received)["张秀英"]
    contract = terminated(make_contract, zhang, coordinator, accountant, reviewer)
    wrong = close(accountant, contract, "doubled", method="bank")
    deposits.void_closure(accountant, wrong, "选错了：是协商解除，不是农户违约")
    db.session.commit()
    assert wrong.voided_at is not None and wrong.voucher.status is VoucherStatus.REJECTED
    assert deposits.closure_of(contract) is None
    assert [entry.contract.id for entry in deposits.open_deposits(accountant)] == [contract.id]
    right = close(accountant, contract, "returned", key="close-again")
    assert right.id != wrong.id and deposits.closure_of(contract).id == right.id
    review(right.voucher, reviewer)
    assert party_balance("1123", zhang.id) == Decimal("0.00")
    books_hold()
    with refused("This deposit closure is already void."):
        deposits.void_closure(accountant, wrong, "again")
    db.session.rollback()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "deposit.void"))
    assert event.entity_id == wrong.id and event.reason == "选错了：是协商解除，不是农户违约"


def test_a_posted_closure_is_voided_by_a_red_reversal(received, make_contract, coordinator, accountant, reviewer):
    zhang = households(received)["张秀英"]
    contract = terminated(make_contract, zhang, coordinator, accountant, reviewer)
    closure = close(accountant, contract, "forfeited", method=None)
    review(closure.voucher, reviewer)
    assert party_balance("1123", zhang.id) == Decimal("0.00")
    with pytest.raises(ValidationFailed):
        deposits.void_closure(accountant, closure, " ")
    with pytest.raises(PermissionDenied):
        deposits.void_closure(coordinator, closure, "录错")
    db.session.rollback()
    deposits.void_closure(accountant, closure, "公司并未违约")
    db.session.commit()
    reversal = db.session.scalar(select(Voucher).where(Voucher.reverses_id == closure.voucher.id))
    assert reversal.status is VoucherStatus.PREPARED and ledger.is_generated(reversal)
    review(reversal, reviewer)
    assert party_balance("1123", zhang.id) == Decimal("1000.00")  # the deposit is out again
    books_hold()


def test_verify_sees_a_void_closure_whose_posted_voucher_stands(received, make_contract, coordinator, accountant,
                                                                reviewer):
    from datetime import datetime, timezone

    zhang = households(received)["张秀英"]
    closure = close(accountant, terminated(make_contract, zhang, coordinator, accountant, reviewer))
    review(closure.voucher, reviewer)
    closure.voided_at, closure.void_reason = datetime(2026, 8, 22, tzinfo=timezone.utc), "behind its back"
    db.session.commit()
    assert services.verify() == [f"deposit closure {closure.number}: void, yet its posted voucher is not reversed"]


def test_a_closure_is_voided_on_its_page_and_through_the_api(client, login, received, make_contract, coordinator,
                                                             accountant, reviewer, make_user):
    zhang = households(received)["张秀英"]
    first = close(accountant, terminated(make_contract, zhang, coordinator, accountant, reviewer))
    login(accountant)
    page = client.get("/payments/deposits").get_data(as_text=True)
    assert f'action="/payments/deposits/closures/{first.id}/void"' in page
    assert client.post(f"/payments/deposits/closures/{first.id}/void",
                       data={f"v{first.id}-reason": "录错了"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(DepositClosure, first.id).void_reason == "录错了"
    page = client.get("/payments/deposits").get_data(as_text=True)
    assert "录错了" in page and f'action="/payments/deposits/closures/{first.id}/void"' not in page

    second = close(accountant, first.contract, key="again")
    assert client.post(f"/api/v1/deposit-closures/{second.id}/void", json={"reason": ""}).status_code == 422
    made = client.post(f"/api/v1/deposit-closures/{second.id}/void", json={"reason": "又错了"})
    assert made.status_code == 200 and made.get_json()["void_reason"] == "又错了"
    assert client.post(f"/api/v1/deposit-closures/{second.id}/void", json={"reason": "x"}).status_code == 409
    client.post("/logout")
    login(coordinator)
    assert client.post(f"/api/v1/deposit-closures/{second.id}/void", json={"reason": "x"}).status_code == 403
