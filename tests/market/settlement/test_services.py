"""Settlements from a received order through review and posting, payouts and buyer receipts."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from market.errors import Conflict, IdempotencyConflict, InvalidTransition, PermissionDenied, ValidationFailed
from market.ledger import services as ledger
from market.settlement import payments, services
from models import (Payment, PurchaseInvoice, Settlement, SettlementHousehold, SettlementStatus, Voucher, VoucherSource,
                    VoucherStatus, db)

DAY = date(2026, 8, 21)


def settle(received, preparer, **values):
    order, _receipt = received
    values.setdefault("settle_on", DAY)
    settlement = services.prepare_order_settlement(preparer, order, **values)
    db.session.commit()
    return settlement


def posted(received, coordinator, accountant, **values):
    settlement = settle(received, coordinator, **values)
    services.submit(coordinator, settlement)
    services.approve(accountant, settlement)
    services.post(accountant, settlement)
    db.session.commit()
    return settlement


def test_the_three_way_settlement_reconciles_to_the_fen(received, coordinator):
    settlement = settle(received, coordinator, logistics="120.00", packing="35.50", buyer_deductions="10")
    assert settlement.status is SettlementStatus.DRAFT
    assert settlement.buyer_total == settlement.buyer_gross - Decimal("10.00")
    assert settlement.buyer_total == (sum(line.gross for line in settlement.households) + settlement.logistics
                                      + settlement.packing + settlement.margin)
    assert settlement.purchase_total == settlement.input_vat + settlement.purchase_cost
    assert len(settlement.households) == 3
    assert settlement.accepted_kg == Decimal("594.000") and settlement.field_kg == Decimal("600.000")


def test_the_preparer_cannot_approve_and_each_step_happens_once(received, coordinator, accountant, reviewer):
    settlement = settle(received, accountant)
    services.submit(accountant, settlement)
    with pytest.raises(PermissionDenied):
        services.approve(accountant, settlement)
    services.approve(reviewer, settlement)
    with pytest.raises(InvalidTransition):
        services.approve(reviewer, settlement)
    services.post(reviewer, settlement)
    with pytest.raises(InvalidTransition):
        services.post(reviewer, settlement)
    db.session.commit()


def test_posting_writes_balanced_vouchers_and_invoices(received, coordinator, accountant):
    settlement = posted(received, coordinator, accountant, logistics="120", packing="30")
    vouchers = db.session.scalars(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT)).all()
    assert {v.status for v in vouchers} == {VoucherStatus.POSTED}
    assert len(vouchers) == 3  # sale, purchase, costs (no advances to recover)
    assert ledger.verify() == []
    assert settlement.order.status.value == "settled"
    invoices = db.session.scalars(select(PurchaseInvoice)).all()
    assert len(invoices) == 3
    assert sum(i.amount for i in invoices) == settlement.purchase_total
    assert sum(i.vat for i in invoices) == settlement.input_vat


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


def test_an_order_is_settled_once(received, coordinator):
    settle(received, coordinator)
    with pytest.raises(Conflict):
        settle(received, coordinator)


def test_the_database_refuses_a_settlement_that_does_not_reconcile(received, coordinator):
    settlement = settle(received, coordinator)
    with pytest.raises(Exception):
        db.session.execute(text("UPDATE settlements SET margin = margin + 1 WHERE id = :id"), {"id": settlement.id})
        db.session.flush()
    db.session.rollback()


def test_verify_finds_a_line_whose_paid_no_payout_explains(received, coordinator, accountant, runner):
    settlement = posted(received, coordinator, accountant)
    assert services.verify() == []
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    db.session.execute(text("UPDATE settlement_households SET paid = paid + 1 WHERE id = :id"),
                       {"id": settlement.households[0].id})
    db.session.commit()
    assert any("paid differs" in problem for problem in services.verify())
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1 and "paid differs" in result.output


def test_a_settled_slip_cannot_be_voided_and_a_voided_one_stops_posting(received, coordinator, accountant):
    from market.weighing import services as weighing

    settlement = settle(received, coordinator)
    slip = settlement.slips[0]
    weighing.void_slip(coordinator, slip, "称错了")  # a draft does not hold its slips
    db.session.commit()
    services.submit(coordinator, settlement)
    services.approve(accountant, settlement)
    db.session.commit()
    with pytest.raises(Conflict):
        services.post(accountant, settlement)
    db.session.rollback()
    services.return_to_draft(accountant, settlement, "有过磅单作废，重新计算")
    services.recompute(coordinator, settlement, settle_on=DAY)
    assert slip not in settlement.slips
    services.submit(coordinator, settlement)
    db.session.commit()
    with pytest.raises(Conflict):
        weighing.void_slip(coordinator, settlement.slips[0], "想作废")


def test_a_reviewer_who_recomputes_a_returned_settlement_becomes_its_preparer(received, coordinator, accountant,
                                                                              reviewer):
    settlement = settle(received, accountant, logistics="100")
    services.submit(accountant, settlement)
    services.return_to_draft(reviewer, settlement, "运费不对")
    services.recompute(reviewer, settlement, settle_on=DAY, logistics="5000")
    services.submit(reviewer, settlement)
    with pytest.raises(PermissionDenied):
        services.approve(reviewer, settlement)
    services.approve(accountant, settlement)  # the figures are the reviewer's now: the other accountant checks
    db.session.commit()
    assert settlement.prepared_by_id == reviewer.id and settlement.approved_by_id == accountant.id


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


def test_deliveries_being_settled_stay_on_the_villagers_statement(received, coordinator, villager, accountant):
    from market.books import services as books

    order, _receipt = received
    household = order.runs[-1].lines[0].household
    before = books.pending_deliveries(household.id)
    assert len(before) == 1 and before[0].settlement_number == ""
    settlement = settle(received, coordinator)
    services.submit(coordinator, settlement)
    db.session.commit()
    during = books.pending_deliveries(household.id)
    assert [(row.serial, row.settlement_number) for row in during] == [(before[0].serial, settlement.number)]
    services.approve(accountant, settlement)
    services.post(accountant, settlement)
    db.session.commit()
    assert books.pending_deliveries(household.id) == []


def test_a_settlement_whose_deductions_take_every_net_is_paid_when_posted(received, coordinator, accountant):
    from market.input_credits import services as input_credits

    order, _receipt = received
    for number, line in enumerate(order.runs[-1].lines):
        input_credits.record_input_credit(coordinator, line.household, item="复合肥 100袋", amount="5000",
                                          issued_on=DAY, note="", idempotency_key=f"fert-{number}")
    db.session.commit()
    settlement = posted(received, coordinator, accountant)
    assert all(line.net == 0 for line in settlement.households)
    assert settlement.status is SettlementStatus.PAID  # nobody is left to pay


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
