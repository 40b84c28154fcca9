"""The accountant reads the month's 增值税 summary of the demo books on a phone and prints it."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from market import demo
from market.clock import local_today
from models import Settlement, SettlementKind, db
from tests.conftest import load_demo

pytestmark = pytest.mark.browser


def test_the_vat_summary_reads_on_a_phone_and_prints(live_app, live_server, phone, screenshot_dir):
    load_demo(local_today())
    db.session.commit()
    sales = db.session.scalars(select(Settlement).where(Settlement.kind == SettlementKind.ORDER)).all()
    # the peach order and the warehouse sale, both at 9 %, in the same month
    month = sales[0].settle_on.strftime("%Y-%m")
    output_vat, sale_net = sum(s.output_vat for s in sales), sum(s.sale_net for s in sales)
    db.session.remove()

    page = phone
    page.goto(f"{live_server}/login")
    page.fill("input[name=phone]", "13800000003")
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("form.stacked [type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/books/vat-summary?period={month}")
    main = page.inner_text("main")
    assert "增值税汇总表" in main and f"{output_vat:,.2f}" in main and f"{sale_net:,.2f}" in main
    assert "应纳税额" in main and "农产品收购发票计算抵扣" in main
    # nothing wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 412 + 1
    page.screenshot(path=os.path.join(screenshot_dir, "accountant-vat-summary.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.is_visible("form.filters")
    page.screenshot(path=os.path.join(screenshot_dir, "accountant-vat-summary-print.png"), full_page=True)
