"""Every action a person cannot take says why: a voucher waiting for review tells its preparer and
the cashier who reviews it, and a month's 期末结转 and 结账 say what still waits."""
from __future__ import annotations

from datetime import date

import pytest

from market.ledger import services as ledger
from market.ledger.services import LineInput
from models import RoleName, db
from tests.market.settlements.conftest import books  # noqa: F401  (fixtures)

DAY = date(2026, 8, 12)


@pytest.fixture
def people(make_user):
    return {"cashier": make_user(RoleName.CASHIER, name="钱出纳"),
            "accountant": make_user(RoleName.ACCOUNTANT, name="赵会计"),
            "chief": make_user(RoleName.ACCOUNTANT, RoleName.CHIEF_ACCOUNTANT, name="孙主管")}


@pytest.fixture
def petty_cash(books, people):
    voucher = ledger.prepare_voucher(people["cashier"], voucher_date=DAY, summary="提取备用金",
                                     idempotency_key="petty", lines=[LineInput("1001", debit="500.00"),
                                                                     LineInput("1002", credit="500.00")])
    db.session.commit()
    return voucher


def test_the_cashier_is_told_who_reviews_her_voucher_where_no_button_is(client, login, people, petty_cash):
    login(people["cashier"])
    page = client.get(f"/books/vouchers/{petty_cash.id}").get_data(as_text=True)
    assert 'id="why-no-review"' in page and "凭证只由会计审核和记账" in page
    assert "approve" not in page.split('id="why-no-review"')[1].split("</main>")[0]


def test_an_accountant_is_told_she_prepared_the_voucher_she_cannot_approve(client, login, people, books):
    voucher = ledger.prepare_voucher(people["accountant"], voucher_date=DAY, summary="提取备用金",
                                     idempotency_key="petty-2", lines=[LineInput("1001", debit="300.00"),
                                                                       LineInput("1002", credit="300.00")])
    db.session.commit()
    login(people["accountant"])
    page = client.get(f"/books/vouchers/{voucher.id}").get_data(as_text=True)
    assert "这张凭证是您制单的，须由另一位会计审核。" in page
    client.post("/logout")
    login(people["chief"])
    page = client.get(f"/books/vouchers/{voucher.id}").get_data(as_text=True)
    assert 'id="why-no-review"' not in page and f"/books/vouchers/{voucher.id}/approve" in page


def test_a_disabled_carry_forward_says_what_still_waits(client, login, people, petty_cash):
    login(people["accountant"])  # reviews, but does not close: the reason stood only under 结账
    page = client.get("/books/periods").get_data(as_text=True)
    period_id = petty_cash.period_id
    assert f'disabled aria-describedby="why-{period_id}"' in page
    assert f'id="why-{period_id}">1 张凭证尚待审核或记账' in page
