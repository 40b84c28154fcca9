"""The accountant reads the 科目余额表 on a phone: every account is a card with 期初/本期/期末 借贷 named,
nothing runs off the side of the screen, the month is chosen in Chinese; printed, it is the table."""
from __future__ import annotations

import os
from datetime import date

import pytest

from market import demo
from models import db
from tests.conftest import load_demo

pytestmark = pytest.mark.browser


def test_the_trial_balance_fits_a_phone_and_prints_as_a_table(live_app, live_server, phone, screenshot_dir):
    load_demo(date(2026, 8, 20))
    db.session.commit()
    phone.goto(f"{live_server}/login")
    phone.fill("input[name=phone]", "13800000003")
    phone.fill("input[name=password]", demo.DEMO_PASSWORD)
    phone.click("form.stacked [type=submit]")
    phone.wait_for_load_state()
    phone.goto(f"{live_server}/books/trial-balance?period=2026-08")

    width = phone.viewport_size["width"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    cards = phone.locator("table.cards-on-phone tbody tr")
    assert cards.count() >= 8
    for i in range(cards.count()):
        card = cards.nth(i)
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, card.inner_text()
        # each line is named on the card itself: 期初余额 / 本期发生额 / 期末余额, then 借 and 贷
        assert [th.inner_text() for th in card.locator("th.phone-only").all()] == ["期初余额", "本期发生额", "期末余额"]
        closing = card.locator("td.debit").nth(2)
        assert closing.is_visible()
        assert closing.evaluate("el => getComputedStyle(el, '::before').content") == '"借 "'
        cells = [c.bounding_box() for c in card.locator("th.phone-only, td.debit, td.credit").all()]
        assert all(c["x"] + c["width"] <= box["x"] + box["width"] + 1 for c in cells)
    bank = cards.filter(has_text="1002 银行存款")
    assert bank.count() == 1
    totals = phone.locator("table.cards-on-phone tfoot tr")
    assert "合计" in totals.inner_text()

    # the month picker speaks Chinese whatever the browser's language
    chosen = phone.locator("select#period option:checked")
    assert chosen.inner_text() == "2026年8月" and chosen.get_attribute("value") == "2026-08"
    phone.screenshot(path=os.path.join(screenshot_dir, "accountant-trial-balance-phone.png"), full_page=True)

    phone.emulate_media(media="print")
    assert phone.evaluate("getComputedStyle(document.querySelector('table.cards-on-phone thead')).display") \
        == "table-header-group"
    assert phone.evaluate("getComputedStyle(document.querySelector('th.phone-only')).display") == "none"
