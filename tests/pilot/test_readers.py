"""Readers of cells.csv / sites.csv / boundary files (also used for user files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from gateway_planner.errors import InputError
from gateway_planner.pilot import read_boundary, read_cells_csv, read_sites_csv

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
        ("c2,", "c1,", r"cell_id: 1 duplicated identifier\(s\), e.g. 'c1'"),
        (",4,", ",-4,", r"population: negative population -4.0 in cell 'c2'"),
        ("10.5", "ten", r"population: 1 value\(s\) are not numbers"),
        ("cell_id,x", "id,x", r"cell_id: missing columns \['cell_id'\]"),
    ],
)
def test_read_cells_errors(tmp_path: Path, old: str, new: str, match: str) -> None:
    path = _write(tmp_path, "cells.csv", CELLS.replace(old, new, 1))
    with pytest.raises(InputError, match=match):
        read_cells_csv(path, crs="EPSG:27700", cell_size=250)


def test_read_cells_needs_share_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "cells.csv", "cell_id,x,y,population\nc1,0,0,1\n")
    with pytest.raises(InputError, match="no share__<group> columns"):
        read_cells_csv(path, crs="EPSG:27700", cell_size=250)
    with pytest.raises(InputError, match="cell_size: cell size is 0"):
        read_cells_csv(path, crs="EPSG:27700", cell_size=0)


def test_read_sites(tmp_path: Path) -> None:
    sites = read_sites_csv(_write(tmp_path, "sites.csv", SITES), crs="EPSG:2154")
    assert list(sites.index) == ["s1", "s2"]
    assert sites.loc["s1", "name"] == "Hall, Main Street"
    assert np.isnan(sites.loc["s1", "capacity"])
    assert sites.loc["s2", "capacity"] == 250.0
    assert list(sites["status"]) == ["existing", "candidate"]
    assert sites.crs == "EPSG:2154"


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        (
            "existing",
            "open",
            r"status: status 'open' of site 's1' is not one of \['existing', 'candidate'\]",
        ),
        (",250,", ",lots,", r"capacity: 1 value\(s\) are not numbers"),
        (",250,", ",-5,", "capacity: negative capacity"),
        ("s2,", "s1,", r"site_id: 1 duplicated identifier"),
    ],
)
def test_read_sites_errors(tmp_path: Path, old: str, new: str, match: str) -> None:
    path = _write(tmp_path, "sites.csv", SITES.replace(old, new, 1))
    with pytest.raises(InputError, match=match):
        read_sites_csv(path, crs="EPSG:2154")


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.csv: file not found"):
        read_sites_csv(tmp_path / "nope.csv", crs="EPSG:2154")
    with pytest.raises(InputError, match="boundary file not found"):
        read_boundary(tmp_path / "nope.geojson")
