"""The study area of a run: boundary, cells, sites and customer groups, from a pilot id or user files.

:func:`load_area` turns the ``[area]``, ``[demand]`` and ``[sites]`` tables of a scenario into an
:class:`Area` in the contracts of DESIGN.md, whichever way the inputs arrive.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from .config import Scenario
from .demand import DemandSummary, choose_crs, load_cells, read_vector
from .errors import InputError
from .groups import CustomerGroup, load_groups

__all__ = ["Area", "load_area", "read_sites"]

logger = logging.getLogger(__name__)

SITE_STATUSES = ("existing", "candidate")


@dataclass(frozen=True)
class Area:
    """Everything a run needs to know about its study area.

    Attributes
    ----------
    id, name
        Short id and display name.
    crs
        Projected CRS of the run (metres).
    boundary
        Study-area units (LSOAs, communes, or the user's polygons), in ``crs``.
    cells
        The ``cells`` contract.
    sites
        The ``sites`` contract, with ``status`` in {existing, candidate}.
    groups
        Customer groups, in the order of the ``share__`` columns used.
    inputs
        Input files by role, for provenance (digests in the summary).
    proxy_params
        Proxy-network parameters (pilot areas), or None.
    sources, assumptions
        Data sources and what is assumed rather than measured, for every output.
    demand
        What the population input gave: cells, population, dropped items and why
        (``demand.to_dict()`` is the ``demand`` entry of ``summary.json``).
    """

    id: str
    name: str
    crs: pyproj.CRS
    boundary: gpd.GeoDataFrame
    cells: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    groups: list[CustomerGroup]
    inputs: Mapping[str, Path] = field(default_factory=dict)
    proxy_params: Mapping[str, Any] | None = None
    sources: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    demand: DemandSummary | None = None

    @property
    def outline(self) -> BaseGeometry:
        """The study area as one (multi)polygon."""
        return shapely.union_all(self.boundary.geometry.to_numpy())

    @property
    def existing(self) -> tuple[str, ...]:
        """Ids of today's sites."""
        return tuple(self.sites.index[self.sites["status"] == "existing"])


def read_sites(path: str | Path, *, crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """Read sites from a CSV (``x``/``y`` in ``crs`` or ``lon``/``lat``) or a vector file of points.

    Parameters
    ----------
    path
        Columns ``site_id``, ``name``, ``status`` (existing / candidate), optional ``capacity``
        (visits per month) and ``location_source``.
    crs
        Projected CRS of the run.

    Returns
    -------
    geopandas.GeoDataFrame
        The ``sites`` contract, index ``site_id``.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        if not path.exists():
            msg = "file not found"
            raise InputError(
                msg,
                file=path,
                field="sites.file",
                fix="check the path (relative paths are read from the scenario's folder)",
            )
        table = pd.read_csv(path, dtype={"site_id": str})
        if {"x", "y"} <= set(table.columns):
            geom = gpd.points_from_xy(table["x"], table["y"], crs=crs)
        elif {"lon", "lat"} <= set(table.columns):
            geom = gpd.points_from_xy(table["lon"], table["lat"], crs=4326).to_crs(crs)
        else:
            msg = "needs columns x, y (in the run's CRS) or lon, lat"
            raise InputError(
                msg,
                file=path,
                field="x/y",
                fix="add the site coordinates as x, y or lon, lat columns",
            )
        frame = gpd.GeoDataFrame(
            table.drop(columns=[c for c in ("x", "y", "lon", "lat") if c in table]),
            geometry=geom,
            crs=crs,
        )
    else:
        frame = read_vector(path, field="sites.file").to_crs(crs)
        if not frame.geometry.geom_type.eq("Point").all():
            msg = "holds geometries other than points"
            raise InputError(msg, file=path, field="geometry", fix="give one point per site")
    return _site_contract(frame, file=path)


def _site_contract(frame: gpd.GeoDataFrame, *, file: str | Path) -> gpd.GeoDataFrame:
    problems = []
    if "site_id" in frame.columns:
        frame = frame.set_index("site_id")
    frame.index = frame.index.astype(str)
    frame.index.name = "site_id"
    if frame.index.duplicated().any():
        problems.append(f"duplicate site ids {sorted(set(frame.index[frame.index.duplicated()]))}")
    if "status" not in frame.columns:
        problems.append("column 'status' is missing")
    else:
        bad = sorted(set(frame["status"]) - set(SITE_STATUSES))
        if bad:
            problems.append(f"status values {bad} are not existing/candidate")
    if "name" not in frame.columns:
        frame["name"] = frame.index
    if "capacity" not in frame.columns:
        frame["capacity"] = np.nan
    if problems:
        msg = "; ".join(problems)
        raise InputError(
            msg,
            file=file,
            field="sites",
            fix="give unique site_id values and status = existing or candidate",
        )
    return frame


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
    result = load_cells(
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


def _pilot_inputs(pa: Any) -> dict[str, Path]:
    """List the pilot pack's files behind an area, by role (for provenance digests)."""
    from . import pilot

    meta_path = pilot.get_path(f"{pa.id}/area.toml")
    meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    return {
        "pilot.area": meta_path,
        "pilot.boundary": pilot.data_dir() / str(meta["boundary"]),
        "pilot.cells": pilot.get_path(f"{pa.id}/cells.csv"),
        "pilot.sites": pilot.get_path(f"{pa.id}/sites.csv"),
        "pilot.groups": Path(pa.groups_path),
        "pilot.proxy_network": Path(pa.proxy_params_path),
    }


def _pilot_area(scenario: Scenario) -> Area:
    from . import pilot

    assert scenario.area.pilot is not None
    pa = pilot.load_pilot(scenario.area.pilot)
    groups = pa.groups
    inputs = _pilot_inputs(pa)
    if scenario.demand.groups is not None:
        groups = load_groups(scenario.demand.groups)
        inputs["demand.groups"] = scenario.demand.groups
    crs = pyproj.CRS.from_user_input(pa.crs)
    if scenario.area.crs is not None and pyproj.CRS.from_user_input(scenario.area.crs) != crs:
        msg = f"pilot area {pa.id!r} is prepared in {pa.crs}, not {scenario.area.crs}"
        raise InputError(
            msg,
            file=str(scenario.source_path or ""),
            field="area.crs",
            fix=f"remove area.crs or set it to {pa.crs}",
        )
    cells, demand = _cells(
        scenario,
        groups,
        crs=crs,
        outline=shapely.union_all(pa.boundary.geometry.to_numpy()),
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
    return Area(
        id=pa.id,
        name=scenario.area.name or pa.name,
        crs=crs,
        boundary=pa.boundary,
        cells=cells,
        sites=sites,
        groups=groups,
        inputs=inputs,
        proxy_params=pa.proxy_params,
        sources=tuple(pa.sources),
        assumptions=tuple(pa.assumptions),
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
        A validated scenario.

    Returns
    -------
    Area
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
