"""What the demand stage read: cells kept, population, and what was dropped and why.

:class:`DemandSummary` is logged as one line and returned with the cells so that the orchestrator
can put :meth:`DemandSummary.to_dict` into ``summary.json``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DROP_REASONS", "DemandSummary", "Dropped"]

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
                for reason, d in sorted(self.dropped.items(), key=lambda kv: _order(kv[0]))
            },
            "cell_size": self.cell_size,
            "zones": self.zones,
            "shares": self.shares,
        }

    def describe(self) -> str:
        """One line for the log."""
        drops = ", ".join(
            f"{d.count} {reason}" + (f" ({d.population:.0f} people)" if d.population else "")
            for reason, d in sorted(self.dropped.items(), key=lambda kv: _order(kv[0]))
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
