"""Near-optimal alternatives against a brute-force ranking of every open set."""

import itertools

import numpy as np
import pytest
import scipy.optimize as so

from gateway_planner.errors import InfeasibleError, InputError
from gateway_planner.locate import Problem, solve
from gateway_planner.locate.alternatives import near_optimal


def _ranking(problem, value, sign=1.0):
    """(value, sites) of every p-subset holding the fixed sites, best first."""
    p = int(problem.p)
    scored = [
        (value(problem, list(s)), s)
        for s in itertools.combinations(range(problem.n_sites), p)
        if set(problem.fixed) <= set(s)
    ]
    scored = [(v, s) for v, s in scored if np.isfinite(v)]
    return sorted(scored, key=lambda vs: sign * vs[0])


def _expected(ranking, count, within, sign=1.0):
    best = ranking[0][0]
    limit = sign * best + within * max(abs(best), 1e-12)
    return [v for v, _ in ranking if sign * v <= limit + 1e-9 * max(1.0, abs(limit))][: count + 1]


def _check(problem, alts, ranking, value, count, within, sign=1.0):
    want = _expected(ranking, count, within, sign)
    got = [o.objective for o in alts.options]
    assert got == pytest.approx(want, rel=1e-9, abs=1e-9)
    assert alts.complete
    sets = [tuple(o.open_index.tolist()) for o in alts.options]
    assert len(set(sets)) == len(sets)  # distinct open sets
    top = alts.options[0]
    for rank, o in enumerate(alts.options, start=1):
        assert o.rank == rank and o.proven
        assert value(problem, list(o.open_index)) == pytest.approx(o.objective, rel=1e-9)
        assert set(problem.fixed) <= set(o.open_index.tolist())
        assert len(o.open_index) == problem.p
        assert o.gap == pytest.approx(abs(o.objective - top.objective) / abs(top.objective))
        assert o.gap <= within + 1e-9
        assert set(o.opens) == set(o.open_sites) - set(top.open_sites)
        assert set(o.closes) == set(top.open_sites) - set(o.open_sites)
        assert o.open_sites == tuple(problem.site_ids[j] for j in o.open_index)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 6])
@pytest.mark.parametrize(("count", "within"), [(5, 0.05), (3, 1.0), (8, 0.01)])
def test_pmedian_alternatives_are_the_brute_force_ranking(brute, seed, count, within):
    problem = brute.drawn("pmedian", seed)
    ranking = _ranking(problem, brute.median)
    alts = near_optimal(problem, model="pmedian", count=count, within=within)
    _check(problem, alts, ranking, brute.median, count, within)
    assert alts.options[0].objective == pytest.approx(brute.optimum(problem, "pmedian"))


def test_kept_existing_sites_stay_open_in_every_alternative(brute):
    problem = brute.problem(25, 9, seed=4, p=3, fixed=(2,))
    ranking = _ranking(problem, brute.median)
    alts = near_optimal(problem, model="pmedian", count=6, within=1.0)
    _check(problem, alts, ranking, brute.median, 6, 1.0)
    assert all(2 in o.open_index for o in alts.options)


def test_existing_sites_that_may_close_compete(brute):
    problem = brute.problem(25, 9, seed=4, p=3, fixed=(2,), allow_closing=True)
    free = Problem(
        weights=problem.weights, costs=problem.costs, site_ids=problem.site_ids, p=problem.p
    )
    ranking = _ranking(free, brute.median)
    alts = near_optimal(problem, model="pmedian", count=6, within=1.0)
    assert [o.objective for o in alts.options] == pytest.approx(
        _expected(ranking, 6, 1.0), rel=1e-9
    )
    assert any(2 not in o.open_index for o in alts.options)


@pytest.mark.parametrize("seed", range(4))
def test_max_coverage_alternatives_are_the_brute_force_ranking(brute, seed):
    problem = brute.drawn("max_coverage", seed)
    ranking = _ranking(problem, brute.coverage, sign=-1.0)
    alts = near_optimal(problem, model="max_coverage", count=4, within=0.1)
    _check(problem, alts, ranking, brute.coverage, 4, 0.1, sign=-1.0)


def _split_cost(problem, sites):
    """Transportation LP with scipy: least cost of serving all demand from ``sites``."""
    w = np.asarray(problem.weights)
    d = np.asarray(problem.costs)[:, sites]
    cap = np.asarray(problem.capacities)[sites]
    n, k = d.shape
    res = so.linprog(
        (w[:, None] * d).ravel(),
        A_ub=np.kron(np.ones(n), np.eye(k)) * np.repeat(w, k)[None, :],
        b_ub=cap,
        A_eq=np.kron(np.eye(n), np.ones(k)),
        b_eq=np.ones(n),
        bounds=(0, 1),
    )
    return res.fun if res.status == 0 else np.inf


def test_capacitated_alternatives_are_the_brute_force_ranking(brute):
    base = brute.problem(14, 6, seed=7, p=2)
    w = np.asarray(base.weights)
    caps = np.full(6, 0.55 * w.sum())
    caps[4] = 0.3 * w.sum()
    problem = Problem(
        weights=base.weights,
        costs=base.costs,
        site_ids=base.site_ids,
        p=2,
        capacities=caps,
        single_source=False,
    )
    ranking = _ranking(problem, _split_cost)
    alts = near_optimal(problem, model="pmedian", count=20, within=1.0)
    _check(problem, alts, ranking, _split_cost, 20, 1.0)
    assert len(alts.options) < 1 + 15  # the infeasible pairs (site 4 too small) are not listed


def test_count_zero_lists_the_best_alone_and_a_given_best_is_reused(brute):
    problem = brute.drawn("pmedian", 3)
    best = solve(problem, model="pmedian", method="exact")
    alts = near_optimal(problem, best=best, count=0)
    assert len(alts.options) == 1 and alts.solves == 0
    assert alts.options[0].objective == best.objective
    assert alts.options[0].opens == alts.options[0].closes == ()


def test_robustness_counts_the_options_opening_each_site(brute):
    problem = brute.drawn("pmedian", 6)
    alts = near_optimal(problem, count=4, within=1.0)
    counts = alts.robustness(problem.site_ids)
    assert list(counts) == list(problem.site_ids)
    for site, c in counts.items():
        assert c == sum(site in o.open_sites for o in alts.options)
    assert sum(counts.values()) == len(alts.options) * problem.p


def test_set_cover_and_negative_shares_are_refused(brute):
    problem = brute.drawn("pmedian", 1)
    with pytest.raises(InputError, match="fixed number of sites"):
        near_optimal(problem, model="set_cover")
    with pytest.raises(InputError, match="at least 0"):
        near_optimal(problem, within=-0.1)


def test_a_spent_time_limit_returns_the_best_marked_incomplete(brute):
    problem = brute.drawn("pmedian", 2)
    best = solve(problem, model="pmedian", method="exact")
    alts = near_optimal(problem, best=best, count=5, within=1.0, time_limit=0.0)
    assert not alts.complete
    assert [o.objective for o in alts.options] == [best.objective]


def test_an_infeasible_problem_raises_its_own_error(brute):
    problem = brute.drawn("pmedian", 5)  # a cell no two sites reach
    with pytest.raises(InfeasibleError, match="reaches every cell"):
        near_optimal(problem, count=3)
