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
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Iterable, Sequence

from .allocation_types import (POLICIES, AllocationError, AllocationResult, Candidate, FairParams,
                               HouseholdExplanation, LotAllocation, OptimalParams, OrderSpec, cap_grams)
from .fair_shares import fair_shares, round_to_crates
from .lowest_cost import lot_costs, objective, optimal as _optimal, unavoidable_excess, urgency_weight

__all__ = ["POLICIES", "AllocationError", "AllocationResult", "Candidate", "FairParams", "HouseholdExplanation",
           "LotAllocation", "OptimalParams", "OrderSpec", "allocate", "ineligibility", "input_hash", "lot_costs",
           "objective", "params_record", "unavoidable_excess", "urgency_weight"]


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

#: a tier's name: urgent or not, priority household or not
_TIER_REASONS = ("urgent_priority", "urgent", "normal_priority", "normal")
#: lots arrive in lot id order, so a stable sort by spoil-by day orders them by (spoil_by, lot_id)
_SPOIL_BY = attrgetter("spoil_by")


def _fair(order: OrderSpec, eligible: list[Candidate], target: int, params: FairParams):
    cap = cap_grams(order, params.share_cap)
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


