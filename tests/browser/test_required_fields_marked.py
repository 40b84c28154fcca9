"""On a phone, what an order needs is marked before it is sent: each required field carries
``required`` and a ＊ in its label, and the farm-gate prices of the grades down to the lowest accepted
are marked — choosing another lowest grade moves the mark. The villager's lot form is marked too."""
from __future__ import annotations

import os
from datetime import date

import pytest

from market import demo
from tests.browser.test_order_margin_warning import PASSWORD, _seed
from tests.conftest import load_demo
from models import db

pytestmark = pytest.mark.browser

ORDER_REQUIRED = ("buyer_id", "quantity", "min_grade_id", "delivered_price", "window_start", "window_end")


def _login(page, server: str, phone_number: str, password: str) -> None:
    page.goto(f"{server}/login")
    page.fill("input[name=phone]", phone_number)
    page.fill("input[name=password]", password)
    page.click("form.stacked [type=submit]")
    page.wait_for_load_state()


def _marked(page, name: str) -> bool:
    """The field says it is required, and its label shows the ＊ a person sees."""
    field = page.locator(f"[name={name}]")
    label = page.locator(f"label[for={field.get_attribute('id')}]")
    return field.evaluate("el => el.required") and label.locator(".req").count() == 1 \
        and "＊" in label.inner_text()


def test_the_order_form_marks_what_it_needs_before_it_is_sent(live_app, live_server, phone, screenshot_dir):
    grades = _seed()
    _login(phone, live_server, "13800000002", PASSWORD)
    phone.set_viewport_size({"width": 412, "height": 900})
    phone.goto(f"{live_server}/orders/new")
    for name in ORDER_REQUIRED:
        assert _marked(phone, name), name
    assert not _marked(phone, "destination") and not _marked(phone, "note")
    # the default lowest grade is 一级: 特级 and 一级 need a price, 二级 and 等外 may stay empty
    price = {name: f"price_{grade_id}" for name, grade_id in grades.items()}
    assert _marked(phone, price["特级"]) and _marked(phone, price["一级"])
    assert not _marked(phone, price["二级"]) and not _marked(phone, price["等外"])
    phone.screenshot(path=os.path.join(screenshot_dir, "coordinator-order-required-phone.png"), full_page=True)

    phone.select_option("select[name=min_grade_id]", label="二级")
    assert _marked(phone, price["二级"]) and not _marked(phone, price["等外"])
    phone.select_option("select[name=min_grade_id]", label="特级")
    assert _marked(phone, price["特级"]) and not _marked(phone, price["一级"])
    # the empty required fields are what the browser would stop at
    invalid = phone.evaluate("Array.from(document.querySelectorAll('form.order-form :invalid')).map(e => e.name)")
    assert {"buyer_id", "quantity", "delivered_price", price["特级"]} <= set(invalid)


def test_the_villagers_lot_form_marks_what_it_needs(live_app, live_server, phone, screenshot_dir):
    load_demo(date(2026, 8, 20))
    db.session.commit()
    _login(phone, live_server, demo.VILLAGER_PHONE, demo.DEMO_PASSWORD)
    phone.set_viewport_size({"width": 412, "height": 900})
    phone.goto(f"{live_server}/lots/new")
    for name in ("variety_id", "grade_id", "quantity", "ready_from", "ready_to", "spoil_by"):
        assert _marked(phone, name), name
    assert not _marked(phone, "location_note")
    phone.screenshot(path=os.path.join(screenshot_dir, "villager-lot-required-phone.png"), full_page=True)
