"""Run a scenario end to end: the only place that knows the order of the stages.

area -> face-to-face weights -> networks -> travel times -> location problem -> solution ->
evaluation (today's sites and the proposed ones) -> map, tables, GeoPackage and summary.

Outputs are staged in a temporary folder and moved into place only when every file is written,
so a run that fails halfway leaves nothing behind.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import settings
from ._io import file_digest, staged_directory
from ._version import __version__
from .area import Area, load_area
from .cluster import dask_client
from .config import Scenario, load_scenario
from .demand import face_to_face_weights
from .evaluate import Evaluation, evaluate
from .locate import Problem, Solution, solve
from .network import Network, TravelTimes, load_graph, travel_times

__all__ = [
    "DEMO_SCENARIOS",
    "RunResult",
    "banners",
    "build_networks",
    "build_problem",
    "demo_scenarios",
    "run_scenario",
    "searches_cut_by",
    "validate_scenario",
    "write_outputs",
]

logger = logging.getLogger(__name__)

#: the pilot scenarios `gateway-planner demo` runs, in the repository's scenarios/ folder
DEMO_SCENARIOS: tuple[str, ...] = ("sheerness.toml", "fauquembergues.toml")

NETWORK_LABELS = {
    "proxy": "proxy network (no road data: straight-line links between populated cells, assumed speeds)",
    "osm": "OpenStreetMap road network (downloaded)",
    "file": "OpenStreetMap road network (local file)",
    "graphml": "road network (GraphML file)",
}


@dataclass(frozen=True)
class RunResult:
    """Everything a scenario run produced.

    Attributes
    ----------
    scenario, area
        The inputs.
    weights
        Face-to-face visits per year, (n_cells, n_groups).
    networks
        The network of each mode.
    times
        Travel times (cells x sites) per mode and per group.
    problem, solution
        The location problem and its solution.
    current, proposed
        Figures with today's sites only and with the solution's sites.
    summary
        Key figures and provenance (what ``summary.json`` holds).
    folder
        Where outputs were written, or None.
    """

    scenario: Scenario
    area: Area
    weights: np.ndarray
    networks: Mapping[str, Network]
    times: TravelTimes
    problem: Problem
    solution: Solution
    current: Evaluation
    proposed: Evaluation
    summary: Mapping[str, Any]
    folder: Path | None


@contextmanager
def _stage(name: str) -> Iterator[None]:
    """Log a stage's start and its duration (the CLI shows these as progress)."""
    logger.info("%s ...", name)
    start = time.perf_counter()
    yield
    logger.info("%s done in %.1f s", name, time.perf_counter() - start)


def demo_scenarios() -> list[Path]:
    """Paths of the pilot scenarios shipped in the repository's ``scenarios/`` folder."""
    from .errors import InputError

    folder = Path(__file__).resolve().parent.parent / "scenarios"
    paths = [folder / name for name in DEMO_SCENARIOS]
    missing = [p for p in paths if not p.exists()]
    if missing:
        msg = f"pilot scenarios {[p.name for p in missing]} not found in {folder}"
        raise InputError(
            msg,
            file=folder,
            fix="run the demo from a clone of the repository (the scenarios/ folder ships there)",
        )
    return paths


def validate_scenario(scenario: Scenario | str | Path) -> Scenario:
    """Check a scenario and every input file it names, without computing anything.

    Parameters
    ----------
    scenario
        A scenario or the path of a scenario file.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    InputError
        Naming the file, the field and the fix of the first problem found.
    """
    from .errors import InputError

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    for field_name, path in scenario.input_files().items():
        if not Path(path).exists():
            msg = f"input file {path} not found"
            raise InputError(
                msg,
                file=scenario.source_path,
                field=field_name,
                fix="correct the path (relative paths are read from the scenario's folder)",
            )
    if scenario.area.pilot is not None:
        from . import pilot

        if scenario.area.pilot not in pilot.available:
            msg = f"unknown pilot area {scenario.area.pilot!r}"
            raise InputError(
                msg,
                file=scenario.source_path,
                field="area.pilot",
                fix=f"use one of {', '.join(pilot.available)}",
            )
    return scenario


def _group_costs(
    weights: np.ndarray,
    times: TravelTimes,
    group_ids: list[str],
    *,
    kept: tuple[int, ...] = (),
) -> Any:
    """Visit-weighted mean minutes over groups, per cell and site (the p-median cost).

    float64, in the form of the travel times: dense with ``inf`` where unreachable, or a CSR
    array of the reachable pairs. A pair is reachable when every group with visits in the cell
    reaches it (every group, for a cell without visits, whose cost is then the plain mean).
    Pairs slower than the cell's nearest site among ``kept`` (sites that stay open whatever
    the solution) can never serve it and are left out, ties kept: no solution changes, and a
    county's problem shrinks several times over.
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
    capacities = _capacities(scenario, area)
    # pairs slower than the nearest kept site can never serve a cell -- unless capacities bind
    kept = fixed if obj.keep_existing and capacities is None else ()
    return Problem(
        weights=weights.sum(axis=1),
        costs=_group_costs(weights, times, [g.id for g in area.groups], kept=kept),
        site_ids=site_ids,
        fixed=fixed,
        candidates=None,
        p=p,
        capacities=capacities,
        limit=obj.limit_minutes,
        allow_closing=not obj.keep_existing,
        cell_ids=tuple(str(c) for c in area.cells.index),
        site_costs=_site_costs(scenario, area),
        coverage_share=obj.coverage_share,
        decay=obj.decay,
        decay_start=obj.decay_start,
        single_source=not obj.split_demand,
        weighted_center=obj.weighted_center,
    )


def _capacities(scenario: Scenario, area: Area) -> np.ndarray | None:
    """Site capacities in visits per year (the weights' unit), or None when none is given."""
    if not scenario.objective.capacities or "capacity" not in area.sites.columns:
        return None
    per_month = area.sites["capacity"].to_numpy(dtype=float)
    return per_month * 12.0 if np.isfinite(per_month).any() else None


def _site_costs(scenario: Scenario, area: Area) -> np.ndarray | None:
    """Return the per-site costs a least-cost set cover asks for, or None."""
    from .errors import InputError

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
    return area.sites[column].to_numpy(dtype=float)


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
    if _capacities(scenario, area) is not None:
        return ()
    return tuple(area.existing)


def build_networks(
    scenario: Scenario, area: Area, *, client: Any = None
) -> tuple[dict[str, Network], TravelTimes]:
    """Build (or read from the cache) each mode's network and the cells x sites travel times.

    Parameters
    ----------
    scenario
        The run's scenario (its ``[network]`` table).
    area
        The study area (cells, sites, boundary, proxy parameters).
    client
        A connected ``dask.distributed.Client`` whose workers search the blocks of sites;
        None searches them in this process. The times are identical either way.

    Returns
    -------
    tuple of (dict of str to Network, TravelTimes)
        The times are sparse (pairs within ``network.limit_minutes``) when dense matrices would
        pass ``settings.dense_budget_bytes``; their searches are cut by the existing sites when
        :func:`searches_cut_by` allows it.
    """
    net = scenario.network
    networks: dict[str, Network] = {}
    tick = settings.progress
    for done, mode in enumerate(net.modes):
        if tick is not None:
            tick("networks", done, len(net.modes))
        with _stage(f"{mode} network ({net.source})"):
            networks[mode] = load_graph(
                net.source,
                mode=mode,
                crs=area.crs,
                boundary=area.outline,
                path=net.path,
                query=net.query,
                speeds=net.speed_tables(),
                cells=area.cells,
                sites=area.sites,
                proxy_params=area.proxy_params,
            )
    if tick is not None:
        tick("networks", len(net.modes), len(net.modes))
    with _stage("travel times"):
        times = travel_times(
            networks,
            area.cells,
            area.sites,
            groups=area.groups,
            limit_minutes=net.limit_minutes,
            walk_speed_kmh=net.walk_speed_kmh,
            max_snap_m=net.max_snap_m,
            client=client,
            kept_sites=searches_cut_by(scenario, area) or None,
        )
    return networks, times


def _relpath(path: Path, base: Path | None) -> str:
    try:
        return os.path.relpath(path, base) if base is not None else path.name
    except ValueError:  # different drives (Windows)
        return str(path)


def _site_points(area: Area, ids: tuple[str, ...]) -> list[dict[str, Any]]:
    pts = area.sites.loc[list(ids)].to_crs(4326)
    return [
        {"id": sid, "name": str(row["name"]), "lon": row.geometry.x, "lat": row.geometry.y}
        for sid, row in pts.iterrows()
    ]


def _summary(
    scenario: Scenario,
    area: Area,
    networks: Mapping[str, Network],
    times: TravelTimes,
    solution: Solution,
    current: Evaluation,
    proposed: Evaluation,
) -> dict[str, Any]:
    base = scenario.source_path.parent if scenario.source_path is not None else None
    kinds = sorted({n.kind for n in networks.values()})
    proposed_ids = tuple(s for s in solution.open_sites if s not in set(area.existing))
    assumptions = list(area.assumptions)
    if "proxy" in kinds:
        assumptions.insert(
            0, "Travel times come from a proxy network, not real roads: " + NETWORK_LABELS["proxy"]
        )
    if "walk" in networks:
        assumptions.append(
            "Journeys in a group's 'walk' share are on foot all the way (no bus or train is "
            "modelled yet), so long walking times stand for people without a car"
        )
    return {
        "scenario": {
            "name": scenario.name,
            "title": scenario.display_title,
            "file": None if scenario.source_path is None else _relpath(scenario.source_path, base),
            "digest": None if scenario.source_path is None else file_digest(scenario.source_path),
            "objective": scenario.objective.model_dump(mode="json"),
            "channel_shift": scenario.demand.channel_shift,
        },
        "software": {"gateway_planner": __version__},
        "area": {
            "id": area.id,
            "name": area.name,
            "crs": area.crs.to_string(),
            "cells": len(area.cells),
            "population": float(area.cells["population"].sum()),
            "sites": len(area.sites),
            "candidates": int((area.sites["status"] == "candidate").sum()),
            "boundary_units": len(area.boundary),
        },
        "demand": None if area.demand is None else area.demand.to_dict(),
        "inputs": {
            role: {"path": _relpath(Path(p), base), "digest": file_digest(p)}
            for role, p in sorted(area.inputs.items())
        },
        "network": {
            "kind": kinds[0] if len(kinds) == 1 else "mixed",
            "label": "; ".join(NETWORK_LABELS.get(k, k) for k in kinds),
            "modes": {
                mode: {
                    "nodes": net.graph.number_of_nodes(),
                    "edges": net.graph.number_of_edges(),
                    "provenance": dict(net.provenance),
                }
                for mode, net in sorted(networks.items())
            },
            "limit_minutes": scenario.network.limit_minutes,
            # searches stopped where these always-open sites were as near (exact for the
            # nearest-site figures reported here; empty when the searches were whole)
            "searches_cut_by": list(times.kept_sites),
            "snapping": {str(k): dict(v) for k, v in sorted(times.snapping.items())},
        },
        "solver": {
            "model": solution.model,
            "method": solution.method,
            "solver": solution.solver,
            "status": solution.status,
            "objective": solution.objective,
            "bound": solution.bound,
            "gap": solution.gap,
            "iterations": solution.iterations,
            "note": "wall time is left out so that reruns give identical files; see the log",
        },
        "sites": {
            "existing": _site_points(area, area.existing),
            "proposed": _site_points(area, proposed_ids),
            "open": list(solution.open_sites),
        },
        "groups": [
            {
                "id": g.id,
                "name": g.name,
                "source": g.source,
                "face_to_face": g.face_to_face,
                "visits_per_person_year": g.visits_per_person_year,
                "modes": dict(g.modes),
            }
            for g in area.groups
        ],
        "figures": {
            "current": current.groups.drop(columns="name").to_dict(orient="index"),
            "proposed": proposed.groups.drop(columns="name").to_dict(orient="index"),
        },
        "sources": list(area.sources),
        "assumptions": assumptions,
    }


def banners(summary: Mapping[str, Any]) -> list[str]:
    """Notices every page of a run carries: proxy network, assumed data."""
    out = []
    if summary["network"]["kind"] in {"proxy", "mixed"}:
        out.append(
            "Proxy network: journey times are estimated from straight-line links and assumed speeds, not real roads."
        )
    if summary["assumptions"]:
        out.append(
            "Assumed data: customer groups, channel shares and some locations are assumptions (see summary.json)."
        )
    return out


def _shared_inputs(scenario: Scenario) -> dict[str, Any]:
    """Return the scenario keys that decide its area, networks and travel times."""
    data = scenario.model_dump(
        mode="json", exclude={"name", "title", "description", "objective", "output"}
    )
    data["demand"].pop("channel_shift", None)
    return data


def run_scenario(
    scenario: Scenario | str | Path,
    *,
    folder: str | Path | None = None,
    write: bool = True,
    workers: int = 1,
    scheduler: Any = None,
    reuse: RunResult | None = None,
) -> RunResult:
    """Run one scenario and write its outputs.

    Parameters
    ----------
    scenario
        A scenario or the path of a scenario file.
    folder
        Output folder; the scenario's ``output.folder`` (or ``outputs/<name>``) when None.
    write
        Write ``map.html``, ``summary.json``, ``catchments.gpkg``, ``tables.csv`` and ``sites.csv``.
    workers
        Worker processes of a local Dask cluster started for the run (needs the ``dask``
        extra; without it the run stays in one process); 1 runs in this process.
    scheduler
        Address of an existing Dask scheduler (``tcp://host:port``), or a connected
        ``dask.distributed.Client``. With a cluster, the blocks of travel-time searches and the
        solve run on its workers; the outputs are identical to a single-process run.
    reuse
        An earlier run whose study area, networks and travel times this one takes as they are
        (a sweep of ``objective`` or ``demand.channel_shift`` values needs no new matrix).
        Every other scenario key must be the same.

    Returns
    -------
    RunResult

    Raises
    ------
    InputError
        For a bad scenario or input, or a ``reuse`` run whose inputs differ.
    """
    from .errors import InputError

    scenario = validate_scenario(scenario)
    if reuse is not None and _shared_inputs(reuse.scenario) != _shared_inputs(scenario):
        msg = (
            f"run {reuse.scenario.name!r} cannot be reused for {scenario.name!r}: their area, "
            "demand, sites or network keys differ"
        )
        raise InputError(
            msg,
            file=scenario.source_path,
            field="reuse",
            fix="reuse only runs that differ in objective and demand.channel_shift",
        )
    with dask_client(workers=workers, scheduler=scheduler) as client:
        if reuse is not None:  # load_area names a user's own area after its scenario
            area = reuse.area if scenario.area.pilot else replace(reuse.area, id=scenario.name)
        else:
            with _stage("study area"):
                area = load_area(scenario)
        with _stage("face-to-face demand"):
            weights = face_to_face_weights(
                area.cells,
                area.groups,
                channel_shift=scenario.demand.channel_shift,
                source=area.id,
            )
        if reuse is not None and reuse.times.kept_sites == searches_cut_by(scenario, area):
            networks, times = dict(reuse.networks), reuse.times
        else:  # new inputs, or the reused searches were cut by sites this run may close
            networks, times = build_networks(scenario, area, client=client)
        problem = build_problem(scenario, area, weights, times)
        obj = scenario.objective
        options = {
            "model": obj.model,
            "method": obj.method,
            "time_limit": obj.time_limit,
            "gap": obj.gap,
            "seed": obj.seed,
        }
        with _stage(f"{obj.model} ({obj.method})"):
            if client is None:
                solution = solve(problem, **options)
            else:
                shipped = client.scatter(problem, hash=False)  # large costs: not in the graph
                solution = client.submit(solve, shipped, **options, pure=False).result()
    logger.info(
        "%s: open %s, objective %.6g, gap %.3g %% (%s, %.2f s)",
        obj.model,
        ", ".join(solution.open_sites),
        solution.objective,
        100 * solution.gap,
        solution.solver,
        solution.seconds,
    )
    by_group = {g.id: times.for_group(g.id) for g in area.groups}
    with _stage("evaluation"):
        existing = area.existing
        current = evaluate(
            area.cells,
            area.sites,
            area.groups,
            weights,
            by_group,
            existing or solution.open_sites,
            existing=existing,
        )
        proposed = evaluate(
            area.cells,
            area.sites,
            area.groups,
            weights,
            by_group,
            solution.open_sites,
            existing=existing,
        )
    summary = _summary(scenario, area, networks, times, solution, current, proposed)
    target = None
    if write:
        target = Path(folder) if folder is not None else scenario.output_folder()
        with _stage(f"writing {target}"), staged_directory(target) as stage:
            write_outputs(
                stage,
                area=area,
                title=scenario.display_title,
                current=current,
                proposed=proposed,
                summary=summary,
            )
    return RunResult(
        scenario=scenario,
        area=area,
        weights=weights,
        networks=networks,
        times=times,
        problem=problem,
        solution=solution,
        current=current,
        proposed=proposed,
        summary=summary,
        folder=target,
    )


def write_outputs(
    folder: Path,
    *,
    area: Area,
    title: str,
    current: Evaluation,
    proposed: Evaluation,
    summary: Mapping[str, Any],
) -> None:
    """Write every per-scenario output into ``folder`` (already a staging folder)."""
    from .report import write_report

    write_report(
        folder,
        current=current,
        proposed=proposed,
        groups=area.groups,
        boundary=area.boundary,
        title=title,
        summary=summary,
        banners=banners(summary),
    )
