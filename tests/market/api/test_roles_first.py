"""A caller without the role is refused before the API reads the body: 403 ``forbidden``, never the
field errors that would tell them what the accountants' forms hold."""
from __future__ import annotations

import pytest

#: accountant-only writes (the money paths), each with a body no schema accepts
ACCOUNTANT_WRITES = [
    ("POST", "/api/v1/payments/household-payouts"),
    ("POST", "/api/v1/payments/buyer-receipts"),
    ("POST", "/api/v1/payments/batches"),
    ("POST", "/api/v1/payments/999/void"),
    ("POST", "/api/v1/prepayments/999/payment"),
    ("POST", "/api/v1/vouchers"),
    ("POST", "/api/v1/vouchers/999/reverse"),
    ("POST", "/api/v1/periods"),
    ("POST", "/api/v1/periods/999/reopen"),
    ("POST", "/api/v1/accounts"),
    ("PATCH", "/api/v1/accounts/999"),
    ("POST", "/api/v1/settlements/999/return"),
    ("POST", "/api/v1/contracts/999/deposit-closure"),
    ("POST", "/api/v1/input-credits/999/void"),
]
MALFORMED = [{}, {"household_id": "not a number", "amount": "a lot", "reason": 7, "lines": "none"}]


def _refused_before_the_body(response) -> None:
    assert response.status_code == 403, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "forbidden"
    assert "fields" not in error


@pytest.mark.parametrize("method,url", ACCOUNTANT_WRITES)
@pytest.mark.parametrize("who", ["villager", "buyer_user", "coordinator"])
def test_a_caller_without_the_role_gets_403_whatever_the_body(request, client, login, method, url, who):
    login(request.getfixturevalue(who))
    for body in MALFORMED:
        _refused_before_the_body(client.open(url, method=method, json=body))


@pytest.mark.parametrize("method,url", ACCOUNTANT_WRITES)
def test_the_accountant_still_hears_which_fields_are_wrong(client, login, accountant, method, url):
    login(accountant)
    response = client.open(url, method=method, json=MALFORMED[1])
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["fields"]


def test_an_empty_patch_is_refused_for_the_role_before_it_is_refused_for_being_empty(client, login, villager,
                                                                                    accountant):
    login(villager)
    _refused_before_the_body(client.patch("/api/v1/accounts/999", json={}))
    client.post("/logout")
    login(accountant)
    response = client.patch("/api/v1/accounts/999", json={})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"


def test_a_book_is_refused_before_its_query_is_read(client, login, villager, buyer_user, accountant):
    for who in (villager, buyer_user):
        login(who)
        _refused_before_the_body(client.get("/api/v1/books/ledger", query_string={"account": "no such"}))
        _refused_before_the_body(client.get("/api/v1/payments", query_string={"page": "0"}))
        client.post("/logout")
    login(accountant)
    response = client.get("/api/v1/payments", query_string={"page": "0"})
    assert response.status_code == 422
    assert "page" in response.get_json()["error"]["fields"]
