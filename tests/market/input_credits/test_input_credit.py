"""农资赊销: farm supplies given on credit are recovered from the household's next settlements, after
its advances and never below zero, the rest carried over to a later settlement; the books balance
throughout; recording is idempotent, kept to coordinators and accountants, and refuses bad input
without writing anything."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import func, select

from market.clock import local_today
from market.contracts import services as contracts
from market.errors import Conflict, IdempotencyConflict, PermissionDenied, ValidationFailed
from market.input_credits import services as input_credits
from market.ledger import services as ledger
from market.payments import services as payments
from market.settlements import services
from market.weighing import services as weighing
from models import (Account, AuditEvent, InputCredit, RoleName, Settlement, SettlementKind, Voucher, VoucherLine,
                    VoucherSource, VoucherStatus, db)
from tests.market.contracts.conftest import contract_args, grades, make_contract, peach  # noqa: F401  (fixtures)
from tests.conftest import load_demo
from tests.market.settlements.conftest import OPENING_KEY

DAY = date(2026, 8, 21)
SUPPLIED = date(2026, 8, 10)


def count(model) -> int:
    """Rows of ``model``; of vouchers, those the test wrote (not the opening funds every ledger starts with)."""
    statement = select(func.count()).select_from(model)
    if model is Voucher:
        statement = statement.where(Voucher.idempotency_key != OPENING_KEY)
    return db.session.scalar(statement)


def translated(message) -> str:
    with force_locale("zh_CN"):
        return str(escape(str(message)))


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    assert match, f"no {name} on the page"
    return match.group(1)


def households(received) -> dict:
    order, _receipt = received
    return {line.household.head_name: line.household for line in order.runs[-1].lines}


def supply(actor, household, amount, key, item="复合肥 40袋", issued_on=SUPPLIED, note=""):
    credit = input_credits.record_input_credit(actor, household, item=item, amount=amount, issued_on=issued_on,
                                               note=note, idempotency_key=key)
    db.session.commit()
    return credit


def review(voucher, accountant):
    """Another accountant approves and posts a voucher prepared by a service."""
    ledger.approve(accountant, voucher)
    ledger.post(accountant, voucher)
    db.session.commit()


def post_settlement(settlement, preparer, approver):
    services.submit(preparer, settlement)
    services.approve(approver, settlement)
    services.post(approver, settlement)
    db.session.commit()
    return settlement


def party_balance(code: str, household_id: int) -> Decimal:
    """Debit-positive balance of an account for one household over posted vouchers, summed in Python."""
    lines = db.session.scalars(select(VoucherLine).join(Voucher).join(Account).where(
        Account.code == code, VoucherLine.party_id == household_id, Voucher.status == VoucherStatus.POSTED)).all()
    return sum((line.debit - line.credit for line in lines), Decimal("0.00"))


def books_hold():
    assert ledger.verify() == []
    assert services.verify() == []
    rows = ledger.trial_balance()
    assert sum((row["debit"] for row in rows), Decimal(0)) == sum((row["credit"] for row in rows), Decimal(0))


# --- recovery --------------------------------------------------------------------------------------

def test_input_credit_is_recovered_after_advances_and_the_rest_carried_to_a_later_settlement(
        received, coordinator, accountant, reviewer, make_contract, grades):
    people = households(received)
    zhang, li, wang = people["张秀英"], people["李桂兰"], people["王建国"]
    # 张秀英 had a ¥1,000 advance on her contract, then ¥500 + ¥300 of supplies; 李桂兰 ¥200 of supplies.
    contract = make_contract("active", household_id=zhang.id)
    prepayment = contracts.record_prepayment(coordinator, contract, "advance", "1000", paid_on=date(2026, 7, 10))
    advance = payments.pay_prepayment(accountant, prepayment, payments.PaymentInput(amount=None, method="bank"),
                                      idempotency_key="advance")
    db.session.commit()
    review(advance.voucher, reviewer)
    first = supply(coordinator, zhang, "500", "zhang-1")
    second = supply(accountant, zhang, "300.00", "zhang-2", item="果袋 3000个")
    third = supply(coordinator, li, "¥200", "li-1", item="农药 4瓶")
    assert (first.number, second.number, third.number) == ("NZ2026-0001", "NZ2026-0002", "NZ2026-0003")
    assert first.voucher.status is VoucherStatus.PREPARED and first.voucher.source is VoucherSource.INPUT_CREDIT
    assert first.voucher.summary == "赊销农资给张秀英：复合肥 40袋（NZ2026-0001）"
    assert [(l.account.code, l.debit, l.credit, l.party_id) for l in first.voucher.lines] == [
        ("1221", Decimal("500.00"), Decimal("0.00"), zhang.id), ("1002", Decimal("0.00"), Decimal("500.00"), None)]
    for credit in (first, third):
        review(credit.voucher, accountant)  # prepared by the coordinator: an accountant reviews it
    review(second.voucher, reviewer)        # prepared by an accountant: another one reviews it
    assert input_credits.outstanding_input_credit(zhang.id) == 80_000
    assert input_credits.outstanding_input_credit(wang.id) == 0
    assert party_balance("1123", zhang.id) == Decimal("1000.00")  # the advance
    assert party_balance("1221", zhang.id) == Decimal("800.00")   # the supplies on credit
    books_hold()

    # Each household grosses ¥1,360.00: 张秀英's advance comes off first, then ¥360 of her ¥800 credit.
    order, _receipt = received
    settlement = services.prepare_order_settlement(coordinator, order, settle_on=DAY)
    db.session.commit()
    lines = {line.household.head_name: line for line in settlement.households}
    assert (lines["张秀英"].recovered_advances, lines["张秀英"].recovered_input_credit, lines["张秀英"].net,
            lines["张秀英"].carried_over) == (Decimal("1000.00"), Decimal("360.00"), Decimal("0.00"),
                                              Decimal("440.00"))
    assert (lines["李桂兰"].recovered_input_credit, lines["李桂兰"].net, lines["李桂兰"].carried_over) == (
        Decimal("200.00"), Decimal("1160.00"), Decimal("0.00"))
    assert (lines["王建国"].recovered_input_credit, lines["王建国"].net) == (Decimal("0.00"), Decimal("1360.00"))
    # the draft already counts: nothing is recovered twice, and recomputing it finds the same
    assert input_credits.outstanding_input_credit(zhang.id) == 44_000
    assert input_credits.outstanding_input_credit(zhang.id, excluding=settlement.id) == 80_000
    services.recompute(coordinator, settlement, settle_on=DAY)
    db.session.commit()
    assert {l.household.head_name: l.recovered_input_credit for l in settlement.households}["张秀英"] == Decimal("360.00")

    post_settlement(settlement, coordinator, accountant)
    recovery = db.session.scalar(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT,
                                                       Voucher.source_id == settlement.id,
                                                       Voucher.summary.like("%扣回%")))
    assert sum(l.debit for l in recovery.lines) == Decimal("1560.00")  # 1000 + 360 + 200
    assert party_balance("1123", zhang.id) == Decimal("0.00")
    assert party_balance("1221", zhang.id) == Decimal("440.00")
    assert party_balance("1221", li.id) == Decimal("0.00")
    assert party_balance("2202", zhang.id) == Decimal("0.00")         # nothing left to pay her in cash
    assert party_balance("2202", li.id) == Decimal("-1160.00")
    books_hold()
    balances = {b.household.head_name: b for b in input_credits.balances()}
    assert (balances["张秀英"].supplied, balances["张秀英"].recovered, balances["张秀英"].outstanding) == (
        Decimal("800.00"), Decimal("360.00"), Decimal("440.00"))
    assert balances["李桂兰"].outstanding == Decimal("0.00") and "王建国" not in balances

    # A later contract delivery of 100 kg 一级 at 6.00: the ¥440 carried over comes off it.
    weighing.issue_slip(coordinator, household_id=zhang.id, variety_id=contract.variety_id, contract_id=contract.id,
                        weighed_at=datetime(2026, 8, 25, 2, 0, tzinfo=timezone.utc), gross="112", tare="12",
                        crates=0, grade_split=[{"grade_id": grades["一级"].id, "amount": "100"}])
    db.session.commit()
    later = services.prepare_contract_batch(coordinator, settle_on=date(2026, 8, 26))
    db.session.commit()
    assert later.kind is SettlementKind.CONTRACT_BATCH
    (line,) = later.households
    assert (line.gross, line.recovered_advances, line.recovered_input_credit, line.net, line.carried_over) == (
        Decimal("600.00"), Decimal("0.00"), Decimal("440.00"), Decimal("160.00"), Decimal("0.00"))
    post_settlement(later, coordinator, accountant)
    assert input_credits.outstanding_input_credit(zhang.id) == 0
    assert party_balance("1221", zhang.id) == Decimal("0.00")
    books_hold()


def test_a_discarded_draft_gives_the_credit_back(received, coordinator):
    zhang = households(received)["张秀英"]
    supply(coordinator, zhang, "250", "k")
    order, _receipt = received
    settlement = services.prepare_order_settlement(coordinator, order, settle_on=DAY)
    db.session.commit()
    assert input_credits.outstanding_input_credit(zhang.id) == 0
    services.discard(coordinator, settlement)
    db.session.commit()
    assert input_credits.outstanding_input_credit(zhang.id) == 25_000


# --- idempotency, roles and bad input -------------------------------------------------------------

def test_the_same_key_and_body_return_the_original_and_another_body_is_refused(received, coordinator, accountant):
    zhang = households(received)["张秀英"]
    credit = supply(coordinator, zhang, "500", "same-key", note="春季追肥")
    again = supply(coordinator, zhang, "500.00", "same-key", note="春季追肥")
    assert again.id == credit.id
    for changed in ({"amount": "500.01"}, {"item": "复合肥 41袋"}, {"issued_on": SUPPLIED - timedelta(days=1)}):
        values = {"item": "复合肥 40袋", "amount": "500", "issued_on": SUPPLIED, "note": "春季追肥", **changed}
        with pytest.raises(IdempotencyConflict):
            input_credits.record_input_credit(coordinator, zhang, idempotency_key="same-key", **values)
        db.session.rollback()
    assert count(InputCredit) == 1
    assert count(Voucher) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "input_credit.record")) == 1


@pytest.mark.parametrize("who", ["villager", "buyer_staff", "admin"])
def test_only_coordinators_and_accountants_record_input_credit(received, request, who):
    zhang = households(received)["张秀英"]
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        input_credits.record_input_credit(user, zhang, item="复合肥", amount="100", issued_on=SUPPLIED, note="",
                                          idempotency_key="nope")
    db.session.rollback()
    assert count(InputCredit) == 0


@pytest.mark.parametrize("values, field", [
    ({"item": "  "}, "item"),
    ({"item": "肥" * 129}, "item"),
    ({"amount": "0"}, "amount"),
    ({"amount": "-5"}, "amount"),
    ({"amount": "12.345"}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"amount": ""}, "amount"),
    ({"amount": "2000000"}, "amount"),
    ({"issued_on": "2026-13-01"}, "issued_on"),
    ({"issued_on": "future"}, "issued_on"),
    ({"note": "x" * 2001}, "note"),
])
def test_bad_input_is_refused_and_nothing_is_written(received, coordinator, values, field):
    zhang = households(received)["张秀英"]
    if values.get("issued_on") == "future":
        values = {**values, "issued_on": local_today() + timedelta(days=1)}
    args = {"item": "复合肥 40袋", "amount": "500", "issued_on": SUPPLIED, "note": "", **values}
    events = count(AuditEvent)
    with pytest.raises(ValidationFailed) as caught:
        input_credits.record_input_credit(coordinator, zhang, idempotency_key="bad", **args)
    assert field in caught.value.fields
    db.session.rollback()
    assert (count(InputCredit), count(Voucher), count(AuditEvent)) == (0, 0, events)
    with pytest.raises(ValidationFailed):
        input_credits.record_input_credit(coordinator, zhang, idempotency_key="  ", item="复合肥", amount="5",
                                          issued_on=SUPPLIED, note="")


# --- voiding -------------------------------------------------------------------------------------------

def test_a_credit_recorded_in_error_is_voided_and_its_waiting_voucher_rejected(received, coordinator, accountant):
    zhang = households(received)["张秀英"]
    credit = supply(coordinator, zhang, "500", "wrong")
    assert input_credits.outstanding_input_credit(zhang.id) == 50_000
    input_credits.void_input_credit(accountant, credit, "录错了户，应为李桂兰")
    db.session.commit()
    assert credit.voided_at is not None and credit.voided_by_id == accountant.id
    assert credit.void_reason == "录错了户，应为李桂兰"
    assert credit.voucher.status is VoucherStatus.REJECTED
    assert input_credits.outstanding_input_credit(zhang.id) == 0
    assert input_credits.balances() == []
    settlement = services.prepare_order_settlement(coordinator, received[0], settle_on=DAY)
    db.session.commit()
    assert all(line.recovered_input_credit == 0 for line in settlement.households)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "input_credit.void"))
    assert event.entity_id == credit.id and event.reason == "录错了户，应为李桂兰"
    books_hold()


def test_a_posted_credit_is_voided_by_a_red_reversal(received, coordinator, accountant, reviewer):
    zhang = households(received)["张秀英"]
    credit = supply(coordinator, zhang, "500", "posted")
    review(credit.voucher, accountant)
    assert party_balance("1221", zhang.id) == Decimal("500.00")
    input_credits.void_input_credit(accountant, credit, "重复登记")
    db.session.commit()
    reversal = db.session.scalar(select(Voucher).where(Voucher.reverses_id == credit.voucher.id))
    assert reversal is not None and reversal.status is VoucherStatus.PREPARED
    assert ledger.is_generated(reversal)
    review(reversal, reviewer)
    assert party_balance("1221", zhang.id) == Decimal("0.00")
    books_hold()


def test_a_credit_a_settlement_already_takes_back_is_not_voided_until_the_draft_is_discarded(
        received, coordinator, accountant):
    zhang = households(received)["张秀英"]
    credit = supply(coordinator, zhang, "500", "taken")
    settlement = services.prepare_order_settlement(coordinator, received[0], settle_on=DAY)
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        input_credits.void_input_credit(accountant, credit, "录错")
    assert settlement.number in caught.value.text()
    db.session.rollback()
    assert credit.voided_at is None and credit.voucher.status is VoucherStatus.PREPARED
    services.discard(coordinator, settlement)
    db.session.commit()
    input_credits.void_input_credit(accountant, credit, "录错")
    db.session.commit()
    assert credit.voided_at is not None


def test_voiding_needs_a_reason_an_accountant_and_happens_once(received, coordinator, accountant):
    zhang = households(received)["张秀英"]
    credit = supply(coordinator, zhang, "500", "once")
    with pytest.raises(ValidationFailed) as caught:
        input_credits.void_input_credit(accountant, credit, "  ")
    assert "reason" in caught.value.fields
    with pytest.raises(PermissionDenied):
        input_credits.void_input_credit(coordinator, credit, "录错")
    db.session.rollback()
    assert credit.voided_at is None
    input_credits.void_input_credit(accountant, credit, "录错")
    db.session.commit()
    with pytest.raises(Conflict, match=re.escape(str(_l("This input credit is already void.")))):
        input_credits.void_input_credit(accountant, credit, "录错")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "input_credit.void")) == 1


def test_verify_sees_a_void_credit_whose_posted_voucher_stands(received, coordinator, accountant):
    zhang = households(received)["张秀英"]
    credit = supply(coordinator, zhang, "500", "tamper")
    review(credit.voucher, accountant)
    credit.voided_at, credit.void_reason = datetime(2026, 8, 22, tzinfo=timezone.utc), "behind the service's back"
    db.session.commit()
    assert services.verify() == [f"input credit {credit.number}: void, yet its posted voucher is not reversed"]


# --- the API ------------------------------------------------------------------------------------------

def test_input_credit_through_the_api(client, login, received, coordinator, villager, buyer_staff):
    zhang = households(received)["张秀英"]
    login(coordinator)
    body = {"household_id": zhang.id, "item": "复合肥 40袋", "amount": "480.00", "issued_on": SUPPLIED.isoformat()}
    response = client.post("/api/v1/input-credits", json=body, headers={"Idempotency-Key": "api-1"})
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert (made["number"], made["amount"], made["household_name"], made["item"]) == (
        "NZ2026-0001", "480.00", "张秀英", "复合肥 40袋")
    assert made["voucher"]["status"] == "prepared" and "赊销农资给张秀英" in made["voucher"]["summary"]
    replay = client.post("/api/v1/input-credits", json=body, headers={"Idempotency-Key": "api-1"})
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.get_json()["id"] == made["id"]
    conflict = client.post("/api/v1/input-credits", json={**body, "amount": "481"},
                           headers={"Idempotency-Key": "api-1"})
    assert conflict.status_code == 409
    assert client.post("/api/v1/input-credits", json=body).status_code == 422  # a key is required
    bad = client.post("/api/v1/input-credits", json={**body, "amount": "0"}, headers={"Idempotency-Key": "api-2"})
    assert bad.status_code == 422 and "amount" in bad.get_json()["error"]["fields"]
    unknown = client.post("/api/v1/input-credits", json={**body, "household_id": 999_999},
                          headers={"Idempotency-Key": "api-3"})
    assert unknown.status_code == 422 and "household_id" in unknown.get_json()["error"]["fields"]
    assert count(InputCredit) == 1

    listed = client.get(f"/api/v1/input-credits?household_id={zhang.id}").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == made["id"]
    assert client.get("/api/v1/input-credits?household_id=999999").get_json()["total"] == 0
    assert client.get(f"/api/v1/input-credits/{made['id']}").get_json()["number"] == "NZ2026-0001"
    assert client.get("/api/v1/input-credits/999999").status_code == 404

    for user in (villager, buyer_staff):
        client.post("/logout")
        login(user)
        assert client.get("/api/v1/input-credits").status_code == 403
        assert client.get(f"/api/v1/input-credits/{made['id']}").status_code == 403
        assert client.post("/api/v1/input-credits", json=body, headers={"Idempotency-Key": f"no-{user.id}"}
                           ).status_code == 403
    assert count(InputCredit) == 1

    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/input-credits"])
    assert "get" in spec["paths"]["/api/v1/input-credits/{credit_id}"]


# --- the pages ----------------------------------------------------------------------------------------

def test_the_page_records_input_credit_once_and_settlements_show_it_apart(
        client, login, received, coordinator, accountant, make_user, buyer_staff):
    zhang = households(received)["张秀英"]
    login(coordinator)
    page = client.get("/input-credits/").get_data(as_text=True)
    assert 'name="item"' in page and "张秀英" in page
    assert 'href="/input-credits/"' in client.get("/settlements/").get_data(as_text=True)  # in the navigation
    data = {"idempotency_key": hidden(page, "idempotency_key"), "household_id": str(zhang.id), "item": "复合肥 40袋",
            "amount": "", "issued_on": SUPPLIED.isoformat(), "note": ""}
    response = client.post("/input-credits/", data=data)
    assert response.status_code == 422
    assert translated(_l("Enter an amount in yuan, e.g. 500.00.")) in response.get_data(as_text=True)
    assert count(InputCredit) == 0
    data["amount"] = "360.50"
    assert client.post("/input-credits/", data=data).status_code == 302
    assert client.post("/input-credits/", data=data).status_code == 302  # a double submit records it once
    assert count(InputCredit) == 1
    page = client.get("/input-credits/").get_data(as_text=True)
    assert "NZ2026-0001" in page and "¥360.50" in page and "复合肥 40袋" in page
    page = client.get(f"/input-credits/?household_id={zhang.id}").get_data(as_text=True)
    assert "NZ2026-0001" in page

    order, _receipt = received
    settlement = services.prepare_order_settlement(coordinator, order, settle_on=DAY)
    db.session.commit()
    page = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    assert translated(_l("Farm supplies on credit set off")) in page and "¥360.50" in page
    assert client.get(f"/settlements/{settlement.id}/print").status_code == 200
    page = client.get("/input-credits/").get_data(as_text=True)
    assert "¥0.00" in page  # nothing left to recover once the draft takes it

    services.submit(coordinator, settlement)
    services.approve(accountant, settlement)
    services.post(accountant, settlement)
    villager = make_user(RoleName.VILLAGER, name="张秀英", household=zhang)
    db.session.commit()
    client.post("/logout")
    login(villager)
    statement = client.get("/me/statement?month=2026-08").get_data(as_text=True)
    assert translated(_l("Farm supplies on credit")) in statement and "¥360.50" in statement
    assert client.get("/input-credits/").status_code == 403
    client.post("/logout")
    login(buyer_staff)
    assert client.get("/input-credits/").status_code == 403
    assert client.post("/input-credits/", data=data).status_code == 403


# --- the demo ------------------------------------------------------------------------------------------

def test_the_demo_peach_settlement_recovers_the_fertiliser_given_on_credit(app):
    load_demo(date(2026, 8, 20))
    db.session.commit()
    credits = db.session.scalars(select(InputCredit).order_by(InputCredit.id)).all()
    assert len(credits) == 3 and sum(c.amount for c in credits) == Decimal("1155.00")
    assert {c.voucher.status for c in credits} == {VoucherStatus.POSTED}
    assert all(c.issued_on >= date(2026, 8, 1) for c in credits)  # July is closed in the demo
    peach = db.session.scalar(select(Settlement).where(Settlement.kind == SettlementKind.ORDER)
                              .order_by(Settlement.id).limit(1))
    assert sum(line.recovered_input_credit for line in peach.households) == Decimal("1155.00")
    assert all(input_credits.outstanding_input_credit(c.household_id) == 0 for c in credits)
    books_hold()


def test_a_credit_is_voided_on_its_page_and_through_the_api(client, login, received, coordinator, accountant):
    zhang = households(received)["张秀英"]
    first = supply(coordinator, zhang, "500", "page-void")
    second = supply(coordinator, zhang, "120", "api-void")
    login(coordinator)
    page = client.get("/input-credits/").get_data(as_text=True)
    assert f"/input-credits/{first.id}/void" not in page  # coordinators record, accountants void
    assert client.post(f"/api/v1/input-credits/{first.id}/void", json={"reason": "录错"}).status_code == 403
    client.post("/logout")
    login(accountant)
    page = client.get("/input-credits/").get_data(as_text=True)
    assert f'action="/input-credits/{first.id}/void"' in page
    response = client.post(f"/input-credits/{first.id}/void", data={f"v{first.id}-reason": "录错了户"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(InputCredit, first.id).void_reason == "录错了户"
    page = client.get("/input-credits/").get_data(as_text=True)
    assert "录错了户" in page and f'action="/input-credits/{first.id}/void"' not in page
    assert "¥120.00" in page  # what is still to recover leaves the void credit out

    assert client.post(f"/api/v1/input-credits/{second.id}/void", json={"reason": ""}).status_code == 422
    made = client.post(f"/api/v1/input-credits/{second.id}/void", json={"reason": "重复"})
    assert made.status_code == 200 and made.get_json()["void_reason"] == "重复"
    assert made.get_json()["voucher"]["status"] == "rejected"
    again = client.post(f"/api/v1/input-credits/{second.id}/void", json={"reason": "重复"})
    assert again.status_code == 409
    assert input_credits.outstanding_input_credit(zhang.id) == 0


def test_the_statement_shows_what_the_next_settlements_will_take_back(
        client, login, received, coordinator, accountant, reviewer, make_contract, make_user):
    from market.books import statements as books

    zhang = households(received)["张秀英"]
    contract = make_contract("active", household_id=zhang.id)
    contracts.record_prepayment(coordinator, contract, "advance", "1000", paid_on=date(2026, 7, 10))
    supply(coordinator, zhang, "800", "statement-credit")
    settlement = services.prepare_order_settlement(coordinator, received[0], settle_on=DAY)
    db.session.commit()
    # a draft takes nothing back yet as far as the household is told
    statement = books.household_statement(accountant, zhang, "2026-01-01", "2026-12-31")
    assert (statement.advances_to_set_off, statement.credit_to_set_off) == (Decimal("1000.00"), Decimal("800.00"))
    post_settlement(settlement, coordinator, accountant)
    statement = books.household_statement(accountant, zhang, "2026-01-01", "2026-12-31")
    assert (statement.advances_to_set_off, statement.credit_to_set_off) == (Decimal("0.00"), Decimal("440.00"))
    villager = make_user(RoleName.VILLAGER, name="张秀英", household=zhang)
    db.session.commit()
    login(villager)
    page = client.get("/me/statement").get_data(as_text=True)
    assert translated(_l("To be taken back")) in page and "¥440.00" in page
