"""Population rasters (GHSL, WorldPop, any file rasterio reads) -> square or warped cells.

Only the window covering the study area's bounding box is read. Band 1 holds people per pixel.
No-data pixels (the file's nodata value, its mask, NaN) and negative values are left out and
counted; so are empty pixels. Everything is vectorised over pixels.

* Raster in the run's CRS, not rotated, no ``cell_size``: one square cell per populated pixel.
* ``cell_size`` given: pixel centres are moved to the run's CRS and summed into square cells of
  that size (totals conserved exactly).
* Raster in another CRS, no ``cell_size``: one cell per pixel, its four corners reprojected.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:
    from affine import Affine

from .._geometry import cell_ids
from .._optional import import_optional_dependency
from ..contracts import Dropped
from ..errors import GatewayPlannerWarning, InputError
from ._grid import aggregate, centre_inside
from ._read import PopulationFile, ReadCells

__all__ = ["read_raster"]

logger = logging.getLogger(__name__)

_FIELD = "demand.population"


def _open(path: Path) -> Any:  # a rasterio dataset (rasterio is optional)
    rasterio = import_optional_dependency("rasterio", "raster")
    if not path.exists():
        msg = "file not found"
        raise InputError(
            msg,
            file=path,
            field=_FIELD,
            fix="check the path (relative paths are read from the scenario's folder)",
        )
    try:
        return rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        msg = f"cannot be read as a raster ({exc})"
        raise InputError(
            msg,
            file=path,
            field=_FIELD,
            fix="give a GeoTIFF (or another raster GDAL reads), or set demand.population_kind",
        ) from None


def _window(
    src: Any, outline: BaseGeometry | None, crs: pyproj.CRS, path: Path
) -> tuple[int, int, int, int]:
    """Pixel window (col0, row0, width, height) of a rasterio dataset covering the outline's box."""
    if outline is None:
        return 0, 0, int(src.width), int(src.height)
    to_raster = pyproj.Transformer.from_crs(
        crs, pyproj.CRS.from_wkt(src.crs.to_wkt()), always_xy=True
    )
    left, bottom, right, top = outline.bounds
    bx = to_raster.transform_bounds(left, bottom, right, top, densify_pts=21)
    corners = np.array([(bx[0], bx[1]), (bx[0], bx[3]), (bx[2], bx[1]), (bx[2], bx[3])])
    cols, rows = _apply(~src.transform, corners[:, 0], corners[:, 1])
    col0 = max(0, int(np.floor(np.min(cols))))
    row0 = max(0, int(np.floor(np.min(rows))))
    col1 = min(src.width, int(np.ceil(np.max(cols))))
    row1 = min(src.height, int(np.ceil(np.max(rows))))
    if col1 <= col0 or row1 <= row0:
        msg = (
            f"the raster (bounds {tuple(round(v) for v in src.bounds)} in {src.crs}) and the study "
            f"area (bounds {tuple(round(v) for v in bx)} in the same CRS) do not overlap"
        )
        raise InputError(
            msg,
            file=path,
            field=_FIELD,
            fix="use a raster that covers the study area (check both files' CRS)",
        )
    return col0, row0, col1 - col0, row1 - row0


def read_raster(
    source: PopulationFile, *, crs: pyproj.CRS, outline: BaseGeometry | None
) -> ReadCells:
    """Read band 1 of a population raster into cells in ``crs``.

    Parameters
    ----------
    source
        The raster file; pixels are summed into square cells of its ``cell_size`` (metres)
        when given, one cell per pixel otherwise.
    crs
        The run's projected CRS.
    outline
        Study area in ``crs``; cells whose centre lies outside are left out.

    Returns
    -------
    ReadCells
    """
    path, cell_size = source.path, source.cell_size
    rasterio = import_optional_dependency("rasterio", "raster")
    with _open(path) as src:
        if src.crs is None:
            msg = "has no CRS"
            raise InputError(
                msg,
                file=path,
                field=_FIELD,
                fix="write the raster with its CRS (e.g. gdal_edit.py -a_srs EPSG:27700 FILE)",
            )
        src_crs = pyproj.CRS.from_wkt(src.crs.to_wkt())
        col0, row0, width, height = _window(src, outline, crs, path)
        window = rasterio.windows.Window(col0, row0, width, height)
        band = src.read(1, window=window, masked=True)
        transform = _shifted(src.transform, col0, row0)
    values = np.ma.getdata(band).astype(np.float64, copy=False)
    nodata = np.ma.getmaskarray(band) | ~np.isfinite(values)
    negative = ~nodata & (values < 0)
    populated = ~nodata & (values > 0)
    dropped = {
        "nodata": Dropped(int(nodata.sum())),
        "negative": Dropped(int(negative.sum())),
        "empty": Dropped(int(np.count_nonzero(~nodata & (values == 0)))),
    }
    if negative.any():
        msg = (
            f"{path}: {int(negative.sum())} pixels hold negative values (lowest "
            f"{values[negative].min():g}); they are treated as no data"
        )
        warnings.warn(msg, GatewayPlannerWarning, stacklevel=3)
    rows, cols = np.nonzero(populated)
    pop = values[rows, cols]
    del values, band, nodata, negative, populated
    population_read = float(pop.sum())
    same_crs = src_crs.equals(crs, ignore_axis_order=True)
    axis_aligned = transform.b == 0 and transform.d == 0
    # cell centres first, so that geometry is built only for the cells kept
    if cell_size is not None:
        x, y = _centres(transform, cols, rows, src_crs, crs)
        x0, y0, pop = aggregate(x, y, pop, cell_size)
        cx, cy = x0 + cell_size / 2, y0 + cell_size / 2
    else:
        cx, cy = _centres(transform, cols, rows, src_crs, crs)
    if outline is not None:
        inside = centre_inside(outline, cx, cy)
        dropped["outside"] = Dropped(int((~inside).sum()), float(pop[~inside].sum()))
        pop = pop[inside]
        if cell_size is not None:
            x0, y0 = x0[inside], y0[inside]
        else:
            cols, rows, cx, cy = cols[inside], rows[inside], cx[inside], cy[inside]
    if cell_size is not None:
        geoms = shapely.box(x0, y0, x0 + cell_size, y0 + cell_size)
    elif same_crs and axis_aligned:
        xa, ya = _apply(transform, cols, rows)
        x0, x1 = np.minimum(xa, xa + transform.a), np.maximum(xa, xa + transform.a)
        y0, y1 = np.minimum(ya, ya + transform.e), np.maximum(ya, ya + transform.e)
        geoms = shapely.box(x0, y0, x1, y1)
    else:
        geoms = _warped_pixels(transform, cols, rows, src_crs, crs)
        bounds = shapely.bounds(geoms)
        x0, y0 = bounds[:, 0], bounds[:, 1]
    cells = gpd.GeoDataFrame({"population": pop}, geometry=geoms, index=cell_ids(x0, y0), crs=crs)
    cells.index.name = "cell_id"
    return ReadCells(
        cells=cells, population_read=population_read, dropped=dropped, cell_size=cell_size
    )


def _shifted(t: Affine, col0: int, row0: int) -> Affine:
    """Transform of a window starting at (col0, row0) (rasterio's own uses a deprecated operator)."""
    x0, y0 = _apply(t, col0, row0)
    return type(t)(t.a, t.b, float(x0), t.d, t.e, float(y0))


def _apply(t: Affine, cols: Any, rows: Any) -> tuple[np.ndarray, np.ndarray]:
    """Apply an affine transform to arrays (without affine's deprecated ``*`` operator)."""
    c = np.asarray(cols, dtype=float)
    r = np.asarray(rows, dtype=float)
    return t.a * c + t.b * r + t.c, t.d * c + t.e * r + t.f


def _centres(
    transform: Affine, cols: np.ndarray, rows: np.ndarray, src_crs: pyproj.CRS, crs: pyproj.CRS
) -> tuple[np.ndarray, np.ndarray]:
    x, y = _apply(transform, cols + 0.5, rows + 0.5)
    if not src_crs.equals(crs, ignore_axis_order=True):
        x, y = pyproj.Transformer.from_crs(src_crs, crs, always_xy=True).transform(x, y)
    return np.asarray(x), np.asarray(y)


def _warped_pixels(
    transform: Affine, cols: np.ndarray, rows: np.ndarray, src_crs: pyproj.CRS, crs: pyproj.CRS
) -> np.ndarray:
    """Pixel quadrilaterals with their four corners reprojected."""
    to_run = pyproj.Transformer.from_crs(src_crs, crs, always_xy=True)
    ring = []
    for dc, dr in ((0, 0), (1, 0), (1, 1), (0, 1), (0, 0)):
        x, y = _apply(transform, cols + dc, rows + dr)
        ring.append(np.column_stack(to_run.transform(x, y)))
    quads: np.ndarray = shapely.polygons(np.stack(ring, axis=1))  # (n, 5, 2) rings
    return quads
