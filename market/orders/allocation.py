"""Allocation engine: which household lots fill a buyer order, and why. Pure: no database.

Two policies, both deterministic (inputs are sorted by lot id; every tie breaks on a stable key):

``fair``
    Lots spoiling within ``urgent_days`` of the window's start come first (滞销 relief), then —
    if ``priority_first`` — priority households, then everyone else. Within a tier the amount is
    shared max-min fairly across households (water-filling), each household capped at
    ``share_cap × order``; the cap is lifted, again fairly, only by what the fill cannot do
    without. Shares are rounded to whole crates by largest remainder; the grams that do not
    make a whole crate go to the largest unrounded shares. Within a household the lots nearest
    to spoiling give first. The shares are exact (``fair_shares``: integers over one common
    denominator), so the result does not depend on floating point.

``optimal``
    Minimises ``Σ price·kg + Σ_visited (stop_cost + km_cost·distance) − Σ urgency_credit·w·kg``
    with ``w = max(0, 1 − days_to_spoil / urgency_horizon)``, a fixed charge per lot visited, as a
    mixed-integer programme solved by HiGHS (SciPy), with a relative gap far below 0.5 %. The
    per-household cap may be exceeded only by the total no allocation can avoid. A Lagrangian
    bound first sets aside every lot that no solution as cheap as a known one can use
    (``fixed_charge``), so the programme HiGHS solves holds tens of lots, not the whole village's;
    its optimum is the whole programme's.

Both fill exactly ``min(order, eligible supply)`` grams and report the shortfall, unless the
order sets a least pick per household (``min_pick_g``): a trip to a household for a few kilograms
costs more than it brings, so a household is given at least that much or nothing. A household
given less is left out — all those whose whole offer is below it at once, then the least
preferred first (the lowest tier, then the smallest share, then the latest registered) — and the
policy runs again on the others; what they cannot give is the shortfall.
"""
from __future__ import annotations

import gc
import hashlib
import json
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from operator import attrgetter
from typing import Iterable, Sequence

from .fair_shares import fair_shares, round_to_crates

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


@dataclass(frozen=True, slots=True)
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
    #: the least one household is given, grams (0: no least)
    min_pick_g: int = 0


@dataclass(frozen=True)
class OptimalParams:
    share_cap: Decimal = Decimal("0.10")
    stop_cost: Decimal = Decimal("30")
    km_cost: Decimal = Decimal("2.0")
    urgency_credit: Decimal = Decimal("0.5")
    urgency_horizon_days: int = 14
    #: the least one household is given, grams (0: no least)
    min_pick_g: int = 0


@dataclass(frozen=True, slots=True)
class LotAllocation:
    lot_id: int
    household_id: int
    grams: int


@dataclass(frozen=True, slots=True)
class HouseholdExplanation:
    household_id: int
    #: 0 is served first
    tier: int
    tier_reason: str
    offered_g: int
    allocated_g: int
    cap_g: int
    #: why the household got less than it offered: cap | order_filled | crate_rounding (its exact share
    #: was rounded down to whole crates) | lower_tier_filled | cost | min_pick (it would have been
    #: given less than the order's least pick per household, so it was left out)
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
    return _digest(order, sorted(candidates, key=_LOT_ID), policy, params)


_LOT_ID = attrgetter("lot_id")
_DUMP = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode
_FIELDS = attrgetter("available_g", "distance_km", "grade_rank", "household_id", "lot_id", "price_per_kg", "priority",
                     "ready_from", "spoil_by", "variety_id")


def _digest(order: OrderSpec, ordered: Sequence[Candidate], policy: str, params: object) -> str:
    """``input_hash`` of candidates already sorted by lot id.

    The text is that of ``json.dumps({"candidates": …, "order": …, "params": …, "policy": …},
    sort_keys=True, separators=(",", ":"))``, written a candidate at a time: fields of the declared
    types by one f-string (each distinct decimal and date converted once), anything else through
    ``asdict`` as before, so every hash ever stored still matches.
    """
    tokens: dict = {}
    parts = []
    append = parts.append
    for c, (a, d, g, h, i, p, pr, r, s, v) in zip(ordered, map(_FIELDS, ordered)):
        if not (d.__class__ is Decimal and p.__class__ is Decimal and r.__class__ is date and s.__class__ is date
                and pr.__class__ is bool and a.__class__ is int and g.__class__ is int and h.__class__ is int
                and i.__class__ is int and v.__class__ is int and c.__class__ is Candidate):
            append(_DUMP(_canonical(asdict(c))))
            continue
        try:
            append(f'{{"available_g":{a},"distance_km":{tokens[d]},"grade_rank":{g},"household_id":{h},'
                   f'"lot_id":{i},"price_per_kg":{tokens[p]},"priority":{"true" if pr else "false"},'
                   f'"ready_from":{tokens[r]},"spoil_by":{tokens[s]},"variety_id":{v}}}')
        except (KeyError, TypeError):  # a value not seen yet (or one that cannot be a key: NaN)
            for value in (d, p, r, s):
                try:
                    tokens.setdefault(value, _DUMP(_canonical(value)))
                except TypeError:
                    pass
            append(_DUMP(_canonical(asdict(c))))
    text = "".join(('{"candidates":[', ",".join(parts), '],"order":', _DUMP(_canonical(asdict(order))),
                    ',"params":', _DUMP(params_record(params)),
                    ',"policy":', _DUMP(policy), "}"))
    return hashlib.sha256(text.encode()).hexdigest()


def params_record(params) -> dict:
    """The parameters as stored with a run and hashed: without a least pick when there is none, so
    every run stored before orders had one keeps its input hash."""
    record = _canonical(asdict(params))
    if not record.get("min_pick_g"):
        record.pop("min_pick_g", None)
    return record


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
    with _collector_paused():
        return _allocate(order, candidates, policy, params)


@contextmanager
def _collector_paused():
    """The cyclic garbage collector off while the engine runs, back on (if it was on) after.

    The engine makes no reference cycles, but it builds a line per lot and an explanation per
    household — 100,000 objects for a short supply of 100,000 lots — and that many new objects
    set off a full collection, which walks every object of the process (the candidates first):
    a quarter of the fair policy's time at that scale. Paused, what the engine drops is freed by
    reference counting as always. Nested or concurrent pauses only ever turn the collector back
    on when they turned it off; they never leave it off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _allocate(order: OrderSpec, candidates: Sequence[Candidate], policy: str,
              params: FairParams | OptimalParams | None) -> AllocationResult:
    if order.quantity_g <= 0:
        raise AllocationError("order quantity must be positive")
    if order.crate_g <= 0:
        raise AllocationError("crate size must be positive")
    if policy not in POLICIES:
        raise AllocationError(f"unknown policy {policy!r}")
    if params is None:
        params = FairParams() if policy == "fair" else OptimalParams()
    ordered = sorted(candidates, key=_LOT_ID)
    if len({c.lot_id for c in ordered}) != len(ordered):
        raise AllocationError("duplicate lot ids")
    ineligible: dict[int, str] = {}
    eligible: list[Candidate] = []
    # ``ineligibility`` for each lot, written out: a call per lot is a fifth of the fair policy's time.
    # (A lot ready by the window's end is spoiled when its spoil-by day comes before the day it is
    # ready or before the window opens, or when the window closes before it opens.)
    variety, worst, start, end = order.variety_id, order.min_grade_rank, order.window_start, order.window_end
    closed = start > end
    for lot in ordered:
        ready, spoil = lot.ready_from, lot.spoil_by
        if lot.variety_id != variety:
            ineligible[lot.lot_id] = "variety"
        elif lot.grade_rank > worst:
            ineligible[lot.lot_id] = "grade"
        elif lot.available_g <= 0:
            ineligible[lot.lot_id] = "no_quantity"
        elif ready > end:
            ineligible[lot.lot_id] = "not_ready"
        elif spoil < ready or spoil < start or closed:
            ineligible[lot.lot_id] = "spoiled"
        else:
            eligible.append(lot)
    supply = sum(c.available_g for c in eligible)
    digest = _digest(order, ordered, policy, params)
    if params.min_pick_g < 0:
        raise AllocationError("the least pick cannot be negative")
    solve = _fair if policy == "fair" else _optimal
    lines, households, cost = _at_least(order, eligible, params, solve)
    filled = sum(line.grams for line in lines)
    return AllocationResult(
        policy=policy, params=params_record(params), input_hash=digest,
        requested_g=order.quantity_g, eligible_g=supply, filled_g=filled,
        shortfall_g=order.quantity_g - filled, lines=tuple(lines), households=tuple(households),
        ineligible=ineligible, cost=cost,
    )


def _at_least(order: OrderSpec, eligible: list[Candidate], params, solve):
    """``solve`` on the eligible lots, leaving out each household it gives less than the least pick
    and solving again, until none is (the module's docstring says who goes first)."""
    least = params.min_pick_g
    offered: dict[int, int] = {}
    for lot in eligible:
        offered[lot.household_id] = offered.get(lot.household_id, 0) + lot.available_g
    left_out: dict[int, HouseholdExplanation] = {}
    pool = eligible
    while True:
        target = min(order.quantity_g, sum(lot.available_g for lot in pool))
        lines, households, cost = solve(order, pool, target, params)
        filled = sum(line.grams for line in lines)
        # (the optimal policy keeps the least pick itself, and may leave the fill short for it)
        assert filled == target or (least and solve is _optimal and filled < target), (filled, target)
        if not least:
            return lines, households, cost
        served = [h for h in households if h.allocated_g > 0]
        short = [h for h in served if h.allocated_g < least]
        if not short:
            break
        hopeless = [h for h in short if offered[h.household_id] < least]
        if hopeless:  # their whole offer is below the least pick: no order of leaving out helps them
            going = hopeless
        else:
            served.sort(key=lambda h: (-h.tier, h.allocated_g, -h.household_id))
            # Every household still in the pool is served: no other comes in as these go, so
            # leaving out as many as the least pick forces at once is what one at a time would do.
            everyone_served = len(served) == len(households)
            going = served[:max(1, len(served) - target // least)] if everyone_served else served[:1]
        for h in going:
            left_out[h.household_id] = HouseholdExplanation(
                h.household_id, h.tier, h.tier_reason, h.offered_g, 0, h.cap_g, ("min_pick",))
        pool = [lot for lot in pool if lot.household_id not in left_out]
    return lines, sorted([*households, *left_out.values()], key=attrgetter("household_id")), cost


# --- fair ------------------------------------------------------------------------------

def _days_to_spoil(order: OrderSpec, lot: Candidate) -> int:
    return (lot.spoil_by - max(order.window_start, lot.ready_from)).days


#: a tier's name: urgent or not, priority household or not
_TIER_REASONS = ("urgent_priority", "urgent", "normal_priority", "normal")
#: lots arrive in lot id order, so a stable sort by spoil-by day orders them by (spoil_by, lot_id)
_SPOIL_BY = attrgetter("spoil_by")


def _fair(order: OrderSpec, eligible: list[Candidate], target: int, params: FairParams):
    cap = _cap_grams(order, params.share_cap)
    start = order.window_start
    by_household: dict[int, list[Candidate]] = {}
    soonest: dict[int, int] = {}
    offered: dict[int, int] = {}
    with_priority: set[int] = set()
    for lot in eligible:
        household_id = lot.household_id
        ready = lot.ready_from
        days = (lot.spoil_by - (ready if ready > start else start)).days
        lots = by_household.get(household_id)
        if lots is None:
            by_household[household_id] = [lot]
            soonest[household_id] = days
            offered[household_id] = lot.available_g
        else:
            lots.append(lot)
            if days < soonest[household_id]:
                soonest[household_id] = days
            offered[household_id] += lot.available_g
        if lot.priority:
            with_priority.add(household_id)

    # A household's tier is that of its most urgent lot; its lots give nearest-spoil first.
    urgent_days, priority_first = params.urgent_days, params.priority_first
    tiers = {h: (0 if days <= urgent_days else 2) + (0 if priority_first and h in with_priority else 1)
             for h, days in soonest.items()}

    # Pass 1: tiers in order, water-filling under the cap. Pass 2: lift the cap, fairly,
    # only by what is still missing.
    scaled, denominator = fair_shares(target, offered, tiers, cap)
    grams = round_to_crates(scaled, denominator, offered, target, order.crate_g, cap)
    lines: list[LotAllocation] = []
    explanations: list[HouseholdExplanation] = []
    lowest_served_tier = max((tiers[h] for h, g in grams.items() if g > 0), default=-1)
    for household_id in sorted(by_household):
        allocated = amount = grams[household_id]
        if amount:
            lots = by_household[household_id]
            if len(lots) > 1:
                lots.sort(key=_SPOIL_BY)
            for lot in lots:
                available = lot.available_g
                take = amount if amount < available else available
                lines.append(LotAllocation(lot.lot_id, household_id, take))
                amount -= take
                if not amount:
                    break
        tier = tiers[household_id]
        if allocated < offered[household_id]:
            if tier > lowest_served_tier:
                reasons: tuple[str, ...] = ("lower_tier_filled",)
            elif allocated >= cap:
                reasons = ("cap",)
            elif allocated * denominator < scaled[household_id]:
                # its exact share was more: whole crates, not the order, held it back
                reasons = ("crate_rounding",)
            else:
                reasons = ("order_filled",)
        else:
            reasons = ()
        explanations.append(HouseholdExplanation(household_id, tier, _TIER_REASONS[tier], offered[household_id],
                                                 allocated, cap, reasons))
    return lines, explanations, None


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

    from .fixed_charge import SolverFailed, solve

    cap = _cap_grams(order, params.share_cap)
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
