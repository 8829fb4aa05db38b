"""Population inputs -> the ``cells`` contract in the run's projected CRS.

This module reads vector grids (GeoPackage, GeoJSON, Shapefile, Parquet) holding a population
column and ``share__<group>`` columns. Rasters and zones-with-counts come in a later step (see the
issue tracker); they will land here behind the same :func:`build_cells`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
from shapely.geometry.base import BaseGeometry

from ..errors import InputError

__all__ = ["build_cells", "choose_crs", "read_vector"]

logger = logging.getLogger(__name__)


def choose_crs(geometry: gpd.GeoSeries | gpd.GeoDataFrame, crs: str | None = None) -> pyproj.CRS:
    """Return the run's projected CRS: ``crs`` when given, else the UTM zone of the data.

    Parameters
    ----------
    geometry
        Data with a CRS.
    crs
        Requested CRS (e.g. ``"EPSG:27700"``); must be projected in metres.

    Returns
    -------
    pyproj.CRS
    """
    if crs is not None:
        chosen = pyproj.CRS.from_user_input(crs)
        if not chosen.is_projected:
            msg = f"CRS {crs} is geographic (degrees), not projected"
            raise InputError(
                msg,
                field="area.crs",
                fix="give a projected CRS in metres, e.g. EPSG:27700 or EPSG:2154, or leave it out to use UTM",
            )
        return chosen
    utm = geometry.estimate_utm_crs()
    if utm is None:  # pragma: no cover - estimate_utm_crs only fails on empty input
        msg = "cannot choose a UTM zone for empty data"
        raise InputError(msg, field="area.crs", fix="give area.crs")
    return utm


def read_vector(path: str | Path, *, field: str) -> gpd.GeoDataFrame:
    """Read a vector file (any format GDAL reads) with a clear error when it is missing or bad."""
    path = Path(path)
    if not path.exists():
        msg = "file not found"
        raise InputError(
            msg,
            file=path,
            field=field,
            fix="check the path (relative paths are read from the scenario's folder)",
        )
    try:
        frame = gpd.read_parquet(path) if path.suffix.lower() == ".parquet" else gpd.read_file(path)
    except Exception as exc:  # GDAL raises many types for unreadable files
        msg = f"cannot be read as a vector file ({type(exc).__name__}: {exc})"
        raise InputError(
            msg,
            file=path,
            field=field,
            fix="give a GeoPackage, GeoJSON, Shapefile or GeoParquet file",
        ) from None
    if frame.crs is None:
        msg = "has no CRS"
        raise InputError(
            msg,
            file=path,
            field=field,
            fix="set the file's CRS (e.g. in QGIS: Layer > Set CRS) and save it again",
        )
    return frame


def build_cells(
    path: str | Path,
    *,
    crs: pyproj.CRS,
    boundary: BaseGeometry | None = None,
    population_column: str = "population",
    id_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a vector population grid into the ``cells`` contract.

    Parameters
    ----------
    path
        Vector grid with a population column and ``share__<group>`` columns.
    crs
        Projected CRS of the run; the grid is reprojected to it.
    boundary
        Study area in ``crs``; cells are kept when their centroid falls inside it.
    population_column
        Name of the population column.
    id_column
        Column holding cell ids; the row number (as text) when None.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``cell_id`` (str), ``population``, ``share__*`` columns, polygon geometry.
    """
    path = Path(path)
    frame = read_vector(path, field="demand.population")
    if population_column not in frame.columns:
        msg = f"column {population_column!r} is missing (columns: {sorted(c for c in frame.columns if c != 'geometry')})"
        raise InputError(
            msg,
            file=path,
            field=population_column,
            fix="name the population column in demand.population_column",
        )
    pop = frame[population_column].to_numpy(dtype=float)
    bad = ~np.isfinite(pop) | (pop < 0)
    if bad.any():
        msg = f"{int(bad.sum())} rows have a negative or missing population"
        raise InputError(
            msg, file=path, field=population_column, fix="give every cell a population of 0 or more"
        )
    frame = frame.to_crs(crs)
    ids = frame[id_column].astype(str) if id_column else frame.index.astype(str)
    if ids.duplicated().any():
        msg = f"{int(ids.duplicated().sum())} duplicate cell ids, e.g. {ids[ids.duplicated()].iloc[0]!r}"
        raise InputError(msg, file=path, field=id_column or "index", fix="make cell ids unique")
    cols = [c for c in frame.columns if c.startswith("share__")]
    cells = gpd.GeoDataFrame(
        {"population": pop, **{c: frame[c].to_numpy(dtype=float) for c in cols}},
        geometry=frame.geometry.to_numpy(),
        index=ids.to_numpy(),
        crs=crs,
    )
    cells.index.name = "cell_id"
    dropped_zero = int((cells["population"] == 0).sum())
    cells = cells[cells["population"] > 0]
    if boundary is not None:
        inside = cells.geometry.centroid.within(boundary)
        dropped_out = int((~inside).sum())
        cells = cells[inside]
    else:
        dropped_out = 0
    if cells.empty:
        msg = "no populated cell inside the study area"
        raise InputError(
            msg,
            file=path,
            field="demand.population",
            fix="check that the grid and the area boundary overlap and share a CRS",
        )
    logger.info(
        "read %d cells (population %.0f) from %s; dropped %d empty and %d outside the area",
        len(cells),
        cells["population"].sum(),
        path.name,
        dropped_zero,
        dropped_out,
    )
    return cells
