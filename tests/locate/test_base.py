"""The shared base: one constructor path, one solve signature, the same Solution fields."""

import inspect
import typing

import numpy as np
import pytest

from gateway_planner.locate import LocationModel, PCenter, PMedian, Problem, solve
from gateway_planner.locate.base import SolveOptions


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
