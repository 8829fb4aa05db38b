"""What a population reader takes (:class:`PopulationFile`) and hands on (:class:`ReadCells`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from ..contracts import Dropped

__all__ = ["PopulationFile", "ReadCells"]


@dataclass(frozen=True)
class PopulationFile:
    """A population file and how to read it (the ``[demand]`` keys of a scenario).

    Attributes
    ----------
    path
        The file.
    kind
        One of {auto, raster, vector, zones, csv}.
    population_column
        Population column (vector, zones, csv).
    id_column
        Column of cell ids (vector, csv).
    zone_id_column
        Column of zone codes (zones).
    cell_size
        Side of square cells in metres (raster: summed into them; zones: spread over them,
        250 m when None; csv: the cells' side).
    """

    path: Path
    kind: str = "auto"
    population_column: str = "population"
    id_column: str | None = None
    zone_id_column: str = "zone_code"
    cell_size: float | None = None


@dataclass(frozen=True)
class ReadCells:
    """Cells read from a population file, before the group shares are settled.

    Attributes
    ----------
    cells
        Index ``cell_id``, ``population``, any ``share__*`` columns the file holds, geometry.
    population_read
        Valid population read (see :attr:`gateway_planner.contracts.DemandSummary.population_read`).
    dropped
        Items left out, by reason.
    cell_size
        Side of the square cells in metres, when the cells are a regular grid made here.
    zones
        Zones read, for population zones.
    """

    cells: gpd.GeoDataFrame
    population_read: float
    dropped: dict[str, Dropped] = field(default_factory=dict)
    cell_size: float | None = None
    zones: int | None = None
