"""The Lagrangian branch and bound of the p-median, against brute force."""

import numpy as np
import pytest

from gateway_planner.locate import _pipeline, solve
from gateway_planner.locate._lagrangian_tree import _branch_site, lagrangian_tree
from gateway_planner.locate._sorted import SortedCosts
from gateway_planner.locate.bounds import lagrangian_median


def _dense(problem):
    d = np.asarray(problem.costs)
    w = np.asarray(problem.weights)
    keep = w > 0
    return (w[keep, None] * d[keep]).astype(float)


@pytest.mark.parametrize("seed", range(8))
def test_tree_from_a_poor_incumbent_proves_the_brute_force_optimum(brute, seed):
    problem = brute.problem(25, 10, seed=seed, p=3 + seed % 2, fixed=(2,) if seed % 3 == 0 else ())
    sc = SortedCosts.of(_dense(problem))
    m, p = problem.n_sites, int(problem.p)
    forced = np.zeros(m, dtype=bool)
    forced[list(problem.fixed)] = True
    poor = forced.copy()
    poor[[j for j in range(m - 1, -1, -1) if not forced[j]][: p - int(forced.sum())]] = True
    upper = sc.total(poor)
    lag = lagrangian_median(sc, forced, p, upper=upper, max_iter=50)
    tree = lagrangian_tree(
        sc,
        forced,
        np.ones(m, dtype=bool),
        p,
        is_open=poor,
        upper=upper,
        start=lag.multipliers,
        budget=np.inf,
    )
    best = brute.optimum(problem, "pmedian")
    assert tree.proven
    assert tree.value == pytest.approx(best)
    assert brute.median(problem, list(np.flatnonzero(tree.is_open))) == pytest.approx(best)
    assert int(tree.is_open.sum()) == p and bool(np.all(tree.is_open[forced]))


def test_tree_without_budget_proves_nothing_and_keeps_the_incumbent(brute):
    problem = brute.problem(25, 10, seed=3, p=3)
    sc = SortedCosts.of(_dense(problem))
    start = np.zeros(10, dtype=bool)
    start[:3] = True
    tree = lagrangian_tree(
        sc,
        np.zeros(10, dtype=bool),
        np.ones(10, dtype=bool),
        3,
        is_open=start,
        upper=sc.total(start),
        start=sc.kth(1),
        budget=0.0,
    )
    assert not tree.proven
    assert tree.nodes == 0
    assert np.array_equal(tree.is_open, start)


@pytest.mark.parametrize("seed", [8, 18, 50])
def test_pipeline_tree_matches_brute_force(brute, no_enumeration, monkeypatch, seed):
    """With the tree allowed on any size, these cases (probing_mip by default) are proven by it."""
    monkeypatch.setattr(_pipeline, "TREE_MIN_PAIRS", 0)
    problem = brute.drawn("pmedian", seed)
    sol = solve(problem, model="pmedian", method="exact")
    brute.assert_proven(problem, sol, "pmedian")
    assert sol.path == "lagrangian_tree"
    assert "Lagrangian branch and bound" in sol.solver


def test_the_tree_branches_on_the_shut_site_cheapest_to_open():
    rho = np.array([-5.0, -1.0, -3.0, -4.0, -2.0, 0.0])
    chosen = np.array([True, True, False, False, False, False])
    forced = np.zeros(6, dtype=bool)
    allowed = np.ones(6, dtype=bool)
    assert _branch_site(rho, forced, allowed, chosen) == 3  # shut, smallest rho
    allowed[3] = False
    assert _branch_site(rho, forced, allowed, chosen) == 2  # the next cheapest shut site
    # every free site chosen: the least attractive chosen one
    assert _branch_site(rho, forced, np.array([1, 1, 0, 0, 0, 0], bool), chosen) == 1
