"""Readers of the input files, with one-line errors naming the file, the field and the fix.

One reader per input shape, used alike by the planner's scenarios (:mod:`gateway_planner.area`),
the demand stage and the pilot pack:

sites (:func:`read_sites`)
    A CSV with ``site_id``, ``name`` (the id when absent), ``status`` (``existing`` or
    ``candidate``, any case), ``x``, ``y`` in the run's CRS or ``lon``, ``lat``, optional
    ``capacity`` (visits per month, empty when unknown), ``location_source`` (``"measured: ..."``
    or ``"assumed: ..."``) and any other columns; or a vector file of points with those columns.
cells CSV (:func:`read_cell_squares`, :func:`read_cells_csv`)
    One row per square cell: ``x``, ``y`` (cell centre in the run's CRS, metres), the
    population, optional ``cell_id``, ``density_class`` and ``share__<group id>`` columns (the
    pilot's ``cells.csv``).
boundary (:func:`read_boundary`)
    One feature per unit (LSOA, commune) with ``code`` and ``name``.

Each reader collects the problems of a file and reports them in one :class:`InputError` (the
helpers they share with the demand stage's readers are in :mod:`gateway_planner._files`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from ._files import (
    CSV_SUFFIXES,
    checked_ids,
    checked_population,
    checked_shares,
    label,
    numbers,
    raise_problems,
    read_csv,
    read_vector,
    require_file,
    unique_ids,
)
from ._geometry import cell_ids, clip_to
from .contracts import SHARE_PREFIX, SHARE_TOLERANCE, SITE_STATUSES
from .errors import InputError, InputProblem

__all__ = ["read_boundary", "read_cell_squares", "read_cells_csv", "read_sites"]

_SITES_FIELD = "sites.file"
_STATUS_FIX = "write existing or candidate (any case)"


# ---- sites ------------------------------------------------------------------------------------


def read_sites(path: str | Path, *, crs: pyproj.CRS | str) -> gpd.GeoDataFrame:
    """Read sites from a CSV (``x``/``y`` in ``crs`` or ``lon``/``lat``) or a vector file of points.

    Parameters
    ----------
    path
        Columns ``site_id``, ``name``, ``status`` (existing / candidate, any case), optional
        ``capacity`` (visits per month, empty when unknown) and ``location_source``; other
        columns are kept.
    crs
        Projected CRS of the run (and of ``x``, ``y``).

    Returns
    -------
    geopandas.GeoDataFrame
        The ``sites`` contract: index ``site_id`` (str), ``name``, ``status`` (lower case),
        ``capacity`` (float, NaN when unknown), Point geometry in ``crs``; in file order.

    Raises
    ------
    InputError
        Listing every problem: missing file or columns, empty or duplicated ids, unknown
        statuses, bad coordinates or capacities, geometries other than points.
    """
    path = Path(path)
    crs = pyproj.CRS.from_user_input(crs)
    if path.suffix.lower() in CSV_SUFFIXES:
        table = read_csv(path, field=_SITES_FIELD, text=("site_id",))
        table, problems = _site_ids(table)
        frame, more = _site_points(table, crs)
        problems += more
    else:
        frame = read_vector(path, field=_SITES_FIELD).to_crs(crs)
        frame, problems = _site_ids(frame)
        if not frame.geometry.geom_type.eq("Point").all():
            msg = "holds geometries other than points"
            problems.append(InputProblem("geometry", msg, "give one point per site"))
    if frame.empty:
        msg = "has a header row but no sites"
        raise InputError(
            msg,
            file=path,
            field=_SITES_FIELD,
            fix="add one row per site: site_id, name, status (existing or candidate), and x, y "
            "or lon, lat",
        )
    sites, more = _site_columns(frame)
    raise_problems([*problems, *more], file=path)
    return sites


def _site_ids(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[InputProblem]]:
    """Index the sites by ``site_id`` (row numbers when the file has none)."""
    if "site_id" not in frame.columns:
        return frame.set_axis(pd.Index(frame.index.astype(str), name="site_id"), axis=0), []
    ids, problems = checked_ids(frame["site_id"], field="site_id", what="site")
    return frame.drop(columns="site_id").set_axis(pd.Index(ids, name="site_id"), axis=0), problems


def _site_points(
    table: pd.DataFrame, crs: pyproj.CRS
) -> tuple[gpd.GeoDataFrame, list[InputProblem]]:
    """Points from ``x``, ``y`` (in ``crs``) or ``lon``, ``lat``; the other columns kept."""
    columns = set(table.columns)
    axes = ("x", "y") if {"x", "y"} <= columns else ("lon", "lat")
    if not set(axes) <= columns:
        msg = "needs columns x, y (in the run's CRS) or lon, lat"
        fix = "add the site coordinates as x, y or lon, lat columns"
        nowhere = gpd.GeoSeries([None] * len(table), index=table.index, crs=crs)
        return gpd.GeoDataFrame(table, geometry=nowhere), [InputProblem("x/y", msg, fix)]
    problems = []
    xy = []
    for axis in axes:
        values, bad = numbers(
            table, axis, what="sites", name=f"{axis} coordinate", fix="write plain numbers"
        )
        xy.append(values)
        problems += bad
    if axes == ("x", "y"):
        geometry = gpd.points_from_xy(xy[0], xy[1], crs=crs)
    else:
        problems += _degrees(table, xy[0], xy[1])
        geometry = gpd.points_from_xy(xy[0], xy[1], crs=4326).to_crs(crs)
    rest = table.drop(columns=[c for c in ("x", "y", "lon", "lat") if c in columns])
    return gpd.GeoDataFrame(rest, geometry=geometry, crs=crs), problems


def _degrees(table: pd.DataFrame, lon: np.ndarray, lat: np.ndarray) -> list[InputProblem]:
    """Problems of longitudes beyond ±180 and latitudes beyond ±90 (swapped columns?)."""
    problems = []
    for name, values, bound in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        bad = np.abs(values) > bound
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            swapped = "; lon/lat swapped?" if name == "lat" and np.abs(lon[bad]).max() <= 90 else ""
            msg = (
                f"{int(bad.sum())} sites have a {name} outside -{bound:g}..{bound:g} "
                f"(first: {label(table.index[row])} = {values[row]:g}){swapped}"
            )
            fix = "give lon (east-west, -180 to 180) and lat (north-south, -90 to 90) in degrees"
            problems.append(InputProblem(name, msg, fix))
    return problems


def _site_columns(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[InputProblem]]:
    """Check and normalise ``status``, ``name`` and ``capacity`` (the other columns as read)."""
    frame = frame.copy()
    problems = []
    ids = frame.index.to_numpy(dtype=object)
    if "status" not in frame.columns:
        msg = "column 'status' is missing"
        problems.append(InputProblem("status", msg, f"add a status column: {_STATUS_FIX}"))
    else:
        raw = frame["status"]
        status = raw.astype(str).str.strip().str.lower()
        bad = (~status.isin(SITE_STATUSES) | raw.isna()).to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            msg = (
                f"{int(bad.sum())} sites have a status other than {' or '.join(SITE_STATUSES)} "
                f"(first: {label(ids[row])} = {label(raw.iloc[row])})"
            )
            problems.append(InputProblem("status", msg, _STATUS_FIX))
        frame["status"] = status.to_numpy(dtype=object)
    if "name" in frame.columns:
        names = frame["name"]
        frame["name"] = np.where(names.isna(), ids, names.astype(str)).astype(object)
    else:
        frame["name"] = ids
    if "capacity" in frame.columns:
        frame["capacity"], bad_capacity = numbers(
            frame,
            "capacity",
            what="sites",
            fix="use visits per month, 0 or more, or leave it empty",
            blank=True,
            negative_fix="use visits per month, 0 or more, or leave it empty",
        )
        problems += bad_capacity
    else:
        frame["capacity"] = np.nan
    return frame, problems


# ---- cells ------------------------------------------------------------------------------------


def read_cell_squares(
    path: str | Path,
    *,
    crs: pyproj.CRS | str,
    cell_size: float,
    population_column: str = "population",
    id_column: str | None = None,
    keep: Sequence[str] = (),
    field: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a CSV of square cells: centres ``x``, ``y`` in ``crs``, population, group shares.

    Parameters
    ----------
    path
        CSV file (format in this module's docstring).
    crs
        The CRS of ``x`` and ``y`` (projected, metres).
    cell_size
        Side of the squares in metres, > 0.
    population_column
        Population column.
    id_column
        Column of cell ids, required when given; when None, ``cell_id`` if present, else
        ``"<x>_<y>"`` of the lower-left corner in whole metres.
    keep
        Further columns kept (as text) when present, e.g. ``("density_class",)``.
    field
        Scenario key that names the file, for messages.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``cell_id`` (str); ``population`` (float >= 0), ``share__<group>`` columns as
        numbers (sums not checked), the ``keep`` columns, ``geometry`` (squares); in file order.

    Raises
    ------
    InputError
        Listing every problem: missing columns, non-numeric or negative values, empty or
        duplicated ids.
    """
    path = Path(path)
    if not (isinstance(cell_size, (int, float)) and cell_size > 0):
        msg = f"cell size is {cell_size!r}"
        raise InputError(msg, file=path, field="cell_size", fix="give the cell side in metres, > 0")
    key = id_column or "cell_id"
    frame = read_csv(path, field=field, text=(key,))
    wanted = ["x", "y", *([id_column] if id_column is not None else [])]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        found = sorted(str(c) for c in frame.columns)
        msg = f"columns {missing} are missing (x, y: cell centres in the run's CRS; found {found})"
        fix = (
            "add the cell centres as x, y columns"
            if missing[0] in ("x", "y")
            else f"add a {key} column, or name the cell id column in demand.cell_id_column"
        )
        raise InputError(msg, file=path, field=missing[0], fix=fix)
    problems: list[InputProblem] = []
    has_ids = key in frame.columns
    if has_ids:
        given, problems = checked_ids(frame[key], field=key, what="cell")
        frame = frame.set_axis(pd.Index(given, name="cell_id"), axis=0)
    xy = []
    for axis in ("x", "y"):
        values, bad = numbers(frame, axis, what="cells", fix="write plain numbers (metres)")
        xy.append(values)
        problems += bad
    population, bad = checked_population(frame, population_column, what="cells")
    shares, bad_shares = checked_shares(frame, what="cells")
    raise_problems([*problems, *bad, *bad_shares], file=path)
    x0, y0 = xy[0] - cell_size / 2, xy[1] - cell_size / 2
    if has_ids:
        ids = frame.index.to_numpy(dtype=object)
    else:
        ids = unique_ids(pd.Series(cell_ids(x0, y0)), file=path, field="x/y", what="cell")
    data: dict[str, object] = {"population": population, **shares}
    for column in (c for c in keep if c in frame.columns):
        data[column] = frame[column].astype(str).to_numpy(dtype=object)
    return gpd.GeoDataFrame(
        data,
        index=pd.Index(ids, name="cell_id"),
        geometry=shapely.box(x0, y0, x0 + cell_size, y0 + cell_size),
        crs=crs,
    )


def read_cells_csv(
    path: str | Path,
    *,
    crs: pyproj.CRS | str,
    cell_size: float,
    boundary: BaseGeometry | None = None,
) -> gpd.GeoDataFrame:
    """Read a ``cells.csv`` table (the pilot's shape) into the ``cells`` contract.

    Parameters
    ----------
    path
        The CSV file: ``cell_id``, ``x``, ``y``, ``population``, optional ``density_class``,
        one ``share__<group id>`` column per group.
    crs
        The projected CRS of ``x`` and ``y``, e.g. ``"EPSG:27700"``.
    cell_size
        Side of the square cells in metres (the pilot uses 250).
    boundary
        Land/study-area polygon in the same CRS. When given, each square is clipped to it and a
        cell that does not overlap it is an error.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``cell_id`` (str); ``population``, ``share__<group>`` columns, ``density_class`` when
        present, and ``geometry`` (the square, clipped to ``boundary``); in file order.

    Raises
    ------
    InputError
        Missing columns, non-numeric or negative values, shares not summing to 1, duplicated ids,
        cells outside the boundary.
    """
    path = Path(path)
    cells = read_cell_squares(
        path, crs=crs, cell_size=cell_size, id_column="cell_id", keep=("density_class",)
    )
    share_cols = [c for c in cells.columns if str(c).startswith(SHARE_PREFIX)]
    if not share_cols:
        msg = "no share__<group> columns"
        fix = "add one share__<group id> column per customer group"
        raise InputError(msg, file=path, field=SHARE_PREFIX, fix=fix)
    shares = cells[share_cols].to_numpy(dtype=float)
    total = shares.sum(axis=1)
    bad = (np.abs(total - 1.0) > SHARE_TOLERANCE) | (shares < 0).any(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = f"{int(bad.sum())} row(s) whose group shares do not sum to 1 (cell {cells.index[row]!r}: {total[row]:.6g})"
        fix = "rescale each row's shares to sum to 1"
        raise InputError(msg, file=path, field=share_cols[0], fix=fix)
    if boundary is not None:
        squares = clip_to(cells.geometry.to_numpy(), boundary)
        empty = shapely.is_empty(squares) | (shapely.area(squares) <= 0)
        if empty.any():
            row = int(np.flatnonzero(empty)[0])
            msg = (
                f"{int(empty.sum())} cell(s) lie outside the boundary (first {cells.index[row]!r})"
            )
            fix = "drop those cells or use the matching boundary"
            raise InputError(msg, file=path, field="x", fix=fix)
        cells = gpd.GeoDataFrame(cells.drop(columns="geometry"), geometry=squares, crs=cells.crs)
    return cells


# ---- boundaries -------------------------------------------------------------------------------


def read_boundary(path: str | Path, *, crs: pyproj.CRS | str | None = None) -> gpd.GeoDataFrame:
    """Read a boundary file (one feature per unit, with ``code`` and ``name``).

    Parameters
    ----------
    path
        GeoJSON (or any file GDAL reads) of polygons.
    crs
        Reproject to this CRS when given.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code`` (str), ``name``, ``geometry``; in file order.
    """
    path = Path(path)
    require_file(path, field=None, what="boundary file")
    frame = read_vector(path, field="boundary")
    missing = [c for c in ("code", "name") if c not in frame.columns]
    if missing:
        msg = f"columns {missing} are missing (found {sorted(map(str, frame.columns))})"
        raise InputError(msg, file=path, field=missing[0], fix="add the columns code, name")
    frame = frame[["code", "name", "geometry"]]
    frame["code"] = frame["code"].astype(str)
    if crs is not None and frame.crs != crs:
        frame = frame.to_crs(crs)
    return frame
