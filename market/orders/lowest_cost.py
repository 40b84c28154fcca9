"""The lowest-cost (``optimal``) policy: the documented cost of an allocation and the programme
that minimises it (:mod:`.fixed_charge`, solved by HiGHS), turned into whole grams per lot with
an explanation per household. Pure: no database. :mod:`.allocation` says what it minimises.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable, Sequence

from .allocation_types import (Candidate, HouseholdExplanation, LotAllocation, AllocationError, OptimalParams,
                               OrderSpec, cap_grams)


def _days_to_spoil(order: OrderSpec, lot: Candidate) -> int:
    return (lot.spoil_by - max(order.window_start, lot.ready_from)).days


def urgency_weight(days_to_spoil: int, horizon_days: int) -> Decimal:
    if horizon_days <= 0:
        return Decimal(0)
    return max(Decimal(0), Decimal(1) - Decimal(days_to_spoil) / Decimal(horizon_days))


def lot_costs(order: OrderSpec, lot: Candidate, params: OptimalParams) -> tuple[Decimal, Decimal]:
    """(cost per kg, fixed cost if visited), 元."""
    per_kg = lot.price_per_kg - params.urgency_credit * urgency_weight(_days_to_spoil(order, lot),
                                                                        params.urgency_horizon_days)
    fixed = params.stop_cost + params.km_cost * lot.distance_km
    return per_kg, fixed


def objective(order: OrderSpec, eligible: Sequence[Candidate], lines: Iterable[LotAllocation],
              params: OptimalParams) -> Decimal:
    """The documented cost of an allocation, 元 (exact)."""
    by_lot = {c.lot_id: c for c in eligible}
    total = Decimal(0)
    for line in lines:
        if line.grams <= 0:
            continue
        per_kg, fixed = lot_costs(order, by_lot[line.lot_id], params)
        total += per_kg * Decimal(line.grams) / 1000 + fixed
    return total


def unavoidable_excess(offered: dict[int, int], cap: int, target: int) -> int:
    """Grams above the caps that any allocation of ``target`` must contain."""
    return max(0, target - sum(min(v, cap) for v in offered.values()))


def optimal(order: OrderSpec, eligible: list[Candidate], target: int, params: OptimalParams):
    import numpy as np

    from .fixed_charge import SolverFailed, solve

    cap = cap_grams(order, params.share_cap)
    offered: dict[int, int] = {}
    for lot in eligible:
        offered[lot.household_id] = offered.get(lot.household_id, 0) + lot.available_g
    excess_allowed = unavoidable_excess(offered, cap, target)
    if target == 0:
        return [], _explain(order, eligible, {}, offered, cap, params.min_pick_g), Decimal(0)

    # The costs of ``lot_costs``, for every lot at once.
    n = len(eligible)
    start = order.window_start
    avail_kg = np.fromiter((lot.available_g for lot in eligible), np.float64, n) / 1000
    price = np.fromiter((float(lot.price_per_kg) for lot in eligible), np.float64, n)
    distance = np.fromiter((float(lot.distance_km) for lot in eligible), np.float64, n)
    days = np.fromiter(((lot.spoil_by - max(start, lot.ready_from)).days for lot in eligible), np.float64, n)
    _, household = np.unique(np.fromiter((lot.household_id for lot in eligible), np.int64, n), return_inverse=True)
    if params.urgency_horizon_days > 0:
        weight = np.maximum(0.0, 1.0 - days / params.urgency_horizon_days)
    else:
        weight = np.zeros(n)
    per_kg = price - float(params.urgency_credit) * weight
    fixed = float(params.stop_cost) + float(params.km_cost) * distance
    least = params.min_pick_g
    try:
        taken_kg = solve(per_kg, fixed, avail_kg, household, cap / 1000, target / 1000, excess_allowed / 1000,
                         least=least / 1000)
    except SolverFailed as exc:
        raise AllocationError(f"solver failed: {exc}") from exc
    if least:  # what no household could give at the least pick or more is short
        target = min(target, round(float(taken_kg.sum()) * 1000))
    grams = _integral_grams({int(j): float(taken_kg[j]) for j in np.flatnonzero(taken_kg > 0)}, eligible, target)
    lines = [LotAllocation(eligible[j].lot_id, eligible[j].household_id, g) for j, g in sorted(grams.items()) if g > 0]
    per_household: dict[int, int] = {}
    for line in lines:
        per_household[line.household_id] = per_household.get(line.household_id, 0) + line.grams
    explanations = _explain(order, eligible, per_household, offered, cap, least)
    chosen = [eligible[j] for j, g in sorted(grams.items()) if g > 0]
    return lines, explanations, objective(order, chosen, lines, params)


def _integral_grams(taken_kg: dict[int, float], eligible: list[Candidate], target: int) -> dict[int, int]:
    """Solver kilograms (by index into ``eligible``; the lots not named take none) → whole grams
    summing to ``target``, never above a lot's quantity."""
    exact = {j: max(0.0, min(kg * 1000, eligible[j].available_g)) for j, kg in taken_kg.items()}
    grams = {j: min(int(round(g)) if abs(g - round(g)) < 1e-6 else int(g), eligible[j].available_g)
             for j, g in exact.items()}
    diff = target - sum(grams.values())
    # Adjust on lots already in use first (no new stop), largest fractional part first; then, in
    # lot order, lots the solver left out.
    named = sorted(grams, key=lambda j: (grams[j] == 0, -(exact[j] - int(exact[j])), eligible[j].lot_id))
    for j in [*named, *(j for j in range(len(eligible)) if j not in grams)] if diff else ():
        if diff == 0:
            break
        had = grams.get(j, 0)
        if diff > 0:
            take = min(diff, eligible[j].available_g - had)
            grams[j] = had + take
            diff -= take
        else:
            give = min(-diff, had)
            grams[j] = had - give
            diff += give
    assert diff == 0
    return grams


def _explain(order, eligible, per_household, offered, cap, least) -> list[HouseholdExplanation]:
    explanations = []
    for household_id in sorted(offered):
        allocated = per_household.get(household_id, 0)
        reasons: list[str] = []
        if allocated < offered[household_id]:
            reasons.append("cap" if allocated >= cap else "min_pick" if not allocated and offered[household_id] < least
                           else "cost")
        explanations.append(HouseholdExplanation(
            household_id=household_id, tier=0, tier_reason="cost", offered_g=offered[household_id],
            allocated_g=allocated, cap_g=cap, reasons=tuple(reasons)))
    return explanations
