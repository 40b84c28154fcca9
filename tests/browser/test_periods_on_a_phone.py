"""会计主管 closes the month on a phone: each period is a card with its status, counts and
buttons on screen (no sideways scrolling to reach 结账), and a closed month shows its 链尾校验码."""
from __future__ import annotations

import os
from datetime import date

import pytest

from market import demo
from market.ledger import services as ledger
from models import Period, PeriodStatus, db
from tests.conftest import load_demo

pytestmark = pytest.mark.browser


def test_the_periods_fit_a_phone_with_their_buttons_and_the_chain_code(live_app, live_server, phone, screenshot_dir):
    load_demo(date(2026, 8, 20))
    db.session.commit()
    closed = db.session.scalar(db.select(Period).where(Period.status == PeriodStatus.CLOSED))
    head = ledger.chain_head(closed)
    phone.goto(f"{live_server}/login")
    phone.fill("input[name=phone]", demo.CHIEF[1])  # 会计主管 closes the month
    phone.fill("input[name=password]", demo.DEMO_PASSWORD)
    phone.click("form.stacked [type=submit]")
    phone.wait_for_load_state()
    phone.goto(f"{live_server}/books/periods")
    width = phone.viewport_size["width"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    close = phone.get_by_role("button", name="结账")
    box = close.first.bounding_box()
    assert close.first.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert f"链尾校验码 {head[:16]}" in phone.locator("table.labelled-on-phone").inner_text()
    phone.screenshot(path=os.path.join(screenshot_dir, "accountant-periods-phone.png"), full_page=True)
