"""Square-cell and polygon helpers shared by the readers, the demand stage and the pilot build."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["cell_ids", "clip_to", "polygonal"]

#: shapely type ids of Polygon and MultiPolygon
_POLYGON_TYPES = (3, 6)


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygonal part of a geometry (an overlay or ``make_valid`` may add lines).

    Parameters
    ----------
    geom
        Any geometry.

    Returns
    -------
    shapely.geometry.base.BaseGeometry
        ``geom`` itself when it is a (multi)polygon, else the union of its polygonal parts, or an
        empty polygon when it has none.
    """
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = shapely.get_parts(geom)
    keep = parts[np.isin(shapely.get_type_id(parts), _POLYGON_TYPES)]
    return shapely.union_all(keep) if len(keep) else shapely.Polygon()


def clip_to(geoms: np.ndarray, outline: BaseGeometry) -> np.ndarray:
    """Intersect polygons with the outline, skipping those wholly inside (the fast path).

    Parts of dimension below 2 (a square touching the outline along an edge) are dropped, so a
    result is a (multi)polygon or empty.

    Parameters
    ----------
    geoms
        Polygons in the outline's CRS.
    outline
        The study area.

    Returns
    -------
    numpy.ndarray
        Object array of the clipped polygons, in the same order.
    """
    shapely.prepare(outline)
    out: np.ndarray = np.asarray(geoms, dtype=object).copy()
    edge = np.flatnonzero(~shapely.contains(outline, out))
    if edge.size:
        clipped = shapely.intersection(out[edge], outline)
        mixed = np.flatnonzero(~np.isin(shapely.get_type_id(clipped), _POLYGON_TYPES))
        for i in mixed:
            clipped[i] = polygonal(clipped[i])
        out[edge] = clipped
    return out


def cell_ids(x0: np.ndarray, y0: np.ndarray) -> np.ndarray:
    """Stable ids ``"<x>_<y>"`` of square cells' lower-left corners, in whole metres.

    Parameters
    ----------
    x0, y0
        Lower-left corners in a projected CRS.

    Returns
    -------
    numpy.ndarray
        Object array of str.
    """
    xs = pd.Series(np.rint(x0).astype(np.int64)).astype(str)
    ys = pd.Series(np.rint(y0).astype(np.int64)).astype(str)
    ids: np.ndarray = (xs + "_" + ys).to_numpy(dtype=object)
    return ids
