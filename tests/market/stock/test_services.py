"""Stock at cost through the services: contract batches in, orders from the warehouse out at the
moving average in the sale's own voucher, counts, refusals that write nothing, and verify."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text

from market.errors import Conflict, PermissionDenied, ValidationFailed
from market.settlements import profit, services as settlements
from market.stock import services as stock
from models import (OrderStockLine, StockCount, StockCountStatus, StockMovement, StockMovementKind, Voucher,
                    VoucherSource, VoucherStatus, db)


def lines_of(voucher):
    return [(line.account.code, line.debit, line.credit) for line in voucher.lines]


def balance_1405() -> Decimal:
    return Decimal(stock.account_balance("1405")).scaleb(-2)


def test_a_posted_contract_batch_enters_stock_at_its_cost_by_variety_and_grade(stocked, peach, grades):
    movements = db.session.scalars(select(StockMovement).order_by(StockMovement.id)).all()
    # ¥2,200.00 bought, ¥198.00 input VAT: ¥2,002.00 split 1,800 : 400 → 1,638.00 and 364.00
    assert [(m.kind, m.grade.name, m.quantity_kg, m.value, m.balance_kg, m.balance_value) for m in movements] == [
        (StockMovementKind.RECEIPT, "一级", Decimal("300.000"), Decimal("1638.00"), Decimal("300.000"),
         Decimal("1638.00")),
        (StockMovementKind.RECEIPT, "二级", Decimal("100.000"), Decimal("364.00"), Decimal("100.000"),
         Decimal("364.00"))]
    assert sum(m.value for m in movements) == stocked.purchase_cost == balance_1405() == Decimal("2002.00")
    assert stock.verify() == []


def test_an_order_filled_from_the_warehouse_issues_its_stock_at_cost_in_the_sale_voucher(stocked, deliver, sell):
    deliver({"一级": "100"})  # 100 kg 一级 at 6.00: ¥600.00, cost ¥546.00; 400 kg now hold ¥2,184.00
    settlement = sell({"一级": "150"}, price="8.60")
    assert settlement.order.status.value == "settled"
    # 150 kg of 400 kg holding ¥2,184.00 → ¥819.00 exactly
    issued = db.session.scalars(select(StockMovement).where(StockMovement.settlement_id == settlement.id)).all()
    assert [(m.kind, m.quantity_kg, m.value, m.balance_kg, m.balance_value) for m in issued] == [
        (StockMovementKind.SALE_ISSUE, Decimal("150.000"), Decimal("819.00"), Decimal("250.000"),
         Decimal("1365.00"))]
    (sale,) = db.session.scalars(select(Voucher).where(Voucher.source == VoucherSource.SETTLEMENT,
                                                       Voucher.source_id == settlement.id)).all()
    # 150 kg × 8.60 = 1,290.00; 销项 1,290 × 9/109 = 106.51; revenue 1,183.49
    assert lines_of(sale) == [("1122", Decimal("1290.00"), Decimal("0.00")), ("5401", Decimal("819.00"), Decimal("0.00")),
                              ("1405", Decimal("0.00"), Decimal("819.00")), ("5001", Decimal("0.00"), Decimal("1183.49")),
                              ("22210102", Decimal("0.00"), Decimal("106.51"))]
    assert sale.status is VoucherStatus.POSTED
    # no household is paid for stock; the profit counts its cost
    assert settlement.purchase_total == 0 and settlement.margin == Decimal("1290.00")
    contribution = profit.of(settlement, Decimal("819.00"))
    assert contribution.gross_profit == Decimal("1183.49") - Decimal("819.00")
    assert balance_1405() == Decimal("2002.00") + Decimal("546.00") - Decimal("819.00")
    assert stock.verify() == [] and settlements.verify() == []


@pytest.mark.parametrize("policy", ["company_bears", "pro_rata"])
def test_stock_rejected_above_the_threshold_is_an_abnormal_loss_under_either_policy(stocked, sell, policy):
    """100 kg 一级 from the warehouse (300 kg holding ¥1,638.00: issued at ¥546.00), rejected at 8 %
    defects (threshold 5 %). The warehouse's part is the company's under either policy: its cost
    ¥546.00 leaves 5401 for 5711 with the VAT it carried, 546.00 × 9 ÷ 91 = ¥54.00 (exactly), out."""
    settlement = sell({"一级": "100"}, defect_pct="8", reject_policy=policy)
    assert (settlement.buyer_total, settlement.abnormal_kg, settlement.abnormal_stock_kg) == (
        Decimal("0.00"), Decimal("100.000"), Decimal("100.000"))
    vouchers = {v.summary: lines_of(v) for v in db.session.scalars(select(Voucher).where(
        Voucher.source == VoucherSource.SETTLEMENT, Voucher.source_id == settlement.id).order_by(Voucher.id))}
    number = settlement.order.number
    assert vouchers == {
        f"{number}库存商品出库": [("5401", Decimal("546.00"), Decimal("0.00")), ("1405", Decimal("0.00"), Decimal("546.00"))],
        f"{number}超市拒收100公斤（超过拒收标准）非正常损失": [
            ("5711", Decimal("600.00"), Decimal("0.00")), ("5401", Decimal("0.00"), Decimal("546.00")),
            ("22210103", Decimal("0.00"), Decimal("54.00"))]}
    contribution = profit.of(settlement, Decimal("546.00"))
    assert (contribution.stock_cost, contribution.abnormal_loss, contribution.gross_profit) == (
        Decimal("0.00"), Decimal("600.00"), Decimal("-600.00"))
    assert stock.verify() == [] and settlements.verify() == []


def test_the_last_issue_takes_whatever_value_is_left(stocked, sell):
    sell({"二级": "33.333"})
    sell({"二级": "66.667"})
    values = db.session.scalars(select(StockMovement.value).where(StockMovement.grade.has(name="二级"))
                                .order_by(StockMovement.id)).all()
    # 364.00 × 33.333 / 100 = 121.33212 → 121.33; the rest, 242.67, empties the item to exactly 0
    assert values == [Decimal("364.00"), Decimal("121.33"), Decimal("242.67")]
    last = db.session.scalar(select(StockMovement).order_by(StockMovement.id.desc()).limit(1))
    assert (last.balance_kg, last.balance_value) == (Decimal("0.000"), Decimal("0.00"))
    assert stock.verify() == []


def test_picking_more_than_the_warehouse_holds_is_refused_in_words_and_writes_nothing(stocked, make_order,
                                                                                     coordinator, grades):
    order = make_order("500公斤")
    with pytest.raises(Conflict) as refused:
        stock.set_order_stock(coordinator, order, grade_id=grades["一级"].id, quantity="300.5公斤")
    db.session.rollback()
    with force_locale("zh_CN"):
        assert refused.value.text() == "库存不足：水蜜桃 一级 现有 300 公斤，要求 300.5 公斤。库存不会小于零。"
    with force_locale("en"):
        assert refused.value.text() == ("Not enough 水蜜桃 一级 in stock: 300 kg held, 300.5 kg asked. "
                                        "Stock never goes below zero.")
    assert db.session.scalar(select(func.count()).select_from(OrderStockLine)) == 0
    assert order.status.value == "open"


def test_stock_picked_for_one_order_is_not_free_for_another(stocked, make_order, coordinator, grades):
    first, second = make_order("500公斤"), make_order("500公斤")
    stock.set_order_stock(coordinator, first, grade_id=grades["一级"].id, quantity="250")
    assert first.status.value == "collecting"
    with pytest.raises(Conflict):
        stock.set_order_stock(coordinator, second, grade_id=grades["一级"].id, quantity="51")
    db.session.rollback()
    stock.set_order_stock(coordinator, second, grade_id=grades["一级"].id, quantity="50")
    stock.set_order_stock(coordinator, first, grade_id=grades["一级"].id, quantity="0")  # taken off again
    assert stock.available_grams(first.variety_id, grades["一级"].id) == 250_000


def test_a_grade_below_the_orders_minimum_cannot_be_picked(stocked, make_order, coordinator, grades):
    order = make_order("100公斤", min_grade_id=grades["一级"].id)
    with pytest.raises(ValidationFailed) as refused:
        stock.set_order_stock(coordinator, order, grade_id=grades["二级"].id, quantity="10")
    assert "grade_id" in refused.value.fields


def test_posting_refuses_a_sale_the_warehouse_can_no_longer_fill_and_writes_nothing(
        stocked, sell, coordinator, accountant, second_accountant, peach, grades):
    settlement = sell({"二级": "80"}, post=False)
    count = stock.prepare_count(coordinator, counted_on=date(2026, 8, 20), lines=[{
        "variety_id": peach.id, "grade_id": grades["二级"].id, "counted": "50", "loss_kind": "abnormal",
        "reason": "冷库停电烂果"}])
    stock.post_count(accountant, count)
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(StockMovement))
    with pytest.raises(stock.InsufficientStock):
        settlements.post(second_accountant, settlement)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) == before
    assert db.session.scalar(select(func.count()).select_from(Voucher).where(
        Voucher.source_id == settlement.id, Voucher.source == VoucherSource.SETTLEMENT)) == 0
    assert stock.verify() == []


def test_a_count_books_surplus_to_5301_normal_shrink_to_cost_and_abnormal_loss_with_its_input_vat(
        stocked, coordinator, accountant, peach, grades):
    count = stock.prepare_count(coordinator, counted_on=date(2026, 8, 21), note="月中盘点", lines=[
        {"variety_id": peach.id, "grade_id": grades["一级"].id, "counted": "290", "loss_kind": "abnormal",
         "reason": "冷库门未关，烂果"},
        {"variety_id": peach.id, "grade_id": grades["二级"].id, "counted": "101", "reason": "上次过磅少记"}])
    assert [(l.book_kg, l.counted_kg, l.loss_kind) for l in count.lines] == [
        (Decimal("300.000"), Decimal("290.000"), stock.LossKind.ABNORMAL), (Decimal("100.000"), Decimal("101.000"), None)]
    with pytest.raises(PermissionDenied):
        stock.post_count(coordinator, count)
    stock.post_count(accountant, count)
    db.session.commit()
    (voucher,) = db.session.scalars(select(Voucher).where(Voucher.source == VoucherSource.STOCK_COUNT)).all()
    # 一级 10 kg of 300 at ¥1,638.00 → ¥54.60; its input VAT 54.60 × 9/91 = 5.4000 → ¥5.40
    # 二级 surplus 1 kg at ¥3.64/kg → ¥3.64
    assert lines_of(voucher) == [("1405", Decimal("3.64"), Decimal("0.00")), ("5711", Decimal("60.00"), Decimal("0.00")),
                                 ("5301", Decimal("0.00"), Decimal("3.64")), ("1405", Decimal("0.00"), Decimal("54.60")),
                                 ("22210103", Decimal("0.00"), Decimal("5.40"))]
    assert voucher.status is VoucherStatus.POSTED and count.status is StockCountStatus.POSTED
    assert balance_1405() == Decimal("2002.00") + Decimal("3.64") - Decimal("54.60")
    assert stock.verify() == []


def test_a_surplus_is_valued_at_the_market_quote_of_its_day_when_there_is_one(stocked, coordinator, accountant,
                                                                            peach, grades):
    from market.contracts import services as contracts

    contracts.record_quote(coordinator, peach.id, grades["一级"].id, date(2026, 8, 19), "7.85", "西安朱雀农产品交易中心")
    count = stock.prepare_count(coordinator, counted_on=date(2026, 8, 21), lines=[
        {"variety_id": peach.id, "grade_id": grades["一级"].id, "counted": "302.5", "reason": "漏记一筐"}])
    stock.post_count(accountant, count)
    db.session.commit()
    (movement,) = stock.count_movements(count)
    # 2.5 kg × ¥7.85 = ¥19.625 → ¥19.63 (小企业会计准则: 盘盈存货按同类存货的市场价格), not the ¥5.46 average
    assert (movement.unit_price, movement.value, movement.balance_value) == (
        Decimal("7.85"), Decimal("19.63"), Decimal("1657.63"))
    (voucher,) = db.session.scalars(select(Voucher).where(Voucher.source == VoucherSource.STOCK_COUNT)).all()
    assert lines_of(voucher) == [("1405", Decimal("19.63"), Decimal("0.00")), ("5301", Decimal("0.00"), Decimal("19.63"))]
    assert stock.verify() == []


def test_normal_shrink_stays_in_cost_and_counting_nothing_left_empties_the_value(
        stocked, coordinator, accountant, peach, grades):
    count = stock.prepare_count(coordinator, counted_on=date(2026, 8, 21), lines=[
        {"variety_id": peach.id, "grade_id": grades["二级"].id, "counted": "0", "loss_kind": "normal",
         "reason": "全部失水腐烂，合理损耗"}])
    stock.post_count(accountant, count)
    db.session.commit()
    (voucher,) = db.session.scalars(select(Voucher).where(Voucher.source == VoucherSource.STOCK_COUNT)).all()
    assert lines_of(voucher) == [("5401", Decimal("364.00"), Decimal("0.00")), ("1405", Decimal("0.00"), Decimal("364.00"))]
    assert stock.balance_of(peach.id, grades["二级"].id) == stock.costing.Balance(0, 0)


def test_a_count_says_why_and_what_kind_of_loss_or_is_refused(stocked, coordinator, peach, grades):
    with pytest.raises(ValidationFailed) as refused:
        stock.prepare_count(coordinator, counted_on=date(2026, 8, 21), lines=[
            {"variety_id": peach.id, "grade_id": grades["一级"].id, "counted": "299", "reason": ""}])
    assert len(refused.value.fields["lines.1"]) == 2
    with pytest.raises(ValidationFailed) as nothing:
        stock.prepare_count(coordinator, counted_on=date(2026, 8, 21), lines=[
            {"variety_id": peach.id, "grade_id": grades["一级"].id, "counted": "300", "reason": ""}])
    assert "lines" in nothing.value.fields
    with pytest.raises(ValidationFailed):
        stock.prepare_count(coordinator, counted_on=date(2026, 8, 21), lines=[
            {"variety_id": peach.id, "grade_id": grades["一级"].id, "counted": "-1", "reason": "x"}])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(StockCount)) == 0


def test_a_count_is_refused_once_its_item_has_moved_since(stocked, sell, coordinator, accountant, peach, grades):
    count = stock.prepare_count(coordinator, counted_on=date(2026, 8, 21), lines=[
        {"variety_id": peach.id, "grade_id": grades["二级"].id, "counted": "98", "loss_kind": "normal",
         "reason": "失水"}])
    db.session.commit()
    sell({"二级": "10"})
    with pytest.raises(Conflict):
        stock.post_count(accountant, count)
    db.session.rollback()
    stock.discard_count(coordinator, count)
    assert count.status is StockCountStatus.DISCARDED
    with pytest.raises(Conflict):
        stock.post_count(accountant, count)


def test_the_database_refuses_to_change_or_delete_a_stock_movement(stocked):
    for statement in ("UPDATE stock_movements SET value = value + 1", "DELETE FROM stock_movements"):
        with pytest.raises(Exception) as refused:
            with db.session.begin_nested():
                db.session.execute(text(statement))
        assert "a stock movement cannot be changed or deleted" in str(refused.value)


def test_verify_finds_a_stock_ledger_changed_behind_the_services(stocked, app):
    from market import database_rules
    database_rules.lift_guards(db.session.connection())
    try:
        db.session.execute(text("UPDATE stock_movements SET value = value + 1, balance_value = balance_value + 1 "
                                "WHERE id = (SELECT MIN(id) FROM stock_movements)"))
        problems = stock.verify()
        assert any("1405" in p for p in problems)
        assert any("receipts into stock differ from its cost" in p for p in problems)
    finally:
        db.session.rollback()
        database_rules.reinstall(db.session.connection())
        db.session.commit()
