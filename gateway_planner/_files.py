"""Reading input files and their columns, with one-line errors naming the file, the field and the fix.

The helpers every reader shares (:mod:`gateway_planner._readers` for sites, cells and boundaries,
the demand stage's population and shares readers): open a CSV or vector file, take a column of
numbers, of populations, of group shares or of ids. The ``checked_*`` helpers return the values
with the problems found, so that a reader can report every problem of a file at once
(:func:`raise_problems`); the others raise at once.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .contracts import SHARE_PREFIX
from .errors import GatewayPlannerWarning, InputError, InputProblem

__all__ = [
    "CSV_SUFFIXES",
    "PATH_FIX",
    "check_polygons",
    "checked_ids",
    "checked_population",
    "checked_shares",
    "label",
    "missing_column",
    "numbers",
    "population_values",
    "raise_problems",
    "read_csv",
    "read_table",
    "read_vector",
    "require_column",
    "require_file",
    "share_values",
    "unique_ids",
]

PATH_FIX = "check the path (relative paths are read from the scenario's folder)"
#: suffixes read as text tables (tab-separated for ``.tsv``)
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
_POLYGONAL = ("Polygon", "MultiPolygon")

logger = logging.getLogger(__name__)


# ---- files ------------------------------------------------------------------------------------


def label(value: object) -> str:
    """Return ``repr`` of an id, without numpy's ``np.int64(...)`` wrapping."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def raise_problems(problems: Sequence[InputProblem], *, file: str | Path | None) -> None:
    """Raise one :class:`InputError` listing every problem, if there is any."""
    if problems:
        raise InputError.from_problems(problems, file=file)


def require_file(path: Path, *, field: str | None, what: str = "file") -> None:
    """Raise ``"<what> not found"`` unless the path exists."""
    if not path.exists():
        msg = f"{what} not found"
        raise InputError(msg, file=path, field=field, fix=PATH_FIX)


def _pyarrow(path: Path, field: str) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        msg = "reading GeoParquet needs pyarrow, which is not installed"
        raise InputError(
            msg, file=path, field=field, fix="pip install pyarrow, or save the file as a GeoPackage"
        ) from None


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
    require_file(path, field=field)
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


def _sniff(head: str, default: str) -> str:
    """Return the delimiter of a table: the most frequent of , ; tab | on its header line."""
    line = head.splitlines()[0] if head.strip() else ""
    counts = {sep: line.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts.get(default, 0) else default


def read_csv(path: str | Path, *, field: str | None, text: Sequence[str] = ()) -> pd.DataFrame:
    """Read a CSV table with clear errors, whatever the spreadsheet that saved it.

    The delimiter is read from the header line (``,``, ``;``, tab or ``|``; tab for ``.tsv``
    when the header does not say otherwise); a semicolon-separated table is read with decimal
    commas, as spreadsheets in French or Finnish save it. A file that is not UTF-8 is read as
    Windows-1252 (Latin-1 when that fails too), with a warning naming the encoding.

    Parameters
    ----------
    path
        The file.
    field
        Scenario key that names the file, for messages.
    text
        Columns read as text, so that codes keep their leading zeros.

    Returns
    -------
    pandas.DataFrame
        Empty cells are NaN.

    Raises
    ------
    InputError
        When the file is missing, empty (no header row) or not a table.

    Warns
    -----
    GatewayPlannerWarning
        When the file is not UTF-8 and was read in another encoding.
    """
    path = Path(path)
    require_file(path, field=field)
    with path.open("rb") as f:
        head = f.read(1 << 16)
    if not head.strip():
        msg = "is empty (0 bytes)" if not head else "holds no header row"
        raise InputError(
            msg, file=path, field=field, fix="save the table again as CSV with a header row"
        )
    encodings: tuple[str, ...] = ("utf-8-sig", "cp1252", "latin-1")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        encodings = ("utf-16",)
    elif b"\x00" in head:
        what = " (an Excel workbook or another zip file?)" if head.startswith(b"PK") else ""
        msg = f"holds binary data, not a text table{what}"
        raise InputError(
            msg, file=path, field=field, fix="save it as CSV (in Excel: Save As > CSV UTF-8)"
        )
    text_head = head.decode(encodings[0], errors="ignore")
    sep = _sniff(text_head, "\t" if path.suffix.lower() == ".tsv" else ",")
    options = {
        "dtype": dict.fromkeys(text, str),
        "sep": sep,
        "decimal": "," if sep == ";" else ".",
    }
    last: UnicodeDecodeError | None = None
    for encoding in encodings:
        try:
            frame = pd.read_csv(path, encoding=encoding, **options)
        except UnicodeDecodeError as exc:
            if len(encodings) == 1:
                msg = f"not a readable CSV ({encoding}: {exc.reason} at byte {exc.start})"
                raise InputError(
                    msg, file=path, field=field, fix="save the table as UTF-8 CSV with a header row"
                ) from None
            last = last or exc
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            msg = f"not a readable CSV ({' '.join(str(exc).split())})"
            raise InputError(
                msg, file=path, field=field, fix="save the table as UTF-8 CSV with a header row"
            ) from None
        if last is not None:
            names = {"cp1252": "Windows-1252 (cp1252)", "latin-1": "Latin-1 (ISO-8859-1)"}
            msg = (
                f"{path}: is not UTF-8 ({last.reason} at byte {last.start}); read it as "
                f"{names[encoding]}. Save it as UTF-8 (in Excel: CSV UTF-8) if accented "
                "letters look wrong"
            )
            warnings.warn(msg, GatewayPlannerWarning, stacklevel=2)
        if sep != ",":
            shown = {";": "semicolon", "\t": "tab", "|": "'|'"}[sep]
            logger.info("%s: read as a %s-separated table", path, shown)
        return frame
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


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
    if path.suffix.lower() not in CSV_SUFFIXES:
        return read_vector(path, field=field)
    return read_csv(path, field=field, text=(key,))


# ---- values -----------------------------------------------------------------------------------


def _where(frame: pd.DataFrame, row: int) -> str:
    """Name a row in messages: its id, or its line in the file when the rows have no ids yet."""
    index = frame.index
    if isinstance(index, pd.RangeIndex) and index.name is None:
        return f"data row {row + 1}"
    return label(index[row])


def numbers(
    frame: pd.DataFrame,
    column: str,
    *,
    what: str,
    name: str | None = None,
    fix: str,
    blank: bool = False,
    negative_fix: str | None = None,
) -> tuple[np.ndarray, list[InputProblem]]:
    """Return a column as float64 and the problems of its values.

    Parameters
    ----------
    frame
        The table read (its index names the rows in messages).
    column
        The column.
    what
        What a row is ("cells", "sites"), for messages.
    name
        What the values are, for messages (the column name when None).
    fix
        Fix of a missing or non-numeric value.
    blank
        Empty values are allowed (NaN: unknown); text and infinity are not.
    negative_fix
        When given, negative values are a problem with this fix.

    Returns
    -------
    tuple of (numpy.ndarray, list of InputProblem)
        The values (NaN where empty or bad) and the problems found, if any.
    """
    raw = frame[column]
    name = name or str(column)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if blank:
        bad &= raw.notna().to_numpy()
    problems = []
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        kind = "non-numeric" if blank else "missing or non-numeric"
        msg = (
            f"{int(bad.sum())} {what} have a {kind} {name} "
            f"(first: {_where(frame, row)} = {label(raw.iloc[row])})"
        )
        problems.append(InputProblem(str(column), msg, fix))
    negative = values < 0
    if negative_fix is not None and negative.any():
        row = int(np.flatnonzero(negative)[0])
        msg = (
            f"{int(negative.sum())} {what} have a negative {name} "
            f"(first: {_where(frame, row)} = {values[row]:g})"
        )
        problems.append(InputProblem(str(column), msg, negative_fix))
    return values, problems


def missing_column(
    frame: pd.DataFrame, column: str, *, fix: str, what: str = "column"
) -> InputProblem | None:
    """Return the problem of a missing column (naming the columns found), or None.

    Parameters
    ----------
    frame
        The table read.
    column
        The column needed.
    fix
        How to fix it (e.g. which scenario key names the column).
    what
        What the column is, for the message (``"key column"``).

    Returns
    -------
    InputProblem or None
    """
    if column in frame.columns:
        return None
    columns = sorted(str(c) for c in frame.columns if c != "geometry")
    return InputProblem(column, f"{what} {column!r} is missing (columns: {columns})", fix)


def require_column(
    frame: pd.DataFrame, column: str, *, file: str | Path, fix: str, what: str = "column"
) -> None:
    """Raise the problem of :func:`missing_column`, if any (``file`` names the table)."""
    problem = missing_column(frame, column, fix=fix, what=what)
    raise_problems([problem] if problem else [], file=file)


def checked_population(
    frame: pd.DataFrame, column: str, *, what: str
) -> tuple[np.ndarray, list[InputProblem]]:
    fix = "name the population column in demand.population_column"
    problem = missing_column(frame, column, fix=fix)
    if problem is not None:
        return np.zeros(len(frame)), [problem]
    return numbers(
        frame,
        column,
        what=what,
        name="population",
        fix=f"give every one of the {what} a number, 0 or more",
        negative_fix="use counts of 0 or more",
    )


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
    values, problems = checked_population(frame, column, what=what)
    raise_problems(problems, file=file)
    return values


def share_values(frame: pd.DataFrame, *, file: Path, what: str) -> dict[str, np.ndarray]:
    """Return the ``share__<group id>`` columns as float64; raise for missing or text values.

    Parameters
    ----------
    frame
        The table read.
    file
        The file, for messages.
    what
        What a row is ("cells"), for messages.

    Returns
    -------
    dict of str to numpy.ndarray
        By column, in file order (sums are checked with the ``cells`` contract).
    """
    out, problems = checked_shares(frame, what=what)
    raise_problems(problems, file=file)
    return out


def checked_shares(
    frame: pd.DataFrame, *, what: str
) -> tuple[dict[str, np.ndarray], list[InputProblem]]:
    out: dict[str, np.ndarray] = {}
    problems: list[InputProblem] = []
    for column in (str(c) for c in frame.columns if str(c).startswith(SHARE_PREFIX)):
        out[column], bad = numbers(
            frame, column, what=what, name="share", fix="give every row a share from 0 to 1"
        )
        problems += bad
    return out, problems


def checked_ids(
    values: pd.Series, *, field: str, what: str
) -> tuple[np.ndarray, list[InputProblem]]:
    ids = values.astype(str).str.strip()
    problems = []
    empty = values.isna().to_numpy() | (ids == "").to_numpy()
    if empty.any():
        msg = f"{int(empty.sum())} {what}s have no id"
        problems.append(InputProblem(field, msg, f"give every {what} an id in {field}"))
    dup = ids[ids.duplicated() & ~empty]
    if len(dup):
        msg = f"{len(dup)} duplicate {what} ids, e.g. {dup.iloc[0]!r}"
        problems.append(InputProblem(field, msg, f"make the {what} ids unique"))
    return ids.to_numpy(dtype=object), problems


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
    ids, problems = checked_ids(values, field=field, what=what)
    raise_problems(problems, file=file)
    return ids


def check_polygons(frame: gpd.GeoDataFrame, *, file: Path, what: str) -> None:
    """Raise unless every geometry is a non-empty (multi)polygon."""
    geom = frame.geometry.array
    bad = geom.isna() | geom.is_empty | ~np.isin(geom.geom_type, _POLYGONAL)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        kind = "no geometry" if geom.isna()[row] else str(geom.geom_type[row])
        msg = f"{int(bad.sum())} {what} are not polygons (first: {label(frame.index[row])}, {kind})"
        raise InputError(msg, file=file, field="geometry", fix=f"give one polygon per {what[:-1]}")
