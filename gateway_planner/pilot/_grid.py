"""Grid, rounding, density-class and text-writing helpers shared by the pilot build."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from ..contracts import SHARE_PREFIX

__all__ = [
    "CELL_SIZE",
    "GRID_PRECISION",
    "cell_table",
    "density_classes",
    "geojson_text",
    "round_to_total",
    "to_area_crs",
    "to_wgs84",
    "toml_value",
]

CELL_SIZE = 250.0
#: coordinates of written geometries are snapped to this grid (metres)
GRID_PRECISION = 0.1

# Explicit PROJ pipelines so a rebuild gives the same coordinates whatever grids PROJ has
# installed: WGS84 -> British National Grid by the OSGB36 7-parameter Helmert transformation
# (EPSG "OSGB36 to WGS 84 (6)", about 2 m), and WGS84 ~ RGF93 -> Lambert-93.
_PIPELINES = {
    "EPSG:27700": (
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step +proj=push +v_3 "
        "+step +proj=cart +ellps=WGS84 +step +inv +proj=helmert +x=446.448 +y=-125.157 +z=542.06 "
        "+rx=0.15 +ry=0.247 +rz=0.842 +s=-20.489 +convention=position_vector +step +inv +proj=cart "
        "+ellps=airy +step +proj=pop +v_3 +step +proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 "
        "+x_0=400000 +y_0=-100000 +ellps=airy"
    ),
    "EPSG:2154": (
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step +proj=lcc "
        "+lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=GRS80"
    ),
}


def to_area_crs(geoms: Sequence[BaseGeometry] | np.ndarray, crs: str) -> np.ndarray:
    """Project WGS84 longitude/latitude geometries to an area CRS with a fixed pipeline."""
    transformer = pyproj.Transformer.from_pipeline(_PIPELINES[crs])

    def _apply(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    projected: np.ndarray = shapely.transform(np.asarray(geoms, dtype=object), _apply)
    return projected


def to_wgs84(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Return WGS84 longitudes and latitudes of area-CRS points, by the inverse fixed pipeline."""
    transformer = pyproj.Transformer.from_pipeline(_PIPELINES[crs])
    lon, lat = transformer.transform(
        np.asarray(x, dtype=float), np.asarray(y, dtype=float), direction="INVERSE"
    )
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def round_to_total(values: np.ndarray, total: float, *, decimals: int = 2) -> np.ndarray:
    """Scale values to ``total`` and round them so the rounded values sum exactly to it.

    Largest-remainder rounding in units of ``10**-decimals``; ties go to the earlier value.
    """
    values = np.asarray(values, dtype=float)
    unit = 10**decimals
    target = round(total * unit)
    exact = values / values.sum() * target
    floor = np.floor(exact).astype(np.int64)
    short = int(target - floor.sum())
    order = np.lexsort((np.arange(len(exact)), -(exact - floor)))
    floor[order[:short]] += 1
    return np.asarray(floor / unit, dtype=float)


def density_classes(
    ix: np.ndarray,
    iy: np.ndarray,
    population: np.ndarray,
    classes: Sequence[Mapping[str, Any]],
    *,
    window: int = 3,
    cell_size: float = CELL_SIZE,
) -> np.ndarray:
    """Class of each cell by the population density of the ``window`` x ``window`` block around it.

    Parameters
    ----------
    ix, iy
        Integer grid column and row of each cell.
    population
        People per cell.
    classes
        ``{"id", "min_people_per_km2"}`` tables, densest first; the last should have minimum 0.
    window
        Odd block size in cells.
    cell_size
        Cell side in metres.

    Returns
    -------
    numpy.ndarray
        Class id per cell (object array).
    """
    half = window // 2
    x0, y0 = ix.min() - half, iy.min() - half
    grid = np.zeros((ix.max() - x0 + half + 1, iy.max() - y0 + half + 1))
    np.add.at(grid, (ix - x0, iy - y0), population)
    block = np.zeros(len(ix))
    for dx in range(-half, half + 1):
        for dy in range(-half, half + 1):
            block += grid[ix - x0 + dx, iy - y0 + dy]
    density = block / (window * window * (cell_size / 1000.0) ** 2)
    out = np.full(len(ix), str(classes[-1]["id"]), dtype=object)
    for cls in reversed(classes):
        out[density >= float(cls["min_people_per_km2"])] = str(cls["id"])
    return out


def cell_table(
    ix: np.ndarray,
    iy: np.ndarray,
    population: np.ndarray,
    classes: Sequence[Mapping[str, Any]],
    group_ids: Sequence[str],
    *,
    window: int,
    cell_size: float = CELL_SIZE,
) -> pd.DataFrame:
    """Assemble the ``cells.csv`` table (sorted north to south, then west to east).

    Parameters
    ----------
    ix, iy
        Integer grid column and row of each cell.
    population
        People per cell.
    classes
        Density classes (:func:`density_classes`), each with ``shares`` (group id -> share)
        when ``group_ids`` are given.
    group_ids
        Groups whose ``share__<group id>`` columns take the shares of the cell's class; none
        for cells whose shares come from elsewhere (the Swale cells: the OAC).
    window
        Odd block size in cells of the density.
    cell_size
        Cell side in metres.

    Returns
    -------
    pandas.DataFrame
        ``cell_id``, ``x``, ``y`` (cell centre), ``population``, ``density_class`` and the
        share columns.
    """
    klass = density_classes(ix, iy, population, classes, window=window, cell_size=cell_size)
    half = cell_size / 2.0
    x = ix * cell_size + half
    y = iy * cell_size + half
    df = pd.DataFrame(
        {
            "cell_id": [f"{int(a)}_{int(b)}" for a, b in zip(x, y, strict=True)],
            "x": x,
            "y": y,
            "population": population,
            "density_class": klass,
        }
    )
    shares = {str(c["id"]): c.get("shares", {}) for c in classes}
    for gid in group_ids:
        df[f"{SHARE_PREFIX}{gid}"] = [float(shares[k][gid]) for k in klass]
    order = np.lexsort((x, -y))
    return df.iloc[order].reset_index(drop=True)


def toml_value(value: Any) -> str:
    """Render a string, number, bool or list of them as TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(round(value, 6))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, str) for v in value) and value:
            return "[\n" + "".join(f"  {toml_value(v)},\n" for v in value) + "]"
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    msg = f"cannot write {type(value).__name__} as TOML"
    raise TypeError(msg)


def _coords(geom: BaseGeometry) -> Any:
    def ring(r: Any) -> list[list[float]]:
        return [[round(x, 1), round(y, 1)] for x, y in r.coords]

    if geom.geom_type == "Polygon":
        return [ring(geom.exterior), *[ring(i) for i in geom.interiors]]
    return [_coords(p) for p in geom.geoms]


def geojson_text(name: str, crs: str, units: pd.DataFrame) -> str:
    """Write units as a FeatureCollection in a projected CRS, one feature per line, to 0.1 m."""
    epsg = crs.split(":")[1]
    lines = [
        "{",
        '"type": "FeatureCollection",',
        f'"name": {json.dumps(name)},',
        f'"crs": {{"type": "name", "properties": {{"name": "urn:ogc:def:crs:EPSG::{epsg}"}}}},',
        '"features": [',
    ]
    features = []
    for code, unit_name, geom in zip(units["code"], units["name"], units["geometry"], strict=True):
        feature = {
            "type": "Feature",
            "properties": {"code": str(code), "name": str(unit_name)},
            "geometry": {"type": geom.geom_type, "coordinates": _coords(geom)},
        }
        features.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    lines.append(",\n".join(features))
    lines += ["]", "}"]
    return "\n".join(lines) + "\n"
