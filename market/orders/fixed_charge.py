"""The optimal policy's programme, on arrays: fill an amount from lots at a cost per kilogram plus a
fixed cost for each lot used, each household capped. Pure NumPy; solved by HiGHS (SciPy).

    minimise    Σ p_l·x_l + Σ f_l·y_l
    subject to  Σ x_l = T,   0 ≤ x_l ≤ u_l·y_l,   y_l ∈ {0, 1},
                Σ_{l∈h} x_l ≤ cap + e_h,   Σ e_h ≤ E,   e_h ≥ 0

with ``u_l = min(a_l, cap + E, T)``: no lot can give more than that in any solution, so the bound
changes no solution and only tightens the relaxation.

Most lots cannot be in an optimal solution, and a Lagrangian bound proves which. Pricing the fill
at ``π`` per kilogram, each household's cap at ``μ_h ≥ 0`` and the excess at ``ν ≥ max μ_h``, every
solution costs at least

    LB = π·T − cap·Σ μ_h − ν·E + Σ_l min(0, f_l + min(0, (p_l − π + μ_h)·u_l))

and every solution that uses lot ``l`` at least ``LB + δ_l`` with
``δ_l = max(0, f_l + min(0, (p_l − π + μ_h)·u_l))``. Once any solution costing ``UB`` is known, a
lot with ``LB + δ_l > UB`` is in no solution as cheap: it can be left out without losing the
optimum. ``π`` and ``μ`` are the relaxation's prices, found greedily (lots by ``p + f/u``, each
household up to its cap) or, when the caps cannot fill the order, by HiGHS's LP. The programme is
first solved over a pool (the relaxation's lots and the lots with the smallest ``δ``), which gives
``UB``; every lot the bound keeps is then in the pool, or the programme is solved again over all of
them. Either way the answer is an optimum of the whole programme, to HiGHS's gap.

With a least pick per household ``m`` (``least``), each household is visited or not (``z_h``):
``Σ_{l∈h} x_l ≥ m·z_h`` and ``y_l ≤ z_h``, and the fill may fall short (``s``, at a price above any
lot's cost, so only what no household can give at ``m`` or more is short): ``Σ x_l + s = T``. That
programme goes to HiGHS whole (the bound above assumes the fill is exact).
"""
from __future__ import annotations

import numpy as np

#: below this many lots the whole programme goes to HiGHS as it is
DIRECT_LOTS = 64
#: the pool holds the relaxation's lots and this many more (or four times as many as it uses)
POOL_EXTRA = 48


class SolverFailed(RuntimeError):
    pass


def solve(per_kg: np.ndarray, fixed: np.ndarray, available: np.ndarray, household: np.ndarray, cap: float,
          target: float, excess: float, *, gap: float = 1e-4, direct_lots: int = DIRECT_LOTS,
          pool_extra: int = POOL_EXTRA, least: float = 0.0) -> np.ndarray:
    """Kilograms taken from each lot in an optimal solution (to ``gap``).

    ``household`` numbers each lot's household 0 … m−1; quantities are kilograms. With ``least``,
    each household gives at least that or nothing, and the sum may fall short of ``target``.
    """
    n = len(per_kg)
    usable = np.minimum(available, min(cap + excess, target))
    if least > 0:
        return _solve_on(np.arange(n), per_kg, fixed, usable, household, cap, target, excess, gap, least)[0]
    if n <= direct_lots:
        return _solve_on(np.arange(n), per_kg, fixed, usable, household, cap, target, excess, gap)[0]
    prices = _prices(per_kg, fixed, usable, household, cap, target, excess)
    if prices is None:
        return _solve_on(np.arange(n), per_kg, fixed, usable, household, cap, target, excess, gap)[0]
    pi, mu, nu, support = prices
    reduced = fixed + np.minimum(0.0, (per_kg - pi + mu[household]) * usable)
    lower = pi * target - cap * mu.sum() - nu * excess + np.minimum(0.0, reduced).sum()
    delta = np.maximum(0.0, reduced)
    extra = min(n, max(pool_extra, 4 * len(support)))
    nearest = np.argpartition(delta, extra - 1)[:extra] if extra < n else np.arange(n)
    pool = np.union1d(support, nearest)
    try:
        x, upper = _solve_on(pool, per_kg, fixed, usable, household, cap, target, excess, gap)
    except SolverFailed:  # the pool cannot fill the order (the relaxation's lots are rounded): use them all
        return _solve_on(np.arange(n), per_kg, fixed, usable, household, cap, target, excess, gap)[0]
    keep = np.flatnonzero(lower + delta <= upper + 1e-7 * max(1.0, abs(upper)))
    missing = np.setdiff1d(keep, pool, assume_unique=True)
    if len(missing):
        pool = np.union1d(keep, np.flatnonzero(x > 0))
        x = _solve_on(pool, per_kg, fixed, usable, household, cap, target, excess, gap)[0]
    return x


def _prices(per_kg, fixed, usable, household, cap, target, excess):
    """(π, μ, ν, lots the relaxation uses), or ``None`` when the relaxation cannot be solved."""
    m = int(household.max()) + 1
    unit = per_kg + fixed / usable
    if excess > 0:
        return _lp_prices(unit, usable, household, m, cap, target, excess)
    # By household, cheapest per kilogram first: how much of each lot fits under its household's cap.
    by_household = np.lexsort((unit, household))
    h = household[by_household]
    u = usable[by_household]
    upto = np.cumsum(u)
    first = np.flatnonzero(np.r_[True, h[1:] != h[:-1]])
    upto -= np.repeat(upto[first] - u[first], np.diff(np.r_[first, len(h)]))
    before = upto - u
    fits = np.minimum(upto, cap) - np.minimum(before, cap)
    # All lots cheapest first (a household's own lots keep their order): the fill's marginal price.
    cheapest = np.argsort(unit[by_household], kind="stable")
    filled = np.cumsum(fits[cheapest])
    k = int(np.searchsorted(filled, target * (1 - 1e-12)))
    if k >= len(filled):
        return None
    pi = float(unit[by_household][cheapest[k]])
    used = cheapest[: k + 1]
    support = np.sort(by_household[used[fits[used] > 0]])
    # A household's cap is worth the gap between π and its first lot that does not fit whole.
    crossing = (before < cap) & (upto > cap)
    mu = np.zeros(m)
    mu[h[crossing]] = np.maximum(0.0, pi - unit[by_household][crossing])
    return pi, mu, 0.0, support


def _lp_prices(unit, usable, household, m, cap, target, excess):
    from scipy.optimize import linprog
    from scipy.sparse import csr_array

    n = len(unit)
    lots = np.arange(n)
    spare = np.arange(m)
    fill = csr_array((np.ones(n), (np.zeros(n, dtype=np.int64), lots)), shape=(1, n + m))
    caps = csr_array((np.concatenate([np.ones(n), -np.ones(m), np.ones(m)]),
                      (np.concatenate([household, spare, np.full(m, m)]), np.concatenate([lots, n + spare, n + spare]))),
                     shape=(m + 1, n + m))
    result = linprog(np.concatenate([unit, np.zeros(m)]), A_ub=caps, b_ub=np.concatenate([np.full(m, cap), [excess]]),
                     A_eq=fill, b_eq=[target], bounds=np.column_stack([np.zeros(n + m), np.r_[usable, np.full(m, np.inf)]]),
                     method="highs")
    if result.status != 0:
        return None
    nu = max(0.0, -float(result.ineqlin.marginals[m]))
    mu = np.clip(-result.ineqlin.marginals[:m], 0.0, nu)
    return float(result.eqlin.marginals[0]), mu, nu, np.flatnonzero(result.x[:n] > 1e-9)


def _solve_on(pool, per_kg, fixed, usable, household, cap, target, excess, gap, least=0.0):
    """The programme over the lots in ``pool`` (sorted indices): (kilograms for every lot, cost)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    k = len(pool)
    households, h = np.unique(household[pool], return_inverse=True)
    m = len(households) if excess > 0 else 0
    lots = np.arange(k)
    # Variables: x (kg from each lot), y (lot visited), then e (kg above the cap, only when allowed).
    # Rows: Σx = T; x − u·y ≤ 0 per lot; Σ_h x − e_h ≤ cap per household; Σe ≤ E.
    rows = [np.zeros(k, dtype=np.int64), 1 + lots, 1 + lots, 1 + k + h]
    cols = [lots, lots, k + lots, lots]
    vals = [np.ones(k), np.ones(k), -usable[pool], np.ones(k)]
    n_households = len(households)
    lower = [[target], np.full(k, -np.inf), np.full(n_households, -np.inf)]
    upper = [[target], np.zeros(k), np.full(n_households, cap)]
    if m:
        spare = np.arange(m)
        rows += [1 + k + spare, np.full(m, 1 + k + n_households)]
        cols += [2 * k + spare, 2 * k + spare]
        vals += [-np.ones(m), np.ones(m)]
        lower.append([0.0])
        upper.append([excess + 1e-9])
    n_rows, n_vars = 1 + k + n_households + (1 if m else 0), 2 * k + m
    costs = [per_kg[pool], fixed[pool], np.zeros(m)]
    integrality = [np.zeros(k), np.ones(k), np.zeros(m)]
    upper_bounds = [usable[pool], np.ones(k), np.full(m, np.inf)]
    if least > 0:
        # z_h (household visited) after the other variables, then the shortfall s. Rows: Σ_h x − m·z_h ≥ 0
        # per household; y_l − z_h ≤ 0 per lot; and s joins the fill row.
        z = n_vars + np.arange(n_households)
        short = n_vars + n_households
        rows += [n_rows + h, np.full(n_households, n_rows) + np.arange(n_households),
                 n_rows + n_households + lots, n_rows + n_households + lots, [0]]
        cols += [lots, z, k + lots, z[h], [short]]
        vals += [np.ones(k), -np.full(n_households, least), np.ones(k), -np.ones(k), [1.0]]
        lower += [np.zeros(n_households), np.full(k, -np.inf)]
        upper += [np.full(n_households, np.inf), np.zeros(k)]
        n_rows += n_households + k
        n_vars += n_households + 1
        # a kilogram short costs more than any kilogram and any visit could
        penalty = 1.0 + float(np.abs(per_kg[pool]).max(initial=0.0)) + float(np.abs(fixed[pool]).sum()) / max(least, 1e-3)
        costs += [np.zeros(n_households), [penalty]]
        integrality += [np.ones(n_households), [0.0]]
        upper_bounds += [np.ones(n_households), [target]]
    matrix = csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n_vars))
    costs = np.concatenate(costs)
    integrality = np.concatenate(integrality)
    bounds = Bounds(np.zeros(n_vars), np.concatenate(upper_bounds))
    result = milp(costs, constraints=LinearConstraint(matrix, np.concatenate(lower), np.concatenate(upper)),
                   integrality=integrality, bounds=bounds,
                   options={"mip_rel_gap": gap, "presolve": True, "disp": False})
    if result.x is None:
        raise SolverFailed(result.message)
    taken = np.zeros(len(per_kg))
    # A lot not visited gives nothing and a lot no more than it has, whatever crumbs within the
    # solver's tolerances say.
    taken[pool] = np.where(result.x[k:2 * k] > 0.5, np.clip(result.x[:k], 0.0, usable[pool]), 0.0)
    return taken, float(result.fun)
