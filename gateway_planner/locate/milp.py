"""Shared HiGHS (``highspy``) building blocks: a model in arrays, a reproducible run, its result.

Models are assembled as plain arrays (column costs and bounds, integrality, rows in COO form)
by the problem modules and handed to :func:`run_highs`, which configures HiGHS for reproducible
runs (one thread, fixed ``random_seed``, no console output), applies the time limit and target
gap, and returns a :class:`MilpResult` with explicit values (nothing is stored on the model
object, unlike spopt's ``setattr`` pattern). A summary line goes to :mod:`logging`.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InfeasibleError, SolverError

if TYPE_CHECKING:
    import highspy

__all__ = [
    "SETUP_SECONDS_PER_ENTRY",
    "MilpModel",
    "MilpResult",
    "RowBuilder",
    "highs_version",
    "relative_gap",
    "require_solution",
    "run_highs",
    "setup_seconds",
]

logger = logging.getLogger(__name__)

#: Seconds a HiGHS run takes per stored entry, column and row before its time limit can stop
#: it (see :func:`setup_seconds`).
SETUP_SECONDS_PER_ENTRY = 2e-6

_BANNER_LOCK = threading.Lock()
_BANNER_DONE = False


def _highspy() -> ModuleType:
    """Import ``highspy`` when a model is first solved (keeps ``import gateway_planner`` light)."""
    import highspy

    return highspy


def highs_version() -> str:
    """HiGHS version string, e.g. ``"1.16.0"``.

    Returns
    -------
    str
        The version of the HiGHS library behind ``highspy``.
    """
    hp = _highspy()
    return f"{hp.HIGHS_VERSION_MAJOR}.{hp.HIGHS_VERSION_MINOR}.{hp.HIGHS_VERSION_PATCH}"


@contextlib.contextmanager
def _stdout_to_devnull() -> Iterator[None]:
    """Point file descriptor 1 at /dev/null (C++ output included) for the block."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:  # noqa: PTH123
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _new_highs() -> highspy.Highs:
    """Create a silent HiGHS instance (the banner of the first instance is swallowed)."""
    global _BANNER_DONE
    import highspy

    with _BANNER_LOCK:
        # HiGHS prints a banner from C++ on the first construction, before any option can be
        # set: standard output goes to /dev/null for that moment only
        with contextlib.nullcontext() if _BANNER_DONE else _stdout_to_devnull():
            h = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy leaves __init__ unannotated
        _BANNER_DONE = True
    h.setOptionValue("output_flag", False)
    return h


@dataclass
class RowBuilder:
    """Accumulates constraint rows as COO triplets: ``lower <= A x <= upper``."""

    rows: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    vals: list[np.ndarray] = field(default_factory=list)
    lower: list[np.ndarray] = field(default_factory=list)
    upper: list[np.ndarray] = field(default_factory=list)
    n_rows: int = 0

    def add_rows(
        self, lower: np.ndarray | float, upper: np.ndarray | float, count: int | None = None
    ) -> int:
        """Append rows and return the index of the first.

        Parameters
        ----------
        lower, upper
            Row bounds (scalars are broadcast over ``count`` rows).
        count
            Number of rows (taken from the bounds when they are arrays).

        Returns
        -------
        int
            Index of the first new row.
        """
        n = int(count if count is not None else np.size(lower if np.ndim(lower) else upper))
        start = self.n_rows
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=np.float64), (n,)).copy())
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=np.float64), (n,)).copy())
        self.n_rows += n
        return start

    def add_entries(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray | float) -> None:
        """Append matrix entries (duplicates are summed).

        Parameters
        ----------
        rows, cols
            Row and column indices.
        vals
            Coefficients (scalars are broadcast).
        """
        rows = np.asarray(rows, dtype=np.int64)
        self.rows.append(rows)
        self.cols.append(np.asarray(cols, dtype=np.int64))
        self.vals.append(np.broadcast_to(np.asarray(vals, dtype=np.float64), rows.shape).copy())

    def csr(self, n_cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row-wise (CSR) arrays: start, index, value.

        Parameters
        ----------
        n_cols
            Number of columns (for a bounds check).

        Returns
        -------
        tuple of numpy.ndarray
            ``start`` (n_rows + 1), ``index`` and ``value``.
        """
        import scipy.sparse as sp

        if self.rows:
            r, c, v = (np.concatenate(x) for x in (self.rows, self.cols, self.vals))
        else:
            r = c = np.zeros(0, dtype=np.int64)
            v = np.zeros(0)
        mat = sp.csr_array((v, (r, c)), shape=(self.n_rows, n_cols))
        mat.sum_duplicates()
        return (
            mat.indptr.astype(np.int32),
            mat.indices.astype(np.int32),
            mat.data.astype(np.float64),
        )

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Row lower and upper bounds.

        Returns
        -------
        tuple of numpy.ndarray
            Lower and upper bounds, one per row.
        """
        if not self.lower:
            return np.zeros(0), np.zeros(0)
        return np.concatenate(self.lower), np.concatenate(self.upper)


@dataclass
class MilpModel:
    """A minimisation MILP in arrays.

    Parameters
    ----------
    cost, lower, upper
        Per column: objective coefficient and bounds.
    integer
        Per column: True for integer (binary when bounds are 0 and 1).
    rows
        The constraints.
    offset
        Constant added to the objective.
    name
        Formulation name used in the solver label ("radius p-median").
    """

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    rows: RowBuilder
    offset: float = 0.0
    name: str = "MIP"

    @classmethod
    def unit(
        cls,
        cost: np.ndarray,
        integer: np.ndarray,
        rows: RowBuilder,
        *,
        offset: float = 0.0,
        name: str = "MIP",
    ) -> MilpModel:
        """Build a model whose columns all lie in [0, 1]: binary where integer, shares elsewhere.

        Parameters
        ----------
        cost
            Objective coefficient per column.
        integer
            Per column: True for binary.
        rows
            The constraints.
        offset
            Constant added to the objective.
        name
            Formulation name used in the solver label.

        Returns
        -------
        MilpModel
            The model.
        """
        n = cost.size
        return cls(cost, np.zeros(n), np.ones(n), integer, rows, offset=offset, name=name)

    @property
    def n_cols(self) -> int:
        """Number of columns."""
        return int(self.cost.size)

    @property
    def nnz(self) -> int:
        """Number of stored matrix entries (before merging duplicates)."""
        return int(sum(r.size for r in self.rows.rows))


@dataclass(frozen=True)
class MilpResult:
    """What a HiGHS run returned."""

    status: str
    x: np.ndarray | None
    objective: float
    bound: float
    gap: float
    iterations: int
    nodes: int
    seconds: float
    solver: str


def _status_name(hp: object, status: object, gap_reached: bool) -> str:
    s = hp.HighsModelStatus  # type: ignore[attr-defined]
    if status == s.kOptimal:
        return "gap_reached" if gap_reached else "optimal"
    if status == s.kTimeLimit:
        return "time_limit"
    if status in (s.kInfeasible,):
        return "infeasible"
    if status in (s.kUnboundedOrInfeasible, s.kUnbounded):
        return "unbounded"
    if status in (
        s.kInterrupt,
        s.kIterationLimit,
        s.kSolutionLimit,
        s.kObjectiveBound,
        s.kObjectiveTarget,
    ):
        return "interrupted"
    return "error"


def relative_gap(objective: float, bound: float) -> float:
    """Relative gap ``|objective - bound| / max(|objective|, 1e-9)``, 0 when within 1e-9.

    Parameters
    ----------
    objective, bound
        Values of the incumbent and of the proven bound.

    Returns
    -------
    float
        The relative gap (inf when the bound is unknown).
    """
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.inf
    diff = abs(objective - bound)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-9)


def setup_seconds(model: MilpModel) -> float:
    """Estimate the seconds a HiGHS run spends before its time limit can stop it.

    Building the arrays, passing the model and presolving it are not interruptible; on this
    project's models they take about :data:`SETUP_SECONDS_PER_ENTRY` per stored entry, column
    and row (measured on a loaded 2-core machine; 0.9 s for a 500,000-entry radius model).

    Parameters
    ----------
    model
        The model.

    Returns
    -------
    float
        The estimate, in seconds.
    """
    return SETUP_SECONDS_PER_ENTRY * (model.nnz + model.n_cols + model.rows.n_rows)


def run_highs(
    model: MilpModel,
    *,
    time_limit: float,
    gap: float = 0.0,
    seed: int = 0,
    relax: bool = False,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    stop_at_first: bool = False,
    presolve: bool = True,
    heuristic_effort: float | None = None,
    max_nodes: int | None = None,
    cutoff: float | None = None,
    start_with_presolve: bool = False,
    interrupt: threading.Event | None = None,
) -> MilpResult:
    """Solve a model with HiGHS, reproducibly and silently.

    Parameters
    ----------
    model
        The model.
    time_limit
        Seconds for this run, setting up included: a run whose set-up alone would take longer
        (:func:`setup_seconds`) is not started and returns status ``"time_limit"`` without a
        solution.
    gap
        Target relative gap (``mip_rel_gap``); 0 proves optimality.
    seed
        HiGHS ``random_seed``.
    relax
        Solve the LP relaxation (integrality dropped).
    start
        Column indices and values of a feasible (partial) solution to start from.
    stop_at_first
        Stop at the first feasible solution (feasibility questions).
    presolve
        Run HiGHS presolve (its MIP presolve is slow on the long chains of radius models).
    heuristic_effort
        HiGHS ``mip_heuristic_effort`` (None keeps its default); lower it when a good start is
        given.
    max_nodes
        HiGHS ``mip_max_nodes``: a deterministic work limit (None: no limit). A run stopped by
        it has status ``"interrupted"``.
    cutoff
        HiGHS ``objective_bound``: nodes whose bound reaches it are pruned, so a closed tree
        (status ``"infeasible"``, or ``"optimal"``) means that no solution costs less than
        ``cutoff``. HiGHS 1.16 may still return a solution at or above it (None: no cutoff).
    start_with_presolve
        Pass ``start`` with presolve on too. HiGHS 1.16 may then return the start rather than
        a better solution it found; the objective is recomputed from the solution returned, so
        the worst case is the start itself.
    interrupt
        An event another thread may set to stop the run (MIP only: HiGHS checks it at its
        interrupt points, within about half a second); the run then ends with status
        ``"interrupted"`` and what it has. Already set: the run is not started.

    Returns
    -------
    MilpResult
        Status, solution (None when none was found), objective, bound and gap.

    Raises
    ------
    SolverError
        When HiGHS rejects the model or fails.
    """
    hp = _highspy()
    t0 = time.perf_counter()
    setup = setup_seconds(model)
    if time_limit < setup:
        # building and passing the model, and HiGHS's presolve, cannot be stopped: a run that
        # would overrun the time limit before its search starts is not begun
        logger.info(
            "HiGHS not started on the %s model (%d entries): %.2f s left, about %.2f s to set up",
            model.name,
            model.nnz,
            time_limit,
            setup,
        )
        return _not_started(model, relax, "time_limit")
    if interrupt is not None and interrupt.is_set():
        return _not_started(model, relax, "interrupted")
    h = _new_highs()
    lp = hp.HighsLp()
    n = model.n_cols
    lp.num_col_ = n
    row_lo, row_hi = model.rows.bounds()
    lp.num_row_ = int(row_lo.size)
    lp.col_cost_ = model.cost.astype(np.float64)
    lp.col_lower_ = model.lower.astype(np.float64)
    lp.col_upper_ = model.upper.astype(np.float64)
    lp.row_lower_ = np.where(np.isneginf(row_lo), -hp.kHighsInf, row_lo)
    lp.row_upper_ = np.where(np.isposinf(row_hi), hp.kHighsInf, row_hi)
    lp.offset_ = float(model.offset)
    start_idx, index, value = model.rows.csr(n)
    lp.a_matrix_.format_ = hp.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = int(row_lo.size)
    lp.a_matrix_.start_ = start_idx
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    is_mip = bool(model.integer.any()) and not relax
    if is_mip:
        lp.integrality_ = [
            hp.HighsVarType.kInteger if flag else hp.HighsVarType.kContinuous
            for flag in model.integer
        ]
    status = h.passModel(lp)
    if status == hp.HighsStatus.kError:
        msg = f"HiGHS rejected the {model.name} model ({n} columns, {row_lo.size} rows)"
        raise SolverError(msg)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", int(seed) % 2_147_483_647)
    h.setOptionValue("time_limit", max(float(time_limit) - setup, 0.01))
    h.setOptionValue("mip_rel_gap", max(float(gap), 0.0))
    h.setOptionValue("mip_abs_gap", 1e-6)
    # feasibility jump ignores the time limit on large models; our models come with a start
    h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
    if not presolve:
        h.setOptionValue("presolve", "off")
    if heuristic_effort is not None:
        h.setOptionValue("mip_heuristic_effort", float(heuristic_effort))
    if stop_at_first:
        h.setOptionValue("mip_max_improving_sols", 1)
    if max_nodes is not None:
        h.setOptionValue("mip_max_nodes", int(max_nodes))
    if cutoff is not None and is_mip:
        h.setOptionValue("objective_bound", float(cutoff))
    if start is not None and is_mip and (not presolve or start_with_presolve):
        # with presolve on, HiGHS 1.16 may hand back the start as the solution while reporting
        # the better objective it found: starts go with presolve on only when asked (the
        # objective is recomputed from the solution below)
        idx, val = start
        h.setSolution(len(idx), np.asarray(idx, dtype=np.int32), np.asarray(val, dtype=np.float64))
    if interrupt is not None and is_mip:
        h.cbMipInterrupt += _interrupter(interrupt)
    h.run()
    info = h.getInfo()
    raw = h.getModelStatus()
    has_x = info.primal_solution_status == hp.SolutionStatus.kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_x else None
    if has_x and x is not None:
        recomputed = float(model.cost @ x + model.offset)
        reported = float(info.objective_function_value)
        if abs(recomputed - reported) > 1e-6 * max(1.0, abs(reported)):
            logger.warning(
                "HiGHS reported objective %.9g but its solution costs %.9g; using the solution",
                reported,
                recomputed,
            )
    if is_mip:
        obj = float(model.cost @ x + model.offset) if has_x and x is not None else math.inf
        bound = float(info.mip_dual_bound)
        iterations = int(max(info.simplex_iteration_count, 0))
        nodes = int(max(info.mip_node_count, 0))
    else:
        obj = float(info.objective_function_value) if has_x else math.inf
        bound = obj if raw == hp.HighsModelStatus.kOptimal else -math.inf
        iterations = int(max(info.simplex_iteration_count, 0)) + int(
            max(info.ipm_iteration_count, 0)
        )
        nodes = 0
    rel = relative_gap(obj, bound) if has_x else math.inf
    name = _status_name(hp, raw, gap_reached=is_mip and rel > 0)
    if stop_at_first and has_x and name == "interrupted":
        name = "feasible"
    seconds = time.perf_counter() - t0
    label = f"HiGHS {highs_version()} {'MIP' if is_mip else 'LP'} ({model.name})"
    logger.info(
        "%s: %s, %d cols, %d rows, %d nnz, objective %.6g, bound %.6g, gap %.3g, %d iterations, "
        "%d nodes, %.2f s",
        label,
        name,
        n,
        row_lo.size,
        value.size,
        obj,
        bound,
        rel,
        iterations,
        nodes,
        seconds,
    )
    if name == "error":
        msg = f"HiGHS failed on the {model.name} model: {h.modelStatusToString(raw)}"
        raise SolverError(msg)
    return MilpResult(
        status=name,
        x=x,
        objective=obj,
        bound=bound,
        gap=rel,
        iterations=iterations,
        nodes=nodes,
        seconds=seconds,
        solver=label,
    )


def _not_started(model: MilpModel, relax: bool, status: str) -> MilpResult:
    """Return the result of a run that was not started, with ``status``."""
    label = f"HiGHS {highs_version()} {'LP' if relax else 'MIP'} ({model.name}, not started)"
    return MilpResult(status, None, math.inf, -math.inf, math.inf, 0, 0, 0.0, label)


def _interrupter(event: threading.Event) -> Callable[[Any], None]:
    """Return a HiGHS interrupt callback that stops the run once ``event`` is set."""

    def check(callback: Any) -> None:
        if event.is_set():
            callback.interrupt()

    return check


def require_solution(result: MilpResult, what: str) -> np.ndarray:
    """Return the solution vector or raise the matching error.

    Parameters
    ----------
    result
        A HiGHS result.
    what
        Problem description for the message.

    Returns
    -------
    numpy.ndarray
        The column values.

    Raises
    ------
    InfeasibleError
        HiGHS proved the model infeasible.
    SolverError
        No solution was found (time limit too short).
    """
    if result.status == "infeasible":
        msg = f"{what} has no feasible solution (HiGHS proved it infeasible)"
        raise InfeasibleError(msg)
    if result.x is None:
        msg = f"HiGHS found no solution to {what} within the time limit ({result.seconds:.1f} s, status {result.status})"
        raise SolverError(msg)
    return result.x
