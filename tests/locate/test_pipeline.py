"""The solve pipeline of assignment cores (p-median, maximal coverage).

Every exact path is exercised with enumeration off and the default settings otherwise, on
seeded random instances, each checked against the tests' own brute force (the true optimum,
not the solver's objective) and each asserting which branch fired (``Solution.path``).
Branches that small instances do not reach with the default settings are reached through one
documented switch each: ``QUICK_MIP_NODES = 0`` (maximal coverage's quick MIP stops at once,
so probing runs),
the heuristic finding nothing (the MIP on the whole problem), ``EXACT_MAX_NNZ = 0`` with
``QUICK_MIP_NNZ = 0`` ("auto" keeps the heuristic on a model too big for HiGHS).
"""

import numpy as np
import pytest

import gateway_planner.settings as gps
from gateway_planner.errors import InfeasibleError, SolverError
from gateway_planner.locate import _pipeline, heuristics, solve

# (model, seed of conftest.drawn_problem, expected path), default settings but enumeration
DEFAULT_CASES = [
    ("pmedian", 0, "bound_meets"),  # every cell must be served
    ("pmedian", 4, "bound_meets"),  # with an unserved cost
    ("pmedian", 347, "fixing"),
    ("pmedian", 6, "probing"),
    ("pmedian", 28, "probing"),  # with an unserved cost
    ("pmedian", 8, "probing_mip"),
    ("pmedian", 18, "probing_mip"),  # with an unserved cost
    ("max_coverage", 1, "bound_meets"),  # step credit
    ("max_coverage", 0, "bound_meets"),  # linear decay
    ("max_coverage", 209, "fixing"),  # step
    ("max_coverage", 5, "quick_mip"),  # step
    ("max_coverage", 15, "quick_mip"),  # linear
]
# maximal coverage with its quick MIP stopped at once by the node limit: probing, then HiGHS
PROBING_CASES = [
    ("max_coverage", 134, "probing"),  # step
    ("max_coverage", 565, "probing"),  # linear
    ("max_coverage", 5, "probing_mip"),  # step
    ("max_coverage", 15, "probing_mip"),  # linear
    ("max_coverage", 626, "mip_infeasible"),  # step, integral: the fixings leave 2 of 3 sites
]


@pytest.mark.parametrize(("model", "seed", "path"), DEFAULT_CASES)
def test_default_exact_paths_match_brute_force(brute, no_enumeration, model, seed, path):
    problem = brute.drawn(model, seed)
    sol = solve(problem, model=model, method="exact")
    assert sol.path == path
    brute.assert_proven(problem, sol, model)


@pytest.mark.parametrize(("model", "seed", "path"), PROBING_CASES)
def test_probing_paths_match_brute_force(brute, no_enumeration, monkeypatch, model, seed, path):
    monkeypatch.setattr(_pipeline, "QUICK_MIP_NODES", 0)
    problem = brute.drawn(model, seed)
    sol = solve(problem, model=model, method="exact")
    assert sol.path == path
    brute.assert_proven(problem, sol, model)
    assert "probing" in sol.solver


@pytest.mark.parametrize(
    ("model", "kw", "seed"),
    [
        ("pmedian", {"unserved_cost": 70.0, "unreachable": 0.1}, 5),
        ("pmedian", {}, 3),
        ("max_coverage", {"limit": 6.0}, 20),
    ],
)
def test_many_sites_to_choose_go_straight_to_the_radius_mip(brute, no_enumeration, model, kw, seed):
    """With more than PROBE_MAX_K sites to choose there is no probing (k = 22 of 25 here)."""
    problem = brute.problem(150, 25, seed=seed, p=22, float_weights=True, **kw)
    sol = solve(problem, model=model, method="exact")
    assert sol.path == "radius_mip"
    brute.assert_proven(problem, sol, model)


@pytest.mark.parametrize(
    ("model", "seed", "path"),
    [("pmedian", 123, "fixing"), ("max_coverage", 379, "fixing"), ("max_coverage", 157, "probing")],
)
def test_the_one_choice_fixings_leave_beats_a_poor_incumbent(
    brute, no_enumeration, monkeypatch, model, seed, path
):
    """Greedy alone (no interchange, no VNS) leaves an incumbent worse than the optimum; the
    fixings against it leave one choice, which must be taken (not the incumbent)."""
    monkeypatch.setattr(_pipeline, "QUICK_MIP_NODES", 0)
    monkeypatch.setattr(heuristics, "interchange_median", lambda sc, s, f, **kw: (s.copy(), 0))
    monkeypatch.setattr(heuristics, "vns_median", lambda sc, s, f, **kw: (s.copy(), 0))
    problem = brute.drawn(model, seed)
    sol = solve(problem, model=model, method="exact")
    assert sol.path == path
    brute.assert_proven(problem, sol, model)


@pytest.mark.parametrize(("model", "seed"), [("pmedian", 0), ("pmedian", 4), ("max_coverage", 5)])
def test_mip_on_the_whole_problem_when_the_heuristic_finds_nothing(
    brute, no_enumeration, monkeypatch, model, seed
):
    monkeypatch.setattr(_pipeline, "_search", lambda core, request, *, thorough: None)
    problem = brute.drawn(model, seed)
    sol = solve(problem, model=model, method="exact")
    assert sol.path == "full_mip"
    brute.assert_proven(problem, sol, model)


def test_infeasible_when_brute_force_finds_no_choice(brute, no_enumeration):
    problem = brute.drawn("pmedian", 5)
    assert brute.optimum(problem, "pmedian") == np.inf
    with pytest.raises(InfeasibleError, match="HiGHS proved it infeasible"):
        solve(problem, method="exact")
    with pytest.raises(SolverError, match="the heuristic found no 2 sites"):
        solve(problem, method="heuristic")


@pytest.mark.parametrize(("model", "seed"), [("pmedian", 8), ("max_coverage", 5)])
def test_auto_keeps_the_heuristic_when_the_model_is_too_big(
    brute, no_enumeration, monkeypatch, model, seed
):
    # a model too big for "auto" (EXACT_MAX_NNZ) is also too big for the quick MIP
    monkeypatch.setattr(_pipeline, "EXACT_MAX_NNZ", 0)
    monkeypatch.setattr(_pipeline, "QUICK_MIP_NNZ", 0)
    problem = brute.drawn(model, seed)
    best = brute.optimum(problem, model)
    sol = solve(problem, model=model, method="auto")
    assert (sol.path, sol.method, sol.status) == ("heuristic", "heuristic", "local_optimum")
    low, high = (sol.bound, sol.objective) if model == "pmedian" else (sol.objective, sol.bound)
    assert low <= best + 1e-9 <= high + 2e-9
    assert sol.gap > 0


@pytest.mark.parametrize("model", ["pmedian", "max_coverage"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 6, 7, 8])  # 5 has no feasible p-median
def test_heuristic_bound_brackets_the_true_optimum(brute, model, seed):
    problem = brute.drawn(model, seed)
    best = brute.optimum(problem, model)
    assert np.isfinite(best)
    sol = solve(problem, model=model, method="heuristic")
    assert sol.path in ("heuristic", "bound_meets")
    low, high = (sol.bound, sol.objective) if model == "pmedian" else (sol.objective, sol.bound)
    tol = 1e-7 * max(1.0, abs(best))
    assert low <= best + tol
    assert best <= high + tol


def test_exact_path_through_highs_is_deterministic_and_optimal(
    brute, median_value, monkeypatch, no_enumeration
):
    # a weak bound and no probing leave the work to HiGHS
    monkeypatch.setattr(_pipeline, "LAGRANGIAN_STEPS_EXACT", 1)
    monkeypatch.setattr(_pipeline, "LAGRANGIAN_STEPS_FIRST", 1)
    monkeypatch.setattr(_pipeline, "PROBE_BUDGET", 0)
    problem = brute.problem(40, 10, seed=21, p=4)
    best, _ = brute.force(10, 4, (), lambda s: median_value(problem, s))
    a = solve(problem, method="exact")
    b = solve(problem, method="exact")
    assert a.objective == pytest.approx(best)
    assert a.status == "optimal"
    assert "HiGHS" in a.solver
    for field in ("open_sites", "objective", "bound", "gap", "solver", "status", "iterations"):
        assert getattr(a, field) == getattr(b, field)
    assert a.path == b.path == "probing_mip"


def test_solver_iterations_report_their_progress(problem_factory, monkeypatch, no_enumeration):
    """VNS rounds and subgradient steps reach settings.progress, and every task finishes."""
    calls = []
    monkeypatch.setattr(
        gps, "progress", lambda task, done, total: calls.append((task, done, total))
    )
    solve(problem_factory(60, 15, seed=4, p=4), method="heuristic", seed=0)
    tasks = {task for task, _, _ in calls}
    assert {"solver: neighbourhood search", "solver: Lagrangian bound"} <= tasks
    for task in tasks:
        ticks = [(d, t) for name, d, t in calls if name == task]
        assert [d for d, _ in ticks] == sorted(d for d, _ in ticks)
        assert ticks[-1][0] == ticks[-1][1]  # the last report closes the bar
