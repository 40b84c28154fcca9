"""The account ledger (明细账) CSV download streams from the database in constant memory.

An SQLite database in a temporary folder holds 2,000 posted vouchers of 101 lines (100 on 2202
应付账款 for 500 households, one on 5401), 200 a month from January to October 2026: 200,000
ledger lines. The full CSV of 2202 for one month (20,000 lines) and for the ten months (200,000)
is read through the test client as a server would send it (``buffered=False``, chunk by chunk),
once timed, once under ``tracemalloc`` for the peak of Python memory.

Targets: the peak at 200,000 lines at most 1.5 × the peak at 20,000 and at most 50 MB; at
least 20,000 lines a second. (``tracemalloc`` sees Python's allocations, not SQLite's own.)
"""
from __future__ import annotations

import gc
import hashlib
import random
import shutil
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, update

VOUCHERS = 2000
LINES_PER_VOUCHER = 100
HOUSEHOLDS = 500
MONTHS = 10
PASSWORD = "bench-password-2026"
TARGET_RATIO = 1.5
TARGET_PEAK_MB = 50.0
TARGET_LINES_PER_S = 20_000


def build(app) -> dict:
    """Load the books through the models, in bulk; vouchers go in prepared and are posted by one
    UPDATE, which the ledger's triggers check (balanced, two lines or more)."""
    from market import database_rules
    from market.auth.services import create_user
    from market.ledger import services as ledger
    from models import (Household, Period, RoleName, Village, Voucher, VoucherLine, VoucherSource, VoucherStatus,
                        db)

    db.create_all()
    database_rules.install(db.engine)
    ledger.seed_chart()
    user = create_user(None, phone="13800000001", name="赵会计", password=PASSWORD, roles=[RoleName.ACCOUNTANT])
    village = Village(code="610402100001", name="北里村")
    db.session.add(village)
    db.session.flush()
    rnd = random.Random(2202)
    db.session.execute(insert(Household), [
        {"head_name": f"农户{n:03d}", "village_id": village.id, "id_number": f"61040219600101{n:04d}"}
        for n in range(1, HOUSEHOLDS + 1)])
    periods = []
    for month in range(1, MONTHS + 1):
        period = Period(year=2026, month=month, last_number=VOUCHERS // MONTHS)
        db.session.add(period)
        periods.append(period)
    db.session.flush()
    accounts = {a.code: a.id for a in ledger.seed_chart()}
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    per_month = VOUCHERS // MONTHS
    voucher_rows = []
    for n in range(VOUCHERS):
        period = periods[n // per_month]
        number = n % per_month + 1
        voucher_rows.append({
            "id": n + 1, "period_id": period.id, "number": number,
            "voucher_date": date(2026, period.month, 1 + number % 28), "summary": f"收购桃子 第{number}批",
            "status": VoucherStatus.PREPARED, "source": VoucherSource.MANUAL,
            "idempotency_key": f"bench:{n}", "body_hash": hashlib.sha256(str(n).encode()).hexdigest(),
            "prepared_by_id": user.id, "prepared_at": now})
    db.session.execute(insert(Voucher.__table__), voucher_rows)
    table = VoucherLine.__table__
    batch = []
    for n in range(VOUCHERS):
        total = Decimal("0.00")
        for line_no in range(1, LINES_PER_VOUCHER + 1):
            amount = Decimal(rnd.randint(100, 500_000)) / 100
            total += amount
            batch.append({"voucher_id": n + 1, "line_no": line_no, "account_id": accounts["2202"],
                          "party_type": "household", "party_id": rnd.randint(1, HOUSEHOLDS),
                          "debit": Decimal("0.00"), "credit": amount,
                          "memo": "" if line_no % 3 else f"筐{line_no}"})
        batch.append({"voucher_id": n + 1, "line_no": LINES_PER_VOUCHER + 1, "account_id": accounts["5401"],
                      "party_type": "none", "party_id": None, "debit": total, "credit": Decimal("0.00"),
                      "memo": ""})
        if len(batch) >= 20_000:
            db.session.execute(insert(table), batch)
            batch = []
    if batch:
        db.session.execute(insert(table), batch)
    db.session.execute(update(Voucher).values(status=VoucherStatus.POSTED, approved_by_id=user.id, approved_at=now,
                                              posted_by_id=user.id, posted_at=now)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return {"phone": user.phone}


def _figure(case: str, figure: str, value, target: str, ok: bool, **extra) -> dict:
    return {"bench": "ledger_csv", "case": case, "figure": figure, "value": value, "target": target, "ok": ok, **extra}


def read(client, url: str) -> tuple[int, int]:
    """Read a streamed download chunk by chunk, as a server sends it: (chunks, bytes)."""
    response = client.get(url, buffered=False)
    assert response.status_code == 200 and response.is_streamed, response.status_code
    chunks = size = 0
    try:
        for chunk in response.response:
            chunks += 1
            size += len(chunk)
    finally:
        response.close()
    return chunks, size


def run() -> list[dict]:
    from market import create_app
    from market.config import TestConfig
    from models import db

    folder = Path(tempfile.mkdtemp(prefix="bench-exports-"))
    try:
        config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
        config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'books.sqlite'}", RATELIMIT_ENABLED=False,
                      TESTING=False, PHOTO_DIR=str(folder / "photos"))
        app = create_app(config)
        t0 = time.perf_counter()
        with app.app_context():
            user = build(app)
            db.session.remove()
            db.engine.dispose()
        load_s = time.perf_counter() - t0
        client = app.test_client()
        assert client.post("/login", data={"phone": user["phone"], "password": PASSWORD}).status_code == 302
        ranges = {VOUCHERS * LINES_PER_VOUCHER // MONTHS: ("2026-03", "2026-03"),
                  VOUCHERS * LINES_PER_VOUCHER: ("2026-01", f"2026-{MONTHS:02d}")}
        read(client, "/books/ledger?account=2202&from=2026-01&to=2026-01&format=csv")  # warm the caches
        rows = []
        for lines, (start, end) in ranges.items():
            url = f"/books/ledger?account=2202&from={start}&to={end}&format=csv"
            gc.collect()
            t0 = time.perf_counter()
            chunks, size = read(client, url)
            seconds = time.perf_counter() - t0
            assert chunks == lines + 3, (chunks, lines)  # header, opening, the lines, totals
            gc.collect()
            tracemalloc.start()
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            read(client, url)
            peak = tracemalloc.get_traced_memory()[1] - base
            tracemalloc.stop()
            rows.append({"lines": lines, "seconds": round(seconds, 2), "lines_per_s": round(lines / seconds),
                         "csv_mb": round(size / 2**20, 1), "peak_mb": round(peak / 2**20, 2)})
        small, large = rows
        ratio = large["peak_mb"] / small["peak_mb"] if small["peak_mb"] else float("inf")
        figures = []
        for row in rows:
            case = f"明细账 CSV, {row['lines']:,} lines"
            detail = {"seconds": row["seconds"], "csv_mb": row["csv_mb"], "load_s": round(load_s, 1)}
            figures.append(_figure(case, "lines per second", row["lines_per_s"], f"≥ {TARGET_LINES_PER_S:,}",
                                   row["lines_per_s"] >= TARGET_LINES_PER_S, **detail))
            figures.append(_figure(case, "peak Python memory, MB", row["peak_mb"], f"≤ {TARGET_PEAK_MB:g} MB",
                                   row["peak_mb"] <= TARGET_PEAK_MB))
        figures.append(_figure(f"明细账 CSV, {large['lines']:,} lines", f"peak ÷ peak at {small['lines']:,} lines",
                               round(ratio, 2), f"≤ {TARGET_RATIO}", ratio <= TARGET_RATIO))
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    import sys

    from bench.__main__ import report

    sys.exit(report(run()))
