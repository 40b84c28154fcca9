"""Allocation engine: which household lots fill a buyer order, and why. Pure: no database.

Two policies, both deterministic (inputs are sorted by lot id; every tie breaks on a stable key):

``fair``
    Lots spoiling within ``urgent_days`` of the window's start come first (滞销 relief), then —
    if ``priority_first`` — priority households, then everyone else. Within a tier the amount is
    shared max-min fairly across households (water-filling), each household capped at
    ``share_cap × order``; the cap is lifted, again fairly, only by what the fill cannot do
    without. Shares are rounded to whole crates by largest remainder; the grams that do not
    make a whole crate go to the largest unrounded shares. Within a household the lots nearest
    to spoiling give first.

``optimal``
    Minimises ``Σ price·kg + Σ_visited (stop_cost + km_cost·distance) − Σ urgency_credit·w·kg``
    with ``w = max(0, 1 − days_to_spoil / urgency_horizon)``, a fixed charge per lot visited, as a
    mixed-integer programme solved by HiGHS (SciPy), with a relative gap far below 0.5 %. The
    per-household cap may be exceeded only by the total no allocation can avoid.

Both fill exactly ``min(order, eligible supply)`` grams and report the shortfall.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from typing import Iterable, Sequence

POLICIES = ("fair", "optimal")


@dataclass(frozen=True)
class OrderSpec:
    quantity_g: int
    variety_id: int
    #: the worst acceptable grade's rank (0 is the best grade)
    min_grade_rank: int
    window_start: date
    window_end: date
    crate_g: int = 10_000


@dataclass(frozen=True)
class Candidate:
    lot_id: int
    household_id: int
    variety_id: int
    grade_rank: int
    available_g: int
    ready_from: date
    spoil_by: date
    priority: bool = False
    distance_km: Decimal = Decimal("0")
    #: farm-gate price the household would be paid, 元/公斤 (the optimal policy's cost)
    price_per_kg: Decimal = Decimal("0")


@dataclass(frozen=True)
class FairParams:
    share_cap: Decimal = Decimal("0.10")
    urgent_days: int = 3
    priority_first: bool = True


@dataclass(frozen=True)
class OptimalParams:
    share_cap: Decimal = Decimal("0.10")
    stop_cost: Decimal = Decimal("30")
    km_cost: Decimal = Decimal("2.0")
    urgency_credit: Decimal = Decimal("0.5")
    urgency_horizon_days: int = 14


@dataclass(frozen=True)
class LotAllocation:
    lot_id: int
    household_id: int
    grams: int


@dataclass(frozen=True)
class HouseholdExplanation:
    household_id: int
    #: 0 is served first
    tier: int
    tier_reason: str
    offered_g: int
    allocated_g: int
    cap_g: int
    #: why the household got less than it offered: cap | order_filled | lower_tier_filled | cost
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class AllocationResult:
    policy: str
    params: dict
    input_hash: str
    requested_g: int
    eligible_g: int
    filled_g: int
    shortfall_g: int
    lines: tuple[LotAllocation, ...]
    households: tuple[HouseholdExplanation, ...]
    #: lot id → why it was not considered
    ineligible: dict[int, str] = field(default_factory=dict)
    #: the optimal policy's objective, 元 (None for fair)
    cost: Decimal | None = None

    def by_household(self) -> dict[int, int]:
        totals: dict[int, int] = {}
        for line in self.lines:
            totals[line.household_id] = totals.get(line.household_id, 0) + line.grams
        return totals


class AllocationError(ValueError):
    pass


# --- eligibility -------------------------------------------------------------------

def ineligibility(order: OrderSpec, lot: Candidate) -> str | None:
    """Why ``lot`` cannot serve ``order``, or ``None`` when it can."""
    if lot.variety_id != order.variety_id:
        return "variety"
    if lot.grade_rank > order.min_grade_rank:
        return "grade"
    if lot.available_g <= 0:
        return "no_quantity"
    first_day = max(order.window_start, lot.ready_from)
    last_day = min(order.window_end, lot.spoil_by)
    if lot.ready_from > order.window_end:
        return "not_ready"
    if first_day > last_day:
        return "spoiled"
    return None


def input_hash(order: OrderSpec, candidates: Iterable[Candidate], policy: str, params: object) -> str:
    """SHA-256 of everything the result depends on, in a canonical form."""
    payload = {
        "order": _canonical(asdict(order)),
        "candidates": [_canonical(asdict(c)) for c in sorted(candidates, key=lambda c: c.lot_id)],
        "policy": policy,
        "params": _canonical(asdict(params)),  # type: ignore[arg-type]
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value):
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, Decimal):
        return str(value.normalize()) if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _cap_grams(order: OrderSpec, share_cap: Decimal) -> int:
    if share_cap <= 0:
        raise AllocationError("share_cap must be positive")
    return int((Decimal(order.quantity_g) * share_cap).to_integral_value(rounding=ROUND_FLOOR))


# --- entry point ---------------------------------------------------------------------

def allocate(order: OrderSpec, candidates: Sequence[Candidate], policy: str = "fair",
             params: FairParams | OptimalParams | None = None) -> AllocationResult:
    if order.quantity_g <= 0:
        raise AllocationError("order quantity must be positive")
    if order.crate_g <= 0:
        raise AllocationError("crate size must be positive")
    if policy not in POLICIES:
        raise AllocationError(f"unknown policy {policy!r}")
    if params is None:
        params = FairParams() if policy == "fair" else OptimalParams()
    ordered = sorted(candidates, key=lambda c: c.lot_id)
    if len({c.lot_id for c in ordered}) != len(ordered):
        raise AllocationError("duplicate lot ids")
    ineligible: dict[int, str] = {}
    eligible: list[Candidate] = []
    for lot in ordered:
        reason = ineligibility(order, lot)
        if reason is None:
            eligible.append(lot)
        else:
            ineligible[lot.lot_id] = reason
    supply = sum(c.available_g for c in eligible)
    target = min(order.quantity_g, supply)
    digest = input_hash(order, ordered, policy, params)
    if policy == "fair":
        assert isinstance(params, FairParams)
        lines, households, cost = _fair(order, eligible, target, params)
    else:
        assert isinstance(params, OptimalParams)
        lines, households, cost = _optimal(order, eligible, target, params)
    filled = sum(line.grams for line in lines)
    assert filled == target, (filled, target)
    return AllocationResult(
        policy=policy, params=_canonical(asdict(params)), input_hash=digest,
        requested_g=order.quantity_g, eligible_g=supply, filled_g=filled,
        shortfall_g=order.quantity_g - filled, lines=tuple(lines), households=tuple(households),
        ineligible=ineligible, cost=cost,
    )


# --- fair ------------------------------------------------------------------------------

def _days_to_spoil(order: OrderSpec, lot: Candidate) -> int:
    return (lot.spoil_by - max(order.window_start, lot.ready_from)).days


def _water_fill(amount: Fraction, capacities: dict[int, Fraction]) -> dict[int, Fraction]:
    """Max-min fair split of ``amount`` over keys with ``capacities`` (exact)."""
    shares = {k: Fraction(0) for k in capacities}
    remaining = amount
    open_keys = sorted(k for k, c in capacities.items() if c > 0)
    while remaining > 0 and open_keys:
        level = remaining / len(open_keys)
        smallest = min(capacities[k] - shares[k] for k in open_keys)
        step = min(level, smallest)
        for k in open_keys:
            shares[k] += step
        remaining -= step * len(open_keys)
        open_keys = [k for k in open_keys if capacities[k] - shares[k] > 0]
    return shares


def _fair(order: OrderSpec, eligible: list[Candidate], target: int, params: FairParams):
    cap = _cap_grams(order, params.share_cap)
    by_household: dict[int, list[Candidate]] = {}
    for lot in eligible:
        by_household.setdefault(lot.household_id, []).append(lot)

    # A household's tier is that of its most urgent lot; its lots give nearest-spoil first.
    tiers: dict[int, int] = {}
    tier_reason: dict[int, str] = {}
    for household_id, lots in by_household.items():
        urgent = min(_days_to_spoil(order, lot) for lot in lots) <= params.urgent_days
        priority = params.priority_first and any(lot.priority for lot in lots)
        tiers[household_id] = (0 if urgent else 2) + (0 if priority else 1)
        tier_reason[household_id] = ("urgent" if urgent else "normal") + ("_priority" if priority else "")
    offered = {h: sum(l.available_g for l in lots) for h, lots in by_household.items()}

    # Pass 1: tiers in order, water-filling under the cap. Pass 2: lift the cap, fairly,
    # only by what is still missing.
    shares: dict[int, Fraction] = {h: Fraction(0) for h in by_household}
    remaining = Fraction(target)
    for tier in sorted(set(tiers.values())):
        members = {h: Fraction(min(offered[h], cap)) for h in by_household if tiers[h] == tier}
        filled = _water_fill(min(remaining, sum(members.values(), Fraction(0))), members)
        for h, amount in filled.items():
            shares[h] += amount
        remaining -= sum(filled.values(), Fraction(0))
    if remaining > 0:
        for tier in sorted(set(tiers.values())):
            members = {h: Fraction(offered[h]) - shares[h] for h in by_household if tiers[h] == tier}
            filled = _water_fill(min(remaining, sum(members.values(), Fraction(0))), members)
            for h, amount in filled.items():
                shares[h] += amount
            remaining -= sum(filled.values(), Fraction(0))
    assert remaining == 0

    grams = _round_to_crates(shares, offered, target, order.crate_g, cap)
    lines: list[LotAllocation] = []
    explanations: list[HouseholdExplanation] = []
    lowest_served_tier = max((tiers[h] for h, g in grams.items() if g > 0), default=-1)
    for household_id in sorted(by_household):
        amount = grams[household_id]
        for lot in sorted(by_household[household_id], key=lambda l: (l.spoil_by, l.lot_id)):
            take = min(amount, lot.available_g)
            if take > 0:
                lines.append(LotAllocation(lot.lot_id, household_id, take))
                amount -= take
        assert amount == 0
        reasons: list[str] = []
        if grams[household_id] < offered[household_id]:
            if tiers[household_id] > lowest_served_tier:
                reasons.append("lower_tier_filled")
            elif grams[household_id] >= cap:
                reasons.append("cap")
            else:
                reasons.append("order_filled")
        explanations.append(HouseholdExplanation(
            household_id=household_id, tier=tiers[household_id], tier_reason=tier_reason[household_id],
            offered_g=offered[household_id], allocated_g=grams[household_id], cap_g=cap,
            reasons=tuple(reasons)))
    return lines, explanations, None


def _round_to_crates(shares: dict[int, Fraction], capacity: dict[int, int], target: int, crate_g: int,
                     cap: int) -> dict[int, int]:
    """Exact shares → whole crates by largest remainder, then the grams that make no crate.

    Rounding never lifts a household above its capacity, nor above the larger of the cap and
    its exact share rounded up, unless nothing else can take the grams.
    """
    ceiling = {h: min(capacity[h], max(cap, _ceil(shares[h]))) for h in shares}
    base = {h: int(s // crate_g) for h, s in shares.items()}
    grams = {h: base[h] * crate_g for h in shares}
    extra = target // crate_g - sum(base.values())
    # A crate rounded up must leave payable the whole grams owed to households that no crate can
    # reach (their capacity or ceiling is less than another crate): they are paid in grams only.
    # Otherwise three shares of 29,999⅔ g rounded up to 30,000 take the gram owed to a household
    # offering 51 g. Shares that crates can reach round to whole crates as before.
    total = sum(grams.values())
    debt = sum(max(0, int(shares[h]) - grams[h]) for h in shares if grams[h] + crate_g > ceiling[h])
    for h in sorted(shares, key=lambda h: (-(shares[h] / crate_g - base[h]), h)):
        if extra <= 0:
            break
        if shares[h] / crate_g > base[h] and grams[h] + crate_g <= ceiling[h]:
            if target - (total + crate_g) < debt:
                continue
            grams[h] += crate_g
            total += crate_g
            extra -= 1
    leftover = target - sum(grams.values())
    # Everyone up to the whole grams of their share, furthest below first; then single grams by
    # the largest fractional part.
    for h in sorted(shares, key=lambda h: (-(shares[h] - grams[h]), h)):
        take = min(leftover, max(0, int(shares[h]) - grams[h]), ceiling[h] - grams[h])
        if take > 0:
            grams[h] += take
            leftover -= take
    for h in sorted(shares, key=lambda h: (-(shares[h] - int(shares[h])), h)):
        take = min(leftover, max(0, _ceil(shares[h]) - grams[h]), ceiling[h] - grams[h])
        if take > 0:
            grams[h] += take
            leftover -= take
    for limit in (ceiling, capacity):
        for h in sorted(shares):
            take = min(leftover, limit[h] - grams[h])
            if take > 0:
                grams[h] += take
                leftover -= take
    assert leftover == 0, leftover
    return grams


def _ceil(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)


# --- optimal ---------------------------------------------------------------------------

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


def _optimal(order: OrderSpec, eligible: list[Candidate], target: int, params: OptimalParams):
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    cap = _cap_grams(order, params.share_cap)
    households = sorted({c.household_id for c in eligible})
    offered = {h: 0 for h in households}
    for lot in eligible:
        offered[lot.household_id] += lot.available_g
    excess_allowed = unavoidable_excess(offered, cap, target)
    if target == 0:
        return [], _explain(order, eligible, {}, offered, cap, {}), Decimal(0)

    n = len(eligible)
    h_index = {h: i for i, h in enumerate(households)}
    m = len(households)
    # Variables: x_l (kg taken from lot l), y_l (lot visited, binary), e_h (kg above the cap).
    costs = [lot_costs(order, lot, params) for lot in eligible]
    c = np.concatenate([
        np.array([float(pk) for pk, _ in costs]),
        np.array([float(fx) for _, fx in costs]),
        np.zeros(m),
    ])
    avail_kg = np.array([lot.available_g / 1000 for lot in eligible])
    rows, cols, vals, lower, upper = [], [], [], [], []
    r = 0
    # Σ x = target
    for j in range(n):
        rows.append(r); cols.append(j); vals.append(1.0)
    lower.append(target / 1000); upper.append(target / 1000); r += 1
    # x_l − a_l·y_l ≤ 0
    for j in range(n):
        rows += [r, r]; cols += [j, n + j]; vals += [1.0, -avail_kg[j]]
        lower.append(-np.inf); upper.append(0.0); r += 1
    # Σ_{l∈h} x_l − e_h ≤ cap
    for h in households:
        for j, lot in enumerate(eligible):
            if lot.household_id == h:
                rows.append(r); cols.append(j); vals.append(1.0)
        rows.append(r); cols.append(2 * n + h_index[h]); vals.append(-1.0)
        lower.append(-np.inf); upper.append(cap / 1000); r += 1
    # Σ e_h ≤ unavoidable excess
    for i in range(m):
        rows.append(r); cols.append(2 * n + i); vals.append(1.0)
    lower.append(0.0); upper.append(excess_allowed / 1000 + 1e-9); r += 1
    matrix = csr_array((vals, (rows, cols)), shape=(r, 2 * n + m))
    integrality = np.concatenate([np.zeros(n), np.ones(n), np.zeros(m)])
    bounds = Bounds(np.zeros(2 * n + m), np.concatenate([avail_kg, np.ones(n), np.full(m, np.inf)]))
    result = milp(c, constraints=LinearConstraint(matrix, lower, upper), integrality=integrality,
                  bounds=bounds, options={"mip_rel_gap": 1e-4, "presolve": True, "disp": False})
    if result.x is None:
        raise AllocationError(f"solver failed: {result.message}")
    taken_kg = result.x[:n]
    grams = _integral_grams(taken_kg, eligible, target)
    lines = [LotAllocation(lot.lot_id, lot.household_id, g) for lot, g in zip(eligible, grams) if g > 0]
    per_household: dict[int, int] = {}
    for line in lines:
        per_household[line.household_id] = per_household.get(line.household_id, 0) + line.grams
    explanations = _explain(order, eligible, per_household, offered, cap, {})
    return lines, explanations, objective(order, eligible, lines, params)


def _integral_grams(taken_kg, eligible: list[Candidate], target: int) -> list[int]:
    """Solver kilograms → whole grams summing to ``target``, never above a lot's quantity."""
    exact = [max(0.0, min(float(kg) * 1000, lot.available_g)) for kg, lot in zip(taken_kg, eligible)]
    grams = [int(round(g)) if abs(g - round(g)) < 1e-6 else int(g) for g in exact]
    grams = [min(g, lot.available_g) for g, lot in zip(grams, eligible)]
    diff = target - sum(grams)
    # Adjust on lots already in use first (no new stop), largest fractional part first.
    order = sorted(range(len(eligible)), key=lambda j: (grams[j] == 0, -(exact[j] - int(exact[j])), eligible[j].lot_id))
    for j in order:
        if diff == 0:
            break
        if diff > 0:
            take = min(diff, eligible[j].available_g - grams[j])
            grams[j] += take
            diff -= take
        else:
            give = min(-diff, grams[j])
            grams[j] -= give
            diff += give
    assert diff == 0
    return grams


def _explain(order, eligible, per_household, offered, cap, _unused) -> list[HouseholdExplanation]:
    explanations = []
    for household_id in sorted(offered):
        allocated = per_household.get(household_id, 0)
        reasons: list[str] = []
        if allocated < offered[household_id]:
            reasons.append("cap" if allocated >= cap else "cost")
        explanations.append(HouseholdExplanation(
            household_id=household_id, tier=0, tier_reason="cost", offered_g=offered[household_id],
            allocated_g=allocated, cap_g=cap, reasons=tuple(reasons)))
    return explanations
