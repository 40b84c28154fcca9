"""The period-end books on the peach settlement's books (August 2026, paid in September): the 利润表,
资产负债表, cash and bank journals and 辅助核算余额表 read the same on the page, in the API and in the
XLSX, and agree with the 科目余额表."""
from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from market.books import period_reports, trial_balance
from market.ledger import services as ledger
from models import Period, db
from sqlalchemy import select

from .conftest import post_waiting_vouchers


def _xlsx(response):
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _movement(book, code):
    row = next(r for r in book.rows if r.account.code == code)
    return row.debit - row.credit


def test_the_income_statement_is_the_months_profit_and_loss_on_page_api_and_xlsx(client, login, all_posted,
                                                                                 accountant):
    login(accountant)
    settlement = all_posted.settlement
    book = trial_balance.trial_balance(accountant, "2026-08")
    revenue = -_movement(book, "5001")
    assert revenue == settlement.sale_net
    net = -sum(_movement(book, code) for code in ("5001", "5301", "5401", "5601", "5711"))
    body = client.get("/api/v1/books/income-statement?period=2026-08").get_json()
    assert body["form"] == "会小企02" and [l["row"] for l in body["lines"]] == list(range(1, 33))
    first = body["lines"][0]
    assert (first["name"], first["this_month"], first["year_to_date"]) == ("一、营业收入", f"{revenue:.2f}", f"{revenue:.2f}")
    assert body["net_profit_this_month"] == f"{net:.2f}" and not body["carried"]
    page = client.get("/books/income-statement?period=2026-08").get_data(as_text=True)
    assert "利润表" in page and "会小企02表" in page and f"{revenue:,.2f}" in page and f"{net:,.2f}" in page
    rows = _xlsx(client.get("/books/income-statement?period=2026-08&format=xlsx"))
    assert rows[0][0].startswith("利润表（会小企02表）")
    net_row = next(r for r in rows if r[0] and str(r[0]).startswith("四、净利润"))
    assert net_row[1] == 32 and Decimal(str(net_row[2])) == net == Decimal(str(net_row[3]))
    # September adds nothing to the year's profit and loss but the payments' own
    september = client.get("/api/v1/books/income-statement?period=2026-09").get_json()
    assert september["lines"][0]["this_month"] == "0.00" and september["lines"][0]["year_to_date"] == f"{revenue:.2f}"
    assert client.get("/api/v1/books/income-statement?period=2026-13").status_code == 422


def test_after_the_carry_forward_the_statement_is_unchanged_and_3103_holds_its_net_profit(all_posted, accountant,
                                                                                        reviewer):
    before = period_reports.income_statement_of(accountant, "2026-08").statement.lines
    august = db.session.scalar(select(Period).where(Period.year == 2026, Period.month == 8))
    ledger.prepare_closing(accountant, august)
    db.session.commit()
    post_waiting_vouchers(reviewer)
    ledger.close_period(accountant, august)
    db.session.commit()
    after = period_reports.income_statement_of(accountant, "2026-08")
    assert after.statement.lines == before
    assert after.carried and after.profit_this_year_fen == after.statement.net_profit[1] != 0
    book = trial_balance.trial_balance(accountant, "2026-08")
    assert all(row.closing == 0 for row in book.rows if row.account.code.startswith("5"))
    sheet = period_reports.balance_sheet_of(accountant, "2026-08")
    assert sheet.balanced and sheet.sheet.figure(51)[0] == after.profit_this_year_fen


def test_the_balance_sheet_balances_and_reads_the_same_everywhere(client, login, all_posted, accountant):
    login(accountant)
    body = client.get("/api/v1/books/balance-sheet?period=2026-09").get_json()
    assert body["form"] == "会小企01" and body["balanced"] and body["as_of"] == "2026-09-30"
    total = next(l for l in body["assets"] if l["row"] == 30)
    other = next(l for l in body["liabilities_and_equity"] if l["row"] == 53)
    assert total["name"] == "资产总计" and total["closing"] == other["closing"] != "0.00"
    assert total["start_of_year"] == "1070000.00"  # the opening funds, posted in December 2025
    book = trial_balance.trial_balance(accountant, "2026-09")
    cash = sum(r.closing for r in book.rows if r.account.code in ("1001", "1002", "1012"))
    assert next(l for l in body["assets"] if l["row"] == 1)["closing"] == f"{cash:.2f}"
    receivable = next(r for r in book.rows if r.account.code == "1122").closing
    assert next(l for l in body["assets"] if l["row"] == 4)["closing"] == f"{receivable:.2f}"
    page = client.get("/books/balance-sheet?period=2026-09").get_data(as_text=True)
    assert "资产负债表" in page and "会小企01表" in page and f"{Decimal(total['closing']):,.2f}" in page
    rows = _xlsx(client.get("/books/balance-sheet?period=2026-09&format=xlsx"))
    totals = next(r for r in rows if r[0] == "资产总计")
    assert totals[1] == 30 and totals[5] == 53 and Decimal(str(totals[2])) == Decimal(str(totals[6])) == Decimal(
        total["closing"])


def test_the_bank_and_cash_journals_run_day_by_day(client, login, all_posted, accountant):
    login(accountant)
    body = client.get("/api/v1/books/journal?account=1002&period=2026-09").get_json()
    assert body["title"] == "银行存款日记账" and body["account"] == "1002"
    balance = Decimal(body["opening"])
    for day in body["days"]:
        for entry in day["entries"]:
            balance += Decimal(entry["debit"]) - Decimal(entry["credit"])
            assert Decimal(entry["balance"]) == balance
        assert Decimal(day["balance"]) == balance
        assert Decimal(day["debit"]) == sum(Decimal(e["debit"]) for e in day["entries"])
    assert Decimal(body["closing"]) == balance
    book = trial_balance.trial_balance(accountant, "2026-09")
    assert balance == next(r for r in book.rows if r.account.code == "1002").closing
    assert Decimal(body["debit"]) == Decimal("1000.00")  # the buyer's receipt
    receipt = next(e for d in body["days"] for e in d["entries"] if e["debit"] == "1000.00")
    assert receipt["counterpart"] == "应收账款"
    cash = client.get("/api/v1/books/journal?account=1001&period=2026-10").get_json()
    assert cash["title"] == "现金日记账" and cash["credit"] == "100.00"  # 张秀英's cash payout on 2 October
    assert cash["days"][0]["day"] == "2026-10-02" and cash["days"][0]["entries"][0]["counterpart"] == "应付账款"
    assert client.get("/api/v1/books/journal?account=2202").status_code == 422
    page = client.get("/books/journal?account=1002&period=2026-09").get_data(as_text=True)
    assert "银行存款日记账" in page and "本日合计" in page
    rows = _xlsx(client.get("/books/journal?account=1002&period=2026-09&format=xlsx"))
    assert any(r[2] == "本日合计" for r in rows) and rows[-1][2] == "本月合计"
    assert Decimal(str(rows[-1][6])) == balance


def test_party_balances_by_household_and_by_buyer(client, login, all_posted, accountant):
    login(accountant)
    settlement = all_posted.settlement
    body = client.get("/api/v1/books/party-balances?party_type=buyer&period=2026-09").get_json()
    [row] = body["rows"]
    assert (row["party"], row["account"]) == (settlement.order.buyer.name, "1122")
    assert Decimal(row["opening"]) == settlement.buyer_total and row["credit"] == "1000.00"
    assert Decimal(row["closing"]) == settlement.buyer_total - Decimal("1000.00")
    households = client.get("/api/v1/books/party-balances?party_type=household&period=2026-09").get_json()
    zhang = [r for r in households["rows"] if r["party"] == "张秀英" and r["account"] == "2202"]
    assert zhang and Decimal(zhang[0]["debit"]) == Decimal("500.00")  # paid 500 by bank (and 100 in cash in October)
    book = trial_balance.trial_balance(accountant, "2026-09")
    payable = next(r for r in book.rows if r.account.code == "2202")
    assert sum(Decimal(r["closing"]) for r in households["rows"] if r["account"] == "2202") == payable.closing
    assert client.get("/api/v1/books/party-balances?party_type=nobody").status_code == 422
    page = client.get("/books/party-balances?party_type=household&period=2026-09").get_data(as_text=True)
    assert "辅助核算余额表" in page and "张秀英" in page
    rows = _xlsx(client.get("/books/party-balances?party_type=buyer&period=2026-09&format=xlsx"))
    assert rows[1][0] == "客户" and rows[2][0] == settlement.order.buyer.name


def test_only_accountants_and_admins_read_them(client, login, coordinator):
    login(coordinator)
    for path in ("income-statement", "balance-sheet", "journal", "party-balances"):
        assert client.get(f"/api/v1/books/{path}").status_code == 403
        assert client.get(f"/books/{path}").status_code == 403
