"""Settlements from a received order through review and posting (payouts and buyer receipts are
the payments' tests)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from market.errors import Conflict, InvalidTransition, PermissionDenied
from market.ledger import services as ledger
from market.settlements import services
from models import PurchaseInvoice, SettlementStatus, Voucher, VoucherSource, VoucherStatus, db

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


def test_deliveries_being_settled_stay_on_the_villagers_statement(received, coordinator, villager, accountant):
    from market.books import statements as books

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


# --- output VAT ----------------------------------------------------------------------------------------

def _sale_lines(settlement):
    sale = db.session.scalar(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT,
                                                   Voucher.source_id == settlement.id, Voucher.summary.like("销售%")))
    return [(line.account.code, line.debit, line.credit) for line in sale.lines]


def test_the_sale_voucher_separates_output_vat_from_revenue(received, coordinator, accountant):
    settlement = posted(received, coordinator, accountant, buyer_deductions="10")
    # 594 kg × 8.60 − 10.00 = 5,098.40 incl. 9 % VAT: 420.97 销项税额 (5,098.40 × 9 / 109 = 420.9688…), 4,677.43 revenue
    assert _sale_lines(settlement) == [("1122", Decimal("5098.40"), Decimal("0.00")),
                                       ("5001", Decimal("0.00"), Decimal("4677.43")),
                                       ("22210102", Decimal("0.00"), Decimal("420.97"))]
    assert services.verify() == [] and ledger.verify() == []


def test_an_exempt_product_books_its_whole_sale_as_revenue(received, coordinator, accountant, admin):
    from market.reference import catalogue

    order, _receipt = received
    catalogue.set_sales_vat(admin, order.variety.product, exempt=True, basis="蔬菜流通环节免税")
    settlement = posted(received, coordinator, accountant)
    assert (settlement.sale_vat_rate_pct, settlement.sale_vat_exempt_basis, settlement.output_vat) == (
        None, "蔬菜流通环节免税", Decimal("0.00"))
    assert _sale_lines(settlement) == [("1122", settlement.buyer_total, Decimal("0.00")),
                                       ("5001", Decimal("0.00"), settlement.buyer_total)]
    assert services.verify() == []


def test_a_draft_takes_the_products_new_rate_when_recomputed_and_a_posted_one_keeps_its_own(
        received, coordinator, accountant, admin):
    from market.reference import catalogue

    order, _receipt = received
    settlement = settle(received, coordinator)
    assert settlement.output_vat == Decimal("421.79")  # 5,108.40 × 9 / 109 = 421.7945… → 421.79
    catalogue.set_sales_vat(admin, order.variety.product, exempt=False, rate_pct="13")
    services.recompute(coordinator, settlement, settle_on=DAY)
    # 5,108.40 × 13 / 113 = 587.6920… → 587.69
    assert (settlement.sale_vat_rate_pct, settlement.output_vat, settlement.sale_net) == (
        Decimal("13.00"), Decimal("587.69"), Decimal("4520.71"))
    services.submit(coordinator, settlement)
    services.approve(accountant, settlement)
    services.post(accountant, settlement)
    catalogue.set_sales_vat(admin, order.variety.product, exempt=False, rate_pct="9")
    db.session.commit()
    db.session.refresh(settlement)
    assert settlement.output_vat == Decimal("587.69") and services.verify() == []


# --- freight and packing with a special VAT invoice ------------------------------------------------------

def _costs_lines(settlement):
    costs = db.session.scalar(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT,
                                                    Voucher.source_id == settlement.id,
                                                    Voucher.summary.like("%物流包装费")))
    return [(line.account.code, line.debit, line.credit) for line in costs.lines]


def test_freight_and_packing_bought_with_special_invoices_deduct_their_vat(received, coordinator, accountant):
    settlement = posted(received, coordinator, accountant, logistics="120.00", packing="30.00",
                        logistics_invoice_no="04400123", logistics_vat_rate_pct="9",
                        packing_invoice_no="04400456", packing_vat_rate_pct="13%")
    # 120.00 × 9 / 109 = 9.908… → 9.91; 30.00 × 13 / 113 = 3.451… → 3.45; the cost is the rest
    assert (settlement.logistics_input_vat, settlement.packing_input_vat) == (Decimal("9.91"), Decimal("3.45"))
    assert _costs_lines(settlement) == [("5601", Decimal("136.64"), Decimal("0.00")),
                                        ("22210101", Decimal("13.36"), Decimal("0.00")),
                                        ("1002", Decimal("0.00"), Decimal("150.00"))]
    # the cash margin does not move: the company still paid 150.00
    assert settlement.buyer_total == settlement.purchase_total + Decimal("150.00") + settlement.margin
    assert services.verify() == [] and ledger.verify() == []
    from market.books import vat

    summary = vat.vat_summary_of(accountant, "2026-08").summary
    assert summary.input_by_source == {"purchase_invoices": 36_720, "special_invoices": 1_336, "other": 0}


def test_costs_without_a_special_invoice_go_to_5601_whole(received, coordinator, accountant):
    settlement = posted(received, coordinator, accountant, logistics="120.00", packing="30.00")
    assert _costs_lines(settlement) == [("5601", Decimal("150.00"), Decimal("0.00")),
                                        ("1002", Decimal("0.00"), Decimal("150.00"))]


@pytest.mark.parametrize("values, field", [
    ({"logistics": "120", "logistics_invoice_no": "04400123"}, "logistics_vat_rate_pct"),
    ({"logistics": "120", "logistics_vat_rate_pct": "9"}, "logistics_invoice_no"),
    ({"logistics": "120", "logistics_invoice_no": "04400123", "logistics_vat_rate_pct": "18"}, "logistics_vat_rate_pct"),
    ({"logistics": "120", "logistics_invoice_no": "04400123", "logistics_vat_rate_pct": "0"}, "logistics_vat_rate_pct"),
    ({"logistics": "120", "logistics_invoice_no": "发票一号", "logistics_vat_rate_pct": "9"}, "logistics_invoice_no"),
    ({"packing": "0", "packing_invoice_no": "04400456", "packing_vat_rate_pct": "13"}, "packing_invoice_no"),
])
def test_a_special_invoice_needs_its_number_its_rate_and_an_amount(received, coordinator, values, field):
    from market.errors import ValidationFailed

    order, _receipt = received
    with pytest.raises(ValidationFailed) as caught:
        services.prepare_order_settlement(coordinator, order, settle_on=DAY, **values)
    assert field in caught.value.fields


def test_a_settlement_prepared_before_output_vat_is_not_posted_until_computed_again(
        received, coordinator, accountant, reviewer):
    settlement = settle(received, coordinator)
    services.submit(coordinator, settlement)
    services.approve(accountant, settlement)
    db.session.commit()
    # what the migration leaves on a settlement prepared before: no rate, the whole total as revenue
    db.session.execute(text("UPDATE settlements SET sale_vat_rate_pct = NULL, output_vat = 0, sale_net = buyer_total "
                            "WHERE id = :id"), {"id": settlement.id})
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(Conflict) as refused:
        services.post(accountant, settlement)
    assert "重新计算" in str(refused.value.text())
    db.session.rollback()
    services.return_to_draft(reviewer, settlement, "重新计算销项税额")
    services.recompute(coordinator, settlement, settle_on=DAY)
    services.submit(coordinator, settlement)
    services.approve(accountant, settlement)
    services.post(accountant, settlement)
    assert settlement.output_vat == Decimal("421.79") and services.verify() == []


def test_a_settlement_is_not_posted_into_an_account_broken_down_into_sub_accounts(received, coordinator, accountant):
    """明细核算: once 5601 has sub-accounts, the costs voucher cannot go to 5601 itself; posting is
    refused whole and says which account, nothing is written."""
    from market.errors import ValidationFailed
    from market.ledger import chart

    chart.create_account(accountant, code="560101", name="运输费", kind="expense")
    settlement = settle(received, coordinator, logistics="120")
    services.submit(coordinator, settlement)
    services.approve(accountant, settlement)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        services.post(accountant, settlement)
    assert "5601" in str(refused.value.text())
    db.session.rollback()
    assert db.session.scalar(select(Voucher.id).where(Voucher.source == VoucherSource.SETTLEMENT)) is None
    assert settlement.status is SettlementStatus.APPROVED
