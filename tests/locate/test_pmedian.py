import numpy as np
import pytest
import scipy.sparse as sp

from gateway_planner.errors import InfeasibleError
from gateway_planner.locate import PMedian, Problem, solve


@pytest.mark.parametrize("method", ["exact", "heuristic", "auto"])
@pytest.mark.parametrize(("p", "fixed"), [(1, ()), (2, ()), (3, ()), (2, (4,)), (3, (4, 7))])
def test_pmedian_matches_brute_force(problem_factory, brute_force, median_value, method, p, fixed):
    problem = problem_factory(25, 9, seed=3, fixed=fixed, p=p)
    best, sites = brute_force(9, p, fixed, lambda s: median_value(problem, s))
    sol = solve(problem, model="pmedian", method=method, time_limit=20)
    assert sol.objective == pytest.approx(best)
    assert tuple(sol.open_index) == sites
    assert set(fixed) <= set(sol.open_index)
    assert sol.model == "pmedian"
    assert sol.open_sites == tuple(f"s{j}" for j in sites)
    if method != "heuristic":
        assert sol.method == "exact"
        assert sol.status == "optimal"
        assert sol.gap == 0.0
        assert sol.path == "enumeration"
    assert sol.bound <= best + 1e-9  # the true optimum, not the objective


def test_pmedian_with_unreachable_pairs(problem_factory, brute_force, median_value):
    problem = problem_factory(30, 8, seed=5, unreachable=0.25, p=3)
    best, _ = brute_force(8, 3, (), lambda s: median_value(problem, s))
    sol = solve(problem, method="exact")
    assert sol.objective == pytest.approx(best)
    assert np.isfinite(sol.objective)
    d = np.asarray(problem.costs)
    served = sol.assignment >= 0
    assert np.all(np.isfinite(d[np.flatnonzero(served), sol.assignment[served]]))


def test_assignment_is_nearest_open_site_lowest_index_on_ties():
    costs = np.array([[5.0, 5.0, 9.0], [1.0, 2.0, 0.0], [3.0, 3.0, 3.0]])
    problem = Problem(weights=np.array([1.0, 1.0, 0.0]), costs=costs, site_ids=("a", "b", "c"), p=3)
    sol = solve(problem)
    assert sol.assignment.tolist() == [0, 2, 0]


def test_fixed_site_kept_even_when_useless():
    costs = np.array([[1.0, 50.0, 2.0], [1.0, 50.0, 2.0]])
    problem = Problem(weights=np.ones(2), costs=costs, site_ids=("a", "b", "c"), fixed=(1,), p=2)
    sol = solve(problem)
    assert sol.open_sites == ("a", "b")
    assert sol.objective == pytest.approx(2.0)


def test_allow_closing_lets_existing_site_go():
    costs = np.array([[1.0, 50.0, 2.0], [5.0, 50.0, 2.0]])
    kept = Problem(weights=np.ones(2), costs=costs, site_ids=("a", "b", "c"), fixed=(1,), p=2)
    assert solve(kept).open_sites == ("b", "c")
    freed = Problem(
        weights=np.ones(2),
        costs=costs,
        site_ids=("a", "b", "c"),
        fixed=(1,),
        p=2,
        allow_closing=True,
    )
    sol = solve(freed)
    assert sol.open_sites == ("a", "c")
    assert sol.objective == pytest.approx(3.0)


def test_no_choice_left_is_evaluated_directly():
    costs = np.array([[1.0, 4.0], [3.0, 2.0]])
    problem = Problem(
        weights=np.array([2.0, 1.0]), costs=costs, site_ids=("a", "b"), fixed=(0,), p=1
    )
    sol = solve(problem)
    assert sol.objective == pytest.approx(2 * 1 + 3)
    assert sol.status == "optimal"
    assert sol.path == "direct"


def test_sparse_costs_explicit_zero_is_reachable(make_costs):
    dense = make_costs(20, 6, seed=11)
    dense[0, 2] = 0.0
    cutoff = np.where(dense <= 30, dense, np.inf)
    rows, cols = np.nonzero(np.isfinite(cutoff))
    sparse = sp.csr_array((cutoff[rows, cols], (rows, cols)), shape=dense.shape)
    assert sparse[0, 2] == 0 and 2 in sparse.indices[sparse.indptr[0] : sparse.indptr[1]]
    kw = {"weights": np.ones(20), "site_ids": tuple("abcdef"), "p": 3, "unserved_cost": 100.0}
    sol_d = solve(Problem(costs=cutoff, **kw), method="exact")
    sol_s = solve(Problem(costs=sparse, **kw), method="exact")
    assert sol_s.open_sites == sol_d.open_sites
    assert sol_s.objective == pytest.approx(sol_d.objective)
    assert sol_s.assignment[0] == 2 or dense[0, sol_s.assignment[0]] == 0.0


def test_unserved_cost_charges_cells_beyond_reach():
    costs = np.array([[1.0, np.inf], [np.inf, 1.0], [np.inf, np.inf]])
    problem = Problem(weights=np.ones(3), costs=costs, site_ids=("a", "b"), p=1, unserved_cost=10.0)
    sol = solve(problem)
    assert sol.objective == pytest.approx(1 + 10 + 10)
    assert sol.assignment[2] == -1


def test_infeasible_when_no_p_sites_reach_every_cell():
    costs = np.array([[1.0, np.inf, np.inf], [np.inf, 1.0, np.inf], [np.inf, np.inf, 1.0]])
    problem = Problem(weights=np.ones(3), costs=costs, site_ids=("a", "b", "c"), p=2)
    with pytest.raises(
        InfeasibleError, match=r"no choice of 2 site\(s\).*leaves 1 cell\(s\) unreachable: row 2"
    ):
        solve(problem, method="exact")


def test_same_inputs_same_solution(problem_factory):
    problem = problem_factory(60, 20, seed=8, p=5)
    a = PMedian.from_problem(problem).solve(method="heuristic", seed=4)
    b = PMedian.from_problem(problem).solve(method="heuristic", seed=4)
    for field in ("open_sites", "objective", "bound", "gap", "solver", "status", "iterations"):
        assert getattr(a, field) == getattr(b, field)
    assert np.array_equal(a.assignment, b.assignment)


def test_from_cost_matrix_builds_the_same_model():
    costs = np.array([[1.0, 4.0, 6.0], [5.0, 1.0, 2.0], [6.0, 3.0, 1.0]])
    sol = PMedian.from_cost_matrix(costs, np.array([1.0, 1.0, 2.0]), p=2, fixed=(0,)).solve()
    assert sol.open_sites == ("0", "2")
    assert sol.objective == pytest.approx(1 + 2 + 2)
