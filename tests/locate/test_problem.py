import numpy as np
import pytest
import scipy.sparse as sp

from gateway_planner.errors import InputError
from gateway_planner.locate import Problem, solve, validate_problem


def _problem(**kw) -> Problem:
    base = {
        "weights": np.array([1.0, 2.0, 3.0]),
        "costs": np.array([[1.0, 2.0, 3.0], [2.0, 1.0, 3.0], [3.0, 2.0, 1.0]]),
        "site_ids": ("a", "b", "c"),
        "p": 2,
    }
    base.update(kw)
    return Problem(**base)


def test_valid_problem_passes():
    validate_problem(_problem())
    _problem().check(model="pcenter")


def test_p_larger_than_candidates():
    with pytest.raises(InputError, match=r"p = 3 is larger than the 2 candidate sites"):
        validate_problem(_problem(p=3, candidates=(0, 1)))


def test_fixed_sites_not_among_the_sites():
    with pytest.raises(
        InputError, match=r"site indices \[3, 7\] are not among the 3 sites \(0..2\)"
    ):
        validate_problem(_problem(fixed=(3, 7)))


def test_fixed_sites_not_among_candidates():
    with pytest.raises(
        InputError, match=r"fixed sites \['c'\] \(1 in all\) are not among the candidates"
    ):
        validate_problem(_problem(fixed=(2,), candidates=(0, 1)))


def test_p_below_kept_sites():
    with pytest.raises(InputError, match=r"p = 1 is smaller than the 2 existing sites kept open"):
        validate_problem(_problem(p=1, fixed=(0, 1)))
    validate_problem(_problem(p=1, fixed=(0, 1), allow_closing=True))


def test_every_problem_is_reported_at_once():
    costs = np.array([[1.0, np.nan, 3.0], [2.0, -1.0, 3.0], [3.0, 2.0, 1.0]])
    with pytest.raises(InputError) as info:
        validate_problem(
            _problem(weights=np.array([1.0, np.nan, -2.0]), costs=costs, cell_ids=("x", "y", "z"))
        )
    text = str(info.value)
    assert "2 problem(s)" in text
    assert "2 weights are NaN, infinite or negative (cells y, z)" in text
    assert "costs hold 1 NaN and 1 negative minutes" in text
    assert "field" not in text or "weights, costs" in text


def test_shape_mismatch():
    with pytest.raises(
        InputError, match=r"costs has shape \(3, 2\), expected \(n_cells, n_sites\) = \(3, 3\)"
    ):
        validate_problem(_problem(costs=np.ones((3, 2))))


def test_sparse_nan_is_caught():
    costs = sp.csr_array(np.array([[1.0, 0.0, 0.0], [np.nan, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    with pytest.raises(InputError, match=r"costs hold 1 NaN"):
        validate_problem(_problem(costs=costs))


def test_cell_unreachable_from_every_candidate():
    costs = np.array([[1.0, 2.0, np.inf], [np.inf, np.inf, 3.0], [3.0, 2.0, 1.0]])
    problem = _problem(costs=costs, candidates=(0, 1), cell_ids=("c0", "c1", "c2"))
    with pytest.raises(
        InputError,
        match=r"1 cell\(s\) of positive weight \(2 of 6 demand\) are unreachable from every candidate site: c1",
    ):
        validate_problem(problem)
    validate_problem(_problem(costs=costs, candidates=(0, 1), weights=np.array([1.0, 0.0, 3.0])))
    validate_problem(_problem(costs=costs, candidates=(0, 1), unserved_cost=60.0))


def test_unknown_model_and_method():
    with pytest.raises(InputError, match=r"unknown model 'median'"):
        solve(_problem(), model="median")
    with pytest.raises(InputError, match=r"method 'fast' is not one of auto, exact, heuristic"):
        solve(_problem(), method="fast")
    with pytest.raises(InputError, match=r"time_limit = 0 must be a positive number"):
        solve(_problem(), time_limit=0)


def test_capacities_only_for_pmedian():
    with pytest.raises(
        InputError, match=r"capacities apply to the p-median model only, not pcenter"
    ):
        validate_problem(_problem(capacities=np.array([1.0, 1.0, 1.0])), model="pcenter")


def test_solution_summary_has_no_wall_time():
    sol = solve(_problem())
    summary = sol.summary()
    assert "seconds" not in summary
    assert summary["open_sites"] == list(sol.open_sites)


def test_cell_names_list_ten_then_count_the_rest():
    problem = _problem(cell_ids=("x", "y", "z"))
    assert problem.cell_names(np.array([2, 0])) == "z, x"
    many = Problem(weights=np.ones(13), costs=np.ones((13, 1)), site_ids=("a",), p=1)
    names = many.cell_names(np.arange(13))
    assert names == ", ".join(f"row {i}" for i in range(10)) + " and 3 more"


def test_sparse_cell_without_a_candidate_entry_is_unreachable():
    # row 1 reaches only site 2 (not a candidate); an explicit 0 keeps row 0 reachable
    costs = sp.csr_array(
        (np.array([0.0, 4.0, 2.0]), np.array([0, 2, 1]), np.array([0, 1, 2, 3])), shape=(3, 3)
    )
    problem = _problem(costs=costs, candidates=(0, 1), cell_ids=("c0", "c1", "c2"))
    with pytest.raises(InputError, match=r"1 cell\(s\) of positive weight \(2 of 6 demand\).*: c1"):
        validate_problem(problem)
    validate_problem(_problem(costs=costs, candidates=(0, 1, 2)))
