"""Payouts to households and buyers' receipts against posted settlements: never beyond what is
owed, once per idempotency key, all or none in a batch, and voided rather than rejected."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from market.errors import Conflict, IdempotencyConflict, ValidationFailed
from market.ledger import services as ledger
from market.payments import services as payments
from market.settlements import services
from models import Payment, Settlement, SettlementHousehold, SettlementStatus, Voucher, VoucherStatus, db
from tests.market.settlements.test_services import DAY, posted


def test_payouts_never_exceed_what_is_owed(received, coordinator, accountant):
    settlement = posted(received, coordinator, accountant)
    line = settlement.households[0]
    household = line.household
    household.account_number = "6217000011112222"
    with pytest.raises(ValidationFailed):
        payments.pay_household(accountant, household, payments.PaymentInput(amount=line.net + Decimal("0.01")),
                               idempotency_key="too-much")
    db.session.rollback()
    first = payments.pay_household(accountant, household, payments.PaymentInput(amount="100.00"),
                                   idempotency_key="first")
    again = payments.pay_household(accountant, household, payments.PaymentInput(amount="100.00"),
                                   idempotency_key="first")
    assert again.id == first.id
    with pytest.raises(IdempotencyConflict):
        payments.pay_household(accountant, household, payments.PaymentInput(amount="100.01"), idempotency_key="first")
    db.session.rollback()
    payments.pay_household(accountant, household, payments.PaymentInput(amount="100.00"), idempotency_key="first")
    assert payments.owed(household.id) == line.net - Decimal("100.00")
    db.session.commit()


def test_cash_needs_a_signer_and_a_large_payout_a_document(received, coordinator, accountant):
    settlement = posted(received, coordinator, accountant)
    household = settlement.households[0].household
    with pytest.raises(ValidationFailed) as caught:
        payments.pay_household(accountant, household, payments.PaymentInput(amount="10", method="cash"),
                               idempotency_key="cash")
    assert "signer" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        payments.pay_household(accountant, household, payments.PaymentInput(amount="50000.01", method="cash",
                                                                            signer="张秀英"),
                               idempotency_key="big")
    assert "supporting_doc" in caught.value.fields


def test_paying_everyone_in_full_marks_the_settlement_paid(received, coordinator, accountant, reviewer):
    settlement = posted(received, coordinator, accountant)
    for line in settlement.households:
        payments.pay_household(accountant, line.household, payments.PaymentInput(
            amount=line.net, method="wechat"), idempotency_key=f"all-{line.id}")
    db.session.commit()
    assert db.session.get(Settlement, settlement.id).status is SettlementStatus.PAID
    buyer = settlement.buyer
    payments.receive_from_buyer(accountant, buyer, payments.PaymentInput(amount=settlement.buyer_total),
                                idempotency_key="buyer-all")
    db.session.commit()
    assert db.session.get(Settlement, settlement.id).buyer_outstanding == 0
    for voucher in db.session.scalars(select(Voucher).where(Voucher.status == VoucherStatus.PREPARED)):
        ledger.approve(reviewer, voucher)
        ledger.post(reviewer, voucher)
    db.session.commit()
    assert ledger.verify() == []
    balances = {row["account"].code: row["balance"] for row in ledger.trial_balance()}
    assert balances["2202"] == 0 and balances["1122"] == 0


def test_a_batch_names_the_household_it_cannot_pay_and_pays_nobody(received, coordinator, accountant):
    settlement = posted(received, coordinator, accountant)
    lines = settlement.households
    for line in lines:
        line.household.account_number = f"62170000{line.household_id:08d}"
    db.session.commit()
    too_much = [(lines[0].household, str(lines[0].net)), (lines[1].household, str(lines[1].net + 1))]
    with pytest.raises(ValidationFailed) as caught:
        payments.pay_batch(accountant, too_much, paid_on=DAY, idempotency_key="batch-1")
    assert lines[1].household.head_name in caught.value.text()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    fine = [(lines[0].household, str(lines[0].net)), (lines[1].household, "100")]
    batch = payments.pay_batch(accountant, fine, paid_on=DAY, idempotency_key="batch-2")
    # the same request with the amounts written differently is the same batch
    again = payments.pay_batch(accountant, [(lines[0].household, lines[0].net), (lines[1].household, "100.00")],
                               paid_on=DAY, idempotency_key="batch-2")
    assert again.id == batch.id and batch.count == 2
    db.session.commit()


def _review_all(reviewer):
    for voucher in db.session.scalars(select(Voucher).where(Voucher.status == VoucherStatus.PREPARED)
                                      .order_by(Voucher.id)):
        ledger.approve(reviewer, voucher)
        ledger.post(reviewer, voucher)


def test_a_payment_voucher_is_corrected_only_by_voiding_the_payment(received, coordinator, accountant, reviewer):
    settlement = posted(received, coordinator, accountant)
    line = settlement.households[0]
    payment = payments.pay_household(accountant, line.household, payments.PaymentInput(amount=line.net,
                                                                                       method="wechat"),
                                     idempotency_key="full")
    db.session.commit()
    with pytest.raises(Conflict):  # rejecting it alone would leave the household marked paid
        ledger.reject(reviewer, payment.voucher, "金额不对")
    db.session.rollback()
    payments.void_payment(reviewer, payment, "付错了人")
    db.session.commit()
    assert payment.voucher.status is VoucherStatus.REJECTED and payment.voided_at is not None
    assert db.session.get(SettlementHousehold, line.id).paid == 0
    assert payments.owed(line.household_id) == line.net
    assert services.verify() == [] and ledger.verify() == []
    with pytest.raises(Conflict):
        payments.void_payment(reviewer, payment, "again")


def test_voiding_a_posted_payout_reverses_its_voucher_and_reopens_the_settlement(received, coordinator, accountant,
                                                                                reviewer):
    settlement = posted(received, coordinator, accountant)
    paid = [payments.pay_household(accountant, line.household, payments.PaymentInput(amount=line.net,
                                                                                      method="wechat"),
                                   idempotency_key=f"p-{line.id}") for line in settlement.households]
    _review_all(reviewer)
    db.session.commit()
    assert settlement.status is SettlementStatus.PAID
    with pytest.raises(Conflict):
        ledger.reverse(reviewer, paid[0].voucher, reason="x", voucher_date=DAY, idempotency_key="r")
    db.session.rollback()
    payments.void_payment(accountant, paid[0], "银行退回")
    db.session.commit()
    assert db.session.get(Settlement, settlement.id).status is SettlementStatus.POSTED
    red = db.session.scalar(select(Voucher).where(Voucher.reverses_id == paid[0].voucher_id))
    assert red is not None and red.status is VoucherStatus.PREPARED
    with pytest.raises(Conflict):  # the red voucher of a voided payment is approved, not rejected
        ledger.reject(reviewer, red, "不同意")
    db.session.rollback()
    _review_all(reviewer)
    db.session.commit()
    household = settlement.households[0].household_id
    balance = {(row[0], row[2]): Decimal(row[3]) - Decimal(row[4]) for row in ledger.posted_totals()}
    account_2202 = ledger.account("2202").id
    assert -balance[(account_2202, household)] == payments.owed(household) == settlement.households[0].net
    assert services.verify() == [] and ledger.verify() == []
