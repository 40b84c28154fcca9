"""The accountant prints a voucher from its page on a phone: the link gives the server's PDF, the
same wherever it is opened; the voucher list prints the month's posted vouchers."""
from __future__ import annotations

import os
from datetime import date

import pytest
from sqlalchemy import select

from market import demo
from models import Voucher, VoucherStatus, db
from tests.conftest import load_demo

pytestmark = pytest.mark.browser


def test_the_voucher_page_and_list_link_to_the_pdf(live_app, live_server, phone, screenshot_dir):
    load_demo(date(2026, 8, 20))
    db.session.commit()
    voucher = db.session.scalar(select(Voucher).where(Voucher.status == VoucherStatus.POSTED).order_by(Voucher.id))
    phone.goto(f"{live_server}/login")
    phone.fill("input[name=phone]", "13800000003")
    phone.fill("input[name=password]", demo.DEMO_PASSWORD)
    phone.click("form.stacked [type=submit]")
    phone.wait_for_load_state()
    phone.goto(f"{live_server}/books/vouchers/{voucher.id}")
    link = phone.get_by_role("link", name="打印记账凭证（凭证纸 PDF）")
    assert link.is_visible()
    width = phone.viewport_size["width"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= width
    phone.screenshot(path=os.path.join(screenshot_dir, "accountant-voucher-print-links-phone.png"), full_page=True)
    response = phone.request.get(live_server + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    phone.goto(f"{live_server}/books/vouchers?period={voucher.period}&status=posted")
    batch = phone.get_by_role("link", name="打印这些凭证（PDF，凭证纸）")
    assert batch.is_visible()
    response = phone.request.get(live_server + batch.get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF")
