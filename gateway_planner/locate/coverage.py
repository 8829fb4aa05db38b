"""Coverage models: most demand within T minutes, and fewest sites putting demand within T.

Maximal coverage (Church & ReVelle 1974, "The maximal covering location problem", Papers of
the Regional Science Association 32) with p open sites, existing ones included::

    max  sum_i w_i c_i
    s.t. c_i <= sum_{j : d_ij <= T} y_j,   sum_j y_j = p,   y binary,   0 <= c_i <= 1

With ``decay="linear"`` a cell earns credit ``f(d)`` = 1 up to ``decay_start`` minutes, falling
linearly to 0 at T, from its best open site (gradual covering, Berman, Krass & Drezner 2003,
"The gradual covering decay location problem on a network", EJOR 151). Both are solved as a
p-median over costs ``1 - f(d)`` with "not covered" costing 1, so they share the radius
formulation, the heuristics and the Lagrangian bound of the p-median (:mod:`._engine`,
:mod:`._pipeline`); with a step credit the radius model *is* the formulation above.

Set cover (Toregas, Swain, ReVelle & Bergman 1971, "The location of emergency service
facilities", Operations Research 19)::

    min  sum_j f_j y_j
    s.t. sum_{j : d_ij <= T} y_j >= 1   for every cell of positive weight

or, with ``coverage_share`` = a < 1, ``sum_i w_i c_i >= a sum_i w_i`` with ``c_i`` as above.
Existing sites kept open count in the objective (their ``site_costs`` included). The
heuristic is Chvátal's greedy with redundant sites removed; its bound is the LP relaxation.

With ``capacities`` both models assign each cell to one open site within the limit (or split
its demand, ``single_source=False``) and no site serves more than its capacity
(:mod:`._capacity_cover`: Current & Storbeck 1988); HiGHS solves them.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from functools import cached_property
from typing import Self

import numpy as np
import scipy.sparse as sp

from . import heuristics
from ._capacity_cover import CoverCapacities, prepare_with_capacities
from ._engine import MedianCore
from ._pipeline import solve_median
from .base import LocationModel, Outcome, SolveRequest
from .milp import MilpModel, RowBuilder, highs_version, require_solution, run_highs
from .problem import Problem

__all__ = ["EXACT_MAX_NNZ_COVER", "MaxCoverage", "SetCover", "credit"]

logger = logging.getLogger(__name__)

#: Largest set-cover model (stored entries) the automatic choice hands to HiGHS.
EXACT_MAX_NNZ_COVER = 5_000_000
#: HiGHS node limit of a capacitated coverage model solved by ``method="heuristic"``, and of
#: the uncapacitated maximal coverage that gives the capacitated one its first incumbent.
CAPACITY_HEURISTIC_NODES = 200


class _Capacitated(LocationModel):
    """A coverage model whose problem may carry capacities (checked here; see the module)."""

    @classmethod
    def from_problem(cls, problem: Problem) -> Self:
        """Check ``problem`` for this model (capacities included) and prepare it.

        Parameters
        ----------
        problem
            The location problem.

        Returns
        -------
        LocationModel
            The model, ready to solve.
        """
        return cls(prepare_with_capacities(problem, model=cls.model))

    def _capacitated(
        self,
        request: SolveRequest,
        model: MilpModel,
        credit: CoverCapacities,
        start: Outcome | None,
    ) -> Outcome:
        """Solve a capacitated coverage model with HiGHS (node-limited for the heuristic)."""
        heuristic = request.method == "heuristic"
        result = run_highs(
            model,
            time_limit=max(request.deadline.left(), 0.05),
            gap=request.gap,
            seed=request.seed,
            max_nodes=CAPACITY_HEURISTIC_NODES if heuristic else None,
        )
        request.deadline.note_status(result.status)
        sign = -1.0 if self.maximise else 1.0
        bound = sign * result.bound
        method = "heuristic" if heuristic else "exact"
        path = "heuristic" if heuristic else "capacity_mip"
        status = "local_optimum" if heuristic and result.status == "interrupted" else result.status
        if result.x is None:
            if start is None or result.status == "infeasible":
                require_solution(result, f"the {model.name} problem")  # raises
            assert start is not None
            return replace(start, bound=bound, solver=result.solver, method=method, path=path)
        is_open, assignment, shares, covered = credit.decode(result.x)
        value = covered if self.maximise else float(result.objective)
        out = Outcome(
            is_open,
            bound,
            result.solver,
            method,
            status,
            result.iterations,
            path,
            assignment,
            shares,
            value,
        )
        if (
            start is not None
            and start.objective is not None
            and sign * start.objective < sign * value
        ):
            return replace(start, bound=bound, solver=result.solver, method=method, path=path)
        return out


def credit(
    minutes: np.ndarray, *, limit: float, decay: str = "step", decay_start: float | None = None
) -> np.ndarray:
    """Coverage credit of a journey time: 1 within reach, 0 beyond, linear in between.

    Parameters
    ----------
    minutes
        Journey times.
    limit
        T minutes: no credit beyond.
    decay
        {"step", "linear"}
    decay_start
        Minutes of full credit under linear decay (0 when None).

    Returns
    -------
    numpy.ndarray
        Credit in [0, 1].
    """
    d = np.asarray(minutes, dtype=np.float64)
    full = d <= limit
    if decay == "step":
        return full.astype(np.float64)
    start = 0.0 if decay_start is None else float(decay_start)
    if start >= limit:
        return full.astype(np.float64)
    out = np.clip((limit - d) / (limit - start), 0.0, 1.0)
    out[d <= start] = 1.0
    return out


class MaxCoverage(_Capacitated):
    """Maximal coverage: most demand within ``limit`` minutes of p open sites.

    The objective (:meth:`evaluate`) is the demand covered (weighted by the credit under linear
    decay); the bound is an upper bound. Cells that no candidate reaches within the limit are
    reported in the log and stay uncovered (assignment -1).
    """

    model = "max_coverage"
    maximise = True

    @cached_property
    def _credit(self) -> np.ndarray:
        pr = self.problem
        return credit(
            self.data.pairs.cost,
            limit=float(pr.limit or 0.0),
            decay=pr.decay,
            decay_start=pr.decay_start,
        )

    @cached_property
    def _core(self) -> MedianCore:
        data = self.data
        label = "maximal covering, Church & ReVelle 1974"
        if self.problem.decay == "linear":
            label = "gradual covering, Berman, Krass & Drezner 2003"
        unserved = np.ones(data.n_cells)
        return MedianCore.build(data, 1.0 - self._credit, unserved, label=label, quick_mip=True)

    @cached_property
    def _total(self) -> float:
        return float(self.data.w[self.data.w > 0].sum())

    def _run(self, request: SolveRequest) -> Outcome:
        reach = np.zeros(self.data.n_cells, dtype=bool)
        reach[self.data.pairs.rows[self._credit > 0]] = True
        lost = np.flatnonzero((self.data.w > 0) & ~reach)
        if lost.size:
            logger.info(
                "%d cell(s) of positive weight (%.6g of %.6g demand) are beyond %g minutes of every candidate: %s",
                lost.size,
                self.data.w[lost].sum(),
                self._total,
                self.problem.limit,
                self.problem.cell_names(lost),
            )
        if self.problem.capacities is not None:
            return self._run_capacitated(request)
        out = solve_median(self._core, request)
        return replace(out, bound=self._total - out.bound)

    def _run_capacitated(self, request: SolveRequest) -> Outcome:
        """Assign the uncapacitated answer within the capacities, then run the capacitated MIP."""
        cc = CoverCapacities.of(self.data, self._credit)
        p = self.data.p
        quick = replace(request, method="heuristic", max_nodes=CAPACITY_HEURISTIC_NODES)
        first = solve_median(self._core, quick)
        fixed, _ = cc.model(p=p, is_open=first.is_open)
        got = run_highs(fixed, time_limit=max(request.deadline.left(), 0.05), seed=request.seed)
        request.deadline.note_status(got.status)
        start = None
        if got.x is not None:
            _, assignment, shares, covered = cc.decode(got.x, is_open=first.is_open)
            solver = f"HiGHS {highs_version()} ({fixed.name})"
            start = Outcome(
                first.is_open,
                math.inf,
                solver,
                "heuristic",
                "local_optimum",
                got.iterations,
                "heuristic",
                assignment,
                shares,
                covered,
            )
        model, _ = cc.model(p=p)
        return self._capacitated(request, model, cc, start)

    def _objective(self, is_open: np.ndarray) -> float:
        return self._total - self._core.objective(is_open)

    def _assign_within(self) -> float:
        return float(self.problem.limit or 0.0)


class SetCover(_Capacitated):
    """Fewest (or least-cost) open sites so that demand lies within ``limit`` minutes.

    Every cell of positive weight must be covered, or ``coverage_share`` of the total demand.
    The objective (:meth:`evaluate`) is the number of open sites, or the sum of their
    ``site_costs``; existing sites kept open count in it.
    """

    model = "set_cover"

    @cached_property
    def _site_cost(self) -> np.ndarray:
        pr = self.problem
        if pr.site_costs is None:
            return np.ones(self.data.m)
        cost: np.ndarray = np.asarray(pr.site_costs, dtype=np.float64)[self.data.cand]
        return cost

    @cached_property
    def _cover(self) -> sp.csr_array:
        """Cells x candidates, 1 where the candidate lies within the limit (cells of weight 0 empty)."""
        pairs = self.data.pairs
        within = pairs.cost <= float(self.problem.limit or 0.0)
        return self.data.cover(within & (self.data.w[pairs.rows] > 0))

    @cached_property
    def _target(self) -> float:
        w = self.data.w
        total = float(w[w > 0].sum())
        return total if self.problem.coverage_share >= 1 else self.problem.coverage_share * total

    def _objective(self, is_open: np.ndarray) -> float:
        return float(self._site_cost[is_open].sum())

    def _assign_within(self) -> float:
        return float(self.problem.limit or 0.0)

    def _model(self) -> tuple[MilpModel, np.ndarray, bool]:
        """Build the MIP; returns it, the candidate of each y column, and whether c columns exist."""
        data = self.data
        forced = data.forced
        free = np.flatnonzero(~forced)
        cover = self._cover
        w = data.w
        covered_by_forced = (cover @ forced.astype(np.float64)) > 0
        rows = np.flatnonzero((w > 0) & ~covered_by_forced)
        sub = sp.csr_array(cover[rows][:, free])
        coo = sub.tocoo()
        rb = RowBuilder()
        partial = self.problem.coverage_share < 1
        n_y = free.size
        if not partial:
            rb.add_rows(1.0, np.inf, count=rows.size)
            rb.add_entries(coo.row, coo.col, 1.0)
            n_cols = n_y
        else:
            # c_i - sum_j y_j <= 0, sum_i w_i c_i >= target - (demand already covered)
            n_cols = n_y + rows.size
            first = rb.add_rows(-np.inf, 0.0, count=rows.size)
            rb.add_entries(first + np.arange(rows.size), n_y + np.arange(rows.size), 1.0)
            rb.add_entries(first + coo.row, coo.col, -1.0)
            need = self._target - float(w[covered_by_forced & (w > 0)].sum())
            r = rb.add_rows(need - 1e-9 * max(1.0, self._target), np.inf, count=1)
            rb.add_entries(np.full(rows.size, r), n_y + np.arange(rows.size), w[rows])
        cost = np.zeros(n_cols)
        cost[:n_y] = self._site_cost[free]
        integer = np.zeros(n_cols, dtype=bool)
        integer[:n_y] = True
        name = "set cover, Toregas et al. 1971" if not partial else "partial set cover"
        offset = float(self._site_cost[forced].sum())
        return MilpModel.unit(cost, integer, rb, offset=offset, name=name), free, partial

    def _greedy(self) -> np.ndarray:
        data = self.data
        cost = np.where(self._site_cost > 0, self._site_cost, 1e-9)
        weight = np.where(data.w > 0, data.w if self.problem.coverage_share < 1 else 1.0, 0.0)
        target = self._target if self.problem.coverage_share < 1 else float((data.w > 0).sum())
        return heuristics.greedy_cover(self._cover, cost, weight, data.forced, target=target)

    def _integral_costs(self) -> bool:
        return bool(np.all(self._site_cost == np.round(self._site_cost)))

    def _by_max_coverage(self, lower: float, request: SolveRequest) -> Outcome | None:
        """Find the fewest q sites whose maximal coverage meets the target (unit costs, share < 1).

        Counts q from the LP bound up, solving maximal coverage with q sites each time (its
        upper bound below the target proves q too few, and so every smaller q; a solution
        meeting it proves q enough). With unit costs the answer costs q sites, and the bound is
        its value: every smaller count was proven too few. Returns None when a step cannot be
        decided (in time, or because the maximal coverage was not solved to optimality).
        """
        data = self.data
        target = self._target
        tol = 1e-9 * max(1.0, target)
        q = max(math.ceil(lower - 1e-6), data.n_forced, 1)
        iterations = 0
        while q <= data.m:
            remaining = request.deadline.left()
            if remaining <= 0:
                request.deadline.note()
                return None
            sub = MaxCoverage.from_problem(
                replace(self.problem, p=q, decay="step", decay_start=None, coverage_share=1.0)
            )
            sol = sub.solve(method="auto", time_limit=remaining, seed=request.seed)
            request.deadline.note_status(sol.status)
            iterations += sol.iterations
            if sol.objective >= target - tol:
                is_open = np.isin(data.cand, sol.open_index)
                solver = f"fewest sites by maximal coverage with q = {q} ({sol.solver})"
                value = self.evaluate(is_open)
                path = "cover_by_max_coverage"
                return Outcome(is_open, value, solver, "exact", "optimal", iterations, path)
            if sol.bound >= target - tol:
                return None
            q += 1
        return None

    def _run(self, request: SolveRequest) -> Outcome:
        if self.problem.capacities is not None:
            within = self.data.pairs.cost <= float(self.problem.limit or 0.0)
            cc = CoverCapacities.of(self.data, within.astype(np.float64))
            target = None if self.problem.coverage_share >= 1 else self._target
            model, _ = cc.model(site_cost=self._site_cost, target=target)
            out = self._capacitated(request, model, cc, None)
            if self._integral_costs() and math.isfinite(out.bound):
                out = replace(out, bound=float(math.ceil(out.bound - 1e-6)))
            return out
        method, deadline, seed = request.method, request.deadline, request.seed
        data = self.data
        greedy = self._greedy()
        unit = bool(np.all(self._site_cost == self._site_cost[0])) if self._site_cost.size else True
        if (
            method != "heuristic"
            and self.problem.coverage_share < 1
            and unit
            and self._site_cost.size
        ):
            model, _, _ = self._model()
            relaxed = run_highs(model, time_limit=max(deadline.left(), 0.05), seed=seed, relax=True)
            deadline.note_status(relaxed.status)
            if relaxed.status == "optimal":
                scale = float(self._site_cost[0]) if self._site_cost[0] > 0 else 1.0
                done = self._by_max_coverage(relaxed.objective / scale, request)
                if done is not None:
                    return done
        model, free, _ = self._model()
        if method == "auto" and model.nnz > EXACT_MAX_NNZ_COVER:
            method = "heuristic"
        remaining = max(deadline.left(), 0.05)
        if method == "heuristic":
            relaxed = run_highs(model, time_limit=remaining, seed=seed, relax=True)
            deadline.note_status(relaxed.status)
            bound = relaxed.objective if relaxed.status == "optimal" else -math.inf
            if self._integral_costs() and math.isfinite(bound):
                bound = math.ceil(bound - 1e-6)
            solver = f"Chvátal greedy + redundancy removal, LP bound ({relaxed.solver})"
            its = relaxed.iterations
            return Outcome(greedy, bound, solver, "heuristic", "local_optimum", its, "heuristic")
        start = (np.arange(free.size), greedy[free].astype(np.float64))
        result = run_highs(model, time_limit=remaining, gap=request.gap, seed=seed, start=start)
        deadline.note_status(result.status)
        its = result.iterations
        if result.x is None and result.status != "infeasible":
            return Outcome(
                greedy, result.bound, result.solver, "exact", result.status, its, "cover_mip"
            )
        x = require_solution(result, "the set cover problem")
        is_open = data.forced.copy()
        is_open[free[x[: free.size] > 0.5]] = True
        if self.evaluate(greedy) < self.evaluate(is_open):
            is_open = greedy
        return Outcome(
            is_open, result.bound, result.solver, "exact", result.status, its, "cover_mip"
        )
