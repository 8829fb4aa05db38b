"""The study area from a scenario: the planner's own files, and the pilot pack through the same checks."""

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely

from gateway_planner import pilot
from gateway_planner.area import load_area
from gateway_planner.config import load_scenario, scenario_from_dict
from gateway_planner.errors import GatewayPlannerWarning, InputError

GROUPS = """
[[group]]
id = "older"
name = "Older residents"
visits_per_person_year = 1.5
source = "measured: survey 2024"
channels = { face_to_face = 0.6, phone = 0.3, web = 0.1 }
modes = { drive = 0.4, walk = 0.6 }

[[group]]
id = "online"
name = "Online"
visits_per_person_year = 1.0
channels = { face_to_face = 0.1, phone = 0.2, web = 0.7 }
modes = { drive = 1.0 }
"""
ZONE_W = shapely.box(1000, 1700, 1200, 2000)
ZONE_E = shapely.box(1200, 1700, 1400, 2000)


@pytest.fixture
def planner_files(tmp_path):
    """A planner's folder: boundary, raster, zones, shares, groups, sites (British National Grid)."""
    folder = tmp_path / "kent"
    (folder / "data").mkdir(parents=True)
    gpd.GeoDataFrame(
        {"name": ["area"]}, geometry=[shapely.box(1000, 1700, 1400, 2000)], crs=27700
    ).to_file(folder / "data" / "area.gpkg")
    values = np.array([[1, 2, 3, 4], [5, -9999, 0, 8], [9, 10, 11, 12]], dtype="float32")
    with rasterio.open(
        folder / "data" / "pop.tif",
        "w",
        driver="GTiff",
        width=4,
        height=3,
        count=1,
        dtype="float32",
        crs="EPSG:27700",
        transform=rasterio.Affine(100.0, 0.0, 1000.0, 0.0, -100.0, 2000.0),
        nodata=-9999,
    ) as dst:
        dst.write(values, 1)
    gpd.GeoDataFrame(
        {"LSOA21CD": ["W", "E"], "people": [10.0, 30.0]}, geometry=[ZONE_W, ZONE_E], crs=27700
    ).to_file(folder / "data" / "lsoa.gpkg")
    pd.DataFrame(
        {"LSOA21CD": ["W", "E"], "share__older": [0.25, 1.0], "share__online": [0.75, 0.0]}
    ).to_csv(folder / "data" / "shares.csv", index=False)
    (folder / "groups.toml").write_text(GROUPS)
    pd.DataFrame(
        {
            "site_id": ["hq", "c1"],
            "name": ["HQ", "C1"],
            "status": ["existing", "candidate"],
            "x": [1050, 1350],
            "y": [1750, 1950],
        }
    ).to_csv(folder / "data" / "sites.csv", index=False)
    return folder


def _scenario(folder, demand):
    text = f"""
name = "kent"
[area]
boundary = "data/area.gpkg"
crs = "EPSG:27700"
[demand]
groups = "groups.toml"
{demand}
[sites]
file = "data/sites.csv"
"""
    path = folder / "scenario.toml"
    path.write_text(text)
    return load_scenario(path)


def _group_totals(cells):
    return {
        c: float((cells[c] * cells["population"]).sum()) for c in ("share__older", "share__online")
    }


def test_user_area_from_a_raster_and_shares_by_lsoa(planner_files):
    scenario = _scenario(
        planner_files,
        'population = "data/pop.tif"\nshares = "data/shares.csv"\nzones = "data/lsoa.gpkg"\nzone_id_column = "LSOA21CD"',
    )
    area = load_area(scenario)
    assert area.cells["population"].sum() == 65.0
    assert _group_totals(area.cells) == pytest.approx(
        {"share__older": 27 * 0.25 + 38, "share__online": 27 * 0.75}
    )
    assert area.demand is not None and area.demand.kind == "raster" and area.demand.cells == 10
    assert area.demand.shares == "shares.csv by zone code (lsoa.gpkg, area-weighted)"
    assert area.inputs["demand.shares"] == (planner_files / "data" / "shares.csv").resolve()
    assert area.inputs["demand.zones"] == (planner_files / "data" / "lsoa.gpkg").resolve()
    assert [g.id for g in area.groups] == ["older", "online"]


def test_user_area_from_zones_with_counts_in_utm(planner_files):
    # a boundary in degrees and no area.crs: the run's CRS is the UTM zone of the data
    gpd.GeoDataFrame(geometry=[shapely.box(1000, 1700, 1400, 2000)], crs=27700).to_crs(
        4326
    ).to_file(planner_files / "data" / "area.gpkg")
    scenario = _scenario(
        planner_files,
        'population = "data/lsoa.gpkg"\npopulation_kind = "zones"\npopulation_column = "people"\n'
        'zone_id_column = "LSOA21CD"\ncell_size = 100\nshares = "data/shares.csv"',
    ).with_updates({"area.crs": None})
    area = load_area(scenario)
    assert area.crs.to_epsg() == 32629  # off Cornwall: BNG (1000, 1700) lies at about 7.5 W
    assert area.cells["population"].sum() == pytest.approx(40.0, rel=1e-6)
    assert _group_totals(area.cells)["share__online"] == pytest.approx(7.5, rel=1e-6)
    assert area.demand.kind == "zones" and area.demand.zones == 2


def test_user_area_errors_name_the_file(planner_files):
    pd.DataFrame({"LSOA21CD": ["W"], "share__older": [0.25], "share__online": [0.75]}).to_csv(
        planner_files / "data" / "shares.csv", index=False
    )
    scenario = _scenario(
        planner_files,
        'population = "data/pop.tif"\nshares = "data/shares.csv"\nzones = "data/lsoa.gpkg"\nzone_id_column = "LSOA21CD"',
    )
    with pytest.raises(
        InputError,
        match=r"shares\.csv: LSOA21CD: 1 zones of .*lsoa\.gpkg holding people of the study area have no group shares, e\.g\. 'E'",
    ):
        load_area(scenario)


def _sites(folder, **changes):
    path = folder / "data" / "sites.csv"
    sites = pd.read_csv(path)
    for column, values in changes.items():
        sites[column] = values
    sites.to_csv(path, index=False)


def _raster_scenario(folder):
    return _scenario(
        folder,
        'population = "data/pop.tif"\nshares = "data/shares.csv"\n'
        'zones = "data/lsoa.gpkg"\nzone_id_column = "LSOA21CD"',
    )


def test_user_sites_status_in_any_case_and_capacities(planner_files):
    _sites(planner_files, status=["Existing", "CANDIDATE"], capacity=[120, None])
    area = load_area(_raster_scenario(planner_files))
    assert area.existing == ("hq",)
    assert list(area.sites["status"]) == ["existing", "candidate"]
    assert area.sites["capacity"].tolist()[0] == 120.0
    assert np.isnan(area.sites.loc["c1", "capacity"])


def test_user_sites_negative_capacity_is_refused(planner_files):
    _sites(planner_files, capacity=[120, -3])
    with pytest.raises(
        InputError,
        match=r"sites\.csv: capacity: 1 sites have a negative capacity \(first: 'c1' = -3\)\. "
        r"Fix: use visits per month, 0 or more, or leave it empty",
    ):
        load_area(_raster_scenario(planner_files))


def test_demand_keys_are_checked():
    base = {"name": "t", "area": {"pilot": "swale"}}
    with pytest.raises(InputError, match=r"demand\.population_kinds: unknown key"):
        scenario_from_dict({**base, "demand": {"population_kinds": "raster"}})
    with pytest.raises(InputError, match=r"demand\.population_kind: .*got 'grid'.*Fix: use one of"):
        scenario_from_dict({**base, "demand": {"population_kind": "grid"}})
    with pytest.raises(
        InputError, match=r"demand: a CSV grid \(demand\.population\) needs demand\.cell_size"
    ):
        scenario_from_dict({**base, "demand": {"population": "cells.csv"}})
    with pytest.raises(InputError, match=r"demand: demand\.zones is only read with demand\.shares"):
        scenario_from_dict({**base, "demand": {"zones": "lsoa.gpkg"}})
    with pytest.raises(InputError, match=r"demand: demand\.zones is for shares by zone"):
        scenario_from_dict(
            {**base, "demand": {"zones": "z.gpkg", "shares": "s.csv", "shares_by": "cell"}}
        )


# ---- the pilot pack goes through the same code ----------------------------------------------------


def test_pilot_area_summary():
    area = load_area(scenario_from_dict({"name": "s", "area": {"pilot": "swale"}}))
    assert area.demand.to_dict() | {"dropped": None} == {
        "file": "pilot:swale",
        "kind": "pilot",
        "crs": "EPSG:27700",
        "cells": len(area.cells),
        "population": pytest.approx(151_700),
        "population_read": pytest.approx(151_700),
        "dropped": None,
        "cell_size": None,
        "zones": None,
        "shares": "pilot:swale (share__ columns)",
    }


def test_pilot_cells_pass_the_contract_checks(monkeypatch):
    real = pilot.load_pilot("swale")
    cells = real.cells.copy()
    cells.iloc[
        0, cells.columns.get_loc(next(c for c in cells.columns if c.startswith("share__")))
    ] += 0.5
    monkeypatch.setattr(pilot, "load_pilot", lambda area: dataclasses.replace(real, cells=cells))
    with pytest.raises(
        InputError, match=r"pilot:swale: cells: group shares do not sum to 1 in 1 cells"
    ):
        load_area(scenario_from_dict({"name": "s", "area": {"pilot": "swale"}}))


def test_pilot_with_measured_shares_per_lsoa(tmp_path):
    real = pilot.load_pilot("swale")
    ids = [g.id for g in real.groups]
    codes = list(real.boundary["code"])
    shares = {"lsoa": [*codes, "E99999999"]}
    for i, gid in enumerate(ids):
        shares[f"share__{gid}"] = [1.0 if i == 0 else 0.0] * (len(codes) + 1)
    path = tmp_path / "segmentation.csv"
    pd.DataFrame(shares).to_csv(path, index=False)
    scenario = scenario_from_dict(
        {
            "name": "s",
            "area": {"pilot": "swale"},
            "demand": {"shares": str(path), "zone_id_column": "lsoa"},
        }
    )
    with pytest.warns(
        GatewayPlannerWarning, match=r"1 keys of the shares table are not among the 85 zones"
    ):
        area = load_area(scenario)
    assert (area.cells[f"share__{ids[0]}"] == 1.0).all()
    assert area.cells["population"].sum() == pytest.approx(151_700)
    assert (
        area.demand.shares == "segmentation.csv by zone code (pilot:swale boundary, area-weighted)"
    )
