"""The allocation engine: exact fill, eligibility, fairness, optimality and determinism."""
from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from market.orders.allocation import (AllocationError, Candidate, FairParams, OptimalParams, OrderSpec,
                                      allocate, ineligibility, lot_costs, objective, unavoidable_excess)

START = date(2026, 8, 18)
ORDER = OrderSpec(quantity_g=5_400_000, variety_id=1, min_grade_rank=1, window_start=START,
                  window_end=START + timedelta(days=3), crate_g=10_000)


def lot(lot_id, household_id, kg, *, grade=0, variety=1, ready=-2, spoil=7, priority=False,
        km="1", price="6.00") -> Candidate:
    return Candidate(lot_id=lot_id, household_id=household_id, variety_id=variety, grade_rank=grade,
                     available_g=int(kg * 1000), ready_from=START + timedelta(days=ready),
                     spoil_by=START + timedelta(days=spoil), priority=priority,
                     distance_km=Decimal(km), price_per_kg=Decimal(price))


@st.composite
def scenarios(draw, max_lots=40):
    n = draw(st.integers(min_value=0, max_value=max_lots))
    households = draw(st.integers(min_value=1, max_value=max(1, n)))
    lots = []
    for i in range(n):
        lots.append(Candidate(
            lot_id=i + 1, household_id=draw(st.integers(1, households)),
            variety_id=draw(st.sampled_from([1, 1, 1, 2])), grade_rank=draw(st.integers(0, 3)),
            available_g=draw(st.integers(0, 800_000)),
            ready_from=START + timedelta(days=draw(st.integers(-5, 6))),
            spoil_by=START + timedelta(days=draw(st.integers(-2, 20))),
            priority=draw(st.booleans()),
            distance_km=Decimal(draw(st.integers(0, 400))) / 10,
            price_per_kg=Decimal(draw(st.integers(300, 900))) / 100))
    order = OrderSpec(quantity_g=draw(st.integers(1, 6_000_000)), variety_id=1,
                      min_grade_rank=draw(st.integers(0, 3)), window_start=START,
                      window_end=START + timedelta(days=draw(st.integers(0, 5))),
                      crate_g=draw(st.sampled_from([5_000, 10_000, 15_000])))
    return order, lots


def _check_common(order, lots, result):
    by_id = {c.lot_id: c for c in lots}
    eligible_supply = sum(c.available_g for c in lots if ineligibility(order, c) is None)
    assert result.filled_g == min(order.quantity_g, eligible_supply)
    assert result.shortfall_g == order.quantity_g - result.filled_g
    assert sum(line.grams for line in result.lines) == result.filled_g
    for line in result.lines:
        lot_ = by_id[line.lot_id]
        assert 0 < line.grams <= lot_.available_g
        assert ineligibility(order, lot_) is None
        assert line.household_id == lot_.household_id
    assert len({line.lot_id for line in result.lines}) == len(result.lines)


@settings(max_examples=150)
@given(scenarios())
def test_fair_fills_exactly_from_eligible_lots_only(case):
    order, lots = case
    _check_common(order, lots, allocate(order, lots, "fair"))


@settings(max_examples=60)
@given(scenarios(max_lots=25))
def test_optimal_fills_exactly_from_eligible_lots_only(case):
    order, lots = case
    _check_common(order, lots, allocate(order, lots, "optimal"))


@settings(max_examples=150)
@given(scenarios())
def test_within_a_tier_no_household_trails_another_unless_its_supply_ran_out(case):
    order, lots = case
    result = allocate(order, lots, "fair")
    for tier in {h.tier for h in result.households}:
        members = [h for h in result.households if h.tier == tier]
        for low, high in itertools.permutations(members, 2):
            if low.allocated_g < high.allocated_g - order.crate_g:
                # the trailing household gave all it had
                assert low.allocated_g == low.offered_g, (low, high)


@settings(max_examples=100)
@given(scenarios())
def test_a_lower_tier_gets_nothing_while_a_higher_tier_still_has_supply(case):
    order, lots = case
    result = allocate(order, lots, "fair")
    served = [h for h in result.households if h.allocated_g > 0]
    if not served:
        return
    worst_served = max(h.tier for h in served)
    for h in result.households:
        if h.tier < worst_served:
            # everyone above the last served tier is full, up to the cap's crate rounding
            assert h.allocated_g >= min(h.offered_g, h.cap_g) - order.crate_g


@settings(max_examples=80)
@given(scenarios(), st.randoms())
def test_the_same_inputs_in_any_order_give_the_same_result(case, rnd):
    order, lots = case
    shuffled = list(lots)
    rnd.shuffle(shuffled)
    for policy in ("fair",):
        first = allocate(order, lots, policy)
        again = allocate(order, shuffled, policy)
        assert first.lines == again.lines
        assert first.input_hash == again.input_hash


def test_optimal_is_deterministic_and_hashes_its_inputs():
    rnd = random.Random(7)
    lots = [lot(i, i // 2 + 1, rnd.randint(100, 500), km=str(rnd.randint(0, 30)), price=f"{rnd.randint(500, 800) / 100:.2f}")
            for i in range(1, 60)]
    first = allocate(ORDER, lots, "optimal")
    again = allocate(ORDER, list(reversed(lots)), "optimal")
    assert first.lines == again.lines
    assert first.input_hash == again.input_hash
    other = allocate(ORDER, lots, "optimal", OptimalParams(stop_cost=Decimal("31")))
    assert other.input_hash != first.input_hash


def test_a_shortfall_is_reported_when_supply_is_short():
    lots = [lot(1, 1, 300), lot(2, 2, 200)]
    result = allocate(ORDER, lots, "fair")
    assert result.filled_g == 500_000
    assert result.shortfall_g == 4_900_000


@pytest.mark.parametrize("candidate, reason", [
    (lot(1, 1, 100, variety=2), "variety"),
    (lot(1, 1, 100, grade=2), "grade"),
    (lot(1, 1, 0), "no_quantity"),
    (lot(1, 1, 100, ready=4), "not_ready"),
    (lot(1, 1, 100, ready=-6, spoil=-1), "spoiled"),
])
def test_ineligible_lots_are_named_with_the_reason(candidate, reason):
    result = allocate(ORDER, [candidate], "fair")
    assert result.ineligible == {1: reason}
    assert result.lines == ()


def test_urgent_lots_are_served_before_the_rest():
    lots = [lot(1, 1, 3000, spoil=10), lot(2, 2, 400, spoil=1), lot(3, 3, 400, spoil=2)]
    result = allocate(OrderSpec(800_000, 1, 1, START, START + timedelta(days=3), 10_000), lots, "fair",
                      FairParams(share_cap=Decimal("1")))
    assert result.by_household() == {2: 400_000, 3: 400_000}


def test_the_household_cap_is_lifted_only_by_what_the_fill_needs():
    lots = [lot(1, 1, 3000), lot(2, 2, 100)]
    result = allocate(OrderSpec(1_000_000, 1, 1, START, START + timedelta(days=3), 10_000), lots, "fair")
    assert result.by_household() == {1: 900_000, 2: 100_000}
    explanation = {h.household_id: h for h in result.households}
    assert explanation[1].cap_g == 100_000


def test_water_filling_shares_equally_in_whole_crates():
    lots = [lot(i, i, 1000) for i in range(1, 4)]
    result = allocate(OrderSpec(100_000, 1, 1, START, START + timedelta(days=3), 10_000), lots, "fair",
                      FairParams(share_cap=Decimal("1")))
    assert sorted(result.by_household().values()) == [30_000, 30_000, 40_000]
    assert result.by_household()[1] == 40_000  # the tie goes to the smaller household id
    # each household's exact share was 33⅓ kg: the two given 30 kg were held back by whole crates, not by
    # the order, and are told so; the one given 40 kg got more than its share
    reasons = {h.household_id: h.reasons for h in result.households}
    assert reasons == {1: ("order_filled",), 2: ("crate_rounding",), 3: ("crate_rounding",)}


def test_bad_orders_are_refused():
    with pytest.raises(AllocationError):
        allocate(OrderSpec(0, 1, 1, START, START, 10_000), [], "fair")
    with pytest.raises(AllocationError):
        allocate(ORDER, [], "cheapest")


# --- optimality against an independent brute force ------------------------------------

def _brute_force(order, lots, params):
    """Enumerate every set of visited lots; for each, solve the continuous LP exactly."""
    import numpy as np
    from scipy.optimize import linprog

    eligible = [c for c in lots if ineligibility(order, c) is None]
    target = min(order.quantity_g, sum(c.available_g for c in eligible))
    if target == 0:
        return Decimal(0)
    cap = int(Decimal(order.quantity_g) * params.share_cap)
    offered = {}
    for c in eligible:
        offered[c.household_id] = offered.get(c.household_id, 0) + c.available_g
    excess = unavoidable_excess(offered, cap, target)
    households = sorted(offered)
    best = None
    for size in range(1, len(eligible) + 1):
        for subset in itertools.combinations(eligible, size):
            if sum(c.available_g for c in subset) < target:
                continue
            n, m = len(subset), len(households)
            costs = [lot_costs(order, c, params) for c in subset]
            c_vec = [float(pk) for pk, _ in costs] + [0.0] * m
            a_eq = [[1.0] * n + [0.0] * m]
            a_ub, b_ub = [], []
            for i, h in enumerate(households):
                row = [1.0 if c.household_id == h else 0.0 for c in subset] + [0.0] * m
                row[n + i] = -1.0
                a_ub.append(row); b_ub.append(cap / 1000)
            a_ub.append([0.0] * n + [1.0] * m); b_ub.append(excess / 1000 + 1e-9)
            bounds = [(0, c.available_g / 1000) for c in subset] + [(0, None)] * m
            res = linprog(c_vec, A_ub=np.array(a_ub), b_ub=b_ub, A_eq=np.array(a_eq), b_eq=[target / 1000],
                          bounds=bounds, method="highs")
            if res.status != 0:
                continue
            value = Decimal(str(res.fun)) + sum((fx for _, fx in costs), Decimal(0))
            if best is None or value < best:
                best = value
    return best


@settings(max_examples=40)
@given(st.integers(0, 10**6))
def test_optimal_is_within_half_a_percent_of_the_true_optimum(seed):
    rnd = random.Random(seed)
    lots = [lot(i, rnd.randint(1, 4), rnd.randint(20, 300), km=str(rnd.randint(0, 40)),
                price=f"{rnd.randint(400, 900) / 100:.2f}", spoil=rnd.randint(0, 15), grade=rnd.randint(0, 1))
            for i in range(1, rnd.randint(2, 8))]
    order = OrderSpec(quantity_g=rnd.randint(50, 700) * 1000, variety_id=1, min_grade_rank=1,
                      window_start=START, window_end=START + timedelta(days=3), crate_g=10_000)
    params = OptimalParams(share_cap=Decimal(rnd.choice(["0.10", "0.3", "0.5", "1"])))
    result = allocate(order, lots, "optimal", params)
    eligible = [c for c in lots if ineligibility(order, c) is None]
    achieved = objective(order, eligible, result.lines, params)
    best = _brute_force(order, lots, params)
    assert best is not None
    tolerance = abs(best) * Decimal("0.005") + Decimal("0.01")
    assert achieved <= best + tolerance, (achieved, best)


@settings(max_examples=60)
@given(scenarios(max_lots=25))
def test_optimal_exceeds_household_caps_only_by_what_no_allocation_can_avoid(case):
    order, lots = case
    result = allocate(order, lots, "optimal")
    offered = {h.household_id: h.offered_g for h in result.households}
    cap = result.households[0].cap_g if result.households else 0
    over = sum(max(0, h.allocated_g - h.cap_g) for h in result.households)
    assert over <= unavoidable_excess(offered, cap, result.filled_g) + len(result.households)


def test_crates_rounded_up_never_take_the_grams_of_a_household_offering_less_than_a_crate():
    """Found by the tier-fairness property on a random draw: three shares of 29,999⅔ g rounded up to
    whole crates of 5 kg took the one gram a household offering 51 g was owed (it got 50)."""
    offers = {1: 30_000, 2: 23_843, 3: 26_610, 4: 30_000, 5: 51, 6: 30_000, 9: 9_497}
    lots = [Candidate(lot_id=i, household_id=h, variety_id=1, grade_rank=0, available_g=g, ready_from=START,
                      spoil_by=START, priority=False, distance_km=Decimal("0"), price_per_kg=Decimal("3"))
            for i, (h, g) in enumerate(offers.items(), start=1)]
    result = allocate(OrderSpec(150_000, 1, 0, START, START, 5_000), lots, "fair")
    got = result.by_household()
    assert sum(got.values()) == 150_000
    assert got[5] == 51
    for low, high in itertools.permutations(result.households, 2):
        if low.allocated_g < high.allocated_g - 5_000:
            assert low.allocated_g == low.offered_g
