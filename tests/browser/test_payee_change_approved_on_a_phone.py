"""On a phone, the accountant sees a payout-account change in full, old beside new, and approves it."""
from __future__ import annotations

import os

import pytest

from market.auth.services import create_user
from market.reference import households, payee_changes, villages
from models import Household, RoleName, db

pytestmark = pytest.mark.browser
PASSWORD = "peach-2016"


def test_the_accountant_approves_a_payout_account_change(live_app, live_server, phone, screenshot_dir):
    admin = create_user(None, phone="13800000005", name="管理员", password=PASSWORD, roles=[RoleName.ADMIN])
    coordinator = create_user(None, phone="13800000002", name="李建国", password=PASSWORD, roles=[RoleName.COORDINATOR])
    create_user(None, phone="13800000003", name="赵会计", password=PASSWORD, roles=[RoleName.ACCOUNTANT])
    village = villages.create_village(admin, code="610404004201", name="北里村", township="北杜街道")
    household = households.create_household(coordinator, head_name="张秀英", village_id=village.id, bank_name="陕西信合",
                                            account_number="6230270100012345678")
    households.update_household(coordinator, household, bank_name="工商银行", account_number="6222020200000000666")
    db.session.commit()
    assert payee_changes.pending_for(household.id) is not None

    phone.goto(f"{live_server}/login")
    phone.fill("input[name=phone]", "13800000003")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("form.stacked [type=submit]")
    phone.wait_for_load_state()
    phone.goto(f"{live_server}/admin/payee-changes")
    card = phone.locator(".payee-change")
    assert "6230270100012345678" in card.inner_text() and "6222020200000000666" in card.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= phone.viewport_size["width"]
    phone.screenshot(path=os.path.join(screenshot_dir, "accountant-payee-change.png"), full_page=True)
    asked = []
    phone.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    phone.click(".payee-change [name=approve]")
    phone.wait_for_load_state()
    assert asked and "张秀英" in asked[0]  # the approver confirms whom the money goes to
    assert "已同意" in phone.locator(".flash.success").inner_text()
    db.session.commit()  # end the test's read so it sees what the server wrote
    assert db.session.get(Household, household.id).account_number == "6222020200000000666"
