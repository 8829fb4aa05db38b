"""Customer-group shares from a segmentation table, joined to the cells.

A shares table gives, per zone (LSOA, IRIS, ...) or per cell, the share of the population in
each customer group. Two layouts are read, from a CSV or any vector file:

wide
    one row per zone: the key column and one ``share__<group id>`` column per group::

        zone_code,share__older_low_income,share__working_age,share__online
        E01024475,0.30,0.50,0.20

long
    one row per zone and group: the key column, ``group`` and ``share``::

        zone_code,group,share
        E01024475,older_low_income,0.30

Every group of ``groups.toml`` needs shares, every group id must be known, and each row must sum
to 1 (within 1e-6). Shares by zone reach the cells by area: a cell's share of a group is the
area-weighted mean over the zones it overlaps (tobler's intensive estimate, as a sparse product);
a zone that holds the larger part of some cell must have shares. Keys absent from the zones are ignored with
a :class:`GatewayPlannerWarning` giving their count.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from .._files import label, read_table, require_column, unique_ids
from ..contracts import SHARE_PREFIX, SHARE_TOLERANCE
from ..errors import GatewayPlannerWarning, InputError
from ..groups import CustomerGroup
from ._overlay import area_table, main_source, weighted_mean
from .contract import share_columns

__all__ = ["check_share_table", "join_shares", "read_shares"]

logger = logging.getLogger(__name__)

_FIELD = "demand.shares"


def _from_long(
    frame: pd.DataFrame, key: str, groups: Sequence[CustomerGroup], path: Path
) -> pd.DataFrame:
    known = [g.id for g in groups]
    gids = frame["group"].astype(str).str.strip()
    unknown = sorted(set(gids) - set(known))
    if unknown:
        msg = f"unknown group ids {unknown} (the groups file defines {known})"
        raise InputError(msg, file=path, field="group", fix="use the ids of groups.toml")
    keys = frame[key].astype(str).str.strip()
    dup = pd.DataFrame({"k": keys, "g": gids}).duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        msg = f"{int(dup.sum())} repeated (key, group) rows, e.g. ({keys.iloc[row]!r}, {gids.iloc[row]!r})"
        raise InputError(msg, file=path, field=key, fix="give one row per zone and group")
    values = _numbers(frame["share"], keys, path=path, field="share")
    wide = pd.DataFrame({key: keys, "group": SHARE_PREFIX + gids, "share": values}).pivot_table(
        index=key, columns="group", values="share", aggfunc="first", fill_value=0.0
    )
    return wide.reindex(columns=[c for c in share_columns(groups) if c in wide.columns])


def _numbers(column: pd.Series, keys: pd.Series, *, path: Path, field: str) -> np.ndarray:
    values: np.ndarray = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0) | (values > 1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = (
            f"{int(bad.sum())} shares are missing or outside 0..1 "
            f"(first: {keys.iloc[row]!r} = {label(column.iloc[row])})"
        )
        raise InputError(msg, file=path, field=field, fix="write shares as numbers from 0 to 1")
    return values


def check_share_table(
    frame: pd.DataFrame, groups: Sequence[CustomerGroup] | None, *, file: str | Path, key: str
) -> pd.DataFrame:
    """Check a wide table of ``share__<group>`` columns (index = keys) against the groups.

    Parameters
    ----------
    frame
        Index = zone codes or cell ids; ``share__*`` columns (other columns are ignored).
    groups
        The run's customer groups; None checks only the values and the sums.
    file
        The file, for messages.
    key
        The key column, for messages.

    Returns
    -------
    pandas.DataFrame
        float64 shares, columns in group order, same index.
    """
    path = Path(file)
    present = [str(c) for c in frame.columns if str(c).startswith(SHARE_PREFIX)]
    wanted = present if groups is None else share_columns(groups)
    if not present:
        msg = "no share__<group id> columns (nor group and share columns)"
        raise InputError(
            msg,
            file=path,
            field=_FIELD,
            fix="give one share__<group id> column per group, or columns group and share",
        )
    unknown = [c for c in present if c not in wanted]
    if unknown:
        msg = f"unknown group ids {[c.removeprefix(SHARE_PREFIX) for c in unknown]} (the groups file defines {[c.removeprefix(SHARE_PREFIX) for c in wanted]})"
        raise InputError(msg, file=path, field=unknown[0], fix="use the ids of groups.toml")
    missing = [c for c in wanted if c not in present]
    if missing:
        msg = f"no shares for groups {[c.removeprefix(SHARE_PREFIX) for c in missing]}"
        raise InputError(
            msg,
            file=path,
            field=missing[0],
            fix="add a share__<group id> column for every group (0 where a group is absent)",
        )
    keys = pd.Series(frame.index.astype(str), index=frame.index)
    values = np.column_stack(
        [_numbers(frame[c].reset_index(drop=True), keys, path=path, field=c) for c in wanted]
    )
    total = values.sum(axis=1)
    off = np.abs(total - 1.0) > SHARE_TOLERANCE
    if off.any():
        row = int(np.flatnonzero(off)[0])
        msg = (
            f"group shares do not sum to 1 in {int(off.sum())} rows "
            f"(first: {keys.iloc[row]!r} sums to {total[row]:.6g})"
        )
        raise InputError(
            msg, file=path, field=key, fix="rescale each row's shares so they sum to 1"
        )
    return pd.DataFrame(values, index=frame.index, columns=wanted)


def read_shares(
    path: str | Path, groups: Sequence[CustomerGroup], *, key: str = "zone_code"
) -> pd.DataFrame:
    """Read and check a shares table (layouts in this module's docstring).

    Parameters
    ----------
    path
        CSV, GeoPackage or any vector file.
    groups
        The run's customer groups.
    key
        Column holding the zone codes or cell ids.

    Returns
    -------
    pandas.DataFrame
        Index = keys (str, named ``key``), one ``share__<group id>`` column per group in group
        order; a GeoDataFrame with the zones' geometry when the file has geometry (wide layout).

    Raises
    ------
    InputError
        Missing key column, repeated keys, unknown or missing groups, shares outside 0..1 or
        rows not summing to 1.
    """
    path = Path(path)
    frame = read_table(path, field=_FIELD, key=key)
    fix = "name the zone code (or cell id) column in demand.shares_key"
    require_column(frame, key, file=path, fix=fix, what="key column")
    long = {"group", "share"} <= set(frame.columns) and not any(
        str(c).startswith(SHARE_PREFIX) for c in frame.columns
    )
    if long:
        wide = _from_long(
            pd.DataFrame(frame.drop(columns="geometry", errors="ignore")), key, groups, path
        )
        geometry = None
    else:
        ids = unique_ids(frame[key], file=path, field=key, what="row")
        wide = frame.set_axis(pd.Index(ids, name=key), axis=0)
        geometry = frame.geometry.to_numpy() if isinstance(frame, gpd.GeoDataFrame) else None
    table = check_share_table(wide, groups, file=path, key=key)
    table.index.name = key
    if geometry is not None:
        table = gpd.GeoDataFrame(table, geometry=geometry, crs=frame.crs)
    logger.debug("read shares of %d groups for %d keys from %s", len(groups), len(table), path)
    return table


def _warn_unknown(keys: pd.Index, known: pd.Index, *, file: str, what: str) -> None:
    unknown = keys[~keys.isin(known)]
    if len(unknown):
        examples = ", ".join(repr(k) for k in unknown[:3])
        msg = (
            f"{file}: {len(unknown)} keys of the shares table are not among the {len(known)} "
            f"{what} (e.g. {examples}); they are ignored"
        )
        warnings.warn(msg, GatewayPlannerWarning, stacklevel=3)


def join_shares(
    cells: gpd.GeoDataFrame,
    shares: pd.DataFrame,
    groups: Sequence[CustomerGroup],
    *,
    by: Literal["zone", "cell"] = "zone",
    zones: gpd.GeoDataFrame | None = None,
    file: str | Path = "demand.shares",
    zones_file: str | Path = "demand.zones",
) -> gpd.GeoDataFrame:
    """Give the cells one ``share__<group id>`` column per group from a shares table.

    Parameters
    ----------
    cells
        Cells with ``population`` (existing ``share__*`` columns are replaced).
    shares
        From :func:`read_shares`.
    groups
        The run's customer groups.
    by
        ``"cell"``: the table's keys are cell ids; ``"zone"``: zone codes of ``zones`` (or of
        the table's own geometry when ``zones`` is None), joined by area.
    zones
        Zone polygons indexed by code, in the cells' CRS.
    file, zones_file
        Names for messages.

    Returns
    -------
    geopandas.GeoDataFrame
        The cells with the shares, rows summing to 1.

    Raises
    ------
    InputError
        Cells without shares (by cell), zones holding most of a cell without shares, cells
        outside every zone with shares (by zone).
    """
    cols = share_columns(groups)
    cells = cells.drop(columns=[c for c in cells.columns if str(c).startswith(SHARE_PREFIX)])
    file = str(file)
    if by == "cell":
        _warn_unknown(shares.index, cells.index, file=file, what="cells")
        lacking = ~cells.index.isin(shares.index)
        if lacking.any():
            msg = (
                f"{int(lacking.sum())} cells ({cells['population'].to_numpy()[lacking].sum():.0f} "
                f"people) have no row, e.g. {cells.index[lacking][0]!r}"
            )
            raise InputError(
                msg,
                file=file,
                field=str(shares.index.name),
                fix="add a row of shares for every cell",
            )
        values = shares.loc[cells.index, cols].to_numpy(dtype=float)
    else:
        values = _by_zone(cells, shares, cols, zones=zones, file=file, zones_file=str(zones_file))
    values = values / values.sum(axis=1, keepdims=True)
    return cells.assign(**{c: values[:, j] for j, c in enumerate(cols)})


def _by_zone(
    cells: gpd.GeoDataFrame,
    shares: pd.DataFrame,
    cols: list[str],
    *,
    zones: gpd.GeoDataFrame | None,
    file: str,
    zones_file: str,
) -> np.ndarray:
    if zones is None:
        if not isinstance(shares, gpd.GeoDataFrame):
            msg = "shares by zone code need the zones' polygons"
            raise InputError(
                msg,
                file=file,
                field="demand.zones",
                fix="set demand.zones to the zones file (with demand.zone_id_column), or give the shares as a GeoPackage with geometry",
            )
        zones, zones_file = shares.to_crs(cells.crs), file
    else:
        _warn_unknown(shares.index, zones.index, file=file, what=f"zones of {zones_file}")
    has = zones.index.isin(shares.index)
    table = area_table(zones.geometry.to_numpy(), cells.geometry.to_numpy())
    covered, main = main_source(table)
    lacking_zone = (main >= 0) & ~has[np.maximum(main, 0)]
    if lacking_zone.any():
        missing = pd.unique(zones.index[main[lacking_zone]])
        examples = ", ".join(repr(z) for z in missing[:3])
        msg = (
            f"{len(missing)} zones of {zones_file} holding people of the study area have no "
            f"group shares, e.g. {examples}"
        )
        raise InputError(
            msg, file=file, field=str(shares.index.name), fix="add a row of shares for every zone"
        )
    rows = np.flatnonzero(has)
    with_shares = table[rows]
    covered = np.asarray(with_shares.sum(axis=0)).ravel() > 0
    if not covered.all():
        people = float(cells["population"].to_numpy()[~covered].sum())
        msg = (
            f"{int((~covered).sum())} cells ({people:.0f} people) lie outside every zone of "
            f"{zones_file} that has shares, e.g. {cells.index[~covered][0]!r}"
        )
        raise InputError(
            msg,
            file=file,
            field="demand.zones",
            fix="give zones (and shares) that cover the whole study area",
        )
    values = shares.loc[zones.index[rows], cols].to_numpy(dtype=float)
    return weighted_mean(with_shares, values)
