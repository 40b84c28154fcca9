"""The fair policy's integer arithmetic against the exact-fraction version it replaced, and the input
hash against the JSON it stands for."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings, strategies as st

from market.orders import fair_shares
from market.orders.allocation import (Candidate, FairParams, OptimalParams, OrderSpec, _canonical, allocate,
                                      ineligibility, input_hash)

from . import allocation_reference as reference
from .test_allocation import scenarios

START = date(2026, 8, 18)
grams = st.one_of(st.integers(1, 60), st.integers(1, 40_000), st.integers(1, 12).map(lambda n: n * 5_000),
                  st.integers(1, 900_000))


@st.composite
def households(draw):
    count = draw(st.integers(1, 30))
    offered = {h: draw(grams) for h in range(1, count + 1)}
    tiers = {h: draw(st.integers(0, 3)) for h in offered}
    target = draw(st.integers(0, sum(offered.values())))
    cap = draw(st.one_of(st.integers(0, 50), st.integers(0, max(1, target)), st.just(max(1, target) // 10)))
    crate = draw(st.sampled_from([1, 3, 7, 5_000, 10_000, 15_000]))
    return offered, tiers, target, cap, crate


@settings(max_examples=300)
@given(st.lists(st.integers(-5, 50_000), max_size=25), st.integers(0, 600_000))
def test_the_water_level_splits_as_the_stepwise_fill_does(capacities, amount):
    caps = {k: c for k, c in enumerate(capacities)}
    amount = min(amount, sum(c for c in capacities if c > 0))
    level = fair_shares.water_level(amount, caps.values())
    expected = reference.water_fill(Fraction(amount), {k: Fraction(c) for k, c in caps.items()})
    for k, c in caps.items():
        share = max(c, 0) if level is None else max(0, min(c, level))
        assert share == expected[k]


@settings(max_examples=400)
@given(households())
def test_integer_shares_and_their_crates_match_the_exact_fractions(case):
    offered, tiers, target, cap, crate = case
    scaled, denominator = fair_shares.fair_shares(target, offered, tiers, cap)
    exact = reference.fair_shares(target, offered, tiers, cap)
    assert {h: Fraction(s, denominator) for h, s in scaled.items()} == exact
    assert (fair_shares.round_to_crates(scaled, denominator, offered, target, crate, cap)
            == reference.round_to_crates(exact, offered, target, crate, cap))


def _reference_fair(order, lots, params):
    """Grams per household as the first version of the fair policy computed them."""
    eligible = [c for c in lots if ineligibility(order, c) is None]
    offered, soonest, priority = {}, {}, set()
    for lot in eligible:
        days = (lot.spoil_by - max(order.window_start, lot.ready_from)).days
        offered[lot.household_id] = offered.get(lot.household_id, 0) + lot.available_g
        soonest[lot.household_id] = min(days, soonest.get(lot.household_id, days))
        if lot.priority:
            priority.add(lot.household_id)
    tiers = {h: (0 if soonest[h] <= params.urgent_days else 2) + (0 if params.priority_first and h in priority else 1)
             for h in offered}
    target = min(order.quantity_g, sum(offered.values()))
    cap = int(Decimal(order.quantity_g) * params.share_cap)
    shares = reference.fair_shares(target, offered, tiers, cap)
    return {h: g for h, g in reference.round_to_crates(shares, offered, target, order.crate_g, cap).items()}, tiers


@settings(max_examples=200)
@given(scenarios(), st.sampled_from([Decimal("0.10"), Decimal("0.3"), Decimal("1"), Decimal("0.02")]),
       st.integers(0, 5), st.booleans())
def test_the_fair_policy_gives_every_household_what_the_exact_version_gave(case, share_cap, urgent_days, first):
    order, lots = case
    params = FairParams(share_cap=share_cap, urgent_days=urgent_days, priority_first=first)
    result = allocate(order, lots, "fair", params)
    expected, tiers = _reference_fair(order, lots, params)
    assert {h.household_id: h.allocated_g for h in result.households} == expected
    assert {h.household_id: h.tier for h in result.households} == tiers
    assert result.ineligible == {c.lot_id: ineligibility(order, c) for c in lots if ineligibility(order, c)}


def _json_hash(order, candidates, policy, params):
    stored = _canonical(asdict(params))
    if not stored["min_pick_g"]:  # parameters before orders had a least pick, as every run stored then
        del stored["min_pick_g"]
    payload = {"order": _canonical(asdict(order)),
               "candidates": [_canonical(asdict(c)) for c in sorted(candidates, key=lambda c: c.lot_id)],
               "policy": policy, "params": stored}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


odd_decimals = st.one_of(st.decimals(allow_nan=False, allow_infinity=False, places=3), st.integers(0, 30),
                         st.sampled_from([Decimal("0"), Decimal("-0"), Decimal("100"), Decimal("1.50"), Decimal("NaN"),
                                          Decimal("Infinity"), 1.5, 0]))
odd_dates = st.one_of(st.dates(min_value=date(2026, 8, 1), max_value=date(2026, 9, 30)),
                      st.just(datetime(2026, 8, 18, 6, 30)))


@settings(max_examples=200)
@given(st.lists(st.builds(Candidate, lot_id=st.integers(1, 10**6), household_id=st.one_of(st.integers(1, 50), st.just(True)),
                          variety_id=st.integers(1, 3), grade_rank=st.integers(0, 3),
                          available_g=st.integers(-5, 10**6), ready_from=odd_dates, spoil_by=odd_dates,
                          priority=st.one_of(st.booleans(), st.just(0)), distance_km=odd_decimals,
                          price_per_kg=odd_decimals),
                max_size=12, unique_by=lambda c: c.lot_id),
       st.sampled_from(["fair", "optimal"]))
def test_the_input_hash_is_the_hash_of_the_canonical_json_whatever_the_field_types(lots, policy):
    order = OrderSpec(quantity_g=5_400_000, variety_id=1, min_grade_rank=1, window_start=START,
                      window_end=START + timedelta(days=3))
    params = FairParams() if policy == "fair" else OptimalParams()
    assert input_hash(order, lots, policy, params) == _json_hash(order, lots, policy, params)
