"""The cost model: a run's demand and travel times joined into the location problem it asks.

:func:`group_costs` turns per-group travel times and face-to-face visits into one visit-weighted
cost per cell and site; :func:`build_problem` adds the scenario's sites, objective and capacities.
:func:`searches_cut_by` says which always-open sites may cut the travel-time searches without
changing any figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .config import Scenario
from .contracts import Area
from .errors import InputError
from .locate import Problem
from .minutes import Minutes
from .network import TravelTimes

__all__ = [
    "attendance",
    "build_problem",
    "capacities",
    "group_costs",
    "searches_cut_by",
    "site_costs",
]


def group_costs(
    weights: np.ndarray,
    times: TravelTimes,
    group_ids: list[str],
    *,
    kept: Sequence[int] = (),
) -> Minutes:
    """Return the visit-weighted mean minutes over groups, per cell and site (the p-median cost).

    float64, in the form of the travel times: dense with ``inf`` where unreachable, or a CSR
    array of the reachable pairs. A pair is reachable when every group with visits in the cell
    reaches it (every group, for a cell without visits, whose cost is then the plain mean).
    Pairs slower than the cell's nearest site among ``kept`` (sites that stay open whatever
    the solution) can never serve it and are left out, ties kept: no solution changes, and a
    county's problem shrinks several times over.

    Parameters
    ----------
    weights
        Face-to-face visits per cell and group, ``(n_cells, n_groups)``.
    times
        The run's travel times (per group, dense or sparse).
    group_ids
        The groups, in the order of the columns of ``weights``.
    kept
        Site positions that stay open whatever the solution.

    Returns
    -------
    numpy.ndarray or scipy.sparse.csr_array
        float64 ``(n_cells, n_sites)`` in the form of ``times``.
    """
    total = weights.sum(axis=1)
    n_groups, n_sites = len(group_ids), len(times.site_ids)
    kept_columns = np.asarray(kept, dtype=np.int64)

    def mean(chunks: list[np.ndarray], rows: slice) -> np.ndarray:
        shape = (rows.stop - rows.start, n_sites)
        acc, fallback = np.zeros(shape), np.zeros(shape)
        with np.errstate(invalid="ignore"):  # 0 visits x inf minutes: that group does not count
            for gi, t in enumerate(chunks):
                w = weights[rows, gi][:, None]
                acc += np.where(w > 0, w * t, 0.0)
                fallback += t / n_groups
        part = total[rows][:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(part > 0, acc / np.maximum(part, 1e-300), fallback)
        if kept_columns.size:
            nearest = out[:, kept_columns].min(axis=1)
            out[out > nearest[:, None]] = np.inf
        return out

    return times.combine_groups(group_ids, mean)


def build_problem(
    scenario: Scenario, area: Area, weights: np.ndarray, times: TravelTimes
) -> Problem:
    """Turn a run's weights and travel times into the location problem its objective asks for.

    Parameters
    ----------
    scenario, area, weights, times
        The run's inputs so far.

    Returns
    -------
    Problem
        Weights = face-to-face visits per cell (all groups), costs = visit-weighted mean minutes
        over the groups' mode mixes (a float64 CSR array of the reachable pairs when the travel
        times are sparse, dense otherwise) without the pairs slower than the cell's nearest
        kept existing site (they cannot serve it), existing sites fixed (unless the scenario
        frees them), ``p`` = existing + new sites.
    """
    site_ids = tuple(str(s) for s in area.sites.index)
    existing = set(area.existing)
    fixed = tuple(i for i, s in enumerate(site_ids) if s in existing)
    obj = scenario.objective
    p = None if obj.model == "set_cover" else len(fixed) + obj.new_sites
    caps = capacities(scenario, area)
    shares = attendance(scenario, area, weights, times)
    # pairs slower than the nearest kept site can never serve a cell -- unless capacities bind,
    # or each group's own decay may prefer a site the mean minutes do not
    kept = fixed if obj.keep_existing and caps is None and shares is None else ()
    return Problem(
        weights=weights.sum(axis=1),
        costs=group_costs(weights, times, [g.id for g in area.groups], kept=kept),
        site_ids=site_ids,
        fixed=fixed,
        candidates=None,
        p=p,
        capacities=caps,
        limit=obj.limit_minutes,
        allow_closing=not obj.keep_existing,
        cell_ids=tuple(str(c) for c in area.cells.index),
        site_costs=site_costs(scenario, area),
        coverage_share=obj.coverage_share,
        decay=obj.decay,
        decay_start=obj.decay_start,
        decay_beta=obj.decay_beta,
        decay_t0=obj.decay_t0,
        attendance=shares,
        single_source=not obj.split_demand,
        weighted_center=obj.weighted_center,
    )


def attendance(
    scenario: Scenario, area: Area, weights: np.ndarray, times: TravelTimes
) -> Minutes | None:
    """Share of each cell's visits made at each site under the groups' own decays, or None.

    For ``max_attendance`` without an ``objective.decay`` of its own ("exponential" or "power",
    which every group then shares): each group's visits decay with its own journey time
    (:attr:`CustomerGroup.decay`; a group without one makes all its visits, up to
    ``objective.limit_minutes`` when set), and a cell's share is the visit-weighted mean over
    its groups (the plain mean for a cell without visits).

    Parameters
    ----------
    scenario, area, weights, times
        The run's inputs.

    Returns
    -------
    numpy.ndarray or scipy.sparse.csr_array or None
        ``(n_cells, n_sites)`` shares in [0, 1], dense or CSR (only the positive shares) like
        the times; None for other models and for an objective's own decay.

    Raises
    ------
    InputError
        For ``max_attendance`` with no decay anywhere (no group's, no objective's and no
        ``objective.limit_minutes`` for a step or linear one).
    """
    obj = scenario.objective
    if obj.model != "max_attendance" or obj.decay in ("exponential", "power"):
        return None
    groups = area.groups
    if not any(g.decay is not None for g in groups):
        if obj.limit_minutes is not None:
            return None  # the objective's step or linear decay up to its limit
        msg = "max_attendance needs visits that fall with journey time, and none do"
        raise InputError(
            msg,
            file=scenario.source_path,
            field="objective.decay",
            fix="give the groups a decay (groups file), or set objective.decay = 'exponential' "
            "with decay_beta, or objective.limit_minutes",
        )
    total = weights.sum(axis=1)
    limit = obj.limit_minutes

    def share(chunks: list[np.ndarray], rows: slice) -> np.ndarray:
        acc = np.zeros_like(chunks[0])
        plain = np.zeros_like(chunks[0])
        for gi, (g, t) in enumerate(zip(groups, chunks, strict=True)):
            if g.decay is not None:
                f = g.decay.factor(t)
            else:
                f = np.where(np.isfinite(t) & (t <= (np.inf if limit is None else limit)), 1.0, 0.0)
            acc += weights[rows, gi][:, None] * f
            plain += f / len(groups)
        part = total[rows][:, None]
        out = np.where(part > 0, acc / np.maximum(part, 1e-300), plain)
        return np.where(out > 0, np.minimum(out, 1.0), np.inf)

    combined = times.combine_groups([g.id for g in groups], share)
    if isinstance(combined, np.ndarray):
        return np.where(np.isfinite(combined), combined, 0.0)
    return combined


def capacities(scenario: Scenario, area: Area) -> np.ndarray | None:
    """Return the site capacities in visits per year (the weights' unit), or None.

    Parameters
    ----------
    scenario, area
        The run's scenario and study area.

    Returns
    -------
    numpy.ndarray or None
        Visits per year per site (``nan`` where a site has none), or None when the scenario
        does not use capacities or no site has one.
    """
    if not scenario.objective.capacities or "capacity" not in area.sites.columns:
        return None
    per_month = area.sites["capacity"].to_numpy(dtype=float)
    return per_month * 12.0 if np.isfinite(per_month).any() else None


def site_costs(scenario: Scenario, area: Area) -> np.ndarray | None:
    """Return the per-site costs a least-cost set cover asks for, or None.

    Parameters
    ----------
    scenario, area
        The run's scenario and study area.

    Returns
    -------
    numpy.ndarray or None
        The values of ``objective.site_cost_column`` (NaN where not a number), or None when it
        is not set.

    Raises
    ------
    InputError
        When the sites have no such column.
    """
    column = scenario.objective.site_cost_column
    if column is None:
        return None
    if column not in area.sites.columns:
        msg = f"the sites have no column {column!r} (columns: {sorted(c for c in area.sites.columns if c != 'geometry')})"
        raise InputError(
            msg,
            file=scenario.source_path,
            field="objective.site_cost_column",
            fix="name a numeric column of the sites table",
        )
    values: np.ndarray = pd.to_numeric(area.sites[column], errors="coerce").to_numpy(dtype=float)
    return values


def searches_cut_by(scenario: Scenario, area: Area) -> tuple[str, ...]:
    """Existing sites whose nearness may cut the travel-time searches, or () when it may not.

    Every objective here reads, per cell, only the nearest open site (its time, its cover, its
    credit), and existing sites that may not close are open in every solution: a site slower
    than the cell's nearest one of them never serves it. So the searches can stop there
    (:func:`gateway_planner.network.travel_times` ``kept_sites``), several times faster at
    county scale. Not with capacities (a cell may then go to a farther site), nor when existing
    sites may close, nor with several modes (a group's mix can prefer a site no mode does).

    Parameters
    ----------
    scenario, area
        The run's scenario and study area.

    Returns
    -------
    tuple of str
        The kept sites' ids (empty: full searches).
    """
    if len(scenario.network.modes) != 1 or not scenario.objective.keep_existing:
        return ()
    if capacities(scenario, area) is not None:
        return ()
    return tuple(area.existing)
