"""Blocks of site searches assembled into one mode's cells x sites matrix, and mode mixes.

A block of searches gives network seconds from the cells' nodes to some sites' nodes
(:func:`._blocks.shortest_times`); adding the access walk (cell centroid to its node) and the
egress walk (site's node to the site) gives float32 minutes, ``inf`` past the time limit. The
blocks are laid into a dense array or, keeping only the finite minutes, into a scipy CSR array
(the blocks are columns: they are laid out as CSC and transposed once). A customer group's
minutes are the expected value over its mode mix.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from .. import settings
from ..minutes import Minutes, combine, freeze, index_dtype
from ._blocks import shortest_times
from ._routing import RoutingGraph, kept_pruning
from .snapping import Snap

__all__ = [
    "expected_minutes",
    "fastest_where_served",
    "minute_blocks",
    "mode_matrix",
    "single_mode",
    "sparse_from_blocks",
]


def single_mode(mix: Mapping[str, float]) -> bool:
    """Tell whether a mode mix is one mode at share 1 (the group's matrix is that mode's)."""
    return len(mix) == 1 and math.isclose(next(iter(mix.values())), 1.0)


def mode_matrix(
    blocks: Iterator[tuple[np.ndarray, np.ndarray]],
    cells: Snap,
    sites: Snap,
    *,
    sparse: bool = False,
) -> Minutes:
    """Lay the blocks of :func:`minute_blocks` into float32 minutes ``(n_cells, n_sites)``.

    Dense with ``inf`` where a site is not reached, or (``sparse``) CSR of the finite minutes.
    """
    n_cells, n_sites = cells.node.size, sites.node.size
    ok_cells = np.flatnonzero(cells.snapped)
    if sparse:
        return sparse_from_blocks(blocks, ok_cells, (n_cells, n_sites))
    all_cells = ok_cells.size == n_cells
    first = next(blocks, None)
    if first is None:
        return np.full((n_cells, n_sites), np.inf, dtype=np.float32)
    columns, minutes = first
    if all_cells and columns.size == n_sites:  # one block holds every site: nothing to fill
        out = np.empty((n_cells, n_sites), dtype=np.float32)
        out[:, columns] = minutes.T
        return out
    out = np.full((n_cells, n_sites), np.inf, dtype=np.float32)
    for columns, minutes in itertools.chain([first], blocks):
        if all_cells:
            out[:, columns] = minutes.T
        else:
            out[np.ix_(ok_cells, columns)] = minutes.T
    return out


def minute_blocks(
    routing: RoutingGraph,
    cells: Snap,
    sites: Snap,
    *,
    walk_speed_kmh: float,
    limit_minutes: float | None,
    workers: int = 1,
    client: Any = None,
    label: str = "travel times",
    kept: np.ndarray | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(site columns, float32 minutes (len(columns), snapped cells))`` per block.

    Minutes are ``inf`` past ``limit_minutes``; every site that snapped is in one block.
    With ``kept`` (mask over sites), searches are cut where a kept site is as near.
    """
    walk_mps = walk_speed_kmh / 3.6
    ok_cells = np.flatnonzero(cells.snapped)
    ok_sites = np.flatnonzero(sites.snapped)
    if ok_cells.size == 0 or ok_sites.size == 0:
        return
    # float32 throughout, in place: the result is float32 and a float32 ulp at an hour is 0.2 ms
    access = (cells.distance_m[ok_cells] / walk_mps / 60.0).astype(np.float32)
    egress = (sites.distance_m[ok_sites] / walk_mps / 60.0).astype(np.float32)
    sources, inverse = np.unique(sites.node[ok_sites], return_inverse=True)
    limit_s = None if limit_minutes is None else limit_minutes * 60.0
    pruning = None
    if kept is not None and kept[ok_sites].any():
        egress_s = sites.distance_m[ok_sites] / walk_mps
        at_kept = kept[ok_sites]
        per_source = np.full(sources.size, np.inf)
        np.minimum.at(per_source, inverse, egress_s)  # the nearest site at a node reaches most
        pruning = kept_pruning(
            routing, sites.node[ok_sites][at_kept], egress_s[at_kept], sources, per_source
        )
    per_second = np.float32(1.0 / 60.0)
    tick = settings.progress
    targets = cells.node[ok_cells]
    ends = routing.ends
    starts = None if ends is None or ends.starts is None else ends.starts[targets]
    for start, rows in shortest_times(
        routing,
        sources,
        targets,
        limit_seconds=limit_s,
        workers=workers,
        client=client,
        pruning=pruning,
        starts=starts,
    ):
        in_block = (inverse >= start) & (inverse < start + rows.shape[0])
        local = inverse[in_block] - start
        if local.size == rows.shape[0]:  # each node one site: reorder columns, not rows
            order = np.argsort(local, kind="stable")
            in_block = np.flatnonzero(in_block)[order]
            minutes = rows  # ours to modify
        else:
            minutes = rows[local]  # one row per site (sites sharing a node repeat it)
        minutes *= per_second
        minutes += egress[in_block][:, None]
        minutes += access[None, :]
        if limit_minutes is not None:
            minutes[minutes > limit_minutes] = np.inf
        yield ok_sites[in_block], minutes
        if tick is not None:
            tick(label, start + rows.shape[0], sources.size)


def sparse_from_blocks(
    blocks: Iterator[tuple[np.ndarray, np.ndarray]],
    ok_cells: np.ndarray,
    shape: tuple[int, int],
) -> sp.csr_array:
    """Assemble site blocks into a CSR array of the finite minutes (zeros kept as entries).

    The blocks are columns, so they are laid out as CSC (each site's cells, in cell order) and
    transposed to CSR once, in O(entries); stored zeros survive both steps.
    """
    n_cells, n_sites = shape
    pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    counts = np.zeros(n_sites, dtype=np.int64)
    for columns, minutes in blocks:
        finite = np.isfinite(minutes)
        per_site = finite.sum(axis=1)
        row, col = np.nonzero(finite)  # row-major: site by site, cells ascending
        pieces.append((columns, per_site, ok_cells[col], minutes[row, col]))
        counts[columns] = per_site
    nnz = int(counts.sum())
    dtype = index_dtype(nnz, n_cells, n_sites)
    indptr = np.zeros(n_sites + 1, dtype=dtype)
    np.cumsum(counts, out=indptr[1:])
    indices = np.empty(nnz, dtype=dtype)
    data = np.empty(nnz, dtype=np.float32)
    while pieces:
        columns, per_site, cell_index, values = pieces.pop()
        offset = 0
        for column, count in zip(columns.tolist(), per_site.tolist(), strict=True):
            lo = int(indptr[column])
            indices[lo : lo + count] = cell_index[offset : offset + count]
            data[lo : lo + count] = values[offset : offset + count]
            offset += count
    by_site = sp.csc_array((data, indices, indptr), shape=shape)
    out = by_site.tocsr()
    out.has_sorted_indices = True  # the transpose of sorted columns lists each row in order
    return out


def expected_minutes(
    mix: Mapping[str, float],
    by_mode: Mapping[str, Minutes],
    *,
    shape: tuple[int, int],
    sparse: bool,
    served: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> Minutes:
    """Return expected minutes over a mode mix (float64 sums in row chunks, float32 result).

    A pair is reachable when every mode of the mix reaches it (``share x inf`` is ``inf``).
    ``served`` gives, for the modes with a service area, the cells and the sites they serve:
    where a mode is unavailable the other modes' shares are scaled up to sum to 1 (no other
    mode: ``inf``).
    """
    limited = {key: served[key] for key in mix if served and key in served}
    if limited:
        return _expected_where_served(mix, by_mode, limited, shape=shape, sparse=sparse)
    if single_mode(mix):
        return by_mode[next(iter(mix))]
    keys = list(mix)
    shares = [mix[key] for key in keys]

    def expected(chunks: list[np.ndarray], rows: slice) -> np.ndarray:
        acc = np.zeros((rows.stop - rows.start, shape[1]), dtype=np.float64)
        for share, minutes in zip(shares, chunks, strict=True):
            acc += share * minutes
        if not keys:
            acc.fill(np.inf)
        return acc.astype(np.float32)

    out = combine([by_mode[key] for key in keys], expected, shape=shape, sparse=sparse)
    freeze(out)
    return out


def _expected_where_served(
    mix: Mapping[str, float],
    by_mode: Mapping[str, Minutes],
    served: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    shape: tuple[int, int],
    sparse: bool,
) -> Minutes:
    """Return expected minutes over the modes available for each pair, shares renormalised."""
    keys = list(mix)
    shares = [float(mix[key]) for key in keys]

    def expected(chunks: list[np.ndarray], rows: slice) -> np.ndarray:
        acc = np.zeros((rows.stop - rows.start, shape[1]), dtype=np.float64)
        weight = np.zeros_like(acc)
        for key, share, minutes in zip(keys, shares, chunks, strict=True):
            if key in served:
                cells, sites = served[key]
                here = cells[rows][:, None] & sites[None, :]
                acc += np.where(here, share * minutes, 0.0)
                weight += np.where(here, share, 0.0)
            else:
                acc += share * minutes
                weight += share
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(weight > 0, acc / np.where(weight > 0, weight, 1.0), np.inf)
        return out.astype(np.float32)

    out = combine([by_mode[key] for key in keys], expected, shape=shape, sparse=sparse)
    freeze(out)
    return out


def fastest_where_served(
    own: Minutes,
    other: Minutes,
    served: tuple[np.ndarray, np.ndarray] | None,
    *,
    shape: tuple[int, int],
    sparse: bool,
) -> Minutes:
    """Return the faster of two modes' minutes per pair, ``other`` only where it serves.

    ``served`` gives the cells and the sites ``other`` serves (None: every pair); elsewhere
    the result is ``own``. Either form in, the same form out.
    """

    def fastest(chunks: list[np.ndarray], rows: slice) -> np.ndarray:
        mine, theirs = chunks
        if served is not None:
            cells, sites = served
            theirs = np.where(cells[rows][:, None] & sites[None, :], theirs, np.inf)
        faster: np.ndarray = np.fmin(mine, theirs).astype(np.float32)
        return faster

    out = combine([own, other], fastest, shape=shape, sparse=sparse)
    freeze(out)
    return out
