"""The capacitated p-median's pairs, capacities, fixings, quick assignments and HiGHS models.

:class:`CapacitatedModel` holds what :mod:`._capacity` needs of one problem: the reachable
pairs of the cells of positive weight, the capacities, what the Lagrangian fixings at a given
objective leave (:class:`Reduced`), the assignment MIP of a fixed open set (single-source or
split demand), the whole model with ``y`` columns for the sites still free, and the decoding of
a HiGHS solution into open sites and an assignment (an :class:`Incumbent`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._capacity_bounds import CapacityBound, CapacityPairs, capacity_fixing
from ._capacity_pool import ColumnPool
from ._capacity_search import regret_assignment
from ._data import nearest_sites
from ._engine import MedianCore
from .base import Deadline, Outcome, SolveRequest
from .milp import MilpModel, RowBuilder, run_highs

__all__ = [
    "CapacitatedModel",
    "Incumbent",
    "Reduced",
    "assigned_best",
    "better_incumbent",
    "start_of",
]

#: Largest number of pairs given one strong linking row each.
LINK_MAX = 300_000


@dataclass(frozen=True)
class Reduced:
    """What the Lagrangian fixings at one ``upper`` leave of a capacitated p-median.

    Parameters
    ----------
    closed, opened
        Sites fixed closed, and fixed open (besides the forced ones).
    out
        Pairs no solution cheaper than ``upper`` uses.
    forced, allowed
        Sites that must open (forced or fixed open), and sites that may open.
    k, n_free
        Sites still to choose, and sites free to be chosen.
    """

    closed: np.ndarray
    opened: np.ndarray
    out: np.ndarray
    forced: np.ndarray
    allowed: np.ndarray
    k: int
    n_free: int


@dataclass(frozen=True)
class Incumbent:
    """A capacity-feasible solution: objective, open sites and their assignment.

    Parameters
    ----------
    value
        Objective.
    is_open
        Boolean mask over candidates.
    assignment
        Site index serving each cell.
    shares
        Split demand: each cell's share at each site (None for single-source).
    iterations
        Solver iterations spent finding it.
    """

    value: float
    is_open: np.ndarray
    assignment: np.ndarray
    shares: sp.csr_array | None
    iterations: int

    def outcome(self, bound: float, solver: str, method: str, status: str, path: str) -> Outcome:
        """Return it as a solve's outcome with this bound, solver label, method, status and path."""
        return Outcome(
            self.is_open,
            bound,
            solver,
            method,
            status,
            self.iterations,
            path,
            self.assignment,
            self.shares,
            self.value,
        )


class CapacitatedModel:
    """Pairs, capacities and model builders of a capacitated p-median."""

    def __init__(self, core: MedianCore) -> None:
        data = core.data
        self.data = data
        pr = data.problem
        self.single = bool(pr.single_source)
        cap = np.asarray(pr.capacities, dtype=np.float64)[data.cand]
        self.cap = np.where(np.isnan(cap), np.inf, cap)
        self.unserved = None if pr.unserved_cost is None else float(pr.unserved_cost)
        pairs = data.pairs
        active = data.w[pairs.rows] > 0
        self.rows = pairs.rows[active]
        self.pos = pairs.pos[active]
        self.cost = pairs.cost[active]
        self.cells = np.flatnonzero(data.w > 0)
        self._pairs: CapacityPairs | None = None
        self.core = core
        #: clusters of every single-source assignment met (:meth:`keep_clusters` starts it)
        self.pool: ColumnPool | None = None

    def pairs_form(self) -> CapacityPairs:
        """Return the pairs in the form of the capacitated Lagrangian (same order as here)."""
        if self._pairs is None:
            data = self.data
            cell_row = np.full(data.n_cells, -1, dtype=np.int64)
            cell_row[self.cells] = np.arange(self.cells.size)
            self._pairs = CapacityPairs(
                cell=cell_row[self.rows],
                site=self.pos,
                wcost=data.w[self.rows] * self.cost,
                w=data.w[self.cells],
                cap=self.cap,
                unserved=self.unserved,
                single=self.single,
            )
        return self._pairs

    def keep_clusters(self) -> ColumnPool | None:
        """Start keeping the clusters of the assignments met (single-source, every cell served).

        Returns
        -------
        ColumnPool or None
            The pool that :meth:`greedy` and :meth:`assign` now feed; None when the problem
            is split-demand or may leave cells unserved (its solutions are not partitions).
        """
        if self.pool is None and self.single and self.unserved is None:
            self.pool = ColumnPool(self.pairs_form())
        return self.pool

    def held(self, assignment: np.ndarray) -> np.ndarray:
        """Mask over the pairs: those a single-source assignment (site per cell) uses.

        Parameters
        ----------
        assignment
            Site index serving each cell (as in :class:`Incumbent`).

        Returns
        -------
        numpy.ndarray
            One boolean per pair, in :meth:`pairs_form` order.
        """
        cp = self.pairs_form()
        return np.asarray(self.data.cand[cp.site] == assignment[self.cells[cp.cell]])

    def cell_costs(self, assignment: np.ndarray) -> np.ndarray:
        """Each cell's weighted cost in an assignment: Lagrangian multipliers to start from.

        Parameters
        ----------
        assignment
            Site index serving each cell (split demand: its largest share's site); a cell
            left unserved takes its largest cost at any site.

        Returns
        -------
        numpy.ndarray
            One value per cell of positive weight, in :meth:`pairs_form` order.
        """
        cp = self.pairs_form()
        lam = np.zeros(cp.n)
        np.maximum.at(lam, cp.cell, cp.wcost)
        held = self.held(assignment)
        lam[cp.cell[held]] = cp.wcost[held]
        return lam

    def _remember(self, assignment: np.ndarray) -> None:
        if self.pool is not None:
            self.pool.add_pairs(self.held(assignment))

    def reduce(self, lag: CapacityBound, upper: float) -> Reduced:
        """Fix sites and pairs by the Lagrangian reduced costs at ``upper`` (:func:`capacity_fixing`).

        Parameters
        ----------
        lag
            A capacitated Lagrangian result of this problem.
        upper
            Every fixing holds for every solution cheaper than this.

        Returns
        -------
        Reduced
            The fixings and the choice they leave.
        """
        core = self.core
        closed, opened, out = capacity_fixing(
            self.pairs_form(), core.forced, core.p, lag, upper=upper
        )
        forced = core.forced | opened
        allowed = ~closed
        k = core.p - int(forced.sum())
        n_free = int((allowed & ~forced).sum())
        return Reduced(closed, opened, out, forced, allowed, k, n_free)

    def build(
        self,
        allowed: np.ndarray,
        forced: np.ndarray,
        k: int | None,
        keep_pairs: np.ndarray | None = None,
        *,
        split: bool = False,
    ) -> tuple[MilpModel, np.ndarray, np.ndarray, np.ndarray]:
        """MIP over open candidates ``allowed``; y columns only when ``k`` is given.

        ``keep_pairs`` (a mask over the pairs) leaves the others out of the model; ``split``
        lets single-source demand split (the relaxation whose open sites seed a search).
        """
        data = self.data
        w = data.w
        keep = allowed[self.pos]
        if keep_pairs is not None:
            keep &= keep_pairs
        r, pos, cost = self.rows[keep], self.pos[keep], self.cost[keep]
        cell_row = np.full(data.n_cells, -1, dtype=np.int64)
        cell_row[self.cells] = np.arange(self.cells.size)
        n_x = r.size
        free = np.flatnonzero(allowed & ~forced) if k is not None else np.zeros(0, dtype=np.int64)
        ycol = np.full(data.m, -1, dtype=np.int64)
        ycol[free] = n_x + np.arange(free.size)
        n_u = self.cells.size if self.unserved is not None else 0
        n_cols = n_x + free.size + n_u
        obj = np.zeros(n_cols)
        obj[:n_x] = w[r] * cost
        if n_u:
            obj[n_x + free.size :] = w[self.cells] * float(self.unserved or 0.0)
        rb = RowBuilder()
        first = rb.add_rows(1.0, 1.0, count=self.cells.size)
        rb.add_entries(first + cell_row[r], np.arange(n_x), 1.0)
        if n_u:
            rb.add_entries(first + np.arange(n_u), n_x + free.size + np.arange(n_u), 1.0)
        capped = np.flatnonzero(allowed & np.isfinite(self.cap))
        if capped.size:
            slot = np.full(data.m, -1, dtype=np.int64)
            slot[capped] = np.arange(capped.size)
            is_free = ycol[capped] >= 0
            upper = np.where(is_free, 0.0, self.cap[capped])
            crow = rb.add_rows(-np.inf, upper)
            on = slot[pos] >= 0
            rb.add_entries(crow + slot[pos[on]], np.flatnonzero(on), w[r[on]])
            rb.add_entries(
                crow + np.flatnonzero(is_free), ycol[capped[is_free]], -self.cap[capped[is_free]]
            )
        if k is not None and free.size:
            linked = ycol[pos] >= 0
            idx = np.flatnonzero(linked)
            if idx.size <= LINK_MAX:
                lrow = rb.add_rows(-np.inf, 0.0, count=idx.size)
                rb.add_entries(lrow + np.arange(idx.size), idx, 1.0)
                rb.add_entries(lrow + np.arange(idx.size), ycol[pos[idx]], -1.0)
            else:
                slot = np.full(data.m, -1, dtype=np.int64)
                slot[free] = np.arange(free.size)
                counts = np.bincount(slot[pos[idx]], minlength=free.size).astype(np.float64)
                lrow = rb.add_rows(-np.inf, 0.0, count=free.size)
                rb.add_entries(lrow + slot[pos[idx]], idx, 1.0)
                rb.add_entries(lrow + np.arange(free.size), ycol[free], -counts)
            crow = rb.add_rows(float(k), float(k), count=1)
            rb.add_entries(np.full(free.size, crow), ycol[free], 1.0)
            self._cover_row(rb, free, ycol, forced & allowed)
        integer = np.zeros(n_cols, dtype=bool)
        integer[n_x : n_x + free.size] = True
        single = self.single and not split
        if single:
            integer[:n_x] = True
        name = f"capacitated p-median, {'single-source' if single else 'split demand'}"
        name = name if k is not None else f"{name} assignment"
        return MilpModel.unit(obj, integer, rb, name=name), r, pos, free

    def greedy(
        self, is_open: np.ndarray, cp: CapacityPairs
    ) -> tuple[float, np.ndarray, sp.csr_array | None, int] | None:
        """Assign quickly, single-source, to ``is_open`` (:func:`regret_assignment`)."""
        data = self.data
        sites = np.flatnonzero(is_open)
        slot = np.full(data.m, -1, dtype=np.int64)
        slot[sites] = np.arange(sites.size)
        extra = 1 if self.unserved is not None else 0
        cost = np.full((cp.n, sites.size + extra), np.inf)
        on = slot[cp.site] >= 0
        cost[cp.cell[on], slot[cp.site[on]]] = cp.wcost[on]
        caps = self.cap[sites]
        if extra:
            cost[:, -1] = cp.w * float(self.unserved or 0.0)
            caps = np.append(caps, np.inf)
        got = regret_assignment(cost, cp.w, caps)
        if got is None:
            return None
        value, col = got
        served = col < sites.size
        assignment = np.full(data.n_cells, -1, dtype=np.int64)
        assignment[self.cells[served]] = data.cand[sites[col[served]]]
        zero = np.flatnonzero(data.w <= 0)
        if zero.size:
            assignment[zero] = nearest_sites(data, is_open)[zero]
        shares = None
        if not self.single:
            r = self.cells[served]
            shares = sp.csr_array(
                (np.ones(r.size), (r, assignment[r])), shape=(data.n_cells, data.problem.n_sites)
            )
        else:
            self._remember(assignment)
        return value, assignment, shares, 0

    def near_sites(self, count: int) -> np.ndarray:
        """For each candidate, ``count`` others near it: nearest to the cell it is nearest to."""
        data = self.data
        pairs = data.pairs
        out = np.full((data.m, count), -1, dtype=np.int64)
        if pairs.cost.size == 0:
            return out
        order = np.lexsort((pairs.cost, pairs.pos))
        first = np.ones(order.size, dtype=bool)
        first[1:] = pairs.pos[order][1:] != pairs.pos[order][:-1]
        home = np.full(data.m, -1, dtype=np.int64)
        home[pairs.pos[order[first]]] = pairs.rows[order[first]]
        for j in np.flatnonzero(home >= 0):
            lo = pairs.indptr[home[j]]
            seg = pairs.pos[lo : min(lo + count + 1, pairs.indptr[home[j] + 1])]
            seg = seg[seg != j][:count]
            out[j, : seg.size] = seg
        return out

    def _cover_row(
        self, rb: RowBuilder, free: np.ndarray, ycol: np.ndarray, forced: np.ndarray
    ) -> None:
        """Add ``sum_j min(Q_j, D) y_j >= D``: the open sites hold the demand (all served)."""
        if self.unserved is not None or free.size == 0:
            return
        demand = float(self.data.w[self.cells].sum())
        held = np.minimum(self.cap, demand)
        need = demand - float(held[forced].sum())
        if need <= 0 or bool(np.all(held[free] >= demand)):
            return
        row = rb.add_rows(need * (1 - 1e-9), np.inf, count=1)
        rb.add_entries(np.full(free.size, row), ycol[free], held[free])

    def assign(
        self, is_open: np.ndarray, *, deadline: Deadline, seed: int, max_nodes: int | None = None
    ) -> tuple[float, np.ndarray, sp.csr_array | None, int] | None:
        """Best capacitated assignment to a fixed open set.

        None when the capacities cannot serve the demand, or when the clock stopped the
        assignment (then ``deadline.hit`` is set: the open set was not decided). With
        ``max_nodes`` (a heuristic's call), the best assignment HiGHS finds within that many
        nodes, optimal or not.
        """
        model, r, pos, _ = self.build(is_open, is_open, None)
        remaining = deadline.left()
        if remaining <= 0:
            deadline.note()
            return None
        result = run_highs(model, time_limit=remaining, seed=seed, max_nodes=max_nodes)
        done = ("optimal", "gap_reached") + (("interrupted",) if max_nodes is not None else ())
        if result.status not in (*done, "infeasible"):
            deadline.note()  # time limit (or an interrupted run): not decided
        if result.x is None or result.status not in done:
            return None
        assignment, shares = self.decode(result.x, r, pos)
        if shares is None:
            self._remember(assignment)
        return result.objective, assignment, shares, result.iterations

    def opened(
        self, x: np.ndarray, r: np.ndarray, free: np.ndarray, forced: np.ndarray
    ) -> np.ndarray:
        """Open sites of a solution of :meth:`build`'s model: ``forced`` and the chosen ``free``."""
        is_open = forced.copy()
        is_open[free[x[r.size : r.size + free.size] > 0.5]] = True
        return is_open

    def incumbent(
        self,
        x: np.ndarray,
        value: float,
        iterations: int,
        model: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    ) -> Incumbent:
        """Return a solution of :meth:`build`'s model as an incumbent (open sites, assignment).

        Parameters
        ----------
        x
            The solution (one value per column).
        value
            Its objective.
        iterations
            Solver iterations spent on it.
        model
            What :meth:`build` returned besides the model (``r``, ``pos``, ``free``) and the
            forced sites it was built with.

        Returns
        -------
        Incumbent
            The solution.
        """
        r, pos, free, forced = model
        assignment, shares = self.decode(x, r, pos)
        return Incumbent(
            float(value), self.opened(x, r, free, forced), assignment, shares, iterations
        )

    def decode(
        self, x: np.ndarray, r: np.ndarray, pos: np.ndarray
    ) -> tuple[np.ndarray, sp.csr_array | None]:
        data = self.data
        share = np.clip(x[: r.size], 0.0, 1.0)
        share[share < 1e-9] = 0.0
        sites = data.cand[pos]
        assignment = np.full(data.n_cells, -1, dtype=np.int64)
        # largest share per cell, lowest site index on ties (pairs are in site order per cell)
        order = np.lexsort((sites, -share, r))
        first = np.ones(order.size, dtype=bool)
        first[1:] = r[order][1:] != r[order][:-1]
        pick = order[first & (share[order] > 0.5 if self.single else share[order] > 0)]
        assignment[r[pick]] = sites[pick]
        unassigned = np.flatnonzero(data.w <= 0)
        if unassigned.size:
            nearest = nearest_sites(data, self._open_from(sites[share > 0]))
            assignment[unassigned] = nearest[unassigned]
        shares = None
        if not self.single:
            keep = share > 0
            shares = sp.csr_array(
                (share[keep], (r[keep], sites[keep])),
                shape=(data.n_cells, data.problem.n_sites),
            )
        return assignment, shares

    def _open_from(self, sites: np.ndarray) -> np.ndarray:
        return np.isin(self.data.cand, sites)


def better_incumbent(
    best: Incumbent | None,
    is_open: np.ndarray,
    got: tuple[float, np.ndarray, sp.csr_array | None, int] | None,
) -> Incumbent | None:
    """Return the better of ``best`` and an assignment of ``is_open``.

    Parameters
    ----------
    best
        The incumbent (None: none yet).
    is_open
        The open sites of the assignment.
    got
        Objective, assignment, shares and iterations of the assignment, as
        :meth:`CapacitatedModel.assign` returns them (None: not capacity-feasible).

    Returns
    -------
    Incumbent or None
        The assignment, when it is cheaper (its iterations added to ``best``'s), else ``best``.
    """
    if got is None or (best is not None and got[0] >= best.value):
        return best
    its = got[3] + (best.iterations if best is not None else 0)
    return Incumbent(got[0], is_open.copy(), got[1], got[2], its)


def assigned_best(
    cap: CapacitatedModel, request: SolveRequest, best: Incumbent, is_open: np.ndarray
) -> Incumbent:
    """Return the better of ``best`` and the best assignment of ``is_open`` (HiGHS).

    Parameters
    ----------
    cap
        The capacitated model.
    request
        Deadline and seed.
    best
        The incumbent.
    is_open
        The open sites to assign.

    Returns
    -------
    Incumbent
        The cheaper of the two.
    """
    got = cap.assign(is_open, deadline=request.deadline, seed=request.seed)
    return better_incumbent(best, is_open, got) or best


def start_of(
    best: Incumbent, red: Reduced, r: np.ndarray, free: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the incumbent's open sites as a start of a built model, if they are in it.

    Parameters
    ----------
    best
        The incumbent.
    red
        The fixings the model was built with.
    r
        The model's pair rows (its ``y`` columns follow them).
    free
        The sites of its ``y`` columns.

    Returns
    -------
    tuple of numpy.ndarray or None
        Column indices and values of the ``y`` columns; None when the fixings exclude the
        incumbent's open sites.
    """
    if bool(np.all(red.allowed[best.is_open])) and bool(np.all(best.is_open[red.forced])):
        return np.arange(r.size, r.size + free.size), best.is_open[free].astype(np.float64)
    return None
