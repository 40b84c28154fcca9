"""A household's payout account changes only under four eyes: whoever asks for the change, an
accountant who did not ask approves it; until then every payout goes to the old account, and a
payout to an account changed lately is flagged where the accountant pays."""
from __future__ import annotations

from sqlalchemy import select

from models import AuditEvent, Household, PayeeChange, RoleName, db
from tests.market.settlements.conftest import (  # noqa: F401  (fixtures)
    allocated, books, buyer, buyer_staff, collected, make_lot, make_order, received, reviewer, shipped, weigh,
)
from tests.market.settlements.test_api import DAY, posted_settlement, switch

OLD = "6230270100012345678"
NEW = "6222020200000000666"


def _batch(client, household_id: int, amount: str, key: str) -> str:
    body = {"paid_on": DAY, "payments": [{"household_id": household_id, "amount": amount}]}
    response = client.post("/api/v1/payments/batches", json=body, headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.get_json()
    return client.get(f"/api/v1/payments/batches/{response.get_json()['id']}/bank-file").get_data(as_text=True)


def test_a_coordinator_cannot_redirect_payouts_by_changing_the_account(
        client, login, received, accountant, reviewer, coordinator):
    settlement = posted_settlement(client, login, received, accountant, reviewer)
    household_id = settlement["households"][0]["household_id"]
    switch(client, login, coordinator)
    answer = client.patch(f"/api/v1/households/{household_id}",
                          json={"account_number": NEW, "bank_name": "工商银行"})
    assert answer.status_code == 202, answer.get_json()
    assert answer.get_json()["payee_change"]["status"] == "pending"
    assert db.session.get(Household, household_id).account_number == OLD

    switch(client, login, accountant)
    text = _batch(client, household_id, "100.00", "before-approval")
    assert OLD in text and NEW not in text

    # the accountant sees the change in full and approves it; only then does the money follow
    pending = client.get("/api/v1/payee-changes?status=pending").get_json()
    assert [(c["household_id"], c["account_number"], c["old_account_number"]) for c in pending["items"]] == [
        (household_id, NEW, OLD)]
    approved = client.post(f"/api/v1/payee-changes/{pending['items'][0]['id']}/approve")
    assert approved.status_code == 200, approved.get_json()
    household = db.session.get(Household, household_id)
    assert (household.account_number, household.bank_name) == (NEW, "工商银行")
    assert household.payee_changed_at is not None
    text = _batch(client, household_id, "100.00", "after-approval")
    assert NEW in text
    # where the accountant pays, a freshly changed account is flagged; past the window it is not
    flag = "付款前请核实"
    assert flag in client.get("/payments/batch").get_data(as_text=True)
    assert flag in client.get(f"/payments/pay?household_id={household_id}").get_data(as_text=True)
    others = [line["household_id"] for line in settlement["households"][1:]]
    assert flag not in client.get(f"/payments/pay?household_id={others[0]}").get_data(as_text=True)
    client.application.config["PAYEE_CHANGE_FLAG_DAYS"] = 0
    assert flag not in client.get("/payments/batch").get_data(as_text=True)
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("payee_change.%"))))
    assert actions == {"payee_change.request", "payee_change.view", "payee_change.approve"}


def test_no_one_approves_their_own_request_and_only_accountants_approve(
        client, login, make_user, make_household, accountant, coordinator, villager, admin):
    both = make_user(RoleName.COORDINATOR, RoleName.ACCOUNTANT, name="兼职会计")
    household = make_household("王大山")
    db.session.commit()
    login(both)
    assert client.patch(f"/api/v1/households/{household.id}", json={"account_number": NEW}).status_code == 202
    change = db.session.scalar(select(PayeeChange))
    own = client.post(f"/api/v1/payee-changes/{change.id}/approve")
    assert own.status_code == 409 and "另一位会计" in own.get_json()["error"]["message"]
    for user in (coordinator, villager, admin):
        switch(client, login, user)
        assert client.post(f"/api/v1/payee-changes/{change.id}/approve").status_code == 403, user.name
    assert db.session.get(Household, household.id).account_number == OLD
    switch(client, login, accountant)
    refused = client.post(f"/api/v1/payee-changes/{change.id}/reject", json={"reason": "户主电话核实：未申请变更"})
    assert refused.status_code == 200
    assert client.post(f"/api/v1/payee-changes/{change.id}/approve").status_code == 409  # decided once
    assert db.session.get(Household, household.id).account_number == OLD


def test_a_new_request_replaces_the_pending_one_and_bad_accounts_are_refused_at_once(
        client, login, make_household, coordinator, accountant):
    household = make_household("李桂兰")
    db.session.commit()
    login(coordinator)
    bad = client.patch(f"/api/v1/households/{household.id}", json={"account_number": "12ab"})
    assert bad.status_code == 422 and "account_number" in bad.get_json()["error"]["fields"]
    assert db.session.scalar(select(PayeeChange.id)) is None
    assert client.patch(f"/api/v1/households/{household.id}", json={"account_number": NEW}).status_code == 202
    again = client.patch(f"/api/v1/households/{household.id}",
                         json={"payout_method": "wechat", "account_number": "wxid_lgl2026"})
    assert again.status_code == 202
    changes = db.session.scalars(select(PayeeChange).order_by(PayeeChange.id)).all()
    assert [c.status.value for c in changes] == ["superseded", "pending"]
    # other fields still change at once, with no request
    same = client.patch(f"/api/v1/households/{household.id}", json={"note": "新修的路口东边"})
    assert same.status_code == 200 and db.session.get(Household, household.id).note == "新修的路口东边"
    # sending the account it already has asks for nothing
    unchanged = client.patch(f"/api/v1/households/{household.id}", json={"account_number": OLD})
    assert unchanged.status_code == 200
    assert db.session.scalar(select(PayeeChange).where(PayeeChange.status == "pending")).account_number == "wxid_lgl2026"


# --- the pages ---------------------------------------------------------------------------------

def _edit(client, household, **changes):
    data = {"head_name": household.head_name, "id_number": "", "phone": "", "account_number": "",
            "village_id": str(household.village_id), "group_id": str(household.group_id), "party_group_id": "",
            "payout_method": household.payout_method.value, "bank_name": household.bank_name, "note": "",
            "active": "y", **changes}
    response = client.post(f"/admin/households/{household.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client.get(response.headers["Location"])


def test_through_the_pages_the_change_waits_is_shown_and_approved_by_another_accountant(
        client, login, make_household, make_user, coordinator, accountant, villager):
    household = make_household("赵红梅")
    db.session.commit()
    login(coordinator)
    page = _edit(client, household, account_number=NEW, bank_name="工商银行").get_data(as_text=True)
    assert "须会计审核通过后才生效" in page and "收款账户变更待会计审核" in page and "**** 0666" in page
    assert db.session.get(Household, household.id).account_number == OLD

    switch(client, login, accountant)
    home = client.get("/home").get_data(as_text=True)
    assert "待您审核的收款账户变更" in home
    listing = client.get("/admin/payee-changes").get_data(as_text=True)
    assert OLD in listing and NEW in listing and "赵红梅" in listing  # in full, for the approver
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "payee_change.view")) is not None
    change = db.session.scalar(select(PayeeChange))
    done = client.post(f"/admin/payee-changes/{change.id}", data={"approve": "y"})
    assert "已同意" in client.get(done.headers["Location"]).get_data(as_text=True)
    household = db.session.get(Household, household.id)
    assert household.account_number == NEW and household.payee_changed_at is not None
    assert "自 " in client.get(f"/admin/households/{household.id}").get_data(as_text=True)

    # the coordinator sees no approval page; the villager is kept out of it too
    for user in (coordinator, villager):
        switch(client, login, user)
        assert client.get("/admin/payee-changes").status_code == 403
        assert client.post(f"/admin/payee-changes/{change.id}", data={"approve": "y"}).status_code == 403


def test_the_requester_sees_why_there_is_no_approve_button(client, login, make_user, make_household):
    both = make_user(RoleName.COORDINATOR, RoleName.ACCOUNTANT, name="兼职会计")
    household = make_household("钱多多")
    db.session.commit()
    login(both)
    _edit(client, household, account_number=NEW)
    change = db.session.scalar(select(PayeeChange))
    page = client.get("/admin/payee-changes").get_data(as_text=True)
    assert f'id="own-{change.id}"' in page and f'id="approve-{change.id}"' not in page
    forged = client.post(f"/admin/payee-changes/{change.id}", data={"approve": "y"})
    assert "另一位会计" in client.get(forged.headers["Location"]).get_data(as_text=True)
    assert db.session.get(Household, household.id).account_number == OLD
