"""What every location model returns: :class:`Solution`, and the branches that produce it.

A :class:`Solution` holds the open sites, the assignment of every cell, the objective with a
proven bound and the gap between them, how it was obtained (:data:`PATHS` names the branch of
the solver), and for the p-center the lexicographic second stage (least total journey at the
radius found).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .milp import relative_gap

__all__ = ["PATHS", "Alternative", "Alternatives", "Solution"]

#: Every value of :attr:`Solution.path`: the branch of the solver that produced the answer and
#: its bound. The exact paths prove their answer (gap 0) unless a time limit or target gap
#: stops them first; "heuristic" reports a valid bound without proof.
PATHS: dict[str, str] = {
    "direct": "no choice left: the only possible open set, evaluated",
    "no_demand": "p-center without demand: the kept sites and the lowest indices",
    "enumeration": "every subset of the sites left to choose scored",
    "bound_meets": "heuristic (greedy, fast interchange, VNS) whose value the Lagrangian bound meets",
    "fixing": "Lagrangian reduced-cost fixing left one choice, compared with the heuristic's",
    "probing": "reduced-cost fixing and probing left one choice, compared with the heuristic's",
    "quick_mip": "maximal coverage: HiGHS radius MIP within a node limit, on what reduced-cost fixing left",
    "lagrangian_tree": "Lagrangian branch and bound on what reduced-cost fixing (and probing) left",
    "probing_mip": "HiGHS radius MIP on what reduced-cost fixing and probing left",
    "radius_mip": "HiGHS radius MIP on what reduced-cost fixing left (many sites to choose: no probing)",
    "mip_infeasible": "HiGHS proved the fixings exclude every better solution: the heuristic's is optimal",
    "full_mip": "HiGHS radius MIP on the whole problem (the heuristic found no solution)",
    "capacity_scan": "subsets in order of uncapacitated cost, each assigned within the capacities",
    "capacity_not_binding": "the uncapacitated optimum's bound met by an assignment within the capacities",
    "capacity_mip": "HiGHS capacitated assignment MIP (bound also from the uncapacitated problem)",
    "cover_mip": "HiGHS set-cover MIP",
    "cover_by_max_coverage": "fewest sites: maximal coverage with q sites, q counted up from the LP bound",
    "bisection": "bisection over radius levels, each decided by greedy cover or a HiGHS cover MIP",
    "heuristic": "heuristic answer with a valid bound (method 'heuristic', or 'auto' on a model too big)",
}


@dataclass(frozen=True)
class Alternative:
    """One near-optimal choice of sites.

    Parameters
    ----------
    rank
        1 for the best solution, 2 for the next best, ...
    open_sites
        Ids of its open sites, in site order.
    open_index
        Their indices, sorted.
    objective
        Its objective (the model's own figure).
    gap
        How much worse than the best it is, as a share of the best's objective (0 for the
        best; ``|objective - best| / max(|best|, tiny)``).
    opens
        Sites open here but not in the best solution.
    closes
        Sites open in the best solution but not here.
    proven
        Whether its solve was proven optimal within its part of the search.
    """

    rank: int
    open_sites: tuple[str, ...]
    open_index: np.ndarray
    objective: float
    gap: float
    opens: tuple[str, ...]
    closes: tuple[str, ...]
    proven: bool


@dataclass(frozen=True)
class Alternatives:
    """The best solution and the next best distinct ones within a share of it.

    Parameters
    ----------
    model
        The model solved.
    options
        The best solution first (rank 1), then its alternatives in order of objective.
    within
        The share of the best objective the alternatives lie within.
    count
        How many alternatives (besides the best) were asked for.
    complete
        Whether the list is certain: every solve proven optimal and the search not stopped
        by the time limit (then no open set missing from the list beats the last listed, and
        when fewer than ``count`` are listed, no other lies within ``within``).
    solves
        Number of solves made.
    """

    model: str
    options: tuple[Alternative, ...]
    within: float
    count: int
    complete: bool
    solves: int

    def robustness(self, site_ids: tuple[str, ...]) -> dict[str, int]:
        """Count, for each site, the listed options (the best included) that open it.

        Parameters
        ----------
        site_ids
            The sites to count (for example the problem's candidates), in the order wanted.

        Returns
        -------
        dict
            Site id -> number of options opening it (``len(options)``: open in every one).
        """
        counts = dict.fromkeys(site_ids, 0)
        for option in self.options:
            for site in option.open_sites:
                if site in counts:
                    counts[site] += 1
        return counts


@dataclass(frozen=True, eq=False)
class Solution:
    """The answer to a location problem.

    Parameters
    ----------
    model
        {"pmedian", "max_coverage", "set_cover", "pcenter"}
    open_sites
        Ids of the open sites, in site order.
    open_index
        Indices of the open sites, sorted.
    assignment
        Per cell, the index of the site serving it: the nearest open site (lowest index on ties),
        or the solver's choice when capacities bind; -1 when no open site reaches the cell (or,
        for coverage models, none lies within the limit).
    objective
        Total weighted minutes (p-median), demand covered (maximal coverage), number or cost of
        open sites (set cover), largest (weighted) minutes (p-center).
    bound
        Proven bound on the optimum: a lower bound, or an upper bound for maximal coverage.
    gap
        Relative gap ``|objective - bound| / max(|objective|, tiny)``; 0.0 when proven optimal.
    solver
        What produced it, e.g. ``"HiGHS 1.16.0 MIP (radius p-median)"``.
    method
        {"exact", "heuristic"}
    status
        {"optimal", "gap_reached", "time_limit", "local_optimum"} ``"time_limit"`` whenever the
        wall-clock limit stopped (or cut short) any part of the solve: the answer may then depend
        on the machine's speed (``gap`` still says whether it is proven optimal).
    iterations
        Work done: HiGHS simplex iterations, heuristic moves plus subgradient steps, or subsets
        scored by enumeration (comparable only between runs of the same method).
    seconds
        Wall time (informative only; not reproducible).
    shares
        Split-demand capacitated p-median only: ``(n_cells, n_sites)`` sparse share of each
        cell's demand served by each site (rows sum to 1); None otherwise.
    path
        The branch of the solver that produced the answer and its bound: a key of
        :data:`PATHS` (deterministic unless the time limit stopped the solve).
    second_objective
        p-center only: the lexicographic second stage, the demand-weighted total minutes
        (``sum_i w_i t_i``) of the open sites. With the radius held at ``objective``, exactly
        ``p`` sites are opened and the ones left free minimise this total; None for the other
        models.
    second_bound
        p-center only: a lower bound of that total over every set of ``p`` sites whose radius is
        at most ``objective`` (equal to ``second_objective`` when the second stage is proven).
    alternatives
        The best distinct answers within a share of this one's objective, this one first, when
        they were asked for (:func:`~gateway_planner.locate.near_optimal`, attached with
        :func:`dataclasses.replace`); None otherwise.
    """

    model: str
    open_sites: tuple[str, ...]
    open_index: np.ndarray
    assignment: np.ndarray
    objective: float
    bound: float
    gap: float
    solver: str
    method: str
    status: str
    iterations: int
    seconds: float
    shares: sp.csr_array | None = None
    path: str = ""
    second_objective: float | None = None
    second_bound: float | None = None
    alternatives: Alternatives | None = None

    @property
    def second_gap(self) -> float | None:
        """Relative gap of the second stage (p-center), 0.0 when proven; None for other models."""
        if self.second_objective is None or self.second_bound is None:
            return None
        return relative_gap(self.second_objective, self.second_bound)

    def summary(self) -> dict[str, Any]:
        """Plain fields for logs and JSON (no arrays, no wall time).

        Returns
        -------
        dict
            model, open_sites, objective, bound, gap, solver, method, status, iterations, path;
            and second_objective, second_bound and second_gap when there is a second stage.
        """
        second = {}
        if self.second_objective is not None:
            second = {
                "second_objective": self.second_objective,
                "second_bound": self.second_bound,
                "second_gap": self.second_gap,
            }
        return {
            "model": self.model,
            "open_sites": list(self.open_sites),
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "solver": self.solver,
            "method": self.method,
            "status": self.status,
            "iterations": self.iterations,
            "path": self.path,
            **second,
        }
