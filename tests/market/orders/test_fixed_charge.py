"""The optimal policy's programme: solved over the lots the Lagrangian bound keeps, it finds the
optimum of the whole programme."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from market.orders import fixed_charge


def whole_programme(per_kg, fixed, available, household, cap, target, excess):
    """Every lot, ``x ≤ available·y``, as written in the engine's documentation (optimum to 1e-7)."""
    n, m = len(per_kg), int(household.max()) + 1
    lots, spare = np.arange(n), np.arange(m)
    rows = np.concatenate([np.zeros(n, dtype=np.int64), 1 + lots, 1 + lots, 1 + n + household, 1 + n + spare,
                           np.full(m, 1 + n + m)])
    cols = np.concatenate([lots, lots, n + lots, lots, 2 * n + spare, 2 * n + spare])
    vals = np.concatenate([np.ones(n), np.ones(n), -available, np.ones(n), -np.ones(m), np.ones(m)])
    matrix = csr_array((vals, (rows, cols)), shape=(2 + n + m, 2 * n + m))
    result = milp(np.concatenate([per_kg, fixed, np.zeros(m)]),
                  constraints=LinearConstraint(matrix, np.concatenate([[target], np.full(n + m, -np.inf), [0.0]]),
                                               np.concatenate([[target], np.zeros(n), np.full(m, cap), [excess + 1e-9]])),
                  integrality=np.concatenate([np.zeros(n), np.ones(n), np.zeros(m)]),
                  bounds=Bounds(np.zeros(2 * n + m), np.concatenate([available, np.ones(n), np.full(m, np.inf)])),
                  options={"mip_rel_gap": 1e-7})
    assert result.x is not None
    return result.fun


@st.composite
def programmes(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 160))
    household = np.unique(rng.integers(0, int(rng.integers(1, n + 1)), n), return_inverse=True)[1]
    per_kg = rng.uniform(3, 9, n) - 0.5 * rng.uniform(0, 1, n) * (rng.random(n) < 0.3)
    fixed = 30 + 2 * np.round(rng.uniform(0, 40, n), 1)
    available = rng.integers(1, 600, n) * np.where(rng.random(n) < 0.1, 0.001, 1.0)
    target = float(min(available.sum(), np.round(rng.uniform(0.02, 1.1) * available.sum(), 3)))
    cap = np.floor(target * 1000 * draw(st.sampled_from([0.02, 0.1, 0.3, 1.0]))) / 1000
    offered = np.bincount(household, weights=available)
    excess = max(0.0, target - float(np.minimum(offered, cap).sum()))
    return per_kg, fixed, available, household, cap, target, excess


@settings(max_examples=80, deadline=None)
@given(programmes(), st.sampled_from([(0, 1), (0, 8), (64, 48)]))
def test_the_pruned_programme_reaches_the_whole_programmes_optimum(programme, pool):
    per_kg, fixed, available, household, cap, target, excess = programme
    direct_lots, pool_extra = pool
    taken = fixed_charge.solve(per_kg, fixed, available, household, cap, target, excess, gap=1e-7,
                               direct_lots=direct_lots, pool_extra=pool_extra)
    assert abs(taken.sum() - target) <= 1e-6 * max(1.0, target)
    assert np.all(taken <= available)
    by_household = np.bincount(household, weights=taken)
    assert np.maximum(0, by_household - cap).sum() <= excess + 1e-6
    cost = float(per_kg @ taken + fixed[taken > 1e-6].sum())
    best = whole_programme(per_kg, fixed, available, household, cap, target, excess)
    assert cost <= best + 1e-6 * abs(best) + 1e-6, (cost, best)
