"""Customer-group shares from the ONS 2011 Output Area Classification (OAC) and a crosswalk.

The Swale cells' shares are measured x assumed: each postcode position the population grid counts
takes the OAC subgroup of its postcode (:func:`gateway_planner.pilot._sources.read_oac`), a cell's
OAC mix is the count of its positions by subgroup, and the crosswalk
(``data/pilot/oac_crosswalk.csv``, read by :func:`read_crosswalk`) turns each subgroup into
shares of the customer groups. The Pays de Saint-Omer has no OAC: its cells take the mean shares of
the Swale cells of their density class (:func:`shares_by_class`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._files import read_csv
from ..contracts import SHARE_PREFIX
from ..errors import InputError, InputProblem
from ._grid import round_to_total

__all__ = [
    "Crosswalk",
    "PositionSubgroups",
    "cell_oac",
    "position_subgroups",
    "read_crosswalk",
    "shares_by_class",
]

#: the columns naming a crosswalk row (its subgroup), before the share columns and ``why``
NAME_COLUMNS = ("oac_code", "supergroup", "group", "subgroup")
#: shares of a row sum to 1 within this
TOLERANCE = 1e-9
#: shares are written to this many decimals, rows summing exactly to 1
DECIMALS = 4


@dataclass(frozen=True)
class Crosswalk:
    """OAC subgroup -> customer-group shares (``data/pilot/oac_crosswalk.csv``), checked.

    Attributes
    ----------
    table
        Index ``oac_code``; ``supergroup``, ``group``, ``subgroup``, one ``share__<group id>``
        column per group (in the groups' order) and ``why``.
    group_ids
        The customer groups, in the order of the share columns.
    text
        The file as read (the build copies it into the pack unchanged).
    """

    table: pd.DataFrame
    group_ids: tuple[str, ...]
    text: str

    def shares(self, codes: Sequence[str]) -> np.ndarray:
        """Shares of the groups for each code, shape (len(codes), n_groups)."""
        columns = [f"{SHARE_PREFIX}{g}" for g in self.group_ids]
        return np.asarray(self.table.loc[list(codes), columns], dtype=float)


def read_crosswalk(path: str | Path, *, group_ids: Sequence[str], names: pd.DataFrame) -> Crosswalk:
    """Read and check the OAC crosswalk: one row per subgroup, shares of every group summing to 1.

    Parameters
    ----------
    path
        The CSV file: ``oac_code``, ``supergroup``, ``group``, ``subgroup``, one
        ``share__<group id>`` column per customer group, ``why``.
    group_ids
        The customer groups (``groups.toml``).
    names
        Every subgroup of the classification (index ``oac_code``; ``supergroup``, ``group``,
        ``subgroup``), as :func:`~gateway_planner.pilot._sources.read_oac` gives them.

    Returns
    -------
    Crosswalk
        The checked table, rows in code order.

    Raises
    ------
    InputError
        Listing every problem at once: missing or unknown columns, a subgroup missing or given
        twice or unknown, names that are not the classification's, shares that are not numbers
        in [0, 1] or do not sum to 1, an empty ``why``.
    """
    path = Path(path)
    share_columns = [f"{SHARE_PREFIX}{g}" for g in group_ids]
    expected = [*NAME_COLUMNS, *share_columns, "why"]
    frame = read_csv(path, field=None, text=(*NAME_COLUMNS, "why"))
    if list(frame.columns) != expected:
        msg = f"columns {list(frame.columns)} are not {expected}"
        raise InputError(msg, file=path, field="columns", fix=f"use the columns {expected}")
    problems: list[InputProblem] = []
    codes = frame["oac_code"].astype(str).str.strip()
    repeated = sorted(set(codes[codes.duplicated()]))
    if repeated:
        problems.append(
            InputProblem("oac_code", f"subgroups {repeated} have more than one row", "keep one")
        )
    unknown = sorted(set(codes) - set(names.index))
    if unknown:
        problems.append(
            InputProblem(
                "oac_code",
                f"{unknown} are not subgroups of the 2011 OAC",
                "use the codes of the demography package (1A1 ... 8D3)",
            )
        )
    missing = sorted(set(names.index) - set(codes))
    if missing:
        problems.append(
            InputProblem(
                "oac_code",
                f"{len(missing)} subgroups have no row (first: {missing[0]})",
                "give every subgroup of the classification a row",
            )
        )
    known = codes.isin(names.index).to_numpy() & ~codes.duplicated().to_numpy()
    for column in NAME_COLUMNS[1:]:
        given = frame.loc[known, column].astype(str).to_numpy()
        truth = names.loc[codes[known], column].astype(str).to_numpy()
        wrong = np.flatnonzero(given != truth)
        if wrong.size:
            i = int(wrong[0])
            problems.append(
                InputProblem(
                    column,
                    f"{wrong.size} rows name another {column} than the classification "
                    f"(first: {codes[known].iloc[i]} {given[i]!r}, not {truth[i]!r})",
                    "copy the names of the demography package",
                )
            )
    values = frame[share_columns].apply(pd.to_numeric, errors="coerce")
    bad = values.isna().any(axis=1) | ((values < 0) | (values > 1)).any(axis=1)
    if bad.any():
        first = codes[bad.to_numpy()].iloc[0]
        problems.append(
            InputProblem(
                share_columns[0],
                f"{int(bad.sum())} rows hold shares that are not numbers from 0 to 1 (first: {first})",
                "write each share as a number from 0 to 1",
            )
        )
    sums = values.sum(axis=1)
    off = ~bad & ((sums - 1.0).abs() > TOLERANCE)
    if off.any():
        first = codes[off.to_numpy()].iloc[0]
        problems.append(
            InputProblem(
                share_columns[0],
                f"{int(off.sum())} rows' shares do not sum to 1 (first: {first}, "
                f"{sums[off].iloc[0]:.6g})",
                "make each row's shares sum to 1",
            )
        )
    empty = frame["why"].astype(str).str.strip() == ""
    if empty.any():
        problems.append(
            InputProblem(
                "why",
                f"{int(empty.sum())} rows give no reason (first: {codes[empty.to_numpy()].iloc[0]})",
                "say which group the subgroup goes to and why",
            )
        )
    if problems:
        raise InputError.from_problems(problems, file=path)
    table = frame.assign(oac_code=codes).set_index("oac_code")
    table[share_columns] = values.to_numpy(dtype=float)
    return Crosswalk(table.sort_index(), tuple(group_ids), path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class PositionSubgroups:
    """The OAC subgroup of each counted postcode position, and how many were filled in."""

    codes: np.ndarray  # subgroup code per position (object array)
    looked_up: np.ndarray  # per position: its postcode is in the package's lookup (bool)


def position_subgroups(positions: pd.DataFrame, subgroups: pd.Series) -> PositionSubgroups:
    """Give each postcode position the OAC subgroup of its postcode, or of the nearest one.

    A position whose postcode the lookup does not hold takes the subgroup of the nearest
    position whose postcode it holds (straight-line distance; on a tie the first in the
    positions' order, which is postcode order).

    Parameters
    ----------
    positions
        ``pcd``, ``x``, ``y`` (metres) of the counted positions.
    subgroups
        Subgroup code or None per postcode (index the postcodes), from
        :func:`~gateway_planner.pilot._sources.read_oac`.

    Returns
    -------
    PositionSubgroups
        A code for every position.

    Raises
    ------
    InputError
        When no position's postcode is in the lookup.
    """
    codes = subgroups.reindex(positions["pcd"]).to_numpy(dtype=object, copy=True)
    looked_up = np.array([isinstance(c, str) for c in codes], dtype=bool)
    if not looked_up.any():
        msg = "no postcode of the area is in the demography package's OAC lookup"
        raise InputError(msg, field="pcd", fix="check the demography package version")
    xy = positions[["x", "y"]].to_numpy(dtype=float)
    known = np.flatnonzero(looked_up)
    for i in np.flatnonzero(~looked_up):
        d2 = ((xy[known] - xy[i]) ** 2).sum(axis=1)
        codes[i] = codes[known[int(np.argmin(d2))]]
    return PositionSubgroups(codes, looked_up)


def cell_oac(
    cell_ids: Sequence[str], codes: np.ndarray, crosswalk: Crosswalk
) -> tuple[pd.DataFrame, pd.Series]:
    """Group shares and OAC mix of each cell from the subgroups of its positions.

    Parameters
    ----------
    cell_ids
        The cell of each position.
    codes
        The OAC subgroup of each position (:func:`position_subgroups`).
    crosswalk
        Subgroup -> group shares.

    Returns
    -------
    shares : pandas.DataFrame
        Index ``cell_id`` (sorted); one ``share__<group id>`` column per group: the mean of the
        crosswalk rows of the cell's positions, to 4 decimals, each row summing exactly to 1.
    mix : pandas.Series
        Per cell, its positions by subgroup, most first (ties in code order), e.g.
        ``"7A2:12 8C1:3"``.
    """
    counts = (
        pd.crosstab(pd.Index(list(cell_ids), name="cell_id"), pd.Index(codes, name="oac_code"))
        .sort_index()
        .sort_index(axis=1)
    )
    weights = counts.to_numpy(dtype=float)
    mean = weights @ crosswalk.shares(counts.columns) / weights.sum(axis=1, keepdims=True)
    rounded = np.vstack([round_to_total(row, 1.0, decimals=DECIMALS) for row in mean])
    columns = [f"{SHARE_PREFIX}{g}" for g in crosswalk.group_ids]
    shares = pd.DataFrame(rounded, index=counts.index, columns=columns)
    mix = pd.Series(
        [
            " ".join(
                f"{code}:{n}"
                for code, n in sorted(row.items(), key=lambda kv: (-kv[1], kv[0]))
                if n > 0
            )
            for _, row in counts.iterrows()
        ],
        index=counts.index,
        dtype=object,
    )
    return shares, mix


def shares_by_class(
    cells: pd.DataFrame, classes: Sequence[str], group_ids: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Population-weighted mean group shares of the cells of each density class.

    Parameters
    ----------
    cells
        ``population``, ``density_class`` and one ``share__<group id>`` column per group.
    classes
        The class ids; each must hold at least one populated cell.
    group_ids
        The customer groups.

    Returns
    -------
    dict
        Class id -> group id -> share, to 4 decimals, summing exactly to 1.

    Raises
    ------
    InputError
        When a class holds no populated cell (it would have no shares).
    """
    columns = [f"{SHARE_PREFIX}{g}" for g in group_ids]
    out: dict[str, dict[str, float]] = {}
    for klass in classes:
        mine = cells[cells["density_class"] == klass]
        people = mine["population"].to_numpy(dtype=float)
        if not people.sum() > 0:
            msg = f"no populated Swale cell of density class {klass!r} to take its shares from"
            raise InputError(msg, field="density_class", fix="check the density classes")
        mean = people @ mine[columns].to_numpy(dtype=float) / people.sum()
        rounded = round_to_total(mean, 1.0, decimals=DECIMALS)
        out[klass] = {g: float(v) for g, v in zip(group_ids, rounded, strict=True)}
        assert math.isclose(sum(out[klass].values()), 1.0, abs_tol=1e-9)
    return out
