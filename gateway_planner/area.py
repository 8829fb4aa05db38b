"""The study area of a run: boundary, cells, sites and customer groups, from a pilot id or user files.

:func:`load_area` turns the ``[area]``, ``[demand]`` and ``[sites]`` tables of a scenario into an
:class:`Area` in the contracts of DESIGN.md, whichever way the inputs arrive.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from ._files import read_vector
from ._readers import read_sites
from .config import Scenario
from .contracts import Area, DemandSummary
from .demand import build_demand_cells, choose_crs
from .errors import InputError
from .groups import CustomerGroup, load_groups

__all__ = ["Area", "load_area", "read_sites"]

logger = logging.getLogger(__name__)


def _apply_site_options(
    sites: gpd.GeoDataFrame, scenario: Scenario, *, file: str
) -> gpd.GeoDataFrame:
    opts = scenario.sites
    unknown = [s for s in [*(opts.existing or []), *opts.exclude] if s not in sites.index]
    if unknown:
        msg = f"site ids {unknown} are not in the sites"
        raise InputError(
            msg, file=file, field="sites.existing/sites.exclude", fix="use ids from the sites table"
        )
    sites = sites.drop(index=list(opts.exclude))
    if opts.existing is not None:
        sites = sites.assign(
            status=np.where(sites.index.isin(opts.existing), "existing", "candidate")
        )
    if not (sites["status"] == "existing").any() and scenario.objective.new_sites == 0:
        msg = "no existing site and objective.new_sites = 0: nothing to evaluate"
        raise InputError(
            msg, file=file, field="objective.new_sites", fix="set objective.new_sites to 1 or more"
        )
    return sites


def _demand_inputs(scenario: Scenario) -> dict[str, Path]:
    files = {"demand.shares": scenario.demand.shares, "demand.zones": scenario.demand.zones}
    return {k: v for k, v in files.items() if v is not None}


def _cells(
    scenario: Scenario,
    groups: list[CustomerGroup],
    *,
    crs: pyproj.CRS,
    outline: BaseGeometry,
    default: gpd.GeoDataFrame | None = None,
    default_label: str | None = None,
    default_zones: gpd.GeoDataFrame | None = None,
) -> tuple[gpd.GeoDataFrame, DemandSummary]:
    """Build the scenario's cells from its population file, or from ``default`` (the pilot's)."""
    d = scenario.demand
    population: Path | gpd.GeoDataFrame | None = d.population
    if population is None:
        population = default
    zones: Path | gpd.GeoDataFrame | None = d.zones
    zone_id_column = d.zone_id_column
    shares_key = d.shares_key
    if (
        zones is None
        and d.population is None
        and d.shares is not None
        and d.shares_by == "zone"
        and default_zones is not None
    ):
        # shares for the pilot's own cells: by its boundary units (LSOAs, communes; "code")
        zones, zone_id_column = default_zones, "code"
        shares_key = shares_key or d.zone_id_column
    assert population is not None
    result = build_demand_cells(
        population,
        groups,
        crs=crs,
        boundary=outline,
        kind=d.population_kind if d.population is not None or default is None else "pilot",
        population_column=d.population_column,
        cell_id_column=d.cell_id_column,
        zone_id_column=zone_id_column,
        cell_size=d.cell_size,
        shares=d.shares,
        shares_key=shares_key,
        shares_by=d.shares_by,
        zones=zones,
        label=default_label,
        zones_label=None if default_label is None else f"{default_label} boundary",
    )
    return result.cells, result.summary


def _pilot_area(scenario: Scenario) -> Area:
    from . import pilot

    assert scenario.area.pilot is not None
    pa = pilot.load_pilot(scenario.area.pilot)
    groups = pa.groups
    inputs = dict(pa.inputs)
    if scenario.demand.groups is not None:
        groups = load_groups(scenario.demand.groups)
        inputs["demand.groups"] = scenario.demand.groups
    crs = pa.crs
    if scenario.area.crs is not None and pyproj.CRS.from_user_input(scenario.area.crs) != crs:
        msg = f"pilot area {pa.id!r} is prepared in {crs.to_string()}, not {scenario.area.crs}"
        raise InputError(
            msg,
            file=str(scenario.source_path or ""),
            field="area.crs",
            fix=f"remove area.crs or set it to {crs.to_string()}",
        )
    cells, demand = _cells(
        scenario,
        groups,
        crs=crs,
        outline=pa.outline,
        default=pa.cells,
        default_label=f"pilot:{pa.id}",
        default_zones=pa.boundary,
    )
    if scenario.demand.population is not None:
        inputs["demand.population"] = scenario.demand.population
    inputs.update(_demand_inputs(scenario))
    sites = pa.sites
    if scenario.sites.file is not None:
        sites = read_sites(scenario.sites.file, crs=crs)
        inputs["sites.file"] = scenario.sites.file
    sites = _apply_site_options(sites, scenario, file=str(scenario.source_path or ""))
    return replace(
        pa,
        name=scenario.area.name or pa.name,
        cells=cells,
        sites=sites,
        groups=groups,
        inputs=inputs,
        demand=demand,
    )


def _user_area(scenario: Scenario) -> Area:
    assert scenario.area.boundary is not None
    assert scenario.demand.population is not None and scenario.demand.groups is not None
    assert scenario.sites.file is not None
    raw = read_vector(scenario.area.boundary, field="area.boundary")
    crs = choose_crs(raw, scenario.area.crs)
    boundary = raw.to_crs(crs)
    outline = shapely.union_all(boundary.geometry.to_numpy())
    groups = load_groups(scenario.demand.groups)
    cells, demand = _cells(scenario, groups, crs=crs, outline=outline)
    sites = _apply_site_options(
        read_sites(scenario.sites.file, crs=crs), scenario, file=str(scenario.sites.file)
    )
    assumptions = tuple(f"group {g.id}: {g.source}" for g in groups if g.assumed)
    return Area(
        id=scenario.name,
        name=scenario.area.name or scenario.display_title,
        crs=crs,
        boundary=boundary,
        cells=cells,
        sites=sites,
        groups=groups,
        inputs={**scenario.input_files(), **_demand_inputs(scenario)},
        sources=(),
        assumptions=assumptions,
        demand=demand,
    )


def load_area(scenario: Scenario) -> Area:
    """Assemble the study area a scenario names.

    Parameters
    ----------
    scenario
        A validated scenario: its ``[area]`` (a pilot id, or a boundary file and CRS),
        ``[demand]`` (population, shares, groups) and ``[sites]`` tables are read.

    Returns
    -------
    Area
        Boundary, cells, sites and groups in the run's CRS, the input files by role, and the
        summary of the population input.

    Raises
    ------
    InputError
        Naming the file, the field and the fix for any bad input.
    """
    area = _pilot_area(scenario) if scenario.area.pilot is not None else _user_area(scenario)
    logger.info(
        "area %s: %d cells, population %.0f, %d sites (%d existing), %d groups",
        area.name,
        len(area.cells),
        area.cells["population"].sum(),
        len(area.sites),
        len(area.existing),
        len(area.groups),
    )
    return area
