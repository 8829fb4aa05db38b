"""The exact stage of the capacitated p-median: seeds, probing beside the search or in turn."""

import itertools
import threading
import time

import numpy as np
import pytest

from gateway_planner.locate import Problem, _capacity, _capacity_exact, solve
from gateway_planner.locate._capacity_model import Incumbent
from gateway_planner.locate._capacity_probe import Probe
from gateway_planner.locate.base import Outcome


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
    lag = _capacity_exact.capacity_lagrangian(
        cap.pairs_form(), core.forced, core.p, upper=worst.value, max_iter=50
    )
    # fixing at the incumbent, or at 1 % above a bound just below the optimum (a smaller model
    # that still holds the optimum)
    lower = worst.value if reach == "incumbent" else 0.995 * best
    seeded = _capacity_exact._split_seed(cap, core, request, lag, worst, lower)
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
    monkeypatch.setattr(_capacity_exact, "PARALLEL_PROBING", parallel)
    monkeypatch.setattr(_capacity_exact, "usable_cores", lambda: 2)
    threads: list[str] = []
    real = _capacity_exact.probe_bound

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(_capacity_exact, "probe_bound", spy)
    return threads


def _one_that_probes(binding, threads: list[str]) -> Problem:
    """The first single-source binding problem whose solve reaches probing (``threads`` logs it)."""
    for seed in range(1, 7):
        problem = binding.problem(seed, True, False)
        solve(problem, method="exact")
        if threads:
            return problem
    raise AssertionError("no binding problem reaches probing")  # pragma: no cover


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
    problem = _one_that_probes(binding, threads)

    def broken(*args, **kwargs):
        raise RuntimeError("probe failed")

    monkeypatch.setattr(_capacity_exact, "probe_bound", broken)
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
    got = _capacity_exact._merged(final, Probe(95.0, None, False, (95.0,)), False)
    assert (got.objective, got.bound, got.status) == (100.0, 95.0, "time_limit")
    assert got.assignment.tolist() == [0, 2]
    assert got.solver.endswith("1 target(s) probed, bound raised to 95 beside it)")
    # a bound that reaches the final incumbent proves it
    got = _capacity_exact._merged(final, Probe(100.0, None, False, (100.0,)), False)
    assert (got.objective, got.bound, got.status) == (100.0, 100.0, "optimal")
    # a better solution, proven by the probes
    found = Incumbent(96.0, np.array([False, True, True]), np.array([1, 2]), None, 3)
    got = _capacity_exact._merged(final, Probe(96.0, found, True, ()), False)
    assert (got.objective, got.bound, got.status) == (96.0, 96.0, "optimal")
    assert got.is_open.tolist() == [False, True, True]
    assert got.assignment.tolist() == [1, 2]
    # a better solution above the bound: the gap stays open
    got = _capacity_exact._merged(final, Probe(92.0, found, False, (92.0,)), False)
    assert (got.objective, got.bound, got.status) == (96.0, 92.0, "time_limit")


def test_a_probing_thread_that_cannot_stop_is_not_waited_for_past_the_clock(binding, monkeypatch):
    threads = _probing_spy(monkeypatch, True)
    problem = _one_that_probes(binding, threads)
    expected = solve(problem, method="exact")
    release = threading.Event()

    def stuck(*args, **kwargs):
        release.wait(10)  # a step that does not look at the clock or the stop event
        raise AssertionError("its answer comes after the solve has returned, and is dropped")

    monkeypatch.setattr(_capacity_exact, "probe_bound", stuck)
    monkeypatch.setattr(_capacity_exact, "PROBE_JOIN_GRACE", 0.2)
    t0 = time.perf_counter()
    try:
        sol = solve(problem, method="exact", time_limit=1.0)
    finally:
        release.set()
    assert time.perf_counter() - t0 < 1.0 + 0.2 + 0.5
    # the search alone still proves the optimum of this small problem
    assert sol.objective == pytest.approx(expected.objective, rel=1e-9)
