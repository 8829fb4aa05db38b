import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from demand_files import BNG, ZONE_E, ZONE_W

from gateway_planner.demand import build_demand_cells, face_to_face_weights
from gateway_planner.errors import GatewayPlannerWarning, InputError


def _group_totals(cells):
    cols = [c for c in cells.columns if c.startswith("share__")]
    return cells[cols].mul(cells["population"], axis=0).sum().to_dict()


def test_raster_with_zone_shares(write_raster, write_zones, write_shares, groups):
    result = build_demand_cells(
        write_raster(), groups, crs=BNG, shares=write_shares(), zones=write_zones()
    )
    cells = result.cells
    assert list(cells.columns) == ["population", "share__older", "share__online", "geometry"]
    # W pixels (x < 1200): 1 + 2 + 5 + 9 + 10 = 27 people at 25 % older; E: 38 at 100 %
    assert _group_totals(cells) == pytest.approx(
        {"share__older": 27 * 0.25 + 38, "share__online": 27 * 0.75}
    )
    summary = result.summary.to_dict()
    assert summary == {
        "file": summary["file"],
        "kind": "raster",
        "crs": "EPSG:27700",
        "cells": 10,
        "population": 65.0,
        "population_read": 65.0,
        "dropped": {
            "nodata": {"count": 1, "population": 0.0},
            "negative": {"count": 0, "population": 0.0},
            "empty": {"count": 1, "population": 0.0},
        },
        "cell_size": None,
        "zones": None,
        "shares": "shares.csv by zone code (zones.gpkg, area-weighted)",
    }
    assert summary["file"].endswith("pop.tif")


def test_weights_from_raster_cells_are_exact(write_raster, write_zones, write_shares, groups):
    cells = build_demand_cells(
        write_raster(), groups, crs=BNG, shares=write_shares(), zones=write_zones()
    ).cells
    weights = face_to_face_weights(cells, groups)
    # older: f2f 0.6 x 1.5 visits; online: 0.1 x 1.0
    assert weights[:, 0].sum() == pytest.approx((27 * 0.25 + 38) * 0.9, rel=1e-12)
    assert weights[:, 1].sum() == pytest.approx(27 * 0.75 * 0.1, rel=1e-12)
    assert weights[list(cells.index).index("1300_1700"), 0] == pytest.approx(12 * 0.9)


def test_raster_clipped_summary_counts_outside(write_raster, write_zones, write_shares, groups):
    result = build_demand_cells(
        write_raster(),
        groups,
        crs=BNG,
        # zone W plus a strip along the top: the whole raster is read, E's pixels are outside
        boundary=shapely.union(ZONE_W, shapely.box(1000, 1990, 1400, 2000)),
        shares=write_shares(),
        zones=write_zones(),
    )
    assert result.summary.population == 27.0
    assert result.summary.dropped["outside"].count == 5
    assert result.summary.dropped["outside"].population == 38.0
    assert (result.cells["share__older"] == 0.25).all()


def test_zones_with_a_shares_table_conserve_every_group(write_zones, write_shares, groups):
    outline = shapely.box(1000, 1700, 1350, 2000)  # a quarter of E outside
    result = build_demand_cells(
        write_zones(),
        groups,
        crs=BNG,
        kind="zones",
        cell_size=100,
        boundary=outline,
        shares=write_shares(),
    )
    assert _group_totals(result.cells) == pytest.approx(
        {"share__older": 10 * 0.25 + 22.5, "share__online": 10 * 0.75}, rel=1e-12
    )
    s = result.summary
    assert (s.kind, s.cells, s.zones, s.cell_size) == ("zones", 12, 2, 100.0)
    assert s.population == pytest.approx(32.5, rel=1e-12)
    assert s.population_read == 40.0
    assert s.dropped["outside"].population == pytest.approx(7.5, rel=1e-12)
    assert s.shares == "shares.csv by zone code (population zones)"


def test_zones_with_their_own_share_columns(write_zones, groups):
    path = write_zones(share__older=[0.5, 0.0], share__online=[0.5, 1.0])
    cells = build_demand_cells(path, groups, crs=BNG, kind="zones", cell_size=300).cells
    assert _group_totals(cells) == pytest.approx(
        {"share__older": 5.0, "share__online": 35.0}, rel=1e-12
    )


def test_zones_without_shares_are_an_error_and_unknown_codes_warn(
    write_zones, write_shares, groups
):
    rows = {"zone_code": ["W", "Q"], "share__older": [0.25, 1.0], "share__online": [0.75, 0.0]}
    with (
        pytest.warns(
            GatewayPlannerWarning,
            match=r"1 keys of the shares table are not among the 2 zones of zones\.gpkg",
        ),
        pytest.raises(
            InputError,
            match=r"shares\.csv: zone_code: 1 zones of zones\.gpkg that bring people into the study area \(30 in all\) have no group shares, e\.g\. 'E'",
        ),
    ):
        build_demand_cells(write_zones(), groups, crs=BNG, kind="zones", shares=write_shares(rows))


def test_vector_grid_with_shares_by_cell(tmp_path, groups):
    grid = tmp_path / "filosofi.gpkg"
    gpd.GeoDataFrame(
        {"Idcar_200m": ["A", "B"], "Ind": [12.0, 8.0]},
        geometry=[shapely.box(0, 0, 200, 200), shapely.box(200, 0, 400, 200)],
        crs=BNG,
    ).to_file(grid)
    shares = tmp_path / "seg.csv"
    pd.DataFrame(
        {"Idcar_200m": ["A", "B"], "share__older": [0.5, 0.25], "share__online": [0.5, 0.75]}
    ).to_csv(shares, index=False)
    result = build_demand_cells(
        grid,
        groups,
        crs=BNG,
        population_column="Ind",
        cell_id_column="Idcar_200m",
        shares=shares,
        shares_by="cell",
    )
    assert _group_totals(result.cells) == pytest.approx(
        {"share__older": 8.0, "share__online": 12.0}
    )
    assert result.summary.shares == "seg.csv by cell id"
    assert result.summary.kind == "vector"


def test_cells_without_any_shares(write_raster, groups):
    with pytest.raises(
        InputError,
        match=r"pop\.tif: demand\.shares: the cells carry no group shares and no shares table is given\. Fix: set demand\.shares",
    ):
        build_demand_cells(write_raster(), groups, crs=BNG)


def test_grid_shares_checked_against_the_groups(tmp_path, groups):
    grid = tmp_path / "grid.gpkg"
    gpd.GeoDataFrame(
        {"population": [1.0, 2.0], "share__older": [0.5, 0.5], "share__young": [0.5, 0.4]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=BNG,
    ).to_file(grid)
    with pytest.raises(
        InputError,
        match=r"grid\.gpkg: cells: share columns \['share__online'\] are missing and \['share__young'\] name no known group",
    ):
        build_demand_cells(grid, groups, crs=BNG)


def test_ready_cells_go_through_the_same_checks(groups):
    cells = gpd.GeoDataFrame(
        {"population": [5.0, 3.0], "share__older": [0.5, 0.7], "share__online": [0.5, 0.2]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        index=pd.Index(["a", "b"], name="cell_id"),
        crs=BNG,
    )
    with pytest.raises(
        InputError,
        match=r"pilot:test: cells: group shares do not sum to 1 in 1 cells \(worst 0\.9\)",
    ):
        build_demand_cells(cells, groups, crs=BNG, label="pilot:test")
    cells.loc["b", "share__online"] = 0.3
    result = build_demand_cells(cells, groups, crs=BNG, label="pilot:test")
    assert result.summary.kind == "cells" and result.summary.file == "pilot:test"
    assert result.summary.population == 8.0


def test_reruns_are_identical(write_raster, write_zones, write_shares, groups):
    args = (write_raster(), groups)
    kwargs = {"crs": BNG, "shares": write_shares(), "zones": write_zones(), "cell_size": 200.0}
    a, b = build_demand_cells(*args, **kwargs), build_demand_cells(*args, **kwargs)
    pd.testing.assert_frame_equal(a.cells.to_wkb(), b.cells.to_wkb())
    assert a.summary == b.summary


def test_bad_shares_by(write_raster, groups):
    with pytest.raises(InputError, match=r"demand\.shares_by: shares_by is 'lsoa'"):
        build_demand_cells(write_raster(), groups, crs=BNG, shares_by="lsoa")  # type: ignore[arg-type]


def test_zones_option_reads_the_zone_code_column(tmp_path, write_raster, write_shares, groups):
    zones = tmp_path / "lsoa.gpkg"
    gpd.GeoDataFrame({"LSOA21CD": ["W", "E"]}, geometry=[ZONE_W, ZONE_E], crs=BNG).to_file(zones)
    shares = write_shares(
        {"lsoa": ["W", "E"], "share__older": [0.25, 1.0], "share__online": [0.75, 0.0]}
    )
    cells = build_demand_cells(
        write_raster(),
        groups,
        crs=BNG,
        shares=shares,
        shares_key="lsoa",
        zones=zones,
        zone_id_column="LSOA21CD",
    ).cells
    assert np.isclose(_group_totals(cells)["share__older"], 27 * 0.25 + 38)
    with pytest.raises(
        InputError,
        match=r"lsoa\.gpkg: zone_code: column 'zone_code' is missing \(columns: \['LSOA21CD'\]\)",
    ):
        build_demand_cells(
            write_raster(), groups, crs=BNG, shares=shares, shares_key="lsoa", zones=zones
        )


def test_ready_cells_without_population_are_reported(groups):
    cells = gpd.GeoDataFrame(
        {"share__older": [1.0], "share__online": [0.0]},
        geometry=[shapely.box(0, 0, 1, 1)],
        index=pd.Index(["a"], name="cell_id"),
        crs=BNG,
    )
    with pytest.raises(InputError, match=r"mine: cells: column 'population' is missing"):
        build_demand_cells(cells, groups, crs=BNG, label="mine")


def test_load_cells_is_the_deprecated_name_of_build_demand_cells(
    write_raster, write_zones, write_shares, groups
):
    from gateway_planner.demand import load_cells

    args = (write_raster(), groups)
    kwargs = {"crs": BNG, "shares": write_shares(), "zones": write_zones()}
    with pytest.warns(
        FutureWarning,
        match=r"gateway_planner\.demand\.load_cells is deprecated and will be removed in 0\.3\.0; "
        r"use gateway_planner\.demand\.build_demand_cells",
    ) as record:
        old = load_cells(*args, **kwargs)
    assert record[0].filename == __file__  # stacklevel points at the caller
    new = build_demand_cells(*args, **kwargs)
    pd.testing.assert_frame_equal(old.cells.to_wkb(), new.cells.to_wkb())
    assert old.summary == new.summary
