import numpy as np
import pytest
import scipy.sparse as sp

from gateway_planner.errors import InfeasibleError
from gateway_planner.locate import PCenter, Problem, _enumerate, solve


def _worst(problem: Problem, sites: list[int]) -> float:
    w = np.asarray(problem.weights)
    d = np.asarray(problem.costs)[:, sites].min(axis=1)
    if problem.weighted_center:
        d = d * w
    return float(d[w > 0].max())


@pytest.mark.parametrize("enumerate_first", [True, False])
@pytest.mark.parametrize(
    ("p", "fixed", "weighted"), [(1, (), False), (2, (), False), (3, (1,), False), (3, (), True)]
)
def test_pcenter_matches_brute_force(
    problem_factory, brute_force, monkeypatch, enumerate_first, p, fixed, weighted
):
    if not enumerate_first:
        monkeypatch.setattr(_enumerate, "ENUMERATION_BUDGET", 0)
    problem = problem_factory(
        40,
        10,
        seed=4,
        unreachable=0.1 if p > 1 else 0.0,
        fixed=fixed,
        p=p,
        weighted_center=weighted,
    )
    best, _ = brute_force(10, p, fixed, lambda s: _worst(problem, s))
    sol = solve(problem, model="pcenter", method="exact")
    assert sol.objective == pytest.approx(best)
    assert sol.status == "optimal"
    assert sol.gap == 0.0
    assert sol.bound <= best + 1e-9
    assert set(fixed) <= set(sol.open_index)
    assert sol.path == ("enumeration" if enumerate_first else "bisection")


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("seed", "fixed"), [(0, ()), (1, ()), (2, ()), (3, (1,)), (6, (0, 4))])
def test_pcenter_bisection_matches_brute_force(brute, no_enumeration, weighted, seed, fixed):
    drawn = brute.drawn("pmedian", seed)  # any size, p, reach and weights
    problem = Problem(
        weights=drawn.weights,
        costs=drawn.costs,
        site_ids=drawn.site_ids,
        p=drawn.p,
        fixed=fixed,
        weighted_center=weighted,
    )
    sol = solve(problem, model="pcenter", method="exact")
    assert sol.path == "bisection"
    brute.assert_proven(problem, sol, "pcenter")


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("seed", [9, 10, 11])
def test_pcenter_heuristic_reports_a_valid_bound(problem_factory, brute_force, weighted, seed):
    problem = problem_factory(40, 10, seed=seed, p=3, weighted_center=weighted)
    best, _ = brute_force(10, 3, (), lambda s: _worst(problem, s))
    sol = PCenter.from_problem(problem).solve(method="heuristic")
    assert sol.bound <= best + 1e-9 <= sol.objective + 1e-9
    assert sol.method == "heuristic"
    assert sol.path == "heuristic"


def test_pcenter_bisection_polishes_the_total(no_enumeration):
    # the worst cell (row 0) fixes the radius at 10 whatever else opens; the second site
    # should then serve the others best (site 2, not site 3)
    costs = np.array(
        [
            [10.0, 50.0, 50.0, 50.0],
            [50.0, 9.0, 1.0, 8.0],
            [50.0, 9.0, 1.0, 8.0],
            [50.0, 50.0, 50.0, 50.0 - 45.0],
        ]
    )
    problem = Problem(weights=np.ones(4), costs=costs, site_ids=("a", "b", "c", "d"), p=3)
    sol = solve(problem, model="pcenter", method="exact")
    assert sol.objective == 10.0
    assert sol.open_sites == ("a", "c", "d")


def test_pcenter_infeasible_when_cells_cannot_all_be_reached():
    costs = np.array([[1.0, np.inf, np.inf], [np.inf, 1.0, np.inf], [np.inf, np.inf, 1.0]])
    problem = Problem(weights=np.ones(3), costs=costs, site_ids=("a", "b", "c"), p=2)
    with pytest.raises(
        InfeasibleError,
        match=r"no choice of 2 sites reaches every cell.*1 cell\(s\) stay unreachable",
    ):
        solve(problem, model="pcenter")


def test_pcenter_without_demand_opens_lowest_indices():
    costs = np.array([[1.0, 2.0, 3.0], [2.0, 1.0, 3.0]])
    problem = Problem(weights=np.zeros(2), costs=costs, site_ids=("a", "b", "c"), fixed=(2,), p=2)
    sol = solve(problem, model="pcenter")
    assert sol.open_sites == ("a", "c")
    assert sol.objective == 0.0
    assert sol.path == "no_demand"


@pytest.mark.parametrize("fixed", [(0, 2), ()])
def test_pcenter_without_choice_is_evaluated_directly(fixed):
    costs = np.array([[1.0, 2.0, 3.0], [2.0, 1.0, 7.0]])
    p = 2 if fixed else 3
    problem = Problem(weights=np.ones(2), costs=costs, site_ids=("a", "b", "c"), fixed=fixed, p=p)
    sol = solve(problem, model="pcenter")
    assert sol.path == "direct"
    assert sol.objective == sol.bound == (2.0 if fixed else 1.0)


def test_pcenter_bisection_proves_infeasibility(no_enumeration):
    # every cell is reached by one site only, and the three sites they need exceed p = 2
    costs = np.full((6, 4), np.inf)
    for i in range(6):
        costs[i, i % 3] = 1.0 + i
    costs[:, 3] = np.where(np.arange(6) < 2, 4.0, np.inf)
    problem = Problem(weights=np.ones(6), costs=costs, site_ids=tuple("abcd"), p=2)
    with pytest.raises(InfeasibleError, match=r"no 2 open sites \(0 kept \+ 2 new\) can reach"):
        solve(problem, model="pcenter", method="exact")


@pytest.mark.parametrize("seed", range(12, 20))
def test_pcenter_bisection_on_sparse_costs_matches_brute_force(brute, no_enumeration, seed):
    drawn = brute.drawn("pmedian", seed)
    dense = np.asarray(drawn.costs)
    reach = np.nonzero(np.isfinite(dense))
    sparse = sp.csr_array((dense[reach], reach), shape=dense.shape)
    problem = Problem(weights=drawn.weights, costs=sparse, site_ids=drawn.site_ids, p=drawn.p)
    dense_problem = Problem(weights=drawn.weights, costs=dense, site_ids=drawn.site_ids, p=drawn.p)
    sol = solve(problem, model="pcenter", method="exact")
    assert sol.path == "bisection"
    assert sol.open_index.size == drawn.p
    brute.assert_proven(dense_problem, sol, "pcenter")
