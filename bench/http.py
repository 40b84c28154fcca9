"""Five pages and API routes under gunicorn, each against a bare endpoint of the same workers.

Prepares a PostgreSQL database (``HTTP_BENCH_DATABASE_URL``, default
``postgresql://postgres@127.0.0.1:5432/market_bench_http``; this bench drops and creates it): migrated and
the demo loaded as ``make run`` does, then 3,000 more households of 北里村 with a listed lot each and 300
more lots of the demo villager's own household (inserted in bulk, as bench/settlement.py does), so
every list has pages. Serves ``bench.wsgi:app`` (the real application plus ``/bench/bare/lots``, 50
lots read with SQLAlchemy Core and ``json.dumps``) with gunicorn, two sync workers on loopback, and
drives each URL with ``wrk`` (16 connections), a warm-up first, then rounds of the bare endpoint and the
URL in turn, so both meet the same load on the shared machine:

- the villager's lots (``/lots/mine``, signed in as the demo villager),
- the coordinator's board (``/orders/board``),
- the demo's 46-household 三方结算单 (``/settlements/<id>``, as the accountant),
- ``GET /api/v1/lots`` and ``GET /api/v1/books/trial-balance`` (the accountant's bearer token).

Targets: each at least 40 % of the bare endpoint's requests per second, p99 at most 100 ms.
``HTTP_BENCH_SECONDS`` (default 5) is one round, ``HTTP_BENCH_ROUNDS`` (default 4) the rounds per side; the
figures are the median round (the share: of each round against the bare round just before it).
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from decimal import Decimal
from http.cookiejar import CookieJar
from pathlib import Path
from statistics import median

from bench.soak import flask, fresh_database, _free_port

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/market_bench_http"
HOUSEHOLDS = 3000
OWN_LOTS = 300
CONNECTIONS = 16
WORKERS = 2
MIN_SHARE = 0.40
MAX_P99_MS = 100.0
BARE = "/bench/bare/lots"
#: every request carries it: a signed-in session is tied to its address and browser
AGENT = "market-http-bench"


# --- the data -----------------------------------------------------------------------------------

def _prepare(env: dict[str, str]) -> dict:
    """Bulk rows on top of the demo; the accountant's token; the 46-household settlement."""
    os.environ.update(env)
    from sqlalchemy import func, insert, select, text

    from market import create_app
    from market.auth import services as auth
    from models import (Grade, GradeTable, Household, LotStatus, ProduceLot, QuantityUnit, Settlement,
                        SettlementHousehold, User, Variety, Village, db)

    app = create_app()
    with app.app_context():
        coordinator = db.session.scalar(select(User).where(User.phone == "13800000002"))
        accountant = db.session.scalar(select(User).where(User.phone == "13800000003"))
        villager = db.session.scalar(select(User).where(User.phone == "13900000001"))
        village = db.session.scalar(select(Village).order_by(Village.id))
        variety = db.session.scalar(select(Variety).where(Variety.name == "水蜜桃"))
        grade = db.session.scalar(select(Grade).join(GradeTable).where(
            GradeTable.product_id == variety.product_id, GradeTable.is_default.is_(True), Grade.name == "一级"))
        day = db.session.scalar(select(func.max(ProduceLot.ready_from)))
        first = db.session.scalar(select(Household.id).order_by(Household.id.desc())) + 1
        db.session.execute(insert(Household), [
            {"head_name": f"农户{n:04d}", "village_id": village.id, "id_number": f"61040219800101{n % 10000:04d}",
             "phone": f"137{n:08d}", "party_group_id": None} for n in range(HOUSEHOLDS)])
        owners = list(range(first, first + HOUSEHOLDS)) + [villager.household_id] * OWN_LOTS
        db.session.execute(insert(ProduceLot), [
            {"household_id": h, "variety_id": variety.id, "grade_id": grade.id, "quantity_kg": Decimal("200"),
             "entered_unit": QuantityUnit.KG, "ready_from": day, "ready_to": day + timedelta(days=3),
             "spoil_by": day + timedelta(days=10), "village_id": village.id, "status": LotStatus.LISTED,
             "created_by_id": coordinator.id} for h in owners])
        settlement = db.session.scalar(
            select(Settlement.id).join(SettlementHousehold).group_by(Settlement.id)
            .having(func.count(SettlementHousehold.id) == 46).order_by(Settlement.id))
        token = auth.issue_token(accountant, "http bench", days=1)[1]
        lots = db.session.scalar(select(func.count()).select_from(ProduceLot))
        db.session.commit()
        # the planner's statistics, as autovacuum keeps them on a database in use (it may be off here)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    if settlement is None:
        raise SystemExit("the demo has no 46-household settlement")
    return {"settlement": settlement, "token": token, "lots": lots}


# --- the server ---------------------------------------------------------------------------------

class Server:
    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        (ROOT / "instance").mkdir(exist_ok=True)
        self.log = open(ROOT / "instance" / "http-bench-gunicorn.log", "w")  # noqa: SIM115
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-k", "sync", "-b", f"127.0.0.1:{self.port}",
             "--backlog", "256", "bench.wsgi:app"],
            env=self.env, cwd=ROOT, stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/livez", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start: see instance/http-bench-gunicorn.log")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        self.log.close()


def _sign_in(base: str, phone: str) -> str:
    """The ``Cookie`` header of a signed-in session, through the real login form."""
    from market.demo import DEMO_PASSWORD

    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", AGENT)]
    page = opener.open(f"{base}/login").read().decode()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    form = {"phone": phone, "password": DEMO_PASSWORD, **({"csrf_token": csrf.group(1)} if csrf else {})}
    opener.open(f"{base}/login", urllib.parse.urlencode(form).encode()).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session=" not in cookie:
        raise SystemExit(f"could not sign in as {phone}")
    return cookie


def _check(base: str, path: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(base + path, headers={"User-Agent": AGENT, **headers})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status if response.url == base + path else 0  # a redirect is a failure here
    except urllib.error.HTTPError as error:
        return error.code


# --- the load -----------------------------------------------------------------------------------

def _wrk(url: str, headers: dict[str, str], seconds: float) -> dict:
    args = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds:g}s", "--latency", "-H",
            f"User-Agent: {AGENT}"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": rate, "p99_ms": float(p99.group(1)) * scale, "non_2xx": int(bad.group(1)) if bad else 0,
            "timeouts": int(errors.group(4)) if errors else 0}


def run() -> list[dict]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    url = os.environ.get("HTTP_BENCH_DATABASE_URL", DEFAULT_URL)
    seconds = float(os.environ.get("HTTP_BENCH_SECONDS", "5"))
    rounds = int(os.environ.get("HTTP_BENCH_ROUNDS", "4"))
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "FLASK_APP": "market:create_app",
           "MARKET_RATELIMIT_STORAGE_URI": "memory://"}
    env.pop("FLASK_DEBUG", None)
    fresh_database(url)
    for step in (("db", "upgrade"), ("seed-demo",)):
        done = flask(env, *step)
        if done.returncode != 0:
            raise SystemExit(f"flask {' '.join(step)} failed:\n{done.stdout}\n{done.stderr}")
    data = _prepare(env)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with Server(env, port):
        villager = {"Cookie": _sign_in(base, "13900000001")}
        coordinator = {"Cookie": _sign_in(base, "13800000002")}
        accountant = {"Cookie": _sign_in(base, "13800000003")}
        api = {"Authorization": f"Bearer {data['token']}"}
        cases = [("villager's lots", "/lots/mine", villager),
                 ("coordinator's board", "/orders/board", coordinator),
                 ("46-household settlement", f"/settlements/{data['settlement']}", accountant),
                 ("api lots", "/api/v1/lots", api),
                 ("api trial balance", "/api/v1/books/trial-balance", api)]
        for name, path, headers in [("bare", BARE, {})] + cases:
            status = _check(base, path, headers)
            if status != 200:
                raise SystemExit(f"{name}: GET {path} answered {status}, not 200")
        _wrk(base + BARE, {}, 3)  # warm-up: both workers have loaded what every request needs
        rows: list[dict] = []
        for name, path, headers in cases:
            _wrk(base + path, headers, 3)
            bare, measured = [], []
            for _ in range(rounds):
                bare.append(_wrk(base + BARE, {}, seconds))
                measured.append(_wrk(base + path, headers, seconds))
            bare_rps = median(r["rps"] for r in bare)
            rps = median(r["rps"] for r in measured)
            # each round against the bare round just before it: a burst of other work on the machine
            # weighs on both alike; the median round, so one burst does not decide
            share = median(m["rps"] / b["rps"] for b, m in zip(bare, measured))
            p99 = median(r["p99_ms"] for r in measured)
            clean = all(r["non_2xx"] == 0 and r["timeouts"] == 0 for r in bare + measured)
            load = [round(x, 2) for x in os.getloadavg()]
            common = {"bench": "http", "case": f"{name} ({path.split('?')[0]})", "rps": round(rps, 1),
                      "bare_rps": round(bare_rps, 1), "bare_p99_ms": round(median(r["p99_ms"] for r in bare), 1),
                      "worst_p99_ms": round(max(r["p99_ms"] for r in measured), 1), "rounds": rounds,
                      "load_average": load, "clean": clean}
            rows.append({**common, "figure": "requests/s vs bare, %", "value": round(100 * share, 1),
                         "target": f"≥ {MIN_SHARE:.0%}", "ok": share >= MIN_SHARE and clean})
            rows.append({**common, "figure": "p99, ms", "value": round(p99, 1), "target": f"≤ {MAX_P99_MS:g} ms",
                         "ok": p99 <= MAX_P99_MS and clean})
            print(f"  {name}: {rps:.0f} req/s vs bare {bare_rps:.0f} ({share:.0%}), p99 {p99:.1f} ms, "
                  f"load {load}", flush=True)
    return rows


if __name__ == "__main__":  # pragma: no cover
    from bench.__main__ import report
    raise SystemExit(report(run()))
