"""p-median: open p sites (existing ones included) to minimise total weighted journey time.

Without capacities the p-median is the assignment core (:mod:`._engine`) of the journey minutes,
each cell of positive weight charged ``unserved_cost`` when no open site reaches it (or required
to be served when there is none). It is solved by :func:`~._pipeline.solve_median`: direct
evaluation or enumeration when few sites are to be chosen, else greedy + fast interchange + VNS
with a Lagrangian bound, reduced-cost fixing and probing, and the radius formulation
(:mod:`._radius`; Elloumi 2010, García, Labbé & Marín 2011) solved by HiGHS.

Capacities use the classical assignment formulation with ``x_ij`` per reachable pair (binary
for single-source, continuous for split demand), ``sum_i w_i x_ij <= cap_j y_j`` and the strong
linking ``x_ij <= y_j`` (:mod:`._capacity`).
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np

from ._capacity import solve_capacitated
from ._engine import MedianCore
from ._pipeline import solve_median
from .base import LocationModel, Outcome, SolveRequest

__all__ = ["PMedian"]


class PMedian(LocationModel):
    """p-median: least total weighted journey time with p open sites (existing ones included).

    Uncapacitated problems use the radius formulation (Elloumi 2010; García, Labbé & Marín
    2011) with HiGHS, or greedy + fast interchange (Whitaker 1983; Resende & Werneck 2007) + VNS
    (Hansen & Mladenović 1997) with a Lagrangian bound. Capacitated problems use the classical
    assignment formulation (single-source or split demand, ``Problem.single_source``).

    :meth:`evaluate` gives the total weighted minutes with every cell at its nearest open site
    (inf when a cell of positive weight is left unserved without an ``unserved_cost``). With
    capacities this is the nearest-site cost, a lower bound of the capacitated one; solutions
    report the capacitated assignment's cost.
    """

    model = "pmedian"

    @cached_property
    def _core(self) -> MedianCore:
        data = self.data
        u = math.inf if self.problem.unserved_cost is None else float(self.problem.unserved_cost)
        unserved = np.full(data.n_cells, u)
        return MedianCore.build(
            data, data.pairs.cost, unserved, label="radius p-median, Elloumi 2010"
        )

    def _run(self, request: SolveRequest) -> Outcome:
        if self.problem.capacities is not None:
            return solve_capacitated(self._core, request)
        return solve_median(self._core, request)

    def _objective(self, is_open: np.ndarray) -> float:
        return self._core.objective(is_open)
