"""The shared base of every location model: one constructor path and one ``solve`` signature.

``Model.from_problem(problem)`` checks the problem for that model and prepares it;
``model.solve(method=..., time_limit=..., gap=..., seed=...)`` returns an immutable
:class:`~gateway_planner.locate.problem.Solution`. Subclasses implement ``_run`` (search for open
sites and a bound, as a :class:`SolveRequest` asks) and ``_objective`` (the objective of an open
set, which :meth:`LocationModel.evaluate` reports); the base recomputes the objective from the
open sites, assigns cells, computes the gap and times the run, so every model reports the same
fields in the same way.
"""

from __future__ import annotations

import logging
import math
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypedDict

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from ..minutes import Minutes
from ._data import Prepared, nearest_sites, prepare
from .milp import relative_gap
from .problem import Problem, Solution

__all__ = ["METHODS", "LocationModel", "Outcome", "SolveOptions", "SolveRequest"]

logger = logging.getLogger(__name__)

METHODS = ("auto", "exact", "heuristic")


class SolveOptions(TypedDict, total=False):
    """The keyword options of :meth:`LocationModel.solve` (for functions that pass them on)."""

    method: str
    time_limit: float
    gap: float
    seed: int


@dataclass(frozen=True)
class SolveRequest:
    """What one solve asks of a model's search.

    Parameters
    ----------
    method
        {"auto", "exact", "heuristic"}
    deadline
        ``time.perf_counter()`` value by which to finish.
    gap
        Target relative gap.
    seed
        Seed of every random choice.
    """

    method: str
    deadline: float
    gap: float
    seed: int


@dataclass(frozen=True)
class Outcome:
    """What a model's search found (before the base assembles the Solution)."""

    is_open: np.ndarray
    bound: float
    solver: str
    method: str
    status: str
    iterations: int
    assignment: np.ndarray | None = None
    shares: sp.csr_array | None = None
    objective: float | None = None


class LocationModel(ABC):
    """A location model over a prepared problem.

    Parameters
    ----------
    data
        The problem in solver form (use :meth:`from_problem`).
    """

    model: ClassVar[str]
    maximise: ClassVar[bool] = False

    def __init__(self, data: Prepared) -> None:
        self.data = data

    @classmethod
    def from_problem(cls, problem: Problem) -> Self:
        """Check ``problem`` for this model and prepare it.

        Parameters
        ----------
        problem
            The location problem.

        Returns
        -------
        LocationModel
            The model, ready to solve.

        Raises
        ------
        InputError
            Listing every bad value (see :func:`~gateway_planner.locate.problem.validate_problem`).
        InfeasibleError
            When no solution can exist.
        """
        return cls(prepare(problem, model=cls.model))

    @classmethod
    def from_cost_matrix(
        cls,
        costs: Minutes,
        weights: np.ndarray,
        *,
        site_ids: tuple[str, ...] | None = None,
        **fields: Any,
    ) -> Self:
        """Build the model straight from a cost matrix and weights.

        Parameters
        ----------
        costs
            Minutes, cells x sites (dense with ``inf``, or sparse).
        weights
            Demand per cell.
        site_ids
            Site ids ("0", "1", ... when None).
        **fields
            Any other :class:`~gateway_planner.locate.problem.Problem` field (``p``, ``fixed``,
            ``limit``, ``capacities``...).

        Returns
        -------
        LocationModel
            The checked model.
        """
        ids = tuple(str(j) for j in range(costs.shape[1])) if site_ids is None else tuple(site_ids)
        problem = Problem(weights=np.asarray(weights), costs=costs, site_ids=ids, **fields)
        return cls.from_problem(problem)

    @property
    def problem(self) -> Problem:
        """The original problem."""
        return self.data.problem

    def solve(
        self,
        *,
        method: str = "auto",
        time_limit: float = 60.0,
        gap: float = 0.0,
        seed: int = 0,
    ) -> Solution:
        """Solve the model.

        Parameters
        ----------
        method
            {"auto", "exact", "heuristic"} ``"exact"`` runs the HiGHS model, ``"heuristic"``
            the seeded greedy + local search with a lower bound, ``"auto"`` the exact model when
            its size fits the time limit, else the heuristic.
        time_limit
            Seconds for the whole solve. A run stopped by it reports status ``"time_limit"``
            and may differ between machines.
        gap
            Relative gap at which the exact search may stop (0 proves optimality).
        seed
            Seed of every random choice (heuristic shakes, HiGHS ``random_seed``).

        Returns
        -------
        Solution
            Open sites, assignment, objective, bound and gap.

        Raises
        ------
        InputError
            For an unknown method or a bad time limit or gap.
        InfeasibleError
            When the solver proves that no solution exists.
        SolverError
            When the solver fails or finds nothing in time.
        """
        _check_solve_args(method, time_limit, gap)
        t0 = time.perf_counter()
        request = SolveRequest(method, t0 + float(time_limit), float(gap), int(seed))
        out = self._run(request)
        solution = self._assemble(out, time.perf_counter() - t0)
        logger.info(
            "%s: %d open sites, objective %.6g, bound %.6g, gap %.3g (%s, %s, %.2f s)",
            self.model,
            solution.open_index.size,
            solution.objective,
            solution.bound,
            solution.gap,
            solution.solver,
            solution.status,
            solution.seconds,
        )
        return solution

    @abstractmethod
    def _run(self, request: SolveRequest) -> Outcome:
        """Search for open sites and a bound."""

    @abstractmethod
    def _objective(self, is_open: np.ndarray) -> float:
        """Compute the model's objective of an open set (see :meth:`evaluate`)."""

    def evaluate(self, is_open: np.ndarray) -> float:
        """Objective of a set of open candidates, as the model defines it (see the class).

        Parameters
        ----------
        is_open
            Boolean mask over the candidate sites (``Prepared.cand`` order).

        Returns
        -------
        float
            The model's objective for those sites.
        """
        return self._objective(is_open)

    def assign(self, is_open: np.ndarray) -> np.ndarray:
        """Site index serving each cell: nearest open (lowest index on ties), -1 when none.

        Parameters
        ----------
        is_open
            Boolean mask over the candidate sites.

        Returns
        -------
        numpy.ndarray
            ``(n_cells,)`` site indices.
        """
        return nearest_sites(self.data, is_open, within=self._assign_within())

    def _assign_within(self) -> float:
        return math.inf

    def _assemble(self, out: Outcome, seconds: float) -> Solution:
        data = self.data
        objective = float(self.evaluate(out.is_open) if out.objective is None else out.objective)
        bound = float(out.bound)
        if self.maximise:
            bound = max(bound, objective) if math.isfinite(bound) else bound
        else:
            bound = min(bound, objective) if math.isfinite(bound) else bound
        rel = relative_gap(objective, bound)
        status = out.status
        if rel == 0.0:
            status = "optimal"
        elif status == "optimal":
            status = "gap_reached"
        open_index = np.sort(data.cand[out.is_open]).astype(np.int64)
        assignment = self.assign(out.is_open) if out.assignment is None else out.assignment
        return Solution(
            model=self.model,
            open_sites=tuple(self.problem.site_ids[i] for i in open_index),
            open_index=open_index,
            assignment=np.asarray(assignment, dtype=np.int64),
            objective=objective,
            bound=bound,
            gap=rel,
            solver=out.solver,
            method=out.method,
            status=status,
            iterations=int(out.iterations),
            seconds=float(seconds),
            shares=out.shares,
        )


def _check_solve_args(method: str, time_limit: float, gap: float) -> None:
    problems = []
    if method not in METHODS:
        problems.append(f"method {method!r} is not one of {', '.join(METHODS)}")
    if not (isinstance(time_limit, (int, float)) and math.isfinite(time_limit) and time_limit > 0):
        problems.append(f"time_limit = {time_limit!r} must be a positive number of seconds")
    if not (isinstance(gap, (int, float)) and 0 <= gap < 1):
        problems.append(f"gap = {gap!r} must lie in [0, 1)")
    if problems:
        msg = "; ".join(problems)
        raise InputError(msg, field="solve", fix='use method="auto", time_limit=60, gap=0')
