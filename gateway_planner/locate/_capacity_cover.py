"""Capacities for the coverage models: maximal coverage and set cover with sites that fill up.

With ``z_ij`` the share of cell ``i`` served by site ``j`` over the pairs within the limit
(binary when single-source) and ``y_j`` the open sites (Current & Storbeck 1988, "Capacitated
covering models", Environment and Planning B 15; Church & Murray 2018, the CLSCP-SO of spopt)::

    sum_j z_ij (=|<=) 1                     every cell of positive weight (= for a full cover)
    sum_i w_i z_ij <= Q_j y_j               capacitated sites
    z_ij <= y_j                             strong linking

Maximal coverage adds ``sum_j y_j = p`` and maximises ``sum_ij w_i f(d_ij) z_ij`` (``f`` the
credit); set cover minimises ``sum_j f_j y_j`` with every cell covered, or
``sum_ij w_i z_ij >= a sum_i w_i`` for a share ``a < 1``. A cell is covered only by the site it
is assigned to, so a full site leaves its nearby cells to other sites or uncovered. HiGHS
solves the model; the heuristic assigns the uncapacitated answer within the capacities and
bounds it by the LP relaxation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from ._data import Prepared, nearest_sites, prepare
from .milp import MilpModel, RowBuilder
from .problem import Problem

__all__ = ["CoverCapacities", "capacity_values", "prepare_with_capacities"]


def prepare_with_capacities(problem: Problem, *, model: str) -> Prepared:
    """Check and prepare a coverage problem that may carry capacities.

    The shared prechecks (:func:`~.problem.validate_problem`) accept capacities for the
    p-median only, so a coverage problem is checked without them, its capacities checked
    here, and the prepared problem keeps them.

    Parameters
    ----------
    problem
        The problem.
    model
        {"max_coverage", "set_cover"}

    Returns
    -------
    Prepared
        The checked problem in solver form, capacities included.

    Raises
    ------
    InputError
        For capacities of the wrong shape, negative or infinite, and every problem the shared
        prechecks find.
    """
    if problem.capacities is None:
        return prepare(problem, model=model)
    cap = np.asarray(problem.capacities, dtype=np.float64)
    if cap.shape != (problem.n_sites,) or np.any(cap < 0) or np.any(np.isposinf(cap)):
        msg = (
            f"1 problem(s) in the location problem: capacities must be {problem.n_sites} "
            f"numbers >= 0 or NaN (shape {cap.shape})"
        )
        raise InputError(msg, field="capacities", fix="correct the listed values before solving")
    data = prepare(replace(problem, capacities=None), model=model)
    return replace(data, problem=problem)


def capacity_values(data: Prepared) -> np.ndarray:
    """Capacity of every candidate (inf where NaN: uncapacitated).

    Parameters
    ----------
    data
        The prepared problem (its capacities set).

    Returns
    -------
    numpy.ndarray
        ``(m,)`` capacities.
    """
    cap = np.asarray(data.problem.capacities, dtype=np.float64)[data.cand]
    return np.where(np.isnan(cap), np.inf, cap)


@dataclass(frozen=True)
class CoverCapacities:
    """The pairs within the limit, their credit, and the capacitated coverage models.

    Parameters
    ----------
    data
        The prepared problem.
    pairs
        Indices (into ``data.pairs``) of the pairs within the limit, of cells of positive weight.
    credit
        Credit of each of those pairs (1 for set cover).
    cap
        Capacity of every candidate (inf: none).
    single
        Single-source (``z`` binary) or split demand.
    """

    data: Prepared
    pairs: np.ndarray
    credit: np.ndarray
    cap: np.ndarray
    single: bool

    @classmethod
    def of(cls, data: Prepared, credit: np.ndarray) -> CoverCapacities:
        """Keep the pairs of positive credit and positive weight.

        Parameters
        ----------
        data
            The prepared problem (with capacities).
        credit
            Credit of every pair of ``data.pairs``.

        Returns
        -------
        CoverCapacities
            The capacitated coverage data.
        """
        keep = np.flatnonzero((credit > 0) & (data.w[data.pairs.rows] > 0))
        return cls(
            data=data,
            pairs=keep,
            credit=np.asarray(credit, dtype=np.float64)[keep],
            cap=capacity_values(data),
            single=bool(data.problem.single_source),
        )

    @property
    def rows(self) -> np.ndarray:
        """Cell of each kept pair."""
        kept: np.ndarray = self.data.pairs.rows[self.pairs]
        return kept

    @property
    def pos(self) -> np.ndarray:
        """Candidate position of each kept pair."""
        kept: np.ndarray = self.data.pairs.pos[self.pairs]
        return kept

    def model(
        self,
        *,
        p: int | None = None,
        site_cost: np.ndarray | None = None,
        target: float | None = None,
        is_open: np.ndarray | None = None,
    ) -> tuple[MilpModel, np.ndarray]:
        """Build the MIP: maximal coverage (``p``) or set cover (``site_cost``, ``target``).

        Parameters
        ----------
        p
            Maximal coverage: the number of open sites (the objective is minus the covered
            demand).
        site_cost
            Set cover: the cost of each candidate.
        target
            Set cover: the demand to cover (None: every cell of positive weight, each fully).
        is_open
            Open sites fixed (an assignment only: no ``y`` columns).

        Returns
        -------
        tuple
            The model and the candidate of each ``y`` column (after the ``z`` columns).
        """
        data = self.data
        forced = data.forced if is_open is None else is_open
        allowed = np.ones(data.m, dtype=bool) if is_open is None else is_open
        use = allowed[self.pos]
        r, pos, credit = self.rows[use], self.pos[use], self.credit[use]
        w = data.w
        n_z = r.size
        free = np.flatnonzero(allowed & ~forced)
        ycol = np.full(data.m, -1, dtype=np.int64)
        ycol[free] = n_z + np.arange(free.size)
        n_cols = n_z + free.size
        cost = np.zeros(n_cols)
        offset = 0.0
        if p is not None:
            cost[:n_z] = -w[r] * credit
        elif site_cost is not None:
            cost[n_z:] = site_cost[free]
            offset = float(site_cost[forced].sum())
        rb = RowBuilder()
        cells = np.flatnonzero(w > 0)
        slot = np.full(data.n_cells, -1, dtype=np.int64)
        slot[cells] = np.arange(cells.size)
        full = p is None and target is None
        first = rb.add_rows(1.0 if full else -np.inf, 1.0, count=cells.size)
        rb.add_entries(first + slot[r], np.arange(n_z), 1.0)
        capped = np.flatnonzero(allowed & np.isfinite(self.cap))
        if capped.size:
            cslot = np.full(data.m, -1, dtype=np.int64)
            cslot[capped] = np.arange(capped.size)
            is_free = ycol[capped] >= 0
            crow = rb.add_rows(-np.inf, np.where(is_free, 0.0, self.cap[capped]))
            on = cslot[pos] >= 0
            rb.add_entries(crow + cslot[pos[on]], np.flatnonzero(on), w[r[on]])
            rb.add_entries(
                crow + np.flatnonzero(is_free), ycol[capped[is_free]], -self.cap[capped[is_free]]
            )
        linked = np.flatnonzero(ycol[pos] >= 0)
        if linked.size:
            lrow = rb.add_rows(-np.inf, 0.0, count=linked.size)
            rb.add_entries(lrow + np.arange(linked.size), linked, 1.0)
            rb.add_entries(lrow + np.arange(linked.size), ycol[pos[linked]], -1.0)
        if p is not None and free.size:
            k = p - int(forced.sum())
            row = rb.add_rows(float(k), float(k), count=1)
            rb.add_entries(np.full(free.size, row), ycol[free], 1.0)
        if p is None and target is not None:
            row = rb.add_rows(target * (1 - 1e-9), np.inf, count=1)
            rb.add_entries(np.full(n_z, row), np.arange(n_z), w[r])
        integer = np.zeros(n_cols, dtype=bool)
        integer[n_z:] = True
        if self.single:
            integer[:n_z] = True
        kind = "single-source" if self.single else "split demand"
        what = "capacitated maximal covering" if p is not None else "capacitated set cover"
        name = f"{what}, {kind}" + (" assignment" if is_open is not None else "")
        model = MilpModel.unit(cost, integer, rb, offset=offset, name=name)
        return model, free

    def decode(
        self, x: np.ndarray, *, is_open: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, sp.csr_array | None, float]:
        """Open sites, assignment, shares (split demand) and covered demand of a solution.

        Parameters
        ----------
        x
            Column values of :meth:`model`'s model (built with the same ``is_open``).
        is_open
            The open sites it was built with (None: the full model).

        Returns
        -------
        tuple
            Open mask, per cell the serving site (-1 when uncovered), shares or None, and
            the credited demand ``sum_ij w_i f(d_ij) z_ij``.
        """
        data = self.data
        allowed = np.ones(data.m, dtype=bool) if is_open is None else is_open
        use = allowed[self.pos]
        r, pos, credit = self.rows[use], self.pos[use], self.credit[use]
        n_z = r.size
        opened = data.forced.copy() if is_open is None else is_open.copy()
        if is_open is None:
            free = np.flatnonzero(~data.forced)
            opened[free[x[n_z : n_z + free.size] > 0.5]] = True
        share = np.clip(x[:n_z], 0.0, 1.0)
        share[share < 1e-9] = 0.0
        sites = data.cand[pos]
        order = np.lexsort((sites, -share, r))
        first = np.ones(order.size, dtype=bool)
        first[1:] = r[order][1:] != r[order][:-1]
        pick = order[first & (share[order] > (0.5 if self.single else 0.0))]
        assignment = np.full(data.n_cells, -1, dtype=np.int64)
        assignment[r[pick]] = sites[pick]
        zero = np.flatnonzero(data.w <= 0)
        if zero.size:
            limit = float(data.problem.limit or 0.0)
            assignment[zero] = nearest_sites(data, opened, within=limit)[zero]
        shares = None
        if not self.single:
            keep = share > 0
            shares = sp.csr_array(
                (share[keep], (r[keep], sites[keep])), shape=(data.n_cells, data.problem.n_sites)
            )
        covered = float(data.w[r] @ (credit * share))
        return opened, assignment, shares, covered
