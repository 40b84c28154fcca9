"""会计基础工作规范's division of duties: the cashier (出纳) records receipts and payouts and prepares only
收付款凭证, never reviews or posts, and keeps no revenue, receivable or payable; 会计主管 closes and
reopens periods; no one reviews what they prepared."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from market.errors import PermissionDenied, ValidationFailed
from market.ledger import services as ledger
from market.ledger.services import LineInput
from models import AuditEvent, RoleName, Voucher, VoucherStatus, db
from tests.market.settlements.conftest import books  # noqa: F401  (fixtures)

DAY = date(2026, 8, 12)


@pytest.fixture
def people(make_user):
    return {"cashier": make_user(RoleName.CASHIER, name="钱出纳"),
            "accountant": make_user(RoleName.ACCOUNTANT, name="赵会计"),
            "chief": make_user(RoleName.ACCOUNTANT, RoleName.CHIEF_ACCOUNTANT, name="孙主管")}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_cashier_prepares_a_cash_voucher_and_an_accountant_reviews_and_posts_it(books, people):
    voucher = ledger.prepare_voucher(people["cashier"], voucher_date=DAY, summary="提取备用金",
                                     idempotency_key="petty", lines=[LineInput("1001", debit="500.00"),
                                                                     LineInput("1002", credit="500.00")])
    with pytest.raises(PermissionDenied):
        ledger.approve(people["cashier"], voucher)
    ledger.approve(people["accountant"], voucher)
    with pytest.raises(PermissionDenied):
        ledger.post(people["cashier"], voucher)
    ledger.post(people["accountant"], voucher)
    assert voucher.status is VoucherStatus.POSTED


@pytest.mark.parametrize("lines, words", [
    # no cash line: not a 收付款凭证
    ([LineInput("5601", debit="10.00"), LineInput("2202", credit="10.00", party_type="supplier", party_id=1)],
     "只编制收付款凭证"),
    # revenue, a receivable and a payable are an accountant's to keep
    ([LineInput("1002", debit="10.00"), LineInput("5001", credit="10.00")], "5001"),
    ([LineInput("1002", debit="10.00"), LineInput("1122", credit="10.00", party_type="buyer", party_id=1)], "1122"),
    ([LineInput("2202", debit="10.00", party_type="household", party_id=1), LineInput("1002", credit="10.00")], "2202"),
])
def test_the_cashier_keeps_no_revenue_receivable_or_payable_and_nothing_is_written(books, people, lines, words):
    from flask_babel import force_locale

    before = (_count(Voucher), _count(AuditEvent))
    with pytest.raises(ValidationFailed) as error:
        ledger.prepare_voucher(people["cashier"], voucher_date=DAY, summary="出纳制单", idempotency_key="c",
                               lines=lines)
    with force_locale("zh_CN"):
        said = " ".join(error.value.field_texts()["lines"])
    assert words in said, said
    # it is the cashier's rule that refuses, checked before any rule an accountant is held to too
    assert error.value.rule == "cashier_voucher_scope"
    db.session.rollback()
    assert (_count(Voucher), _count(AuditEvent)) == before
    if words == "5001":
        # the same voucher from an accountant is fine (it is only the cashier who may not)
        ledger.prepare_voucher(people["accountant"], voucher_date=DAY, summary="会计制单", idempotency_key="a",
                               lines=lines)
    elif words in ("1122", "2202"):
        # a receivable or payable per party is kept by documents, by hand not even by an accountant
        with pytest.raises(ValidationFailed) as by_accountant:
            ledger.prepare_voucher(people["accountant"], voucher_date=DAY, summary="会计制单", idempotency_key="a",
                                   lines=lines)
        assert by_accountant.value.rule == "party_balance_by_document"


def test_only_the_chief_accountant_closes_and_reopens_a_period(books, people):
    period = ledger.period_for(DAY)
    db.session.commit()
    for someone in (people["cashier"], people["accountant"]):
        with pytest.raises(PermissionDenied):
            ledger.close_period(someone, period)
    ledger.close_period(people["chief"], period)
    db.session.commit()
    for someone in (people["cashier"], people["accountant"]):
        with pytest.raises(PermissionDenied):
            ledger.reopen_period(someone, period, "补记")
    ledger.reopen_period(people["chief"], period, "补记")


def test_the_cashier_pays_and_receives_on_the_pages_her_home_leads_to(books, people, client, login):
    login(people["cashier"])
    home = client.get("/home")
    assert home.status_code == 200 and 'href="/payments/"' in home.get_data(as_text=True)
    page = client.get("/payments/").get_data(as_text=True)
    assert "付款" in page
    assert client.get("/books/vouchers/new").status_code == 200  # 收付款凭证 by hand
    assert client.get("/books/periods").status_code == 200
    html = client.get("/books/periods").get_data(as_text=True)
    assert "2025-12" in html  # the open period of the opening funds is listed …
    assert "/close" not in html and "/carry-forward" not in html  # … without closing or its carry-forward
