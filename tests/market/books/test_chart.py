"""Editing the chart of accounts (科目表): codes in small-enterprise numbering, renaming, the party type
(辅助核算) fixed once used, deactivation rules, who may do it; the page and the API."""
from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from market.errors import Conflict, PermissionDenied, ValidationFailed
from market.ledger import chart
from market.ledger import services as ledger
from models import Account, AccountKind, AuditEvent, PartyType, Voucher, VoucherStatus, db
from tests.market.settlements.conftest import books, reviewer  # noqa: F401  (fixtures)

DAY = date(2026, 11, 2)


def by_code(code: str) -> Account:
    return db.session.scalar(select(Account).where(Account.code == code))


def voucher(actor, key: str, *lines: ledger.LineInput, summary: str = "测试") -> Voucher:
    return ledger.prepare_voucher(actor, voucher_date=DAY, summary=summary, lines=list(lines), idempotency_key=key)


def posted(actor, reviewer, key: str, *lines: ledger.LineInput) -> Voucher:
    found = voucher(actor, key, *lines)
    ledger.approve(reviewer, found)
    ledger.post(reviewer, found)
    db.session.commit()
    return found


def events(action: str) -> list[AuditEvent]:
    """What the test did (not the opening funds the ledger starts with)."""
    return [event for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                                  .order_by(AuditEvent.id))
            if "opening-capital" not in str(event.after)]


def refusal(error, field: str | None = None) -> str:
    """The refusal's English msgid text (of one field, or the whole message), whatever the UI's language."""
    with force_locale("en"):
        return " ".join(error.value.field_texts().get(field, [])) if field else error.value.text()


def in_english(*users) -> None:
    for user in users:
        user.locale = "en"
    db.session.commit()


# --- creating ---------------------------------------------------------------------------------------

def test_an_accountant_adds_a_first_level_account_and_a_sub_account(books, accountant):
    rent = chart.create_account(accountant, code="5602", name="  管理费用 ", kind="expense")
    freight = chart.create_account(accountant, code="560101", name="运输费", kind=AccountKind.EXPENSE)
    packing = chart.create_account(accountant, code="02", name="包装费", kind="expense", parent=by_code("5601"))
    db.session.commit()
    assert (rent.code, rent.name, rent.kind, rent.party_type, rent.active) == (
        "5602", "管理费用", AccountKind.EXPENSE, PartyType.NONE, True)
    assert freight.code == "560101" and packing.code == "560102"
    created = events("account.create")
    assert [e.after["code"] for e in created] == ["5602", "560101", "560102"]
    assert created[0].actor_id == accountant.id and created[0].after["kind"] == "expense"
    deeper = chart.create_account(accountant, code="56010101", name="冷链运输", kind="expense",
                                  party_type="buyer")
    assert deeper.party_type is PartyType.BUYER


@pytest.mark.parametrize("code, message", [
    ("", "digits only"), ("56O1", "digits only"), ("5601.01", "digits only"), (" 1 2 ", "digits only"),
    ("560", "four digits"), ("56011", "four digits"), ("12345678901234567", "four digits"),
    ("6601", "starts with 1"), ("0001", "starts with 1"),
    ("1002", "is taken"),
    ("660101", "starts with 1"),
    ("560301", "no account 5603"),
])
def test_bad_codes_are_refused(books, accountant, code, message):
    with pytest.raises(ValidationFailed) as error:
        chart.create_account(accountant, code=code, name="某科目", kind="expense")
    assert message in refusal(error, "code")
    assert not events("account.create")


def test_the_seeded_vat_accounts_form_the_2221_tree_and_a_parent_takes_no_lines(books, accountant):
    tree = {code: by_code(code).name for code in ("2221", "222101", "22210101", "22210102", "22210103",
                                                    "22210104", "222102")}
    assert tree == {"2221": "应交税费", "222101": "应交增值税", "22210101": "进项税额", "22210102": "销项税额",
                    "22210103": "进项税额转出", "22210104": "转出未交增值税", "222102": "未交增值税"}
    # a new sub-account under a seeded one follows the usual rule
    assert chart.create_account(accountant, code="2221010101", name="农产品收购发票", kind="liability").active
    for parent in ("2221", "222101", "22210101"):
        with pytest.raises(ValidationFailed) as error:
            ledger.prepare_voucher(accountant, voucher_date=date(2026, 8, 1), summary="试记上级科目",
                                   lines=[ledger.LineInput(parent, debit="1.00"), ledger.LineInput("1002", credit="1.00")],
                                   idempotency_key=f"parent-{parent}")
        assert "sub-accounts" in refusal(error, "lines")
    assert not events("voucher.prepare")


def test_names_kinds_and_party_types_are_checked(books, accountant):
    with pytest.raises(ValidationFailed) as error:
        chart.create_account(accountant, code="5602", name="   ", kind="spending", party_type="vendor")
    assert set(error.value.fields) == {"name", "kind", "party_type"}
    with pytest.raises(ValidationFailed) as error:
        chart.create_account(accountant, code="5602", name="费" * 65, kind="expense")
    assert "64" in refusal(error, "name")
    assert chart.create_account(accountant, code="5602", name="费" * 64, kind="expense").name == "费" * 64
    with pytest.raises(ValidationFailed) as error:
        chart.create_account(accountant, code="1231", name="坏账准备", kind="liability")
    assert "first digit" in refusal(error, "kind")
    for code, kind in (("5051", "revenue"), ("5402", "cost"), ("5603", "expense")):  # class 5: profit and loss
        chart.create_account(accountant, code=code, name=kind, kind=kind)
    with pytest.raises(ValidationFailed) as error:
        chart.create_account(accountant, code="560101", name="运输费", kind="revenue")
    assert "parent's kind" in refusal(error, "kind")
    with pytest.raises(ValidationFailed) as error:
        chart.create_account(accountant, code="560101", name="运输费", kind="expense", parent=by_code("5001"))
    assert "starting with 5001" in refusal(error, "code")


def test_no_sub_account_under_an_inactive_account(books, accountant):
    misc = chart.create_account(accountant, code="5801", name="所得税费用", kind="expense")
    chart.deactivate(accountant, misc)
    with pytest.raises(ValidationFailed) as error:
        chart.create_account(accountant, code="580101", name="当期所得税", kind="expense")
    assert "inactive" in refusal(error, "code")


# --- renaming and the party type --------------------------------------------------------------------

def test_renaming_keeps_the_code_and_is_audited(books, accountant):
    bank = by_code("1002")
    chart.rename_account(accountant, bank, " 银行存款—信合 ")
    chart.rename_account(accountant, bank, "银行存款—信合")  # no change, no event
    db.session.commit()
    assert (bank.code, bank.name) == ("1002", "银行存款—信合")
    [event] = events("account.rename")
    assert event.before == {"name": "银行存款"} and event.after == {"name": "银行存款—信合"}
    with pytest.raises(ValidationFailed):
        chart.rename_account(accountant, bank, "  ")


def test_the_party_type_is_fixed_once_a_voucher_uses_the_account(books, accountant):
    deposits = chart.create_account(accountant, code="2241", name="其他应付款", kind="liability")
    chart.set_party_type(accountant, deposits, "household")
    chart.set_party_type(accountant, deposits, PartyType.HOUSEHOLD)  # unchanged: nothing happens
    [event] = events("account.party_type")
    assert event.before == {"party_type": "none"} and event.after == {"party_type": "household"}
    voucher(accountant, "uses-2241", ledger.LineInput("1002", debit="10.00"),
            ledger.LineInput("2241", credit="10.00", party_type="household", party_id=1))
    db.session.commit()
    with pytest.raises(Conflict) as error:
        chart.set_party_type(accountant, deposits, "none")
    assert "2241" in refusal(error, "party_type")
    assert deposits.party_type is PartyType.HOUSEHOLD


def test_a_standard_accounts_party_type_never_changes(books, accountant):
    with pytest.raises(Conflict):
        chart.set_party_type(accountant, by_code("1001"), "household")
    with pytest.raises(ValidationFailed):
        chart.set_party_type(accountant, by_code("1001"), "nobody")


# --- deactivation -----------------------------------------------------------------------------------

@pytest.mark.parametrize("code", [code for code, *_rest in ledger.CHART])
def test_standard_accounts_cannot_be_deactivated(books, accountant, code):
    with pytest.raises(Conflict) as error:
        chart.deactivate(accountant, by_code(code))
    assert "standard account" in refusal(error)
    assert by_code(code).active


def test_an_inactive_account_takes_no_new_voucher(books, accountant):
    spare = chart.create_account(accountant, code="1231", name="坏账准备", kind="asset")
    chart.deactivate(accountant, spare, reason="不再使用")
    db.session.commit()
    [event] = events("account.deactivate")
    assert event.reason == "不再使用" and event.after == {"active": False}
    with pytest.raises(ValidationFailed) as error:
        voucher(accountant, "on-inactive", ledger.LineInput("1231", debit="5.00"),
                ledger.LineInput("1002", credit="5.00"))
    assert "1231" in refusal(error, "lines")
    chart.reactivate(accountant, spare)
    assert voucher(accountant, "on-active", ledger.LineInput("1231", debit="5.00"),
                   ledger.LineInput("1002", credit="5.00")).status is VoucherStatus.PREPARED
    assert [e.action for e in events("account.reactivate")] == ["account.reactivate"]


def test_deactivation_waits_for_a_zero_balance_and_for_review(books, accountant, reviewer):
    loans = chart.create_account(accountant, code="2001", name="短期借款", kind="liability")
    db.session.commit()
    borrowed = voucher(accountant, "borrow", ledger.LineInput("1002", debit="1000.00"),
                       ledger.LineInput("2001", credit="1000.00"))
    with pytest.raises(Conflict) as error:
        chart.deactivate(accountant, loans)
    assert "waiting for review" in refusal(error)
    ledger.approve(reviewer, borrowed)
    ledger.post(reviewer, borrowed)
    with pytest.raises(Conflict) as error:
        chart.deactivate(accountant, loans)
    assert "balance" in refusal(error)
    posted(accountant, reviewer, "repay-part", ledger.LineInput("2001", debit="999.99"),
           ledger.LineInput("1002", credit="999.99"))
    with pytest.raises(Conflict):
        chart.deactivate(accountant, loans)  # a fen is still owed
    posted(accountant, reviewer, "repay-rest", ledger.LineInput("2001", debit="0.01"),
           ledger.LineInput("1002", credit="0.01"))
    assert chart.balances()[loans.id] == 0
    assert chart.deactivate(accountant, loans).active is False


def test_a_balance_of_one_party_blocks_deactivation_even_when_the_account_nets_to_zero(books, accountant, reviewer):
    deposits = chart.create_account(accountant, code="2241", name="其他应付款", kind="liability",
                                    party_type="household")
    db.session.commit()
    posted(accountant, reviewer, "deposits",
           ledger.LineInput("2241", debit="50.00", party_type="household", party_id=1),
           ledger.LineInput("2241", credit="50.00", party_type="household", party_id=2))
    assert chart.balances()[deposits.id] == 0
    with pytest.raises(Conflict) as error:
        chart.deactivate(accountant, deposits)
    assert "balance" in refusal(error)


def test_sub_accounts_go_first_and_come_back_last(books, accountant):
    parent = chart.create_account(accountant, code="5602", name="管理费用", kind="expense")
    child = chart.create_account(accountant, code="560201", name="办公费", kind="expense")
    with pytest.raises(Conflict) as error:
        chart.deactivate(accountant, parent)
    assert "sub-accounts" in refusal(error)
    chart.deactivate(accountant, child)
    chart.deactivate(accountant, parent)
    with pytest.raises(Conflict) as error:
        chart.reactivate(accountant, child)
    assert "5602" in refusal(error)
    chart.reactivate(accountant, parent)
    assert chart.reactivate(accountant, child).active


# --- who may ----------------------------------------------------------------------------------------

def test_only_accountants_change_the_chart(books, accountant, coordinator, villager, admin):
    cash = by_code("1001")
    for someone in (coordinator, villager, admin):
        with pytest.raises(PermissionDenied):
            chart.create_account(someone, code="5602", name="管理费用", kind="expense")
        with pytest.raises(PermissionDenied):
            chart.rename_account(someone, cash, "现金")
        with pytest.raises(PermissionDenied):
            chart.set_party_type(someone, cash, "buyer")
        with pytest.raises(PermissionDenied):
            chart.deactivate(someone, cash)
        with pytest.raises(PermissionDenied):
            chart.reactivate(someone, cash)
    for someone in (coordinator, villager):
        with pytest.raises(PermissionDenied):
            chart.rows(someone)
    assert len(chart.rows(admin)) == len(ledger.CHART)


def test_coordinators_and_villagers_are_kept_out(client, login, books, accountant, coordinator, villager):
    spare = chart.create_account(accountant, code="1231", name="坏账准备", kind="asset")
    db.session.commit()
    for someone in (coordinator, villager):
        login(someone)
        assert client.get("/books/accounts").status_code == 403
        assert client.post("/books/accounts", data={"code": "5602", "name": "x", "kind": "expense",
                                                    "party_type": "none"}).status_code == 403
        assert client.post(f"/books/accounts/{spare.id}/deactivate").status_code == 403
        assert client.post(f"/books/accounts/{spare.id}/edit", data={f"a{spare.id}-name": "x"}).status_code == 403
        assert client.post("/api/v1/accounts", json={"code": "5602", "name": "x", "kind": "expense"}).status_code == 403
        assert client.patch(f"/api/v1/accounts/{spare.id}", json={"active": False}).status_code == 403
        client.post("/logout")
    assert spare.active and by_code("5602") is None


# --- the page ---------------------------------------------------------------------------------------

def test_the_page_shows_the_chart_with_balances(client, login, books, accountant, reviewer, admin):
    posted(accountant, reviewer, "capital", ledger.LineInput("1002", debit="5000.00"),
           ledger.LineInput("3001", credit="5000.00"))
    spare = chart.create_account(accountant, code="560101", name="运输费", kind="expense")
    db.session.commit()
    login(accountant)
    page = client.get("/books/accounts").get_data(as_text=True)
    # on top of the opening funds every ledger here starts with (1002 ¥1,000,000.00, 3001 ¥1,070,000.00)
    for text in ("1002", "银行存款", "222101", "5601", "销售费用", "借 1,005,000.00", "贷 1,075,000.00", 'name="code"',
                 f"/books/accounts/{spare.id}/deactivate", f"/books/accounts/{spare.id}/edit", 'class="level-2"'):
        assert text in page, text
    assert "/books/accounts" in client.get("/books/").get_data(as_text=True)
    client.post("/logout")
    login(admin)
    page = client.get("/books/accounts").get_data(as_text=True)
    assert "银行存款" in page and 'name="code"' not in page and "/deactivate" not in page and "/edit" not in page


def test_adding_renaming_and_retiring_on_the_page(client, login, books, accountant):
    in_english(accountant)
    login(accountant)
    response = client.post("/books/accounts", data={"code": "560101", "name": "运输费", "kind": "expense",
                                                    "party_type": "none"})
    assert response.status_code == 302
    account = by_code("560101")
    assert account.name == "运输费"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "560101" in page and "运输费" in page
    refused = client.post("/books/accounts", data={"code": "560101", "name": "重复", "kind": "expense",
                                                   "party_type": "none"})
    assert refused.status_code == 422 and "is taken" in refused.get_data(as_text=True)
    refused = client.post("/books/accounts", data={"code": "56x1", "name": "错", "kind": "expense",
                                                   "party_type": "none"})
    assert refused.status_code == 422 and "digits only" in refused.get_data(as_text=True)
    edited = client.post(f"/books/accounts/{account.id}/edit",
                         data={f"a{account.id}-name": "运输费—物流", f"a{account.id}-party_type": "buyer"})
    assert edited.status_code == 302 and edited.headers["Location"].endswith("#account-560101")
    assert "运输费—物流" in client.get("/books/accounts").get_data(as_text=True)
    db.session.refresh(account)
    assert (account.name, account.party_type) == ("运输费—物流", PartyType.BUYER)
    client.post(f"/books/accounts/{account.id}/deactivate")
    db.session.refresh(account)
    assert account.active is False
    client.post(f"/books/accounts/{account.id}/reactivate")
    db.session.refresh(account)
    assert account.active is True
    cash = by_code("1001")
    assert client.post(f"/books/accounts/{cash.id}/deactivate").status_code == 302
    assert "standard account" in client.get("/books/accounts").get_data(as_text=True)  # the flashed reason
    assert by_code("1001").active


# --- the API ----------------------------------------------------------------------------------------

def test_the_api_creates_idempotently_and_patches(client, login, books, accountant):
    in_english(accountant)
    login(accountant)
    body = {"code": "5602", "name": "管理费用", "kind": "expense"}
    headers = {"Idempotency-Key": "account-5602"}
    created = client.post("/api/v1/accounts", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    account = created.get_json()
    assert account["code"] == "5602" and account["party_type"] == "none" and account["active"] is True
    again = client.post("/api/v1/accounts", json=body, headers=headers)
    assert again.status_code == 201 and again.get_json()["id"] == account["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert client.post("/api/v1/accounts", json=dict(body, name="别的"), headers=headers).status_code == 409
    duplicate = client.post("/api/v1/accounts", json=body)
    assert duplicate.status_code == 422 and "code" in duplicate.get_json()["error"]["fields"]
    assert client.post("/api/v1/accounts", json=dict(body, code="5603", kind="spending")).status_code == 422
    assert len(events("account.create")) == 1

    patched = client.patch(f"/api/v1/accounts/{account['id']}", json={"name": "管理费用—办公", "party_type": "buyer"})
    assert patched.status_code == 200
    assert (patched.get_json()["name"], patched.get_json()["party_type"]) == ("管理费用—办公", "buyer")
    assert client.patch(f"/api/v1/accounts/{account['id']}", json={"active": False}).get_json()["active"] is False
    assert client.patch(f"/api/v1/accounts/{account['id']}", json={"active": True}).get_json()["active"] is True
    cash = by_code("1001")
    refused = client.patch(f"/api/v1/accounts/{cash.id}", json={"name": "现金", "active": False})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "conflict"
    assert by_code("1001").name == "库存现金"  # the whole change was refused
    assert client.patch("/api/v1/accounts/999999", json={"name": "x"}).status_code == 404
    assert client.patch(f"/api/v1/accounts/{cash.id}", json={"name": ""}).status_code == 422
    codes = [a["code"] for a in client.get("/api/v1/accounts").get_json()]
    assert "5602" in codes


def test_the_openapi_document_describes_the_chart(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/accounts"])
    assert any(p["name"] == "Idempotency-Key" for p in paths["/api/v1/accounts"]["post"].get("parameters", []))
    assert "patch" in paths["/api/v1/accounts/{account_id}"]
