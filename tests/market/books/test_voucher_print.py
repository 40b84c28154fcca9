"""Vouchers printed by the server as PDF: a voucher of twelve lines is three sheets of five with
承前页/过次页, the 合计 in 大写 and the signatures; a period prints voucher after voucher; only the
people who read vouchers print them."""
from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from market.books import paper
from market.ledger import chart
from market.ledger import services as ledger
from models import Payment, PaymentKind, Voucher, VoucherStatus, db

from .conftest import post_waiting_vouchers


def _pages(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.data))
    return [page.extract_text(extraction_mode="layout") for page in reader.pages]


def _flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def twelve_lines(app, books, accountant, reviewer, make_household):
    """记 a voucher of 12 lines: 5 运费 debits and the input VAT, 5 cash credits and one to a household
    (on 2241 其他应付款: 2202 per household is kept by settlements and payments, not typed by hand)."""
    chart.create_account(accountant, code="2241", name="其他应付款", kind="liability", party_type="household")
    household = make_household(head_name="孙桂兰")
    lines = [ledger.LineInput("5601", debit=f"{100 * i}.00", memo=f"第{i}车运费") for i in range(1, 6)]
    lines.append(ledger.LineInput("22210101", debit="45.00", memo="运费进项税"))
    lines += [ledger.LineInput("1001", credit="200.00", memo=f"现金付运费{i}") for i in range(1, 6)]
    lines.append(ledger.LineInput("2241", credit="545.00", party_type="household", party_id=household.id,
                                  memo="应付孙桂兰代垫运费"))
    voucher = ledger.prepare_voucher(accountant, voucher_date=date(2026, 8, 22), summary="八月运费",
                                     idempotency_key="print-12", lines=lines, attachments=6)
    db.session.commit()
    ledger.approve(reviewer, voucher)
    ledger.post(reviewer, voucher)
    db.session.commit()
    return voucher


def test_a_voucher_of_twelve_lines_prints_on_three_sheets(client, login, accountant, twelve_lines, app):
    login(accountant)
    voucher = twelve_lines
    texts = _pages(client.get(f"/books/vouchers/{voucher.id}.pdf"))
    assert len(texts) == 3
    flat = [_flat(t) for t in texts]
    for index, text in enumerate(flat, start=1):
        assert f"第{index}/3页" in text and f"记字第{voucher.number}号" in text and "附件6张" in text
        assert "2026年08月22日" in text and "摘要" in text and "借方金额" in text and "贷方金额" in text
        assert "制单：赵会计" in text and "审核：钱审核" in text and "记账：钱审核" in text
    # sheet 1: 100..500 运费 = 1,500 debit, no credit yet
    assert "过次页1,500.00" in flat[0] and "承前页" not in flat[0] and "合计" not in flat[0]
    # sheet 2 brings 1,500 forward and adds the VAT and four cash lines: 1,545 debit, 800 credit
    assert "承前页1,500.00" in flat[1] and "过次页1,545.00800.00" in flat[1] and "合计" not in flat[1]
    assert "承前页1,545.00800.00" in flat[2]
    assert "合计人民币壹仟伍佰肆拾伍元整1,545.001,545.00" in flat[2]
    assert "5601销售费用" in flat[0] and "2221应交税费" in flat[1] and "应交增值税—进项税额" in flat[1]
    assert "2241其他应付款" in flat[2] and "孙桂兰" in flat[2]
    # the same from the API, and two sheets to an A4 page
    assert len(_pages(client.get(f"/api/v1/vouchers/{voucher.id}/pdf"))) == 3
    assert len(_pages(client.get(f"/books/vouchers/{voucher.id}.pdf?paper=a4"))) == 2
    assert client.get(f"/books/vouchers/{voucher.id}.pdf?paper=letter").status_code == 302
    assert client.get(f"/api/v1/vouchers/{voucher.id}/pdf?paper=letter").status_code == 422
    assert client.get("/api/v1/vouchers/999999/pdf").status_code == 404
    # the paper size: 241×140 mm (in points)
    box = PdfReader(io.BytesIO(client.get(f"/books/vouchers/{voucher.id}.pdf").data)).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (241, 140)
    # the font is embedded: the PDF carries it
    reader = PdfReader(io.BytesIO(client.get(f"/books/vouchers/{voucher.id}.pdf").data))
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]
    descriptors = [(f["/DescendantFonts"][0].get_object() if "/DescendantFonts" in f else f)["/FontDescriptor"]
                   for f in fonts]
    assert fonts and all("/FontFile2" in d or "/FontFile3" in d or "/FontFile" in d for d in descriptors)
    assert any("CJK" in str(f["/BaseFont"]) for f in fonts)


def test_the_chief_accountant_comes_from_the_settings(client, login, accountant, twelve_lines, app):
    app.config["VOUCHER_CHIEF_ACCOUNTANT"] = "周主管"
    login(accountant)
    texts = _pages(client.get(f"/books/vouchers/{twelve_lines.id}.pdf"))
    assert all("会计主管：周主管" in _flat(t) for t in texts)


def test_a_payment_voucher_names_its_cashier_and_a_period_prints_voucher_after_voucher(
        client, login, admin, accountant, all_posted):
    login(admin)
    payout = db.session.scalar(select(Payment).where(Payment.kind == PaymentKind.HOUSEHOLD_PAYOUT)
                               .order_by(Payment.id))
    text = _flat(_pages(client.get(f"/books/vouchers/{payout.voucher_id}.pdf"))[0])
    assert "出纳：赵会计" in text and "第1/1页" in text
    posted = list(db.session.scalars(select(Voucher).where(Voucher.status == VoucherStatus.POSTED,
                                                           Voucher.voucher_date >= date(2026, 8, 1),
                                                           Voucher.voucher_date < date(2026, 9, 1))
                                     .order_by(Voucher.number)))
    assert posted
    texts = [_flat(t) for t in _pages(client.get("/books/vouchers.pdf?period=2026-08&status=posted"))]
    expected = []
    for voucher in posted:
        count = max(1, -(-len(voucher.lines) // paper.LINES_PER_PAGE))
        expected += [(voucher.number, i, count) for i in range(1, count + 1)]
    assert len(texts) == len(expected)
    for text, (number, index, count) in zip(texts, expected):
        assert f"记字第{number}号" in text and f"第{index}/{count}页" in text
        assert ("合计人民币" in text) == (index == count)
    # nothing to print is said, not an empty file
    response = client.get("/books/vouchers.pdf?period=2026-03&status=posted")
    assert response.status_code == 302 and "/books/vouchers?period=2026-03" in response.headers["Location"]
    assert "这个月份和状态下没有可打印的凭证。" in client.get(response.headers["Location"]).get_data(as_text=True)
    for bad in ("period=2026-13", "period=all", "period=2026-08&status=bogus", "period=2026-08&paper=letter"):
        response = client.get(f"/books/vouchers.pdf?{bad}")
        assert response.status_code == 302 and "/books/vouchers" in response.headers["Location"], bad


def test_only_readers_of_vouchers_print_them(client, login, villager, coordinator, buyer_staff, twelve_lines):
    for user in (villager, coordinator, buyer_staff):
        login(user)
        for url in (f"/books/vouchers/{twelve_lines.id}.pdf", "/books/vouchers.pdf?period=2026-08",
                    f"/api/v1/vouchers/{twelve_lines.id}/pdf"):
            assert client.get(url).status_code == 403, (user.name, url)
        client.post("/logout")


def test_the_voucher_page_and_the_list_link_to_the_print(client, login, accountant, twelve_lines):
    login(accountant)
    page = client.get(f"/books/vouchers/{twelve_lines.id}").get_data(as_text=True)
    assert f"/books/vouchers/{twelve_lines.id}.pdf" in page
    listing = client.get("/books/vouchers?period=2026-08&status=posted").get_data(as_text=True)
    assert "/books/vouchers.pdf?period=2026-08" in listing

