"""The exact radius search of the p-center: bisection over radius levels, covers on few cells.

"Can ``k`` more sites (besides the kept ones) serve every cell within ``r``?" is a set-covering
question (Minieka 1970, "The m-center problem", SIAM Review 12). The optimum radius is the
smallest level ``r`` (a distinct value of the pair values) for which the answer is yes, so the
search bisects over the levels between a lower and an upper bound.

Each question is answered on a few cells only, as in the relaxation algorithm of Chen & Chen
(2009, "New relaxation-based algorithms for the optimal solution of the continuous and discrete
p-center problems", Computers & OR 36) and Contardo, Iori & Kramer (2019, "A scalable exact
algorithm for the vertex p-center problem", Computers & OR 103): a cover of a subset of the
cells that needs more than ``k`` sites proves the radius infeasible for all of them; a cover
of the subset that happens to serve every cell proves it feasible; otherwise some cells it
leaves out join the subset and the question is asked again. The subset grows over the whole
search (a warm start for every later question), and stays small: a few cells per site. Each
subset question is settled by the cheapest argument that works: cells that need pairwise
different sites (more than ``k`` of them: infeasible), a greedy cover (at most ``k`` sites:
feasible), else a small HiGHS set-covering MIP on the subset, its duplicate and dominated sites
removed. Every cover found is a solution whose true radius bounds the optimum from above, which
shortens the bisection further.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from . import heuristics
from .base import Deadline
from .milp import MilpModel, RowBuilder, run_highs

__all__ = ["CenterSearch", "RadiusResult"]

logger = logging.getLogger(__name__)

#: Largest product sites x sites x cells for which dominated sites are removed from a subset
#: cover by a matrix product (beyond it HiGHS presolve is left to do it).
DOMINANCE_WORK = 3e8


@dataclass(frozen=True)
class RadiusResult:
    """What the radius search found.

    ``bound`` is the smallest level not proven infeasible (a lower bound of the optimum), and
    ``radius`` the true radius of ``is_open``; they are equal when ``finished``.
    """

    is_open: np.ndarray
    radius: float
    bound: float
    finished: bool
    questions: int
    mips: int
    subset: int
    iterations: int


@dataclass
class CenterSearch:
    """Bisection over the radius levels of a p-center problem in dense form.

    Parameters
    ----------
    values
        Cells (of positive weight) x candidates: the value the radius limits (minutes, or
        weight x minutes), ``big`` where unreachable.
    forced
        Candidates open in every solution.
    p
        Total number of open sites.
    big
        The value of unreachable pairs (above every reachable one).
    seed
        HiGHS seed.
    """

    values: np.ndarray
    forced: np.ndarray
    p: int
    big: float
    seed: int = 0
    subset: list[int] = field(default_factory=list)
    questions: int = 0
    mips: int = 0
    iterations: int = 0

    @property
    def k(self) -> int:
        """Sites to choose besides the forced ones."""
        return self.p - int(self.forced.sum())

    def radius(self, is_open: np.ndarray) -> float:
        """Largest value from a cell to its nearest open site (``big`` when one is unreachable).

        Parameters
        ----------
        is_open
            Boolean mask over candidates.

        Returns
        -------
        float
            The radius of ``is_open``.
        """
        if self.values.shape[0] == 0:
            return 0.0
        return float(self.values[:, is_open].min(axis=1).max())

    def fill(self, is_open: np.ndarray) -> np.ndarray:
        """Open sites up to ``p``: each time the nearest site of the cell farthest from the open ones.

        Parameters
        ----------
        is_open
            Boolean mask over candidates (at most ``p`` open).

        Returns
        -------
        numpy.ndarray
            A mask with ``min(p, candidates)`` open.
        """
        out = is_open.copy()
        values = self.values
        if values.shape[0] == 0:
            out[np.flatnonzero(~out)[: max(self.p - int(out.sum()), 0)]] = True
            return out
        cur = values[:, out].min(axis=1) if out.any() else np.full(values.shape[0], np.inf)
        while int(out.sum()) < min(self.p, out.size):
            far = int(np.argmax(cur))
            order = np.argsort(values[far], kind="stable")
            j = int(order[~out[order]][0])
            out[j] = True
            cur = np.minimum(cur, values[:, j])
        return out

    def seed_subset(self, is_open: np.ndarray) -> None:
        """Start the subset with the cells farthest from ``is_open``, one per site and more.

        Farthest-first: each next cell is the one farthest from the nearest site of the cells
        already taken (Gonzalez 1985), ``p + 1`` cells in all.

        Parameters
        ----------
        is_open
            A good solution (its worst cell is taken first).
        """
        values = self.values
        n = values.shape[0]
        if n == 0:
            return
        first = int(np.argmax(values[:, is_open].min(axis=1)))
        taken = [first]
        near = values[:, int(np.argmin(values[first]))].copy()
        if self.forced.any():
            near = np.minimum(near, values[:, self.forced].min(axis=1))
        while len(taken) < min(n, self.p + 1):
            i = int(np.argmax(near))
            if near[i] <= 0 or i in taken:
                break
            taken.append(i)
            near = np.minimum(near, values[:, int(np.argmin(values[i]))])
        self.subset = sorted(set(self.subset) | set(taken))

    def search(
        self,
        levels: np.ndarray,
        lo: int,
        best: np.ndarray,
        *,
        deadline: Deadline,
    ) -> RadiusResult:
        """Bisect over ``levels[lo:]`` from the feasible solution ``best``.

        Parameters
        ----------
        levels
            Sorted distinct values the radius can take.
        lo
            Index of the first level not yet proven infeasible.
        best
            A solution with exactly ``p`` open sites and a finite radius.
        deadline
            The wall-clock safety net.

        Returns
        -------
        RadiusResult
            The best solution, its radius and the proven lower bound.
        """
        upper = self.radius(best)
        hi = int(np.searchsorted(levels, upper))
        finished = True
        while lo < hi:
            mid = (lo + hi) // 2
            ok, sites = self.decide(float(levels[mid]), deadline)
            if ok is None:
                finished = False
                break
            if not ok:
                lo = mid + 1
                continue
            assert sites is not None
            sites = self.fill(sites)
            value = self.radius(sites)
            if value < upper:
                best, upper = sites, value
            hi = min(hi, int(np.searchsorted(levels, upper)))
        bound = float(levels[min(lo, levels.size - 1)])
        return RadiusResult(
            is_open=best,
            radius=upper,
            bound=min(bound, upper),
            finished=finished,
            questions=self.questions,
            mips=self.mips,
            subset=len(self.subset),
            iterations=self.iterations,
        )

    def decide(self, r: float, deadline: Deadline) -> tuple[bool | None, np.ndarray | None]:
        """Whether ``k`` more sites serve every cell within ``r``, by covers on the subset.

        Parameters
        ----------
        r
            The radius asked about.
        deadline
            The wall-clock safety net.

        Returns
        -------
        tuple
            True and the open sites (at most ``p``) when they serve every cell within ``r``;
            False when no ``p`` sites can; None when the clock stopped the question.
        """
        values = self.values
        while True:
            if deadline.passed():
                return None, None
            self.questions += 1
            rows = np.asarray(self.subset, dtype=np.int64)
            ok, sites = self._cover(rows, r, deadline, relax=False)
            if ok is not True:
                return ok, None
            assert sites is not None
            dist = values[:, sites].min(axis=1)
            out = np.flatnonzero(dist > r)
            if out.size == 0:
                return True, sites
            self.subset = sorted(
                set(self.subset) | set(self._pick(out, np.flatnonzero(sites), r).tolist())
            )

    def lp_bound(
        self, levels: np.ndarray, lo: int, upper: float, *, deadline: Deadline
    ) -> tuple[float, int]:
        """Lower bound by bisection on the set-covering LP of every cell (no integer search).

        A level whose LP needs more than ``k`` sites is infeasible, and so is every level
        below it; the bound is the smallest level not shown infeasible that way.

        Parameters
        ----------
        levels
            Sorted distinct values the radius can take.
        lo
            Index of the first level not yet proven infeasible.
        upper
            The value of a known solution.
        deadline
            The wall-clock safety net.

        Returns
        -------
        tuple
            The bound and the simplex iterations spent.
        """
        rows = np.arange(self.values.shape[0])
        hi = int(np.searchsorted(levels, upper))
        while lo < hi:
            mid = (lo + hi) // 2
            ok, _ = self._cover(rows, float(levels[mid]), deadline, relax=True)
            if ok is None:
                break
            if ok:
                hi = mid
            else:
                lo = mid + 1
        return min(float(levels[min(lo, levels.size - 1)]), upper), self.iterations

    def _pick(self, out: np.ndarray, sites: np.ndarray, r: float) -> np.ndarray:
        """Cells left out to add: per open site, the farthest of the cells it would serve.

        Plus, farthest first, cells no two of which one site could serve within ``r``.
        """
        values = self.values[out][:, sites]
        nearest = np.argmin(values, axis=1)
        dist = values[np.arange(out.size), nearest]
        order = np.lexsort((-dist, nearest))
        first = np.ones(order.size, dtype=bool)
        first[1:] = nearest[order][1:] != nearest[order][:-1]
        picked = set(out[order[first]].tolist())
        far = out[np.argsort(-dist, kind="stable")]
        used = np.zeros(self.values.shape[1], dtype=bool)
        for row, reach in zip(far, self.values[far] <= r, strict=True):
            if not (reach & used).any():
                picked.add(int(row))
                used |= reach
        return np.asarray(sorted(picked), dtype=np.int64)

    def _cover(
        self, rows: np.ndarray, r: float, deadline: Deadline, *, relax: bool
    ) -> tuple[bool | None, np.ndarray | None]:
        """Cover ``rows`` within ``r`` with at most ``k`` more sites (None: no time left).

        With ``relax`` only the LP relaxation is asked (True means "not shown infeasible").
        """
        forced = self.forced
        near = self.values[rows] <= r
        if forced.any():
            near = near[~near[:, forced].any(axis=1)]
        if near.shape[0] == 0:
            return True, forced.copy()
        k = self.k
        if k <= 0 or not near.any(axis=1).all():
            return False, None
        cols = np.flatnonzero(near.any(axis=0) & ~forced)
        sub, keep = _reduce(near[:, cols])
        cols = cols[keep]
        if _packing(sub) > k:
            return False, None
        greedy = heuristics.greedy_cover(
            sp.csr_array(sub.astype(np.float64)),
            np.ones(cols.size),
            np.ones(sub.shape[0]),
            np.zeros(cols.size, dtype=bool),
            target=float(sub.shape[0]),
        )
        if int(greedy.sum()) <= k and bool(sub[:, greedy].any(axis=1).all()):
            return True, self._open(cols[greedy])
        left = deadline.left()
        if left <= 0:
            deadline.note()
            return None, None
        self.mips += 1
        result = run_highs(
            _cover_model(sub, k),
            time_limit=left,
            seed=self.seed,
            relax=relax,
            stop_at_first=not relax,
        )
        self.iterations += result.iterations
        deadline.note_status(result.status)
        if result.status == "infeasible":
            return False, None
        if result.x is None:
            return None, None
        if relax:
            return True, None
        return True, self._open(cols[result.x > 0.5])

    def _open(self, chosen: np.ndarray) -> np.ndarray:
        out = self.forced.copy()
        out[chosen] = True
        return out


def _reduce(near: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop duplicate and dominated sites (columns) and cells implied by others (rows).

    Returns the reduced 0/1 block and the columns kept. A site whose cells are a subset of
    another's is never needed (swap it for the other); a cell whose sites include all sites of
    another cell is covered whenever that one is.
    """
    n_rows = near.shape[0]
    _, first = np.unique(np.packbits(near, axis=0).T, axis=0, return_index=True)
    keep = np.sort(first)
    block = near[:, keep]
    if keep.size * keep.size * n_rows <= DOMINANCE_WORK and keep.size > 1:
        f = block.astype(np.float32)
        common = f.T @ f  # common[a, b] = cells both a and b serve
        size = np.diag(common).copy()
        np.fill_diagonal(common, -1.0)
        dominated = (common == size[:, None]).any(axis=1)
        keep, block = keep[~dominated], block[:, ~dominated]
    if n_rows > 1 and n_rows * n_rows * block.shape[1] <= DOMINANCE_WORK:
        _, uniq = np.unique(np.packbits(block, axis=1), axis=0, return_index=True)
        block = block[np.sort(uniq)]
        f = block.astype(np.float32)
        common = f @ f.T
        size = np.diag(common).copy()
        np.fill_diagonal(common, -1.0)
        # row a implied when some other row b has all its sites among a's
        implied = (common == size[None, :]).any(axis=1)
        block = block[~implied]
    return block, keep


def _packing(near: np.ndarray) -> int:
    """Cells no two of which share a site (fewest sites first): a lower bound on the cover."""
    used = np.zeros(near.shape[1], dtype=bool)
    count = 0
    for row in np.argsort(near.sum(axis=1), kind="stable"):
        reach = near[row]
        if not (reach & used).any():
            count += 1
            used |= reach
    return count


def _cover_model(near: np.ndarray, k: int) -> MilpModel:
    """Build ``min sum y`` s.t. every row covered and ``sum y <= k`` (a feasibility question)."""
    rows, cols = np.nonzero(near)
    n_rows, n_cols = near.shape
    rb = RowBuilder()
    rb.add_rows(1.0, np.inf, count=n_rows)
    rb.add_entries(rows, cols, 1.0)
    r = rb.add_rows(-np.inf, float(k), count=1)
    rb.add_entries(np.full(n_cols, r), np.arange(n_cols), 1.0)
    return MilpModel.unit(
        np.ones(n_cols), np.ones(n_cols, dtype=bool), rb, name="set-cover decision"
    )
