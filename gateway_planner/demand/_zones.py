"""Zones with counts (census output areas, LSOAs, IRIS) -> square cells by areal interpolation.

The zones are covered by a square grid of ``cell_size`` (anchored at multiples of it in the run's
CRS), squares are clipped to the study area, and each zone's population is spread over the
squares in proportion to the area of the zone each one covers (:mod:`._overlay`, tobler). The
population of a zone's part outside the study area is left out and reported; the rest is
conserved exactly. Group shares given per zone travel as group counts (population x share), so
every group's total is conserved too.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from .._files import (
    check_polygons,
    population_values,
    read_vector,
    require_column,
    unique_ids,
)
from .._geometry import cell_ids, clip_to
from ..contracts import SHARE_PREFIX, Dropped
from ..errors import InputError
from ._grid import MAX_SQUARES, grid_squares
from ._overlay import area_table, interpolate_extensive
from ._read import ReadCells
from .shares import _warn_unknown

__all__ = ["read_zones", "zones_to_cells"]

logger = logging.getLogger(__name__)


def read_zones(
    source: Path | gpd.GeoDataFrame,
    *,
    crs: pyproj.CRS,
    id_column: str,
    field: str,
    population_column: str | None = None,
    file: str | Path | None = None,
) -> gpd.GeoDataFrame:
    """Read zone polygons indexed by their code, in ``crs``.

    Parameters
    ----------
    source
        Vector file, or a GeoDataFrame already read.
    crs
        The run's projected CRS.
    id_column
        Column holding the zone codes.
    field
        Scenario key naming the file, for messages.
    population_column
        Population column to check and keep as ``population``; None for zones without counts.
    file
        Name for messages when ``source`` is a GeoDataFrame.

    Returns
    -------
    geopandas.GeoDataFrame
        Index = zone codes (str); ``population`` when asked; ``share__*`` columns kept.
    """
    if isinstance(source, gpd.GeoDataFrame):
        frame, path = source, Path(str(file or field))
    else:
        frame, path = read_vector(source, field=field), Path(source)
    require_column(
        frame, id_column, file=path, fix="name the zone code column in demand.zone_id_column"
    )
    frame = frame.set_index(frame[id_column].astype(str).str.strip(), drop=False)
    ids = unique_ids(frame[id_column], file=path, field=id_column, what="zone")
    check_polygons(frame, file=path, what="zones")
    data: dict[str, np.ndarray] = {}
    if population_column is not None:
        data["population"] = population_values(frame, population_column, file=path, what="zones")
    for column in (c for c in frame.columns if str(c).startswith(SHARE_PREFIX)):
        data[str(column)] = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    return gpd.GeoDataFrame(
        data,
        geometry=frame.geometry.to_crs(crs).to_numpy(),
        index=pd.Index(ids, name=id_column),
        crs=crs,
    )


def zones_to_cells(
    zones: gpd.GeoDataFrame,
    *,
    outline: BaseGeometry | None,
    cell_size: float,
    file: Path,
    shares: pd.DataFrame | None = None,
    shares_file: str | None = None,
) -> ReadCells:
    """Spread zone populations (and group counts) over square cells.

    Parameters
    ----------
    zones
        From :func:`read_zones`, with ``population``.
    outline
        Study area in the zones' CRS; the grid is clipped to it.
    cell_size
        Side of the squares in metres.
    file
        The zones file, for messages.
    shares
        Group shares per zone (index = zone codes, ``share__*`` columns, rows summing to 1);
        every zone that brings population into the study area must have a row.
    shares_file
        Where ``shares`` came from, for messages.

    Returns
    -------
    ReadCells
        Cells with ``population`` and, when shares are given, ``share__*`` columns.
    """
    total = float(zones["population"].sum())
    bounds = zones.total_bounds
    if outline is not None:
        ob = outline.bounds
        bounds = np.array(
            [
                max(bounds[0], ob[0]),
                max(bounds[1], ob[1]),
                min(bounds[2], ob[2]),
                min(bounds[3], ob[3]),
            ]
        )
    if not (bounds[2] > bounds[0] and bounds[3] > bounds[1]):
        msg = "the zones and the study area do not overlap"
        raise InputError(
            msg,
            file=file,
            field="demand.population",
            fix="use zones that cover the study area (check both files' CRS)",
        )
    n_squares = np.ceil((bounds[2] - bounds[0]) / cell_size) * np.ceil(
        (bounds[3] - bounds[1]) / cell_size
    )
    if n_squares > MAX_SQUARES:
        msg = f"a {cell_size:g} m grid over the zones needs {n_squares:.0f} squares (at most {MAX_SQUARES})"
        raise InputError(
            msg, file=file, field="demand.cell_size", fix="use a larger demand.cell_size"
        )
    corners = grid_squares(tuple(bounds), cell_size)
    squares = shapely.box(
        corners[:, 0], corners[:, 1], corners[:, 0] + cell_size, corners[:, 1] + cell_size
    )
    zone_geoms = zones.geometry.to_numpy()
    touched = np.unique(shapely.STRtree(squares).query(zone_geoms, predicate="intersects")[1])
    corners, squares = corners[touched], squares[touched]
    if outline is not None:
        squares = clip_to(squares, outline)
        keep = shapely.area(squares) > 0
        corners, squares = corners[keep], squares[keep]
    cells = gpd.GeoDataFrame(
        geometry=squares,
        index=pd.Index(cell_ids(corners[:, 0], corners[:, 1]), name="cell_id"),
        crs=zones.crs,
    )
    table = area_table(zone_geoms, squares)
    inside = np.asarray(table.sum(axis=1)).ravel() > 0
    columns = ["population"]
    source = zones[["population", "geometry"]].copy()
    if shares is not None:
        _check_zone_shares(zones, inside, shares, file=file, shares_file=shares_file)
        share_cols = list(shares.columns)
        aligned = shares.reindex(zones.index).fillna(0.0).to_numpy(dtype=float)
        for j, column in enumerate(share_cols):
            source[column] = zones["population"].to_numpy() * aligned[:, j]
        columns += share_cols
    counts = interpolate_extensive(source, cells, columns, table) if len(cells) else None
    if counts is None or not (counts["population"].to_numpy() > 0).any():
        msg = "no zone with people overlaps the study area"
        raise InputError(
            msg,
            file=file,
            field="demand.population",
            fix="use zones that cover the study area (check both files' CRS)",
        )
    pop = counts["population"].to_numpy()
    cells["population"] = pop
    for column in columns[1:]:
        cells[column] = np.where(
            pop > 0, counts[column].to_numpy() / np.where(pop > 0, pop, 1), 0.0
        )
    empty = pop <= 0
    kept = cells[~empty]
    dropped = {
        "empty": Dropped(int(empty.sum())),
        "outside": Dropped(int((~inside).sum()), total - float(pop.sum())),
    }
    return ReadCells(
        cells=kept, population_read=total, dropped=dropped, cell_size=cell_size, zones=len(zones)
    )


def _check_zone_shares(
    zones: gpd.GeoDataFrame,
    inside: np.ndarray,
    shares: pd.DataFrame,
    *,
    file: Path,
    shares_file: str | None,
) -> None:
    """Every zone bringing people into the study area needs a shares row; warn about others."""
    _warn_unknown(shares.index, zones.index, file=str(shares_file), what=f"zones of {file.name}")
    needed = inside & (zones["population"].to_numpy() > 0)
    lacking = needed & ~zones.index.isin(shares.index)
    if lacking.any():
        people = float(zones["population"].to_numpy()[lacking].sum())
        examples = ", ".join(repr(z) for z in zones.index[lacking][:3])
        msg = (
            f"{int(lacking.sum())} zones of {file.name} that bring people into the study area "
            f"({people:.0f} in all) have no group shares, e.g. {examples}"
        )
        raise InputError(
            msg,
            file=shares_file,
            field=str(shares.index.name or "zone code"),
            fix="add a row of shares for every zone (or give a study area that leaves them out)",
        )
