"""Vector grids (INSEE Filosofi squares, hexagons, any polygons) and CSV grids -> cells.

A vector grid's polygons are the cells; a CSV grid gives cell centres ``x``, ``y`` in the run's
CRS and the cells are squares of ``cell_size`` around them. Both carry a population column and,
optionally, one ``share__<group id>`` column per customer group.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from .._files import (
    check_polygons,
    population_values,
    read_vector,
    require_column,
    share_values,
    unique_ids,
)
from .._readers import read_cell_squares
from ..contracts import Dropped
from ..errors import InputError
from ._grid import centre_inside
from ._read import PopulationFile, ReadCells

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


def read_vector_grid(
    source: PopulationFile, *, crs: pyproj.CRS, outline: BaseGeometry | None
) -> ReadCells:
    """Read polygons with a population column as cells (only those near the study area).

    Parameters
    ----------
    source
        GeoPackage, GeoJSON, Shapefile, GeoParquet, ...: its population column and the column
        of cell ids (the features' ids (FID) when None).
    crs
        The run's projected CRS.
    outline
        Study area in ``crs``; cells whose centroid lies outside are left out.

    Returns
    -------
    ReadCells
    """
    path, population_column, id_column = source.path, source.population_column, source.id_column
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
    else:
        fix = "name the cell id column in demand.cell_id_column"
        require_column(frame, id_column, file=path, fix=fix)
        ids = unique_ids(frame[id_column], file=path, field=id_column, what="cell")
    shares = share_values(frame, file=path, what="cells")
    geometry = frame.geometry.to_crs(crs).to_numpy()
    cells = gpd.GeoDataFrame(
        {"population": pop, **shares}, geometry=geometry, index=pd.Index(ids), crs=crs
    )
    return _finish(cells, outline=outline, cell_size=None)


def read_csv_grid(
    source: PopulationFile, *, crs: pyproj.CRS, outline: BaseGeometry | None
) -> ReadCells:
    """Read a table of square cells: centres ``x``, ``y`` in ``crs``, population, shares.

    Parameters
    ----------
    source
        CSV file with columns ``x``, ``y``, the population column, optional cell ids
        (``cell_id`` when no id column is named, else ``"<x>_<y>"`` of the lower-left corner)
        and ``share__<group id>`` columns (the pilot's ``cells.csv`` shape); the cell size.
    crs
        The run's CRS, the one ``x`` and ``y`` are in.
    outline
        Study area in ``crs``.

    Returns
    -------
    ReadCells
    """
    if source.cell_size is None:
        msg = "a CSV grid needs the cell size"
        raise InputError(
            msg,
            file=source.path,
            field="demand.cell_size",
            fix="set demand.cell_size in metres, e.g. 250",
        )
    cells = read_cell_squares(
        source.path,
        crs=crs,
        cell_size=source.cell_size,
        population_column=source.population_column,
        id_column=source.id_column,
        field=_FIELD,
    )
    return _finish(cells, outline=outline, cell_size=source.cell_size)
