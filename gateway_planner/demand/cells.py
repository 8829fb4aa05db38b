"""From the planner's files to checked ``cells`` and a summary of what was read.

:func:`load_cells` is the one path every population input takes (the pilot's cells too): read
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

from ..errors import InputError
from ..groups import CustomerGroup
from ._files import ReadCells
from ._zones import read_zones
from .contract import SHARE_PREFIX, validate_cells
from .grids import _read_population, population_kind
from .shares import join_shares, read_shares
from .summary import DemandSummary

__all__ = ["DemandCells", "load_cells"]

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


def load_cells(
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
    """Build the run's cells from a population input and (optionally) a shares table.

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
        See :func:`gateway_planner.demand.build_cells`.
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
        kind_read, read = _read_population(
            population,
            crs=crs,
            boundary=boundary,
            kind=kind,
            population_column=population_column,
            id_column=cell_id_column,
            zone_id_column=zone_id_column,
            cell_size=cell_size,
            zone_shares=table if on_zones else None,
            shares_file=str(shares) if on_zones else None,
        )
    if on_zones:
        cells, how = read.cells, f"{_name(str(shares))} by zone code (population zones)"
    else:
        cells, how = _settle_shares(
            read.cells,
            table,
            groups,
            source=source,
            shares=shares,
            shares_by=shares_by,
            zones=zones,
            zones_label=zones_label,
            zone_id_column=zone_id_column,
            crs=crs,
        )
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


def _settle_shares(
    cells: gpd.GeoDataFrame,
    table: pd.DataFrame | None,
    groups: Sequence[CustomerGroup],
    *,
    source: str,
    shares: str | Path | None,
    shares_by: Literal["zone", "cell"],
    zones: str | Path | gpd.GeoDataFrame | None,
    zones_label: str | None,
    zone_id_column: str,
    crs: pyproj.CRS,
) -> tuple[gpd.GeoDataFrame, str]:
    """Join the shares table, or keep the cells' own shares; say where they came from."""
    own = [c for c in cells.columns if str(c).startswith(SHARE_PREFIX)]
    if table is None:
        if not own:
            msg = "the cells carry no group shares and no shares table is given"
            raise InputError(
                msg,
                file=source,
                field="demand.shares",
                fix="set demand.shares to a table of group shares per zone or cell, or add share__<group id> columns",
            )
        return cells, f"{_name(source)} (share__ columns)"
    if own:
        logger.info("shares from %s replace the %d share__ columns of %s", shares, len(own), source)
    zone_frame, zones_name = None, _name(str(shares))
    if shares_by == "zone" and zones is not None:
        zones_name = (zones_label or "zones") if isinstance(zones, gpd.GeoDataFrame) else str(zones)
        zone_frame = read_zones(
            zones, crs=crs, id_column=zone_id_column, field="demand.zones", file=zones_name
        )
    cells = join_shares(
        cells,
        table,
        groups,
        by=shares_by,
        zones=zone_frame,
        file=str(shares),
        zones_file=zones_name,
    )
    if shares_by == "cell":
        return cells, f"{_name(str(shares))} by cell id"
    return cells, f"{_name(str(shares))} by zone code ({_name(zones_name)}, area-weighted)"


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
