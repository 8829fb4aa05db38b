"""The one set of readers of sites, cells CSV and boundaries (the planner's files and the pilot's)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from gateway_planner._readers import read_boundary, read_cell_squares, read_cells_csv, read_sites
from gateway_planner.errors import InputError

CELLS = """\
cell_id,x,y,population,density_class,share__a,share__b
c1,125.0,125.0,10.5,urban,0.25,0.75
c2,375.0,125.0,4,rural,1,0
"""
SITES = """\
site_id,name,status,capacity,x,y,location_source
s1,"Hall, Main Street",existing,,100.0,100.0,measured: survey
s2,Library,candidate,250,300.0,120.0,assumed: centre
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- cells CSV --------------------------------------------------------------------------------


def test_read_cells(tmp_path: Path) -> None:
    cells = read_cells_csv(_write(tmp_path, "cells.csv", CELLS), crs="EPSG:27700", cell_size=250)
    assert list(cells.index) == ["c1", "c2"]
    assert cells.index.name == "cell_id"
    assert list(cells.columns) == [
        "population",
        "share__a",
        "share__b",
        "density_class",
        "geometry",
    ]
    assert cells.crs == "EPSG:27700"
    np.testing.assert_allclose(cells.geometry.area, 62_500.0)


def test_read_cells_clips_to_boundary(tmp_path: Path) -> None:
    boundary = shapely.box(0, 0, 400, 250)
    cells = read_cells_csv(
        _write(tmp_path, "cells.csv", CELLS), crs="EPSG:27700", cell_size=250, boundary=boundary
    )
    np.testing.assert_allclose(cells.geometry.area, [62_500.0, 150 * 250])
    with pytest.raises(InputError, match=r"1 cell\(s\) lie outside the boundary \(first 'c2'\)"):
        read_cells_csv(
            tmp_path / "cells.csv",
            crs="EPSG:27700",
            cell_size=250,
            boundary=shapely.box(0, 0, 250, 250),
        )


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        (
            "0.25,0.75",
            "0.25,0.70",
            r"share__a: 1 row\(s\) whose group shares do not sum to 1 \(cell 'c1': 0.95\)",
        ),
        ("c2,", "c1,", r"cell_id: 1 duplicate cell ids, e\.g\. 'c1'"),
        (",4,", ",-4,", r"population: 1 cells have a negative population \(first: 'c2' = -4\)"),
        (
            "10.5",
            "ten",
            r"population: 1 cells have a missing or non-numeric population \(first: 'c1' = 'ten'\)",
        ),
        ("cell_id,x", "id,x", r"cell_id: columns \['cell_id'\] are missing"),
    ],
)
def test_read_cells_errors(tmp_path: Path, old: str, new: str, match: str) -> None:
    path = _write(tmp_path, "cells.csv", CELLS.replace(old, new, 1))
    with pytest.raises(InputError, match=match):
        read_cells_csv(path, crs="EPSG:27700", cell_size=250)


def test_read_cells_reports_every_value_problem_at_once(tmp_path: Path) -> None:
    text = CELLS.replace("10.5", "ten").replace("375.0", "far").replace(",1,0", ",one,0")
    with pytest.raises(InputError, match=r"cells\.csv: 3 problems: \(1\) x: 1 cells") as info:
        read_cells_csv(_write(tmp_path, "cells.csv", text), crs="EPSG:27700", cell_size=250)
    fields = [p.field for p in info.value.problems]
    assert fields == ["x", "population", "share__a"]
    assert all(p.fix for p in info.value.problems)


def test_read_cells_needs_share_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "cells.csv", "cell_id,x,y,population\nc1,0,0,1\n")
    with pytest.raises(InputError, match="no share__<group> columns"):
        read_cells_csv(path, crs="EPSG:27700", cell_size=250)
    with pytest.raises(InputError, match="cell_size: cell size is 0"):
        read_cells_csv(path, crs="EPSG:27700", cell_size=0)


def test_cell_squares_without_ids_are_named_after_their_corner(tmp_path: Path) -> None:
    path = _write(tmp_path, "grid.csv", "x,y,pop,share__a\n150,250,3,1\n250,250,0,1\n")
    cells = read_cell_squares(path, crs="EPSG:27700", cell_size=100, population_column="pop")
    assert list(cells.index) == ["100_200", "200_200"]
    assert list(cells.columns) == ["population", "share__a", "geometry"]
    assert cells.geometry.iloc[0].equals(shapely.box(100, 200, 200, 300))
    with pytest.raises(InputError, match=r"x/y: 1 duplicate cell ids, e\.g\. '100_200'"):
        read_cell_squares(
            _write(tmp_path, "dup.csv", "x,y,population\n150,250,1\n150,250,2\n"),
            crs="EPSG:27700",
            cell_size=100,
        )


# ---- sites ------------------------------------------------------------------------------------


def test_read_sites(tmp_path: Path) -> None:
    sites = read_sites(_write(tmp_path, "sites.csv", SITES), crs="EPSG:2154")
    assert list(sites.index) == ["s1", "s2"]
    assert sites.index.name == "site_id"
    assert list(sites.columns) == ["name", "status", "capacity", "location_source", "geometry"]
    assert sites.loc["s1", "name"] == "Hall, Main Street"
    assert np.isnan(sites.loc["s1", "capacity"])
    assert sites.loc["s2", "capacity"] == 250.0
    assert list(sites["status"]) == ["existing", "candidate"]
    assert sites.crs == "EPSG:2154"
    assert sites.geometry.iloc[1].equals(shapely.Point(300, 120))


def test_site_status_is_read_in_any_case(tmp_path: Path) -> None:
    text = SITES.replace(",existing,", ", Existing ,").replace(",candidate,", ",CANDIDATE,")
    sites = read_sites(_write(tmp_path, "sites.csv", text), crs="EPSG:2154")
    assert list(sites["status"]) == ["existing", "candidate"]


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        (
            "existing",
            "open",
            r"sites\.csv: status: 1 sites have a status other than existing or candidate "
            r"\(first: 's1' = 'open'\)\. Fix: write existing or candidate",
        ),
        (
            ",250,",
            ",lots,",
            r"sites\.csv: capacity: 1 sites have a non-numeric capacity \(first: 's2' = 'lots'\)\. "
            r"Fix: use visits per month, 0 or more, or leave it empty",
        ),
        (
            ",250,",
            ",-5,",
            r"sites\.csv: capacity: 1 sites have a negative capacity \(first: 's2' = -5\)\. "
            r"Fix: use visits per month, 0 or more, or leave it empty",
        ),
        ("s2,", "s1,", r"site_id: 1 duplicate site ids, e\.g\. 's1'"),
        ("300.0,", "east,", r"x: 1 sites have a missing or non-numeric x coordinate"),
        ("status", "state", r"status: column 'status' is missing"),
    ],
)
def test_read_sites_errors(tmp_path: Path, old: str, new: str, match: str) -> None:
    path = _write(tmp_path, "sites.csv", SITES.replace(old, new, 1))
    with pytest.raises(InputError, match=match):
        read_sites(path, crs="EPSG:2154")


def test_read_sites_reports_every_problem_at_once(tmp_path: Path) -> None:
    text = SITES.replace("s2,", "s1,").replace("existing", "open").replace(",250,", ",-5,")
    with pytest.raises(InputError, match=r"sites\.csv: 3 problems: \(1\) site_id:") as info:
        read_sites(_write(tmp_path, "sites.csv", text), crs="EPSG:2154")
    assert [p.field for p in info.value.problems] == ["site_id", "status", "capacity"]


def test_read_sites_from_lon_lat_and_defaults(tmp_path: Path) -> None:
    path = _write(tmp_path, "sites.csv", "site_id,status,lon,lat,cost\nhq,existing,0.75,51.35,3\n")
    sites = read_sites(path, crs=pyproj.CRS("EPSG:27700"))
    assert sites.loc["hq", "name"] == "hq"
    assert np.isnan(sites.loc["hq", "capacity"])
    assert sites.loc["hq", "cost"] == 3  # other columns are kept
    assert 590_000 < sites.geometry.iloc[0].x < 595_000
    with pytest.raises(InputError, match=r"x/y: needs columns x, y \(in the run's CRS\) or lon"):
        read_sites(_write(tmp_path, "bad.csv", "site_id,status\nhq,existing\n"), crs="EPSG:27700")


def test_sites_without_rows_or_with_degrees_out_of_range_are_refused(tmp_path: Path) -> None:
    header = _write(tmp_path, "sites.csv", SITES.splitlines()[0] + "\n")
    with pytest.raises(
        InputError,
        match=r"sites\.csv: sites\.file: has a header row but no sites\. Fix: add one row per site",
    ):
        read_sites(header, crs="EPSG:2154")
    swapped = _write(tmp_path, "swapped.csv", "site_id,status,lon,lat\nhq,existing,51.35,0.75\n")
    assert len(read_sites(swapped, crs="EPSG:27700")) == 1  # valid degrees: the area says more
    beyond = _write(tmp_path, "beyond.csv", "site_id,status,lon,lat\nhq,existing,-33.9,151.2\n")
    with pytest.raises(
        InputError,
        match=r"beyond\.csv: lat: 1 sites have a lat outside -90\.\.90 \(first: 'hq' = 151\.2\); "
        r"lon/lat swapped\?\. Fix: give lon \(east-west, -180 to 180\) and lat",
    ):
        read_sites(beyond, crs="EPSG:27700")


def test_read_sites_from_a_vector_file(tmp_path: Path) -> None:
    path = tmp_path / "sites.gpkg"
    gpd.GeoDataFrame(
        {"site_id": ["a", "b"], "status": ["Existing", "candidate"], "capacity": [10.0, None]},
        geometry=[shapely.Point(0.75, 51.35), shapely.Point(0.76, 51.36)],
        crs=4326,
    ).to_file(path)
    sites = read_sites(path, crs="EPSG:27700")
    assert list(sites["status"]) == ["existing", "candidate"]
    assert sites.crs == "EPSG:27700"
    gpd.GeoDataFrame(
        {"site_id": ["a"], "status": ["existing"]},
        geometry=[shapely.box(0, 0, 1, 1)],
        crs=27700,
    ).to_file(path)
    with pytest.raises(InputError, match=r"geometry: holds geometries other than points"):
        read_sites(path, crs="EPSG:27700")


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.csv: sites\.file: file not found"):
        read_sites(tmp_path / "nope.csv", crs="EPSG:2154")
    with pytest.raises(InputError, match="boundary file not found"):
        read_boundary(tmp_path / "nope.geojson")


# ---- boundaries -------------------------------------------------------------------------------


def test_read_boundary(tmp_path: Path) -> None:
    path = tmp_path / "units.geojson"
    gpd.GeoDataFrame(
        {"code": [1, 2], "name": ["A", "B"], "other": [0, 0]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=27700,
    ).to_file(path)
    units = read_boundary(path, crs="EPSG:4326")
    assert list(units.columns) == ["code", "name", "geometry"]
    assert list(units["code"]) == ["1", "2"]
    assert units.crs == "EPSG:4326"
    gpd.GeoDataFrame({"name": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=27700).to_file(path)
    with pytest.raises(InputError, match=r"units\.geojson: code: columns \['code'\] are missing"):
        read_boundary(path)
