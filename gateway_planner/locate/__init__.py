"""Location optimisation: where to open sites so face-to-face customers reach them fastest.

One class per problem over a shared base (:class:`LocationModel`), all built from a
:class:`Problem` and all returning a :class:`Solution` with objective, proven bound and gap:

- :class:`PMedian` -- least total weighted journey time, optionally with capacities;
- :class:`MaxCoverage` -- most demand within T minutes (or with linear distance decay);
- :class:`SetCover` -- fewest (or cheapest) sites putting every cell, or a share of demand,
  within T minutes;
- :class:`PCenter` -- shortest worst journey, then exactly p sites of least total journey;
- :class:`MaxAttendance` -- most face-to-face visits when visits fall with journey time
  (:func:`decay_factor`: exponential or power decay with a cut-off, or shares per cell and
  site in ``Problem.attendance``).

:func:`solve` picks the model by name. :func:`read_pmed` and :func:`read_optima` read
Beasley's OR-Library p-median instances and their proven optima.
"""

from __future__ import annotations

from typing import Unpack

from ..errors import InputError
from .attendance import MaxAttendance
from .base import BoundError, LocationModel, SolveOptions
from .coverage import MaxCoverage, SetCover
from .decay import decay_factor
from .orlib import read_optima, read_pmed
from .pcenter import PCenter
from .pmedian import PMedian
from .problem import Problem, Solution, validate_problem

__all__ = [
    "MODEL_CLASSES",
    "BoundError",
    "LocationModel",
    "MaxAttendance",
    "MaxCoverage",
    "PCenter",
    "PMedian",
    "Problem",
    "SetCover",
    "Solution",
    "decay_factor",
    "read_optima",
    "read_pmed",
    "solve",
    "validate_problem",
]

MODEL_CLASSES: dict[str, type[LocationModel]] = {
    "pmedian": PMedian,
    "max_coverage": MaxCoverage,
    "set_cover": SetCover,
    "pcenter": PCenter,
    "max_attendance": MaxAttendance,
}


def solve(problem: Problem, *, model: str = "pmedian", **options: Unpack[SolveOptions]) -> Solution:
    """Check and solve a location problem.

    Parameters
    ----------
    problem
        The problem.
    model
        {"pmedian", "max_coverage", "set_cover", "pcenter", "max_attendance"}
    **options
        ``method`` ({"auto", "exact", "heuristic"}), ``time_limit`` (seconds for the whole
        solve), ``gap`` (relative gap at which the exact search may stop; 0 proves optimality)
        and ``seed`` (of every random choice): see :meth:`LocationModel.solve`, which gives
        their defaults.

    Returns
    -------
    Solution
        Open sites, assignment, objective, bound, gap, solver, method, status, iterations, seconds.

    Raises
    ------
    InputError
        For an unknown model or method, or bad problem data (all problems listed at once).
    InfeasibleError
        When no solution exists (capacities below demand, unreachable coverage target, ...).
    SolverError
        When the solver fails or finds nothing within the time limit (:class:`BoundError`
        when a solver's bound lies past its own objective: an internal error).
    """
    cls = MODEL_CLASSES.get(model)
    if cls is None:
        msg = f"unknown model {model!r}"
        raise InputError(msg, field="model", fix=f"use one of {', '.join(MODEL_CLASSES)}")
    return cls.from_problem(problem).solve(**options)
