"""Provenance of a run: what ``summary.json`` records, built once from the run's parts.

Inputs and their digests, network, solver, groups, key figures, sources and assumptions. Wall
times are left out so that reruns give identical files, and paths are relative to the scenario
file, so that a project copied elsewhere gives the same summary.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ._io import file_digest
from ._version import __version__
from .config import Scenario
from .contracts import MODE_ALLOCATION, Area, Evaluation
from .locate import Alternatives, Solution
from .network import Network, TravelTimes
from .report import NETWORK_LABELS, mode_label

__all__ = ["alternatives_summary", "run_summary"]


def _relpath(path: Path, base: Path | None) -> str:
    """Path relative to the scenario's folder (the file name when there is none)."""
    try:
        return os.path.relpath(path, base) if base is not None else path.name
    except ValueError:  # different drives (Windows)
        return str(path)


#: what each input file of a scenario is, in the sources an output credits
_ROLES = {
    "area.boundary": "Study area boundary",
    "demand.population": "Population",
    "demand.groups": "Customer groups",
    "demand.shares": "Customer-group shares",
    "demand.zones": "Zones of the group shares",
    "sites.file": "Sites",
    "network.path": "Road network",
    "network.transit.gtfs": "Bus feed (GTFS)",
    "network.on_demand.zone": "On-demand zone",
}
#: the credit OpenStreetMap data asks for
OSM_CREDIT = (
    "Roads: © OpenStreetMap contributors, available under the Open Database Licence (ODbL), "
    "openstreetmap.org/copyright."
)


def _sources(
    scenario: Scenario, area: Area, networks: Mapping[str, Network], base: Path | None
) -> list[str]:
    """List the area's sources, the planner's own files by name, and OpenStreetMap if used."""
    sources = list(area.sources)
    for role, path in sorted(scenario.input_files().items()):
        sources.append(
            f"{_ROLES.get(role, role)}: {_relpath(path, base)} (the planner's file, {role})."
        )
    if any(n.kind in ("osm", "file") for n in networks.values()):
        sources.append(OSM_CREDIT)
    return sources


def _relative(data: Mapping[str, Any], keys: tuple[str, ...], base: Path | None) -> dict[str, Any]:
    """Copy ``data`` with the absolute paths under ``keys`` made relative to ``base``."""
    out = dict(data)
    for key in keys:
        value = out.get(key)
        if isinstance(value, str) and Path(value).is_absolute():
            out[key] = _relpath(Path(value), base)
    return out


def _mode_provenance(data: Mapping[str, Any], base: Path | None) -> dict[str, Any]:
    """Return a network's provenance with its paths (a feed's and a zone's too) made relative."""
    out = _relative(data, ("path", "label"), base)
    for key, inner in (("gtfs", "gtfs"), ("zone", "path")):
        if isinstance(out.get(key), Mapping):
            out[key] = _relative(out[key], (inner,), base)
    return out


def _site_points(area: Area, ids: tuple[str, ...]) -> list[dict[str, Any]]:
    """Id, name and WGS84 position of some sites."""
    pts = area.sites.loc[list(ids)].to_crs(4326)
    return [
        {"id": sid, "name": str(row["name"]), "lon": row.geometry.x, "lat": row.geometry.y}
        for sid, row in pts.iterrows()
    ]


def _number(value: Any) -> str:
    """Write a parameter for a sentence (``?`` when the network did not record it)."""
    return f"{value:g}" if isinstance(value, (int, float)) else "?"


def _mode_time(
    mode: str, provenance: Mapping[str, Any], *, walk: bool, minibus: bool = False
) -> dict[str, Any]:
    """Say what a mode's journey time holds, with the parameters behind it (the waits).

    ``minibus``: the mode's travellers also book the on-demand minibus where it is faster.
    """
    note: dict[str, Any] = {"label": mode_label(mode)}
    if mode == "drive":
        note["time"] = "walk to the road, drive, walk to the site"
    elif mode == "walk":
        note["time"] = "on foot all the way"
    elif mode == "bus":
        factor, planned = provenance.get("wait_factor"), bool(provenance.get("planned"))
        first = " (none at the first, planned = true)" if planned else ""
        note["time"] = (
            f"the faster of walking all the way and walk + {_number(factor)} x headway waited at each "
            f"boarding{first} + ride + walk; the waits are inside these times and not reported "
            "apart (the frequency-based search does not record which boardings a journey made)"
        )
        note |= {"wait_factor": factor, "planned": planned}
        note["pct_riding"] = (
            "share of the reachable bus journeys faster by bus than on foot"
            + (" or by the minibus (they board a bus)" if minibus else " (they board a bus)")
            if walk
            else "not computed: walk is not among the run's modes"
        )
    elif mode == "on_demand":
        factor, wait = provenance.get("time_factor"), provenance.get("wait_minutes")
        note["time"] = (
            f"road time x {_number(factor)} + a {_number(wait)}-minute booking or pick-up wait in every "
            "journey, inside its zone only"
        )
        note |= {"wait_minutes": wait, "parameters": provenance.get("parameters")}
    if minibus:
        note["time"] += (
            "; inside the on-demand zone, the minibus where it is faster (network.on_demand.open_to)"
        )
    return note


def _mode_figures(ev: Evaluation) -> dict[str, dict[str, dict[str, Any]]]:
    """Figures by mode then group (``all`` included); ``pct_riding`` on the bus only."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for (group, mode), row in ev.modes.drop(columns="name").iterrows():
        figures = row.to_dict()
        if mode != "bus":
            figures.pop("pct_riding")
        out.setdefault(str(mode), {})[str(group)] = figures
    return out


def _by_mode(
    networks: Mapping[str, Network],
    current: Evaluation,
    proposed: Evaluation,
    *,
    open_to: Sequence[str] = (),
) -> dict[str, Any]:
    """Return ``figures.by_mode``: what each mode's time holds and its figures in both states."""
    modes = list(dict.fromkeys(str(m) for m in proposed.modes.index.get_level_values("mode")))
    return {
        "allocation": MODE_ALLOCATION,
        "modes": {
            m: _mode_time(m, networks[m].provenance, walk="walk" in networks, minibus=m in open_to)
            for m in modes
        },
        "current": _mode_figures(current),
        "proposed": _mode_figures(proposed),
    }


def run_summary(
    scenario: Scenario,
    area: Area,
    networks: Mapping[str, Network],
    times: TravelTimes,
    solution: Solution,
    current: Evaluation,
    proposed: Evaluation,
    *,
    alternatives: Alternatives | None = None,
    calibration: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return what ``summary.json`` holds for a run.

    Parameters
    ----------
    scenario, area, networks, times, solution
        The run's inputs and results.
    current, proposed
        Figures with today's sites and with the solution's sites.
    alternatives
        Near-optimal alternatives (``objective.alternatives``), listed under ``alternatives``
        when given.
    calibration
        The calibration of the visit rates (:func:`gateway_planner.footfall.calibration_note`),
        or None: recorded as ``calibration`` with an assumption saying it.

    Returns
    -------
    dict
        ``scenario``, ``software``, ``area``, ``demand``, ``inputs`` (paths relative to the
        scenario file, with digests), ``network``, ``solver``, ``sites``, ``groups``,
        ``figures``, ``sources`` and ``assumptions``. ``figures`` holds ``current`` and
        ``proposed`` (group -> figures over its mix of modes) and, when the evaluations have
        figures by mode, ``by_mode``: ``allocation`` (how a journey's site is chosen),
        ``modes`` (mode -> ``label``, ``time``: what its journey time holds, and the waits
        behind it: ``wait_factor`` and ``planned`` of the bus, ``wait_minutes`` of on-demand
        transport), ``current`` and ``proposed`` (mode -> group or ``all`` -> the figures of
        the visits travelling by it, with ``pct_of_visits`` and, for the bus,
        ``pct_riding``); ``alternatives`` when asked for.
    """
    base = scenario.source_path.parent if scenario.source_path is not None else None
    kinds = sorted({n.kind for n in networks.values()})
    proposed_ids = tuple(s for s in solution.open_sites if s not in set(area.existing))
    assumptions = list(area.assumptions)
    if "proxy" in kinds:
        assumptions.insert(
            0, "Travel times come from a proxy network, not real roads: " + NETWORK_LABELS["proxy"]
        )
    if "walk" in networks and "bus" not in networks:
        assumptions.append(
            "Journeys in a group's 'walk' share are on foot all the way (no bus or train is "
            "modelled yet), so long walking times stand for people without a car"
        )
    elif "bus" in networks:
        assumptions.append(_walk_and_bus_assumption(_open_to(scenario)))
    if calibration is not None:
        assumptions.append("Visit rates: " + str(calibration["note"]))
    decays = [f"{g.name}: {g.decay.describe()}" for g in area.groups if g.decay is not None]
    if decays:
        assumptions.append(
            "Visits fall with journey time (visits lost to distance are those not made): "
            + "; ".join(decays)
        )
    summary: dict[str, Any] = {
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
        "demand": None
        if area.demand is None
        else _relative(area.demand.to_dict(), ("file",), base),
        "inputs": {
            role: {"path": _relpath(Path(p), base), "digest": file_digest(p)}
            for role, p in sorted(area.inputs.items())
        },
        "network": {
            "kind": kinds[0] if len(kinds) == 1 else "mixed",
            "label": "; ".join(NETWORK_LABELS.get(k, k) for k in kinds),
            "modes": {
                mode: {
                    "nodes": net.routing.n_nodes,
                    "edges": net.routing.n_edges,
                    "provenance": _mode_provenance(net.provenance, base),
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
            "path": solution.path,
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
                "rate_multiplier": g.rate_multiplier,
                "modelled_visits_per_person_year": g.modelled_visits_per_person_year,
                "decay": None
                if g.decay is None
                else {
                    "form": g.decay.form,
                    "beta": g.decay.beta,
                    "t0": g.decay.t0,
                    "cutoff": g.decay.cutoff,
                    "text": g.decay.describe(),
                },
                "modes": dict(g.modes),
            }
            for g in area.groups
        ],
        "figures": {
            "current": current.groups.drop(columns="name").to_dict(orient="index"),
            "proposed": proposed.groups.drop(columns="name").to_dict(orient="index"),
        }
        | (
            {"by_mode": _by_mode(networks, current, proposed, open_to=_open_to(scenario))}
            if len(proposed.modes)
            else {}
        ),
        "sources": _sources(scenario, area, networks, base),
        "assumptions": assumptions,
    }
    if alternatives is not None:
        summary["alternatives"] = alternatives_summary(alternatives)
    if calibration is not None:
        summary["calibration"] = dict(calibration)
    return summary


def alternatives_summary(alternatives: Alternatives) -> dict[str, Any]:
    """Return the ``alternatives`` entry of ``summary.json``.

    Parameters
    ----------
    alternatives
        The run's near-optimal alternatives.

    Returns
    -------
    dict
        ``within``, ``asked``, ``complete`` (every solve proven and none stopped by the time
        limit), ``options`` (rank, objective, gap, open sites and the sites that differ from
        the best; the best first) and ``robustness`` (site -> options opening it, for every
        site open in at least one, in order of first appearance).
    """
    seen = dict.fromkeys(s for o in alternatives.options for s in o.open_sites)
    return {
        "within": alternatives.within,
        "asked": alternatives.count,
        "complete": alternatives.complete,
        "options": [
            {
                "rank": o.rank,
                "objective": o.objective,
                "gap": o.gap,
                "open_sites": list(o.open_sites),
                "opens": list(o.opens),
                "closes": list(o.closes),
            }
            for o in alternatives.options
        ],
        "robustness": alternatives.robustness(tuple(seen)),
    }


def _open_to(scenario: Scenario) -> list[str]:
    """Modes whose travellers also book the on-demand minibus (none without one)."""
    demand = scenario.network.on_demand
    return (
        list(demand.open_to) if demand is not None and "on_demand" in scenario.network.modes else []
    )


def _walk_and_bus_assumption(booked: Sequence[str]) -> str:
    """Say how the walk and bus shares travel; ``booked``: the modes that may book the minibus."""
    if not booked:
        return (
            "Journeys in a group's 'walk' share are on foot all the way; its 'bus' share takes "
            "the bus or train where that is faster than walking (walk, wait, ride, walk), and "
            "walks where no stop is within reach"
        )
    zone = "inside the on-demand zone, by the minibus where that is faster"
    walk = f" or, {zone}" if "walk" in booked else " all the way"
    bus = f", {zone}" if "bus" in booked else ""
    return (
        f"Journeys in a group's 'walk' share are on foot{walk}; its 'bus' share takes the bus "
        f"or train where that is faster than walking (walk, wait, ride, walk){bus}, and walks "
        "where neither a stop nor the minibus is within reach"
    )
