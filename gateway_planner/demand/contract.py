"""The ``cells`` contract, checked the same way whatever the cells came from.

Every path into a run (raster, vector grid, zones, CSV grid, the pilot pack) ends with
:func:`validate_cells`, which collects every problem and raises one :class:`InputError` listing
them all.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from ..contracts import SHARE_PREFIX, SHARE_TOLERANCE
from ..errors import InputError
from ..groups import CustomerGroup

__all__ = ["share_columns", "validate_cells"]

_FIX = "give a population >= 0 and one share__<group id> column per group, summing to 1 per cell"


def share_columns(groups: Sequence[CustomerGroup]) -> list[str]:
    """Names of the ``share__<group id>`` columns, in group order."""
    return [f"{SHARE_PREFIX}{g.id}" for g in groups]


def _population_problems(cells: pd.DataFrame) -> list[str]:
    if "population" not in cells.columns:
        return ["column 'population' is missing"]
    pop = pd.to_numeric(cells["population"], errors="coerce").to_numpy(dtype=float)
    bad = int(np.count_nonzero(~np.isfinite(pop) | (pop < 0)))
    return [f"{bad} cells have a negative or missing population"] if bad else []


def _share_problems(cells: pd.DataFrame, groups: Sequence[CustomerGroup]) -> list[str]:
    cols = share_columns(groups)
    missing = [c for c in cols if c not in cells.columns]
    extra = sorted(c for c in cells.columns if c.startswith(SHARE_PREFIX) and c not in cols)
    if missing:
        known = [g.id for g in groups]
        return [
            f"share columns {missing} are missing"
            + (f" and {extra} name no known group (groups: {known})" if extra else "")
        ]
    problems = []
    if extra:
        problems.append(f"share columns {extra} name no known group")
    shares = cells[cols].to_numpy(dtype=float)
    bad = ~np.isfinite(shares).all(axis=1) | (shares < 0).any(axis=1)
    if bad.any():
        problems.append(f"{int(bad.sum())} cells have a negative or missing group share")
    total = np.where(bad, 1.0, shares.sum(axis=1))
    off = np.abs(total - 1.0) > SHARE_TOLERANCE
    if off.any():
        worst = total[np.argmax(np.abs(total - 1.0))]
        problems.append(
            f"group shares do not sum to 1 in {int(off.sum())} cells (worst {worst:.6g})"
        )
    return problems


def _geometry_problems(cells: gpd.GeoDataFrame) -> list[str]:
    problems = []
    if not isinstance(cells, gpd.GeoDataFrame) or cells.crs is None:
        problems.append("cells have no CRS")
    elif not pyproj.CRS.from_user_input(cells.crs).is_projected:
        problems.append(f"cells are in {cells.crs.to_string()}, not a projected CRS in metres")
    ids = pd.Index(cells.index)
    if len(ids) and (ids.inferred_type != "string" or (ids.str.len() == 0).any()):
        problems.append("cell ids (the index) must be non-empty strings")
    dup = ids[ids.duplicated()]
    if len(dup):
        problems.append(f"{len(dup)} duplicate cell ids, e.g. {dup[0]!r}")
    if isinstance(cells, gpd.GeoDataFrame):
        geom = cells.geometry.array
        bad = int(np.count_nonzero(geom.isna() | geom.is_empty))
        if bad:
            problems.append(f"{bad} cells have no geometry")
    if cells.empty:
        problems.append("no cells")
    return problems


def validate_cells(
    cells: gpd.GeoDataFrame, groups: Sequence[CustomerGroup], *, source: str = "cells"
) -> None:
    """Check the ``cells`` contract and report every problem at once.

    Parameters
    ----------
    cells
        Index ``cell_id`` (unique strings), projected CRS, ``population`` (>= 0), one
        ``share__<group id>`` column per group (rows sum to 1 within
        :data:`gateway_planner.contracts.SHARE_TOLERANCE`),
        polygon geometry.
    groups
        The run's customer groups.
    source
        Where the cells came from, named in the message (a file, ``"pilot:swale"``).

    Raises
    ------
    InputError
        Listing every problem found.
    """
    problems = [
        *_geometry_problems(cells),
        *_population_problems(cells),
        *_share_problems(cells, groups),
    ]
    if problems:
        msg = "; ".join(problems)
        raise InputError(msg, file=source, field="cells", fix=_FIX)


def _check_weights_input(
    cells: pd.DataFrame, groups: Sequence[CustomerGroup], *, source: str
) -> None:
    """Check the part of the contract the weights need (population and shares)."""
    problems = [*_population_problems(cells), *_share_problems(cells, groups)]
    if problems:
        msg = "; ".join(problems)
        raise InputError(msg, file=source, field="cells", fix=_FIX)
