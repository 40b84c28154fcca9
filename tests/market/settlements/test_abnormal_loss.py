"""Rejects above the buyer's threshold (超过拒收标准) are an abnormal loss: 5711 with 进项税额转出.

The worked example (checked by hand): three households each deliver 200 kg 一级 at 6.80 元/公斤, the
truck arrives with 590 kg (10 kg shrink on the road) and the supermarket finds 8 % defects, above its
5 % threshold, and rejects the whole load.

- purchase: 3 × 200 kg × 6.80 = 4,080.00; input VAT 3 × round(1,360.00 × 9 %) = 3 × 122.40 = 367.20;
  cost 3,712.80;
- lost 600 kg, of which 590 kg rejected for quality (the 10 kg shrink stays a normal loss);
- ``company_bears`` (households paid on field kg): the company loses 590/600 of what it paid —
  cost round(3,712.80 × 590 ÷ 600) = 3,650.92 and VAT round(367.20 × 590 ÷ 600) = 361.08:
  借5711 4,012.00 / 贷5401 3,650.92 / 贷22210103 361.08 (4,012.00 = 4,080.00 × 590 ÷ 600 exactly);
  what stays in 5401 is the shrink's cost, 3,712.80 − 3,650.92 = 61.88, and 6.12 of VAT stays deducted;
- ``pro_rata`` (the rejects passed back to the households by field kg): each household bears its
  200 kg, is paid nothing and invoices nothing, so the company bought nothing it lost: no 5711, no
  transfer out, and no voucher at all but none needed.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from market.fulfilment import receipts as fulfilment
from market.ledger import services as ledger
from market.settlements import profit, services
from models import Voucher, VoucherSource, db
from tests.market.fulfilment.conftest import RECEIVED_AT

DAY = date(2026, 8, 21)


@pytest.fixture
def rejected(shipped, buyer_staff, books):
    """The load of 590 kg rejected at 8 % defects (the order's reject policy: ``reject_policy``)."""
    allocated, shipment = shipped
    receipt = fulfilment.record_receipt(buyer_staff, shipment, received="590", defect_pct="8",
                                        supplier_signer="李协调", clerk_signer="王芳", supervisor_signer="陈刚",
                                        received_at=RECEIVED_AT)
    db.session.commit()
    assert receipt.outcome.value == "rejected" and receipt.accepted_kg == 0
    return allocated.order


def _post(order, coordinator, accountant):
    settlement = services.prepare_order_settlement(coordinator, order, settle_on=DAY)
    services.submit(coordinator, settlement)
    services.approve(accountant, settlement)
    services.post(accountant, settlement)
    db.session.commit()
    return settlement


def _lines(settlement) -> dict[str, list[tuple[str, Decimal, Decimal]]]:
    vouchers = db.session.scalars(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT,
                                                        Voucher.source_id == settlement.id).order_by(Voucher.id))
    return {voucher.summary: [(line.account.code, line.debit, line.credit) for line in voucher.lines]
            for voucher in vouchers}


def test_company_bears_the_rejects_as_an_abnormal_loss_with_its_input_vat_transferred_out(
        rejected, coordinator, accountant, client, login):
    settlement = _post(rejected, coordinator, accountant)
    assert (settlement.purchase_total, settlement.input_vat, settlement.purchase_cost) == (
        Decimal("4080.00"), Decimal("367.20"), Decimal("3712.80"))
    assert (settlement.lost_kg, settlement.abnormal_kg) == (Decimal("600.000"), Decimal("590.000"))
    assert (settlement.loss_cost, settlement.loss_vat) == (Decimal("3650.92"), Decimal("361.08"))
    vouchers = _lines(settlement)
    loss = vouchers[f"{settlement.order.number}超市拒收590公斤（超过拒收标准）非正常损失"]
    assert loss == [("5711", Decimal("4012.00"), Decimal("0.00")),
                    ("5401", Decimal("0.00"), Decimal("3650.92")),
                    ("22210103", Decimal("0.00"), Decimal("361.08"))]
    # nothing was sold: no sale voucher; the purchase is booked whole, then the loss moved out of it
    assert not any(summary.startswith("销售") for summary in vouchers)
    contribution = profit.of(settlement)
    assert contribution.cost_of_goods == Decimal("61.88")  # the 10 kg shrink, a normal loss
    assert contribution.abnormal_loss == Decimal("4012.00") and contribution.vat_transferred_out == Decimal("361.08")
    # the loss is what the company paid for the rejected part; the profit bridge ties to the fen
    assert contribution.gross_profit == settlement.margin + settlement.input_vat - Decimal("361.08") \
        == Decimal("-4080.00") + Decimal("367.20") - Decimal("361.08")
    assert services.verify() == [] and ledger.verify() == []
    # the page and the API say the same figures
    login(accountant)
    html = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    for words in ("其中超标拒收", "590 公斤", "拒收成本转营业外支出", "拒收进项税额转出", "¥3,650.92", "¥361.08", "¥4,012.00",
                  "扣除非正常损失后的利润", "拒收商品的进项税额转出"):
        assert words in html, words
    api = client.get(f"/api/v1/settlements/{settlement.id}").get_json()
    assert (api["profit"]["abnormal_loss"], api["profit"]["vat_transferred_out"], api["profit"]["gross_profit"]) == (
        "4012.00", "361.08", "-4073.88")
    assert api["reconciliation"]["abnormal_kg"] == "590.000"


@pytest.mark.parametrize("reject_policy", ["pro_rata"])
def test_pro_rata_passes_the_rejects_back_and_the_company_loses_nothing_it_paid_for(
        rejected, coordinator, accountant, reject_policy):
    settlement = _post(rejected, coordinator, accountant)
    assert settlement.abnormal_kg == Decimal("590.000")
    assert all(line.payable_kg == 0 and line.gross == 0 for line in settlement.households)
    assert (settlement.purchase_total, settlement.loss_cost, settlement.loss_vat) == (Decimal("0.00"),) * 3
    assert not any("非正常损失" in summary for summary in _lines(settlement))
    assert profit.of(settlement).abnormal_loss == 0
    assert services.verify() == [] and ledger.verify() == []


def test_rejects_within_the_threshold_are_a_normal_loss(received, coordinator, accountant):
    """1 % defects (below the 5 % threshold): 6 kg deducted stays in the cost of goods, no transfer out."""
    order, _receipt = received
    settlement = _post(order, coordinator, accountant)
    assert settlement.lost_kg == Decimal("6.000") and settlement.abnormal_kg == 0
    assert (settlement.loss_cost, settlement.loss_vat) == (Decimal("0.00"), Decimal("0.00"))
    assert not any("非正常损失" in summary for summary in _lines(settlement))


@pytest.mark.parametrize("reject_policy", ["company_bears", "pro_rata"])
def test_what_the_settlement_adds_to_profit_is_the_income_statements_net_profit(
        rejected, coordinator, accountant, reject_policy):
    """The order settlement is the month's only business: its contribution (loss included) is the 利润表's 净利润."""
    from market.books import period_reports

    settlement = _post(rejected, coordinator, accountant)
    contribution = profit.of(settlement)
    income = period_reports.income_statement_of(accountant, "2026-08")
    assert income.statement.net_profit == (int(contribution.gross_profit * 100),) * 2
