"""p-center: open p sites (existing ones included) to make the worst journey as short as possible.

The optimum is one of the distinct values ``r_1 < r_2 < ...`` taken by the (weighted) journey
times, and "can p sites serve every cell within r?" is a set-covering question (Minieka 1970,
"The m-center problem", SIAM Review 12). The exact method (:mod:`._center_search`) bisects over
the radius levels between a lower bound (the largest distance from a cell to its nearest
candidate) and the value of a farthest-first solution, answering each question on a small
subset of the cells that grows as needed (Chen & Chen 2009; Contardo, Iori & Kramer 2019):
cells needing pairwise different sites, a greedy cover, else a small HiGHS set-covering MIP.
When few sites are left to choose every subset is scored instead.

Many sets of p sites share the optimal radius, and a cover of the worst cells often needs fewer
than p. So a **lexicographic second stage** follows: with the radius held at the value found,
exactly p sites are opened and those left free minimise the demand-weighted total journey
``sum_i w_i t_i``, a p-median over the pairs within the radius solved by the p-median engine
(:mod:`._pipeline`: enumeration, heuristics with a Lagrangian bound, HiGHS). The solution
reports it as ``second_objective`` with its own bound ``second_bound``.

``weighted_center=True`` minimises the largest weight x minutes; otherwise the largest minutes
over cells of positive weight. The second stage is the demand-weighted total in both cases.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cached_property

import numpy as np

from ..errors import InfeasibleError, SolverError
from . import heuristics
from ._center_search import CenterSearch
from ._engine import MedianCore
from ._enumerate import count_subsets, enumerate_best
from ._second_stage import enumeration_affordable, second_stage
from .base import BOUND_TOLERANCE, BoundError, LocationModel, Outcome, SolveRequest
from .milp import highs_version, relative_gap

__all__ = ["PCenter"]


class PCenter(LocationModel):
    """p-center: the shortest possible worst journey with p open sites.

    Exact: bisection over radius levels with set-covering decisions on a growing subset of the
    cells (Minieka 1970; Contardo, Iori & Kramer 2019), or enumeration when few sites are left
    to choose. Heuristic: greedy + swaps on (worst, total), with an LP-bisection lower bound.
    Both then open exactly p sites minimising the weighted total journey at the radius found
    (``Solution.second_objective``). The objective (:meth:`evaluate`) is the largest (weighted)
    journey time to the nearest open site over cells of positive weight (inf when one is
    unreachable).
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

    def _search(self, seed: int) -> CenterSearch:
        data = self.data
        return CenterSearch(self._dense, data.forced, data.p, self._big, seed=seed)

    def _run(self, request: SolveRequest) -> Outcome:
        method = request.method
        data = self.data
        k = data.p - data.n_forced
        free = int((~data.forced).sum())
        if k == 0 or k == free:
            is_open = data.forced.copy() if k == 0 else np.ones(data.m, dtype=bool)
            value = self.evaluate(is_open)
            self._check_reached(is_open, value)
            total = self._total_core(math.inf).objective(is_open)
            solver = "direct evaluation (no choice left)"
            out = Outcome(is_open, value, solver, "exact", "optimal", 0, "direct")
            return replace(out, second=(total, total))
        dense = self._dense
        if dense.shape[0] == 0:
            # no demand: any p sites do; keep the forced ones and the lowest indices
            is_open = data.forced.copy()
            is_open[np.flatnonzero(~data.forced)[:k]] = True
            solver = "direct evaluation (no demand)"
            out = Outcome(is_open, 0.0, solver, "exact", "optimal", 0, "no_demand")
            return replace(out, second=(0.0, 0.0))
        fits = method != "heuristic" and enumeration_affordable(
            free, k, dense.shape[0], request.deadline
        )
        if fits:
            is_open, _, scored = enumerate_best(
                dense, data.forced, np.ones(data.m, dtype=bool), k, aggregate="max"
            )
            value = self.evaluate(is_open)
            self._check_reached(is_open, value, enumerated=True)
            solver = f"exhaustive enumeration of {count_subsets(free, k)} subsets"
            out = Outcome(is_open, value, solver, "exact", "optimal", scored, "enumeration")
            return self._second_stage(out, request)
        if method == "heuristic":
            return self._second_stage(self._heuristic(request), request)
        return self._second_stage(self._bisection(request), request)

    def _bisection(self, request: SolveRequest) -> Outcome:
        """Find the exact radius: bisection with subset covers (see :mod:`._center_search`)."""
        search = self._search(request.seed)
        start = search.fill(self.data.forced)
        if not math.isfinite(self.evaluate(start)):
            # farthest-first could not reach every cell: ask the cover at the largest level
            start = self._reaching_start(search, request)
        search.seed_subset(start)
        levels = self._levels()
        lower = self._lower()
        lo = int(np.searchsorted(levels, lower - 1e-12 * max(1.0, lower)))
        found = search.search(levels, lo, start, deadline=request.deadline)
        status = "optimal" if found.finished else "time_limit"
        solver = (
            f"bisection over radius levels, covers of {found.subset} of {self._dense.shape[0]} "
            f"cells ({found.questions} questions, {found.mips} HiGHS {highs_version()} "
            "set-cover MIPs; Minieka 1970, Contardo, Iori & Kramer 2019)"
        )
        return Outcome(
            found.is_open, found.bound, solver, "exact", status, found.iterations, "bisection"
        )

    def _reaching_start(self, search: CenterSearch, request: SolveRequest) -> np.ndarray:
        """Find a first solution reaching every cell, or prove that none exists."""
        levels = self._levels()
        top = float(levels[-1])
        search.seed_subset(search.fill(self.data.forced))
        ok, sites = search.decide(top, request.deadline)
        if ok is False:
            data = self.data
            k = data.p - data.n_forced
            msg = f"no {data.p} open sites ({data.n_forced} kept + {k} new) can reach every cell of positive weight"
            raise InfeasibleError(msg)
        if sites is None:
            msg = "the time limit stopped the p-center before any solution reaching every cell was found"
            raise SolverError(msg)
        return search.fill(sites)

    def _heuristic(self, request: SolveRequest) -> Outcome:
        """Greedy + swaps on (worst, total), with the LP-bisection bound."""
        data, deadline = self.data, request.deadline
        dense = self._dense
        start = heuristics.greedy_center(dense, data.forced, data.p)
        heur, moves = heuristics.interchange_center(dense, start, data.forced, deadline=deadline.at)
        if not math.isfinite(self.evaluate(heur)):
            msg = (
                f"the heuristic found no {data.p} sites that reach every cell of positive "
                "weight; try method='exact' (which can prove infeasibility)"
            )
            raise SolverError(msg)
        levels = self._levels()
        lower = self._lower()
        lo = int(np.searchsorted(levels, lower - 1e-12 * max(1.0, lower)))
        bound, its = self._search(request.seed).lp_bound(
            levels, lo, self.evaluate(heur), deadline=deadline
        )
        solver = f"greedy + swaps, LP-bisection bound (HiGHS {highs_version()} LP)"
        return Outcome(heur, bound, solver, "heuristic", "local_optimum", moves + its, "heuristic")

    def _total_core(self, radius: float) -> MedianCore:
        """Build the p-median of the weighted total journey over the pairs within ``radius``."""
        data = self.data
        cost = np.where(self._pair_value <= radius, data.pairs.cost, math.inf)
        unserved = np.full(data.n_cells, math.inf)
        label = "radius p-median within the p-center radius, Elloumi 2010"
        return MedianCore.build(data, cost, unserved, label=label)

    def _second_stage(self, first: Outcome, request: SolveRequest) -> Outcome:
        """Hold the radius found and open exactly p sites of least weighted total journey."""
        radius = self.evaluate(first.is_open)
        core = self._total_core(radius)
        start = self._search(request.seed).fill(first.is_open)
        found = second_stage(core, start, request)
        if found.bound > found.total + BOUND_TOLERANCE * max(1.0, abs(found.total)):
            msg = f"pcenter: the second stage's bound {found.bound!r} lies above its total {found.total!r}"
            raise BoundError(msg)
        gap = relative_gap(found.total, found.bound)
        proof = "proven" if gap == 0.0 else f"gap {gap:.3%}"
        solver = (
            f"{first.solver}; then exactly {self.data.p} sites of least weighted total "
            f"within the radius: {found.solver} ({proof})"
        )
        return replace(
            first,
            is_open=found.is_open,
            solver=solver,
            iterations=first.iterations + found.iterations,
            second=(found.total, min(found.bound, found.total)),
        )

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
