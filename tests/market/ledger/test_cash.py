"""Cash (1001), each bank account (1002 or its sub-accounts) and 1012 never go below zero on any day:
a payout, a transfer or a voucher typed by hand that would take one there is refused, naming the
balance, and writes nothing. The ledgers here start with the opening funds (tests/market/settlements/
conftest.py: 1002 ¥1,000,000.00, 1001 ¥20,000.00, 1012 ¥50,000.00 since 2025-12-01)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from market.errors import ValidationFailed
from market.ledger import chart, services as ledger
from market.ledger.services import LineInput
from models import AuditEvent, Payment, Voucher, VoucherStatus, db
from tests.market.settlements.conftest import (  # noqa: F401  (fixtures)
    allocated, books, buyer, buyer_staff, collected, make_lot, make_order, received, reviewer, shipped, weigh,
)
from tests.market.settlements.test_api import DAY, payout, posted_settlement

AUG = date(2026, 8, 10)


def _posted(preparer, reviewer, key, day, *lines):
    voucher = ledger.prepare_voucher(preparer, voucher_date=day, summary="业务", idempotency_key=key, lines=list(lines))
    ledger.approve(reviewer, voucher)
    ledger.post(reviewer, voucher)
    db.session.commit()
    return voucher


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Voucher, Payment, AuditEvent))


def test_a_transfer_that_would_overdraw_the_cash_box_is_refused_naming_its_balance(books, accountant, reviewer):
    before = _counts()
    with pytest.raises(ValidationFailed) as error:
        ledger.prepare_voucher(accountant, voucher_date=AUG, summary="现金存入银行", idempotency_key="too-much",
                               lines=[LineInput("1002", debit="20000.01"), LineInput("1001", credit="20000.01")])
    assert "lines" in error.value.fields
    db.session.rollback()
    assert _counts() == before
    # all of it is fine, and then not a fen more
    _posted(accountant, reviewer, "all", AUG, LineInput("1002", debit="20000.00"), LineInput("1001", credit="20000.00"))
    with pytest.raises(ValidationFailed):
        ledger.prepare_voucher(accountant, voucher_date=AUG, summary="取现", idempotency_key="one-fen",
                               lines=[LineInput("5601", debit="0.01"), LineInput("1001", credit="0.01")])


def test_the_refusal_says_which_account_on_which_day_and_how_much_it_held(books, accountant, client, login):
    login(accountant)
    response = client.post("/api/v1/vouchers", headers={"Idempotency-Key": "wechat-out"}, json={
        "voucher_date": "2026-08-10", "summary": "微信支付运费",
        "lines": [{"account_code": "5601", "debit": "50000.01"}, {"account_code": "1012", "credit": "50000.01"}]})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["rule"]) == ("rule_not_met", "cash_below_zero") and "lines" in error["fields"]
    said = " ".join(error["fields"]["lines"])
    for words in ("1012 其他货币资金", "2026-08-10", "¥-0.01", "¥50,000.00", "¥50,000.01", "不能出现负数"):
        assert words in said, words


def test_a_payout_dated_before_later_ones_may_not_overdraw_any_day_after(books, accountant, reviewer):
    # the cash box: 20,000.00; 15,000.00 goes to the bank on 8-20; 6,000.00 paid on 8-10 would leave -1,000 on 8-20
    _posted(accountant, reviewer, "deposit", date(2026, 8, 20), LineInput("1002", debit="15000.00"),
            LineInput("1001", credit="15000.00"))
    with pytest.raises(ValidationFailed):
        ledger.prepare_voucher(accountant, voucher_date=AUG, summary="现金付运费", idempotency_key="backdated",
                               lines=[LineInput("5601", debit="6000.00"), LineInput("1001", credit="6000.00")])
    db.session.rollback()
    _posted(accountant, reviewer, "fits", AUG, LineInput("5601", debit="5000.00"), LineInput("1001", credit="5000.00"))


def test_each_bank_account_stands_on_its_own(books, accountant, reviewer):
    """Once 1002 is kept by bank account, money in one account does not pay from another."""
    for code, name in (("100201", "工商银行 6222"), ("100202", "农村信用社 6217")):
        chart.create_account(accountant, code=code, name=name, kind="asset")
    db.session.commit()
    _posted(accountant, reviewer, "capital", AUG, LineInput("100201", debit="1000.00"), LineInput("3001", credit="1000.00"))
    with pytest.raises(ValidationFailed) as error:
        ledger.prepare_voucher(accountant, voucher_date=AUG, summary="信用社付款", idempotency_key="rcc",
                               lines=[LineInput("5601", debit="10.00"), LineInput("100202", credit="10.00")])
    assert "lines" in error.value.fields
    db.session.rollback()
    _posted(accountant, reviewer, "icbc", AUG, LineInput("5601", debit="10.00"), LineInput("100201", credit="10.00"))


def test_posting_counts_only_what_is_posted_so_the_money_must_be_in_first(books, accountant, reviewer):
    """Preparing counts what waits for review; posting only what is posted: a payout posted before the
    receipt that pays for it is refused until the receipt is posted."""
    _posted(accountant, reviewer, "empty-box", AUG, LineInput("1002", debit="20000.00"), LineInput("1001", credit="20000.00"))
    receipt = ledger.prepare_voucher(accountant, voucher_date=AUG, summary="提现备用", idempotency_key="cash-in",
                                     lines=[LineInput("1001", debit="300.00"), LineInput("1002", credit="300.00")])
    spend = ledger.prepare_voucher(accountant, voucher_date=AUG, summary="现金付装卸费", idempotency_key="cash-out",
                                   lines=[LineInput("5601", debit="300.00"), LineInput("1001", credit="300.00")])
    db.session.commit()
    ledger.approve(reviewer, spend)
    db.session.commit()
    with pytest.raises(ValidationFailed):
        ledger.post(reviewer, spend)
    db.session.rollback()
    assert db.session.get(Voucher, spend.id).status is VoucherStatus.APPROVED
    ledger.approve(reviewer, receipt)
    ledger.post(reviewer, receipt)
    ledger.post(reviewer, db.session.get(Voucher, spend.id))
    db.session.commit()
    assert ledger.verify() == []


def test_a_household_paid_in_cash_beyond_the_cash_box_is_refused_and_nothing_is_written(
        client, login, received, accountant, reviewer):
    settlement = posted_settlement(client, login, received, accountant, reviewer)
    _posted(accountant, reviewer, "bank-it", date.fromisoformat(DAY), LineInput("1002", debit="19500.00"), LineInput("1001", credit="19500.00"))
    line = settlement["households"][0]
    before = _counts()
    response = payout(client, line["household_id"], line["net"], "cash-1", method="cash", signer="张秀英")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "amount" in error["fields"] and "1001 库存现金" in " ".join(error["fields"]["amount"])
    assert error["rule"] == "cash_below_zero"
    assert _counts() == before
    assert payout(client, line["household_id"], "500.00", "cash-2", method="cash", signer="张秀英").status_code == 201
    assert payout(client, line["household_id"], "500.00", "bank-3", method="bank").status_code == 201


def test_an_overdraft_account_may_go_below_zero(app, books, accountant, reviewer):
    app.config["OVERDRAFT_ACCOUNTS"] = ("1002",)
    _posted(accountant, reviewer, "overdraft", AUG, LineInput("5601", debit="1000500.00"),
            LineInput("1002", credit="1000500.00"))
    assert ledger.verify() == []
    with pytest.raises(ValidationFailed):  # the cash box is not the bank's overdraft
        ledger.prepare_voucher(accountant, voucher_date=AUG, summary="现金", idempotency_key="cash",
                               lines=[LineInput("5601", debit="20000.01"), LineInput("1001", credit="20000.01")])
