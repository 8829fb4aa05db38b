"""Figures on a 3x3 grid with two sites, checked against values worked out by hand (also by mode)."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gateway_planner.demand import CustomerGroup
from gateway_planner.evaluate import (
    ALL,
    evaluate,
    site_visits_made,
)


def _group(gid: str, modes: dict[str, float] | None = None) -> CustomerGroup:
    return CustomerGroup(
        id=gid,
        name=gid.title(),
        description="",
        channels={"face_to_face": 1.0, "phone": 0.0, "web": 0.0},
        visits_per_person_year=1.0,
        modes={"drive": 1.0} if modes is None else modes,
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


@pytest.fixture
def two_modes(grid):
    """Drivers g (drive 0.75, walk 0.25) and h (walk 0.5, on-demand 0.5 in the top row only).

    Steps to A and B as in ``grid``: 10 min a step by car, 30 on foot; on-demand is the drive
    time + 20 min, offered to the cells 20, 21, 22 only (inf elsewhere). 100 visits per cell
    and group. Each group's times are its expected minutes over the modes it can use.
    """
    cells, sites, times = grid
    cells = cells.drop(columns="share__g").assign(share__g=0.5, share__h=0.5)
    drive = times["g"]
    walk = 3.0 * drive
    top = np.array([i == 2 for i in range(3) for j in range(3)])[:, None]
    on_demand = np.where(top, drive + 20.0, np.inf)
    g = 0.75 * drive + 0.25 * walk
    h = np.where(top, 0.5 * walk + 0.5 * np.where(top, on_demand, 0.0), walk)
    groups = [
        _group("g", {"drive": 0.75, "walk": 0.25}),
        _group("h", {"walk": 0.5, "on_demand": 0.5}),
    ]
    by_mode = {"walk": walk, "on_demand": on_demand, "drive": drive}  # any order: drive first out
    return cells, sites, groups, np.full((9, 2), 100.0), {"g": g, "h": h}, by_mode


def test_figures_by_mode_worked_out_by_hand(two_modes):
    """Minutes to the site each group's mix chose (ties to A), by mode:

    cell        00 01 02 10 11 12 20 21 22      chosen by the mix
    drive (g)    0 10 20 10 20 10 20 10  0
    walk (g, h)  0 30 60 30 60 30 60 30  0
    on-demand (h)                   40 30 20    (A for 20, B for 21 and 22)
    """
    cells, sites, groups, weights, times, by_mode = two_modes
    ev = evaluate(cells, sites, groups, weights, times, ["A", "B"], by_mode=by_mode)
    modes = ev.modes
    assert list(modes.index) == [
        ("g", "drive"),
        ("all", "drive"),
        ("g", "walk"),
        ("h", "walk"),
        ("all", "walk"),
        ("h", "on_demand"),
        ("all", "on_demand"),
    ]
    assert modes.loc[("g", "drive"), "visits"] == 675  # 9 cells x 100 x 0.75
    assert modes.loc[("g", "drive"), "mean_minutes"] == pytest.approx(100 / 9)
    assert modes.loc[("g", "drive"), "pct_of_visits"] == pytest.approx(75.0)
    assert modes.loc[("g", "walk"), "mean_minutes"] == pytest.approx(300 / 9)
    assert modes.loc[("g", "walk"), "pct_within_10"] == pytest.approx(200 / 9)  # 00 and 22
    # h walks everywhere, half of its visits in the top row (on-demand takes the other half)
    assert modes.loc[("h", "walk"), "visits"] == 750
    assert modes.loc[("h", "walk"), "mean_minutes"] == pytest.approx((100 * 210 + 50 * 90) / 750)
    assert modes.loc[("h", "on_demand"), "visits"] == 150
    assert modes.loc[("h", "on_demand"), "mean_minutes"] == pytest.approx(30.0)
    assert modes.loc[("h", "on_demand"), "pct_of_visits"] == pytest.approx(100 * 150 / 900)
    assert modes.loc[("h", "on_demand"), "pct_within_30"] == pytest.approx(200 / 3)
    assert modes.loc[("h", "on_demand"), "people"] == pytest.approx(75)  # 3 cells x 50 x 0.5
    assert modes.loc[("all", "walk"), "visits"] == 975
    assert modes.loc[("all", "walk"), "mean_minutes"] == pytest.approx(
        (225 * 300 / 9 + 25500) / 975
    )
    assert modes.loc[("all", "walk"), "pct_of_visits"] == pytest.approx(100 * 975 / 1800)
    assert modes["pct_riding"].isna().all()  # no bus
    assert (modes["unreachable_visits"] == 0).all()
    # the modes of a group share its visits, and their times make up its mean journey
    for gid in ("g", "h"):
        rows = modes.xs(gid, level="group")
        assert rows["visits"].sum() == pytest.approx(ev.groups.loc[gid, "visits"])
        assert (rows["visits"] * rows["mean_minutes"]).sum() == pytest.approx(
            ev.groups.loc[gid, "visits"] * ev.groups.loc[gid, "mean_minutes"]
        )
    # per site: B gets h's on-demand visits of 21 and 22 (30 and 20 min), A those of 20 (40)
    sites_by_mode = ev.site_modes
    assert sites_by_mode.loc[("B", "on_demand"), "visits"] == 100
    assert sites_by_mode.loc[("B", "on_demand"), "mean_minutes"] == pytest.approx(25.0)
    assert sites_by_mode.loc[("A", "on_demand"), "mean_minutes"] == pytest.approx(40.0)
    assert sites_by_mode.loc[("B", "drive"), "pct_of_visits"] == pytest.approx(
        100 * 225 / ev.sites.loc["B", "visits"]
    )
    assert sites_by_mode.loc[("A", "walk"), "name"] == "A"
    # per cell: the mean journey of the cell's visits by each mode; none by on-demand below
    minutes = ev.mode_minutes
    assert list(minutes.columns) == ["drive", "walk", "on_demand"]
    assert minutes["drive"].tolist() == [0, 10, 20, 10, 20, 10, 20, 10, 0]
    assert minutes.loc["21", "walk"] == 30 and minutes.loc["22", "on_demand"] == 20
    assert minutes["on_demand"].iloc[:6].isna().all()


def test_a_bus_journey_boards_a_bus_only_where_it_beats_walking(grid):
    """Cells 02, 11 and 20 (two steps from A, 60 min on foot) ride in 25 min; the others walk."""
    cells, sites, times = grid
    walk = 3.0 * times["g"]
    bus = walk.copy()
    bus[[2, 4, 6], 0] = 25.0
    mix = {"g": 0.5 * walk + 0.5 * bus}
    weights = np.full((9, 1), 100.0)
    group = [_group("g", {"walk": 0.5, "bus": 0.5})]
    ev = evaluate(cells, sites, group, weights, mix, ["A", "B"], by_mode={"walk": walk, "bus": bus})
    row = ev.modes.loc[("g", "bus")]
    assert row["pct_riding"] == pytest.approx(100 * 3 / 9)
    assert row["mean_minutes"] == pytest.approx((0 + 30 + 25 + 30 + 25 + 30 + 25 + 30 + 0) / 9)
    assert np.isnan(ev.modes.loc[("g", "walk"), "pct_riding"])
    assert ev.site_modes.loc[("A", "bus"), "pct_riding"] == pytest.approx(100 * 3 / 6)
    # without walking times nobody can tell who boards
    group = [_group("g", {"bus": 1.0})]
    no_walk = evaluate(cells, sites, group, weights, {"g": bus}, ["A", "B"], by_mode={"bus": bus})
    assert np.isnan(no_walk.modes.loc[("g", "bus"), "pct_riding"])


def test_unreachable_journeys_count_at_the_groups_own_shares(two_modes):
    cells, sites, groups, weights, times, by_mode = two_modes
    times = dict(times)
    by_mode = dict(by_mode)
    walk = by_mode["walk"].copy()
    walk[8, :] = np.inf  # cell 22 reaches no site on foot, so h's mix reaches none
    by_mode["walk"] = walk
    times["h"] = np.where(np.isfinite(walk), times["h"], np.inf)
    times["g"] = np.where(np.isfinite(walk), times["g"], np.inf)
    ev = evaluate(cells, sites, groups, weights, times, ["A", "B"], by_mode=by_mode)
    assert ev.groups.loc["h", "unreachable_visits"] == 100
    assert ev.modes.loc[("h", "walk"), "unreachable_visits"] == 50
    assert ev.modes.loc[("h", "on_demand"), "unreachable_visits"] == 50
    assert ev.modes.loc[("g", "drive"), "unreachable_visits"] == 75
    assert np.isinf(ev.mode_minutes.loc["22", "walk"])
    assert np.isnan(ev.mode_minutes.loc["11", "on_demand"])


def test_times_by_mode_change_no_other_figure(two_modes):
    cells, sites, groups, weights, times, by_mode = two_modes
    plain = evaluate(cells, sites, groups, weights, times, ["A", "B"], existing=["A"])
    by = evaluate(cells, sites, groups, weights, times, ["A", "B"], existing=["A"], by_mode=by_mode)
    for table in ("cells", "sites", "groups", "catchments"):
        pd.testing.assert_frame_equal(getattr(plain, table), getattr(by, table))
    assert plain.modes.empty and plain.site_modes.empty and plain.mode_minutes.empty
    assert list(plain.modes.index.names) == ["group", "mode"]


def test_a_group_of_one_mode_has_the_same_figures_by_that_mode(grid):
    cells, sites, times = grid
    args = (cells, sites, [_group("g")], np.full((9, 1), 100.0), times, ["A", "B"])
    ev = evaluate(*args, by_mode={"drive": times["g"]})
    group, mode = ev.groups.loc["g"], ev.modes.loc[("g", "drive")]
    # visits made and lost to distance are a group's figures, not split by mode
    lost = ["visits_made", "visits_lost", "pct_lost"]
    assert not set(lost) & set(ev.modes.columns)
    for col in ev.groups.columns.drop(["name", *lost]):
        assert mode[col] == group[col], col
    assert mode["pct_of_visits"] == 100.0


@pytest.mark.parametrize("kind", ["csr_array", "csr_matrix"])
def test_sparse_times_by_mode_give_the_same_figures(two_modes, kind):
    cells, sites, groups, weights, times, by_mode = two_modes
    dense = evaluate(cells, sites, groups, weights, times, ["A", "B"], by_mode=by_mode)
    sparse = evaluate(
        cells,
        sites,
        groups,
        weights,
        {k: _sparse(v, kind) for k, v in times.items()},
        ["A", "B"],
        by_mode={k: _sparse(v, kind) for k, v in by_mode.items()},
    )
    pd.testing.assert_frame_equal(dense.modes, sparse.modes)
    pd.testing.assert_frame_equal(dense.site_modes, sparse.site_modes)
    pd.testing.assert_frame_equal(dense.mode_minutes, sparse.mode_minutes)


def test_a_mode_without_times_is_reported(two_modes):
    cells, sites, groups, weights, times, by_mode = two_modes
    with pytest.raises(ValueError, match=r"no travel times by on_demand for group 'h'"):
        evaluate(
            cells,
            sites,
            groups,
            weights,
            times,
            ["A"],
            by_mode={"drive": by_mode["drive"], "walk": by_mode["walk"]},
        )
    with pytest.raises(ValueError, match=r"travel times by walk have shape \(9, 1\)"):
        evaluate(
            cells, sites, groups, weights, times, ["A"], by_mode=by_mode | {"walk": np.ones((9, 1))}
        )


def test_visits_lost_to_distance_by_group_and_site(grid):
    """Exponential decay, beta = ln 2 / 10: half the visits lost at 10 min, none made past 15."""
    from dataclasses import replace as dc_replace

    from gateway_planner.groups import GroupDecay

    cells, sites, times = grid
    decay = GroupDecay("exponential", np.log(2) / 10, cutoff=15.0)
    groups = [dc_replace(_group("g"), decay=decay)]
    weights = np.full((9, 1), 120.0)
    ev = evaluate(cells, sites, groups, weights, times, ["A", "B"], existing=["A"])
    # minutes 0 10 20 / 10 20 10 / 20 10 0: A serves 0, 10, 20, 10, 20, 20; B serves 10, 10, 0
    row = ev.groups.loc["g"]
    assert row["visits"] == pytest.approx(1080)
    assert row["visits_made"] == pytest.approx(120 * (1 + 0.5 * 4 + 1))
    assert row["visits_lost"] == pytest.approx(1080 - 480)
    assert row["pct_lost"] == pytest.approx(100 * 600 / 1080)
    assert ev.groups.loc[ALL, "visits_lost"] == pytest.approx(600)
    a, b = ev.sites.loc["A"], ev.sites.loc["B"]
    assert a["visits_made"] == pytest.approx(120 * 2) and a["visits_lost"] == pytest.approx(480)
    assert b["visits_made"] == pytest.approx(120 * 2) and b["visits_lost"] == pytest.approx(120)
    assert a["visits_per_month"] == pytest.approx(240 / 12)
    made = site_visits_made(groups, weights, times, np.array([0, 1]))
    assert made == pytest.approx([240, 240])
    # without a decay nothing reachable is lost and a site's month counts all its visits
    plain = evaluate(cells, sites, [_group("g")], weights, times, ["A", "B"])
    assert plain.groups.loc["g", "visits_lost"] == 0
    assert plain.sites["visits_per_month"].tolist() == pytest.approx([720 / 12, 360 / 12])


def test_unreachable_visits_are_lost(grid):
    cells, sites, times = grid
    far = {"g": np.where(times["g"] > 10, np.inf, times["g"])}
    ev = evaluate(cells, sites, [_group("g")], np.full((9, 1), 1.0), far, ["A"])
    # only cells 00, 01, 10 reach A within 10 minutes
    assert ev.groups.loc["g", "visits_made"] == 3 and ev.groups.loc["g", "visits_lost"] == 6
