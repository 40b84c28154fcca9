"""On a phone, each role's home opens on what waits for it: the counts sit on screen with no
sideways scrolling, and each one opens the page where that work is done."""
from __future__ import annotations

import os
from datetime import date

import pytest

from market import demo
from models import db
from tests.conftest import load_demo

pytestmark = pytest.mark.browser

HOMES = [  # who, their phone, a to-do they see, where it leads
    ("villager", demo.VILLAGER_PHONE, "还有钱款待付给您的结算单", "/me/statement"),
    ("buyer", "13800000004", "在途的发货：请登记验收", "/fulfilment/"),
    ("cashier", demo.CASHIER[1], "已记账结算单中超市尚欠款项", "/payments/receive"),
    ("chief", demo.CHIEF[1], "已过月末尚未结账的会计期间", "/books/periods"),
]


@pytest.mark.parametrize("who, phone_number, todo, leads_to", HOMES, ids=[h[0] for h in HOMES])
def test_each_roles_home_is_its_to_do_list(live_app, live_server, phone, screenshot_dir, who, phone_number,
                                           todo, leads_to):
    load_demo(date(2026, 8, 20))
    db.session.commit()
    phone.set_viewport_size({"width": 412, "height": 900})
    phone.goto(f"{live_server}/login")
    phone.fill("input[name=phone]", phone_number)
    phone.fill("input[name=password]", demo.DEMO_PASSWORD)
    phone.click("form.stacked [type=submit]")
    phone.wait_for_url("**/home")
    assert phone.locator("h2").first.inner_text() == "等您处理"
    width = phone.viewport_size["width"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= width
    card = phone.locator(".cards.todo a", has_text=todo)
    box = card.bounding_box()
    assert card.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert card.locator(".qty").inner_text().strip().isdigit()
    phone.screenshot(path=os.path.join(screenshot_dir, f"{who}-home-phone.png"), full_page=True)
    card.click()
    phone.wait_for_load_state()
    assert leads_to in phone.url
