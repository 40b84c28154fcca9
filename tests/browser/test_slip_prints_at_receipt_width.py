"""The weigh slip prints on an 80 mm receipt roll, not stretched over A4 (printed to PDF by chromium)."""
from __future__ import annotations

import re
from datetime import date

import pytest

from market import demo
from models import WeighSlip, db
from tests.conftest import load_demo

pytestmark = pytest.mark.browser

MM = 72 / 25.4  # PDF points per millimetre


def test_a_weigh_slip_prints_80_mm_wide(live_app, live_server, browser):
    load_demo(date(2026, 8, 20))
    db.session.commit()
    slip_id = db.session.scalar(db.select(WeighSlip.id).order_by(WeighSlip.id))
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=phone]", "13800000002")
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("form.stacked [type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/slips/{slip_id}/print")
    assert "过磅单" in page.inner_text("body")
    pdf = page.pdf(prefer_css_page_size=True)
    context.close()
    widths = {round(float(w) / MM) for w in re.findall(rb"/MediaBox \[0 0 ([0-9.]+) [0-9.]+\]", pdf)}
    assert widths == {80}, widths
