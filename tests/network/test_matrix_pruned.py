"""Searches cut by kept sites keep every pair a nearest-site objective can use, exactly."""

import numpy as np
import pytest
from network_helpers import HELSINKI_CRS, make_points

from gateway_planner.errors import InputError
from gateway_planner.locate import Problem, solve
from gateway_planner.network import travel_times

LIMIT = 12.0


@pytest.fixture(scope="module")
def case(helsinki_drive):
    xy = helsinki_drive.routing.xy
    cells = make_points(xy[::5], prefix="c", crs=HELSINKI_CRS, square_m=40)
    sites = make_points(xy[::37] + 6.0, prefix="s", crs=HELSINKI_CRS)
    kept = list(sites.index[[0, 11, 23]])
    return {"drive": helsinki_drive}, cells, sites, kept


@pytest.mark.parametrize("workers", [1, 2])
def test_every_pair_no_slower_than_the_nearest_kept_site_is_kept_exactly(case, workers):
    networks, cells, sites, kept = case
    full = travel_times(networks, cells, sites, limit_minutes=LIMIT).for_mode("drive")
    cut = travel_times(
        networks, cells, sites, limit_minutes=LIMIT, kept_sites=kept, workers=workers
    )
    pruned = cut.for_mode("drive")
    assert cut.kept_sites == tuple(kept)
    columns = [list(sites.index).index(s) for s in kept]
    assert np.array_equal(full[:, columns], pruned[:, columns])  # kept columns whole
    nearest_kept = full[:, columns].min(axis=1)
    needed = np.isfinite(full) & (full <= nearest_kept[:, None])
    assert needed.sum() > 2 * len(cells)  # candidates beat the kept sites for many cells
    assert np.array_equal(pruned[needed], full[needed])
    # whatever else the cut searches found is a true journey time, never a shorter one
    extra = np.isfinite(pruned) & ~needed
    assert np.allclose(pruned[extra], full[extra], rtol=0, atol=1e-4)
    assert np.isfinite(full).sum() > np.isfinite(pruned).sum()  # and they did cut


def test_the_p_median_with_kept_sites_is_the_same_either_way(case):
    networks, cells, sites, kept = case
    weights = np.random.default_rng(3).uniform(1, 5, len(cells))
    fixed = tuple(list(sites.index).index(s) for s in kept)
    solutions = []
    for options in ({}, {"kept_sites": kept}):
        costs = travel_times(networks, cells, sites, limit_minutes=LIMIT, **options)
        costs = costs.for_mode("drive").astype(np.float64)
        w = np.where(np.isfinite(costs).any(axis=1), weights, 0.0)
        problem = Problem(
            weights=w, costs=costs, site_ids=tuple(sites.index), fixed=fixed, p=len(fixed) + 2
        )
        solutions.append(solve(problem, method="exact", time_limit=30, seed=0))
    assert solutions[0].open_sites == solutions[1].open_sites
    assert solutions[0].objective == pytest.approx(solutions[1].objective, rel=1e-12)


def test_kept_sites_are_checked(case, helsinki_walk):
    networks, cells, sites, _ = case
    with pytest.raises(InputError, match="not among the sites") as info:
        travel_times(networks, cells, sites, kept_sites=["nowhere"])
    assert info.value.field == "kept_sites"
    both = {**networks, "walk": helsinki_walk}
    with pytest.raises(InputError, match="one network") as info:
        travel_times(both, cells, sites, kept_sites=[sites.index[0]])
    assert info.value.field == "kept_sites"
