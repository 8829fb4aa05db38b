import numpy as np
import pytest

from gateway_planner.errors import InfeasibleError, InputError
from gateway_planner.locate import MaxCoverage, Problem, SetCover, _enumerate, solve
from gateway_planner.locate.coverage import credit


def _covered(problem: Problem, sites: list[int]) -> float:
    w = np.asarray(problem.weights)
    d = np.asarray(problem.costs)[:, sites].min(axis=1)
    f = credit(d, limit=problem.limit, decay=problem.decay, decay_start=problem.decay_start)
    return float(w @ f)


def test_credit_step_and_linear():
    d = np.array([0.0, 5.0, 10.0, 15.0, 20.0, 25.0, np.inf])
    assert credit(d, limit=20).tolist() == [1, 1, 1, 1, 1, 0, 0]
    assert credit(d, limit=20, decay="linear", decay_start=10).tolist() == [1, 1, 1, 0.5, 0, 0, 0]


@pytest.mark.parametrize("method", ["exact", "heuristic", "auto"])
@pytest.mark.parametrize(
    ("p", "fixed", "decay"),
    [(1, (), "step"), (2, (), "step"), (3, (2,), "step"), (2, (), "linear")],
)
def test_max_coverage_matches_brute_force(problem_factory, brute_force, method, p, fixed, decay):
    problem = problem_factory(
        30, 9, seed=7, unreachable=0.1, fixed=fixed, p=p, limit=20.0, decay=decay, decay_start=8.0
    )
    best, sites = brute_force(9, p, fixed, lambda s: -_covered(problem, s))
    sol = solve(problem, model="max_coverage", method=method, time_limit=20)
    assert sol.objective == pytest.approx(-best)
    assert sol.bound >= -best - 1e-9  # the true optimum, not the objective
    if method != "heuristic":
        assert sol.status == "optimal"
        assert sol.gap == 0.0
        assert tuple(sol.open_index) == sites
        assert sol.path == "enumeration"


def test_max_coverage_assignment_marks_uncovered_cells():
    costs = np.array([[5.0, 40.0], [40.0, 5.0], [35.0, 50.0]])
    problem = Problem(
        weights=np.array([3.0, 1.0, 2.0]), costs=costs, site_ids=("a", "b"), p=1, limit=30.0
    )
    sol = MaxCoverage.from_problem(problem).solve()
    assert sol.open_sites == ("a",)
    assert sol.objective == 3.0
    assert sol.assignment.tolist() == [0, -1, -1]


def test_max_coverage_needs_a_limit(problem_factory):
    with pytest.raises(InputError, match=r"max_coverage needs limit"):
        solve(problem_factory(p=2), model="max_coverage")


def _cover_count(problem: Problem, sites: list[int], share: float = 1.0) -> float:
    w = np.asarray(problem.weights)
    ok = (np.asarray(problem.costs)[:, sites] <= problem.limit).any(axis=1)
    need = w[w > 0].sum() * share
    if w[ok & (w > 0)].sum() < need - 1e-9:
        return np.inf
    cost = (
        np.ones(len(problem.site_ids))
        if problem.site_costs is None
        else np.asarray(problem.site_costs)
    )
    return float(cost[sites].sum())


def _best_cover(problem, brute_force, share=1.0):
    n = len(problem.site_ids)
    return min(
        (
            brute_force(n, q, problem.fixed, lambda s: _cover_count(problem, s, share))
            for q in range(len(problem.fixed) or 1, n + 1)
        ),
        key=lambda t: t[0],
    )


@pytest.mark.parametrize("method", ["exact", "heuristic", "auto"])
@pytest.mark.parametrize("fixed", [(), (3,)])
def test_set_cover_matches_brute_force(problem_factory, brute_force, method, fixed):
    problem = problem_factory(30, 9, seed=2, fixed=fixed, limit=25.0)
    best, _ = _best_cover(problem, brute_force)
    sol = solve(problem, model="set_cover", method=method)
    if method == "heuristic":
        assert best <= sol.objective <= best + 1
        assert sol.path == "heuristic"
    else:
        assert sol.objective == best
        assert sol.path == "cover_mip"
    assert sol.bound <= best + 1e-9
    w = np.asarray(problem.weights)
    assert np.all(sol.assignment[w > 0] >= 0)
    assert set(fixed) <= set(sol.open_index)


def test_least_cost_set_cover(problem_factory, brute_force):
    costs = np.array([3.0, 1.0, 2.0, 5.0, 1.0, 4.0, 2.0, 2.0, 3.0])
    problem = problem_factory(30, 9, seed=2, limit=25.0, site_costs=costs)
    best, _ = _best_cover(problem, brute_force)
    sol = SetCover.from_problem(problem).solve(method="exact")
    assert sol.objective == pytest.approx(best)
    assert sol.status == "optimal"
    assert sol.path == "cover_mip"
    assert sol.bound <= best + 1e-9


def test_partial_set_cover(problem_factory, brute_force):
    problem = problem_factory(30, 9, seed=2, limit=15.0, coverage_share=0.6)
    best, _ = _best_cover(problem, brute_force, share=0.6)
    sol = solve(problem, model="set_cover", method="exact")
    assert sol.objective == best
    assert sol.path == "cover_by_max_coverage"
    assert sol.bound <= best + 1e-9
    w = np.asarray(problem.weights)
    assert w[sol.assignment >= 0].sum() >= 0.6 * w.sum() - 1e-9


def test_set_cover_reports_unreachable_cells():
    costs = np.array([[5.0, 40.0], [40.0, 5.0], [35.0, 50.0], [31.0, 31.0]])
    problem = Problem(
        weights=np.array([1.0, 1.0, 2.0, 0.0]),
        costs=costs,
        site_ids=("a", "b"),
        limit=30.0,
        cell_ids=("c1", "c2", "c3", "c4"),
    )
    with pytest.raises(
        InputError,
        match=r"1 cell\(s\) of positive weight \(2 of 4 demand\) are beyond 30 minutes.*: c3",
    ):
        solve(problem, model="set_cover")


def test_set_cover_share_out_of_reach_is_infeasible():
    costs = np.array([[5.0, 40.0], [40.0, 5.0], [35.0, 50.0]])
    problem = Problem(
        weights=np.array([1.0, 1.0, 2.0]),
        costs=costs,
        site_ids=("a", "b"),
        limit=30.0,
        coverage_share=0.9,
    )
    with pytest.raises(InfeasibleError, match=r"coverage target 0.9 .* reach 2 of 4 \(50.0000%\)"):
        solve(problem, model="set_cover")


def _sparse_cutoff(costs: np.ndarray, cutoff: float):
    import scipy.sparse as sp

    rows, cols = np.nonzero(costs <= cutoff)
    return sp.csr_array((costs[rows, cols], (rows, cols)), shape=costs.shape)


@pytest.mark.parametrize("model", ["max_coverage", "set_cover"])
def test_sparse_cutoff_gives_the_same_answer(problem_factory, model):
    dense = problem_factory(40, 10, seed=6, p=3, limit=20.0, coverage_share=0.9)
    sparse = Problem(
        weights=dense.weights,
        costs=_sparse_cutoff(dense.costs, 25.0),
        site_ids=dense.site_ids,
        p=3,
        limit=20.0,
        coverage_share=0.9,
    )
    a = solve(dense, model=model, method="exact")
    b = solve(sparse, model=model, method="exact")
    assert a.open_sites == b.open_sites
    assert a.objective == pytest.approx(b.objective)
    assert np.array_equal(a.assignment, b.assignment)


def test_max_coverage_may_close_an_existing_site():
    costs = np.array([[5.0, 40.0, 40.0], [40.0, 40.0, 5.0], [40.0, 40.0, 6.0]])
    kept = Problem(
        weights=np.ones(3), costs=costs, site_ids=("a", "b", "c"), fixed=(1,), p=2, limit=30.0
    )
    assert solve(kept, model="max_coverage").objective == 2.0
    freed = Problem(
        weights=np.ones(3),
        costs=costs,
        site_ids=("a", "b", "c"),
        fixed=(1,),
        p=2,
        limit=30.0,
        allow_closing=True,
    )
    sol = solve(freed, model="max_coverage")
    assert sol.open_sites == ("a", "c")
    assert sol.objective == 3.0


def test_set_cover_beats_greedy_when_greedy_is_wrong():
    # greedy takes c (8 cells), then d, then e; the optimum is a and b
    near, far = 10.0, 60.0
    covers = {
        "a": set(range(7)),
        "b": set(range(7, 14)),
        "c": {0, 1, 2, 3, 7, 8, 9, 10},
        "d": {4, 5, 11, 12},
        "e": {6, 13},
    }
    costs = np.array([[near if i in covers[s] else far for s in "abcde"] for i in range(14)])
    problem = Problem(weights=np.ones(14), costs=costs, site_ids=tuple("abcde"), limit=30.0)
    greedy = solve(problem, model="set_cover", method="heuristic")
    assert greedy.objective == 3.0
    assert greedy.bound == 2.0
    exact = solve(problem, model="set_cover", method="exact")
    assert exact.open_sites == ("a", "b")
    assert exact.objective == 2.0
    assert exact.status == "optimal"


def test_least_cost_partial_set_cover(problem_factory, brute_force):
    costs = np.array([3.0, 1.0, 2.0, 5.0, 1.0, 4.0, 2.0, 2.0, 3.0])
    problem = problem_factory(30, 9, seed=2, limit=15.0, coverage_share=0.7, site_costs=costs)
    best, _ = _best_cover(problem, brute_force, share=0.7)
    sol = solve(problem, model="set_cover", method="exact")
    assert sol.objective == pytest.approx(best)
    assert "partial set cover" in sol.solver
    assert sol.path == "cover_mip"
    assert sol.bound <= best + 1e-9


@pytest.mark.parametrize(("p", "decay"), [(3, "step"), (4, "linear")])
def test_max_coverage_through_highs_matches_brute_force(
    problem_factory, brute_force, monkeypatch, no_enumeration, p, decay
):
    from gateway_planner.locate import _pipeline

    monkeypatch.setattr(_pipeline, "LAGRANGIAN_STEPS_EXACT", 1)
    problem = problem_factory(40, 10, seed=17, p=p, limit=18.0, decay=decay, decay_start=6.0)
    best, _ = brute_force(10, p, (), lambda s: -_covered(problem, s))
    sol = solve(problem, model="max_coverage", method="exact")
    assert sol.objective == pytest.approx(-best)
    assert sol.status == "optimal"
    assert sol.bound >= -best - 1e-9
    assert sol.path in ("bound_meets", "quick_mip", "fixing", "probing", "probing_mip")


# (coverage_share, site costs?, limit, seed, path), enumeration on and off
COVER_CASES = [
    (1.0, False, 25.0, 2, "cover_mip"),
    (1.0, True, 25.0, 3, "cover_mip"),
    (0.6, False, 15.0, 1, "cover_by_max_coverage"),
    (0.8, False, 15.0, 4, "cover_by_max_coverage"),
    (0.95, False, 15.0, 2, "cover_by_max_coverage"),
    (0.6, True, 15.0, 5, "cover_mip"),
    (0.8, True, 15.0, 3, "cover_mip"),
]


@pytest.mark.parametrize("enumeration", [True, False])
@pytest.mark.parametrize(("share", "priced", "limit", "seed", "path"), COVER_CASES)
def test_set_cover_paths_match_brute_force(
    brute, monkeypatch, enumeration, share, priced, limit, seed, path
):
    """Including the fewest-sites shortcut, whose bound is its own value (proven by the
    maximal coverage of one site fewer falling short): checked against brute force."""
    if not enumeration:  # the maximal coverage steps of the shortcut then take the exact paths
        monkeypatch.setattr(_enumerate, "ENUMERATION_BUDGET", 0)
    costs = np.round(np.random.default_rng(seed).random(10) * 4 + 1, 1) if priced else None
    problem = brute.problem(
        30, 10, seed=seed, limit=limit, coverage_share=share, site_costs=costs, float_weights=True
    )
    best = brute.best_cover(problem)
    sol = solve(problem, model="set_cover", method="exact")
    assert sol.path == path
    assert sol.objective == pytest.approx(best, rel=1e-12)
    assert brute.cover(problem, list(sol.open_index)) == pytest.approx(sol.objective)
    assert sol.bound <= best + 1e-9
    assert (sol.status, sol.gap) == ("optimal", 0.0)


@pytest.mark.parametrize("priced", [False, True])
def test_set_cover_share_infeasible_exactly_when_brute_force_finds_nothing(brute, priced):
    costs = np.arange(1.0, 11.0) if priced else None
    problem = brute.problem(30, 10, seed=0, limit=15.0, coverage_share=0.8, site_costs=costs)
    assert brute.best_cover(problem) == np.inf
    with pytest.raises(InfeasibleError, match=r"coverage target 0\.8"):
        solve(problem, model="set_cover", method="exact")


@pytest.mark.parametrize("method", ["heuristic", "exact", "auto"])
@pytest.mark.parametrize(("n_cells", "seed"), [(25, 0), (25, 3), (300, 1)])
def test_max_coverage_with_most_sites_open(brute, method, n_cells, seed):
    """p = 7 of 9: once every reachable pair is taken the greedy has nothing left to gain
    (it crashed with OverflowError, the gains being integers)."""
    problem = brute.problem(n_cells, 9, seed=seed, unreachable=0.1, p=7, limit=20.0)
    best = brute.optimum(problem, "max_coverage")
    sol = solve(problem, model="max_coverage", method=method)
    assert sol.objective == pytest.approx(best)
    assert sol.bound >= best - 1e-9
    assert sol.open_index.size == 7


@pytest.mark.parametrize("decay", ["step", "linear"])
def test_max_coverage_with_most_sites_open_on_the_exact_path(brute, no_enumeration, decay):
    problem = brute.problem(
        40, 10, seed=6, unreachable=0.1, p=8, limit=20.0, decay=decay, decay_start=5.0
    )
    sol = solve(problem, model="max_coverage", method="exact")
    brute.assert_proven(problem, sol, "max_coverage")
