"""The cost model: visit-weighted group minutes, pairs that can never serve left out, capacities."""

import numpy as np
import pytest
import scipy.sparse as sp
from run_outputs import drive_walk_groups

from gateway_planner.config import scenario_from_dict
from gateway_planner.costs import build_problem, group_costs, searches_cut_by
from gateway_planner.locate import Problem, solve
from gateway_planner.minutes import dense_rows
from gateway_planner.network import TravelTimes
from gateway_planner.scenario import run_scenario


def swale(**objective):
    """The Swale pilot without its bus feed (its groups by car and on foot), for a model."""
    groups = {"groups": str(drive_walk_groups())}
    return scenario_from_dict(
        {"name": "t", "area": {"pilot": "swale"}, "demand": groups, "objective": objective}
    )


@pytest.fixture(scope="module")
def pmedian_run():
    return run_scenario(swale(new_sites=1), write=False)


def densify(matrix):
    return dense_rows(matrix, slice(0, matrix.shape[0]))


def _median_case(seed=3, n_cells=120, n_sites=16, limit=25.0):
    """Minutes between random points (1 km = 1 min) cut at ``limit``; sites on some cells."""
    rng = np.random.default_rng(seed)
    cells = rng.uniform(0, 60, (n_cells, 2))
    sites = np.vstack(
        [
            cells[rng.choice(n_cells, n_sites // 2, replace=False)],
            rng.uniform(0, 60, (n_sites - n_sites // 2, 2)),
        ]
    )
    costs = np.hypot(*(cells[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)).round(2)
    costs[costs > limit] = np.inf
    weights = rng.integers(0, 50, n_cells).astype(float)
    rows, cols = np.nonzero(np.isfinite(costs))
    sparse = sp.csr_array((costs[rows, cols], (rows, cols)), shape=costs.shape)
    site_ids = tuple(f"s{j}" for j in range(n_sites))
    return weights, costs, sparse, site_ids


def test_costs_are_visit_weighted_group_times(pmedian_run):
    r = pmedian_run

    def dense(problem):
        c = problem.costs
        return c.toarray() if hasattr(c, "toarray") else np.asarray(c)

    free = build_problem(
        r.scenario.with_updates({"objective.keep_existing": False}), r.area, r.weights, r.times
    )
    np.testing.assert_allclose(free.weights, r.weights.sum(axis=1))
    i = int(np.argmax(r.weights.sum(axis=1)))
    expected = sum(
        r.weights[i, g] * r.times.for_group(grp.id)[i] for g, grp in enumerate(r.area.groups)
    )
    np.testing.assert_allclose(dense(free)[i], expected / r.weights[i].sum(), rtol=1e-5)
    # with the existing sites kept, pairs slower than the nearest of them are left out: they can
    # never serve the cell
    kept = dense(build_problem(r.scenario, r.area, r.weights, r.times))
    j = [list(free.site_ids).index(s) for s in r.area.existing]
    slower = dense(free) > dense(free)[:, j].min(axis=1, keepdims=True)
    assert np.isinf(kept[slower]).all()
    np.testing.assert_allclose(kept[~slower], dense(free)[~slower])


def test_capacities_come_from_the_sites_table(pmedian_run):
    r = pmedian_run
    sites = r.area.sites.copy()
    sites["capacity"] = 1e9  # visits per month: never binding
    sites.loc["sheerness-gateway", "capacity"] = 100.0
    area = type(r.area)(**{**r.area.__dict__, "sites": sites})
    problem = build_problem(r.scenario, area, r.weights, r.times)
    assert problem.capacities is not None
    assert problem.capacities[list(problem.site_ids).index("sheerness-gateway")] == pytest.approx(
        1200.0
    )
    off = build_problem(
        r.scenario.with_updates({"objective.capacities": False}), area, r.weights, r.times
    )
    assert off.capacities is None


@pytest.mark.parametrize("form", ["dense", "sparse"])
def test_pairs_slower_than_the_nearest_kept_site_are_left_out(form):
    weights, costs, sparse, site_ids = _median_case()
    minutes = costs.astype(np.float32)
    kept = (0, 5)
    by_group = {"g": minutes if form == "dense" else sp.csr_array(sparse, dtype=np.float32)}
    times = TravelTimes(
        cell_ids=tuple(f"c{i}" for i in range(len(weights))),
        site_ids=site_ids,
        by_mode={},
        by_group=by_group,
        kind="file",
        snapping={},
    )
    w = weights[:, None]
    full = group_costs(w, times, ["g"])
    reduced = group_costs(w, times, ["g"], kept=kept)
    if form == "sparse":
        full, reduced = densify(full), densify(reduced)
    nearest = full[:, list(kept)].min(axis=1)
    assert np.array_equal(reduced, np.where(full <= nearest[:, None], full, np.inf))
    assert np.isfinite(reduced).sum() < np.isfinite(full).sum()
    solutions = [
        solve(
            Problem(weights=weights, costs=c, site_ids=site_ids, fixed=kept, p=5),
            method="heuristic",
            seed=2,
        )
        for c in (full, reduced)
    ]
    assert solutions[0].open_sites == solutions[1].open_sites
    assert solutions[0].objective == solutions[1].objective
    assert np.array_equal(solutions[0].assignment, solutions[1].assignment)


def test_searches_are_cut_only_where_no_figure_can_change(pmedian_run):
    r = pmedian_run
    assert searches_cut_by(r.scenario, r.area) == ()  # two modes: a mix may prefer another site
    one_mode = r.scenario.with_updates({"network.modes": ["drive"]})
    assert searches_cut_by(one_mode, r.area) == r.area.existing
    freed = one_mode.with_updates({"objective.keep_existing": False})
    assert searches_cut_by(freed, r.area) == ()
