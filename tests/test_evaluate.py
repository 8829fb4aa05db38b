"""Figures on a 3x3 grid with two sites, checked against values worked out by hand."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gateway_planner.demand import CustomerGroup
from gateway_planner.evaluate import evaluate, weighted_gini, weighted_quantile, worst_share_mean


def _group(gid: str) -> CustomerGroup:
    return CustomerGroup(
        id=gid,
        name=gid.title(),
        description="",
        channels={"face_to_face": 1.0, "phone": 0.0, "web": 0.0},
        visits_per_person_year=1.0,
        modes={"drive": 1.0},
        source="assumed: test",
    )


@pytest.fixture
def grid():
    """3x3 cells of 1 km, 100 people each; site A in cell (0,0), B in cell (2,2); 10 min per step."""
    ids = [f"{i}{j}" for i in range(3) for j in range(3)]
    cells = gpd.GeoDataFrame(
        {"population": 100.0, "share__g": 1.0},
        geometry=[
            shapely.box(j * 1000, i * 1000, j * 1000 + 1000, i * 1000 + 1000)
            for i in range(3)
            for j in range(3)
        ],
        index=ids,
        crs=27700,
    )
    cells.index.name = "cell_id"
    sites = gpd.GeoDataFrame(
        {"name": ["A", "B"], "status": ["existing", "candidate"], "capacity": [40.0, np.nan]},
        geometry=[shapely.Point(500, 500), shapely.Point(2500, 2500)],
        index=["A", "B"],
        crs=27700,
    )
    steps = np.array([[i + j, 4 - i - j] for i in range(3) for j in range(3)], dtype=float)
    return cells, sites, {"g": 10.0 * steps}


def test_hand_computed_figures(grid):
    cells, sites, times = grid
    weights = np.full((9, 1), 100.0)
    ev = evaluate(cells, sites, [_group("g")], weights, times, ["A", "B"], existing=["A"])
    # minutes by cell: 0 10 20 / 10 20 10 / 20 10 0 (ties on the anti-diagonal go to A, the first site)
    assert ev.cells["minutes"].tolist() == [0, 10, 20, 10, 20, 10, 20, 10, 0]
    assert ev.cells["site"].tolist() == ["A", "A", "A", "A", "A", "B", "A", "B", "B"]
    row = ev.groups.loc["g"]
    assert row["people"] == 900 and row["visits"] == 900
    assert row["mean_minutes"] == pytest.approx(100 / 9)
    assert row["pct_within_10"] == pytest.approx(600 / 9)
    assert row["pct_within_15"] == pytest.approx(600 / 9)
    assert row["pct_within_20"] == pytest.approx(100.0)
    assert row["people_within_10"] == pytest.approx(600)
    assert row["median_minutes"] == 10
    assert row["p90_minutes"] == 20
    assert row["worst_decile_minutes"] == 20
    x = ev.cells["minutes"].to_numpy()
    pairwise = np.abs(x[:, None] - x[None, :]).sum() / (2 * 81 * x.mean())
    assert row["gini"] == pytest.approx(pairwise)
    assert row["unreachable_people"] == 0
    # sites: A serves 6 cells (600 visits/year = 50/month against a capacity of 40), B 3 cells
    assert ev.sites.loc["A", "visits"] == 600 and ev.sites.loc["B", "visits"] == 300
    assert ev.sites.loc["A", "mean_minutes"] == pytest.approx(80 / 6)
    assert ev.sites.loc["B", "mean_minutes"] == pytest.approx(20 / 3)
    assert ev.sites.loc["A", "load_pct"] == pytest.approx(125.0)
    assert ev.sites["status"].tolist() == ["existing", "proposed"]
    assert ev.catchments.loc["A", "population"] == 600
    assert ev.catchments.geometry.area.sum() == pytest.approx(9e6)
    assert ev.groups.loc["all", "mean_minutes"] == pytest.approx(100 / 9)


def test_today_only_and_unreachable(grid):
    cells, sites, times = grid
    t = times["g"].copy()
    t[8, 0] = np.inf  # cell 22 cannot reach A
    ev = evaluate(
        cells, sites, [_group("g")], np.full((9, 1), 100.0), {"g": t}, ["A"], existing=["A"]
    )
    assert ev.sites["status"].tolist() == ["existing", "candidate"]
    row = ev.groups.loc["g"]
    assert row["unreachable_people"] == 100
    assert row["mean_minutes"] == pytest.approx((0 + 10 + 20 + 10 + 20 + 30 + 20 + 30) / 8)
    assert ev.cells.loc["22", "site"] == ""
    assert np.isinf(ev.cells.loc["22", "minutes"])


def test_each_group_goes_to_its_own_nearest_site(grid):
    cells, sites, times = grid
    cells = cells.assign(share__g=0.5, share__w=0.5)
    walk = times["g"].copy()
    walk[:, 0] += 100  # walkers find A far away
    ev = evaluate(
        cells,
        sites,
        [_group("g"), _group("w")],
        np.full((9, 2), 50.0),
        {"g": times["g"], "w": walk},
        ["A", "B"],
    )
    assert set(ev.cells["site__w"]) == {"B"}
    assert ev.cells.loc["00", "site__g"] == "A"
    assert ev.groups.loc["w", "people"] == 450


def test_mismatched_inputs_are_reported(grid):
    cells, sites, times = grid
    with pytest.raises(ValueError, match=r"weights have shape \(9, 2\).*open sites \['Z'\]"):
        evaluate(cells, sites, [_group("g")], np.ones((9, 2)), times, ["Z"])


def test_weighted_helpers():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    w = np.ones(4)
    assert weighted_quantile(x, w, 0.5) == 2.0
    assert weighted_quantile(x, w, 1.0) == 4.0
    assert worst_share_mean(x, w, 0.25) == 4.0
    assert worst_share_mean(x, w, 0.5) == 3.5
    assert worst_share_mean(x, np.array([1.0, 1.0, 1.0, 0.2]), 0.5) == pytest.approx(
        (0.2 * 4 + 1 * 3 + 0.4 * 2) / 1.6
    )
    assert weighted_gini(np.ones(5), np.ones(5)) == pytest.approx(0.0)
    assert weighted_gini(np.array([0.0, 1.0]), np.array([1.0, 1.0])) == pytest.approx(0.5)
    assert np.isnan(weighted_quantile(x, np.zeros(4), 0.5))


def test_hand_computed_site_figures(grid):
    """A serves 00 01 02 10 11 20 (0 10 20 10 20 20 min), B serves 12 21 22 (10 10 0 min)."""
    cells, sites, times = grid
    ev = evaluate(cells, sites, [_group("g")], np.full((9, 1), 100.0), times, ["A", "B"])
    a, b = ev.sites.loc["A"], ev.sites.loc["B"]
    assert a["people"] == 600 and b["people"] == 300
    assert a["visits_per_month"] == 50 and b["visits_per_month"] == 25
    assert a["pct_within_10"] == pytest.approx(50.0)  # 0, 10, 10 of six
    assert a["pct_within_15"] == pytest.approx(50.0)
    assert a["pct_within_20"] == pytest.approx(100.0)
    assert a["people_within_10"] == 300
    assert a["median_minutes"] == 10  # sorted 0 10 10 20 20 20: 300 of 600 visits at <= 10
    assert a["p90_minutes"] == 20
    assert a["worst_decile_minutes"] == 20
    x = np.array([0, 10, 20, 10, 20, 20], dtype=float)
    assert a["gini"] == pytest.approx(np.abs(x[:, None] - x[None, :]).sum() / (2 * 36 * x.mean()))
    assert b["pct_within_10"] == pytest.approx(100.0)
    assert b["median_minutes"] == 10 and b["p90_minutes"] == 10
    assert b["gini"] == pytest.approx((2 * 10 + 2 * 10) / (2 * 9 * 20 / 3))
    assert np.isnan(b["load_pct"])  # no capacity given
    assert ev.catchments.loc["A", "cells"] == 6 and ev.catchments.loc["B", "cells"] == 3
    assert "unreachable_people" not in ev.sites.columns  # an unreachable journey has no site


def test_site_figures_follow_each_group(grid):
    """Walkers go to B everywhere: B's people are every walker plus the drivers near B."""
    cells, sites, times = grid
    cells = cells.assign(share__g=0.5, share__w=0.5)
    walk = times["g"].copy()
    walk[:, 0] += 100
    ev = evaluate(
        cells,
        sites,
        [_group("g"), _group("w")],
        np.full((9, 2), 50.0),
        {"g": times["g"], "w": walk},
        ["A", "B"],
    )
    assert ev.sites.loc["B", "people"] == pytest.approx(450 + 150)
    assert ev.sites.loc["A", "people"] == pytest.approx(300)
    assert ev.sites["people"].sum() == pytest.approx(900)
    assert ev.sites.loc["B", "visits"] == pytest.approx(450 + 150)
    # cell 00: drivers at A in 0 min, walkers at B in 40 min -> mean 20, A and B tie on visits
    assert ev.cells.loc["00", "minutes"] == pytest.approx(20.0)


def test_cells_without_visits_still_get_a_site_and_a_time(grid):
    cells, sites, times = grid
    weights = np.full((9, 1), 100.0)
    weights[4] = 0.0  # the centre cell has no face-to-face demand
    cells = cells.copy()
    cells.loc["11", "population"] = 0.0
    ev = evaluate(cells, sites, [_group("g")], weights, times, ["A", "B"])
    assert ev.cells.loc["11", "site"] == "A"
    assert ev.cells.loc["11", "minutes"] == 20
    assert ev.catchments["cells"].sum() == 9
    assert ev.groups.loc["g", "visits"] == 800


def _sparse(t: np.ndarray, kind: str = "csr_array"):
    """The finite minutes of ``t`` as a scipy sparse matrix (zeros stored, inf left out)."""
    import scipy.sparse as sp

    rows, cols = np.nonzero(np.isfinite(t))
    return getattr(sp, kind)((t[rows, cols], (rows, cols)), shape=t.shape)


@pytest.mark.parametrize("kind", ["csr_array", "csr_matrix"])
@pytest.mark.parametrize("open_sites", [["A"], ["A", "B"]])
def test_sparse_times_give_the_same_figures(grid, kind, open_sites):
    import pandas as pd

    cells, sites, times = grid
    cells = cells.assign(share__g=0.5, share__w=0.5)
    drive = times["g"].copy()
    drive[8, 0] = np.inf  # cell 22 cannot reach A by car
    walk = times["g"] + 5.0
    walk[4, :] = np.inf  # cell 11 reaches no site on foot
    walk[0, 0] = 0.0
    dense = {"g": drive, "w": walk}
    sparse = {gid: _sparse(t, kind) for gid, t in dense.items()}
    assert sparse["g"].nnz == 17 and (sparse["g"].data == 0).sum() == 2  # zeros are journeys
    args = (cells, sites, [_group("g"), _group("w")], np.full((9, 2), 50.0))
    a = evaluate(*args, dense, open_sites, existing=["A"])
    b = evaluate(*args, sparse, open_sites, existing=["A"])
    pd.testing.assert_frame_equal(a.groups, b.groups)
    pd.testing.assert_frame_equal(a.sites, b.sites)
    pd.testing.assert_frame_equal(a.cells, b.cells)
    pd.testing.assert_frame_equal(a.catchments, b.catchments)
    assert b.cells.loc["00", "minutes__g"] == 0.0 and b.cells.loc["00", "site__g"] == "A"
    assert b.cells.loc["11", "site__w"] == "" and b.groups.loc["w", "unreachable_people"] == 50
