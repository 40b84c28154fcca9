"""The account ledger and the voucher list download straight from the database: the streamed CSV
(and the XLSX) carry exactly the page's numbers — each line's running balance, the totals, the
closing balance — with a fixed number of queries, and the request's connection is held while the
rows go out and given back once they have."""
from __future__ import annotations

import contextvars
import csv
import io
import random
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from market.books import common, ledgers, vouchers as book_vouchers
from market.ledger import chart
from market.ledger import services as ledger
from models import db
from tests.factories import PASSWORD

MONTHS = [(2026, 7), (2026, 8), (2026, 9), (2026, 10)]
HEADS = ["张秀英", "李桂兰", "王建国", "赵明", "刘芳"]


@pytest.fixture
def reader(app, accountant):
    client = FlaskClient(app, app.response_class, use_cookies=True)
    assert client.post("/login", data={"phone": accountant.phone, "password": PASSWORD}).status_code == 302
    return client


#: a party account kept by vouchers typed by hand (2202 per household is kept by settlements and
#: payments only), per household like 2202
ACCOUNT = "2241"


@pytest.fixture
def busy_ledger(books, accountant, reviewer, make_household):
    """Four months of purchases and payouts for five households: 320 lines on 2241, 80 before August."""
    chart.create_account(accountant, code=ACCOUNT, name="其他应付款", kind="liability", party_type="household")
    households = [make_household(head) for head in HEADS]
    db.session.commit()
    rnd = random.Random(2202)
    for year, month in MONTHS:
        for n in range(8):
            day = date(year, month, 1 + 3 * n)
            buying = n % 2 == 0
            lines, total = [], Decimal("0.00")
            for household in households:
                for batch in (1, 2):
                    amount = Decimal(rnd.randint(1, 900_000)) / 100
                    total += amount
                    memo = household.head_name if batch == 1 else f"第{n}-{batch}批"
                    lines.append(ledger.LineInput(ACCOUNT, debit=0 if buying else amount,
                                                  credit=amount if buying else 0, party_type="household",
                                                  party_id=household.id, memo=memo))
            lines.append(ledger.LineInput("5401" if buying else "1002", debit=total if buying else 0,
                                          credit=0 if buying else total))
            voucher = ledger.prepare_voucher(accountant, voucher_date=day, summary="收购桃子" if buying else "支付货款",
                                             lines=lines, idempotency_key=f"busy:{year}-{month}-{n}")
            ledger.approve(reviewer, voucher)
            ledger.post(reviewer, voucher)
    db.session.commit()
    return households


def csv_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def money(value: Decimal | None) -> str:
    return "" if not value else f"{value:.2f}"


def expected_rows(book: ledgers.AccountLedger) -> list[list[str]]:
    rows = [[book.start.first_day.isoformat(), "", "期初余额", "", "", "", book.opening_side, f"{abs(book.opening):.2f}"]]
    for e in book.entries:
        rows.append([e.day.isoformat(), f"{e.voucher.period}{e.number}", e.summary, e.party, money(e.debit),
                     money(e.credit), e.side, f"{abs(e.balance):.2f}"])
    rows.append(["", "", "本期合计", "", f"{book.debit:.2f}", f"{book.credit:.2f}", book.closing_side,
                 f"{abs(book.closing):.2f}"])
    return rows


@pytest.mark.parametrize("party", [None, "李桂兰"])
def test_the_streamed_ledger_carries_the_pages_numbers(reader, busy_ledger, accountant, party):
    household = next(h for h in busy_ledger if h.head_name == party) if party else None
    account = ledger.account(ACCOUNT)
    book = ledgers.account_ledger(accountant, account, "household" if household else None,
                                  household.id if household else None, "2026-08", "2026-10")
    assert len(book.entries) == (240 if household is None else 48) and book.opening != 0
    assert {e.side for e in book.entries} >= {"贷"}
    query = f"account={ACCOUNT}&from=2026-08&to=2026-10" + (f"&party_id={household.id}" if household else "")

    statements = []
    record = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = reader.get(f"/books/ledger?{query}&format=csv")
        assert response.is_streamed
        rows = csv_of(response)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert rows[0] == ["日期", "凭证号", "摘要", "往来单位", "借方", "贷方", "借或贷", "余额"]
    assert rows[1:] == expected_rows(book)
    # the names come from one query of the distinct parties, not one per line
    assert len(statements) < 12, statements
    assert sum("DISTINCT" in s for s in statements) == 1

    sheet = openpyxl.load_workbook(io.BytesIO(reader.get(f"/books/ledger?{query}&format=xlsx").data)).active
    values = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(values) == len(book.entries) + 2
    assert [Decimal(str(v[7])).quantize(Decimal("0.01")) for v in values[1:-1]] == [abs(e.balance)
                                                                                      for e in book.entries]
    assert values[-1][2] == "本期合计" and Decimal(str(values[-1][4])).quantize(Decimal("0.01")) == book.debit
    assert Decimal(str(values[-1][7])).quantize(Decimal("0.01")) == abs(book.closing)

    page = reader.get(f"/books/ledger?{query}").get_data(as_text=True)
    assert f"{abs(book.closing):,.2f}" in page and f"{book.credit:,.2f}" in page


def test_the_streamed_voucher_list_has_every_line_and_the_totals(reader, busy_ledger, accountant):
    vouchers = book_vouchers.voucher_list(accountant, "2026-09")
    rows = csv_of(reader.get("/books/vouchers?period=2026-09&format=csv"))
    lines = [(v, line) for v in vouchers for line in v.lines]
    assert len(rows) == 1 + len(lines) + 1
    for row, (voucher, line) in zip(rows[1:-1], lines):
        assert row[:2] == [voucher.voucher_date.isoformat(), book_vouchers.voucher_label(voucher)]
        assert row[3] == f"{line.account.code} {line.account.name}"
        assert row[4] == common.party_name(line.party_type, line.party_id)
        assert row[5:7] == [money(line.debit), money(line.credit)]
        assert row[8:] == ["赵会计", "钱审核", "钱审核"]
    total = sum((book_vouchers.voucher_total(v) for v in vouchers), Decimal("0.00"))
    assert rows[-1][0] == "合计" and rows[-1][5] == rows[-1][6] == f"{total:.2f}"


def test_the_stream_holds_its_connection_until_the_last_row_then_gives_it_back(reader, busy_ledger):
    db.session.commit()  # the test's own session lets its connection go
    held = {"out": 0}

    def checkout(*_args):
        held["out"] += 1

    def checkin(*_args):
        held["out"] -= 1

    event.listen(db.engine.pool, "checkout", checkout)
    event.listen(db.engine.pool, "checkin", checkin)

    def serve():  # as a server does: the request and its streamed body in one context of their own
        response = reader.get(f"/books/ledger?account={ACCOUNT}&from=2026-07&to=2026-10&format=csv")
        chunks = iter(response.response)
        first = [next(chunks) for _ in range(5)]
        during = held["out"]
        rest = list(chunks)
        response.close()
        return first + rest, during

    try:
        chunks, during = contextvars.Context().run(serve)
    finally:
        event.remove(db.engine.pool, "checkout", checkout)
        event.remove(db.engine.pool, "checkin", checkin)
    assert during == 1 and held["out"] == 0
    assert len(chunks) == 1 + 1 + 320 + 1  # header, opening, every line, totals
    text = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks).decode()
    assert text.splitlines()[-1].split(",")[2] == "本期合计"


def test_the_totals_of_a_stream_are_known_only_at_its_end(app, busy_ledger, accountant):
    head = ledgers.ledger_range(accountant, ledger.account(ACCOUNT), None, None, "2026-08", "2026-10")
    lines = ledgers.LedgerLines(head)
    with pytest.raises(RuntimeError):
        lines.closing
    seen = list(lines)
    assert len(seen) == lines.lines == 240 and lines.closing == seen[-1].balance
