"""Where the sites lie and whom they reach: checks once travel times and a solution are known.

Sites outside the study area (and whether swapped coordinates would put them inside), sites and
cells that no journey joins, proposed sites that would serve no one; each message names the
scenario's keys and the likely cause. :mod:`gateway_planner.checks` is the public face.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyproj
import shapely

from .config import Scenario
from .contracts import Area, Evaluation
from .errors import GatewayPlannerWarning, InputError
from .locate import Problem, Solution
from .minutes import Minutes, is_sparse
from .network import TravelTimes

__all__ = ["check_reach", "check_solution", "listed", "sites_label", "sites_outside", "swap_hint"]

_SHOWN = 5
_MONTHS = 12.0


def sites_label(scenario: Scenario, area: Area) -> str:
    """Name the sites file as the scenario does (relative to its folder), for messages."""
    path = scenario.sites.file or area.inputs.get("pilot.sites")
    if path is None:
        return f"pilot:{area.id}"
    if scenario.source_path is None:
        return Path(path).name
    try:
        return os.path.relpath(path, scenario.source_path.resolve().parent)
    except ValueError:  # pragma: no cover - another drive (Windows)
        return str(path)


def listed(ids: Sequence[str]) -> str:
    """List ids for a message: the first five, then how many more."""
    shown = ", ".join(str(i) for i in ids[:_SHOWN])
    return f"{shown} and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else shown


def sites_outside(area: Area) -> np.ndarray:
    """Per site, whether it lies outside the study area."""
    outline = area.outline
    shapely.prepare(outline)
    inside: np.ndarray = shapely.covers(
        outline, np.asarray(area.sites.geometry.array, dtype=object)
    )
    return ~inside


def swap_hint(area: Area, outside: np.ndarray) -> str:
    """Say how the coordinates of sites outside the area were likely mistaken, if they were.

    Parameters
    ----------
    area
        The study area.
    outside
        Per site, whether to consider it (those outside the area).

    Returns
    -------
    str
        ``"; lon/lat swapped? Swapping them puts N inside"`` (or x/y swapped, or x, y given in
        degrees) when that reading puts at least half of them inside the area; else ``""``.
    """
    points = area.sites.geometry[outside]
    outline = area.outline
    shapely.prepare(outline)
    xy = shapely.get_coordinates(np.asarray(points.array, dtype=object))
    lonlat = shapely.get_coordinates(np.asarray(points.to_crs(4326).array, dtype=object))
    back = pyproj.Transformer.from_crs(4326, area.crs, always_xy=True)
    degrees = (np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90)
    with np.errstate(invalid="ignore"):
        readings = {
            "lon/lat swapped? Swapping them puts {n} inside": np.column_stack(
                back.transform(lonlat[:, 1], lonlat[:, 0])
            ),
            "x/y swapped? Swapping them puts {n} inside": xy[:, ::-1],
            "x, y look like degrees: name those columns lon, lat ({n} then lie inside)": (
                np.column_stack(back.transform(xy[:, 0], xy[:, 1]))
                if degrees.all()
                else np.full_like(xy, np.nan)
            ),
        }
    for hint, coords in readings.items():
        finite = np.isfinite(coords).all(axis=1)
        inside = np.zeros(len(coords), dtype=bool)
        inside[finite] = shapely.covers(outline, shapely.points(coords[finite]))
        if len(coords) and inside.mean() >= 0.5:
            return "; " + hint.format(n=int(inside.sum()))
    return ""


def _pairs(costs: Minutes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and minutes of the reachable pairs of either form."""
    if is_sparse(costs):
        coo = costs.tocoo()
        return np.asarray(coo.row), np.asarray(coo.col), np.asarray(coo.data)
    rows, cols = np.nonzero(np.isfinite(costs))
    return rows, cols, np.asarray(costs)[rows, cols]


def _unreached_sites(times: TravelTimes) -> np.ndarray:
    """Per site, whether no cell reaches it by any mode."""
    reached = np.zeros(len(times.site_ids), dtype=bool)
    for mode in times.by_mode:
        _rows, cols, _minutes = _pairs(times.for_mode(mode))
        reached[cols] = True
    return ~reached


def _cause(scenario: Scenario, area: Area, times: TravelTimes, ids: Sequence[str]) -> str:
    """Say why sites likely reach no one."""
    outside = dict(zip(area.sites.index, sites_outside(area), strict=True))
    out = [s for s in ids if outside[s]]
    if out:
        mask = area.sites.index.isin(out)
        return f"{len(out)} of them lie outside the study area{swap_hint(area, mask)}"
    off = {s for snap in times.snapping.values() for s in snap.get("unreachable_site_ids", ())}
    if any(s in off for s in ids):
        return (
            f"they are more than network.max_snap_m = {scenario.network.max_snap_m:g} m from "
            "the network"
        )
    limit = scenario.network.limit_minutes
    if limit is not None:
        return f"no cell reaches them within network.limit_minutes = {limit:g}"
    return "the network does not join them to the cells"


def check_reach(scenario: Scenario, area: Area, times: TravelTimes, problem: Problem) -> None:
    """Check, before solving, that the sites can serve the cells the question asks about.

    Parameters
    ----------
    scenario, area
        The run's scenario and study area.
    times
        Its travel times.
    problem
        The location problem built from them.

    Raises
    ------
    InputError
        When no candidate site is reached from any cell; when cells with demand are reached by
        no site (p-median, p-center); when set cover's cells lie beyond
        ``objective.limit_minutes`` of every site or its ``coverage_share`` is out of reach.

    Warns
    -----
    GatewayPlannerWarning
        When an existing site is reached from no cell (today's figures leave it out).
    """
    obj = scenario.objective
    ids = np.asarray(times.site_ids, dtype=object)
    status = area.sites["status"].reindex(ids).to_numpy()
    idle = _unreached_sites(times) if not times.kept_sites else np.zeros(len(ids), dtype=bool)
    candidates = status == "candidate"
    wanted = obj.new_sites > 0 or obj.model == "set_cover"
    if wanted and candidates.any() and idle[candidates].all():
        lost = list(ids[candidates])
        msg = (
            f"none of the {len(lost)} candidate sites in {sites_label(scenario, area)} is "
            f"reached from any cell: {_cause(scenario, area, times, lost)}"
        )
        raise InputError(
            msg,
            file=scenario.source_path,
            field="sites.file",
            fix="check the sites' coordinates (x, y in the area's CRS, or lon, lat) and "
            "network.max_snap_m",
        )
    lost_today = list(ids[idle & (status == "existing")])
    if lost_today:
        msg = (
            f"{sites_label(scenario, area)}: existing sites {listed(lost_today)} are reached from "
            f"no cell ({_cause(scenario, area, times, lost_today)}); today's figures leave "
            "them out"
        )
        warnings.warn(msg, GatewayPlannerWarning, stacklevel=2)
    _check_cells(scenario, problem)


def _check_cells(scenario: Scenario, problem: Problem) -> None:
    obj = scenario.objective
    weights = np.asarray(problem.weights, dtype=float)
    rows, _cols, minutes = _pairs(problem.costs)
    total = float(weights.sum()) / _MONTHS

    def unreached(within: float) -> np.ndarray:
        reached = np.zeros(weights.size, dtype=bool)
        reached[rows[minutes <= within]] = True
        return np.flatnonzero(~reached & (weights > 0))

    def names(cells: np.ndarray) -> str:
        return listed([problem.cell_name(int(i)) for i in cells])

    if obj.model in ("pmedian", "pcenter"):
        lost = unreached(math.inf)
        if lost.size:
            limit = scenario.network.limit_minutes
            why = (
                f"beyond network.limit_minutes = {limit:g} of every site"
                if limit is not None
                else "off the network or not joined to any site"
            )
            msg = (
                f"{lost.size} cells with face-to-face demand ({weights[lost].sum() / _MONTHS:,.0f} "
                f"of {total:,.0f} visits a month) are {why}: {names(lost)}"
            )
            raise InputError(
                msg,
                file=scenario.source_path,
                field="network.limit_minutes" if limit is not None else "network.max_snap_m",
                fix="raise network.limit_minutes or network.max_snap_m, or add candidate sites "
                "near those cells",
            )
    if obj.model == "set_cover":
        limit = float(obj.limit_minutes or 0.0)
        lost = unreached(limit)
        if obj.coverage_share >= 1 and lost.size:
            msg = (
                f"{lost.size} cells with face-to-face demand ({weights[lost].sum() / _MONTHS:,.0f} "
                f"of {total:,.0f} visits a month) are beyond objective.limit_minutes = {limit:g} "
                f"of every site: {names(lost)}"
            )
            raise InputError(
                msg,
                file=scenario.source_path,
                field="objective.limit_minutes",
                fix="raise objective.limit_minutes, add candidate sites near those cells, or set "
                "objective.coverage_share below 1",
            )
        within = 1.0 - float(weights[lost].sum()) / float(weights.sum() or 1.0)
        if within < obj.coverage_share * (1 - 1e-12):
            msg = (
                f"objective.coverage_share = {obj.coverage_share:g} cannot be met: all sites "
                f"together bring {within:.1%} of face-to-face visits within "
                f"objective.limit_minutes = {limit:g}"
            )
            raise InputError(
                msg,
                file=scenario.source_path,
                field="objective.coverage_share",
                fix=f"set objective.coverage_share to {math.floor(within * 1000) / 1000:g} or "
                "less, or raise objective.limit_minutes",
            )


def check_solution(
    scenario: Scenario,
    area: Area,
    times: TravelTimes,
    problem: Problem,
    solution: Solution,
    proposed: Evaluation,
) -> None:
    """Refuse a proposal that opens a site serving no one, with the likely cause.

    Parameters
    ----------
    scenario, area, times, problem, solution
        The run so far.
    proposed
        The figures of the solution's sites.

    Raises
    ------
    InputError
        When a proposed (new) site serves no cell, neither in the solution nor as the nearest
        open site of anyone.
    """
    existing = set(area.existing)
    new = [s for s in solution.open_sites if s not in existing]
    if not new:
        return
    weights = np.asarray(problem.weights, dtype=float)
    served: set[str] = set()
    assigned = np.asarray(solution.assignment)[
        (weights > 0) & (np.asarray(solution.assignment) >= 0)
    ]
    served |= {problem.site_ids[int(k)] for k in np.unique(assigned)}
    if solution.shares is not None:
        served |= {problem.site_ids[int(k)] for k in np.unique(solution.shares.tocoo().col)}
    people = proposed.sites["people"].reindex(new).fillna(0.0)
    idle = [s for s in new if s not in served and not people[s] > 0]
    if not idle:
        return
    unreached = set(np.asarray(times.site_ids, dtype=object)[_unreached_sites(times)])
    if any(s in unreached for s in idle) or bool(
        sites_outside(area)[area.sites.index.isin(idle)].any()
    ):
        cause = _cause(scenario, area, times, idle)
    else:
        cause = "every cell is nearer another open site"
    useful = len(new) - len(idle)
    msg = f"the proposed site{'s' if len(idle) > 1 else ''} {listed(idle)} would serve no one: {cause}"
    raise InputError(
        msg,
        file=scenario.source_path,
        field="objective.new_sites",
        fix=f"set objective.new_sites to {useful} or less, or check the candidate sites "
        "(their coordinates, and whether they lie where people are)",
    )
