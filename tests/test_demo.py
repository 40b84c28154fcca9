"""The demo loads through the services, is deterministic and obeys the rules it shows off."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from market import demo
from models import (AuditEvent, ContractStatus, BuyerOrder, Receipt, Household, Settlement, Shipment, ProduceLot, PurchaseContract, RoleName, User, WeighSlip,
                    WeighSlipLine, db)
from tests.conftest import load_demo

DAY = date(2026, 8, 20)


def _fingerprint():
    # by names, not ids: a reset does not rewind PostgreSQL's sequences
    lots = [(lot.household.head_name, lot.quantity_kg, lot.grade.name, lot.ready_from)
            for lot in db.session.scalars(select(ProduceLot).order_by(ProduceLot.id))]
    slips = db.session.execute(select(WeighSlip.serial, WeighSlip.net_kg, WeighSlip.amount)
                               .order_by(WeighSlip.id)).all()
    households = db.session.execute(select(Household.head_name, Household.id_number).order_by(Household.id)).all()
    return lots, slips, households


def test_the_demo_tells_the_beili_village_peach_story(app):
    summary = demo.seed(today=DAY)
    db.session.commit()
    assert summary.loaded
    assert db.session.scalar(select(func.count()).select_from(Household)) == 60
    total_kg = db.session.scalar(select(func.sum(ProduceLot.quantity_kg)))
    assert Decimal(total_kg) > 6000  # raw grams summed
    # every role has a demo login: the cashier (出纳) pays, 会计主管 reviews the accountant and closes the month
    assert set().union(*(u.role_names for u in db.session.scalars(select(User)))) == set(RoleName)
    chief = db.session.scalar(select(User).where(User.phone == demo.CHIEF[1]))
    cashier = db.session.scalar(select(User).where(User.phone == demo.CASHIER[1]))
    assert chief.role_names == {RoleName.ACCOUNTANT, RoleName.CHIEF_ACCOUNTANT}
    assert cashier.role_names == {RoleName.CASHIER}
    from models import Payment, Period, PeriodStatus, Voucher
    assert {p.created_by_id for p in db.session.scalars(select(Payment))} == {cashier.id}
    closed = db.session.scalar(select(Period).where(Period.status == PeriodStatus.CLOSED))
    assert closed.closed_by_id == chief.id
    assert cashier.id not in {v.approved_by_id for v in db.session.scalars(select(Voucher))} | {
        v.posted_by_id for v in db.session.scalars(select(Voucher))}
    grades = {lot.grade.name for lot in db.session.scalars(select(ProduceLot))}
    assert grades == {"特级", "一级", "二级", "等外"}
    # one per price mechanism, and one ended by hail before any delivery
    assert db.session.scalar(select(func.count()).select_from(PurchaseContract)) == 5
    assert db.session.scalar(select(func.count()).select_from(PurchaseContract)
                             .where(PurchaseContract.status == ContractStatus.TERMINATED)) == 1
    assert db.session.scalar(select(func.count()).select_from(WeighSlip).where(WeighSlip.contract_id.is_not(None))) == 8
    # every slip's lines add up to its amount and net
    for slip in db.session.scalars(select(WeighSlip)):
        assert sum(line.amount for line in slip.lines) == slip.amount
        assert sum(line.net_kg for line in slip.lines) == slip.net_kg
    # the peach story: 5.4 t for 金昌赢华联超市, filled by the fair allocation from about 40 households
    order = db.session.scalar(select(BuyerOrder).order_by(BuyerOrder.id).limit(1))
    assert order.buyer.name == "金昌赢华联超市" and order.quantity_kg == Decimal("5400.000")
    run = order.runs[-1]
    assert run.filled_kg == Decimal("5400.000") and run.policy.value == "fair"
    assert 30 <= len({line.household_id for line in run.lines}) <= 60
    # picked in the field to the kilogram, shipped on two trucks each with its certificate and its own
    # receipt, accepted less a 1.8 % defect deduction on each
    picked = db.session.scalar(select(func.sum(WeighSlip.net_kg)).where(WeighSlip.allocation_id.is_not(None)))
    assert picked == Decimal("5400.000")
    trucks = db.session.scalars(select(Shipment).where(Shipment.order_id == order.id).order_by(Shipment.id)).all()
    assert [truck.last for truck in trucks] == [False, True]
    assert sum(len(truck.slips) for truck in trucks) == len(run.lines)
    assert all(truck.certificate is not None and truck.receipt is not None for truck in trucks)
    assert [truck.receipt.received_kg for truck in trucks] == [
        sum(slip.net_kg for slip in truck.slips) for truck in trucks]
    assert sum(truck.receipt.accepted_kg for truck in trucks) == Decimal("5302.800")
    settlement = db.session.scalar(select(Settlement).where(Settlement.order_id == order.id))
    assert settlement.accepted_kg == Decimal("5302.800") and len(settlement.slips) == len(run.lines)
    assert order.status.value == "settled"  # received, then settled by the accountant
    # proxy entry by the coordinator is audited as such
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "produce_lot.create_proxy")) > 50


def test_the_demo_is_deterministic(app):
    demo.seed(today=DAY)
    db.session.commit()
    first = _fingerprint()
    demo.seed(today=DAY, reset=True)
    db.session.commit()
    assert _fingerprint() == first


def test_loading_the_demo_twice_changes_nothing(app):
    demo.seed(today=DAY)
    db.session.commit()
    again = demo.seed(today=DAY)
    assert not again.loaded
    assert db.session.scalar(select(func.count()).select_from(Household)) == 60


def test_seed_demo_command_prints_the_logins(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "13900000001" in result.output and "peach-2016" in result.output


def test_the_demo_books_are_settled_paid_in_part_and_verified(app):
    from market.ledger import services as ledger
    from market.payments import services as payments
    from models import (Account, DepositClosure, DepositOutcome, Period, PeriodStatus, Settlement, SettlementKind,
                        SettlementStatus, Voucher, VoucherLine, VoucherStatus)

    load_demo(DAY)
    db.session.commit()
    peach = db.session.scalar(select(Settlement).where(Settlement.kind == SettlementKind.ORDER)
                              .order_by(Settlement.id).limit(1))
    assert peach.status is SettlementStatus.POSTED
    assert peach.buyer_total == Decimal("45604.08")  # 5302.8 kg × 8.60 元/kg
    assert peach.buyer_total == peach.purchase_total + peach.logistics + peach.packing + peach.margin
    assert 0 < peach.buyer_received < peach.buyer_total
    # 桃 is taxable at 9 %, the price includes it: one invoice line of ¥45,604.08
    # 45,604.08 × 9 / 109 = 3,765.4745… → 3,765.47 销项税额; 45,604.08 − 3,765.47 = 41,838.61 revenue
    assert (peach.sale_vat_rate_pct, peach.output_vat, peach.sale_net) == (
        Decimal("9.00"), Decimal("3765.47"), Decimal("41838.61"))
    sale = db.session.scalar(select(Voucher).where(Voucher.source_id == peach.id, Voucher.summary.like("销售%")))
    assert [(line.account.code, line.debit, line.credit) for line in sale.lines] == [
        ("1122", Decimal("45604.08"), Decimal("0.00")), ("5001", Decimal("0.00"), Decimal("41838.61")),
        ("22210102", Decimal("0.00"), Decimal("3765.47"))]
    paid = [line for line in peach.households if line.paid > 0]
    assert 0 < len(paid) < len(peach.households)
    batches = db.session.scalars(select(Settlement).where(Settlement.kind == SettlementKind.CONTRACT_BATCH)
                                 .order_by(Settlement.id)).all()
    assert [b.status for b in batches] == [SettlementStatus.POSTED, SettlementStatus.SUBMITTED]
    assert db.session.scalar(select(func.count()).select_from(Period).where(Period.status == PeriodStatus.CLOSED)) == 1
    assert db.session.scalar(select(func.count()).select_from(Voucher)
                             .where(Voucher.status != VoucherStatus.POSTED)) == 0
    villager = db.session.scalar(select(User).where(User.phone == demo.VILLAGER_PHONE))
    assert payments.owed(villager.household_id) > 0
    # the hailed-out household paid its ¥2,000 deposit back: nothing of it is left in 1123
    (closure,) = db.session.scalars(select(DepositClosure)).all()
    assert (closure.outcome, closure.received, closure.voucher.status) == (
        DepositOutcome.RETURNED, Decimal("2000.00"), VoucherStatus.POSTED)
    left = db.session.scalar(select(func.coalesce(func.sum(VoucherLine.debit - VoucherLine.credit), 0))
                             .join(Voucher).join(Account)
                             .where(Account.code == "1123", VoucherLine.party_id == closure.household_id,
                                    Voucher.status == VoucherStatus.POSTED))
    assert Decimal(left) == 0
    assert ledger.verify() == []


def test_the_demo_sells_contract_peaches_from_the_warehouse_at_their_moving_average_cost(app):
    from market.stock import services as stock
    from models import (Account, Settlement, SettlementKind, StockMovement, StockMovementKind, Voucher, VoucherLine,
                        VoucherStatus)

    load_demo(DAY)
    db.session.commit()
    # the first contract deliveries went into stock at their cost: 985 kg 一级 ¥6,816.79 + 576 kg 二级 ¥3,059.09
    receipts = db.session.scalars(select(StockMovement).where(StockMovement.kind == StockMovementKind.RECEIPT)
                                  .order_by(StockMovement.id)).all()
    assert [(m.grade.name, m.quantity_kg, m.value) for m in receipts] == [
        ("一级", Decimal("985.000"), Decimal("6816.79")), ("二级", Decimal("576.000"), Decimal("3059.09"))]
    # 咸阳惠民生鲜超市's 600 kg came from the warehouse: 400 kg 一级 and 200 kg 二级, at the moving average
    orders = db.session.scalars(select(BuyerOrder).order_by(BuyerOrder.id)).all()
    assert len(orders) == 2
    second = orders[1]
    assert (second.buyer.name, second.status.value) == ("咸阳惠民生鲜超市", "settled")
    settlement = db.session.scalar(select(Settlement).where(Settlement.order_id == second.id))
    issues = db.session.scalars(select(StockMovement).where(StockMovement.settlement_id == settlement.id)
                                .order_by(StockMovement.id)).all()
    # 6,816.79 × 400/985 = 2,768.239… → 2,768.24; 3,059.09 × 200/576 = 1,062.184… → 1,062.18
    assert [(m.kind, m.grade.name, m.quantity_kg, m.value, m.balance_kg, m.balance_value) for m in issues] == [
        (StockMovementKind.SALE_ISSUE, "一级", Decimal("400.000"), Decimal("2768.24"), Decimal("585.000"),
         Decimal("4048.55")),
        (StockMovementKind.SALE_ISSUE, "二级", Decimal("200.000"), Decimal("1062.18"), Decimal("376.000"),
         Decimal("1996.91"))]
    # one posting: the sale (600 kg × 8.20 = 4,920.00; 销项 4,920 × 9/109 = 406.24) and its cost
    (sale,) = db.session.scalars(select(Voucher).where(Voucher.source_id == settlement.id,
                                                       Voucher.summary.like("销售%"))).all()
    assert [(line.account.code, line.debit, line.credit) for line in sale.lines] == [
        ("1122", Decimal("4920.00"), Decimal("0.00")), ("5401", Decimal("3830.42"), Decimal("0.00")),
        ("1405", Decimal("0.00"), Decimal("3830.42")), ("5001", Decimal("0.00"), Decimal("4513.76")),
        ("22210102", Decimal("0.00"), Decimal("406.24"))]
    lines = db.session.scalars(select(VoucherLine).join(Voucher).join(Account)
                               .where(Account.code == "1405", Voucher.status == VoucherStatus.POSTED)).all()
    assert sum(line.debit - line.credit for line in lines) == Decimal("6045.46") == Decimal("9875.88") - Decimal("3830.42")
    assert stock.verify() == []


def test_flask_ledger_verify_passes_on_the_demo(app, runner):
    load_demo(DAY)
    db.session.commit()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "ledger ok" in result.output and "1405 equals the stock ledger" in result.output


def test_the_demo_closes_last_month_with_its_carry_forward_and_its_statements_agree_with_the_trial_balance(app):
    from market.books import period_reports, trial_balance
    from market.books.periods import Month
    from market.ledger import services as ledger
    from market.units import Money
    from models import Period, PeriodStatus, Voucher, VoucherSource, VoucherStatus

    load_demo(DAY)
    db.session.commit()
    reader = db.session.scalar(select(User).where(User.phone == "13800000003"))
    july = db.session.scalar(select(Period).where(Period.year == 2026, Period.month == 7))
    assert july.status is PeriodStatus.CLOSED
    (carry,) = db.session.scalars(select(Voucher).where(Voucher.source == VoucherSource.CLOSING)).all()
    assert carry.period_id == july.id and carry.status is VoucherStatus.POSTED
    assert carry.summary == "结转2026年7月损益" and carry.prepared_by_id != carry.approved_by_id
    assert [(l.account.code, l.debit, l.credit) for l in carry.lines] == [
        ("5301", Decimal("5000.00"), 0), ("5601", 0, Decimal("3600.00")), ("3103", 0, Decimal("1400.00"))]
    july_income = period_reports.income_statement_of(reader, "2026-07")
    assert july_income.statement.net_profit == (140000, 140000) and july_income.carried

    def fen(value):
        return Money(value).fen

    for month in ("2026-07", "2026-08"):
        sheet = period_reports.balance_sheet_of(reader, month)
        assert sheet.balanced, month
        rows = {row.account.code: row for row in trial_balance.trial_balance(reader, month).rows}

        def closing(*codes):
            return sum(fen(rows[c].closing) for c in codes if c in rows)

        end = {row: sheet.sheet.figure(row)[0] for row in (1, 9, 30, 36, 48, 51, 53)}
        assert end[1] == closing("1001", "1002", "1012")
        assert end[9] == closing("1405")
        assert end[36] == -closing("2221")
        assert end[48] == -closing("3001")
        # 未分配利润: 本年利润, 利润分配 and what is not carried forward yet
        assert end[51] == -closing("3103", "3104", "5001", "5301", "5401", "5601", "5711")
        # 资产总计: cash, stock, and every party's debit balance on the 往来 accounts (a household the
        # company paid ahead of what it owes them shows as 预付, not as less 应付)
        by_party: dict[tuple[str, int], int] = {}
        codes = {row.account.id: code for code, row in rows.items()}
        for account_id, _t, party_id, debit, credit in ledger.posted_totals(until_period=Month.parse(month)):
            if codes.get(account_id) in ("1122", "1123", "1221", "2202"):
                key = (codes[account_id], party_id)
                by_party[key] = by_party.get(key, 0) + fen(debit) - fen(credit)
        assert end[30] == closing("1001", "1002", "1012", "1405") + sum(b for b in by_party.values() if b > 0)
    august = period_reports.income_statement_of(reader, "2026-08")
    rows = {row.account.code: row for row in trial_balance.trial_balance(reader, "2026-08").rows}
    this_month, year = august.statement.figure(1)
    assert this_month == fen(rows["5001"].credit) - fen(rows["5001"].debit) > 0
    assert year == this_month  # July had no sales
    assert august.statement.net_profit[1] == august.statement.net_profit[0] + 140000
