"""Reading the planner's files with one-line errors naming the file, the field and the fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import InputError
from .summary import Dropped

__all__ = [
    "ReadCells",
    "check_polygons",
    "label",
    "population_values",
    "read_table",
    "read_vector",
    "unique_ids",
]

_PATH_FIX = "check the path (relative paths are read from the scenario's folder)"
_POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class ReadCells:
    """Cells read from a population file, before the group shares are settled."""

    cells: gpd.GeoDataFrame
    population_read: float
    dropped: dict[str, Dropped] = field(default_factory=dict)
    cell_size: float | None = None
    zones: int | None = None


def _exists(path: Path, field: str) -> None:
    if not path.exists():
        msg = "file not found"
        raise InputError(msg, file=path, field=field, fix=_PATH_FIX)


def _pyarrow(path: Path, field: str) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        msg = "reading GeoParquet needs pyarrow, which is not installed"
        raise InputError(
            msg, file=path, field=field, fix="pip install pyarrow, or save the file as a GeoPackage"
        ) from None


def label(value: object) -> str:
    """Return ``repr`` of an id, without numpy's ``np.int64(...)`` wrapping."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def read_vector(
    path: str | Path,
    *,
    field: str,
    bbox: gpd.GeoSeries | None = None,
    fid_as_index: bool = False,
) -> gpd.GeoDataFrame:
    """Read a vector file (any format GDAL reads, or GeoParquet) with clear errors.

    Parameters
    ----------
    path
        The file.
    field
        Scenario key that names the file, for messages (e.g. ``"area.boundary"``).
    bbox
        Read only features intersecting this box (with its CRS); ignored for GeoParquet.
    fid_as_index
        Index the rows by the features' ids (FID) for GDAL formats, stable however much of
        the file is read; row numbers otherwise.

    Returns
    -------
    geopandas.GeoDataFrame
        With a CRS.

    Raises
    ------
    InputError
        When the file is missing, unreadable or has no CRS.
    """
    path = Path(path)
    _exists(path, field)
    try:
        if path.suffix.lower() == ".parquet":
            _pyarrow(path, field)
            frame = gpd.read_parquet(path)
        else:
            frame = gpd.read_file(path, bbox=bbox, engine="pyogrio", fid_as_index=fid_as_index)
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


def read_table(path: str | Path, *, field: str, key: str) -> pd.DataFrame:
    """Read a CSV table (``key`` kept as text) or a vector file (a GeoDataFrame).

    Parameters
    ----------
    path
        CSV, or any vector format :func:`read_vector` reads.
    field
        Scenario key that names the file, for messages.
    key
        Column holding ids; read as text so codes keep their leading zeros.

    Returns
    -------
    pandas.DataFrame
        A GeoDataFrame when the file has geometry.
    """
    path = Path(path)
    if path.suffix.lower() not in {".csv", ".txt", ".tsv"}:
        return read_vector(path, field=field)
    _exists(path, field)
    try:
        return pd.read_csv(
            path, dtype={key: str}, sep="\t" if path.suffix.lower() == ".tsv" else ","
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        msg = f"not a readable CSV ({exc})"
        raise InputError(
            msg, file=path, field=field, fix="save the table as UTF-8 CSV with a header row"
        ) from None


def check_polygons(frame: gpd.GeoDataFrame, *, file: Path, what: str) -> None:
    """Raise unless every geometry is a non-empty (multi)polygon."""
    geom = frame.geometry.array
    bad = geom.isna() | geom.is_empty | ~np.isin(geom.geom_type, _POLYGONAL)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        kind = "no geometry" if geom.isna()[row] else str(geom.geom_type[row])
        msg = f"{int(bad.sum())} {what} are not polygons (first: {label(frame.index[row])}, {kind})"
        raise InputError(msg, file=file, field="geometry", fix=f"give one polygon per {what[:-1]}")


def population_values(frame: pd.DataFrame, column: str, *, file: Path, what: str) -> np.ndarray:
    """Return the population column as float64; raise for a missing column or bad values.

    Parameters
    ----------
    frame
        The table read.
    column
        Population column.
    file
        The file, for messages.
    what
        What a row is ("cells", "zones"), for messages.

    Returns
    -------
    numpy.ndarray
        Finite values >= 0.
    """
    if column not in frame.columns:
        columns = sorted(str(c) for c in frame.columns if c != "geometry")
        msg = f"column {column!r} is missing (columns: {columns})"
        raise InputError(
            msg,
            file=file,
            field=column,
            fix="name the population column in demand.population_column",
        )
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    missing = ~np.isfinite(values)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        msg = (
            f"{int(missing.sum())} {what} have a missing or non-numeric population "
            f"(first: {label(frame.index[row])} = {label(raw.iloc[row])})"
        )
        raise InputError(
            msg, file=file, field=column, fix=f"give every one of the {what} a number, 0 or more"
        )
    negative = values < 0
    if negative.any():
        row = int(np.flatnonzero(negative)[0])
        msg = (
            f"{int(negative.sum())} {what} have a negative population "
            f"(first: {label(frame.index[row])} = {values[row]:g})"
        )
        raise InputError(msg, file=file, field=column, fix="use counts of 0 or more")
    return values


def unique_ids(values: pd.Series, *, file: Path, field: str, what: str) -> np.ndarray:
    """Ids as text, with an error for empty or duplicated ones.

    Parameters
    ----------
    values
        The id column (or index as a Series).
    file
        The file, for messages.
    field
        The column, for messages.
    what
        What an id names ("cell", "zone"), for messages.

    Returns
    -------
    numpy.ndarray
        Object array of str.
    """
    ids = values.astype(str).str.strip()
    empty = values.isna().to_numpy() | (ids == "").to_numpy()
    if empty.any():
        msg = f"{int(empty.sum())} {what}s have no id"
        raise InputError(msg, file=file, field=field, fix=f"give every {what} an id in {field}")
    dup = ids[ids.duplicated()]
    if len(dup):
        msg = f"{len(dup)} duplicate {what} ids, e.g. {dup.iloc[0]!r}"
        raise InputError(msg, file=file, field=field, fix=f"make the {what} ids unique")
    return ids.to_numpy(dtype=object)
