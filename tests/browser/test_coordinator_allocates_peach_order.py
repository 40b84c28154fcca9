"""The coordinator allocates and confirms the 5.4 t peach order on a phone; a villager then sees
on her phone what was taken from her lot."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest

from market.auth.services import create_user
from market.clock import local_today
from market.orders import buyer_orders, buyers
from market.orders.buyers import CREDIT_CODE_CHARS, CREDIT_CODE_WEIGHTS
from market.produce import services as produce
from market.reference import catalogue, households as household_services, villages
from models import GradeTable, RoleName, Variety, db

pytestmark = pytest.mark.browser
PASSWORD = "peach-2016"


def _seed():
    admin = create_user(None, phone="13800000005", name="管理员", password=PASSWORD, roles=[RoleName.ADMIN])
    coordinator = create_user(None, phone="13800000002", name="李建国", password=PASSWORD,
                              roles=[RoleName.COORDINATOR])
    village = villages.create_village(admin, code="610404004201", name="北里村", township="北杜街道")
    group = villages.create_village_group(admin, village_id=village.id, number=1, name="一组")
    peach = catalogue.create_peach_defaults(admin)
    variety = db.session.scalar(db.select(Variety).where(Variety.name == "水蜜桃"))
    grades = {g.name: g for g in db.session.scalar(db.select(GradeTable).where(
        GradeTable.product_id == peach.id)).grades}
    today = local_today()
    households = []
    for i in range(45):
        household = household_services.create_household(coordinator, head_name="张秀英" if i == 0 else f"农户{i:02d}",
                                                        village_id=village.id, group_id=group.id, payout_method="cash")
        produce.register_lot(coordinator, household_id=household.id, variety_id=variety.id,
                             grade_id=grades["一级"].id, quantity="300斤", ready_from=today,
                             ready_to=today + timedelta(days=3), spoil_by=today + timedelta(days=8))
        households.append(household)
    create_user(None, phone="13900000001", name="张秀英", password=PASSWORD, roles=[RoleName.VILLAGER],
                household_id=households[0].id)
    body = "91620300MA74XK3B0"
    check = CREDIT_CODE_CHARS[(31 - sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(body, CREDIT_CODE_WEIGHTS)) % 31) % 31]
    buyer = buyers.create_buyer(coordinator, name="金昌赢华联超市", credit_code=body + check, city="金昌市")
    order = buyer_orders.create_order(
        coordinator, buyer_id=buyer.id, variety_id=variety.id, min_grade_id=grades["二级"].id, quantity="5.4吨",
        delivered_price="8.60", mode="field_direct", window_start=today, window_end=today + timedelta(days=3),
        crate_kg="10", share_cap_pct="5",
        farm_gate_prices={grades["特级"].id: "8.00", grades["一级"].id: "6.80", grades["二级"].id: "5.20"})
    buyer_orders.open_order(coordinator, order)
    db.session.commit()
    return order.id


def _login(page, server, phone):
    page.goto(f"{server}/login")
    page.fill("input[name=phone]", phone)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked [type=submit]")


def test_the_coordinator_confirms_54_tonnes_and_the_villager_sees_her_share(live_app, live_server, phone,
                                                                            screenshot_dir, browser):
    order_id = _seed()
    page = phone
    _login(page, live_server, "13800000002")
    page.goto(f"{live_server}/orders/{order_id}")
    page.click("form[action$='/runs'] [type=submit]")
    page.wait_for_selector("form[action$='/confirm']")
    page.screenshot(path=os.path.join(screenshot_dir, "coordinator-order-run.png"), full_page=True)
    page.click("form[action$='/confirm'] [type=submit]")
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "5,400" in text
    page.screenshot(path=os.path.join(screenshot_dir, "coordinator-order-confirmed.png"), full_page=True)

    villager = browser.new_context(viewport={"width": 412, "height": 915}, is_mobile=True, locale="zh-CN").new_page()
    _login(villager, live_server, "13900000001")
    villager.goto(f"{live_server}/orders/mine")
    mine = villager.inner_text("main")
    assert "金昌赢华联超市" in mine
    assert "240 斤" in mine  # 120 公斤 of her 300 斤 (5,400 kg shared by 45 households in whole crates)
    villager.screenshot(path=os.path.join(screenshot_dir, "villager-sold-to-buyers.png"), full_page=True)
    villager.context.close()
