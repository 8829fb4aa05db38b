"""p-center: open p sites (existing ones included) to make the worst journey as short as possible.

The optimum is one of the distinct values ``r_1 < r_2 < ...`` taken by the (weighted) journey
times, and "can p sites serve every cell within r?" is a set-covering question (Minieka 1970,
"The m-center problem", SIAM Review 12). The exact method bisects over the radius levels
between a lower bound (the largest distance from a cell to its nearest candidate) and the
heuristic's value, answering each question with a small HiGHS set-covering MIP (greedy cover
first, which often settles it). This is the decision form of the radius formulations of
Elloumi, Labbé & Pochet (2004, "A new formulation and resolution method for the p-center
problem", INFORMS J. Comput. 16) and Calik & Tansel (2013, "Double bound method for solving the
p-center location problem", Computers & OR 40), whose level variables ``u_k`` ("the radius is at
least r_k") are fixed one level at a time: with travel times in fractional minutes there are as
many levels as pairs, so a model with one variable per level would be large, while the
bisection needs about log2(levels) small covers. When few sites are left to choose every subset
is scored instead.

The open set that attains the optimum is then polished by swaps that keep the worst journey and
shorten the total (lexicographic objective), so the other cells are not served arbitrarily.

``weighted_center=True`` minimises the largest weight x minutes; otherwise the largest minutes
over cells of positive weight.
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from ..errors import InfeasibleError
from . import heuristics
from ._enumerate import count_subsets, enumerate_best, enumeration_fits
from .base import Deadline, LocationModel, Outcome, SolveRequest
from .milp import MilpModel, RowBuilder, highs_version, run_highs

__all__ = ["PCenter"]


class PCenter(LocationModel):
    """p-center: the shortest possible worst journey with p open sites.

    Exact: bisection over radius levels with set-covering decisions (Minieka 1970; Calik &
    Tansel 2013), or enumeration when few sites are left to choose. Heuristic: greedy +
    swaps on (worst, total), with an LP-bisection lower bound. The objective (:meth:`evaluate`)
    is the largest (weighted) journey time to the nearest open site over cells of positive
    weight (inf when one is unreachable).
    """

    model = "pcenter"

    @cached_property
    def _rows(self) -> np.ndarray:
        return np.flatnonzero(self.data.w > 0)

    @cached_property
    def _pair_value(self) -> np.ndarray:
        data = self.data
        cost = data.pairs.cost
        if self.problem.weighted_center:
            weighted: np.ndarray = data.w[data.pairs.rows] * cost
            return weighted
        return cost.copy()

    @cached_property
    def _big(self) -> float:
        """Value of unreachable pairs: above every reachable one."""
        return 2.0 * float(self._pair_value.max(initial=0.0)) + 1.0

    @cached_property
    def _dense(self) -> np.ndarray:
        """Values of the cells of positive weight x candidates, ``_big`` where unreachable."""
        return self.data.dense(self._pair_value, self._big, rows=self._rows)

    def _objective(self, is_open: np.ndarray) -> float:
        if self._rows.size == 0:
            return 0.0
        sub = self._dense[:, is_open]
        worst = float(sub.min(axis=1).max()) if sub.shape[1] else math.inf
        return math.inf if worst >= self._big else worst

    def _levels(self) -> np.ndarray:
        return np.unique(self._pair_value[self.data.w[self.data.pairs.rows] > 0])

    def _lower(self) -> float:
        """Largest value from a cell of positive weight to its nearest candidate."""
        dense = self._dense
        if dense.size == 0:
            return 0.0
        return float(dense.min(axis=1).max())

    def _near(self, radius: float) -> sp.csr_array:
        """Cells of positive weight x candidates, 1 where the candidate lies within ``radius``."""
        return self.data.cover(self._pair_value <= radius, rows=self._rows)

    def _cover_model(self, near: sp.csr_array, k: int) -> tuple[MilpModel, np.ndarray]:
        forced = self.data.forced
        free = np.flatnonzero(~forced)
        done = (near @ forced.astype(np.float64)) > 0
        cover = sp.csr_array(near[~done][:, free])
        coo = cover.tocoo()
        rb = RowBuilder()
        rb.add_rows(1.0, np.inf, count=cover.shape[0])
        rb.add_entries(coo.row, coo.col, 1.0)
        r = rb.add_rows(-np.inf, float(k), count=1)
        rb.add_entries(np.full(free.size, r), np.arange(free.size), 1.0)
        n = free.size
        model = MilpModel.unit(np.ones(n), np.ones(n, dtype=bool), rb, name="set-cover decision")
        return model, free

    def _feasible(
        self, radius: float, k: int, *, deadline: Deadline, seed: int, relax: bool
    ) -> tuple[bool | None, np.ndarray | None, int]:
        """Can ``k`` more sites cover every cell within ``radius``? (None: undecided in time)."""
        data = self.data
        near = self._near(radius)
        greedy = heuristics.greedy_cover(
            near, np.ones(data.m), np.ones(near.shape[0]), data.forced, target=float(near.shape[0])
        )
        covered = (near @ greedy.astype(np.float64)) > 0
        if covered.all() and int(greedy.sum()) - data.n_forced <= k:
            return True, greedy, 0
        model, free = self._cover_model(near, k)
        remaining = deadline.left()
        if remaining <= 0:
            deadline.note()
            return None, None, 0
        result = run_highs(
            model, time_limit=remaining, seed=seed, relax=relax, stop_at_first=not relax
        )
        deadline.note_status(result.status)
        if result.status == "infeasible":
            return False, None, result.iterations
        if result.x is None:
            return None, None, result.iterations
        if relax:
            return True, None, result.iterations
        is_open = data.forced.copy()
        is_open[free[result.x > 0.5]] = True
        return True, is_open, result.iterations

    def _bisect(
        self,
        levels: np.ndarray,
        lo: int,
        hi: int,
        best: np.ndarray | None,
        *,
        k: int,
        deadline: Deadline,
        seed: int,
        relax: bool,
    ) -> tuple[int, int, np.ndarray | None, int, bool]:
        """Smallest feasible level index in [lo, hi] (hi known feasible unless best is None)."""
        iterations = 0
        finished = True
        while lo < hi:
            mid = (lo + hi) // 2
            ok, sites, its = self._feasible(
                float(levels[mid]), k, deadline=deadline, seed=seed, relax=relax
            )
            iterations += its
            if ok is None:
                finished = False
                break
            if ok:
                hi = mid
                if sites is not None:
                    best = sites
            else:
                lo = mid + 1
        return lo, hi, best, iterations, finished

    def _run(self, request: SolveRequest) -> Outcome:
        method, deadline, seed = request.method, request.deadline, request.seed
        data = self.data
        k = data.p - data.n_forced
        free = int((~data.forced).sum())
        if k == 0 or k == free:
            is_open = data.forced.copy() if k == 0 else np.ones(data.m, dtype=bool)
            value = self.evaluate(is_open)
            self._check_reached(is_open, value)
            solver = "direct evaluation (no choice left)"
            return Outcome(is_open, value, solver, "exact", "optimal", 0, "direct")
        dense = self._dense
        if dense.shape[0] == 0:
            # no demand: any p sites do; keep the forced ones and the lowest indices
            is_open = data.forced.copy()
            is_open[np.flatnonzero(~data.forced)[:k]] = True
            solver = "direct evaluation (no demand)"
            return Outcome(is_open, 0.0, solver, "exact", "optimal", 0, "no_demand")
        if method != "heuristic" and enumeration_fits(free, k, dense.shape[0]):
            is_open, _, scored = enumerate_best(
                dense, data.forced, np.ones(data.m, dtype=bool), k, aggregate="max"
            )
            value = self.evaluate(is_open)
            self._check_reached(is_open, value, enumerated=True)
            solver = f"exhaustive enumeration of {count_subsets(free, k)} subsets"
            return Outcome(is_open, value, solver, "exact", "optimal", scored, "enumeration")
        start = heuristics.greedy_center(dense, data.forced, data.p)
        heur, moves = heuristics.interchange_center(dense, start, data.forced, deadline=deadline.at)
        upper = self.evaluate(heur)
        levels = self._levels()
        lo = int(np.searchsorted(levels, self._lower() - 1e-12 * max(1.0, self._lower())))
        best: np.ndarray | None = heur if math.isfinite(upper) else None
        hi = int(np.searchsorted(levels, upper)) if best is not None else levels.size - 1
        relax = method == "heuristic"
        if best is None:
            ok, sites, _ = self._feasible(
                float(levels[-1]), k, deadline=deadline, seed=seed, relax=False
            )
            if ok is False:
                msg = f"no {data.p} open sites ({data.n_forced} kept + {k} new) can reach every cell of positive weight"
                raise InfeasibleError(msg)
            best = sites
        lo, hi, found, iterations, finished = self._bisect(
            levels, lo, hi, best, k=k, deadline=deadline, seed=seed, relax=relax
        )
        # levels below lo were proven infeasible (by the LP when relaxed): levels[lo] is a bound
        bound = float(levels[min(lo, levels.size - 1)])
        if relax:
            solver = f"greedy + swaps, LP-bisection bound (HiGHS {highs_version()} LP)"
            its = moves + iterations
            return Outcome(heur, bound, solver, "heuristic", "local_optimum", its, "heuristic")
        if found is None:
            found = heur
        polished, more = heuristics.interchange_center(
            dense, found, data.forced, deadline=deadline.at
        )
        if self.evaluate(polished) <= self.evaluate(found):
            found = polished
        status = "optimal" if finished else "time_limit"
        solver = f"HiGHS {highs_version()} MIP (set-cover bisection over radii, Minieka 1970 / Calik & Tansel 2013)"
        its = iterations + moves + more
        return Outcome(found, bound, solver, "exact", status, its, "bisection")

    def _check_reached(
        self, is_open: np.ndarray, value: float, *, enumerated: bool = False
    ) -> None:
        if math.isfinite(value):
            return
        data = self.data
        reached = self._dense[:, is_open].min(axis=1) < self._big
        lost = self._rows[~reached]
        names = self.problem.cell_names(lost)
        what = f"no choice of {data.p} sites" if enumerated else "the only possible open sites"
        msg = f"{what} reaches every cell of positive weight; {lost.size} cell(s) stay unreachable: {names}"
        raise InfeasibleError(msg)
