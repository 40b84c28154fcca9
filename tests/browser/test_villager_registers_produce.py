"""A villager on a phone registers a lot of 300 斤 and sees it as 150 公斤 / 300 斤."""
from __future__ import annotations

import os

import pytest

from market.auth.services import create_user
from models import Grade, GradeTable, Household, Product, RoleName, Variety, Village, VillageGroup, db

pytestmark = pytest.mark.browser

PASSWORD = "peach-2016"


def _seed() -> None:
    village = Village(code="610404004201", name="北里村", township="北杜街道", county="渭城区")
    db.session.add(village)
    db.session.flush()
    group = VillageGroup(village_id=village.id, number=1, name="一组")
    product = Product(name="桃")
    db.session.add_all([group, product])
    db.session.flush()
    table = GradeTable(product_id=product.id, name="鲜桃等级", is_default=True)
    db.session.add_all([table, Variety(product_id=product.id, name="水蜜桃")])
    db.session.flush()
    for rank, name in enumerate(["特级", "一级", "二级", "等外"]):
        db.session.add(Grade(table_id=table.id, code=f"g{rank}", name=name, rank=rank))
    household = Household(head_name="张秀英", village_id=village.id, group_id=group.id)
    db.session.add(household)
    db.session.flush()
    create_user(None, phone="13900000001", name="张秀英", password=PASSWORD, roles=[RoleName.VILLAGER],
                household_id=household.id)
    db.session.commit()


def test_a_villager_registers_300_jin_on_a_phone_and_sees_150_kg(live_app, live_server, phone, screenshot_dir):
    _seed()
    page = phone
    page.goto(f"{live_server}/login")
    page.fill("input[name=phone]", "13900000001")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked [type=submit]")
    page.wait_for_url("**/home")  # her home: what waits for her household, and 登记交售
    # every item of her menu is on the screen, 我的对账单 included: nothing hides off to the side
    boxes = [link.bounding_box() for link in page.locator("nav.main a").all()]
    assert len(boxes) >= 5 and all(box["x"] >= 0 and box["x"] + box["width"] <= 412 for box in boxes), boxes

    page.click("a[href$='/lots/new']")
    page.wait_for_url("**/lots/new")
    page.select_option("select[name=variety_id]", label="水蜜桃")
    page.select_option("select[name=grade_id]", label="一级")
    page.fill("input[name=quantity]", "300")
    assert page.input_value("select[name=unit]") == "jin"
    page.screenshot(path=os.path.join(screenshot_dir, "villager-new-lot.png"), full_page=True)
    page.click("form.stacked [type=submit]")
    page.wait_for_url("**/lots/mine")

    text = page.inner_text("main")
    assert "300 斤" in text
    assert "150 公斤" in text
    page.screenshot(path=os.path.join(screenshot_dir, "villager-my-lots.png"), full_page=True)
