"""The books' pages: each renders for an accountant, a villager sees only their own statement,
others are kept out; the review buttons move a voucher through 审核 and 记账."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from market.ledger import services as ledger
from models import Period, PeriodStatus, Voucher, VoucherSource, VoucherStatus, db

from .conftest import post_waiting_vouchers

BOOK_PAGES = ["/books/", "/books/trial-balance?period=2026-08", "/books/ledger?account=2202&from=2026-08&to=2026-12",
              "/books/ledger?account=1122", "/books/households", "/books/buyers", "/books/vouchers?period=2026-08",
              "/books/vouchers?period=2026-09&status=prepared", "/books/vouchers?period=all&status=approved",
              "/books/periods", "/books/vouchers/new"]


def test_every_book_page_renders_for_an_accountant(client, login, accountant, all_posted, zhang):
    login(accountant)
    for url in BOOK_PAGES + [f"/books/households?household_id={zhang.id}&from=2026-01-01&to=2026-12-31",
                             f"/books/buyers?buyer_id={all_posted.settlement.buyer_id}&as_of=2026-10-01",
                             f"/books/ledger?account=2202&party_id={zhang.id}&from=2026-01&to=2026-12"]:
        response = client.get(url)
        assert response.status_code == 200, url
    voucher = db.session.scalars(select(Voucher).order_by(Voucher.id)).first()
    page = client.get(f"/books/vouchers/{voucher.id}").get_data(as_text=True)
    assert "记账凭证" in page and "合计" in page and voucher.summary in page


def test_the_trial_balance_page_shows_balanced_totals(client, login, accountant, all_posted):
    login(accountant)
    page = client.get("/books/trial-balance?period=2026-08").get_data(as_text=True)
    assert "5001 主营业务收入" in page and f"{all_posted.settlement.buyer_total:,.2f}" in page
    assert "✓" in page


def test_the_household_statement_shows_what_is_still_owed(client, login, accountant, all_posted, zhang):
    login(accountant)
    line = next(l for l in all_posted.settlement.households if l.household_id == zhang.id)
    page = client.get(f"/books/households?household_id={zhang.id}&from=2026-01-01&to=2026-12-31").get_data(
        as_text=True)
    assert f"{line.net - Decimal('600'):,.2f}" in page and "BANK-1" in page


def test_a_villager_sees_their_own_statement_in_jin(client, login, zhang_villager, all_posted, zhang):
    login(zhang_villager)
    line = next(l for l in all_posted.settlement.households if l.household_id == zhang.id)
    page = client.get("/me/statement").get_data(as_text=True)
    assert f"{line.net - Decimal('600'):,.2f}" in page
    assert "400斤" in page or "400 斤" in page  # 200 kg
    assert "/斤" in page
    assert client.get("/me/statement?month=2026-10").status_code == 200
    assert client.get("/me/statement?month=nonsense").status_code == 200
    for url in BOOK_PAGES[:-1] + [f"/books/households?household_id={zhang.id}"]:
        assert client.get(url).status_code == 403, url


def test_another_villager_never_sees_this_household(client, login, villager, all_posted, zhang):
    login(villager)
    page = client.get("/me/statement").get_data(as_text=True)
    assert "张秀英" not in page.split("<main>")[1] or villager.household_id != zhang.id
    assert client.get(f"/books/households?household_id={zhang.id}").status_code == 403


def test_coordinators_and_buyers_are_kept_out(client, login, coordinator, buyer_staff, all_posted):
    for user in (coordinator, buyer_staff):
        login(user)
        for url in BOOK_PAGES + ["/me/statement"]:
            assert client.get(url).status_code == 403, (user.name, url)
        client.post("/logout")


def test_an_admin_reads_the_books_but_does_not_review(client, login, admin, paid):
    login(admin)
    assert client.get("/books/trial-balance?period=2026-09").status_code == 200
    voucher = db.session.scalars(select(Voucher).where(Voucher.status == VoucherStatus.PREPARED)).first()
    page = client.get(f"/books/vouchers/{voucher.id}").get_data(as_text=True)
    assert "/approve" not in page
    client.post(f"/books/vouchers/{voucher.id}/approve")
    assert db.session.get(Voucher, voucher.id).status is VoucherStatus.PREPARED


def _manual(accountant, key):
    from datetime import date
    voucher = ledger.prepare_voucher(accountant, voucher_date=date(2026, 8, 22), summary="报销差旅费",
                                     idempotency_key=key, lines=[ledger.LineInput("5601", debit="120.00"),
                                                                 ledger.LineInput("1001", credit="120.00")])
    db.session.commit()
    return voucher


def test_review_on_the_voucher_page(client, login, accountant, reviewer, paid):
    payout = db.session.scalars(select(Voucher).where(Voucher.status == VoucherStatus.PREPARED)
                                .order_by(Voucher.id)).first()
    login(reviewer)  # a payment's voucher is approved here but corrected only by voiding the payment
    page = client.get(f"/books/vouchers/{payout.id}").get_data(as_text=True)
    assert "/approve" in page and "/reject" not in page
    client.post("/logout")
    voucher, spare = _manual(accountant, "m-1"), _manual(accountant, "m-2")
    login(accountant)  # the preparer may not approve
    assert "/approve" not in client.get(f"/books/vouchers/{voucher.id}").get_data(as_text=True)
    client.post(f"/books/vouchers/{voucher.id}/approve")
    assert db.session.get(Voucher, voucher.id).status is VoucherStatus.PREPARED
    client.post("/logout")
    login(reviewer)
    assert "/approve" in client.get(f"/books/vouchers/{voucher.id}").get_data(as_text=True)
    assert client.post(f"/books/vouchers/{voucher.id}/approve").status_code == 302
    assert db.session.get(Voucher, voucher.id).status is VoucherStatus.APPROVED
    client.post(f"/books/vouchers/{voucher.id}/post")
    posted = db.session.get(Voucher, voucher.id)
    assert posted.status is VoucherStatus.POSTED and posted.number
    response = client.post(f"/books/vouchers/{voucher.id}/reverse", data={"reverse-reason": ""})
    assert response.status_code == 422
    response = client.post(f"/books/vouchers/{voucher.id}/reverse", data={"reverse-reason": "金额录错"})
    red = db.session.scalar(select(Voucher).where(Voucher.reverses_id == voucher.id))
    assert response.headers["Location"].endswith(f"/books/vouchers/{red.id}")
    assert red.status is VoucherStatus.PREPARED and "金额录错" in red.summary
    other = spare
    client.post(f"/books/vouchers/{other.id}/reject", data={"reject-reason": "附件不全"})
    assert db.session.get(Voucher, other.id).status is VoucherStatus.REJECTED
    assert "附件不全" in client.get(f"/books/vouchers/{other.id}").get_data(as_text=True)


def test_periods_close_and_reopen_with_a_reason(client, login, accountant, reviewer, all_posted):
    login(accountant)
    august = db.session.scalar(select(Period).where(Period.year == 2026, Period.month == 8))
    client.post(f"/books/periods/{august.id}/close")
    assert db.session.get(Period, august.id).status is PeriodStatus.OPEN  # the profit and loss are not carried
    assert "损益类科目尚有余额：请先期末结转损益" in client.get("/books/periods").get_data(as_text=True)
    response = client.post(f"/books/periods/{august.id}/carry-forward")
    vat, carry = db.session.scalars(select(Voucher).where(Voucher.source == VoucherSource.CLOSING)
                                    .order_by(Voucher.id)).all()
    assert vat.summary == "转出2026年8月未交增值税"  # output tax above input tax: transferred first
    # two vouchers prepared: the page shows the month's vouchers waiting for review
    assert response.status_code == 302 and "/books/vouchers?period=2026-08&status=prepared" in response.headers["Location"]
    assert carry.summary == "结转2026年8月损益" and carry.status is VoucherStatus.PREPARED
    client.post("/logout")
    login(reviewer)
    for voucher in (vat, carry):
        client.post(f"/books/vouchers/{voucher.id}/approve")
        client.post(f"/books/vouchers/{voucher.id}/post")
    # posted, it offers no 红字冲销 of its own: reopening the period reverses it
    assert f"/books/vouchers/{carry.id}/reverse" not in client.get(f"/books/vouchers/{carry.id}").get_data(as_text=True)
    client.post(f"/books/periods/{august.id}/close")
    assert db.session.get(Period, august.id).status is PeriodStatus.CLOSED
    assert ledger.verify() == []
    # the chain's last link, as closing recorded it in the audit log, is on the page for the paper record
    head = ledger.chain_head(db.session.get(Period, august.id))
    assert len(head) == 64 and f"链尾校验码 {head[:16]}" in client.get("/books/periods").get_data(as_text=True)
    client.post(f"/books/periods/{august.id}/reopen", data={"reopen-reason": ""})
    assert db.session.get(Period, august.id).status is PeriodStatus.CLOSED
    client.post(f"/books/periods/{august.id}/reopen", data={"reopen-reason": "补记运费"})
    assert db.session.get(Period, august.id).status is PeriodStatus.OPEN
    assert "结转凭证的红字冲销凭证等待另一位会计审核" in client.get("/books/periods").get_data(as_text=True)
    red = db.session.scalar(select(Voucher).where(Voucher.reverses_id == carry.id))
    assert red.status is VoucherStatus.PREPARED and red.source is VoucherSource.CLOSING
    response = client.post("/books/periods", data={"month": "2026-12"})
    assert response.status_code == 302
    assert db.session.scalar(select(Period).where(Period.year == 2026, Period.month == 12)) is not None


def test_a_manual_voucher_is_prepared_from_the_form(client, login, accountant, books, zhang):
    from market.ledger import chart

    # a party account the documents do not keep (1122, 1123, 1221 and 2202 are theirs only)
    chart.create_account(accountant, code="2241", name="其他应付款", kind="liability", party_type="household")
    db.session.commit()
    login(accountant)
    page = client.get("/books/vouchers/new").get_data(as_text=True)
    assert "lines-0-account" in page
    data = {"voucher_date": "2026-11-02", "summary": "收到农户押金", "attachments": "1", "key": "k-1",
            "lines-0-account": "1002", "lines-0-debit": "5000.00",
            "lines-1-account": "2241", "lines-1-party": f"household:{zhang.id}", "lines-1-credit": "5000"}
    response = client.post("/books/vouchers/new", data=data)
    assert response.status_code == 302
    voucher = db.session.scalar(select(Voucher).where(Voucher.summary == "收到农户押金"))
    assert [(l.debit, l.credit) for l in voucher.lines] == [(Decimal("5000.00"), 0), (0, Decimal("5000.00"))]
    assert voucher.lines[1].party_id == zhang.id
    assert client.post("/books/vouchers/new", data=data).status_code == 302  # a double submit is the same voucher
    assert len(db.session.scalars(select(Voucher).where(Voucher.summary == "收到农户押金")).all()) == 1
    unbalanced = dict(data, key="k-2", **{"lines-1-credit": "4999.99"})
    response = client.post("/books/vouchers/new", data=unbalanced)
    assert response.status_code == 422 and "借方合计与贷方合计必须相等" in response.get_data(as_text=True)


def test_the_review_queue_lists_what_waits_in_every_period(client, login, accountant, paid):
    login(accountant)
    index = client.get("/books/").get_data(as_text=True)
    assert "period=all" in index
    page = client.get("/books/vouchers?period=all&status=prepared").get_data(as_text=True)
    waiting = db.session.scalars(select(Voucher).where(Voucher.status == VoucherStatus.PREPARED)).all()
    assert len(waiting) == 3 and all(v.summary in page for v in waiting)


def test_csv_and_xlsx_links_are_on_every_book(client, login, accountant, all_posted):
    login(accountant)
    for url in ("/books/trial-balance?period=2026-08", "/books/ledger?account=2202", "/books/vouchers?period=2026-08"):
        page = client.get(url).get_data(as_text=True)
        assert "format=csv" in page and "format=xlsx" in page, url


def test_staff_pages_show_no_words_for_developers(client, login, accountant, all_posted):
    login(accountant)
    voucher_id = db.session.scalar(select(Voucher.id).order_by(Voucher.id))
    response = client.get(f"/books/vouchers/{voucher_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "记账凭证" in page or "凭证" in page
    assert "幂等键" not in page and "payment:" not in page and "settlement:" not in page
    periods = client.get("/books/periods")
    assert periods.status_code == 200 and "YYYY" not in periods.get_data(as_text=True)


def test_a_weighed_but_unsettled_delivery_says_which_settlement_will_pay_it(client, login, accountant, received):
    """The statement said 'once the order is settled' even of deliveries a contract batch settles."""
    from models import WeighSlip
    slip = db.session.scalars(select(WeighSlip).order_by(WeighSlip.id)).first()
    login(accountant)
    page = client.get(f"/books/households?household_id={slip.household_id}&from=2026-01-01&to=2026-12-31"
                      ).get_data(as_text=True)
    assert "这些金额在各自的结算单记账后才应付" in page
    assert f"{slip.serial} · {'合同交售' if slip.contract_id else '超市订单'}" in page
