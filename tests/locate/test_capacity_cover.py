"""Capacitated maximal coverage and set cover against brute force (single-source and split)."""

import itertools

import numpy as np
import pytest
import scipy.optimize as so

from gateway_planner.errors import InfeasibleError, InputError
from gateway_planner.locate import MaxCoverage, Problem, SetCover, solve


def _instance(seed: int, *, n: int = 6, m: int = 5, **kw) -> Problem:
    rng = np.random.default_rng(seed)
    cells, sites = rng.random((n, 2)), rng.random((m, 2))
    costs = np.round(np.linalg.norm(cells[:, None] - sites[None], axis=2) * 60, 1)
    weights = rng.integers(1, 6, n).astype(float)
    if seed % 3 == 0:
        weights[0] = 0.0
    caps = np.round(rng.uniform(0.25, 0.6, m) * weights.sum())
    caps[m - 1] = np.nan
    return Problem(
        weights=weights,
        costs=costs,
        site_ids=tuple(f"s{j}" for j in range(m)),
        capacities=caps,
        **kw,
    )


def _credit(problem: Problem) -> np.ndarray:
    d = np.asarray(problem.costs)
    t = float(problem.limit)
    if problem.decay == "step":
        return (d <= t).astype(float)
    s = float(problem.decay_start or 0.0)
    return np.clip((t - d) / (t - s), 0, 1) * (d <= t) + (d <= s) * (
        1 - np.clip((t - d) / (t - s), 0, 1)
    )


def _covered_single(problem: Problem, sites: list[int], need_all: bool = False) -> float:
    """Most credited demand of single-source assignments to ``sites`` (each cell one site or none)."""
    w = np.asarray(problem.weights)
    credit = _credit(problem)
    cap = np.asarray(problem.capacities)[sites]
    cap = np.where(np.isnan(cap), np.inf, cap)
    options = []
    for i in range(len(w)):
        mine = [k for k, j in enumerate(sites) if credit[i, j] > 0 and w[i] > 0]
        options.append(mine if need_all and w[i] > 0 else [*mine, -1])
    best = -np.inf
    for choice in itertools.product(*options):
        ch = np.array(choice)
        load = np.array([w[ch == k].sum() for k in range(len(sites))])
        if np.all(load <= cap + 1e-9):
            best = max(
                best, sum(w[i] * credit[i, sites[k]] for i, k in enumerate(choice) if k >= 0)
            )
    return best


def _covered_split(problem: Problem, sites: list[int], need_all: bool = False) -> float:
    """Most credited demand with split demand (an LP per subset)."""
    w = np.asarray(problem.weights)
    credit = _credit(problem)[:, sites]
    cap = np.asarray(problem.capacities)[sites]
    n, k = credit.shape
    ok = (credit > 0) & (w[:, None] > 0)
    c = -(w[:, None] * credit).ravel()
    a_cell = np.kron(np.eye(n), np.ones(k))
    a_cap = np.kron(np.ones(n), np.eye(k)) * np.repeat(w, k)[None, :]
    fin = ~np.isnan(cap)
    kw = {}
    if need_all:
        rows = w > 0
        kw = {"A_eq": a_cell[rows], "b_eq": np.ones(int(rows.sum()))}
        a_ub, b_ub = a_cap[fin], cap[fin]
    else:
        a_ub = np.vstack([a_cell, a_cap[fin]])
        b_ub = np.concatenate([np.ones(n), cap[fin]])
    bounds = [(0, 1 if f else 0) for f in ok.ravel()]
    res = so.linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, **kw)
    return -res.fun if res.status == 0 else -np.inf


@pytest.mark.parametrize("single", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("method", ["exact", "heuristic"])
def test_capacitated_max_coverage_matches_brute_force(brute_force, single, seed, method):
    decay = "step" if seed % 2 == 0 else "linear"
    fixed = (1,) if seed == 3 else ()
    problem = _instance(
        seed, p=2, limit=25.0, decay=decay, decay_start=8.0, single_source=single, fixed=fixed
    )
    cover = _covered_single if single else _covered_split
    best, _ = brute_force(5, 2, fixed, lambda s: -cover(problem, s))
    sol = solve(problem, model="max_coverage", method=method)
    assert sol.bound >= -best - 1e-6
    if method == "exact":
        assert sol.objective == pytest.approx(-best, rel=1e-6)
        assert (sol.status, sol.gap, sol.path) == ("optimal", 0.0, "capacity_mip")
    else:
        assert sol.objective <= -best + 1e-6
        assert sol.path == "heuristic"
    # the reported assignment respects the capacities and the limit
    w = np.asarray(problem.weights)
    caps = np.asarray(problem.capacities)
    if single:
        served = sol.assignment >= 0
        assert set(sol.assignment[served]) <= set(sol.open_index)
        load = np.bincount(sol.assignment[served], weights=w[served], minlength=5)
        assert np.all(
            np.asarray(problem.costs)[
                np.flatnonzero(served & (w > 0)), sol.assignment[served & (w > 0)]
            ]
            <= 25.0
        )
    else:
        load = w @ sol.shares.toarray()
    assert np.all(load[~np.isnan(caps)] <= caps[~np.isnan(caps)] + 1e-6)


def _cover_brute(problem: Problem, single: bool) -> float:
    w = np.asarray(problem.weights)
    costs = (
        np.ones(problem.n_sites) if problem.site_costs is None else np.asarray(problem.site_costs)
    )
    total = w[w > 0].sum()
    need = total * problem.coverage_share
    full = problem.coverage_share >= 1
    cover = _covered_single if single else _covered_split
    best = np.inf
    for q in range(1, problem.n_sites + 1):
        for s in itertools.combinations(range(problem.n_sites), q):
            if not set(problem.fixed) <= set(s):
                continue
            got = cover(problem, list(s), need_all=full)
            if got >= need - 1e-6:
                best = min(best, float(costs[list(s)].sum()))
    return best


@pytest.mark.parametrize("single", [True, False])
@pytest.mark.parametrize(
    ("seed", "share", "fixed"), [(0, 1.0, ()), (1, 1.0, (2,)), (2, 0.8, ()), (4, 1.0, ())]
)
def test_capacitated_set_cover_matches_brute_force(single, seed, share, fixed):
    rng = np.random.default_rng(seed + 10)
    site_costs = rng.integers(1, 4, 5).astype(float) if seed % 2 == 0 else None
    problem = _instance(
        seed,
        limit=40.0,
        single_source=single,
        coverage_share=share,
        fixed=fixed,
        site_costs=site_costs,
    )
    best = _cover_brute(problem, single)
    assert np.isfinite(best)
    sol = solve(problem, model="set_cover", method="exact")
    assert sol.objective == pytest.approx(best)
    assert sol.bound <= best + 1e-6
    assert (sol.status, sol.path) == ("optimal", "capacity_mip")
    w = np.asarray(problem.weights)
    caps = np.asarray(problem.capacities)
    if single:
        served = w > 0
        assert share < 1 or np.all(sol.assignment[served] >= 0)
        got = sol.assignment >= 0
        load = np.bincount(sol.assignment[got], weights=w[got], minlength=5)
    else:
        load = w @ sol.shares.toarray()
    assert np.all(load[~np.isnan(caps)] <= caps[~np.isnan(caps)] + 1e-6)


def test_capacitated_set_cover_heuristic_brackets_the_optimum():
    problem = _instance(0, limit=40.0)
    best = _cover_brute(problem, True)
    sol = solve(problem, model="set_cover", method="heuristic")
    assert sol.path == "heuristic"
    assert sol.bound <= best + 1e-6 <= sol.objective + 2e-6


def test_capacities_too_small_for_a_full_cover_are_infeasible():
    problem = _instance(0, limit=40.0)
    tiny = Problem(**{**vars(problem), "capacities": np.full(5, 0.5)})
    with pytest.raises(InfeasibleError, match="capacitated set cover"):
        solve(tiny, model="set_cover")


def test_bad_capacities_for_coverage_are_refused():
    problem = _instance(0, limit=40.0, p=2)
    bad = Problem(**{**vars(problem), "capacities": np.array([1.0, -2.0, 3.0, 4.0, 5.0])})
    with pytest.raises(InputError, match="capacities must be 5 numbers"):
        MaxCoverage.from_problem(bad)
    with pytest.raises(InputError, match="capacities must be 5 numbers"):
        SetCover.from_problem(bad)
