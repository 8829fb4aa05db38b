import itertools
import threading

import numpy as np
import pytest
import scipy.optimize as so

from gateway_planner.errors import InfeasibleError
from gateway_planner.locate import Problem, _capacity, _enumerate, solve
from gateway_planner.locate._capacity_model import Incumbent
from gateway_planner.locate._capacity_probe import Probe
from gateway_planner.locate.base import Outcome


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


@pytest.mark.parametrize("reach", ["incumbent", "bound"])
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_the_split_relaxation_seeds_a_better_single_source_incumbent(binding, seed, reach):
    problem = binding.problem(seed, True, False)
    best = binding.optimum(problem)
    core, cap, _, request = binding.setup(problem)
    # the incumbent: the worst open set, assigned at its best
    worst = None
    for sites in itertools.combinations(range(problem.n_sites), problem.p):
        is_open = np.zeros(problem.n_sites, dtype=bool)
        is_open[list(sites)] = True
        got = cap.assign(is_open, deadline=request.deadline, seed=0)
        if got is not None and (worst is None or got[0] > worst.value):
            worst = Incumbent(got[0], is_open, got[1], got[2], 0)
    lag = _capacity.capacity_lagrangian(
        cap.pairs_form(), core.forced, core.p, upper=worst.value, max_iter=50
    )
    # fixing at the incumbent, or at 1 % above a bound just below the optimum (a smaller model
    # that still holds the optimum)
    lower = worst.value if reach == "incumbent" else 0.995 * best
    seeded = _capacity._split_seed(cap, core, request, lag, worst, lower)
    assert best - 1e-9 <= seeded.value < worst.value
    assert int(seeded.is_open.sum()) == problem.p
    w, d = np.asarray(problem.weights), np.asarray(problem.costs)
    assert seeded.value == pytest.approx(float(w @ d[np.arange(w.size), seeded.assignment]))
    load = np.bincount(seeded.assignment, weights=w, minlength=problem.n_sites)
    assert np.all(load <= np.asarray(problem.capacities) + 1e-9)
    if reach == "incumbent" and seed in (1, 2, 5, 6):
        # there the split optimum's sites hold the single-source optimum
        assert seeded.value == pytest.approx(best, rel=1e-9)


_OPTIMA: dict[tuple[int, bool], float] = {}


def _binding_optimum(binding, seed: int, single: bool) -> tuple[Problem, float]:
    problem = binding.problem(seed, single, False)
    if (seed, single) not in _OPTIMA:
        _OPTIMA[seed, single] = binding.optimum(problem)
    return problem, _OPTIMA[seed, single]


def _probing_spy(monkeypatch, parallel: bool) -> list[str]:
    """Send solves down the reduced-MIP path, probing beside it or not; log probing's thread."""
    monkeypatch.setattr(_capacity, "SUBSET_LIMIT", 0)
    monkeypatch.setattr(_capacity, "PARALLEL_PROBING", parallel)
    monkeypatch.setattr(_capacity, "usable_cores", lambda: 2)
    threads: list[str] = []
    real = _capacity.probe_bound

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(_capacity, "probe_bound", spy)
    return threads


@pytest.mark.parametrize("parallel", [True, False])
@pytest.mark.parametrize("single", [True, False])
def test_probing_beside_the_search_or_after_it_reaches_the_brute_force_optimum(
    binding, monkeypatch, parallel, single
):
    threads = _probing_spy(monkeypatch, parallel)
    for seed in range(1, 7):
        problem, best = _binding_optimum(binding, seed, single)
        sol = solve(problem, method="exact")
        assert sol.objective == pytest.approx(best, rel=1e-9)
        assert sol.status == "optimal"
        assert sol.bound == pytest.approx(best, rel=1e-9)
        w = np.asarray(problem.weights)
        load = (
            np.bincount(sol.assignment, weights=w, minlength=problem.n_sites)
            if single
            else w @ sol.shares.toarray()
        )
        assert np.all(load <= np.asarray(problem.capacities) + 1e-6)
    # some of these solves probe: in a thread of their own with two cores, else in turn
    assert threads
    assert set(threads) == ({"capacity-probe"} if parallel else {"MainThread"})
    assert not any(t.name == "capacity-probe" and t.is_alive() for t in threading.enumerate())


def test_an_error_in_the_probing_thread_is_raised_by_the_solve(binding, monkeypatch):
    threads = _probing_spy(monkeypatch, True)
    problem = next(
        problem
        for seed in range(1, 7)
        for problem in [binding.problem(seed, True, False)]
        if solve(problem, method="exact") and threads
    )

    def broken(*args, **kwargs):
        raise RuntimeError("probe failed")

    monkeypatch.setattr(_capacity, "probe_bound", broken)
    with pytest.raises(RuntimeError, match="probe failed"):
        solve(problem, method="exact")
    assert not any(t.name == "capacity-probe" and t.is_alive() for t in threading.enumerate())


def test_what_the_probes_beside_the_final_mip_found_is_merged_into_its_outcome():
    final = Outcome(
        np.array([True, False, True]),
        90.0,
        "HiGHS 1.16.0 MIP (capacitated)",
        "exact",
        "time_limit",
        5,
        "capacity_mip",
        np.array([0, 2]),
        None,
        100.0,
    )
    # a better bound only
    got = _capacity._merged(final, Probe(95.0, None, False, (95.0,)), False)
    assert (got.objective, got.bound, got.status) == (100.0, 95.0, "time_limit")
    assert got.assignment.tolist() == [0, 2]
    assert got.solver.endswith("1 target(s) probed, bound raised to 95 beside it)")
    # a bound that reaches the final incumbent proves it
    got = _capacity._merged(final, Probe(100.0, None, False, (100.0,)), False)
    assert (got.objective, got.bound, got.status) == (100.0, 100.0, "optimal")
    # a better solution, proven by the probes
    found = Incumbent(96.0, np.array([False, True, True]), np.array([1, 2]), None, 3)
    got = _capacity._merged(final, Probe(96.0, found, True, ()), False)
    assert (got.objective, got.bound, got.status) == (96.0, 96.0, "optimal")
    assert got.is_open.tolist() == [False, True, True]
    assert got.assignment.tolist() == [1, 2]
    # a better solution above the bound: the gap stays open
    got = _capacity._merged(final, Probe(92.0, found, False, (92.0,)), False)
    assert (got.objective, got.bound, got.status) == (96.0, 92.0, "time_limit")


def test_a_probing_thread_that_cannot_stop_is_not_waited_for_past_the_clock(binding, monkeypatch):
    import time

    threads = _probing_spy(monkeypatch, True)
    problem = next(
        problem
        for seed in range(1, 7)
        for problem in [binding.problem(seed, True, False)]
        if solve(problem, method="exact") and threads
    )
    expected = solve(problem, method="exact")
    release = threading.Event()

    def stuck(*args, **kwargs):
        release.wait(10)  # a step that does not look at the clock or the stop event
        raise AssertionError("its answer comes after the solve has returned, and is dropped")

    monkeypatch.setattr(_capacity, "probe_bound", stuck)
    monkeypatch.setattr(_capacity, "PROBE_JOIN_GRACE", 0.2)
    t0 = time.perf_counter()
    try:
        sol = solve(problem, method="exact", time_limit=1.0)
    finally:
        release.set()
    assert time.perf_counter() - t0 < 1.0 + 0.2 + 0.5
    # the search alone still proves the optimum of this small problem
    assert sol.objective == pytest.approx(expected.objective, rel=1e-9)
