import itertools

import numpy as np
import pytest
import scipy.optimize as so

from gateway_planner.errors import InfeasibleError
from gateway_planner.locate import Problem, _capacity, _enumerate, solve


def _split_cost(problem: Problem, sites: list[int]) -> float:
    """Transportation LP with scipy: least cost of serving all demand from ``sites``."""
    w = np.asarray(problem.weights)
    d = np.asarray(problem.costs)[:, sites]
    cap = np.asarray(problem.capacities)[sites]
    n, k = d.shape
    c = (w[:, None] * np.where(np.isfinite(d), d, 0)).ravel()
    bounds = [(0, 1 if np.isfinite(d.ravel()[i]) else 0) for i in range(n * k)]
    a_eq = np.kron(np.eye(n), np.ones(k))
    a_ub = np.kron(np.ones(n), np.eye(k)) * np.repeat(w, k)[None, :]
    res = so.linprog(
        c,
        A_ub=a_ub,
        b_ub=np.where(np.isnan(cap), 1e12, cap),
        A_eq=a_eq,
        b_eq=np.ones(n),
        bounds=bounds,
    )
    return res.fun if res.status == 0 else np.inf


def _single_cost(problem: Problem, sites: list[int]) -> float:
    w = np.asarray(problem.weights)
    d = np.asarray(problem.costs)[:, sites]
    cap = np.where(
        np.isnan(np.asarray(problem.capacities)[sites]),
        np.inf,
        np.asarray(problem.capacities)[sites],
    )
    best = np.inf
    for choice in itertools.product(range(len(sites)), repeat=len(w)):
        load = np.bincount(choice, weights=w, minlength=len(sites))
        if np.all(load <= cap + 1e-9):
            best = min(best, float(sum(w[i] * d[i, j] for i, j in enumerate(choice))))
    return best


def _problem(single: bool, **kw) -> Problem:
    rng = np.random.default_rng(12)
    n, m = (7, 5) if single else (14, 6)
    cells, sites = rng.random((n, 2)), rng.random((m, 2))
    costs = np.round(np.linalg.norm(cells[:, None] - sites[None], axis=2) * 60, 1)
    weights = rng.integers(1, 6, n).astype(float)
    caps = np.full(m, 0.45 * weights.sum())
    caps[1] = np.nan
    caps[3] = 0.2 * weights.sum()
    return Problem(
        weights=weights,
        costs=costs,
        site_ids=tuple(f"s{j}" for j in range(m)),
        capacities=caps,
        single_source=single,
        **kw,
    )


@pytest.mark.parametrize("enumeration", [True, False])
@pytest.mark.parametrize("scan", [True, False])
@pytest.mark.parametrize(("p", "fixed"), [(2, ()), (3, (3,))])
def test_split_capacities_match_brute_force(brute_force, monkeypatch, enumeration, scan, p, fixed):
    if not scan:
        monkeypatch.setattr(_capacity, "SUBSET_LIMIT", 0)
    if not enumeration:  # the uncapacitated incumbent and bound then take the exact paths
        monkeypatch.setattr(_enumerate, "ENUMERATION_BUDGET", 0)
    problem = _problem(False, p=p, fixed=fixed)
    best, sites = brute_force(6, p, fixed, lambda s: _split_cost(problem, s))
    sol = solve(problem, method="exact")
    assert sol.objective == pytest.approx(best, rel=1e-6)
    assert tuple(sol.open_index) == sites
    assert sol.status == "optimal"
    assert sol.bound <= best * (1 + 1e-6)
    assert sol.path == ("capacity_scan" if scan else "capacity_mip")
    shares = sol.shares.toarray()
    assert np.allclose(shares.sum(axis=1), 1.0)
    load = np.asarray(problem.weights) @ shares
    caps = np.asarray(problem.capacities)
    assert np.all(load[~np.isnan(caps)] <= caps[~np.isnan(caps)] + 1e-6)


@pytest.mark.parametrize("enumeration", [True, False])
@pytest.mark.parametrize("scan", [True, False])
def test_single_source_capacities_match_brute_force(brute_force, monkeypatch, enumeration, scan):
    if not scan:
        monkeypatch.setattr(_capacity, "SUBSET_LIMIT", 0)
    if not enumeration:
        monkeypatch.setattr(_enumerate, "ENUMERATION_BUDGET", 0)
    problem = _problem(True, p=2)
    best, _ = brute_force(5, 2, (), lambda s: _single_cost(problem, s))
    sol = solve(problem, method="exact")
    assert sol.objective == pytest.approx(best)
    assert sol.bound <= best + 1e-6
    assert (sol.status, sol.gap) == ("optimal", 0.0)
    assert sol.path == ("capacity_scan" if scan else "capacity_mip")
    assert sol.shares is None
    load = np.bincount(sol.assignment, weights=np.asarray(problem.weights), minlength=5)
    caps = np.asarray(problem.capacities)
    assert np.all(load[~np.isnan(caps)] <= caps[~np.isnan(caps)] + 1e-9)


def test_capacities_below_demand_are_reported_with_the_shortfall():
    costs = np.ones((3, 3))
    problem = Problem(
        weights=np.array([10.0, 10.0, 10.0]),
        costs=costs,
        site_ids=("a", "b", "c"),
        p=2,
        capacities=np.array([12.0, 8.0, 5.0]),
    )
    with pytest.raises(InfeasibleError, match=r"at most 20 but demand is 30 \(short by 10\)"):
        solve(problem)


def test_single_source_cell_larger_than_any_capacity():
    costs = np.ones((2, 2))
    problem = Problem(
        weights=np.array([10.0, 1.0]),
        costs=costs,
        site_ids=("a", "b"),
        p=2,
        capacities=np.array([8.0, 8.0]),
    )
    with pytest.raises(InfeasibleError, match=r"1 cell\(s\) need more than the largest capacity 8"):
        solve(problem)


@pytest.mark.parametrize("single", [False, True])
@pytest.mark.parametrize("enumeration", [True, False])
def test_capacities_that_do_not_bind_are_proven_by_the_uncapacitated_bound(
    brute_force, median_value, monkeypatch, single, enumeration
):
    monkeypatch.setattr(_capacity, "SUBSET_LIMIT", 0)
    if not enumeration:
        monkeypatch.setattr(_enumerate, "ENUMERATION_BUDGET", 0)
    problem = _problem(single, p=2)
    problem = Problem(**{**vars(problem), "capacities": np.full(problem.n_sites, 1e6)})
    best, _ = brute_force(problem.n_sites, 2, (), lambda s: median_value(problem, s))
    sol = solve(problem, method="exact")
    assert sol.path == "capacity_not_binding"
    assert sol.objective == pytest.approx(best)
    assert sol.bound <= best + 1e-6
    assert (sol.status, sol.gap) == ("optimal", 0.0)


@pytest.mark.parametrize(("single", "p", "fixed"), [(False, 6, ()), (True, 1, (1,))])
def test_capacities_without_choice_are_assigned_directly(brute_force, single, p, fixed):
    problem = _problem(single, p=p, fixed=fixed)
    cost = _single_cost if single else _split_cost
    best, _ = brute_force(problem.n_sites, p, fixed, lambda s: cost(problem, s))
    sol = solve(problem, method="exact")
    assert sol.path == "direct"
    assert sol.objective == pytest.approx(best, rel=1e-6)
    assert sol.bound == sol.objective


@pytest.mark.parametrize("single", [False, True])
def test_capacitated_heuristic_bound_brackets_the_optimum(brute_force, single):
    problem = _problem(single, p=2)
    cost = _single_cost if single else _split_cost
    best, _ = brute_force(problem.n_sites, 2, (), lambda s: cost(problem, s))
    sol = solve(problem, method="heuristic")
    assert sol.path == "heuristic"
    assert sol.bound <= best + 1e-6
    assert best <= sol.objective + 1e-6


def _binding(single: bool, seed: int) -> Problem:
    """Capacities of 30-80 % of the demand each: the first subsets in uncapacitated order that
    can serve the demand are not the best (for the seeds below)."""
    rng = np.random.default_rng(seed)
    n, m = (7, 5) if single else (12, 6)
    cells, sites = rng.random((n, 2)), rng.random((m, 2))
    costs = np.round(np.linalg.norm(cells[:, None] - sites[None], axis=2) * 60, 1)
    weights = rng.integers(1, 6, n).astype(float)
    caps = np.round(rng.uniform(0.3, 0.8, m) * weights.sum())
    ids = tuple(f"s{j}" for j in range(m))
    return Problem(
        weights=weights, costs=costs, site_ids=ids, capacities=caps, single_source=single, p=2
    )


@pytest.mark.parametrize("scan", [True, False])
@pytest.mark.parametrize(("single", "seed"), [(False, 1), (False, 26), (True, 4), (True, 5)])
def test_binding_capacities_scan_past_the_first_feasible_subset(
    brute_force, monkeypatch, no_enumeration, scan, single, seed
):
    if not scan:
        monkeypatch.setattr(_capacity, "SUBSET_LIMIT", 0)
    problem = _binding(single, seed)
    cost = _single_cost if single else _split_cost
    best, sites = brute_force(problem.n_sites, 2, (), lambda s: cost(problem, s))
    sol = solve(problem, method="exact")
    assert sol.objective == pytest.approx(best, rel=1e-6)
    assert tuple(sol.open_index) == sites
    assert sol.bound <= best * (1 + 1e-6)
    assert (sol.status, sol.gap) == ("optimal", 0.0)
    assert sol.path == ("capacity_scan" if scan else "capacity_mip")
