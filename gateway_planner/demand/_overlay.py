"""Areal interpolation between zones and cells.

Counts per zone (population, group counts) are spread over cells by
``tobler.area_weighted.area_interpolate`` (extensive variables). We hand it the area table
(square metres of every zone x cell overlap) built here instead of letting tobler build it:

* tobler intersects every overlapping pair; grid cells mostly lie wholly inside one zone, so we
  test that first with a prepared ``contains`` and measure only the cells on zone edges (with
  ``clip_by_rect`` for square cells);
* tobler stores its table in float32, which moves totals by about 1e-7; ours is float64, so
  populations are conserved to about 1e-12.

Shares per zone reach cells as tobler's intensive estimate, ``sum_z a_zc v_z / sum_z a_zc``, but
computed here as one sparse product (:func:`weighted_mean`): on a million raster cells tobler's
wrapper spends seconds copying the cells and comparing every geometry with infinity
(``DataFrame.replace``), and importing tobler costs about 3 s.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from .._optional import import_optional_dependency

__all__ = ["area_table", "interpolate_extensive", "main_source", "weighted_mean"]


def area_table(sources: np.ndarray, targets: np.ndarray) -> sparse.csr_array:
    """Overlap areas of every source x target pair, as a sparse (n_sources, n_targets) table.

    Per overlapping pair: a target inside the source (prepared ``contains``, the common case
    for grid cells) counts with its own area; an axis-aligned rectangular target across the
    source's edge is measured with ``clip_by_rect`` (about three times faster than a general
    intersection on detailed boundaries); anything else with a GEOS intersection.

    Parameters
    ----------
    sources, targets
        Polygon arrays in one projected CRS.

    Returns
    -------
    scipy.sparse.csr_array
        float64 areas; pairs that do not overlap are absent.
    """
    sources = np.asarray(sources, dtype=object)
    targets = np.asarray(targets, dtype=object)
    if len(sources) == 0 or len(targets) == 0:
        return sparse.csr_array((len(sources), len(targets)), dtype=np.float64)
    t_bounds = shapely.bounds(targets)
    t_area = shapely.area(targets)
    tree = shapely.STRtree(targets)
    shapely.prepare(sources)
    src, tgt = tree.query(sources, predicate="intersects")
    # contains (not contains_properly): grid cells often share an edge with a zone
    inside = shapely.contains(sources[src], targets[tgt])
    areas = t_area[tgt]
    edge = np.flatnonzero(~inside)
    rect = _is_rectangle(t_bounds[tgt[edge]], t_area[tgt[edge]])
    if rect.any():
        pairs = edge[rect]
        areas[pairs] = [
            shapely.area(shapely.clip_by_rect(geom, *box))
            for geom, box in zip(sources[src[pairs]], t_bounds[tgt[pairs]].tolist(), strict=True)
        ]
    other = edge[~rect]
    if other.size:
        areas[other] = shapely.area(shapely.intersection(sources[src[other]], targets[tgt[other]]))
    table = sparse.coo_array(
        (areas, (src, tgt)), shape=(len(sources), len(targets)), dtype=np.float64
    ).tocsr()
    table.eliminate_zeros()
    return table


def _is_rectangle(bounds: np.ndarray, area: np.ndarray) -> np.ndarray:
    """Return True for polygons that fill their bounding box (axis-aligned rectangles)."""
    box_area = (bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1])
    rect: np.ndarray = (area > 0) & (np.abs(box_area - area) <= 1e-9 * box_area)
    return rect


def _tobler() -> object:
    module = import_optional_dependency("tobler.area_weighted", "interpolate")
    return module.area_interpolate


def interpolate_extensive(
    zones: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    columns: list[str],
    table: sparse.csr_array,
) -> pd.DataFrame:
    """Spread zone counts over cells in proportion to the share of each zone's area they cover.

    Zone parts covered by no cell (outside the study area) keep their share of the count, which
    is then left out (tobler's ``allocate_total=False``).

    Returns
    -------
    pandas.DataFrame
        One row per cell (cells' index), one column per counted column.
    """
    area_interpolate = _tobler()
    out = area_interpolate(  # type: ignore[operator]
        zones[[*columns, "geometry"]],
        cells[["geometry"]],
        extensive_variables=columns,
        table=sparse.csr_matrix(table),
        allocate_total=False,
    )
    return pd.DataFrame(out[columns].to_numpy(dtype=float), index=cells.index, columns=columns)


def weighted_mean(table: sparse.csr_array, values: np.ndarray) -> np.ndarray:
    """Area-weighted mean of source values over the part of each target the sources cover.

    Parameters
    ----------
    table
        Overlap areas (n_sources, n_targets) from :func:`area_table`.
    values
        (n_sources, k) values per source.

    Returns
    -------
    numpy.ndarray
        (n_targets, k); 0 for a target no source covers.
    """
    covered = np.asarray(table.sum(axis=0)).ravel()
    total = sparse.csr_array(table.T) @ np.asarray(values, dtype=np.float64)
    mean: np.ndarray = total / np.where(covered > 0, covered, 1.0)[:, None]
    return mean


def main_source(table: sparse.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """For every target, the area covered by all sources and the source covering most of it.

    Returns
    -------
    tuple of numpy.ndarray
        Covered area (0 where no source overlaps) and the index of the largest source (-1 there;
        the lowest index on ties).
    """
    coo = sparse.coo_array(table)
    n_targets = table.shape[1]
    covered = np.bincount(coo.col, weights=coo.data, minlength=n_targets)
    order = np.lexsort((coo.row, -coo.data, coo.col))  # by target, largest area, lowest source
    cols = coo.col[order]
    first = np.ones(len(cols), dtype=bool)
    first[1:] = cols[1:] != cols[:-1]
    main = np.full(n_targets, -1, dtype=np.int64)
    main[cols[first]] = coo.row[order][first]
    return covered, main
