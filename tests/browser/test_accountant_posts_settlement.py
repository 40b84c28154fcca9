"""The accountant approves and posts the settlement waiting for review on a phone; the villager
then finds its amount on her statement (对账单)."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from market import demo
from market.clock import local_today
from market.payments import services as payments
from models import Settlement, SettlementHousehold, SettlementStatus, User, db
from tests.conftest import load_demo

pytestmark = pytest.mark.browser


def _login(page, server, phone):
    page.goto(f"{server}/login")
    page.fill("input[name=phone]", phone)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("form.stacked [type=submit]")
    page.wait_for_load_state()


def test_the_accountant_posts_and_the_villager_sees_the_amount(live_app, live_server, phone, browser, screenshot_dir):
    load_demo(local_today())
    db.session.commit()
    waiting = db.session.scalar(select(Settlement).where(Settlement.status == SettlementStatus.SUBMITTED))
    villager = db.session.scalar(select(User).where(User.phone == demo.VILLAGER_PHONE))
    line = db.session.scalar(select(SettlementHousehold).where(SettlementHousehold.settlement_id == waiting.id,
                                                              SettlementHousehold.household_id == villager.household_id))
    assert line is not None and line.net > 0
    amount = f"{line.net:,.2f}"
    # once posted, she is owed this settlement's net on top of what she was owed before
    owed_after = f"{payments.owed(villager.household_id) + line.net:,.2f}"
    delivered = [f"{item.amount:,.2f}" for item in line.items]
    number, settlement_id = waiting.number, waiting.id
    db.session.remove()

    page = phone
    page.on("dialog", lambda dialog: dialog.accept())
    _login(page, live_server, "13800000003")  # 赵会计, who did not prepare it
    page.goto(f"{live_server}/settlements/")
    page.click(f"text={number}")
    page.wait_for_url(f"**/settlements/{settlement_id}")
    page.click("form[action$='/approve'] [type=submit]")
    page.wait_for_selector("form[action$='/post'] [type=submit]")
    page.click("form[action$='/post'] [type=submit]")
    page.wait_for_load_state()
    page.wait_for_selector("text=已记账")
    assert amount in page.inner_text("main")
    page.screenshot(path=os.path.join(screenshot_dir, "accountant-settlement-posted.png"), full_page=True)

    with live_app.app_context():
        assert db.session.get(Settlement, settlement_id).status is SettlementStatus.POSTED
        db.session.remove()

    villager_page = browser.new_context(viewport={"width": 412, "height": 915}, is_mobile=True,
                                        locale="zh-CN").new_page()
    _login(villager_page, live_server, demo.VILLAGER_PHONE)
    villager_page.goto(f"{live_server}/me/statement")
    text = villager_page.inner_text("main")
    assert owed_after in text, text
    assert all(figure in text for figure in delivered), text
    villager_page.screenshot(path=os.path.join(screenshot_dir, "villager-statement.png"), full_page=True)
    villager_page.context.close()
