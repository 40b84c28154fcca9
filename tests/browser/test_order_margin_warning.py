"""On a phone, the coordinator types an order's prices: each grade's margin appears as she types,
a grade sold at a loss is marked and the reason field asks to be filled; without a reason the
order is refused at that field, with one it is saved and its page shows the loss and the reason."""
from __future__ import annotations

import os

import pytest

from market.auth.services import create_user
from market.orders import buyers
from market.orders.buyers import CREDIT_CODE_CHARS, CREDIT_CODE_WEIGHTS
from market.reference import catalogue
from models import BuyerOrder, GradeTable, RoleName, db

pytestmark = pytest.mark.browser
PASSWORD = "peach-2016"


def _seed() -> dict[str, int]:
    admin = create_user(None, phone="13800000005", name="管理员", password=PASSWORD, roles=[RoleName.ADMIN])
    coordinator = create_user(None, phone="13800000002", name="李建国", password=PASSWORD,
                              roles=[RoleName.COORDINATOR])
    peach = catalogue.create_peach_defaults(admin)
    grades = {g.name: g.id for g in db.session.scalar(db.select(GradeTable).where(
        GradeTable.product_id == peach.id)).grades}
    body = "91620300MA74XK3B0"
    check = CREDIT_CODE_CHARS[(31 - sum(CREDIT_CODE_CHARS.index(c) * w
                                        for c, w in zip(body, CREDIT_CODE_WEIGHTS)) % 31) % 31]
    buyers.create_buyer(coordinator, name="金昌赢华联超市", credit_code=body + check, city="金昌市")
    db.session.commit()
    return grades


def test_a_grade_sold_below_cost_is_marked_as_prices_are_typed_and_needs_a_reason(
        live_app, live_server, phone, screenshot_dir):
    grades = _seed()
    page = phone
    page.goto(f"{live_server}/login")
    page.fill("input[name=phone]", "13800000002")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked [type=submit]")
    page.goto(f"{live_server}/orders/new")
    page.select_option("select[name=buyer_id]", label="金昌赢华联超市")
    page.fill("input[name=quantity]", "5.4")
    page.select_option("select[name=min_grade_id]", label="二级")
    page.fill("input[name=delivered_price]", "8.60")
    page.fill(f"input[name=price_{grades['特级']}]", "8.00")
    page.fill(f"input[name=price_{grades['一级']}]", "6.80")
    page.fill(f"input[name=price_{grades['二级']}]", "5.20")
    page.fill("input[name=expected_cost_per_kg]", "1.10")

    preview = page.locator("#margin-preview")
    assert preview.is_visible()
    rows = [row.inner_text().split("\t") for row in preview.locator("tbody tr").all()]
    assert [r[0] for r in rows] == ["特级", "一级", "二级"]
    assert "¥-0.50/公斤" in rows[0][1] and "亏本" in rows[0][1]
    assert rows[1][1].strip() == "¥0.70/公斤" and rows[2][1].strip() == "¥2.30/公斤"
    assert page.locator("#margin-preview td.loss").count() == 1
    assert page.locator("#below_cost_reason").evaluate("el => el.required") is True
    page.screenshot(path=os.path.join(screenshot_dir, "coordinator-order-margin.png"), full_page=True)

    # 斤 prices: the same order per 斤 shows the same loss, per 斤
    page.select_option("select[name=price_unit]", "jin")
    page.fill("input[name=delivered_price]", "4.30")
    page.fill(f"input[name=price_{grades['特级']}]", "4.00")
    page.fill(f"input[name=price_{grades['一级']}]", "3.40")
    page.fill(f"input[name=price_{grades['二级']}]", "2.60")
    page.fill("input[name=expected_cost_per_kg]", "0.55")
    assert "¥-0.25/斤" in page.locator("#margin-preview tbody tr").first.inner_text()

    # the browser would stop the submit at the empty reason; the server says the same without it
    page.locator("#below_cost_reason").evaluate("el => el.required = false")
    page.click("form.order-form [type=submit]")
    assert page.locator(".field.has-error #below_cost_reason").count() == 1
    assert "特级" in page.locator(".field.has-error").filter(has=page.locator("#below_cost_reason")).inner_text()
    assert db.session.scalar(db.select(BuyerOrder.id)) is None

    page.fill("#below_cost_reason", "长期客户，特级果很少")
    page.click("form.order-form [type=submit]")
    page.wait_for_url("**/orders/*")
    text = page.inner_text("main")
    assert "低于成本销售" in text and "长期客户，特级果很少" in text
    page.screenshot(path=os.path.join(screenshot_dir, "coordinator-order-below-cost.png"), full_page=True)
