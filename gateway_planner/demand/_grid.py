"""Vectorised helpers for square cells: binning, covering grids and inside tests."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["MAX_SQUARES", "aggregate", "centre_inside", "grid_squares"]

#: at most this many candidate squares when gridding zones (about 1.6 GB of polygons)
MAX_SQUARES = 4_000_000


def aggregate(
    x: np.ndarray, y: np.ndarray, values: np.ndarray, cell_size: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum values into square cells of ``cell_size`` anchored at multiples of it.

    Each value goes whole to the cell holding its point, so totals are conserved exactly.

    Returns
    -------
    tuple of numpy.ndarray
        Lower-left x, lower-left y and the sums, one entry per non-empty cell, ordered by
        column then row.
    """
    ix = np.floor(x / cell_size).astype(np.int64)
    iy = np.floor(y / cell_size).astype(np.int64)
    keys = np.stack([ix, iy], axis=1)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    sums = np.bincount(inverse.ravel(), weights=values, minlength=len(uniq))
    return uniq[:, 0] * cell_size, uniq[:, 1] * cell_size, sums


def grid_squares(bounds: tuple[float, float, float, float], cell_size: float) -> np.ndarray:
    """Lower-left corners (n, 2) of the squares of a ``cell_size`` grid covering ``bounds``."""
    minx, miny, maxx, maxy = bounds
    xs = np.arange(np.floor(minx / cell_size), np.ceil(maxx / cell_size)) * cell_size
    ys = np.arange(np.floor(miny / cell_size), np.ceil(maxy / cell_size)) * cell_size
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    return np.column_stack([gx.ravel(), gy.ravel()])


def centre_inside(outline: BaseGeometry, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return True where the point (x, y) lies inside the outline."""
    shapely.prepare(outline)
    inside: np.ndarray = shapely.contains_xy(outline, x, y)
    return inside
