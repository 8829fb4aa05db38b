"""The data contracts every stage shares: the study area, the demand summary, the evaluation.

The ``cells`` and ``sites`` contracts of DESIGN.md are GeoDataFrames; this module holds the names
they share (the ``share__<group id>`` prefix, the site statuses), the :class:`Area` that carries
them through a run, whether it comes from the planner's files or the pilot pack, the
:class:`DemandSummary` of the population input (``summary.json``'s ``demand`` entry), and the
:class:`Evaluation` of a set of open sites that the reports show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from .groups import CustomerGroup

__all__ = [
    "ALL",
    "DROP_REASONS",
    "MODE_ALLOCATION",
    "MODE_ORDER",
    "SHARE_PREFIX",
    "SHARE_TOLERANCE",
    "SITE_STATUSES",
    "THRESHOLDS",
    "Area",
    "DemandSummary",
    "Dropped",
    "Evaluation",
]

#: prefix of the cells' group-share columns: ``share__<group id>``
SHARE_PREFIX = "share__"
#: rows of group shares must sum to 1 within this
SHARE_TOLERANCE = 1e-6
#: the values of the sites' ``status`` column (read case-insensitively, stored in lower case)
SITE_STATUSES: tuple[str, ...] = ("existing", "candidate")

#: journey-time thresholds (minutes) of the ``pct_within_<T>`` and ``people_within_<T>`` figures
THRESHOLDS: tuple[int, ...] = (10, 15, 20, 30)
#: the row of the figures over all customer groups
ALL = "all"
#: the order the outputs list travel modes in (car, on foot, then public transport); others after
MODE_ORDER: tuple[str, ...] = ("drive", "walk", "bus", "on_demand")
#: how the figures by mode choose the site of a journey (said wherever they are shown)
MODE_ALLOCATION = (
    "each group's visits go to the open site its mix of modes reaches fastest; the figures "
    "by mode time the visits of each mode to that site"
)

#: why items were left out, in the order they are reported
DROP_REASONS: Mapping[str, str] = {
    "nodata": "raster pixels flagged as no data (or not finite)",
    "negative": "raster pixels with a negative value, treated as no data",
    "empty": "cells with a population of 0",
    "outside": "cells whose centre lies outside the study area, or zone population outside it",
}


@dataclass(frozen=True)
class Dropped:
    """Items left out for one reason.

    Attributes
    ----------
    count
        Pixels, cells or zones left out (see :data:`DROP_REASONS`).
    population
        Population they held (0 for no-data and negative pixels).
    """

    count: int
    population: float = 0.0


@dataclass(frozen=True)
class DemandSummary:
    """Summary of the population input of a run.

    Attributes
    ----------
    file
        The population file (or ``"pilot:<area>"``).
    kind
        How it was read: {raster, vector, zones, csv, cells, pilot}.
    crs
        The run's CRS (e.g. ``"EPSG:27700"``).
    cells
        Cells kept.
    population
        Population of the kept cells.
    population_read
        Valid population read from the file (within the study area's bounding box for rasters
        and vector files, which are read only there).
    dropped
        Items left out, by reason (keys of :data:`DROP_REASONS`).
    cell_size
        Side of the square cells in metres, when the cells are a regular grid made here.
    zones
        Zones read (population zones of ``kind = "zones"``), else None.
    shares
        Where the group shares come from, e.g. ``"shares.csv by zone (area-weighted)"``.
    """

    file: str
    kind: str
    crs: str
    cells: int
    population: float
    population_read: float
    dropped: Mapping[str, Dropped] = field(default_factory=dict)
    cell_size: float | None = None
    zones: int | None = None
    shares: str = ""

    def _reasons(self) -> list[tuple[str, Dropped]]:
        return sorted(self.dropped.items(), key=lambda kv: _order(kv[0]))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for ``summary.json`` (reasons in :data:`DROP_REASONS` order).

        Returns
        -------
        dict
            Keys ``file``, ``kind``, ``crs``, ``cells``, ``population``, ``population_read``,
            ``dropped`` (reason -> {count, population}), ``cell_size``, ``zones``, ``shares``.
        """
        return {
            "file": self.file,
            "kind": self.kind,
            "crs": self.crs,
            "cells": self.cells,
            "population": self.population,
            "population_read": self.population_read,
            "dropped": {
                reason: {"count": d.count, "population": d.population}
                for reason, d in self._reasons()
            },
            "cell_size": self.cell_size,
            "zones": self.zones,
            "shares": self.shares,
        }

    def describe(self) -> str:
        """One line for the log."""
        drops = ", ".join(
            f"{d.count} {reason}" + (f" ({d.population:.0f} people)" if d.population else "")
            for reason, d in self._reasons()
            if d.count or d.population
        )
        return (
            f"{self.kind} {self.file}: {self.cells} cells, population {self.population:.0f} "
            f"of {self.population_read:.0f} read; dropped {drops or 'nothing'}; "
            f"shares from {self.shares or 'the cells'}"
        )


def _order(reason: str) -> int:
    keys = list(DROP_REASONS)
    return keys.index(reason) if reason in keys else len(keys)


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
        The ``sites`` contract, with ``status`` in :data:`SITE_STATUSES`.
    groups
        Customer groups, in the order of the ``share__`` columns used.
    inputs
        Input files by role, for provenance (digests in the summary); the pilot pack's files
        are ``pilot.area``, ``pilot.boundary``, ``pilot.cells``, ``pilot.sites``,
        ``pilot.groups`` and ``pilot.proxy_network``.
    proxy_params
        Proxy-network parameters (pilot areas), or None.
    sources, assumptions
        Data sources and what is assumed rather than measured, for every output.
    demand
        What the population input gave: cells, population, dropped items and why
        (``demand.to_dict()`` is the ``demand`` entry of ``summary.json``); None for cells
        taken as they are (the pilot pack before a run).
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


@dataclass(frozen=True)
class Evaluation:
    """Figures for one set of open sites.

    Attributes
    ----------
    open_sites
        Ids of the open sites, in site order.
    cells
        Per cell: ``population``, ``visits`` (face-to-face per year), ``site`` (the open site
        serving most of its visits, ``""`` if none is reachable), ``minutes`` (visit-weighted
        mean journey over its groups, ``inf`` if unreachable), and per group ``visits__<g>``,
        ``site__<g>`` and ``minutes__<g>``; geometry of the cell. Cells without visits use
        their people (then equal weights) so that every reachable cell has a site and a time.
    catchments
        One polygon per open site that serves a cell (its cells dissolved), index ``site_id``,
        with ``population`` and ``visits`` of those cells and their number ``cells``.
    sites
        Every site with ``status`` in {existing, proposed, candidate, closed} and, for open
        sites, the figures of the journeys allocated to it (each group of each cell goes to its
        own nearest site): ``people``, ``visits``, ``visits_per_month``, ``pct_within_<T>``,
        ``people_within_<T>``, ``mean_minutes``, ``median_minutes``, ``p90_minutes``,
        ``worst_decile_minutes``, ``gini``; ``capacity`` (visits/month, NaN if none) and
        ``load_pct`` (visits/month against capacity).
    groups
        One row per group and one for ``all``: ``name``, ``people``, ``visits``,
        ``pct_within_<T>`` (share of all visits within T minutes), ``people_within_<T>``,
        ``mean_minutes``, ``median_minutes``, ``p90_minutes``, ``worst_decile_minutes`` (mean
        of the slowest tenth of visits), ``gini`` (of journey time, weighted by visits),
        ``unreachable_people``, ``unreachable_visits``. Time figures are over reachable
        journeys; unreachable ones are counted apart.
    modes
        The same figures by travel mode: index (``group``, ``mode``), one row per mode of each
        group's mix and one per mode for ``all``. A row's journeys are the group's visits that
        travel by that mode (each cell's visits times the mode's share of its mix, the other
        shares scaled up where a mode is unavailable), to the site the group's allocation
        chose (by the mix: see :data:`MODE_ALLOCATION`), timed by that mode. Also
        ``pct_of_visits`` (share of the group's visits going by the mode) and ``pct_riding``
        (``bus`` rows, when walking times are known: share of its reachable visits whose bus
        journey is faster than walking all the way, i.e. who board a bus; NaN otherwise).
        Unreachable journeys count at the group's own shares. Empty when no times by mode
        were given.
    site_modes
        The figures of :attr:`sites` by mode for each open site: index (``site_id``,
        ``mode``), with ``name``, ``pct_of_visits`` (of the site's visits) and ``pct_riding``.
    mode_minutes
        Per cell (index ``cell_id``) and mode (one column each): the visit-weighted mean
        journey by that mode of the cell's visits that go by it, weighted as ``minutes``;
        ``inf`` where none is reachable, NaN where no visit goes by that mode.
    """

    open_sites: tuple[str, ...]
    cells: gpd.GeoDataFrame
    catchments: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    groups: pd.DataFrame
    modes: pd.DataFrame = field(default_factory=lambda: _by_mode_frame("group"))
    site_modes: pd.DataFrame = field(default_factory=lambda: _by_mode_frame("site_id"))
    mode_minutes: pd.DataFrame = field(default_factory=pd.DataFrame)


def _by_mode_frame(name: str) -> pd.DataFrame:
    """Return an empty table by mode, index (``name``, ``mode``)."""
    index = pd.MultiIndex.from_tuples([], names=[name, "mode"])
    return pd.DataFrame(index=index)
