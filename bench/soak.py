"""`make soak`: a harvest day against gunicorn on PostgreSQL, with workers and the whole server
killed mid-burst, then proof that nothing acknowledged was lost, doubled or half-written.

Not part of `make test` (it needs a minute and a free port). What it does:

1. Creates a fresh PostgreSQL database (``SOAK_DATABASE_URL``, default
   ``postgresql://postgres@127.0.0.1:5432/market_soak``), migrates it and loads the demo.
2. Serves the app with gunicorn (``SOAK_WORKERS`` sync workers, default 3).
3. For ``SOAK_SECONDS`` (default 60) runs clients at once, as on a harvest day:
   villagers register lots and read theirs, a coordinator registers lots for households and reads
   the lists, one accountant prepares vouchers, another reviews and posts what others prepared,
   and payouts go to the households still owed. Every write carries an ``Idempotency-Key``; a
   write that meets a dropped connection or a 5xx is retried with the same key and body until it
   is answered.
4. Meanwhile kills a gunicorn worker with SIGKILL every few seconds (the master starts another),
   and once, half-way, kills the master and every worker at once and starts the server again.
5. Then checks, on the database: every acknowledged write is there; no key made two records; no
   more records exist than keys were sent; every voucher has two lines or more and balances;
   ``flask ledger verify`` passes. Prints requests, errors, kills, writes checked, p50/p99 and
   exits 1 on any failure.
"""
from __future__ import annotations

import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/market_soak"
#: villagers registering lots at once (the demo's own, and logins made for other households)
VILLAGERS = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the database and the server ---------------------------------------------------------------

def fresh_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=False)


class Server:
    """gunicorn in its own process group, so the whole server can be killed at once."""

    def __init__(self, env: dict[str, str], port: int, workers: int) -> None:
        self.env, self.port, self.workers = env, port, workers
        self.process: subprocess.Popen | None = None
        self.log = open(ROOT / "instance" / "soak-gunicorn.log", "a")  # noqa: SIM115

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
             "--graceful-timeout", "5", "market:create_app()"],
            env=self.env, cwd=ROOT, stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/livez", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("gunicorn did not start: see instance/soak-gunicorn.log")

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def kill_worker(self) -> bool:
        pids = self.worker_pids()
        if not pids:
            return False
        os.kill(random.choice(pids), signal.SIGKILL)
        return True

    def kill_all(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# --- the people --------------------------------------------------------------------------------

def cast(env: dict[str, str]) -> dict:
    """Tokens for the demo's people (and a second reviewer if the demo has one accountant), the
    catalogue to register lots with, and the households still owed."""
    os.environ.update(env)
    from sqlalchemy import select

    from market import create_app
    from market.auth import services as auth
    from market.payments import services as payments
    from models import Grade, GradeTable, Household, PayoutMethod, RoleName, User, Variety, db

    app = create_app()
    with app.app_context():
        users = [u for u in db.session.scalars(select(User).order_by(User.id)).all() if u.is_active]

        def having(role: RoleName) -> list[User]:
            return [u for u in users if u.has_role(role)]

        reviewers = [u for u in users if u.has_role(RoleName.ACCOUNTANT)]
        while len(reviewers) < 2:
            reviewers.append(auth.create_user(None, phone=f"1380000{len(reviewers) + 90:04d}", name="复核会计",
                                         password=secrets.token_hex(8), roles=[RoleName.ACCOUNTANT]))
        villagers = [u for u in having(RoleName.VILLAGER) if u.household_id]
        with_login = {u.household_id for u in villagers}
        for household in db.session.scalars(select(Household).order_by(Household.id)).all():
            if len(villagers) >= VILLAGERS:
                break
            if household.id not in with_login:
                villagers.append(auth.create_user(None, phone=f"1390000{9000 + household.id:04d}",
                                                  name=household.head_name, password=secrets.token_hex(8),
                                                  roles=[RoleName.VILLAGER], household_id=household.id))
        coordinator = having(RoleName.COORDINATOR)[0]
        varieties = db.session.scalars(select(Variety)).all()
        catalogue = [(v.id, g.id) for v in varieties for g in db.session.scalars(
            select(Grade).join(GradeTable).where(GradeTable.product_id == v.product_id,
                                                 GradeTable.is_default.is_(True))).all()]
        households = [h.id for h in db.session.scalars(select(Household)).all()]
        owed = [h.id for h in db.session.scalars(select(Household).where(Household.payout_method == PayoutMethod.BANK,
                                                                         Household.account_number != "")).all()
                if payments.owed(h.id) > 0]

        def token(user: User) -> str:
            return auth.issue_token(user, "soak", days=1)[1]

        people = {
            "villagers": [(token(u), u.household_id) for u in villagers],
            "coordinator": token(coordinator),
            "preparer": token(reviewers[0]),
            "reviewer": token(reviewers[1]),
            "payer": token(reviewers[0]),
            "catalogue": catalogue,
            "households": households,
            "owed": owed,
        }
        db.session.commit()
        return people


# --- the load ----------------------------------------------------------------------------------

class Load:
    def __init__(self, base: str, seconds: float) -> None:
        self.base, self.seconds = base, seconds
        self.stop_at = time.monotonic() + seconds
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: Counter[str] = Counter()
        self.connection_errors = 0
        self.retries = 0
        #: kind -> key -> id of what the server acknowledged
        self.acked: dict[str, dict[str, int]] = defaultdict(dict)
        #: kind -> keys sent at least once
        self.sent: dict[str, set[str]] = defaultdict(set)
        self.unanswered: dict[str, set[str]] = defaultdict(set)
        self.refused: Counter[str] = Counter()
        self.refusal_sample: dict[str, dict | None] = {}
        self.posted = 0

    def running(self) -> bool:
        return time.monotonic() < self.stop_at

    def call(self, method: str, path: str, token: str, body: dict | None = None,
             key: str | None = None) -> tuple[int, dict | None]:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotency-Key"] = key
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except (OSError, http_client_errors()):
            with self.lock:
                self.connection_errors += 1
            return 0, None
        with self.lock:
            self.statuses[f"{status // 100}xx"] += 1
            if status < 500:
                self.latencies.append(time.monotonic() - started)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, None

    def write(self, kind: str, path: str, token: str, body: dict) -> int | None:
        """POST until answered: the same key and body after a dropped connection or a 5xx."""
        key = uuid.uuid4().hex
        with self.lock:
            self.sent[kind].add(key)
        give_up = self.stop_at + 30
        while True:
            status, answer = self.call("POST", path, token, body, key)
            if 200 <= status < 300:
                with self.lock:
                    self.acked[kind][key] = answer["id"]
                return answer["id"]
            if 400 <= status < 500:
                with self.lock:
                    self.refused[f"{kind} {status}"] += 1
                    self.refusal_sample.setdefault(f"{kind} {status}", answer)
                return None
            if time.monotonic() > give_up:
                with self.lock:
                    self.unanswered[kind].add(key)
                return None
            with self.lock:
                self.retries += 1
            time.sleep(0.2)

    # each client ---------------------------------------------------------------------------

    def villager(self, token: str, household_id: int, catalogue: list, rng: random.Random) -> None:
        while self.running():
            if rng.random() < 0.4:
                self.write("lot", "/api/v1/lots", token, self._lot(catalogue, rng))
            else:
                self.call("GET", f"/api/v1/lots?household_id={household_id}&per_page=20", token)

    def coordinator(self, token: str, households: list[int], catalogue: list, rng: random.Random) -> None:
        while self.running():
            roll = rng.random()
            if roll < 0.3:
                self.write("lot", "/api/v1/lots", token,
                           {**self._lot(catalogue, rng), "household_id": rng.choice(households)})
            elif roll < 0.6:
                self.call("GET", "/api/v1/lots?per_page=50", token)
            else:
                self.call("GET", "/api/v1/orders?per_page=20", token)

    def preparer(self, token: str, rng: random.Random) -> None:
        while self.running():
            amount = f"{rng.randint(1, 500000) / 100:.2f}"
            self.write("voucher", "/api/v1/vouchers", token, {
                "voucher_date": date.today().isoformat(), "summary": "股东投入（压力测试）",
                "lines": [{"account_code": "1002", "debit": amount},
                          {"account_code": "3001", "credit": amount}]})

    def reviewer(self, token: str, rng: random.Random) -> None:
        while self.running():
            status, page = self.call("GET", "/api/v1/vouchers?status=prepared&per_page=20", token)
            for voucher in (page or {}).get("items", []) if status == 200 else []:
                self.call("POST", f"/api/v1/vouchers/{voucher['id']}/approve", token)
                self.call("POST", f"/api/v1/vouchers/{voucher['id']}/post", token)
            time.sleep(0.05)

    def payer(self, token: str, owed: list[int], rng: random.Random) -> None:
        if not owed:
            return
        while self.running():
            amount = f"{rng.randint(1, 200) / 100:.2f}"
            self.write("payment", "/api/v1/payments/household-payouts", token,
                       {"household_id": rng.choice(owed), "amount": amount, "method": "bank",
                        "reference": f"SOAK{rng.randint(0, 10**8)}"})

    @staticmethod
    def _lot(catalogue: list, rng: random.Random) -> dict:
        variety_id, grade_id = rng.choice(catalogue)
        start = date.today() + timedelta(days=rng.randint(0, 5))
        return {"variety_id": variety_id, "grade_id": grade_id, "quantity": f"{rng.randint(50, 5000) / 10:.1f}",
                "unit": "kg", "ready_from": start.isoformat(), "ready_to": (start + timedelta(days=3)).isoformat(),
                "spoil_by": (start + timedelta(days=6)).isoformat()}


def http_client_errors() -> type[Exception]:
    import http.client

    return http.client.HTTPException


def killer(server: Server, load: Load, kills: Counter) -> None:
    """A worker every few seconds; once, half-way, the whole server, then start it again."""
    half = load.stop_at - load.seconds / 2
    whole_done = False
    while load.running():
        time.sleep(min(4.0, max(0.0, load.stop_at - time.monotonic())))
        if not load.running():
            break
        if not whole_done and time.monotonic() >= half:
            server.kill_all()
            kills["server"] += 1
            time.sleep(1.0)
            server.start()
            whole_done = True
        elif server.kill_worker():
            kills["worker"] += 1


# --- the proof ---------------------------------------------------------------------------------

def check(env: dict[str, str], load: Load, before: dict[str, int]) -> list[str]:
    os.environ.update(env)
    from sqlalchemy import func, select

    from market import create_app
    from models import Payment, ProduceLot, Voucher, VoucherLine, db

    problems: list[str] = []
    app = create_app()
    with app.app_context():
        models = {"lot": ProduceLot, "voucher": Voucher, "payment": Payment}
        for kind, model in models.items():
            ids = list(load.acked[kind].values())
            if len(set(ids)) != len(ids):
                problems.append(f"{kind}: two keys were answered with the same record")
            found = set(db.session.scalars(select(model.id).where(model.id.in_(ids))).all()) if ids else set()
            for missing in sorted(set(ids) - found):
                problems.append(f"{kind} {missing}: acknowledged but not in the database")
            made = db.session.scalar(select(func.count()).select_from(model).where(model.id > before[kind]))
            if kind == "voucher":  # payouts prepare vouchers too: count the manual ones
                made = db.session.scalar(select(func.count()).select_from(Voucher).where(
                    Voucher.id > before[kind], Voucher.source == "manual"))
            if made < len(ids) or made > len(load.sent[kind]):
                problems.append(f"{kind}: {made} new records for {len(ids)} acknowledged and "
                                f"{len(load.sent[kind])} keys sent")
        payment_keys = db.session.execute(select(Payment.idempotency_key, func.count()).group_by(
            Payment.idempotency_key).having(func.count() > 1)).all()
        problems += [f"payment key {key}: {count} payments" for key, count in payment_keys]
        voucher_keys = db.session.execute(select(Voucher.idempotency_key, func.count()).group_by(
            Voucher.idempotency_key).having(func.count() > 1)).all()
        problems += [f"voucher key {key}: {count} vouchers" for key, count in voucher_keys]
        sums = db.session.execute(select(VoucherLine.voucher_id, func.count(), func.sum(VoucherLine.debit),
                                         func.sum(VoucherLine.credit)).group_by(VoucherLine.voucher_id)).all()
        with_lines = {row[0] for row in sums}
        for voucher_id, lines, debit, credit in sums:
            if lines < 2 or Decimal(debit) != Decimal(credit):
                problems.append(f"voucher {voucher_id}: {lines} lines, debit {debit} credit {credit}")
        all_vouchers = set(db.session.scalars(select(Voucher.id)).all())
        problems += [f"voucher {v}: no lines" for v in sorted(all_vouchers - with_lines)]
        load.posted = db.session.scalar(select(func.count()).select_from(Voucher).where(
            Voucher.id > before["voucher"], Voucher.status == "posted"))
    verified = flask(env, "ledger", "verify")
    if verified.returncode != 0:
        problems.append("flask ledger verify failed:\n" + verified.stdout + verified.stderr)
    return problems


def _counts(env: dict[str, str]) -> dict[str, int]:
    os.environ.update(env)
    from sqlalchemy import func, select

    from market import create_app
    from models import Payment, ProduceLot, Voucher, db

    with create_app().app_context():
        return {kind: db.session.scalar(select(func.coalesce(func.max(model.id), 0)))
                for kind, model in (("lot", ProduceLot), ("voucher", Voucher), ("payment", Payment))}


def main() -> int:
    url = os.environ.get("SOAK_DATABASE_URL", DEFAULT_URL)
    seconds = float(os.environ.get("SOAK_SECONDS", "60"))
    workers = int(os.environ.get("SOAK_WORKERS", "3"))
    (ROOT / "instance").mkdir(exist_ok=True)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "FLASK_APP": "market:create_app",
           "MARKET_RATELIMIT_STORAGE_URI": os.environ.get("MARKET_RATELIMIT_STORAGE_URI", "memory://")}
    print(f"soak: fresh database {url}, demo, gunicorn with {workers} workers, {seconds:.0f} s of load")
    fresh_database(url)
    for step in (("db", "upgrade"), ("seed-demo",)):
        done = flask(env, *step)
        if done.returncode != 0:
            print(done.stdout, done.stderr)
            return 1
    people = cast(env)
    before = _counts(env)
    port = _free_port()
    server = Server(env, port, workers)
    server.start()
    load = Load(f"http://127.0.0.1:{port}", seconds)
    seed = int(os.environ.get("SOAK_SEED", "20261203"))
    clients = [threading.Thread(target=load.villager, args=(token, household, people["catalogue"],
                                                           random.Random(seed + i)))
               for i, (token, household) in enumerate(people["villagers"])]
    clients += [
        threading.Thread(target=load.coordinator, args=(people["coordinator"], people["households"],
                                                        people["catalogue"], random.Random(seed + 10))),
        threading.Thread(target=load.preparer, args=(people["preparer"], random.Random(seed + 11))),
        threading.Thread(target=load.reviewer, args=(people["reviewer"], random.Random(seed + 12))),
        threading.Thread(target=load.payer, args=(people["payer"], people["owed"], random.Random(seed + 13))),
    ]
    kills: Counter[str] = Counter()
    chaos = threading.Thread(target=killer, args=(server, load, kills))
    started = time.monotonic()
    for thread in [*clients, chaos]:
        thread.start()
    for thread in [*clients, chaos]:
        thread.join()
    elapsed = time.monotonic() - started
    server.stop()
    problems = check(env, load, before)
    latencies = sorted(load.latencies)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0.0

    report = {
        "seconds": round(elapsed, 1), "clients": len(clients), "gunicorn_workers": workers,
        "requests": sum(load.statuses.values()) + load.connection_errors,
        "answered": dict(load.statuses), "connection_errors": load.connection_errors, "retries": load.retries,
        "kills": {"worker": kills["worker"], "whole_server": kills["server"]},
        "writes_acknowledged": {kind: len(keys) for kind, keys in load.acked.items()},
        "writes_refused": dict(load.refused), "refusals_seen": load.refusal_sample,
        "writes_unanswered": {kind: len(keys) for kind, keys in load.unanswered.items()},
        "vouchers_reviewed_and_posted": load.posted,
        "p50_ms": round(pct(0.50), 1), "p99_ms": round(pct(0.99), 1),
        "problems": problems,
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    print("soak: every acknowledged write present, none doubled, every voucher whole, verify clean"
          if not problems else f"soak: {len(problems)} PROBLEMS")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
