"""The books' API: statements, trial balance, ledgers, ageing, vouchers through review, periods and
the chart, in the one error shape and the OpenAPI document."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from models import Voucher, VoucherStatus, db


def test_trial_balance_ledger_and_accounts(client, login, accountant, all_posted, zhang):
    login(accountant)
    book = client.get("/api/v1/books/trial-balance?period=2026-08").get_json()
    assert book["balanced"] is True and book["period"] == "2026-08" and book["period_status"] == "open"
    totals = book["totals"]
    assert totals["debit"] == totals["credit"] and totals["closing_debit"] == totals["closing_credit"]
    revenue = next(r for r in book["rows"] if r["account_code"] == "5001")
    assert revenue["credit"] == f"{all_posted.settlement.sale_net:.2f}"
    ledger = client.get(f"/api/v1/books/ledger?account=2202&party_type=household&party_id={zhang.id}"
                        "&from=2026-08&to=2026-12").get_json()
    assert ledger["party"] == "张秀英" and ledger["from"] == "2026-08" and ledger["closing_side"] == "贷"
    assert [e["number"].startswith("记-") for e in ledger["entries"]] == [True] * len(ledger["entries"])
    assert ledger["entries"][-1]["balance"] == ledger["closing"]
    assert client.get("/api/v1/books/ledger?account=9999").status_code == 404
    assert client.get("/api/v1/books/ledger?account=2202&from=2026-13").status_code == 422
    codes = [a["code"] for a in client.get("/api/v1/accounts").get_json()]
    assert "2202" in codes and "1122" in codes


def test_statements_and_ageing(client, login, accountant, all_posted, zhang):
    login(accountant)
    line = next(l for l in all_posted.settlement.households if l.household_id == zhang.id)
    statement = client.get(f"/api/v1/households/{zhang.id}/statement?from=2026-01-01&to=2026-12-31").get_json()
    assert statement["closing"] == f"{line.net - Decimal('600'):.2f}"
    assert [p["amount"] for p in statement["payments"]] == ["500.00", "100.00"]
    assert statement["deliveries"][0]["payable_kg"] == "200.000"
    settlement = all_posted.settlement
    buyer = client.get(f"/api/v1/buyers/{settlement.buyer_id}/statement?as_of=2026-12-31").get_json()
    assert buyer["outstanding"] == f"{settlement.buyer_total - Decimal('1000'):.2f}"
    assert buyer["settlements"][0]["days_overdue"] > 0
    ageing = client.get("/api/v1/books/ageing?as_of=2026-12-31").get_json()
    assert ageing["total"] == buyer["outstanding"] and ageing["rows"][0]["buyer_name"] == settlement.buyer.name


def test_a_villager_reads_only_their_own_statement(client, login, zhang_villager, villager, all_posted, zhang):
    login(zhang_villager)
    assert client.get(f"/api/v1/households/{zhang.id}/statement").status_code == 200
    assert client.get("/api/v1/books/trial-balance").status_code == 403
    assert client.get("/api/v1/vouchers").status_code == 403
    client.post("/logout")
    login(villager)
    response = client.get(f"/api/v1/households/{zhang.id}/statement")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


def test_a_manual_voucher_through_review_and_reversal(client, login, accountant, reviewer, books):
    login(accountant)
    body = {"voucher_date": "2026-11-02", "summary": "收到投资款", "attachments": 1, "lines": [
        {"account_code": "1002", "debit": "5000.00"}, {"account_code": "3001", "credit": "5000.00"}]}
    headers = {"Idempotency-Key": "manual-1"}
    created = client.post("/api/v1/vouchers", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    voucher = created.get_json()
    assert voucher["status"] == "prepared" and voucher["total"] == "5000.00" and voucher["number"] is None
    assert client.post("/api/v1/vouchers", json=body, headers=headers).get_json()["id"] == voucher["id"]
    other = dict(body, summary="另一张")
    assert client.post("/api/v1/vouchers", json=other, headers=headers).status_code == 409
    unbalanced = dict(body, lines=[{"account_code": "1002", "debit": "5000.00"},
                                   {"account_code": "3001", "credit": "4999.99"}])
    response = client.post("/api/v1/vouchers", json=unbalanced)
    assert response.status_code == 422 and "lines" in response.get_json()["error"]["fields"]
    assert client.post("/api/v1/vouchers", json=dict(body, lines=[{"account_code": "1002", "debit": 0.1},
                                                                  {"account_code": "3001", "credit": "0.10"}])
                       ).status_code == 422  # a float never reaches money
    response = client.post(f"/api/v1/vouchers/{voucher['id']}/approve")
    assert response.status_code == 403  # the preparer
    client.post("/logout")
    login(reviewer)
    assert client.post(f"/api/v1/vouchers/{voucher['id']}/approve").get_json()["status"] == "approved"
    assert client.post(f"/api/v1/vouchers/{voucher['id']}/approve").status_code == 409
    posted = client.post(f"/api/v1/vouchers/{voucher['id']}/post").get_json()
    assert posted["status"] == "posted" and posted["label"] == "记-1" and posted["posted_by"]["name"] == "钱审核"
    red = client.post(f"/api/v1/vouchers/{voucher['id']}/reverse", json={"reason": "录错科目"})
    assert red.status_code == 201 and red.get_json()["reverses_id"] == voucher["id"]
    assert [(l["debit"], l["credit"]) for l in red.get_json()["lines"]] == [("0.00", "5000.00"), ("5000.00", "0.00")]
    rejected = client.post(f"/api/v1/vouchers/{red.get_json()['id']}/reject", json={"reason": "不需要"}).get_json()
    assert rejected["status"] == "rejected" and rejected["rejected_reason"] == "不需要"
    listed = client.get("/api/v1/vouchers?period=2026-11&status=posted").get_json()
    assert [v["id"] for v in listed["items"]] == [voucher["id"]] and listed["total"] == 1
    assert client.get(f"/api/v1/vouchers/{voucher['id']}").get_json()["lines"][0]["account_code"] == "1002"
    assert client.get("/api/v1/vouchers/999999").status_code == 404


def test_periods_open_close_and_reopen(client, login, accountant, paid, reviewer):
    login(accountant)
    created = client.post("/api/v1/periods", json={"period": "2026-12"})
    assert created.status_code == 201 and created.get_json()["status"] == "open"
    periods = client.get("/api/v1/periods").get_json()
    september = next(p for p in periods if p["period"] == "2026-09")
    refused = client.post(f"/api/v1/periods/{september['id']}/close")
    assert refused.status_code == 409  # payment vouchers still wait for review
    for voucher in db.session.scalars(select(Voucher).where(Voucher.status == VoucherStatus.PREPARED)):
        voucher_id = voucher.id
        client.post("/logout")
        login(reviewer)
        client.post(f"/api/v1/vouchers/{voucher_id}/approve")
        client.post(f"/api/v1/vouchers/{voucher_id}/post")
    refused = client.post(f"/api/v1/periods/{september['id']}/close")
    assert refused.status_code == 409  # the profit and loss are not carried forward yet
    carried = client.post(f"/api/v1/periods/{september['id']}/carry-forward")
    assert carried.status_code == 201
    *vat, carry = carried.get_json()  # the month's unpaid VAT first, when output tax exceeds input tax
    assert [v["summary"] for v in vat] == ["转出2026年9月未交增值税"]
    assert carry["source"] == "closing" and carry["status"] == "prepared" and carry["summary"] == "结转2026年9月损益"
    assert {l["account_code"] for l in carry["lines"]} >= {"5001", "5401", "3103"}
    client.post("/logout")
    login(accountant)
    for voucher in (*vat, carry):
        client.post(f"/api/v1/vouchers/{voucher['id']}/approve")
        client.post(f"/api/v1/vouchers/{voucher['id']}/post")
    closed = client.post(f"/api/v1/periods/{september['id']}/close")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    income = client.get("/api/v1/books/income-statement?period=2026-09").get_json()
    assert income["carried"] and income["profit_this_year_account"] == income["net_profit_year_to_date"]
    assert client.post(f"/api/v1/periods/{september['id']}/reopen", json={}).status_code == 422
    reopened = client.post(f"/api/v1/periods/{september['id']}/reopen", json={"reason": "补记"})
    assert reopened.get_json()["status"] == "open"
    red = db.session.scalar(select(Voucher).where(Voucher.reverses_id == carry["id"]))
    assert red.status is VoucherStatus.PREPARED  # the carry-forward's reversal waits for review


def test_the_openapi_document_describes_the_books(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/books/trial-balance", "/api/v1/books/ledger", "/api/v1/books/ageing",
                 "/api/v1/households/{household_id}/statement", "/api/v1/buyers/{buyer_id}/statement",
                 "/api/v1/vouchers", "/api/v1/vouchers/{voucher_id}", "/api/v1/vouchers/{voucher_id}/approve",
                 "/api/v1/vouchers/{voucher_id}/reject", "/api/v1/vouchers/{voucher_id}/post",
                 "/api/v1/vouchers/{voucher_id}/reverse", "/api/v1/periods", "/api/v1/periods/{period_id}/close",
                 "/api/v1/periods/{period_id}/reopen", "/api/v1/accounts", "/api/v1/periods/{period_id}/carry-forward",
                 "/api/v1/books/income-statement", "/api/v1/books/balance-sheet", "/api/v1/books/journal",
                 "/api/v1/books/party-balances"):
        assert path in paths, path
    parameters = paths["/api/v1/vouchers"]["post"].get("parameters", [])
    assert any(p["name"] == "Idempotency-Key" for p in parameters)
    assert {p["name"] for p in paths["/api/v1/books/ledger"]["get"]["parameters"]} >= {"account", "from", "to",
                                                                                        "party_type", "party_id"}
