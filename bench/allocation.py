"""Allocation engine timings for 1,000 and 10,000 candidate lots (fair and optimal).

Targets on the 2-core reference machine: fair ≤ 1 s and optimal ≤ 10 s at 10,000 lots.
"""
from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from market.orders.allocation import Candidate, OrderSpec, allocate

TARGETS_S = {("fair", 1000): 0.2, ("fair", 10000): 1.0, ("optimal", 1000): 3.0, ("optimal", 10000): 10.0}
START = date(2026, 8, 18)


def candidates(n: int, seed: int = 2016) -> list[Candidate]:
    rnd = random.Random(seed)
    return [Candidate(
        lot_id=i + 1, household_id=i // 3 + 1, variety_id=1, grade_rank=rnd.randint(0, 3),
        available_g=rnd.randint(25, 600) * 1000, ready_from=START + timedelta(days=rnd.randint(-6, 4)),
        spoil_by=START + timedelta(days=rnd.randint(0, 20)), priority=rnd.random() < 0.05,
        distance_km=Decimal(rnd.randint(0, 350)) / 10, price_per_kg=Decimal(rnd.randint(450, 800)) / 100)
        for i in range(n)]


def run(repeats: int = 3) -> list[dict]:
    order = OrderSpec(quantity_g=5_400_000, variety_id=1, min_grade_rank=2, window_start=START,
                      window_end=START + timedelta(days=3), crate_g=10_000)
    rows = []
    for n in (1000, 10000):
        lots = candidates(n)
        for policy in ("fair", "optimal"):
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                result = allocate(order, lots, policy)
                times.append(time.perf_counter() - t0)
            median = statistics.median(times)
            target = TARGETS_S[(policy, n)]
            rows.append({"bench": "allocation", "policy": policy, "lots": n, "median_s": round(median, 3),
                         "max_s": round(max(times), 3), "target_s": target, "ok": median <= target,
                         "households": len(result.by_household()), "filled_kg": result.filled_g / 1000})
    return rows
