"""Checks of a scenario and its inputs, in the scenario's own terms, as early as each can run.

:func:`validate_scenario` (``gateway-planner validate``) loads every input and runs every check a
run would make before its networks are built: the files named, the output folder, the study
area (boundary, population, shares, groups, sites through their readers), sites outside the
area, the groups' travel modes against the scenario's networks, ``objective.new_sites`` against
the candidates, capacities against the demand. :func:`~gateway_planner.run_scenario` makes the
same checks at the same points, so whatever a run refuses for an input reason ``validate``
refuses with the same line, and then two more once the travel times are known
(:func:`check_reach`) and once the sites are chosen (:func:`check_solution`).

Messages name the scenario's keys (``objective.new_sites``, ``network.limit_minutes``) and give
capacities and demand in visits a month, as the sites file does.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import shapely

from ._outputs import check_output_folder
from ._reach import check_reach, check_solution, listed, sites_label, sites_outside, swap_hint
from .area import load_area
from .config import Scenario, load_scenario
from .contracts import Area
from .costs import capacities, site_costs
from .demand import face_to_face_weights
from .errors import GatewayPlannerWarning, InputError

__all__ = [
    "check_area",
    "check_files",
    "check_output",
    "check_reach",
    "check_solution",
    "output_target",
    "protected_files",
    "validate_scenario",
]

_MONTHS = 12.0


def validate_scenario(
    scenario: Scenario | str | Path,
    *,
    folder: str | Path | None = None,
    overwrite: bool = False,
) -> Scenario:
    """Check a scenario and every input it names, without building networks or solving.

    Parameters
    ----------
    scenario
        A scenario or the path of a scenario file.
    folder
        The output folder a run would be given (the scenario's ``output.folder`` when None).
    overwrite
        As the run's ``overwrite``: a folder holding other files is then accepted.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    InputError
        The first problem found, in the words a run would refuse it with: the file, the field
        and the fix.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    check_files(scenario)
    check_output(scenario, folder=folder, overwrite=overwrite)
    area = load_area(scenario)
    weights = face_to_face_weights(
        area.cells, area.groups, channel_shift=scenario.demand.channel_shift, source=area.id
    )
    check_area(scenario, area, weights)
    return scenario


# ---- files and folders ------------------------------------------------------------------------


def check_files(scenario: Scenario) -> None:
    """Raise unless every input file the scenario names exists and its pilot area is known.

    Parameters
    ----------
    scenario
        A validated scenario.

    Raises
    ------
    InputError
        Naming the scenario key of the first missing file, an unknown ``area.pilot``, or the
        proxy network asked for the planner's own study area (it needs a pilot's parameters).
    """
    for field_name, path in scenario.input_files().items():
        if not Path(path).exists():
            msg = f"input file {path} not found"
            raise InputError(
                msg,
                file=scenario.source_path,
                field=field_name,
                fix="correct the path (relative paths are read from the scenario's folder)",
            )
    if scenario.area.boundary is not None and scenario.network.source == "proxy":
        msg = (
            "network.source = 'proxy' (the default) works only for the pilot areas, whose "
            "proxy parameters ship with them"
        )
        raise InputError(
            msg,
            file=scenario.source_path,
            field="network.source",
            fix="set network.source = 'osm' (downloads OpenStreetMap roads) or 'file' with "
            "network.path (a .osm, .osm.pbf or GraphML file)",
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


def output_target(scenario: Scenario, folder: str | Path | None = None) -> tuple[Path, str]:
    """Where a run writes, and the key or option that says so (for messages).

    Parameters
    ----------
    scenario
        A validated scenario.
    folder
        The folder given to the run (``--output``), if any.

    Returns
    -------
    tuple of (Path, str)
        The folder and ``"output.folder"`` or ``"--output"``.
    """
    if folder is not None:
        return Path(folder), "--output"
    return scenario.output_folder(), "output.folder"


def protected_files(scenarios: Sequence[Scenario]) -> list[Path]:
    """Return the files runs of these scenarios read: no output folder may hold them.

    Parameters
    ----------
    scenarios
        The scenarios of a run, comparison or sweep.

    Returns
    -------
    list of Path
        Scenario files, the input files they name, and the pilot pack's folder for pilot areas.
    """
    files: list[Path] = []
    for scenario in scenarios:
        if scenario.source_path is not None:
            files.append(scenario.source_path)
        files += scenario.input_files().values()
        if scenario.area.pilot is not None:
            from . import pilot

            files.append(pilot.data_dir(must_exist=False))
    return files


def check_output(
    scenario: Scenario,
    *,
    folder: str | Path | None = None,
    overwrite: bool = False,
    clean: bool = False,
) -> Path:
    """Refuse, before anything is computed, an output folder the run may not write.

    Parameters
    ----------
    scenario
        A validated scenario.
    folder
        The folder given to the run, else its ``output.folder``.
    overwrite
        Accept a folder holding files gateway-planner did not write.
    clean
        Remove the staging folders stopped runs left beside it (when a run starts).

    Returns
    -------
    Path
        The output folder, absolute.

    Raises
    ------
    InputError
        See :func:`gateway_planner._outputs.check_output_folder`.
    """
    target, field = output_target(scenario, folder)
    return check_output_folder(
        target,
        protected=protected_files([scenario]),
        overwrite=overwrite,
        field=field,
        clean=clean,
    )


# ---- the study area ---------------------------------------------------------------------------


def _check_outside(scenario: Scenario, area: Area) -> None:
    """Warn of sites outside the study area; refuse candidates that all lie far outside it."""
    outside = sites_outside(area)
    if not outside.any():
        return
    candidates = (area.sites["status"] == "candidate").to_numpy()
    reach = scenario.network.max_snap_m
    far = outside & ~shapely.dwithin(
        area.outline, np.asarray(area.sites.geometry.array, dtype=object), reach
    )
    wanted = scenario.objective.new_sites > 0 or scenario.objective.model == "set_cover"
    if wanted and candidates.any() and far[candidates].all():
        msg = (
            f"all {int(candidates.sum())} candidate sites in {sites_label(scenario, area)} lie "
            f"more than network.max_snap_m = {reach:g} m outside the study area, so none can "
            f"serve it{swap_hint(area, candidates & far)}"
        )
        raise InputError(
            msg,
            file=scenario.source_path,
            field="sites.file",
            fix="check the sites' coordinates: x, y in the run's CRS "
            f"({area.crs.to_string()}), or lon, lat in degrees",
        )
    ids = list(area.sites.index[outside])
    existing = [s for s in ids if s in set(area.existing)]
    today = f" ({len(existing)} of them existing)" if existing else ""
    msg = (
        f"{sites_label(scenario, area)}: {len(ids)} of {len(area.sites)} sites lie outside the "
        f"study area{today}: {listed(ids)}{swap_hint(area, outside)}"
    )
    warnings.warn(msg, GatewayPlannerWarning, stacklevel=3)


def _check_modes(scenario: Scenario, area: Area) -> None:
    modes = set(scenario.network.modes)
    for group in area.groups:
        used = {m: s for m, s in group.modes.items() if s > 0 and m not in modes}
        if used:
            mode, share = next(iter(sorted(used.items())))
            groups_file = area.inputs.get("demand.groups") or area.inputs.get("pilot.groups")
            msg = (
                f"customer group {group.id!r} ({groups_file.name if groups_file else 'groups'}) "
                f"travels by {mode} ({share:.0%}), but network.modes = "
                f"{sorted(scenario.network.modes)} has no {mode} network"
            )
            raise InputError(
                msg,
                file=scenario.source_path,
                field="network.modes",
                fix=f"add '{mode}' to network.modes, or set that group's {mode} share to 0 "
                "in demand.groups",
            )


def _check_new_sites(scenario: Scenario, area: Area) -> None:
    obj = scenario.objective
    if obj.model == "set_cover":
        return
    candidates = int((area.sites["status"] == "candidate").sum())
    if obj.new_sites > candidates:
        msg = (
            f"asks for {obj.new_sites} new sites, but {sites_label(scenario, area)} has only "
            f"{candidates} candidate sites"
        )
        if scenario.sites.exclude:
            msg += f" once sites.exclude leaves out {len(scenario.sites.exclude)}"
        raise InputError(
            msg,
            file=scenario.source_path,
            field="objective.new_sites",
            fix=f"set objective.new_sites to {candidates} or less, or add candidate sites",
        )


def _check_capacities(scenario: Scenario, area: Area, weights: np.ndarray) -> None:
    caps = capacities(scenario, area)
    if caps is None:
        return
    obj = scenario.objective
    sites_file = sites_label(scenario, area)
    if obj.model != "pmedian":
        msg = (
            f"objective.model = '{obj.model}' does not use site capacities, but {sites_file} "
            "gives some"
        )
        raise InputError(
            msg,
            file=scenario.source_path,
            field="objective.capacities",
            fix="set objective.capacities = false, or use model = 'pmedian'",
        )
    per_month = np.where(np.isnan(caps), math.inf, caps / _MONTHS)
    existing = (area.sites["status"] == "existing").to_numpy()
    kept = existing if obj.keep_existing else np.zeros_like(existing)
    free = np.sort(per_month[~kept])[::-1]
    best = float(
        per_month[kept].sum()
        + free[: max(int(existing.sum()) + obj.new_sites - int(kept.sum()), 0)].sum()
    )
    demand = float(weights.sum()) / _MONTHS
    if best < demand * (1 - 1e-9):
        msg = (
            f"the capacities in {sites_file} cannot serve the demand: the "
            f"{int(existing.sum()) + obj.new_sites} open sites hold at most {best:,.0f} visits a "
            f"month, but face-to-face demand is {demand:,.0f} visits a month"
        )
        raise InputError(
            msg,
            file=scenario.source_path,
            field="objective.capacities",
            fix="raise the capacity column (visits a month), raise objective.new_sites, or set "
            "objective.capacities = false",
        )
    if not obj.split_demand:
        cell = weights.sum(axis=1) / _MONTHS
        largest = float(per_month.max())
        over = np.flatnonzero(cell > largest * (1 + 1e-9))
        if over.size:
            msg = (
                f"{over.size} cells need more visits a month than the largest capacity in "
                f"{sites_file} ({largest:,.0f}), and each cell goes to one site: "
                f"{listed([str(area.cells.index[i]) for i in over])} (largest {cell.max():,.0f})"
            )
            raise InputError(
                msg,
                file=scenario.source_path,
                field="objective.split_demand",
                fix="set objective.split_demand = true, or raise the capacities",
            )


def _check_site_costs(scenario: Scenario, area: Area) -> None:
    costs = site_costs(scenario, area)
    if costs is None:
        return
    bad = ~(np.isfinite(costs) & (costs >= 0))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        column = scenario.objective.site_cost_column
        msg = (
            f"{int(bad.sum())} sites of {sites_label(scenario, area)} have no cost of 0 or more in "
            f"column {column!r} (first: {area.sites.index[first]!r} = {costs[first]:g})"
        )
        raise InputError(
            msg,
            file=scenario.source_path,
            field="objective.site_cost_column",
            fix=f"give every site a cost of 0 or more in {column!r}",
        )


def check_area(scenario: Scenario, area: Area, weights: np.ndarray) -> None:
    """Check the study area against the scenario before any network is built.

    Parameters
    ----------
    scenario
        A validated scenario.
    area
        Its study area.
    weights
        Face-to-face visits per year, ``(n_cells, n_groups)``.

    Raises
    ------
    InputError
        When a group travels by a mode without a network, ``objective.new_sites`` exceeds the
        candidates, the capacities cannot serve the demand (in visits a month), or the column
        of ``objective.site_cost_column`` is missing or holds a cost that is not 0 or more.

    Warns
    -----
    GatewayPlannerWarning
        When sites lie outside the study area (count, ids, and whether swapped coordinates
        would put them inside).
    """
    _check_outside(scenario, area)
    _check_modes(scenario, area)
    _check_new_sites(scenario, area)
    _check_capacities(scenario, area, weights)
    _check_site_costs(scenario, area)
