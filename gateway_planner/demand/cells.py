"""From the planner's files to checked ``cells`` and a summary of what was read.

:func:`build_demand_cells` is the one path every population input takes (the pilot's cells too): read
the population (:mod:`.grids`), settle the group shares (the file's own ``share__*`` columns, or a
shares table joined by cell id or by zone, :mod:`.shares`), check the ``cells`` contract
(:func:`.validate_cells`) and summarise.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd
import pyproj
from shapely.geometry.base import BaseGeometry

from .._deprecation import deprecated_alias
from ..contracts import SHARE_PREFIX, DemandSummary
from ..errors import InputError
from ..groups import CustomerGroup
from ._read import PopulationFile, ReadCells
from ._zones import read_zones
from .contract import validate_cells
from .grids import _read_population, population_kind
from .shares import join_shares, read_shares

__all__ = ["DemandCells", "build_demand_cells", "load_cells"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemandCells:
    """Checked cells and the summary of how they were made.

    Attributes
    ----------
    cells
        The ``cells`` contract, one ``share__<group id>`` column per group in group order.
    summary
        What was read, kept and dropped (``summary.to_dict()`` goes into ``summary.json``).
    """

    cells: gpd.GeoDataFrame
    summary: DemandSummary


def _name(path: str | Path) -> str:
    return Path(path).name


def build_demand_cells(
    population: str | Path | gpd.GeoDataFrame,
    groups: Sequence[CustomerGroup],
    *,
    crs: pyproj.CRS,
    boundary: BaseGeometry | None = None,
    kind: str = "auto",
    population_column: str = "population",
    cell_id_column: str | None = None,
    zone_id_column: str = "zone_code",
    cell_size: float | None = None,
    shares: str | Path | None = None,
    shares_key: str | None = None,
    shares_by: Literal["zone", "cell"] = "zone",
    zones: str | Path | gpd.GeoDataFrame | None = None,
    label: str | None = None,
    zones_label: str | None = None,
) -> DemandCells:
    """Build the run's checked cells: read the population, settle the group shares, summarise.

    Parameters
    ----------
    population
        A population file (kinds in :mod:`gateway_planner.demand.grids`), or ready cells (a
        GeoDataFrame in the ``cells`` shape, e.g. the pilot's), taken as they are.
    groups
        The run's customer groups.
    crs
        Projected CRS of the run.
    boundary
        Study area in ``crs``.
    kind
        One of {auto, raster, vector, zones, csv}; for ready cells, the kind the summary
        names (``"cells"`` under ``"auto"``, e.g. ``"pilot"``).
    population_column, cell_id_column, zone_id_column, cell_size
        See :func:`gateway_planner.demand.read_population_cells`.
    shares
        Shares table (CSV or vector file; layouts in :mod:`gateway_planner.demand.shares`);
        replaces any ``share__*`` columns of the population.
    shares_key
        Key column of the shares table; ``zone_id_column`` (by zone) or ``cell_id_column`` /
        ``"cell_id"`` (by cell) when None.
    shares_by
        ``"zone"``: keys are zone codes; ``"cell"``: keys are cell ids.
    zones
        Zone polygons (file or GeoDataFrame with ``zone_id_column``) the shares' zone codes
        refer to. When None: the shares file's own geometry, else the population zones.
    label, zones_label
        Names of ``population`` and ``zones`` in messages and the summary when they are
        GeoDataFrames.

    Returns
    -------
    DemandCells

    Raises
    ------
    InputError
        Naming the file, the field and the fix (bad population, shares, zones, CRS, ids, empty
        result).
    """
    if shares_by not in ("zone", "cell"):
        msg = f"shares_by is {shares_by!r}"
        raise InputError(msg, field="demand.shares_by", fix="use 'zone' or 'cell'")
    key = shares_key or (zone_id_column if shares_by == "zone" else cell_id_column or "cell_id")
    table = None if shares is None else read_shares(shares, groups, key=key)
    # zone codes with no zones of their own refer to the population zones: the shares then
    # travel with the people as group counts (exact group totals)
    on_zones = (
        not isinstance(population, gpd.GeoDataFrame)
        and population_kind(population, kind) == "zones"
        and table is not None
        and shares_by == "zone"
        and zones is None
        and not isinstance(table, gpd.GeoDataFrame)
    )
    if isinstance(population, gpd.GeoDataFrame):
        kind_read, source = ("cells" if kind == "auto" else kind), label or "cells"
        read = _ready(population, crs)
    else:
        source = str(population)
        source_file = PopulationFile(
            Path(population), kind, population_column, cell_id_column, zone_id_column, cell_size
        )
        kind_read, read = _read_population(
            source_file,
            crs=crs,
            boundary=boundary,
            zone_shares=table if on_zones else None,
            shares_file=str(shares) if on_zones else None,
        )
    if on_zones:
        cells, how = read.cells, f"{_name(str(shares))} by zone code (population zones)"
    elif table is None:
        cells, how = _own_shares(read.cells, source=source)
    else:
        joined = _SharesTable(table, str(shares), shares_by, zones, zones_label, zone_id_column)
        cells, how = _join_shares(read.cells, joined, groups, source=source, crs=crs)
    cells = _ordered(cells, groups)
    validate_cells(cells, groups, source=source)
    summary = DemandSummary(
        file=source,
        kind=kind_read,
        crs=crs.to_string(),
        cells=len(cells),
        population=float(cells["population"].sum()),
        population_read=read.population_read,
        dropped=dict(read.dropped),
        cell_size=None if read.cell_size is None else float(read.cell_size),
        zones=read.zones,
        shares=how,
    )
    logger.info("demand: %s", summary.describe())
    return DemandCells(cells=cells, summary=summary)


def _ready(cells: gpd.GeoDataFrame, crs: pyproj.CRS) -> ReadCells:
    """Cells given as a GeoDataFrame (the pilot's): taken as they are, in the run's CRS."""
    if cells.crs is not None:
        cells = cells.to_crs(crs)
    pop = pd.to_numeric(cells.get("population", pd.Series(dtype=float)), errors="coerce")
    return ReadCells(cells=cells, population_read=float(pop.sum()))


@dataclass(frozen=True)
class _SharesTable:
    """A shares table read, and what its keys are: cell ids, or codes of which zones."""

    table: pd.DataFrame
    file: str
    by: Literal["zone", "cell"]
    zones: str | Path | gpd.GeoDataFrame | None
    zones_label: str | None
    zone_id_column: str


def _own_shares(cells: gpd.GeoDataFrame, *, source: str) -> tuple[gpd.GeoDataFrame, str]:
    """Keep the cells' own ``share__*`` columns; say where they came from."""
    if not any(str(c).startswith(SHARE_PREFIX) for c in cells.columns):
        msg = "the cells carry no group shares and no shares table is given"
        raise InputError(
            msg,
            file=source,
            field="demand.shares",
            fix="set demand.shares to a table of group shares per zone or cell, or add share__<group id> columns",
        )
    return cells, f"{_name(source)} (share__ columns)"


def _join_shares(
    cells: gpd.GeoDataFrame,
    shares: _SharesTable,
    groups: Sequence[CustomerGroup],
    *,
    source: str,
    crs: pyproj.CRS,
) -> tuple[gpd.GeoDataFrame, str]:
    """Join a shares table to the cells (replacing their own shares); say how."""
    own = [c for c in cells.columns if str(c).startswith(SHARE_PREFIX)]
    if own:
        logger.info(
            "shares from %s replace the %d share__ columns of %s", shares.file, len(own), source
        )
    zone_frame, zones_name = None, _name(shares.file)
    if shares.by == "zone" and shares.zones is not None:
        zones_name = (
            (shares.zones_label or "zones")
            if isinstance(shares.zones, gpd.GeoDataFrame)
            else str(shares.zones)
        )
        zone_frame = read_zones(
            shares.zones,
            crs=crs,
            id_column=shares.zone_id_column,
            field="demand.zones",
            file=zones_name,
        )
    cells = join_shares(
        cells,
        shares.table,
        groups,
        by=shares.by,
        zones=zone_frame,
        file=shares.file,
        zones_file=zones_name,
    )
    if shares.by == "cell":
        return cells, f"{_name(shares.file)} by cell id"
    return cells, f"{_name(shares.file)} by zone code ({_name(zones_name)}, area-weighted)"


def _ordered(cells: gpd.GeoDataFrame, groups: Sequence[CustomerGroup]) -> gpd.GeoDataFrame:
    """Columns: population, the share columns in group order, any others, geometry."""
    wanted = [f"{SHARE_PREFIX}{g.id}" for g in groups]
    shares = [c for c in wanted if c in cells.columns]
    shares += sorted(
        c for c in cells.columns if str(c).startswith(SHARE_PREFIX) and c not in wanted
    )
    first = [c for c in ("population", *shares) if c in cells.columns]
    rest = [c for c in cells.columns if c not in {"geometry", *first}]
    return cells[[*first, *rest, "geometry"]].rename_axis("cell_id")


load_cells = deprecated_alias(
    build_demand_cells,
    old="gateway_planner.demand.load_cells",
    replacement="gateway_planner.demand.build_demand_cells(population, groups, crs=...)",
)
