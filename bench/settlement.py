"""A supermarket order drawn from 1,000 households, settled three ways and posted.

The demo is loaded into a temporary SQLite database (or ``SETTLEMENT_BENCH_DATABASE_URL``, a
PostgreSQL database this bench may empty); 1,000 more households of 北里村 list a lot each (inserted
in bulk, as listed lots are); a 200 t order takes them through the fair allocation, confirmed, each
line weighed on a 过磅单, loaded on four trucks and each received — all through the services. Timed: the
settlement prepared (制单, every household's line and item computed), submitted, approved and posted
(every voucher and all 1,000 农产品收购发票 written), committed.

Target: ≤ 1 s on the 2-core machine.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from datetime import date, datetime, time as clock, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

HOUSEHOLDS = 1000
TARGET_S = 1.0
DAY = date(2026, 8, 20)


def _build(app) -> dict:
    from market import demo
    from market.errors import ValidationFailed
    from market.fulfilment import receipts, shipments
    from market.orders import allocation_runs, buyer_orders
    from market.weighing import services as weighing
    from models import (Buyer, Grade, GradeTable, Household, LotStatus, ProduceLot, QuantityUnit, User, Variety,
                        Village, db)

    demo.seed(today=DAY)
    db.session.commit()
    zone = ZoneInfo("Asia/Shanghai")
    coordinator = db.session.scalar(select(User).where(User.phone == "13800000002"))
    accountant = db.session.scalar(select(User).where(User.phone == "13800000003"))
    chief = db.session.scalar(select(User).where(User.phone == demo.CHIEF[1]))
    buyer_user = db.session.scalar(select(User).where(User.phone == "13800000004"))
    village = db.session.scalar(select(Village).order_by(Village.id))
    variety = db.session.scalar(select(Variety).where(Variety.name == "水蜜桃"))
    grades = {g.name: g for g in db.session.scalars(select(Grade).join(GradeTable).where(
        GradeTable.product_id == variety.product_id, GradeTable.is_default.is_(True)))}
    first = db.session.scalar(select(Household.id).order_by(Household.id.desc())) + 1
    db.session.execute(insert(Household), [
        {"head_name": f"农户{n:04d}", "village_id": village.id, "id_number": f"61040219700101{n % 10000:04d}",
         "phone": f"139{n:08d}", "party_group_id": None} for n in range(HOUSEHOLDS)])
    households = list(range(first, first + HOUSEHOLDS))
    db.session.execute(insert(ProduceLot), [
        {"household_id": h, "variety_id": variety.id, "grade_id": grades["一级"].id, "quantity_kg": Decimal("200"),
         "entered_unit": QuantityUnit.KG, "ready_from": DAY - timedelta(days=1), "ready_to": DAY + timedelta(days=3),
         "spoil_by": DAY + timedelta(days=10), "village_id": village.id, "status": LotStatus.LISTED,
         "created_by_id": coordinator.id} for h in households])
    db.session.commit()
    buyer = db.session.scalar(select(Buyer).order_by(Buyer.id))
    try:
        order = buyer_orders.create_order(
            coordinator, buyer_id=buyer.id, variety_id=variety.id, min_grade_id=grades["一级"].id,
            quantity=f"{HOUSEHOLDS * 200}公斤", delivered_price="8.60", mode="field_direct",
            window_start=DAY - timedelta(days=1), window_end=DAY + timedelta(days=2),
            destination="甘肃省金昌市 赢华联超市配送中心", crate_kg="10", share_cap_pct="100",
            farm_gate_prices={grades[name].id: price for name, price in
                              (("特级", "7.40"), ("一级", "6.80"))},
            expected_cost_per_kg="1.10", note="bench")
    except ValidationFailed as error:
        raise SystemExit(f"the bench order was refused: {error.field_texts()}") from None
    buyer_orders.open_order(coordinator, order)
    run = allocation_runs.run_allocation(coordinator, order, "fair")
    allocation_runs.confirm_run(coordinator, run)
    db.session.commit()
    lines = [line for line in run.lines if line.household_id in set(households)]
    for index, line in enumerate(run.lines):
        weighing.issue_slip(coordinator, household_id=line.household_id, variety_id=variety.id,
                            allocation_id=line.id, crates=int(line.kg // 10), gross=str(line.kg + 2), tare="2",
                            weighed_at=datetime.combine(DAY, clock(8), tzinfo=zone) + timedelta(seconds=index),
                            grade_split=[{"grade_id": line.lot.grade_id, "amount": str(line.kg)}])
    db.session.commit()
    from models import WeighSlip
    slips = db.session.scalars(select(WeighSlip.id).where(WeighSlip.allocation_id.in_([l.id for l in run.lines]))
                               .order_by(WeighSlip.id)).all()
    # 200 t in crates of 10 kg is 20,000 crates: four trucks of at most 10,000 (the last takes the rest)
    quarter = len(slips) // 4
    trucks = []
    for number in range(4):
        last = number == 3
        trucks.append(shipments.create_shipment(
            coordinator, order, plate=f"甘C·5T21{number}", driver_name="马师傅", driver_phone="13909350123",
            temperature="2.5", departed_at=datetime.combine(DAY, clock(16 + number), tzinfo=zone), last=last,
            slip_ids=None if last else list(slips[number * quarter:(number + 1) * quarter])))
    for truck in trucks:
        receipts.record_receipt(buyer_user, truck, received=f"{receipts.loaded_kg(truck):f}", defect_pct="1.5",
                                supplier_signer="李建国", clerk_signer="王芳", supervisor_signer="陈刚",
                                received_at=datetime.combine(DAY + timedelta(days=1), clock(6), tzinfo=zone))
    db.session.commit()
    return {"order": order.id, "coordinator": coordinator.id, "accountant": accountant.id, "chief": chief.id,
            "households": len({line.household_id for line in run.lines}), "ours": len(lines)}


def _settle(ids: dict) -> tuple[float, int, int]:
    from market.settlements import services as settlements
    from models import BuyerOrder, PurchaseInvoice, SettlementHousehold, User, Voucher, VoucherSource, db

    coordinator, accountant, chief = (db.session.get(User, ids[k]) for k in ("coordinator", "accountant", "chief"))
    order = db.session.get(BuyerOrder, ids["order"])
    db.session.expire_all()
    started = time.perf_counter()
    settlement = settlements.prepare_order_settlement(coordinator, order, settle_on=DAY + timedelta(days=1),
                                                      logistics="48000.00", packing="9000.00")
    settlements.submit(coordinator, settlement)
    settlements.approve(accountant, settlement)
    settlements.post(chief, settlement)
    db.session.commit()
    elapsed = time.perf_counter() - started
    lines = db.session.scalar(select(db.func.count()).select_from(SettlementHousehold).where(
        SettlementHousehold.settlement_id == settlement.id))
    invoices = db.session.scalar(select(db.func.count()).select_from(PurchaseInvoice).join(SettlementHousehold).where(
        SettlementHousehold.settlement_id == settlement.id))
    vouchers = db.session.scalar(select(db.func.count()).select_from(Voucher).where(
        Voucher.source == VoucherSource.SETTLEMENT, Voucher.source_id == settlement.id))
    assert lines == invoices and vouchers >= 3, (lines, invoices, vouchers)
    return elapsed, lines, vouchers


def run() -> list[dict]:
    from market import create_app
    from market.books.verification import problems
    from models import db

    folder = Path(tempfile.mkdtemp(prefix="settlement-bench-"))
    url = os.environ.get("SETTLEMENT_BENCH_DATABASE_URL") or f"sqlite:///{folder / 'bench.sqlite'}"
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                          "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 8,
                          "PASSWORD_HASH_PARALLELISM": 1, "UPLOAD_FOLDER": str(folder)})
        with app.app_context():
            from market import database_rules
            db.drop_all()
            db.create_all()
            database_rules.install(db.engine)
            built = time.perf_counter()
            ids = _build(app)
            built = time.perf_counter() - built
            elapsed, lines, vouchers = _settle(ids)
            clean = problems() == []
            db.session.remove()
            db.engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    database = "postgresql" if url.startswith("postgresql") else "sqlite"
    return [{"bench": "settlement", "case": f"{lines} households, {database}",
             "figure": "prepare + review + post, s", "value": round(elapsed, 3), "target": f"≤ {TARGET_S:g} s",
             "ok": elapsed <= TARGET_S and clean, "vouchers": vouchers, "built_s": round(built, 1),
             "verify_clean": clean}]


if __name__ == "__main__":  # pragma: no cover
    from bench.__main__ import report
    raise SystemExit(report(run()))
