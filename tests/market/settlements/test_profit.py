"""An order settlement's contribution to profit, and the bridge from its cash margin: exact, and
what the books say."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st
from sqlalchemy import select

from market import demo
from market.settlements import profit
from models import Account, Settlement, SettlementKind, Voucher, VoucherLine, VoucherSource, VoucherStatus, db
from tests.conftest import load_demo

FEN = st.integers(min_value=0, max_value=10**11).map(lambda fen: Decimal(fen) / 100)


@given(buyer_total=FEN, purchase_total=FEN, logistics=FEN, packing=FEN, data=st.data())
def test_gross_profit_is_the_margin_less_output_vat_plus_the_input_vat_to_the_fen(
        buyer_total, purchase_total, logistics, packing, data):
    output_vat = data.draw(st.integers(0, int(buyer_total * 100)).map(lambda f: Decimal(f) / 100))
    input_vat = data.draw(st.integers(0, int(purchase_total * 100)).map(lambda f: Decimal(f) / 100))
    logistics_vat = data.draw(st.integers(0, int(logistics * 100)).map(lambda f: Decimal(f) / 100))
    packing_vat = data.draw(st.integers(0, int(packing * 100)).map(lambda f: Decimal(f) / 100))
    stock_issued = data.draw(FEN)
    # an abnormal loss takes at most the cost it is part of; its VAT is any the purchase carried
    loss = profit.AbnormalLoss(
        field_cost=data.draw(st.integers(0, int((purchase_total - input_vat) * 100)).map(lambda f: Decimal(f) / 100)),
        stock_cost=data.draw(st.integers(0, int(stock_issued * 100)).map(lambda f: Decimal(f) / 100)),
        vat=data.draw(FEN))
    margin = buyer_total - purchase_total - logistics - packing
    result = profit.contribution(buyer_total=buyer_total, output_vat=output_vat, purchase_total=purchase_total,
                                 input_vat=input_vat, logistics=logistics, packing=packing,
                                 logistics_input_vat=logistics_vat, packing_input_vat=packing_vat, margin=margin,
                                 stock_cost=stock_issued, loss=loss)
    assert result.gross_profit == (result.revenue - result.cost_of_goods - result.stock_cost - result.logistics
                                   - result.packing - result.abnormal_loss)
    # the loss moves its cost out of 5401 into 5711: all it takes from profit is the VAT transferred out
    without = profit.contribution(buyer_total=buyer_total, output_vat=output_vat, purchase_total=purchase_total,
                                  input_vat=input_vat, logistics=logistics, packing=packing,
                                  logistics_input_vat=logistics_vat, packing_input_vat=packing_vat, margin=margin,
                                  stock_cost=stock_issued)
    assert result.gross_profit == without.gross_profit - loss.vat
    assert result.cost_of_goods + result.stock_cost + result.abnormal_loss == \
        without.cost_of_goods + without.stock_cost + loss.vat
    *steps, (last, total) = result.bridge
    assert last == "gross_profit" and sum(amount for _name, amount in steps) == total == result.gross_profit


def test_a_margin_that_does_not_tie_is_refused():
    with pytest.raises(profit.ProfitDoesNotTie):
        profit.contribution(buyer_total=Decimal("100"), output_vat=Decimal("0"), purchase_total=Decimal("80"),
                            input_vat=Decimal("0"), logistics=Decimal("5"), packing=Decimal("5"),
                            logistics_input_vat=Decimal("0"), packing_input_vat=Decimal("0"), margin=Decimal("11"))


def _booked_profit(settlement: Settlement) -> Decimal:
    """5001 credits less 5401, 5601 and 5711 debits over the settlement's posted vouchers."""
    rows = db.session.execute(
        select(Account.code, VoucherLine.debit, VoucherLine.credit).join(Account).join(Voucher)
        .where(Voucher.source == VoucherSource.SETTLEMENT, Voucher.source_id == settlement.id,
               Voucher.status == VoucherStatus.POSTED)).all()
    revenue = sum((c - d for code, d, c in rows if code == "5001"), Decimal("0"))
    costs = sum((d - c for code, d, c in rows if code in ("5401", "5601", "5711")), Decimal("0"))
    return revenue - costs


def test_the_demo_sale_adds_to_profit_what_its_vouchers_book_and_the_page_explains_why(client, login, app):
    load_demo(date(2026, 8, 20))
    db.session.commit()
    settlement = db.session.scalar(select(Settlement).where(Settlement.kind == SettlementKind.ORDER)
                              .order_by(Settlement.id).limit(1))
    result = profit.of(settlement)
    assert result.gross_profit == _booked_profit(settlement) == Decimal("3293.86")
    assert (result.cash_margin, result.output_vat, result.purchase_input_vat) == (
        Decimal("3855.43"), Decimal("3765.47"), Decimal("3203.90"))
    from models import User
    login(db.session.scalar(select(User).where(User.phone == "13800000003")), demo.DEMO_PASSWORD)
    html = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    assert 'id="profit"' in html
    for figure in ("¥41,838.61", "¥32,394.75", "¥3,855.43", "¥3,765.47", "¥3,203.90", "¥3,293.86"):
        assert figure in html, figure
    api = client.get(f"/api/v1/settlements/{settlement.id}").get_json()
    assert api["profit"]["gross_profit"] == "3293.86" and api["profit"]["cash_margin"] == "3855.43"


def test_the_demo_sale_from_the_warehouse_counts_its_stock_at_cost_as_its_vouchers_do(client, login, app):
    from market.settlements.schemas import stock_issued
    from models import User

    load_demo(date(2026, 8, 20))
    db.session.commit()
    settlement = db.session.scalars(select(Settlement).where(Settlement.kind == SettlementKind.ORDER)
                                    .order_by(Settlement.id)).all()[1]
    result = profit.of(settlement, stock_issued(settlement))
    # 4,920.00 − 406.24 销项 = 4,513.76 revenue; less ¥3,830.42 of stock at cost and ¥360.00 freight
    assert result.gross_profit == _booked_profit(settlement) == Decimal("323.34")
    assert result.bridge == [("cash_margin", Decimal("4560.00")), ("output_vat", Decimal("-406.24")),
                             ("purchase_input_vat", Decimal("0.00")), ("costs_input_vat", Decimal("0.00")),
                             ("stock_cost", Decimal("-3830.42")), ("gross_profit", Decimal("323.34"))]
    login(db.session.scalar(select(User).where(User.phone == "13800000003")), demo.DEMO_PASSWORD)
    html = client.get(f"/settlements/{settlement.id}").get_data(as_text=True)
    assert "从仓库发货的库存成本" in html and "¥3,830.42" in html and "¥323.34" in html
    assert client.get(f"/api/v1/settlements/{settlement.id}").get_json()["profit"]["stock_cost"] == "3830.42"


def test_the_demo_years_net_profit_is_what_its_sales_added_plus_the_rest_of_its_profit_and_loss(app):
    """Σ every posted order settlement's contribution + the profit and loss booked by anything else
    (month-end rent and subsidy, stock counts …; not the carry-forward) = the 利润表's 本年累计 净利润."""
    from market.books import period_reports
    from market.settlements.schemas import contribution_of
    from models import SettlementStatus, User

    load_demo(date(2026, 8, 20))
    accountant = db.session.scalar(select(User).where(User.phone == "13800000003"))
    sales = db.session.scalars(select(Settlement).where(
        Settlement.kind == SettlementKind.ORDER,
        Settlement.status.in_([SettlementStatus.POSTED, SettlementStatus.PAID]))).all()
    assert len(sales) == 2
    from_sales = sum((contribution_of(s).gross_profit for s in sales), Decimal(0))
    sale_ids = {s.id for s in sales}
    rows = db.session.execute(
        select(Account.code, VoucherLine.debit, VoucherLine.credit, Voucher.source, Voucher.source_id)
        .join(Account).join(Voucher).where(Voucher.status == VoucherStatus.POSTED,
                                           Voucher.source != VoucherSource.CLOSING)).all()
    rest = sum((c - d for code, d, c, source, source_id in rows if code.startswith("5")
                and not (source == VoucherSource.SETTLEMENT and source_id in sale_ids)), Decimal(0))
    assert rest != 0  # the demo books profit and loss besides its sales
    income = period_reports.income_statement_of(accountant, "2026-08")
    assert income.statement.net_profit[1] == int((from_sales + rest) * 100)
