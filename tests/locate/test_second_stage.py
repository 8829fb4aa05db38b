"""The p-center's lexicographic second stage (locate/_second_stage.py) against brute force: among
every set of p sites reaching the optimal radius, the least demand-weighted total journey."""

import itertools

import numpy as np
import pytest

from gateway_planner.locate import PCenter, Problem, solve


def _lexicographic(brute, problem: Problem) -> tuple[float, float]:
    """(optimal radius, least total journey among the p-sets reaching it), by brute force."""
    fixed = set(problem.fixed)
    keys = []
    for subset in itertools.combinations(range(problem.n_sites), int(problem.p)):
        if fixed <= set(subset):
            keys.append((brute.center(problem, list(subset)), brute.median(problem, list(subset))))
    radius = min(k[0] for k in keys)
    tol = 1e-9 * max(1.0, abs(radius))
    return radius, min(total for worst, total in keys if worst <= radius + tol)


def _pcenter(drawn: Problem, **kw) -> Problem:
    return Problem(
        weights=drawn.weights, costs=drawn.costs, site_ids=drawn.site_ids, p=drawn.p, **kw
    )


@pytest.mark.parametrize("enumerate_first", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("seed", "fixed"), [(0, ()), (1, ()), (2, ()), (3, (1,)), (6, (0, 4))])
def test_second_stage_matches_brute_force(
    brute, monkeypatch, enumerate_first, weighted, seed, fixed
):
    if not enumerate_first:
        from gateway_planner.locate import _enumerate

        monkeypatch.setattr(_enumerate, "ENUMERATION_BUDGET", 0)
    problem = _pcenter(brute.drawn("pmedian", seed), fixed=fixed, weighted_center=weighted)
    radius, total = _lexicographic(brute, problem)
    sol = solve(problem, model="pcenter", method="exact")
    assert sol.objective == pytest.approx(radius, rel=1e-9)
    assert sol.open_index.size == problem.p
    assert set(fixed) <= set(sol.open_index)
    assert sol.second_objective == pytest.approx(total, rel=1e-9)
    assert brute.median(problem, list(sol.open_index)) == pytest.approx(total, rel=1e-9)
    assert sol.second_bound <= total + 1e-7 * max(1.0, total)
    assert sol.second_gap == 0.0
    assert "least weighted total" in sol.solver
    assert sol.summary()["second_objective"] == sol.second_objective


def test_exactly_p_sites_when_fewer_reach_the_radius(no_enumeration):
    # one far cell (row 0) sets the radius at 30 whatever opens; a single site covers the
    # rest within it, but p = 3 sites are paid for: all three open, the two others where
    # they shorten the most journeys (sites 2 and 3 serve rows 2-3 and 4-5 at 1 minute)
    costs = np.array(
        [
            [30.0, 40.0, 40.0, 40.0, 40.0],
            [5.0, 1.0, 9.0, 9.0, 9.0],
            [5.0, 9.0, 1.0, 9.0, 9.0],
            [5.0, 9.0, 1.0, 9.0, 9.0],
            [5.0, 9.0, 9.0, 1.0, 9.0],
            [5.0, 9.0, 9.0, 1.0, 9.0],
        ]
    )
    weights = np.array([1.0, 1.0, 2.0, 2.0, 3.0, 3.0])
    problem = Problem(weights=weights, costs=costs, site_ids=tuple("abcde"), p=3)
    sol = solve(problem, model="pcenter", method="exact")
    assert sol.objective == 30.0
    assert sol.open_sites == ("a", "c", "d")
    assert sol.second_objective == 30.0 + 5.0 + 2 * 2 * 1.0 + 2 * 3 * 1.0
    assert sol.second_gap == 0.0


@pytest.mark.parametrize("seed", [9, 10])
def test_heuristic_opens_p_sites_with_a_valid_second_bound(brute, seed):
    problem = brute.problem(40, 10, seed=seed, p=3)
    radius, total = _lexicographic(brute, problem)
    sol = PCenter.from_problem(problem).solve(method="heuristic")
    assert sol.open_index.size == 3
    assert sol.objective >= radius - 1e-9
    assert sol.second_bound <= sol.second_objective + 1e-9
    if sol.objective == pytest.approx(radius):
        assert sol.second_bound <= total + 1e-9


def test_other_models_have_no_second_stage(brute):
    problem = brute.problem(20, 6, seed=1, p=2)
    sol = solve(problem, model="pmedian")
    assert sol.second_objective is None
    assert sol.second_gap is None
    assert "second_objective" not in sol.summary()
