"""Population inputs -> the ``cells`` contract in the run's projected CRS.

Four kinds of population file, chosen by ``kind`` (``"auto"`` looks at the suffix):

``raster``
    GeoTIFF or any raster rasterio reads (GHSL, WorldPop; 100 m or 1 km): one cell per populated
    pixel, or pixels summed into squares of ``cell_size`` (``.tif``, ``.tiff``, ``.vrt``,
    ``.img``, ``.asc`` under ``"auto"``).
``vector``
    Polygons with a population column (INSEE Filosofi 200 m squares, hexagons): each polygon is
    a cell (any other suffix under ``"auto"``).
``zones``
    Polygons with counts (output areas, LSOAs, IRIS): spread over squares of ``cell_size`` by
    areal interpolation, totals conserved (never chosen by ``"auto"``).
``csv``
    A table of square cells: centres ``x``, ``y`` in the run's CRS, population, ``cell_size``
    (``.csv`` under ``"auto"``; the pilot's ``cells.csv`` shape).

Cells whose centre lies outside the study area and empty cells are left out and counted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd
import pyproj
from shapely.geometry.base import BaseGeometry

from .._deprecation import deprecated_alias
from .._files import read_vector
from ..contracts import SHARE_PREFIX
from ..errors import InputError
from ._raster import read_raster
from ._read import PopulationFile, ReadCells
from ._vector import read_csv_grid, read_vector_grid
from ._zones import read_zones, zones_to_cells
from .shares import check_share_table

__all__ = [
    "DEFAULT_ZONE_CELL_SIZE",
    "POPULATION_KINDS",
    "build_cells",
    "choose_crs",
    "population_kind",
    "read_population_cells",
    "read_vector",
]

PopulationKind = Literal["auto", "raster", "vector", "zones", "csv"]
POPULATION_KINDS: tuple[str, ...] = ("auto", "raster", "vector", "zones", "csv")
RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".img", ".asc")
#: side of the squares zones are spread over when no cell size is given (as in the pilot)
DEFAULT_ZONE_CELL_SIZE = 250.0
#: readers of the kinds read cell by cell (zones are spread over a grid here)
_READERS = {"raster": read_raster, "vector": read_vector_grid, "csv": read_csv_grid}


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
        try:
            chosen = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError:
            msg = f"{crs!r} is not a CRS pyproj knows"
            raise InputError(
                msg, field="area.crs", fix="give an EPSG code such as EPSG:27700 or EPSG:2154"
            ) from None
        if not chosen.is_projected:
            msg = f"CRS {crs} is geographic (degrees), not projected"
            raise InputError(
                msg,
                field="area.crs",
                fix="give a projected CRS in metres, e.g. EPSG:27700 or EPSG:2154, or leave it out to use UTM",
            )
        return chosen
    utm: pyproj.CRS | None = geometry.estimate_utm_crs()
    if utm is None:  # pragma: no cover - estimate_utm_crs only fails on empty input
        msg = "cannot choose a UTM zone for empty data"
        raise InputError(msg, field="area.crs", fix="give area.crs")
    return utm


def population_kind(path: str | Path, kind: str = "auto") -> str:
    """Return the kind of a population file: ``kind``, or guessed from the suffix for ``"auto"``.

    Parameters
    ----------
    path
        The population file.
    kind
        One of {auto, raster, vector, zones, csv}.

    Returns
    -------
    str
        One of {raster, vector, zones, csv}.
    """
    if kind not in POPULATION_KINDS:
        msg = f"population kind {kind!r} is not one of {list(POPULATION_KINDS)}"
        raise InputError(msg, file=path, field="demand.population_kind", fix="use one of them")
    if kind != "auto":
        return kind
    suffix = Path(path).suffix.lower()
    if suffix in RASTER_SUFFIXES:
        return "raster"
    if suffix in {".csv", ".txt"}:
        return "csv"
    return "vector"


def _read_population(
    source: PopulationFile,
    *,
    crs: pyproj.CRS,
    boundary: BaseGeometry | None = None,
    zone_shares: pd.DataFrame | None = None,
    shares_file: str | None = None,
) -> tuple[str, ReadCells]:
    """Read a population file of any kind; return the kind read and the cells.

    ``zone_shares`` (index = zone codes) replace the zones' own ``share__*`` columns.
    """
    path, cell_size = Path(source.path), source.cell_size
    kind = population_kind(path, source.kind)
    if cell_size is not None and not cell_size > 0:
        msg = f"cell size is {cell_size!r}"
        raise InputError(
            msg, file=path, field="demand.cell_size", fix="give the cell side in metres, > 0"
        )
    if kind in _READERS:
        read = _READERS[kind](source, crs=crs, outline=boundary)
    else:
        zones = read_zones(
            path,
            crs=crs,
            id_column=source.zone_id_column,
            field="demand.population",
            population_column=source.population_column,
        )
        own = [c for c in zones.columns if str(c).startswith(SHARE_PREFIX)]
        if zone_shares is None and own:
            zone_shares = check_share_table(zones[own], None, file=path, key=source.zone_id_column)
            shares_file = str(path)
        read = zones_to_cells(
            zones.drop(columns=own),
            outline=boundary,
            cell_size=cell_size or DEFAULT_ZONE_CELL_SIZE,
            file=path,
            shares=zone_shares,
            shares_file=shares_file,
        )
    if read.cells.empty:
        drops = ", ".join(f"{d.count} {r}" for r, d in read.dropped.items() if d.count)
        msg = f"no populated cell inside the study area ({drops or 'nothing read'})"
        raise InputError(
            msg,
            file=path,
            field="demand.population",
            fix="check that the population file and the area boundary overlap (and their CRS)",
        )
    return kind, read


def read_population_cells(
    path: str | Path,
    *,
    crs: pyproj.CRS,
    boundary: BaseGeometry | None = None,
    population_column: str = "population",
    id_column: str | None = None,
    kind: PopulationKind = "auto",
    zone_id_column: str = "zone_code",
    cell_size: float | None = None,
) -> gpd.GeoDataFrame:
    """Read a population file (any kind in this module's docstring) into cells.

    Group shares are not settled here: ``share__*`` columns of the file are kept as they are
    (spread over cells for zones). :func:`gateway_planner.demand.build_demand_cells` adds a
    shares table, checks the whole contract and summarises.

    Parameters
    ----------
    path
        The population file.
    crs
        Projected CRS of the run; the data are reprojected to it.
    boundary
        Study area in ``crs``; cells are kept when their centre falls inside it (zones: the
        grid is clipped to it).
    population_column
        Population column (vector, zones, csv).
    id_column
        Column holding cell ids (vector: the features' ids when None; csv: ``cell_id`` or
        ``"<x>_<y>"``). Raster and zone cells are named ``"<x>_<y>"`` after their lower-left
        corner in whole metres.
    kind
        One of {auto, raster, vector, zones, csv}.
    zone_id_column
        Column of zone codes (zones).
    cell_size
        Side of square cells in metres: rasters are summed into them when given, zones are
        spread over them (250 m when None), csv cells have that side.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``cell_id`` (str), ``population``, any ``share__*`` columns, polygon geometry.
    """
    source = PopulationFile(
        Path(path), kind, population_column, id_column, zone_id_column, cell_size
    )
    return _read_population(source, crs=crs, boundary=boundary)[1].cells


build_cells = deprecated_alias(
    read_population_cells,
    old="gateway_planner.demand.build_cells",
    replacement="gateway_planner.demand.read_population_cells(path, crs=...)",
)
