"""The location problem and its prechecks (the solution lives in :mod:`.solution`).

A :class:`Problem` holds plain arrays (demand weights per cell, a cells x sites travel-time matrix,
dense or sparse) and the planner's choices (existing sites, candidates, how many sites, a time
limit in minutes, capacities). :func:`validate_problem` checks it against the model that will be
solved and reports every problem at once, with the numbers, before any solver runs (the spopt
``from_cost_matrix`` prechecks, collected and reported once as in osmnx ``_validate``).

:class:`~.solution.Solution` and :data:`~.solution.PATHS` are re-exported here, where they have
always been imported from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp

from ..errors import InfeasibleError, InputError
from ..minutes import Minutes
from ._pairs import Pairs, read_pairs
from .decay import decay_problems
from .solution import PATHS, Solution

__all__ = [
    "DECAYS",
    "MODELS",
    "PATHS",
    "Problem",
    "Solution",
    "checked_pairs",
    "validate_problem",
]

MODELS = ("pmedian", "max_coverage", "set_cover", "pcenter", "max_attendance")
DECAYS = ("step", "linear")

_MAX_LISTED = 10


@dataclass(frozen=True, eq=False)
class Problem:
    """A facility location problem over cells (demand) and sites (supply).

    Parameters
    ----------
    weights
        Demand per cell, ``(n_cells,)``, finite and >= 0: face-to-face visits per year. Cells of
        weight 0 do not affect the objective; they are still assigned to their nearest open site.
    costs
        Travel minutes, ``(n_cells, n_sites)``. Dense arrays may hold ``inf`` for unreachable
        pairs. Sparse matrices (CSR, from a cutoff) hold the reachable pairs as stored entries:
        a missing entry is unreachable and an explicit stored zero is a reachable pair of 0
        minutes.
    site_ids
        One id per site (column of ``costs``).
    fixed
        Indices of existing sites, kept open unless ``allow_closing``.
    candidates
        Indices of the sites that may be opened; None means every site. Must include ``fixed``.
    p
        Total number of open sites, existing ones included (p-median, maximal coverage,
        p-center, maximal attendance).
    capacities
        Per site, in the unit of ``weights``; NaN means uncapacitated (p-median only).
    limit
        T minutes: the coverage radius of maximal coverage and set cover; maximal
        attendance's cut-off (no visits past it; None: no cut-off).
    allow_closing
        Existing sites may close (they then compete with the candidates).
    cell_ids
        Cell ids used in messages; the cell's row number is used when None.
    site_costs
        Cost of opening each site (set cover "least cost"); None counts sites.
    coverage_share
        Set cover: share of the total demand that must lie within ``limit`` (1 means every
        cell of positive weight).
    decay
        {"step", "linear", "exponential", "power"} Credit by journey time. Maximal coverage
        takes ``"step"`` (a cell counts fully within ``limit`` and not beyond) or ``"linear"``
        (fully up to ``decay_start`` minutes, then falling linearly to nothing at ``limit``);
        maximal attendance also ``"exponential"`` and ``"power"``, the share of visits still
        made (:func:`~gateway_planner.locate.decay.decay_factor`, with ``decay_beta``,
        ``decay_t0`` and the cut-off ``limit``).
    decay_start
        Minutes of full credit under ``"linear"`` decay (0 when None).
    single_source
        Capacitated p-median: each cell is served by one site (True) or its demand may be split
        between sites (False).
    weighted_center
        p-center: minimise the largest weight x minutes (True) or the largest minutes over
        cells of positive weight (False).
    unserved_cost
        p-median: minutes charged for a cell no open site can reach (beyond a sparse cutoff).
        None requires every cell of positive weight to be served.
    decay_beta
        Maximal attendance, exponential or power decay: ``beta`` (> 0).
    decay_t0
        Maximal attendance, power decay: ``t0`` minutes (> 0).
    attendance
        Maximal attendance: ``(n_cells, n_sites)`` share of each cell's visits made when that
        site serves it, in [0, 1], dense (or CSR: a missing entry is 0). It replaces ``decay``
        (for example visits decaying by customer group, collapsed per cell and site:
        ``sum_g w_ig f_g(t_ijg) / sum_g w_ig``). Pairs that ``costs`` leaves unreachable earn
        nothing whatever it holds.
    """

    weights: np.ndarray
    costs: Minutes
    site_ids: tuple[str, ...]
    fixed: tuple[int, ...] = ()
    candidates: tuple[int, ...] | None = None
    p: int | None = None
    capacities: np.ndarray | None = None
    limit: float | None = None
    allow_closing: bool = False
    cell_ids: tuple[str, ...] | None = None
    site_costs: np.ndarray | None = None
    coverage_share: float = 1.0
    decay: str = "step"
    decay_start: float | None = None
    single_source: bool = True
    weighted_center: bool = False
    unserved_cost: float | None = None
    decay_beta: float | None = None
    decay_t0: float | None = None
    attendance: Minutes | None = None

    @property
    def n_cells(self) -> int:
        """Number of cells (rows of ``costs``)."""
        return int(np.shape(self.weights)[0]) if np.ndim(self.weights) else 0

    @property
    def n_sites(self) -> int:
        """Number of sites (columns of ``costs``)."""
        return len(self.site_ids)

    @property
    def candidate_index(self) -> np.ndarray:
        """Sorted indices of the sites that may be open (fixed ones included)."""
        if self.candidates is None:
            return np.arange(self.n_sites, dtype=np.int64)
        return np.unique(np.asarray(self.candidates, dtype=np.int64))

    def cell_name(self, i: int) -> str:
        """Name of cell ``i`` for messages (its id, else ``"row i"``)."""
        if self.cell_ids is not None and 0 <= i < len(self.cell_ids):
            return str(self.cell_ids[i])
        return f"row {i}"

    def cell_names(self, rows: np.ndarray) -> str:
        """Names of some cells for messages: the first ten, then how many more.

        Parameters
        ----------
        rows
            Cell rows.

        Returns
        -------
        str
            For example ``"c1, c2, ... c10 and 5 more"``.
        """
        shown = ", ".join(self.cell_name(int(i)) for i in rows[:_MAX_LISTED])
        more = f" and {len(rows) - _MAX_LISTED} more" if len(rows) > _MAX_LISTED else ""
        return f"{shown}{more}"

    def check(self, *, model: str = "pmedian") -> None:
        """Check the problem for ``model``; see :func:`validate_problem`.

        Parameters
        ----------
        model
            {"pmedian", "max_coverage", "set_cover", "pcenter", "max_attendance"}
        """
        validate_problem(self, model=model)


# --------------------------------------------------------------------------------------------
# prechecks


def _check_weights(problem: Problem, problems: list[tuple[str, str]]) -> np.ndarray | None:
    w = np.asarray(problem.weights)
    if w.ndim != 1 or not np.issubdtype(w.dtype, np.number):
        problems.append(("weights", f"weights must be a 1-D numeric array, got shape {w.shape}"))
        return None
    w = w.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        problems.append(
            (
                "weights",
                f"{bad.size} weights are NaN, infinite or negative (cells {problem.cell_names(bad)})",
            )
        )
    return w


def _check_costs(problem: Problem, n_cells: int, problems: list[tuple[str, str]]) -> bool:
    costs = problem.costs
    shape = costs.shape if (sp.issparse(costs) or isinstance(costs, np.ndarray)) else None
    if shape is None or len(shape) != 2:
        problems.append(("costs", "costs must be a 2-D numpy array or a scipy sparse matrix"))
        return False
    if shape != (n_cells, problem.n_sites):
        problems.append(
            (
                "costs",
                f"costs has shape {shape}, expected (n_cells, n_sites) = "
                f"({n_cells}, {problem.n_sites}) from weights and site_ids",
            )
        )
        return False
    values = costs if isinstance(costs, np.ndarray) else costs.tocsr().data
    if not np.issubdtype(values.dtype, np.number):
        problems.append(("costs", f"costs must be numeric, got dtype {values.dtype}"))
        return False
    n_nan = int(np.count_nonzero(np.isnan(values)))
    n_neg = int(np.count_nonzero(values < 0))
    if n_nan or n_neg:
        problems.append(("costs", f"costs hold {n_nan} NaN and {n_neg} negative minutes"))
        return False
    return True


def _check_sites(problem: Problem, problems: list[tuple[str, str]]) -> None:
    n = problem.n_sites
    if len(set(problem.site_ids)) != n:
        problems.append(
            ("site_ids", f"site_ids repeat: {n} ids, {len(set(problem.site_ids))} distinct")
        )
    idx = [*problem.fixed, *(problem.candidates or ())]
    bad = sorted({int(i) for i in idx if not (0 <= int(i) < n)})
    if bad:
        problems.append(
            (
                "fixed/candidates",
                f"site indices {bad[:_MAX_LISTED]} are not among the {n} sites (0..{n - 1})",
            )
        )
        return
    if problem.candidates is not None:
        missing = sorted(set(problem.fixed) - {int(i) for i in problem.candidates})
        if missing:
            ids = [problem.site_ids[i] for i in missing[:_MAX_LISTED]]
            problems.append(
                ("fixed", f"fixed sites {ids} ({len(missing)} in all) are not among the candidates")
            )


def _check_options(problem: Problem, model: str, problems: list[tuple[str, str]]) -> None:
    n_cand = int(problem.candidate_index.size)
    n_fixed = len(set(problem.fixed))
    if model in ("pmedian", "max_coverage", "pcenter", "max_attendance"):
        p = problem.p
        if p is None or isinstance(p, bool) or int(p) != p:
            problems.append(("p", f"{model} needs p, the total number of open sites, got {p!r}"))
        elif p > n_cand:
            problems.append(("p", f"p = {p} is larger than the {n_cand} candidate sites"))
        elif not problem.allow_closing and p < n_fixed:
            problems.append(
                (
                    "p",
                    f"p = {p} is smaller than the {n_fixed} existing sites kept open (p counts them)",
                )
            )
        elif p < 1:
            problems.append(("p", f"p = {p}; at least one site must open"))
    if model in ("max_coverage", "set_cover"):
        t = problem.limit
        if t is None or not math.isfinite(t) or t < 0:
            problems.append(("limit", f"{model} needs limit, T minutes >= 0, got {t!r}"))
    if model == "max_coverage":
        if problem.decay not in DECAYS:
            problems.append(("decay", f"decay {problem.decay!r} is not one of {DECAYS}"))
        s = problem.decay_start
        if s is not None and (
            not math.isfinite(s) or s < 0 or (problem.limit is not None and s > problem.limit)
        ):
            problems.append(
                ("decay_start", f"decay_start = {s!r} must lie in [0, limit = {problem.limit}]")
            )
    if model == "max_attendance":
        _check_attendance(problem, problems)
    if model == "set_cover":
        share = problem.coverage_share
        if not (0 < share <= 1):
            problems.append(("coverage_share", f"coverage_share = {share!r} must lie in (0, 1]"))
        if problem.site_costs is not None:
            c = np.asarray(problem.site_costs, dtype=np.float64)
            if c.shape != (problem.n_sites,) or not np.all(np.isfinite(c)) or np.any(c < 0):
                problems.append(
                    (
                        "site_costs",
                        f"site_costs must be {problem.n_sites} finite numbers >= 0 (shape {c.shape})",
                    )
                )
    if problem.capacities is not None:
        cap = np.asarray(problem.capacities, dtype=np.float64)
        if model != "pmedian":
            problems.append(
                ("capacities", f"capacities apply to the p-median model only, not {model}")
            )
        elif cap.shape != (problem.n_sites,) or np.any(cap < 0) or np.any(np.isposinf(cap)):
            problems.append(
                (
                    "capacities",
                    f"capacities must be {problem.n_sites} numbers >= 0 or NaN (shape {cap.shape})",
                )
            )
    u = problem.unserved_cost
    if u is not None and (not math.isfinite(u) or u < 0):
        problems.append(("unserved_cost", f"unserved_cost = {u!r} must be finite and >= 0"))


def _check_attendance(problem: Problem, problems: list[tuple[str, str]]) -> None:
    """Maximal attendance: the decay and its parameters, or the attendance shares."""
    share = problem.attendance
    if share is None:
        problems.extend(
            decay_problems(
                problem.decay, beta=problem.decay_beta, t0=problem.decay_t0, cutoff=problem.limit
            )
        )
        if problem.decay in ("step", "linear") and problem.limit is None:
            problems.append(("limit", f"{problem.decay} decay needs limit, T minutes >= 0"))
        return
    if not (sp.issparse(share) or isinstance(share, np.ndarray)) or share.shape != (
        problem.n_cells,
        problem.n_sites,
    ):
        shape = getattr(share, "shape", None)
        expected = (problem.n_cells, problem.n_sites)
        problems.append(("attendance", f"attendance must be a {expected} matrix, got {shape}"))
        return
    values = sp.csr_array(share).data if sp.issparse(share) else np.asarray(share)
    if not np.issubdtype(values.dtype, np.number):
        problems.append(("attendance", f"attendance must be numeric, got dtype {values.dtype}"))
        return
    bad = int(np.count_nonzero(~((values >= 0) & (values <= 1))))
    if bad:
        problems.append(("attendance", f"{bad} attendance shares are NaN or outside [0, 1]"))


def _report(problems: list[tuple[str, str]]) -> None:
    if not problems:
        return
    fields = ", ".join(dict.fromkeys(f for f, _ in problems))
    msg = f"{len(problems)} problem(s) in the location problem: " + "; ".join(
        m for _, m in problems
    )
    raise InputError(msg, field=fields, fix="correct the listed values before solving")


def _check_feasibility(problem: Problem, model: str, w: np.ndarray, pairs: Pairs) -> None:
    positive = w > 0
    if model in ("pmedian", "pcenter") and (model == "pcenter" or problem.unserved_cost is None):
        lost = np.flatnonzero(positive & ~pairs.reached())
        if lost.size:
            msg = (
                f"{lost.size} cell(s) of positive weight ({w[lost].sum():.6g} of {w.sum():.6g} "
                f"demand) are unreachable from every candidate site: {problem.cell_names(lost)}"
            )
            raise InputError(
                msg,
                field="costs",
                fix="add a candidate that reaches them, set their weight to 0, or set unserved_cost",
            )
    if model == "set_cover":
        near = pairs.reached(float(problem.limit or 0.0))
        lost = np.flatnonzero(positive & ~near)
        total = float(w.sum())
        if problem.coverage_share >= 1 and lost.size:
            msg = (
                f"{lost.size} cell(s) of positive weight ({w[lost].sum():.6g} of {total:.6g} demand) "
                f"are beyond {problem.limit:g} minutes of every candidate site: {problem.cell_names(lost)}"
            )
            raise InputError(
                msg,
                field="limit",
                fix="raise limit, add candidates near them, or set coverage_share below 1",
            )
        reachable = float(w[near].sum())
        if reachable < problem.coverage_share * total * (1 - 1e-12):
            msg = (
                f"coverage target {problem.coverage_share:.6g} of demand cannot be met: all candidates together "
                f"reach {reachable:.6g} of {total:.6g} ({reachable / total if total else 0:.4%}) within "
                f"{problem.limit:g} minutes"
            )
            raise InfeasibleError(msg)
    if model == "pmedian" and problem.capacities is not None:
        _check_capacity(problem, w, problem.candidate_index)


def _check_capacity(problem: Problem, w: np.ndarray, cand: np.ndarray) -> None:
    cap = np.asarray(problem.capacities, dtype=np.float64)[cand]
    cap = np.where(np.isnan(cap), math.inf, cap)
    p = int(problem.p or 0)
    forced = np.isin(cand, np.asarray(problem.fixed, dtype=np.int64)) & (not problem.allow_closing)
    free = np.sort(cap[~forced])[::-1]
    best = float(cap[forced].sum() + free[: max(p - int(forced.sum()), 0)].sum())
    demand = float(w.sum())
    if best < demand * (1 - 1e-12):
        msg = (
            f"capacities cannot serve the total demand: the {p} open sites hold at most {best:.6g} "
            f"but demand is {demand:.6g} (short by {demand - best:.6g})"
        )
        raise InfeasibleError(msg)
    if problem.single_source:
        big = float(np.max(cap)) if cap.size else 0.0
        too_big = np.flatnonzero(w > big * (1 + 1e-12))
        if too_big.size:
            msg = (
                f"{too_big.size} cell(s) need more than the largest capacity {big:.6g} and cannot be "
                f"served by one site: {problem.cell_names(too_big)} (largest demand {w.max():.6g})"
            )
            raise InfeasibleError(msg)


def validate_problem(
    problem: Problem,
    *,
    model: Literal["pmedian", "max_coverage", "set_cover", "pcenter", "max_attendance"]
    | str = "pmedian",
) -> None:
    """Check a problem before any solver runs; report every problem at once.

    Parameters
    ----------
    problem
        The problem to check.
    model
        {"pmedian", "max_coverage", "set_cover", "pcenter", "max_attendance"} The model it is meant for (decides
        which fields are required).

    Raises
    ------
    InputError
        Listing every bad value: shapes, NaN or negative weights or costs, unknown or repeated
        sites, fixed sites not among the candidates, p out of range, a missing limit, cells that
        no candidate reaches (within the limit for set cover).
    InfeasibleError
        When the data are well-formed but no solution can exist: capacities below the demand
        (by how much), or a coverage share above what all candidates together reach.
    """
    checked_pairs(problem, model=model)


def checked_pairs(problem: Problem, *, model: str) -> Pairs:
    """Check a problem like :func:`validate_problem` and return its costs in the internal form.

    The costs are read once: the reachability checks and every model then use these pairs.

    Parameters
    ----------
    problem
        The problem to check.
    model
        {"pmedian", "max_coverage", "set_cover", "pcenter", "max_attendance"}

    Returns
    -------
    Pairs
        The reachable (cell, candidate) pairs, sorted.

    Raises
    ------
    InputError
        See :func:`validate_problem`.
    InfeasibleError
        See :func:`validate_problem`.
    """
    if model not in MODELS:
        msg = f"unknown model {model!r}"
        raise InputError(msg, field="model", fix=f"use one of {', '.join(MODELS)}")
    problems: list[tuple[str, str]] = []
    w = _check_weights(problem, problems)
    if len(problem.site_ids) == 0:
        problems.append(("site_ids", "there are no sites"))
    if problem.cell_ids is not None and w is not None and len(problem.cell_ids) != w.shape[0]:
        problems.append(("cell_ids", f"{len(problem.cell_ids)} cell_ids for {w.shape[0]} weights"))
    if w is not None:
        _check_costs(problem, w.shape[0], problems)
    _check_sites(problem, problems)
    if not problems:
        _check_options(problem, model, problems)
    _report(problems)
    assert w is not None
    pairs = read_pairs(problem.costs, problem.candidate_index)
    _check_feasibility(problem, model, w, pairs)
    return pairs
