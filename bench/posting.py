"""Ledger posting on PostgreSQL: the project's own services against raw SQL writing the same rows,
and eight posters at once against one.

A voucher is a cash sale of three or four lines (借 1002 银行存款 [and 1001 库存现金], 贷 5001
主营业务收入 and 22210102 销项税额), all in the same month, so every poster takes the same period's
number and the same accounts: the hottest case.

- **Services**: ``prepare_voucher`` (制单, by one accountant) → ``approve`` (审核, by another) →
  ``post`` (记账: the period's next number, the hash chain, cash never below zero), committed: one
  voucher per transaction, as a settlement or a payment posts.
- **Raw SQL** (psycopg, no ORM): the period's next number taken by ``UPDATE … RETURNING``, the
  voucher row already posted, its lines in one statement, committed — the least any correct
  posting does. The database's own rules (the deferred balance check, the guards of posted rows)
  run on both.

Targets on the 2-core machine: services ≥ 30 % of raw SQL's vouchers per second (single poster,
rounds interleaved), and eight posters (processes, each its own connection and its own pair of
accountants) ≥ 3 × one poster on the services path.

``POSTING_BENCH_DATABASE_URL`` names a PostgreSQL database the bench may empty (default
``postgresql://postgres@127.0.0.1:5432/market_bench_posting``, created when missing).
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import statistics
import time
from datetime import date, datetime, timezone

from . import ensure_database

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/market_bench_posting"
RAW_SHARE_TARGET = 0.30
SCALE_TARGET = 3.0
WORKERS = 8
ROUNDS = 3
SERVICE_VOUCHERS = 120      # per single-poster round
RAW_VOUCHERS = 400          # per raw round
PER_WORKER = 60             # per poster when eight post at once
CONFIG = {"TESTING": True, "SECRET_KEY": "bench", "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 8,
          "PASSWORD_HASH_PARALLELISM": 1}


def _url() -> str:
    return os.environ.get("POSTING_BENCH_DATABASE_URL") or DEFAULT_URL


def _app(url: str):
    from market import create_app

    return create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": url})


def _lines(n: int, four: bool):
    from market.ledger.services import LineInput

    net = 10_000 + n % 9_000            # fen
    vat = net * 9 // 100
    if four:
        cash = 500 + n % 300
        return [LineInput("1002", debit=f"{(net + vat - cash) / 100:.2f}"), LineInput("1001", debit=f"{cash / 100:.2f}"),
                LineInput("5001", credit=f"{net / 100:.2f}"), LineInput("22210102", credit=f"{vat / 100:.2f}")]
    return [LineInput("1002", debit=f"{(net + vat) / 100:.2f}"), LineInput("5001", credit=f"{net / 100:.2f}"),
            LineInput("22210102", credit=f"{vat / 100:.2f}")]


def _setup(url: str) -> dict:
    """A fresh schema with the database's rules, the chart, and a pair of accountants per poster."""
    from market import database_rules
    from market.auth.services import create_user
    from market.ledger import services
    from models import Account, RoleName, db

    app = _app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        database_rules.install(db.engine)
        services.seed_chart()
        pairs = [(create_user(None, phone=f"1370000{2 * i:04d}", name=f"制单{i}", password="bench-pass-1",
                              roles=[RoleName.ACCOUNTANT]).id,
                  create_user(None, phone=f"1370000{2 * i + 1:04d}", name=f"审核{i}", password="bench-pass-1",
                              roles=[RoleName.ACCOUNTANT]).id) for i in range(WORKERS + 1)]
        services.period_for(date.today())
        db.session.commit()
        accounts = dict(db.session.execute(db.select(Account.code, Account.id)).all())
        db.session.remove()
        db.engine.dispose()
    return {"pairs": pairs, "accounts": accounts}


def _server_cpu(pid: int | None) -> float | None:
    """CPU seconds a PostgreSQL backend has used (its /proc entry: the server runs on this machine)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _spent(count: int, elapsed: float, client: float, server_pid: int | None, server_before: float | None):
    """What a poster reports: vouchers, wall seconds, its own CPU seconds, its backend's CPU seconds."""
    server_after = _server_cpu(server_pid)
    server = None if server_before is None or server_after is None else server_after - server_before
    return count, elapsed, client, server


def _post_with_services(url: str, pair: tuple[int, int], tag: str, count: int, start_at, queue) -> None:
    """One poster: ``count`` vouchers through prepare → approve → post, a transaction each."""
    from sqlalchemy import text

    from market.ledger import services
    from models import User, db

    app = _app(url)
    with app.app_context():
        preparer, reviewer = db.session.get(User, pair[0]), db.session.get(User, pair[1])
        today = date.today()
        # one voucher to warm the connection and the caches, not timed
        _one(services, db, preparer, reviewer, today, f"{tag}-warm", 0)
        backend = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.commit()
        if start_at is not None:
            start_at.wait()
        server, client, started = _server_cpu(backend), time.process_time(), time.perf_counter()
        for n in range(count):
            _one(services, db, preparer, reviewer, today, f"{tag}-{n}", n)
        spent = _spent(count, time.perf_counter() - started, time.process_time() - client, backend, server)
        db.session.remove()
        db.engine.dispose()
    queue.put(spent)


def _one(services, db, preparer, reviewer, day, key: str, n: int) -> None:
    voucher = services.prepare_voucher(preparer, voucher_date=day, summary="零售桃子收到货款", idempotency_key=key,
                                       lines=_lines(n, four=n % 2 == 1))
    services.approve(reviewer, voucher)
    services.post(reviewer, voucher)
    db.session.commit()


def _post_raw(url: str, setup: dict, tag: str, count: int, queue) -> None:
    """The same vouchers in raw SQL: the number, the posted voucher, its lines; committed each."""
    import psycopg

    accounts = setup["accounts"]
    preparer, reviewer = setup["pairs"][WORKERS]
    today = date.today()
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        period_id = conn.execute("SELECT id FROM periods WHERE year = %s AND month = %s",
                                 (today.year, today.month)).fetchone()[0]
        backend = conn.info.backend_pid
        conn.commit()
        server, client, started = _server_cpu(backend), time.process_time(), time.perf_counter()
        for n in range(count):
            lines = _lines(n, four=n % 2 == 1)
            now = datetime.now(timezone.utc)
            with conn.transaction():
                # the voucher approved, its lines, then (the period's row locked as briefly as can be)
                # its number and posted: the database's guards refuse lines added to a posted voucher
                digest = hashlib.sha256(f"{tag}-{n}".encode()).hexdigest()
                voucher_id = conn.execute(
                    "INSERT INTO vouchers (period_id, voucher_date, summary, attachments, status, source, "
                    "idempotency_key, body_hash, prepared_by_id, prepared_at, approved_by_id, approved_at, "
                    "rejected_reason) VALUES (%s, %s, %s, 0, 'approved', 'manual', %s, %s, %s, %s, %s, %s, '') "
                    "RETURNING id",
                    (period_id, today, "零售桃子收到货款", f"{tag}-{n}", digest, preparer, now, reviewer,
                     now)).fetchone()[0]
                with conn.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO voucher_lines (voucher_id, line_no, account_id, party_type, party_id, debit, "
                        "credit, memo, party_name) VALUES (%s, %s, %s, 'none', NULL, %s, %s, '', '')",
                        [(voucher_id, i, accounts[line.account_code], int(round(float(line.debit) * 100)),
                          int(round(float(line.credit) * 100))) for i, line in enumerate(lines, start=1)])
                number = conn.execute("UPDATE periods SET last_number = last_number + 1 WHERE id = %s "
                                      "RETURNING last_number", (period_id,)).fetchone()[0]
                conn.execute("UPDATE vouchers SET status = 'posted', number = %s, chain_hash = %s, posted_by_id = %s, "
                             "posted_at = %s WHERE id = %s", (number, digest, reviewer, now, voucher_id))
        spent = _spent(count, time.perf_counter() - started, time.process_time() - client, backend, server)
    queue.put(spent)


def _child(target, args, queue) -> None:
    try:
        target(*args, queue)
    except BaseException:  # noqa: BLE001  (the parent raises it)
        import traceback
        queue.put(("failed", traceback.format_exc()))


def _in_processes(target, argsets) -> list[tuple[int, float]]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=_child, args=(target, args, queue)) for args in argsets]
    for process in processes:
        process.start()
    results = [queue.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    failed = [result[1] for result in results if result[0] == "failed"]
    if failed:
        raise RuntimeError(f"a poster failed:\n{failed[0]}")
    return results


def _statements_per_voucher(url: str, pair: tuple[int, int]) -> int:
    from sqlalchemy import event

    from market.ledger import services
    from models import User, db

    app = _app(url)
    with app.app_context():
        preparer, reviewer = db.session.get(User, pair[0]), db.session.get(User, pair[1])
        _one(services, db, preparer, reviewer, date.today(), "count-warm", 0)
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        _one(services, db, preparer, reviewer, date.today(), "count-1", 1)
        event.remove(db.engine, "before_cursor_execute", listener)
        db.session.remove()
        db.engine.dispose()
    return len(seen)


def _verify(url: str) -> tuple[bool, int]:
    from sqlalchemy import func, select

    from models import Voucher, VoucherSource, db

    app = _app(url)
    with app.app_context():
        # the raw rows carry no real hash chain: verify the services' vouchers and the numbering
        numbers = sorted(db.session.scalars(select(Voucher.number)))
        gapless = numbers == list(range(1, len(numbers) + 1))
        posted = db.session.scalar(select(func.count()).select_from(Voucher).where(Voucher.source == VoucherSource.MANUAL))
        db.session.remove()
        db.engine.dispose()
    return gapless, posted


def run() -> list[dict]:
    url = _url()
    if not url.startswith("postgresql"):
        raise SystemExit("the posting bench runs on PostgreSQL (POSTING_BENCH_DATABASE_URL)")
    ensure_database(url)
    setup = _setup(url)
    pairs = setup["pairs"]
    statements = _statements_per_voucher(url, pairs[0])
    services_rates, raw_rates, shares, spent = [], [], [], []
    for r in range(ROUNDS):   # single poster, the two paths interleaved
        [(count, elapsed, *_cpu)] = _in_processes(_post_raw, [(url, setup, f"raw{r}", RAW_VOUCHERS)])
        raw = count / elapsed
        [(count, elapsed, client, server)] = _in_processes(
            _post_with_services, [(url, pairs[0], f"one{r}", SERVICE_VOUCHERS, None)])
        one = count / elapsed
        spent.append((elapsed / count, client / count, (server or 0) / count))
        raw_rates.append(raw)
        services_rates.append(one)
        shares.append(one / raw)
    scale = []
    eight_rates = []
    context = multiprocessing.get_context("fork")
    for r in range(ROUNDS):   # eight posters at once, against one poster in the round before it
        [(count, elapsed, *_cpu)] = _in_processes(_post_with_services,
                                                  [(url, pairs[0], f"solo{r}", PER_WORKER, None)])
        solo = count / elapsed
        start_at = context.Barrier(WORKERS)
        started = time.perf_counter()
        results = _in_processes(_post_with_services, [(url, pairs[i], f"w{r}-{i}", PER_WORKER, start_at)
                                                      for i in range(WORKERS)])
        # the slowest poster's time is the wall time of the eight (they start together at the barrier)
        eight = sum(result[0] for result in results) / max(result[1] for result in results)
        eight_rates.append(eight)
        scale.append(eight / solo)
        del started
    gapless, vouchers = _verify(url)
    share, times = statistics.median(shares), statistics.median(scale)
    load = [round(x, 2) for x in os.getloadavg()]
    # Where one poster's time goes: its own CPU (Python, the ORM, the driver), its backend's CPU, and
    # the rest (waiting on the network, the disk, a lock). Eight posters on ``cores`` cores can at most
    # turn the idle part into work: ``cores × wall / CPU`` bounds their gain over one.
    wall, client, server = (statistics.median(part) * 1000 for part in zip(*spent))
    cores = os.cpu_count() or 1
    bound = cores * wall / (client + server) if client + server else None
    return [
        {"bench": "posting", "case": "one poster, services vs raw SQL", "figure": "share of raw SQL's vouchers/s",
         "value": round(share, 3), "target": f"≥ {RAW_SHARE_TARGET:.0%}", "ok": share >= RAW_SHARE_TARGET and gapless,
         "services_per_s": round(statistics.median(services_rates), 1),
         "raw_per_s": round(statistics.median(raw_rates), 1), "statements_per_voucher": statements,
         "per_voucher_ms": {"wall": round(wall, 2), "client_cpu": round(client, 2), "server_cpu": round(server, 2),
                            "idle": round(wall - client - server, 2)},
         "load_average": load},
        {"bench": "posting", "case": f"{WORKERS} posters vs one, services", "figure": "× one poster's vouchers/s",
         "value": round(times, 2), "target": f"≥ {SCALE_TARGET:g} ×", "ok": times >= SCALE_TARGET and gapless,
         "eight_per_s": round(statistics.median(eight_rates), 1), "gapless": gapless, "vouchers": vouchers,
         "cpu_bound_on_these_cores": round(bound, 2) if bound else None, "load_average": load},
    ]


if __name__ == "__main__":  # pragma: no cover
    from bench.__main__ import report
    raise SystemExit(report(run()))
