"""The accountant reads the demo month's 利润表 on a phone and prints it on one A4 page."""
from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import select

from market import demo
from market.books import period_reports
from market.clock import local_today
from models import User, db
from tests.conftest import load_demo

pytestmark = pytest.mark.browser


def test_the_income_statement_reads_on_a_phone_and_prints_on_a4(live_app, live_server, phone, screenshot_dir):
    today = local_today()
    load_demo(today)
    db.session.commit()
    reader = db.session.scalar(select(User).where(User.phone == "13800000003"))
    month = f"{today.year}-{today.month:02d}"
    report = period_reports.income_statement_of(reader, month)
    revenue, _year = report.statement.figure(1)
    _month, net_year = report.statement.net_profit
    db.session.remove()

    page = phone
    page.goto(f"{live_server}/login")
    page.fill("input[name=phone]", "13800000003")
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("form.stacked [type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/books/income-statement?period={month}")
    main = page.inner_text("main")
    assert "利润表" in main and "会小企02表" in main and "单位：元" in main
    assert "一、营业收入" in main and "四、净利润" in main
    assert f"{revenue / 100:,.2f}" in main and f"{net_year / 100:,.2f}" in main
    # nothing wider than the phone: the four columns fit, long item names wrap
    assert page.evaluate("document.documentElement.scrollWidth") <= 412 + 1
    page.screenshot(path=os.path.join(screenshot_dir, "accountant-income-statement.png"), full_page=True)

    page.emulate_media(media="print")
    assert not page.is_visible("form.filters") and not page.is_visible(".books-exports")
    assert page.is_visible(".statement-signers")
    page.screenshot(path=os.path.join(screenshot_dir, "accountant-income-statement-print.png"), full_page=True)
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    # one A4 portrait page (595 × 842 pt), as the form is printed
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert box and (round(float(box.group(1))), round(float(box.group(2)))) == (595, 842)
    with open(os.path.join(screenshot_dir, "accountant-income-statement.pdf"), "wb") as out:
        out.write(pdf)
    # what the sheet looks like: the print layout at the width of A4 less its margins (182 mm ≈ 688 px)
    page.set_viewport_size({"width": 688, "height": 1000})
    page.screenshot(path=os.path.join(screenshot_dir, "accountant-income-statement-a4.png"), full_page=True)


def test_the_balance_sheet_prints_both_sides_on_one_a4_page(live_app, live_server, phone, screenshot_dir):
    today = local_today()
    load_demo(today)
    db.session.commit()
    db.session.remove()
    month = f"{today.year}-{today.month:02d}"
    page = phone
    page.goto(f"{live_server}/login")
    page.fill("input[name=phone]", "13800000003")
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("form.stacked [type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/books/balance-sheet?period={month}")
    main = page.inner_text("main")
    assert "资产负债表" in main and "会小企01表" in main and "资产总计" in main and "平衡" in main
    assert page.evaluate("document.documentElement.scrollWidth") <= 412 + 1
    page.screenshot(path=os.path.join(screenshot_dir, "accountant-balance-sheet.png"), full_page=True)
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    page.set_viewport_size({"width": 688, "height": 1000})
    page.screenshot(path=os.path.join(screenshot_dir, "accountant-balance-sheet-a4.png"), full_page=True)
