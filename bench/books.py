"""The books at a district's size: 1,000,000 posted voucher lines, 5,000 households, twelve months.

A PostgreSQL database (``BOOKS_BENCH_DATABASE_URL``, which this bench empties) gets the schema as the
app and the tests make it, with the database rules installed, and the books of 2026 in bulk (COPY):

- each month 763 purchase vouchers (收购), each 借5401 主营业务成本 / 贷2202 应付账款 for 100
  households; 300 sales (销售), 借1122 应收账款 a buyer / 贷5001 主营业务收入, 贷22210102 销项税额; a
  receipt (收款) per buyer of the month, 借1002 / 贷1122; and the month's payouts (付款) in batches of 50
  households, 借2202 each household / 贷1002, paying every household what the month owed it;
- in January the company's capital, 借1002 / 贷3001.

January to November are then closed through the ledger's services, as the accountants close each
month: the carry-forward (转出未交增值税, 结转损益) prepared, approved by the other accountant and
posted, the period closed (its balances snapshotted); December stays open.

The vouchers are written prepared, their lines copied in, then all posted by one UPDATE that the
database's triggers check (balanced, two lines or more, nothing added to a posted voucher); each is
numbered without gaps in its period by date, carries its period's hash chain as the ledger computes
it (``rules.chain_hash``), names its preparer, reviewer and poster (two accountants), and has its
``voucher.prepare`` and ``voucher.post`` audit events.

Which party mix: 1122 and 2202 are kept per party by documents (settlements, payments), and
``flask ledger verify`` compares each party's ledger balance with what the documents say. Writing a
million lines' worth of settlements and payments in bulk would be a bench of the documents, not of
the books; so every household is paid, and every buyer pays, within the month what the month's
vouchers put on its account: each party's balance is zero at each month's end, which is what the
documents (none here) say. The statement (对账单) is read from documents, so it is measured over an
empty household: the books' size is what it must not depend on.

Measured through the project's own code (the Flask test client for the pages):

- an account's balance (``books.ledgers.ledger_range``, the opening of a 明细账) for a household on
  2202 and for 1002 as a whole: p95 ≤ 10 ms;
- the trial balance (科目余额表) page of a month, a household's statement page, one page of the 明细账
  of 2202 for the year: each ≤ 300 ms (median of 5, after one warm-up);
- ``flask ledger verify`` (``books.verification.problems``): ≤ 60 s, and clean;
- the 明细账 CSV of 2202 for the year, streamed: ≥ 100,000 lines a second, ≤ 100 MB of Python memory
  (``tracemalloc``) and the process's maximum resident size grows by ≤ 100 MB.

``BOOKS_BENCH_REUSE=1`` keeps a database built by an earlier run (same counts) instead of building
it again.
"""
from __future__ import annotations

import gc
import hashlib
import os
import random
import resource
import shutil
import statistics
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, insert, select

from . import ensure_database
from .exports import read as read_download

HOUSEHOLDS = 5000
BUYERS = 200
YEAR = 2026
PURCHASES_PER_MONTH = 763
HOUSEHOLDS_PER_PURCHASE = 100
SALES_PER_MONTH = 300
PAYOUT_BATCH = 50
PASSWORD = "bench-password-2026"
VAT_PCT = 9
#: January to November are closed (期末结转 posted, 结账), December is open
CLOSED_THROUGH = 11

TARGET_BALANCE_MS = 10.0
TARGET_PAGE_MS = 300.0
TARGET_VERIFY_S = 60.0
TARGET_LINES_PER_S = 100_000
TARGET_PEAK_MB = 100.0
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/market_bench_books"


def _plan(household_names: dict[int, str], buyer_names: dict[int, str]) -> dict[int, list[tuple]]:
    """Every voucher of the year by month: (day, summary, lines), a line being (account code, party
    type, party id, debit fen, credit fen, memo, party name)."""
    rnd = random.Random(20261204)
    households = sorted(household_names)
    buyers = sorted(buyer_names)
    months: dict[int, list[tuple]] = {}
    for month in range(1, 13):
        vouchers = []
        if month == 1:
            vouchers.append((date(YEAR, 1, 1), "收到投资款", [("1002", "none", None, 1_500_000_000, 0, "", ""),
                                                             ("3001", "none", None, 0, 1_500_000_000, "", "")]))
        owed: dict[int, int] = {}
        for n in range(PURCHASES_PER_MONTH):
            day = date(YEAR, month, 1 + n * 27 // PURCHASES_PER_MONTH)
            lines, total = [], 0
            for household in rnd.sample(households, HOUSEHOLDS_PER_PURCHASE):
                fen = rnd.randint(2_000, 60_000)
                total += fen
                owed[household] = owed.get(household, 0) + fen
                lines.append(("2202", "household", household, 0, fen, "", household_names[household]))
            vouchers.append((day, f"收购桃子 {month}月第{n + 1}批", [("5401", "none", None, total, 0, "", "")] + lines))
        sold: dict[int, int] = {}
        for n in range(SALES_PER_MONTH):
            day = date(YEAR, month, 1 + n * 27 // SALES_PER_MONTH)
            buyer = rnd.choice(buyers)
            net = rnd.randint(5_000_000, 15_000_000)
            vat = (net * VAT_PCT + 50) // 100
            sold[buyer] = sold.get(buyer, 0) + net + vat
            vouchers.append((day, f"销售桃子 {buyer_names[buyer]}", [
                ("1122", "buyer", buyer, net + vat, 0, "", buyer_names[buyer]),
                ("5001", "none", None, 0, net, "", ""), ("22210102", "none", None, 0, vat, "", "")]))
        for buyer in sorted(sold):
            vouchers.append((date(YEAR, month, 27), f"收到货款 {buyer_names[buyer]}", [
                ("1002", "none", None, sold[buyer], 0, "", ""),
                ("1122", "buyer", buyer, 0, sold[buyer], "", buyer_names[buyer])]))
        paid = sorted(owed)
        for start in range(0, len(paid), PAYOUT_BATCH):
            batch = paid[start:start + PAYOUT_BATCH]
            lines = [("2202", "household", h, owed[h], 0, "代发", household_names[h]) for h in batch]
            total = sum(owed[h] for h in batch)
            vouchers.append((date(YEAR, month, 28), f"支付农户货款 {month}月 第{start // PAYOUT_BATCH + 1}批",
                             lines + [("1002", "none", None, 0, total, "", "")]))
        vouchers.sort(key=lambda v: v[0])  # numbered in date order (a stable sort keeps the day's order)
        months[month] = vouchers
    return months


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _vacuum() -> None:
    """What autovacuum does to a database loaded in bulk: statistics, and the visibility map that lets
    an index answer alone."""
    from models import db
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def build() -> dict:
    """Load the year's books in bulk; return the counts."""
    from market import database_rules
    from market.auth.services import create_user
    from market.ledger import rules
    from market.ledger import services as ledger
    from models import Buyer, Household, Period, RoleName, Village, db

    db.drop_all()
    db.create_all()
    database_rules.install(db.engine)
    accounts = {a.code: a.id for a in ledger.seed_chart()}
    preparer = create_user(None, phone="13800000001", name="赵会计", password=PASSWORD,
                           roles=[RoleName.ACCOUNTANT])
    reviewer = create_user(None, phone="13800000002", name="钱主管", password=PASSWORD,
                           roles=[RoleName.ACCOUNTANT, RoleName.CHIEF_ACCOUNTANT])
    villages = [Village(code=f"6104021{n:05d}", name=f"第{n}村") for n in range(1, 21)]
    db.session.add_all(villages)
    db.session.flush()
    db.session.execute(insert(Household), [
        {"head_name": f"农户{n:04d}", "village_id": villages[n % len(villages)].id} for n in range(1, HOUSEHOLDS + 1)])
    db.session.execute(insert(Buyer), [
        {"name": f"超市{n:03d}", "credit_code": f"91620300MA{n:08d}"} for n in range(1, BUYERS + 1)])
    household_names = dict(db.session.execute(select(Household.id, Household.head_name)).all())
    buyer_names = dict(db.session.execute(select(Buyer.id, Buyer.name)).all())
    plan = _plan(household_names, buyer_names)
    periods = {}
    for month, vouchers in plan.items():
        periods[month] = Period(year=YEAR, month=month, last_number=len(vouchers))
    db.session.add_all(periods.values())
    db.session.flush()

    voucher_rows, line_rows, audit_rows = [], [], []
    voucher_id = 0
    for month, vouchers in plan.items():
        previous = ""
        for number, (day, summary, lines) in enumerate(vouchers, start=1):
            voucher_id += 1
            chained = rules.chain_hash(previous, voucher_date=day.isoformat(), number=number,
                                       period=f"{YEAR}-{month:02d}", summary=summary,
                                       lines=[(code, kind, party, debit, credit)
                                              for code, kind, party, debit, credit, _m, _n in lines])
            previous = chained
            prepared = datetime(day.year, day.month, day.day, 1, tzinfo=timezone.utc) + timedelta(seconds=number)
            posted = prepared + timedelta(hours=2)
            voucher_rows.append((voucher_id, periods[month].id, number, day, summary, 0, "prepared", "manual",
                                 f"bench:{voucher_id}", hashlib.sha256(summary.encode()).hexdigest(), preparer.id,
                                 prepared, "", chained))
            for line_no, (code, kind, party, debit, credit, memo, name) in enumerate(lines, start=1):
                line_rows.append((voucher_id, line_no, accounts[code], kind, party, debit, credit, memo, name))
            audit_rows.append((prepared, preparer.id, "voucher.prepare", "vouchers", voucher_id))
            audit_rows.append((posted, reviewer.id, "voucher.post", "vouchers", voucher_id))
    cursor = db.session.connection().connection.driver_connection.cursor()
    _copy(cursor, "vouchers", ("id", "period_id", "number", "voucher_date", "summary", "attachments", "status",
                               "source", "idempotency_key", "body_hash", "prepared_by_id", "prepared_at",
                               "rejected_reason", "chain_hash"), voucher_rows)
    cursor.execute("SELECT setval(pg_get_serial_sequence('vouchers', 'id'), %s)", (voucher_id,))
    _copy(cursor, "voucher_lines", ("voucher_id", "line_no", "account_id", "party_type", "party_id", "debit",
                                    "credit", "memo", "party_name"), line_rows)
    _copy(cursor, "audit_events", ("at", "actor_id", "action", "entity_type", "entity_id"), audit_rows)
    # posted as the ledger posts: reviewed by another accountant than the preparer, after preparing
    cursor.execute("UPDATE vouchers SET status = 'posted', approved_by_id = %s, posted_by_id = %s, "
                   "approved_at = prepared_at + interval '1 hour', posted_at = prepared_at + interval '2 hours'",
                   (reviewer.id, reviewer.id))
    db.session.commit()
    _vacuum()
    started = time.perf_counter()
    for month in range(1, CLOSED_THROUGH + 1):  # as the accountants do each month, through the services
        period = db.session.get(Period, periods[month].id)
        for voucher in ledger.prepare_closing(preparer, period):
            ledger.approve(reviewer, voucher)
            ledger.post(reviewer, voucher)
        ledger.close_period(reviewer, period)
        db.session.commit()
    _vacuum()
    return {"vouchers": voucher_id, "lines": len(line_rows), "closing_s": round(time.perf_counter() - started, 1)}


def _counts() -> dict:
    from models import Voucher, VoucherLine, db
    return {"vouchers": db.session.scalar(select(func.count()).select_from(Voucher)),
            "lines": db.session.scalar(select(func.count()).select_from(VoucherLine))}


def _figure(case: str, figure: str, value, target: str, ok: bool, **extra) -> dict:
    return {"bench": "books", "case": case, "figure": figure, "value": value, "target": target, "ok": ok, **extra}


def _timed(call, times: int) -> list[float]:
    """Milliseconds of each of ``times`` calls, after one to warm the caches."""
    call()
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _page(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(app, client) -> list[dict]:
    from market.books import ledgers
    from market.books.verification import problems
    from models import Account, Household, User, db

    figures = []
    rnd = random.Random(7)
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.phone == "13800000001"))
        payable = db.session.scalar(select(Account).where(Account.code == "2202"))
        bank = db.session.scalar(select(Account).where(Account.code == "1002"))
        households = list(db.session.scalars(select(Household.id)))
        household = households[len(households) // 2]
        for case, account, party in (("2202 one household", payable, "household"), ("1002 whole account", bank, None)):
            def balance():
                party_id = rnd.choice(households) if party else None
                ledgers.ledger_range(actor, account, party, party_id, "2027-01", "2027-01")
            spent = _timed(balance, 200)
            figures.append(_figure(f"account balance, {case}", "p95 ms", round(_p95(spent), 2),
                                   f"≤ {TARGET_BALANCE_MS:g} ms", _p95(spent) <= TARGET_BALANCE_MS,
                                   median_ms=round(statistics.median(spent), 2)))
        later = ledgers.ledger_page(actor, payable, None, None, f"{YEAR}-01", f"{YEAR}-12", f"{YEAR}12-600-1")
        assert later.entries and later.next_after is not None
        db.session.remove()
    pages = {"trial balance 2026-06 (closed)": f"/books/trial-balance?period={YEAR}-06",
             "trial balance 2026-12 (open)": f"/books/trial-balance?period={YEAR}-12",
             "household statement 2026": f"/books/households?household_id={household}&from={YEAR}-01-01&to={YEAR}-12-31",
             "明细账 2202 of the year, first page": f"/books/ledger?account=2202&from={YEAR}-01&to={YEAR}-12",
             "明细账 2202 of the year, a page in December":
                 f"/books/ledger?account=2202&from={YEAR}-01&to={YEAR}-12&after={later.after}",
             "明细账 2202 of one household, the year":
                 f"/books/ledger?account=2202&party_id={household}&from={YEAR}-01&to={YEAR}-12"}
    for case, url in pages.items():
        spent = _timed(lambda: _page(client, url), 5)
        median = statistics.median(spent)
        figures.append(_figure(case, "median ms", round(median, 1), f"≤ {TARGET_PAGE_MS:g} ms",
                               median <= TARGET_PAGE_MS, max_ms=round(max(spent), 1)))
    with app.app_context():
        started = time.perf_counter()
        found = problems()
        seconds = time.perf_counter() - started
        db.session.remove()
    figures.append(_figure("flask ledger verify", "seconds", round(seconds, 1), f"≤ {TARGET_VERIFY_S:g} s and clean",
                           seconds <= TARGET_VERIFY_S and not found, problems=len(found), first=found[:3]))
    url = f"/books/ledger?account=2202&from={YEAR}-01&to={YEAR}-12&format=csv"
    read_download(client, f"/books/ledger?account=2202&from={YEAR}-01&to={YEAR}-01&format=csv")  # warm the caches
    gc.collect()
    rss_before = _maxrss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    chunks, size = read_download(client, url)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rss_growth = _maxrss_mb() - rss_before
    lines = chunks - 3  # header, opening, totals
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    read_download(client, url)
    peak = (tracemalloc.get_traced_memory()[1] - base) / 2**20
    tracemalloc.stop()
    case = f"明细账 CSV 2202, {lines:,} lines"
    figures.append(_figure(case, "lines per second", round(lines / seconds), f"≥ {TARGET_LINES_PER_S:,}",
                           lines / seconds >= TARGET_LINES_PER_S, seconds=round(seconds, 2),
                           csv_mb=round(size / 2**20, 1), app_cpu_s=round(cpu, 2),
                           lines_per_app_cpu_s=round(lines / cpu)))
    figures.append(_figure(case, "peak Python memory, MB", round(peak, 1), f"≤ {TARGET_PEAK_MB:g} MB",
                           peak <= TARGET_PEAK_MB))
    figures.append(_figure(case, "max RSS growth, MB", round(rss_growth, 1), f"≤ {TARGET_PEAK_MB:g} MB",
                           rss_growth <= TARGET_PEAK_MB))
    return figures


def run() -> list[dict]:
    from market import create_app
    from market.config import TestConfig
    from models import db

    folder = Path(tempfile.mkdtemp(prefix="books-bench-"))
    url = os.environ.get("BOOKS_BENCH_DATABASE_URL") or DEFAULT_URL
    ensure_database(url)
    try:
        config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
        config.update(SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False, TESTING=False,
                      PHOTO_DIR=str(folder / "photos"))
        app = create_app(config)
        with app.app_context():
            started = time.perf_counter()
            counts = None
            if os.environ.get("BOOKS_BENCH_REUSE"):
                try:
                    counts = _counts()
                except Exception:  # no schema yet
                    db.session.rollback()
                if counts and counts["lines"] < 1_000_000:
                    counts = None
            built = counts is None
            if built:
                counts = build()
            build_s = time.perf_counter() - started
            db.session.remove()
            db.engine.dispose()
        client = app.test_client()
        response = client.post("/login", data={"phone": "13800000001", "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        figures = [_figure(f"{counts['lines']:,} lines in {counts['vouchers']:,} vouchers, {HOUSEHOLDS:,} households",
                           "build s (COPY, posted under the triggers)" if built else "build s (reused)",
                           round(build_s, 1), "≤ 240 s", not built or build_s <= 240)]
        figures += measure(app, client)
        with app.app_context():
            db.engine.dispose()
        load = os.getloadavg()
        for row in figures:
            row["load_average"] = [round(x, 2) for x in load]
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover
    from bench.__main__ import report
    raise SystemExit(report(run()))
