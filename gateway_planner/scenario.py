"""Run a scenario end to end: the only place that knows the order of the stages.

area -> face-to-face weights -> networks -> travel times -> location problem -> solution ->
evaluation (today's sites and the proposed ones) -> map, tables, GeoPackage and summary.

The inputs are checked as soon as each check can run (:mod:`gateway_planner.checks`): files and
output folder first, the study area before any network is built, reachability before solving,
the proposal before writing. Outputs are staged in a temporary folder and moved into place only
when every file is written, so a run that fails halfway leaves nothing behind; an output folder
is replaced only when it holds nothing but an earlier run's files (:mod:`gateway_planner._outputs`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from . import settings
from ._outputs import output_folder
from .area import load_area
from .checks import (
    check_area,
    check_files,
    check_output,
    check_reach,
    check_solution,
    output_target,
    protected_files,
    validate_scenario,
)
from .cluster import dask_client
from .config import Scenario, input_keys, load_scenario
from .contracts import Area, Evaluation
from .costs import build_problem, searches_cut_by
from .demand import face_to_face_weights
from .evaluate import RIDE_TOLERANCE, evaluate, group_people
from .footfall import Calibration, calibrate, calibration_note
from .locate import Alternatives, Problem, Solution, near_optimal, solve
from .network import (
    Mode,
    Network,
    TravelTimes,
    load_network,
    on_demand_network,
    read_gtfs,
    transit_network,
    travel_times,
)
from .network.modes import BUILT_ON
from .provenance import run_summary
from .report import Preset, ScenarioView, WhatIf

__all__ = [
    "DEMO_SCENARIOS",
    "RunResult",
    "build_networks",
    "demo_scenarios",
    "presets",
    "report_view",
    "run_scenario",
    "validate_scenario",
    "what_if_of",
    "write_outputs",
]

logger = logging.getLogger(__name__)

#: the pilot scenarios `gateway-planner demo` runs, in the repository's scenarios/ folder
DEMO_SCENARIOS: tuple[str, ...] = ("sheerness.toml", "fauquembergues.toml")


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
    alternatives
        The best solution and its near-optimal alternatives (``objective.alternatives``), or
        None when none were asked for.
    calibration
        The fit of the visit rates to observed footfall (``[calibration]``), or None.
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
    alternatives: Alternatives | None = None
    calibration: Calibration | None = None


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
    road: dict[str, Network] = {}
    roads = _road_modes(net.modes)
    tick = settings.progress
    for done, mode in enumerate(roads):
        if tick is not None:
            tick("networks", done, len(roads))
        with _stage(f"{mode} network ({net.source})"):
            road[mode] = load_network(
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
        tick("networks", len(roads), len(roads))
    networks: dict[str, Network] = {m: road[m] for m in net.modes if m in road}
    if net.transit is not None and "bus" in net.modes:
        transit = net.transit
        with _stage(f"bus network (GTFS {transit.gtfs.name})"):
            feed = read_gtfs(transit.gtfs, date=transit.date, window=transit.window)
            networks["bus"] = transit_network(
                road["walk"],
                feed,
                wait_factor=transit.wait_factor,
                planned=transit.planned,
                max_walk_m=transit.max_walk_m,
                walk_speed_kmh=net.walk_speed_kmh,
                min_departures=transit.min_departures,
            )
    if net.on_demand is not None and "on_demand" in net.modes:
        demand = net.on_demand
        with _stage("on-demand network"):
            networks["on_demand"] = on_demand_network(
                road["drive"],
                demand.zone,
                time_factor=demand.time_factor,
                wait_minutes=demand.wait_minutes,
                destinations=demand.destinations,
                source=demand.source,
            )
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
            fallbacks={m: ["on_demand"] for m in net.on_demand.open_to} if net.on_demand else None,
        )
    return networks, times


def _road_modes(modes: Sequence[str]) -> list[str]:
    """Return the road networks to load: the modes asked for and those bus and on-demand need."""
    wanted = set(modes) | {BUILT_ON[Mode(m)].value for m in modes if Mode(m) in BUILT_ON}
    return [m.value for m in (Mode.DRIVE, Mode.WALK) if m.value in wanted]


def run_scenario(
    scenario: Scenario | str | Path,
    *,
    folder: str | Path | None = None,
    write: bool = True,
    overwrite: bool = False,
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
        Output folder; the scenario's ``output.folder`` (or ``outputs/<name>`` beside the
        scenario file) when None. It is replaced only when it is new, empty or holds an
        earlier run's files; a folder holding the scenario or its inputs is refused.
    write
        Write ``map.html``, ``summary.json``, ``catchments.gpkg``, ``tables.csv``, ``sites.csv``,
        ``briefing.pdf`` and ``briefing.png`` (and the folder's manifest).
    overwrite
        Write into a folder holding files gateway-planner did not write: only the files the
        run writes are replaced there, every other file is kept.
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
        For a bad scenario, input or output folder (checked before anything long is
        computed), for sites that can serve no one, or a ``reuse`` run whose inputs differ.
    """
    from .errors import InputError

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    check_files(scenario)
    target = (
        check_output(scenario, folder=folder, overwrite=overwrite, clean=True) if write else None
    )
    if reuse is not None and input_keys(reuse.scenario) != input_keys(scenario):
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
            if reuse.calibration is not None:  # start again from the groups as loaded
                area = replace(area, groups=list(reuse.calibration.groups))
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
        check_area(scenario, area, weights)
        if reuse is not None and reuse.times.kept_sites == searches_cut_by(scenario, area):
            networks, times = dict(reuse.networks), reuse.times
        else:  # new inputs, or the reused searches were cut by sites this run may close
            networks, times = build_networks(scenario, area, client=client)
        fit = None
        if scenario.calibration is not None:
            with _stage("calibration to observed footfall"):
                fit, area, weights = calibrate(scenario, area, weights, times)
        problem = build_problem(scenario, area, weights, times)
        check_reach(scenario, area, times, problem)
        solution = _solve(scenario, problem, client)
        alternatives = _alternatives(scenario, problem, solution)
        if alternatives is not None:  # the solution carries them too
            solution = replace(solution, alternatives=alternatives)
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
            by_mode=times.by_mode,
        )
        proposed = evaluate(
            area.cells,
            area.sites,
            area.groups,
            weights,
            by_group,
            solution.open_sites,
            existing=existing,
            by_mode=times.by_mode,
        )
    check_solution(scenario, area, times, problem, solution, proposed)
    summary = run_summary(
        scenario,
        area,
        networks,
        times,
        solution,
        current,
        proposed,
        calibration=calibration_note(area.groups, fit),
        alternatives=alternatives,
    )
    if target is not None:
        _, field = output_target(scenario, folder)
        with (
            _stage(f"writing {target}"),
            output_folder(
                target,
                protected=protected_files([scenario]),
                overwrite=overwrite,
                field=field,
            ) as stage,
        ):
            write_outputs(
                stage,
                area=area,
                title=scenario.display_title,
                current=current,
                proposed=proposed,
                summary=summary,
                what_if=what_if_of(area, weights, times, alternatives=presets(alternatives)),
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
        alternatives=alternatives,
        calibration=fit,
    )


def _solve(scenario: Scenario, problem: Problem, client: Any) -> Solution:
    """Solve the run's problem with its objective's settings, here or on the cluster."""
    obj = scenario.objective
    solver = partial(
        solve,
        model=obj.model,
        method=obj.method,
        time_limit=obj.time_limit,
        gap=obj.gap,
        seed=obj.seed,
    )
    with _stage(f"{obj.model} ({obj.method})"):
        if client is None:
            solution = solver(problem)
        else:
            shipped = client.scatter(problem, hash=False)  # large costs: not in the graph
            solution = client.submit(solver, shipped, pure=False).result()
    logger.info(
        "%s: open %s, objective %.6g, gap %.3g %% (%s, %.2f s)",
        obj.model,
        ", ".join(solution.open_sites),
        solution.objective,
        100 * solution.gap,
        solution.solver,
        solution.seconds,
    )
    return solution


def what_if_of(
    area: Area,
    weights: np.ndarray,
    times: TravelTimes,
    *,
    alternatives: Sequence[Preset] = (),
) -> WhatIf:
    """Return what a run's maps need to switch its sites on and off in the browser.

    Parameters
    ----------
    area, weights, times
        The run's study area, face-to-face visits and travel times.
    alternatives
        Near-optimal sets of open sites to offer as presets after "Today" and "Proposal"
        (none yet: the hook for the solver's alternatives).

    Returns
    -------
    WhatIf
    """
    return WhatIf(
        times={g.id: times.for_group(g.id) for g in area.groups},
        weights=weights,
        people=group_people(area.cells, area.groups, weights),
        by_mode=dict(times.by_mode),
        alternatives=tuple(alternatives),
        ride_tolerance=RIDE_TOLERANCE,
    )


def presets(alternatives: Alternatives | None) -> tuple[Preset, ...]:
    """Return the what-if presets of a run's near-optimal alternatives (the best left out).

    Parameters
    ----------
    alternatives
        The run's alternatives (``objective.alternatives``), or None.

    Returns
    -------
    tuple of Preset
        One per option after the best ("Option 2 (+0.49 %)": its gap to the best), in rank
        order; none without alternatives.
    """
    if alternatives is None:
        return ()
    return tuple(
        Preset(f"Option {o.rank} (+{100 * o.gap:.2f} %)", o.open_sites)
        for o in alternatives.options
        if o.rank > 1
    )


def _alternatives(scenario: Scenario, problem: Problem, solution: Solution) -> Alternatives | None:
    """List the near-optimal alternatives the objective asks for (None when it asks none)."""
    obj = scenario.objective
    if not obj.alternatives:
        return None
    with _stage(f"{obj.alternatives} alternatives within {100 * obj.within:g} %"):
        alternatives = near_optimal(
            problem,
            model=obj.model,
            best=solution,
            count=obj.alternatives,
            within=obj.within,
            method=obj.method,
            time_limit=obj.time_limit,
            seed=obj.seed,
        )
    if not alternatives.complete:
        logger.warning(
            "the alternatives are not proven the next best (a solve was not proven optimal, "
            "or the %g s time limit stopped the search)",
            obj.time_limit,
        )
    return alternatives


def write_outputs(
    folder: Path,
    *,
    area: Area,
    title: str,
    current: Evaluation,
    proposed: Evaluation,
    summary: Mapping[str, Any],
    what_if: WhatIf | None = None,
) -> None:
    """Write every per-scenario output into ``folder`` (already a staging folder)."""
    from .report import write_report  # looked up at call time (tests replace it)

    name = str(summary.get("scenario", {}).get("name", area.id))
    view = ScenarioView(
        name, title, current, proposed, area.groups, area.boundary, summary, what_if=what_if
    )
    write_report(folder, view=view)


def report_view(result: RunResult) -> ScenarioView:
    """Return the report stage's view of a run (its notices derived from its summary).

    Parameters
    ----------
    result
        A finished run.

    Returns
    -------
    ScenarioView
        Named and titled after the run's scenario; its maps switch sites on and off when the
        run kept its travel times (a result assembled without them gives maps without).
    """
    times: TravelTimes | None = result.times
    return ScenarioView(
        result.scenario.name,
        result.scenario.display_title,
        result.current,
        result.proposed,
        result.area.groups,
        result.area.boundary,
        result.summary,
        what_if=None
        if times is None
        else what_if_of(
            result.area, result.weights, times, alternatives=presets(result.alternatives)
        ),
    )
