"""Maximal attendance: open p sites to maximise the face-to-face visits actually made.

Each cell ``i`` would make ``w_i`` visits at no distance; from site ``j`` it makes
``w_i a_ij``, where the attendance share ``a_ij`` in [0, 1] falls with the journey time
(:mod:`.decay`: exponential or power decay with a cut-off, or shares computed by the caller,
for example per customer group and collapsed per cell and site). With p sites open, existing
ones included, the model maximises the visits made, each cell going where it makes most::

    max  sum_i w_i max_{j open} a_ij

This is the generalised coverage of Church & Roberts (1983, "Generalized coverage models and
public facility location", Papers of the Regional Science Association 53) with the decay of
spatial interaction models, ArcGIS Location-Allocation's "Maximize Attendance". Like maximal
coverage (:class:`~.coverage.MaxCoverage`) it is a p-median over costs ``1 - a_ij`` with "no
visits" costing 1, so it is solved by the same engine with the same exact paths, bound and gap
(:mod:`._engine`, :mod:`._pipeline`). The objective is the visits made; the bound is an upper
bound of them; the visits lost to distance are ``sum_i w_i`` minus the objective.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from ._engine import MedianCore
from ._pipeline import solve_median
from .base import Outcome, SolveRequest
from .coverage import MaxCoverage, credit
from .decay import decay_factor

__all__ = ["MaxAttendance"]

logger = logging.getLogger(__name__)


class MaxAttendance(MaxCoverage):
    """Maximal attendance: most visits made with p open sites, visits decaying with journey time.

    The objective (:meth:`evaluate`) is the visits made, ``sum_i w_i max_{j open} a_ij``; the
    bound is an upper bound. Each cell is assigned to the open site where it makes most visits
    (the nearest one on ties), or -1 when it makes none (every open site past the cut-off).
    """

    model = "max_attendance"

    @cached_property
    def _credit(self) -> np.ndarray:
        """The attendance share of every reachable pair."""
        pr = self.problem
        pairs = self.data.pairs
        if pr.attendance is not None:
            return _pair_values(pr.attendance, pairs.rows, self.data.cand[pairs.pos])
        if pr.decay in ("step", "linear"):
            return credit(
                pairs.cost, limit=float(pr.limit or 0.0), decay=pr.decay, decay_start=pr.decay_start
            )
        return decay_factor(
            pairs.cost,
            form=pr.decay,
            beta=float(pr.decay_beta or 0.0),
            t0=pr.decay_t0,
            cutoff=pr.limit,
        )

    @cached_property
    def _core(self) -> MedianCore:
        data = self.data
        label = "maximal attendance, Church & Roberts 1983"
        return MedianCore.build(data, 1.0 - self._credit, np.ones(data.n_cells), label=label)

    def _run(self, request: SolveRequest) -> Outcome:
        earns = np.zeros(self.data.n_cells, dtype=bool)
        earns[self.data.pairs.rows[self._credit > 0]] = True
        lost = np.flatnonzero((self.data.w > 0) & ~earns)
        if lost.size:
            logger.info(
                "%d cell(s) of positive weight (%.6g of %.6g visits) make no visits to any candidate: %s",
                lost.size,
                self.data.w[lost].sum(),
                self._total,
                self.problem.cell_names(lost),
            )
        out = solve_median(self._core, request)
        return replace(out, bound=self._total - out.bound)

    def assign(self, is_open: np.ndarray) -> np.ndarray:
        """Site index serving each cell: where it makes most visits (nearest on ties), else -1.

        Parameters
        ----------
        is_open
            Boolean mask over the candidate sites.

        Returns
        -------
        numpy.ndarray
            ``(n_cells,)`` site indices.
        """
        data = self.data
        pairs = data.pairs
        share = self._credit
        idx = np.flatnonzero(is_open[pairs.pos] & (share > 0))
        # per cell, the largest share first, then the pair order (minutes, candidate)
        order = idx[np.lexsort((idx, -share[idx], pairs.rows[idx]))]
        cells, first = np.unique(pairs.rows[order], return_index=True)
        out = np.full(data.n_cells, -1, dtype=np.int64)
        out[cells] = data.cand[pairs.pos[order[first]]]
        return out


def _pair_values(
    matrix: np.ndarray | sp.csr_array, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """Entries of a dense or sparse matrix at (rows, cols); a missing sparse entry is 0."""
    if not sp.issparse(matrix):
        return np.asarray(np.asarray(matrix, dtype=np.float64)[rows, cols], dtype=np.float64)
    csr = sp.csr_array(matrix)
    csr.sum_duplicates()
    n_cols = csr.shape[1]
    keys = np.repeat(np.arange(csr.shape[0], dtype=np.int64), np.diff(csr.indptr)) * n_cols
    keys += csr.indices
    want = rows.astype(np.int64) * n_cols + cols
    at = np.minimum(np.searchsorted(keys, want), max(keys.size - 1, 0))
    found = keys.size > 0
    hit = (keys[at] == want) if found else np.zeros(want.size, dtype=bool)
    out = np.zeros(want.size, dtype=np.float64)
    out[hit] = csr.data[at[hit]]
    return out
