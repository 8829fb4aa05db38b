"""Plain readers for the pilot pack's text files (reusable for user files of the same shape).

``cells.csv``
    One row per populated grid cell: ``cell_id``, ``x``, ``y`` (cell centre in the area CRS,
    metres), ``population``, ``density_class`` (optional), one ``share__<group>`` column per
    customer group (each row sums to 1).
``sites.csv``
    One row per site: ``site_id``, ``name``, ``status`` (``existing`` or ``candidate``), ``x``,
    ``y`` (area CRS), optional ``capacity`` (visits/month, empty when unknown) and
    ``location_source`` (``"measured: ..."`` or ``"assumed: ..."``).
boundary GeoJSON
    One feature per unit (LSOA, commune) with ``code`` and ``name``.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from ..errors import InputError

__all__ = ["SHARE_PREFIX", "read_boundary", "read_cells_csv", "read_sites_csv"]

SHARE_PREFIX = "share__"
_STATUSES = ("existing", "candidate")
_SHARE_TOL = 1e-6


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype={"cell_id": str, "site_id": str}, keep_default_na=True)
    except FileNotFoundError as exc:
        msg = "file not found"
        raise InputError(msg, file=path, fix="check the path") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        msg = f"not a readable CSV ({exc})"
        raise InputError(
            msg, file=path, fix="save the table as UTF-8 CSV with a header row"
        ) from exc


def _require_columns(df: pd.DataFrame, columns: tuple[str, ...], path: Path) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        msg = f"missing columns {missing} (found {list(df.columns)})"
        raise InputError(
            msg, file=path, field=missing[0], fix=f"add the columns {', '.join(columns)}"
        )


def _numeric(df: pd.DataFrame, column: str, path: Path, *, allow_nan: bool = False) -> np.ndarray:
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float)
    if allow_nan:  # empty is fine (unknown), text or infinity is not
        bad = np.isinf(values) | (np.isnan(values) & df[column].notna().to_numpy())
    else:
        bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = f"{int(bad.sum())} value(s) are not numbers (first at data row {row + 1}: {df[column].iloc[row]!r})"
        raise InputError(
            msg, file=path, field=column, fix="write plain numbers (decimal point '.')"
        )
    return values


def _unique_ids(ids: pd.Series, column: str, path: Path) -> pd.Index:
    if ids.isna().any() or (ids.str.strip() == "").any():
        msg = "empty identifiers"
        raise InputError(msg, file=path, field=column, fix=f"give every row a {column}")
    dup = ids[ids.duplicated()]
    if len(dup):
        msg = f"{len(dup)} duplicated identifier(s), e.g. {dup.iloc[0]!r}"
        raise InputError(msg, file=path, field=column, fix=f"make {column} unique")
    return pd.Index(ids.to_numpy(dtype=object), name=column)


def read_cells_csv(
    path: str | Path,
    *,
    crs: str,
    cell_size: float,
    boundary: BaseGeometry | None = None,
) -> gpd.GeoDataFrame:
    """Read a ``cells.csv`` table into the ``cells`` contract.

    Parameters
    ----------
    path
        The CSV file (format in this module's docstring).
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
    if not (isinstance(cell_size, (int, float)) and cell_size > 0):
        msg = f"cell size is {cell_size!r}"
        raise InputError(msg, file=path, field="cell_size", fix="give the cell side in metres, > 0")
    df = _read_csv(path)
    _require_columns(df, ("cell_id", "x", "y", "population"), path)
    index = _unique_ids(df["cell_id"], "cell_id", path)
    x = _numeric(df, "x", path)
    y = _numeric(df, "y", path)
    population = _numeric(df, "population", path)
    if (population < 0).any():
        row = int(np.flatnonzero(population < 0)[0])
        msg = f"negative population {population[row]} in cell {index[row]!r}"
        raise InputError(msg, file=path, field="population", fix="use counts of 0 or more")
    share_cols = [c for c in df.columns if c.startswith(SHARE_PREFIX)]
    if not share_cols:
        msg = "no share__<group> columns"
        raise InputError(
            msg,
            file=path,
            field="share__",
            fix="add one share__<group id> column per customer group",
        )
    shares = np.column_stack([_numeric(df, c, path) for c in share_cols])
    total = shares.sum(axis=1)
    bad = (np.abs(total - 1.0) > _SHARE_TOL) | (shares < 0).any(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = f"{int(bad.sum())} row(s) whose group shares do not sum to 1 (cell {index[row]!r}: {total[row]:.6g})"
        raise InputError(
            msg, file=path, field=share_cols[0], fix="rescale each row's shares to sum to 1"
        )
    half = cell_size / 2.0
    squares = shapely.box(x - half, y - half, x + half, y + half)
    if boundary is not None:
        squares = _clip(squares, boundary)
        empty = shapely.is_empty(squares) | (shapely.area(squares) <= 0)
        if empty.any():
            row = int(np.flatnonzero(empty)[0])
            msg = f"{int(empty.sum())} cell(s) lie outside the boundary (first {index[row]!r})"
            raise InputError(
                msg, file=path, field="x", fix="drop those cells or use the matching boundary"
            )
    data: dict[str, object] = {"population": population}
    for j, column in enumerate(share_cols):
        data[column] = shares[:, j]
    if "density_class" in df.columns:
        data["density_class"] = df["density_class"].astype(str).to_numpy(dtype=object)
    return gpd.GeoDataFrame(data, index=index, geometry=squares, crs=crs)


def _clip(squares: np.ndarray, boundary: BaseGeometry) -> np.ndarray:
    """Intersect squares with the boundary, skipping those fully inside (fast path)."""
    shapely.prepare(boundary)
    inside = shapely.contains_properly(boundary, squares)
    out = squares.copy()
    edge = np.flatnonzero(~inside)
    if edge.size:
        clipped = shapely.intersection(squares[edge], boundary)
        # keep polygonal parts only (a square touching the boundary can yield lines or points)
        clipped = np.array([_polygonal(g) for g in clipped], dtype=object)
        out[edge] = clipped
    return out


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    if geom.geom_type in ("Polygon", "MultiPolygon") or geom.is_empty:
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def read_sites_csv(path: str | Path, *, crs: str) -> gpd.GeoDataFrame:
    """Read a ``sites.csv`` table into the ``sites`` contract.

    Parameters
    ----------
    path
        The CSV file (format in this module's docstring).
    crs
        The projected CRS of ``x`` and ``y``.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``site_id`` (str); ``name``, ``status``, ``capacity`` (float, NaN when unknown),
        ``location_source``, ``geometry`` (Point); in file order.

    Raises
    ------
    InputError
        Missing columns, unknown status, duplicated ids, bad coordinates or capacities.
    """
    path = Path(path)
    df = _read_csv(path)
    _require_columns(df, ("site_id", "name", "status", "x", "y"), path)
    index = _unique_ids(df["site_id"], "site_id", path)
    status = df["status"].astype(str).str.strip().str.lower()
    bad = ~status.isin(_STATUSES)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        msg = f"status {df['status'].iloc[row]!r} of site {index[row]!r} is not one of {list(_STATUSES)}"
        raise InputError(msg, file=path, field="status", fix="write existing or candidate")
    x = _numeric(df, "x", path)
    y = _numeric(df, "y", path)
    if "capacity" in df.columns:
        capacity = _numeric(df, "capacity", path, allow_nan=True)
        if (capacity[~np.isnan(capacity)] < 0).any():
            msg = "negative capacity"
            raise InputError(
                msg,
                file=path,
                field="capacity",
                fix="use visits per month, 0 or more, or leave empty",
            )
    else:
        capacity = np.full(len(df), math.nan)
    if "location_source" in df.columns:
        source = df["location_source"].fillna("assumed: not stated").astype(str)
    else:
        source = pd.Series(["assumed: not stated"] * len(df))
    return gpd.GeoDataFrame(
        {
            "name": df["name"].astype(str).to_numpy(dtype=object),
            "status": status.to_numpy(dtype=object),
            "capacity": capacity,
            "location_source": source.to_numpy(dtype=object),
        },
        index=index,
        geometry=shapely.points(x, y),
        crs=crs,
    )


def read_boundary(path: str | Path, *, crs: str | None = None) -> gpd.GeoDataFrame:
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
        Columns ``code``, ``name``, ``geometry``; in file order.
    """
    path = Path(path)
    if not path.is_file():
        msg = "boundary file not found"
        raise InputError(msg, file=path, fix="check the path")
    gdf = gpd.read_file(path)
    _require_columns(gdf, ("code", "name"), path)
    if gdf.crs is None:
        msg = "boundary file has no CRS"
        raise InputError(msg, file=path, field="crs", fix="write the file with its CRS")
    gdf = gdf[["code", "name", "geometry"]]
    gdf["code"] = gdf["code"].astype(str)
    if crs is not None and gdf.crs != crs:
        gdf = gdf.to_crs(crs)
    return gdf
