"""Vector grids (INSEE Filosofi squares, hexagons, any polygons) and CSV grids -> cells.

A vector grid's polygons are the cells; a CSV grid gives cell centres ``x``, ``y`` in the run's
CRS and the cells are squares of ``cell_size`` around them. Both carry a population column and,
optionally, one ``share__<group id>`` column per customer group.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from ..errors import InputError
from ._files import (
    ReadCells,
    check_polygons,
    population_values,
    read_table,
    read_vector,
    unique_ids,
)
from ._grid import cell_ids, centre_inside
from .contract import SHARE_PREFIX
from .summary import Dropped

__all__ = ["read_csv_grid", "read_vector_grid"]

_FIELD = "demand.population"


def _finish(
    cells: gpd.GeoDataFrame, *, outline: BaseGeometry | None, cell_size: float | None
) -> ReadCells:
    """Drop empty cells and cells centred outside the study area; count what was dropped."""
    cells.index.name = "cell_id"
    population_read = float(cells["population"].sum())
    empty = cells["population"].to_numpy() == 0
    dropped = {"empty": Dropped(int(empty.sum()))}
    cells = cells[~empty]
    if outline is not None:
        centres = shapely.centroid(cells.geometry.array)
        inside = centre_inside(outline, shapely.get_x(centres), shapely.get_y(centres))
        dropped["outside"] = Dropped(
            int((~inside).sum()), float(cells["population"].to_numpy()[~inside].sum())
        )
        cells = cells[inside]
    return ReadCells(
        cells=cells, population_read=population_read, dropped=dropped, cell_size=cell_size
    )


def _shares(frame: pd.DataFrame, file: Path) -> dict[str, np.ndarray]:
    out = {}
    for column in (c for c in frame.columns if str(c).startswith(SHARE_PREFIX)):
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(values).all():
            msg = f"{int((~np.isfinite(values)).sum())} rows have a missing or non-numeric share"
            raise InputError(msg, file=file, field=column, fix="give every row a share from 0 to 1")
        out[str(column)] = values
    return out


def read_vector_grid(
    path: Path,
    *,
    crs: pyproj.CRS,
    outline: BaseGeometry | None,
    population_column: str,
    id_column: str | None,
) -> ReadCells:
    """Read polygons with a population column as cells (only those near the study area).

    Parameters
    ----------
    path
        GeoPackage, GeoJSON, Shapefile, GeoParquet, ...
    crs
        The run's projected CRS.
    outline
        Study area in ``crs``; cells whose centroid lies outside are left out.
    population_column
        Population column.
    id_column
        Column of cell ids; the features' ids (FID) when None.

    Returns
    -------
    ReadCells
    """
    bbox = None if outline is None else gpd.GeoSeries([shapely.box(*outline.bounds)], crs=crs)
    frame = read_vector(path, field=_FIELD, bbox=bbox, fid_as_index=True)
    if frame.empty:
        msg = "no feature lies within the study area's bounding box"
        raise InputError(
            msg,
            file=path,
            field=_FIELD,
            fix="use a grid that covers the study area (check both files' CRS)",
        )
    check_polygons(frame, file=path, what="cells")
    pop = population_values(frame, population_column, file=path, what="cells")
    if id_column is None:
        ids = unique_ids(frame.index.to_series(), file=path, field="FID", what="cell")
    elif id_column not in frame.columns:
        msg = f"column {id_column!r} is missing"
        raise InputError(
            msg, file=path, field=id_column, fix="name the cell id column in demand.cell_id_column"
        )
    else:
        ids = unique_ids(frame[id_column], file=path, field=id_column, what="cell")
    shares = _shares(frame, path)
    geometry = frame.geometry.to_crs(crs).to_numpy()
    cells = gpd.GeoDataFrame(
        {"population": pop, **shares}, geometry=geometry, index=pd.Index(ids), crs=crs
    )
    return _finish(cells, outline=outline, cell_size=None)


def read_csv_grid(
    path: Path,
    *,
    crs: pyproj.CRS,
    outline: BaseGeometry | None,
    population_column: str,
    id_column: str | None,
    cell_size: float | None,
) -> ReadCells:
    """Read a table of square cells: centres ``x``, ``y`` in ``crs``, population, shares.

    Parameters
    ----------
    path
        CSV file with columns ``x``, ``y``, the population column, optional ``cell_id`` and
        ``share__<group id>`` columns (the pilot's ``cells.csv`` shape).
    crs
        The run's CRS, the one ``x`` and ``y`` are in.
    outline
        Study area in ``crs``.
    population_column
        Population column.
    id_column
        Column of cell ids; ``cell_id`` when present, else ``"<x>_<y>"`` of the lower-left
        corner.
    cell_size
        Side of the squares in metres.

    Returns
    -------
    ReadCells
    """
    if cell_size is None:
        msg = "a CSV grid needs the cell size"
        raise InputError(
            msg, file=path, field="demand.cell_size", fix="set demand.cell_size in metres, e.g. 250"
        )
    key = id_column or "cell_id"
    frame = read_table(path, field=_FIELD, key=key)
    missing = [c for c in ("x", "y") if c not in frame.columns]
    if missing:
        msg = f"columns {missing} are missing (x, y: cell centres in the run's CRS)"
        raise InputError(
            msg, file=path, field=missing[0], fix="add the cell centres as x, y columns"
        )
    xy = {}
    for axis in ("x", "y"):
        xy[axis] = pd.to_numeric(frame[axis], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(xy[axis]).all():
            msg = f"{int((~np.isfinite(xy[axis])).sum())} rows have no {axis} coordinate"
            raise InputError(msg, file=path, field=axis, fix="write plain numbers (metres)")
    pop = population_values(frame, population_column, file=path, what="cells")
    half = cell_size / 2
    x0, y0 = xy["x"] - half, xy["y"] - half
    if key in frame.columns:
        ids = unique_ids(frame[key], file=path, field=key, what="cell")
    elif id_column is not None:
        msg = f"column {id_column!r} is missing"
        raise InputError(
            msg, file=path, field=id_column, fix="name the cell id column in demand.cell_id_column"
        )
    else:
        ids = unique_ids(pd.Series(cell_ids(x0, y0)), file=path, field="x/y", what="cell")
    cells = gpd.GeoDataFrame(
        {"population": pop, **_shares(frame, path)},
        geometry=shapely.box(x0, y0, x0 + cell_size, y0 + cell_size),
        index=pd.Index(ids),
        crs=crs,
    )
    return _finish(cells, outline=outline, cell_size=cell_size)
