"""The shared base: one constructor path, one solve signature, the same Solution fields."""

import inspect
import math
import time
import typing
from dataclasses import replace

import numpy as np
import pytest

from gateway_planner.errors import SolverError
from gateway_planner.locate import (
    BoundError,
    LocationModel,
    MaxCoverage,
    PCenter,
    PMedian,
    Problem,
    _capacity,
    _enumerate,
    solve,
)
from gateway_planner.locate.base import BOUND_TOLERANCE, Deadline, SolveOptions
from gateway_planner.locate.problem import PATHS


def test_solve_options_are_the_keywords_of_location_model_solve():
    keywords = {
        name
        for name, par in inspect.signature(LocationModel.solve).parameters.items()
        if par.kind is inspect.Parameter.KEYWORD_ONLY
    }
    assert set(typing.get_type_hints(SolveOptions)) == keywords


def test_solve_passes_its_options_to_the_model(problem_factory):
    problem = problem_factory(30, 8, seed=2, p=3)
    a = solve(problem, method="heuristic", seed=5, time_limit=30)
    b = PMedian.from_problem(problem).solve(method="heuristic", seed=5, time_limit=30)
    assert a.method == "heuristic"
    for field in ("open_sites", "objective", "bound", "solver", "status", "iterations"):
        assert getattr(a, field) == getattr(b, field)


def test_solution_reports_the_evaluated_objective_and_nearest_assignment():
    costs = np.array([[1.0, 9.0, 4.0], [8.0, 2.0, 3.0], [7.0, 6.0, 5.0]])
    model = PCenter.from_cost_matrix(costs, np.ones(3), p=2)
    sol = model.solve(method="exact")
    is_open = np.isin(model.data.cand, sol.open_index)
    assert sol.objective == model.evaluate(is_open) == 5.0
    assert sol.assignment.tolist() == model.assign(is_open).tolist() == [0, 2, 2]
    assert sol.open_sites == ("0", "2")


def test_from_cost_matrix_names_sites_by_column():
    costs = np.array([[1.0, 2.0], [2.0, 1.0]])
    model = PMedian.from_cost_matrix(costs, np.ones(2), p=1)
    assert model.problem.site_ids == ("0", "1")
    assert isinstance(model.problem, Problem)
    with pytest.raises(ValueError, match="p = 3 is larger"):
        PMedian.from_cost_matrix(costs, np.ones(2), p=3)


# --------------------------------------------------------------------------------------------
# bounds are checked, never clipped


def _lying(cls: type[LocationModel], shift: float) -> type[LocationModel]:
    """The model with its search's bound moved by ``shift`` (a bound bug, injected)."""

    class Lying(cls):  # type: ignore[misc,valid-type]
        def _run(self, request):
            out = super()._run(request)
            return replace(out, bound=out.bound + shift)

    return Lying


@pytest.mark.parametrize(
    ("cls", "model", "shift"),
    [(PMedian, "pmedian", +1.0), (MaxCoverage, "max_coverage", -1.0), (PCenter, "pcenter", +1.0)],
)
def test_a_bound_past_the_objective_raises_instead_of_proving(brute, cls, model, shift):
    problem = brute.problem(30, 8, seed=2, p=3, limit=20.0)
    best = brute.optimum(problem, model)
    honest = cls.from_problem(problem).solve(method="exact")
    assert honest.objective == pytest.approx(best)
    # the bound may meet the objective but not pass it: its side is checked, not clipped
    with pytest.raises(BoundError, match=r"reported the bound .* its own objective") as info:
        _lying(cls, shift * max(1.0, abs(best)) * 1e-3).from_problem(problem).solve(method="exact")
    assert isinstance(info.value, SolverError)
    assert info.value.exit_code == 3


@pytest.mark.parametrize(("cls", "shift"), [(PMedian, +1.0), (MaxCoverage, -1.0)])
def test_a_bound_past_the_objective_by_rounding_is_the_objective(brute, cls, shift):
    problem = brute.problem(30, 8, seed=2, p=3, limit=20.0)
    honest = cls.from_problem(problem).solve(method="exact")
    scale = max(1.0, abs(honest.objective))
    sol = _lying(cls, shift * 0.5 * BOUND_TOLERANCE * scale).from_problem(problem).solve()
    assert sol.bound == sol.objective == honest.objective
    assert (sol.status, sol.gap) == ("optimal", 0.0)


def test_a_bound_that_is_not_a_number_raises(problem_factory):
    problem = problem_factory(20, 6, seed=1, p=2)
    with pytest.raises(BoundError, match=r"gave no bound \(NaN\)"):
        _lying(PMedian, math.nan).from_problem(problem).solve()


def test_a_weak_bound_is_reported_as_it_is(problem_factory):
    problem = problem_factory(20, 6, seed=1, p=2)
    honest = PMedian.from_problem(problem).solve()
    sol = _lying(PMedian, -10.0).from_problem(problem).solve()
    assert sol.bound == pytest.approx(honest.bound - 10.0)
    assert sol.gap > 0
    assert sol.status == "gap_reached"


# --------------------------------------------------------------------------------------------
# the wall clock is a safety net: the path depends on work limits only


def test_deadline_records_every_stop():
    deadline = Deadline(time.perf_counter() + 3600)
    assert not deadline.passed() and not deadline.hit
    assert 3500 < deadline.left() <= 3600
    deadline.note_status("optimal")
    deadline.note_status("interrupted")  # a work limit, not the clock
    assert not deadline.hit
    deadline.note_status("time_limit")
    assert deadline.hit
    past = Deadline(time.perf_counter() - 1.0)
    assert past.left() < 0
    assert past.passed() and past.hit


def test_deadline_affords_only_steps_that_fit_and_records_a_skip():
    deadline = Deadline(time.perf_counter() + 3600)
    assert deadline.affords(60.0)
    assert not deadline.hit
    assert not deadline.affords(7200.0)
    assert deadline.hit


class _Clock:
    """A stand-in for ``time.perf_counter``: counts its calls, and moves ``step`` a call."""

    def __init__(self, step: float, real: bool = False) -> None:
        self.step, self.real, self.calls, self.now = step, real, 0, 1000.0
        self._perf_counter = time.perf_counter

    def __call__(self) -> float:
        self.calls += 1
        if self.real:
            return self._perf_counter()
        self.now += self.step
        return self.now


FIELDS = ("open_sites", "objective", "bound", "gap", "solver", "method", "status", "iterations")


def _case(brute, monkeypatch, case):
    """A problem whose solve passes through many clock checks (enumeration off)."""
    monkeypatch.setattr(_enumerate, "ENUMERATION_BUDGET", 0)
    if case == "pmedian probing":
        return brute.drawn("pmedian", 8), "pmedian"
    if case == "max_coverage quick MIP":
        return brute.drawn("max_coverage", 15), "max_coverage"
    if case == "pcenter greedy":  # greedy covers decide every radius: no clock reading inside
        return brute.problem(40, 10, seed=4, p=3, unreachable=0.1), "pcenter"
    if case == "pcenter bisection":  # HiGHS decides some of the radii
        drawn = brute.drawn("pmedian", 3)
        problem = Problem(
            weights=drawn.weights, costs=drawn.costs, site_ids=drawn.site_ids, p=drawn.p
        )
        return problem, "pcenter"
    if case == "capacities":
        problem = brute.problem(12, 6, seed=3, p=2)
        caps = np.full(6, 0.6 * problem.weights.sum())
        monkeypatch.setattr(_capacity, "SUBSET_LIMIT", 0)
        return Problem(**{**vars(problem), "capacities": caps}), "pmedian"
    return brute.problem(
        30, 10, seed=4, limit=15.0, coverage_share=0.8, float_weights=True
    ), "set_cover"


CASES = [
    "pmedian probing",
    "max_coverage quick MIP",
    "pcenter greedy",
    "pcenter bisection",
    "capacities",
    "set cover",
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("used", [0.5, 0.95])
def test_a_slow_machine_gives_the_same_solution(brute, monkeypatch, case, used):
    """The clock made to run fast (each reading ``used`` x time_limit / readings later than
    the last), as on a loaded machine: until the deadline itself the path and every field of
    the solution stay the same."""
    problem, model = _case(brute, monkeypatch, case)
    counting = _Clock(0.0, real=True)
    monkeypatch.setattr(time, "perf_counter", counting)
    normal = solve(problem, model=model, method="exact", time_limit=60)
    assert normal.status == "optimal"
    slow = _Clock(used * 60 / counting.calls)
    monkeypatch.setattr(time, "perf_counter", slow)
    slowed = solve(problem, model=model, method="exact", time_limit=60)
    assert slow.calls == counting.calls
    assert slow.now - 1000.0 <= 60
    for field in (*FIELDS, "path"):
        assert getattr(slowed, field) == getattr(normal, field), field
    assert np.array_equal(slowed.assignment, normal.assignment)


@pytest.mark.parametrize("case", CASES)
def test_meeting_the_time_limit_is_reported(brute, monkeypatch, caplog, case):
    """The clock made to pass the deadline about halfway through: the solve says so."""
    problem, model = _case(brute, monkeypatch, case)
    counting = _Clock(0.0, real=True)
    monkeypatch.setattr(time, "perf_counter", counting)
    solve(problem, model=model, method="exact", time_limit=60)
    # the first reading sets the deadline, the last but one is the check after the search
    monkeypatch.setattr(time, "perf_counter", _Clock(61 / max(1, (counting.calls - 2) // 2)))
    try:
        sol = solve(problem, model=model, method="exact", time_limit=60)
    except SolverError as exc:  # nothing found in time is also a report
        assert "time limit" in str(exc)
        return
    assert sol.status == "time_limit"
    assert "the 60 s time limit stopped part of the solve" in caplog.text


def test_a_tiny_time_limit_is_reported(brute, monkeypatch):
    problem, model = _case(brute, monkeypatch, "pmedian probing")
    sol = solve(problem, model=model, method="exact", time_limit=1e-9)
    assert sol.status == "time_limit"
    assert sol.path in PATHS
    assert sol.bound <= brute.optimum(problem, model) + 1e-9
