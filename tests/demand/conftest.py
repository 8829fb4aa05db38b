"""Factories for small population, zone and shares files the demand tests write themselves."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from demand_files import BNG, NODATA, PIXELS, ZONE_E, ZONE_W, make_group


@pytest.fixture
def groups():
    return [make_group("older", 0.6, 1.5), make_group("online", 0.1, 1.0)]


@pytest.fixture
def write_raster(tmp_path):
    def write(
        values=PIXELS,
        *,
        origin=(1000.0, 2000.0),
        size=(100.0, 100.0),
        crs=BNG,
        nodata=NODATA,
        name="pop.tif",
    ):
        arr = np.asarray(values, dtype="float32")
        path = tmp_path / name
        transform = rasterio.Affine(size[0], 0.0, origin[0], 0.0, -size[1], origin[1])
        with rasterio.open(
            path,
            "w",
            driver="GTiff",
            width=arr.shape[1],
            height=arr.shape[0],
            count=1,
            dtype="float32",
            crs=None if crs is None else crs.to_wkt(),
            transform=transform,
            nodata=nodata,
        ) as dst:
            dst.write(arr, 1)
        return path

    return write


@pytest.fixture
def write_zones(tmp_path):
    """Zones W (x < 1200) and E with counts 10 and 30, as a GeoPackage."""

    def write(
        codes=("W", "E"),
        population=(10.0, 30.0),
        geoms=(ZONE_W, ZONE_E),
        *,
        name="zones.gpkg",
        crs=BNG,
        **columns,
    ):
        frame = gpd.GeoDataFrame(
            {"zone_code": list(codes), "population": list(population), **columns},
            geometry=list(geoms),
            crs=crs,
        )
        path = tmp_path / name
        frame.to_file(path)
        return path

    return write


@pytest.fixture
def write_shares(tmp_path):
    """A shares CSV: W is 25 % older, E 100 % older by default."""

    def write(rows=None, *, name="shares.csv"):
        rows = rows or {
            "zone_code": ["W", "E"],
            "share__older": [0.25, 1.0],
            "share__online": [0.75, 0.0],
        }
        path = tmp_path / name
        pd.DataFrame(rows).to_csv(path, index=False)
        return path

    return write
