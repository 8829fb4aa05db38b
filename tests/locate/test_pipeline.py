"""The solve pipeline of assignment cores (p-median, maximal coverage) on its exact and heuristic paths."""

import pytest

import gateway_planner.settings as gps
from gateway_planner.locate import _pipeline, solve


def test_exact_path_through_highs_is_deterministic_and_optimal(
    problem_factory, brute_force, median_value, monkeypatch
):
    monkeypatch.setattr(_pipeline, "ENUMERATION_BUDGET", 0)
    monkeypatch.setattr(_pipeline, "LAGRANGIAN_STEPS_EXACT", 1)
    monkeypatch.setattr(_pipeline, "LAGRANGIAN_STEPS_FIRST", 1)
    problem = problem_factory(40, 10, seed=21, p=4)
    best, _ = brute_force(10, 4, (), lambda s: median_value(problem, s))
    a = solve(problem, method="exact")
    b = solve(problem, method="exact")
    assert a.objective == pytest.approx(best)
    assert a.status == "optimal"
    assert "HiGHS" in a.solver
    for field in ("open_sites", "objective", "bound", "gap", "solver", "status", "iterations"):
        assert getattr(a, field) == getattr(b, field)


def test_solver_iterations_report_their_progress(problem_factory, monkeypatch):
    """VNS rounds and subgradient steps reach settings.progress, and every task finishes."""
    monkeypatch.setattr(_pipeline, "ENUMERATION_BUDGET", 0)
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
