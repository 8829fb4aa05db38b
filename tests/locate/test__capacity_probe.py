import math
import time

import numpy as np
import pytest

from gateway_planner.locate import _capacity_probe
from gateway_planner.locate.base import Deadline, SolveRequest

CASES = [
    (seed, single, integral)
    for seed in (1, 2, 3)
    for single in (True, False)
    for integral in (True, False)
]


@pytest.mark.parametrize(("seed", "single", "integral"), CASES)
def test_probed_targets_never_pass_the_optimum(binding, seed, single, integral):
    problem = binding.problem(seed, single, integral)
    best = binding.optimum(problem)
    core, cap, lag, request = binding.setup(problem)
    lower = min(lag.raw, 0.9 * best)
    probe = _capacity_probe.probe_bound(
        cap, core, request, lag, upper=1.3 * best, lower=lower, share=1.0
    )
    tol = 1e-6 * best
    assert all(t <= best + tol for t in probe.targets)
    assert lower <= probe.lower <= best + tol
    if probe.found is not None:
        value, is_open, assignment = probe.found.value, probe.found.is_open, probe.found.assignment
        assert value >= best - tol
        assert int(is_open.sum()) == problem.p
        assert set(assignment) <= set(np.flatnonzero(is_open))
    if probe.proven:
        assert probe.found is not None
        assert probe.found.value == pytest.approx(best, rel=1e-9)
        assert probe.lower == pytest.approx(best, rel=1e-9)


@pytest.mark.parametrize(("seed", "single"), [(1, True), (2, False), (3, True)])
def test_a_first_target_above_the_optimum_finds_and_proves_it(binding, monkeypatch, seed, single):
    problem = binding.problem(seed, single, False)
    best = binding.optimum(problem)
    core, cap, lag, request = binding.setup(problem)
    # lower + 0.9 x max(lower, upper - lower) = 1.14 x the optimum: HiGHS finds the optimum
    monkeypatch.setattr(_capacity_probe, "PROBE_FIRST", 0.9)
    probe = _capacity_probe.probe_bound(
        cap, core, request, lag, upper=1.2 * best, lower=0.6 * best, share=1.0
    )
    assert probe.proven
    assert probe.found.value == pytest.approx(best, rel=1e-9)
    assert probe.targets == ()


@pytest.mark.parametrize(("seed", "single", "integral"), CASES)
def test_a_target_below_the_optimum_is_proven_a_bound(binding, monkeypatch, seed, single, integral):
    problem = binding.problem(seed, single, integral)
    best = binding.optimum(problem)
    core, cap, lag, request = binding.setup(problem)
    # one target only, half-way between 0.9 and 1.0 x the optimum (the next is past the upper)
    monkeypatch.setattr(_capacity_probe, "PROBE_FIRST", 0.05 / 0.9)
    lower = 0.9 * best
    probe = _capacity_probe.probe_bound(cap, core, request, lag, upper=best, lower=lower, share=1.0)
    target = 0.95 * best
    if integral:
        target = math.ceil(target)
    assert probe.targets[0] == pytest.approx(target, rel=1e-6)
    assert probe.lower >= target - 1e-6 * best
    assert probe.lower <= best
    assert not probe.proven


def test_probing_stops_at_its_share_of_the_clock(binding):
    problem = binding.problem(1, True, False)
    core, cap, lag, _ = binding.setup(problem)
    request = SolveRequest("exact", Deadline(time.perf_counter() - 1), 0.0, 0)
    probe = _capacity_probe.probe_bound(cap, core, request, lag, upper=1e6, lower=0.0)
    assert probe == _capacity_probe.Probe(0.0, None, False, ())


@pytest.mark.parametrize("share", [0.25, 1.0])
def test_a_probe_cut_by_the_clock_keeps_its_bound_below_the_target(binding, monkeypatch, share):
    from gateway_planner.locate.milp import MilpResult

    problem = binding.problem(2, True, False)
    best = binding.optimum(problem)
    core, cap, lag, request = binding.setup(problem)
    assert lag.raw < best - 1.0  # a gap for the target to sit in
    frac = 0.5 * (best - lag.raw) / lag.raw  # the target half-way from the bound to the optimum
    monkeypatch.setattr(_capacity_probe, "PROBE_FIRST", frac)
    monkeypatch.setattr(_capacity_probe, "PROBE_STEPS", 1)  # the Lagrangian stays below it
    target = lag.raw + 0.5 * (best - lag.raw)
    reduced = lag.raw + share * (best - lag.raw)  # the reduced model's bound when cut

    def cut(model, **kwargs):
        assert kwargs["cutoff"] == pytest.approx(target)
        return MilpResult("time_limit", None, math.inf, reduced, math.inf, 0, 0, 0.0, "HiGHS")

    monkeypatch.setattr(_capacity_probe, "run_highs", cut)
    probe = _capacity_probe.probe_bound(
        cap, core, request, lag, upper=best, lower=lag.raw, share=1.0
    )
    # the reduced model's bound holds below the target only
    assert probe.lower == pytest.approx(min(reduced, target), rel=1e-6)
    assert probe.targets == ()
    assert not probe.proven
    assert request.deadline.hit


@pytest.mark.parametrize(("status", "proves"), [("optimal", True), ("time_limit", False)])
def test_a_closed_tree_with_nothing_below_the_cutoff_proves_the_target(
    binding, monkeypatch, status, proves
):
    from gateway_planner.locate.milp import MilpResult

    problem = binding.problem(2, True, False)
    best = binding.optimum(problem)
    core, cap, lag, request = binding.setup(problem)
    frac = 0.5 * (best - lag.raw) / lag.raw
    monkeypatch.setattr(_capacity_probe, "PROBE_FIRST", frac)
    monkeypatch.setattr(_capacity_probe, "PROBE_STEPS", 1)
    target = lag.raw + 0.5 * (best - lag.raw)
    calls = []

    def closed(model, **kwargs):
        calls.append(kwargs["cutoff"])
        return MilpResult(status, None, math.inf, math.inf, math.inf, 0, 0, 0.0, "HiGHS")

    monkeypatch.setattr(_capacity_probe, "run_highs", closed)
    probe = _capacity_probe.probe_bound(
        cap, core, request, lag, upper=best, lower=lag.raw, share=1.0
    )
    assert calls[0] == pytest.approx(target)
    if proves:
        # the target is a bound; the next would be the incumbent itself (its model is predicted
        # to be settled in time), which probing in turn leaves to the final MIP
        assert probe.targets == (pytest.approx(target),)
        assert probe.lower == pytest.approx(target)
        assert len(calls) == 1
    else:  # a cut run without a finite bound proves nothing
        assert probe.targets == ()
        assert probe.lower == lag.raw


def test_a_race_is_proven_once_the_bound_reaches_the_best_incumbent():
    race = _capacity_probe.Race(10.0, False)
    race.raise_lower(9.5)
    assert not race.proven.is_set()
    race.improve(11.0)  # worse: kept out
    assert race.upper == 10.0
    race.improve(9.5)
    assert race.upper == 9.5
    assert race.proven.is_set()
    integral = _capacity_probe.Race(10.0, True)
    integral.raise_lower(9.0)  # an integer bound of 9 leaves room for a solution of 9
    assert not integral.proven.is_set()
    integral.raise_lower(9.5)  # nothing below 10 costs less than 9.5: 10 is optimal
    assert integral.proven.is_set()


def test_probing_beside_a_search_that_has_stopped_does_nothing(binding):
    core, cap, lag, request = binding.setup(binding.problem(1, True, False))
    race = _capacity_probe.Race(1e6, lag.integral)
    race.stop.set()
    probe = _capacity_probe.probe_bound(
        cap, core, request, lag, upper=1e6, lower=0.0, share=1.0, race=race
    )
    assert probe == _capacity_probe.Probe(0.0, None, False, ())


@pytest.mark.parametrize(("seed", "single"), [(1, True), (2, False), (3, True), (4, True)])
def test_probes_beside_a_search_read_its_incumbent_and_prove_it(binding, seed, single):
    problem = binding.problem(seed, single, False)
    best = binding.optimum(problem)
    core, cap, lag, request = binding.setup(problem)
    race = _capacity_probe.Race(1.3 * best, lag.integral)
    race.improve(best)  # the search has found the optimum meanwhile
    probe = _capacity_probe.probe_bound(
        cap, core, request, lag, upper=1.3 * best, lower=lag.raw, share=1.0, race=race
    )
    # every target stays at or below the optimum the search holds, the last proves it
    assert all(t <= best * (1 + 1e-9) for t in probe.targets)
    assert probe.lower == pytest.approx(best, rel=1e-9)
    assert probe.found is None  # nothing cheaper than the race's incumbent exists
    assert race.proven.is_set()


def test_the_next_target_is_the_highest_whose_model_is_predicted_to_fit(binding, monkeypatch):
    from gateway_planner.locate._capacity_bounds import pair_floors

    problem = binding.problem(2, True, False)
    best = binding.optimum(problem)
    core, cap, lag, _ = binding.setup(problem)
    cp = cap.pairs_form()
    floors = np.sort(pair_floors(cp, core.forced, core.p, lag))
    monkeypatch.setattr(_capacity_probe, "PROBE_USE", 1.0)
    monkeypatch.setattr(_capacity_probe, "PROBE_GROWTH", 2.0)
    # the last probe: 4 s on 10 pairs; 16 s left fit (16 / 4) ** (1 / 2) x 10 = 20 pairs
    target = _capacity_probe._next_target(cp, core, lag, (4.0, 10), 16.0, 10 * best)
    assert int((floors <= target).sum()) <= 20
    assert target == pytest.approx(floors[20], rel=1e-8)
    # with time for every pair, the next target is the incumbent
    assert _capacity_probe._next_target(cp, core, lag, (4.0, 10), 1e6, best) == best


def test_a_race_reports_the_best_bound_the_probes_proved():
    race = _capacity_probe.Race(10.0, False)
    assert race.lower == -math.inf
    race.raise_lower(8.0)
    race.raise_lower(7.0)  # a weaker bound is kept out
    assert race.lower == 8.0
