"""The shared contracts: the study Area, the demand summary, the names cells and sites share."""

import json

import geopandas as gpd
import pandas as pd
import pyproj
import shapely

import gateway_planner.demand
from gateway_planner._io import json_dumps
from gateway_planner.contracts import (
    SHARE_PREFIX,
    SITE_STATUSES,
    Area,
    DemandSummary,
    Dropped,
)


def test_summary_to_dict_and_log_line():
    s = DemandSummary(
        file="pop.tif",
        kind="raster",
        crs="EPSG:27700",
        cells=10,
        population=65.0,
        population_read=80.0,
        dropped={"outside": Dropped(3, 15.0), "nodata": Dropped(2), "empty": Dropped(0)},
        shares="shares.csv by zone code (lsoa.gpkg, area-weighted)",
    )
    d = s.to_dict()
    assert list(d["dropped"]) == ["nodata", "empty", "outside"]
    assert d["dropped"]["outside"] == {"count": 3, "population": 15.0}
    assert json.loads(json_dumps(d))["cells"] == 10
    assert s.describe() == (
        "raster pop.tif: 10 cells, population 65 of 80 read; dropped 2 nodata, 3 outside (15 people); "
        "shares from shares.csv by zone code (lsoa.gpkg, area-weighted)"
    )


def test_demand_and_area_keep_exporting_the_contracts():
    from gateway_planner import area

    assert gateway_planner.demand.DemandSummary is DemandSummary
    assert gateway_planner.demand.Dropped is Dropped
    assert area.Area is Area


def test_area_outline_and_existing_sites():
    crs = pyproj.CRS("EPSG:27700")
    boundary = gpd.GeoDataFrame(
        {"code": ["a", "b"]}, geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=crs
    )
    sites = gpd.GeoDataFrame(
        {"status": ["candidate", "existing", "existing"]},
        geometry=[shapely.Point(0.5, 0.5)] * 3,
        index=pd.Index(["s1", "s2", "s3"], name="site_id"),
        crs=crs,
    )
    cells = gpd.GeoDataFrame(
        {"population": [1.0], f"{SHARE_PREFIX}g": [1.0]},
        geometry=[shapely.box(0, 0, 1, 1)],
        crs=crs,
    )
    area = Area(id="t", name="T", crs=crs, boundary=boundary, cells=cells, sites=sites, groups=[])
    assert area.outline.equals(shapely.box(0, 0, 2, 1))
    assert area.existing == ("s2", "s3")
    assert set(sites["status"]) <= set(SITE_STATUSES)
    assert area.demand is None and area.proxy_params is None and dict(area.inputs) == {}
