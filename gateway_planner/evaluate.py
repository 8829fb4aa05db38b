"""Allocation, catchments, and per-site and per-group figures for a set of open sites.

Every cell's face-to-face visits of each customer group go to the open site that group reaches
fastest (its expected time over its mode mix). Catchments dissolve the cells by the site that
serves most of their visits. Figures are weighted by face-to-face visits (the people who need
face-to-face help), with population alongside.

Given the times of each mode, the same figures are given by mode: the visits of a group that
travel by a mode (its share of the group's mix, the other shares scaled up where a mode is
unavailable, as the mix's expected time does) to the site the group's allocation chose, timed
by that mode. The allocation stays by the mix: nobody is sent to another site because their
mode would reach it faster.

A group with a decay (:attr:`CustomerGroup.decay`) makes its visits times the decay factor of
its journey; the rest, and visits no open site reaches, are *lost to distance* (``visits_made``,
``visits_lost``, ``pct_lost`` per group and site; ``visits_per_month`` counts visits made).

Travel times may be dense (``inf`` = unreachable) or scipy sparse (only reachable pairs stored,
explicit zeros being journeys of 0 minutes); both give the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .contracts import ALL, MODE_ORDER, THRESHOLDS, Evaluation
from .errors import InputError
from .groups import CustomerGroup
from .minutes import Minutes, dense_columns
from .weighted import weighted_gini, weighted_quantile, worst_share_mean

__all__ = [
    "ALL",
    "RIDE_TOLERANCE",
    "THRESHOLDS",
    "Evaluation",
    "evaluate",
    "group_people",
    "site_visits_made",
    "weighted_gini",
    "weighted_quantile",
    "worst_share_mean",
]


def _stats(minutes: np.ndarray, visits: np.ndarray, people: np.ndarray) -> dict[str, float]:
    """Figures of one population of journeys: ``minutes`` per entry, weighted by ``visits``.

    Shares within a threshold are of *all* visits (unreachable ones count as not within);
    mean, quantiles, worst decile and Gini are over the reachable journeys.
    """
    reach = np.isfinite(minutes)
    m, v, p = minutes[reach], visits[reach], people[reach]
    out: dict[str, float] = {
        "people": float(people.sum()),
        "visits": float(visits.sum()),
        "unreachable_people": float(people[~reach].sum()),
        "unreachable_visits": float(visits[~reach].sum()),
    }
    vt = float(visits.sum())
    for t in THRESHOLDS:
        inside = m <= t
        out[f"pct_within_{t}"] = 100.0 * float(v[inside].sum()) / vt if vt > 0 else float("nan")
        out[f"people_within_{t}"] = float(p[inside].sum())
    vr = float(v.sum())
    out["mean_minutes"] = float((m * v).sum() / vr) if vr > 0 else float("nan")
    out["median_minutes"] = weighted_quantile(m, v, 0.5)
    out["p90_minutes"] = weighted_quantile(m, v, 0.9)
    out["worst_decile_minutes"] = worst_share_mean(m, v, 0.1)
    out["gini"] = weighted_gini(m, v)
    return out


def _check(
    cells: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    groups: Sequence[CustomerGroup],
    weights: np.ndarray,
    times: Mapping[str, Any],
    open_sites: Sequence[str],
    by_mode: Mapping[str, Minutes] | None,
) -> None:
    problems = []
    if by_mode is not None:
        for g in groups:
            missing = sorted(m for m, share in g.modes.items() if share > 0 and m not in by_mode)
            if missing:
                problems.append(f"no travel times by {', '.join(missing)} for group {g.id!r}")
        for m, t in by_mode.items():
            if t.shape != (len(cells), len(sites)):
                problems.append(
                    f"travel times by {m} have shape {t.shape}, expected {(len(cells), len(sites))}"
                )
    if weights.shape != (len(cells), len(groups)):
        problems.append(f"weights have shape {weights.shape}, expected {(len(cells), len(groups))}")
    for g in groups:
        t = times.get(g.id)
        if t is None:
            problems.append(f"no travel times for group {g.id!r}")
        elif t.shape != (len(cells), len(sites)):
            problems.append(
                f"travel times of group {g.id!r} have shape {t.shape}, expected {(len(cells), len(sites))}"
            )
    unknown = [s for s in open_sites if s not in sites.index]
    if unknown:
        problems.append(f"open sites {unknown} are not among the sites")
    if not open_sites:
        problems.append("no open site")
    if problems:
        msg = "; ".join(problems)
        raise InputError(
            msg, field="evaluate", fix="pass cells, sites, weights and times of the same run"
        )


def _allocate(
    times: Mapping[str, Any], groups: Sequence[CustomerGroup], open_idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest open site (position in ``open_idx``, -1 if none) and its minutes, per cell and group.

    Ties go to the first open site in site order (``argmin``).
    """
    best_pos, best_min = [], []
    for g in groups:
        t = dense_columns(times[g.id], open_idx)
        best = np.argmin(t, axis=1)
        best_t = t[np.arange(len(t)), best]
        best_pos.append(np.where(np.isfinite(best_t), best, -1))
        best_min.append(best_t)
    return np.stack(best_pos, axis=1), np.stack(best_min, axis=1)


def _made(groups: Sequence[CustomerGroup], minutes: np.ndarray) -> np.ndarray:
    """Share of each (cell, group)'s visits made at its journey time (0 where unreachable)."""
    out = np.where(np.isfinite(minutes), 1.0, 0.0)
    for gi, g in enumerate(groups):
        if g.decay is not None:
            out[:, gi] = g.decay.factor(minutes[:, gi])
    return out


def _lost_figures(visits: np.ndarray, made: np.ndarray) -> dict[str, float]:
    """Visits made and lost to distance (or to no reachable site) of one population of journeys."""
    total, lost = float(visits.sum()), float((visits - made).sum())
    pct = 100.0 * lost / total if total > 0 else float("nan")
    return {"visits_made": float(made.sum()), "visits_lost": lost, "pct_lost": pct}


def site_visits_made(
    groups: Sequence[CustomerGroup],
    weights: np.ndarray,
    times: Mapping[str, Minutes],
    open_idx: np.ndarray,
) -> np.ndarray:
    """Face-to-face visits per year made at each open site (after each group's decay).

    Parameters
    ----------
    groups, weights, times
        As for :func:`evaluate`.
    open_idx
        Positions of the open sites among the sites.

    Returns
    -------
    numpy.ndarray
        Visits per year made at each open site, in the order of ``open_idx``.
    """
    pos, minutes = _allocate(times, groups, np.asarray(open_idx, dtype=np.int64))
    made = np.asarray(weights, dtype=np.float64) * _made(groups, minutes)
    out = np.zeros(len(open_idx))
    np.add.at(out, pos[pos >= 0], made[pos >= 0])
    return out


def _cell_basis(weights: np.ndarray, people: np.ndarray) -> np.ndarray:
    """Weigh each cell's groups by visits, by people where it has none, else equally."""
    basis = np.where(weights.sum(axis=1, keepdims=True) > 0, weights, people)
    out: np.ndarray = np.where(basis.sum(axis=1, keepdims=True) > 0, basis, 1.0)
    return out


def _cell_summary(
    pos: np.ndarray, minutes: np.ndarray, weights: np.ndarray, people: np.ndarray, n_open: int
) -> tuple[np.ndarray, np.ndarray]:
    """Find the main site (most visits) and the mean minutes of each cell over its groups.

    Visits weight both; a cell without visits falls back to its people, then to equal weights,
    so that every reachable cell belongs to a catchment and has a journey time.
    """
    n_cells, n_groups = pos.shape
    reach = pos >= 0
    basis = np.where(reach, _cell_basis(weights, people), 0.0)
    load = np.zeros((n_cells, max(n_open, 1)))
    rows = np.repeat(np.arange(n_cells), n_groups)
    np.add.at(load, (rows[reach.ravel()], pos.ravel()[reach.ravel()]), basis.ravel()[reach.ravel()])
    main = np.argmax(load, axis=1)
    has = basis.sum(axis=1) > 0
    main = np.where(has, main, -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (np.where(reach, minutes, 0.0) * basis).sum(axis=1) / basis.sum(axis=1)
    return main, np.where(has, mean, np.inf)


def _site_rows(
    pos: np.ndarray,
    minutes: np.ndarray,
    weights: np.ndarray,
    people: np.ndarray,
    open_ids: tuple[str, ...],
    made: np.ndarray,
) -> pd.DataFrame:
    """Figures of each open site over the journeys (cell x group) allocated to it."""
    flat_pos, flat_min = pos.ravel(), minutes.ravel()
    flat_w, flat_p, flat_made = weights.ravel(), people.ravel(), made.ravel()
    rows = {}
    for k, sid in enumerate(open_ids):
        mask = flat_pos == k
        rows[sid] = _stats(flat_min[mask], flat_w[mask], flat_p[mask])
        rows[sid] |= _lost_figures(flat_w[mask], flat_made[mask])
    frame = pd.DataFrame.from_dict(rows, orient="index")
    return frame.drop(columns=["unreachable_people", "unreachable_visits"])


#: minutes by which a bus journey must beat walking all the way to count as boarding a bus
#: (the bus mode's walk-only journeys equal the walk mode's to float32 rounding)
RIDE_TOLERANCE = 0.01


@dataclass(frozen=True)
class _ByMode:
    """Each mode's journeys to the sites the groups' allocation chose, (n_cells, n_groups) each.

    ``minutes`` are the mode's minutes to the chosen site (``inf`` where there is none or the
    mode does not reach it); ``shares`` the share of each group's visits of each cell going
    by the mode.
    """

    minutes: dict[str, np.ndarray]
    shares: dict[str, np.ndarray]


def _by_mode(
    by_mode: Mapping[str, Minutes],
    groups: Sequence[CustomerGroup],
    open_idx: np.ndarray,
    pos: np.ndarray,
    minutes: np.ndarray,
) -> _ByMode:
    """Time each mode to the chosen sites and split each group's visits between its modes.

    Where the group reaches its site, a mode of its mix travels when it reaches the site too
    (a mode with a service area is ``inf`` where unavailable, and every other mode of the mix
    reaches any site the mix does); the shares of those modes are scaled up to sum to 1,
    exactly as the mix's expected time. An unreachable journey keeps the mix's own shares.
    Modes come in :data:`MODE_ORDER`.
    """
    modes = sorted(
        by_mode, key=lambda m: (MODE_ORDER.index(m) if m in MODE_ORDER else len(MODE_ORDER), m)
    )
    rows = np.arange(pos.shape[0])[:, None]
    chosen = np.clip(pos, 0, None)
    times = {}
    for m in modes:
        picked = dense_columns(by_mode[m], open_idx)[rows, chosen]
        times[m] = np.where(pos >= 0, picked, np.inf)
    nominal = np.array([[float(g.modes.get(m, 0.0)) for g in groups] for m in modes])
    nominal = nominal / np.where(nominal.sum(axis=0) > 0, nominal.sum(axis=0), 1.0)
    reached = np.isfinite(minutes)
    raw = np.stack(
        [np.where(reached & ~np.isfinite(times[m]), 0.0, nominal[k]) for k, m in enumerate(modes)]
    )
    total = raw.sum(axis=0)
    raw = np.where(total > 0, raw, nominal[:, None, :])
    shares = raw / raw.sum(axis=0).clip(min=1e-300)
    return _ByMode(times, {m: shares[k] for k, m in enumerate(modes)})


def _mode_stats(
    minutes: np.ndarray, visits: np.ndarray, people: np.ndarray, riding: np.ndarray | None
) -> dict[str, float]:
    """Figures of one mode's journeys (as :func:`_stats`) and the share of them boarding a bus."""
    out = _stats(minutes, visits, people)
    reach = np.isfinite(minutes)
    reached = float(visits[reach].sum())
    out["pct_riding"] = (
        100.0 * float(visits[reach & riding].sum()) / reached
        if riding is not None and reached > 0
        else float("nan")
    )
    return out


def _riding(journeys: _ByMode, mode: str) -> np.ndarray | None:
    """Flag the bus journeys faster than walking all the way (None for other modes)."""
    if mode != "bus" or "walk" not in journeys.minutes:
        return None
    riding: np.ndarray = journeys.minutes["bus"] < journeys.minutes["walk"] - RIDE_TOLERANCE
    return riding


def _share_pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole > 0 else float("nan")


def _mode_rows(
    journeys: _ByMode,
    groups: Sequence[CustomerGroup],
    weights: np.ndarray,
    people: np.ndarray,
    names: Mapping[str, str],
) -> pd.DataFrame:
    """Figures of each group's journeys by each mode of its mix, and of all groups by mode."""
    rows: dict[tuple[str, str], dict[str, float]] = {}
    for m, minutes in journeys.minutes.items():
        share, riding = journeys.shares[m], _riding(journeys, m)
        for gi, g in enumerate(groups):
            if g.modes.get(m, 0.0) <= 0:
                continue
            rows[(g.id, m)] = _mode_stats(
                minutes[:, gi],
                weights[:, gi] * share[:, gi],
                people[:, gi] * share[:, gi],
                None if riding is None else riding[:, gi],
            )
            rows[(g.id, m)]["pct_of_visits"] = _share_pct(
                rows[(g.id, m)]["visits"], float(weights[:, gi].sum())
            )
        rows[(ALL, m)] = _mode_stats(
            minutes.ravel(),
            (weights * share).ravel(),
            (people * share).ravel(),
            None if riding is None else riding.ravel(),
        )
        rows[(ALL, m)]["pct_of_visits"] = _share_pct(rows[(ALL, m)]["visits"], float(weights.sum()))
    table = _mode_table(rows, "group")
    table.insert(0, "name", [names[g] for g in table.index.get_level_values("group")])
    return table


def _mode_table(rows: Mapping[tuple[str, str], Mapping[str, float]], name: str) -> pd.DataFrame:
    """Rows by (``name``, mode), ``pct_of_visits`` first and ``pct_riding`` last."""
    index = pd.MultiIndex.from_tuples(list(rows), names=[name, "mode"])
    table = pd.DataFrame(list(rows.values()), index=index)
    if table.empty:
        return table
    first = ["pct_of_visits"]
    last = ["pct_riding"]
    middle = [c for c in table.columns if c not in first + last]
    return table[first + middle + last]


def _site_mode_rows(
    journeys: _ByMode,
    pos: np.ndarray,
    weights: np.ndarray,
    people: np.ndarray,
    open_ids: tuple[str, ...],
    names: Mapping[str, str],
) -> pd.DataFrame:
    """Figures of each open site's journeys by each mode that brings anyone to it."""
    rows: dict[tuple[str, str], dict[str, float]] = {}
    for k, sid in enumerate(open_ids):
        mask = pos == k
        total = float(weights[mask].sum())
        for m, minutes in journeys.minutes.items():
            share, riding = journeys.shares[m][mask], _riding(journeys, m)
            if not (share > 0).any():
                continue
            row = _mode_stats(
                minutes[mask],
                weights[mask] * share,
                people[mask] * share,
                None if riding is None else riding[mask],
            )
            row["pct_of_visits"] = _share_pct(row["visits"], total)
            rows[(sid, m)] = row
    table = _mode_table(rows, "site_id")
    if table.empty:
        return table
    table = table.drop(columns=["unreachable_people", "unreachable_visits"])
    table.insert(0, "name", [names.get(s, s) for s in table.index.get_level_values("site_id")])
    return table


def _mode_minutes(
    journeys: _ByMode, weights: np.ndarray, people: np.ndarray, index: pd.Index
) -> pd.DataFrame:
    """Mean journey by each mode of each cell's visits going by it (weighted as ``minutes``)."""
    base = _cell_basis(weights, people)
    out = {}
    for m, minutes in journeys.minutes.items():
        basis = base * journeys.shares[m]
        reach = np.isfinite(minutes) & (basis > 0)
        reached = np.where(reach, basis, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (np.where(reach, minutes, 0.0) * basis).sum(axis=1) / reached
        used = basis.sum(axis=1) > 0
        out[m] = np.where(used, np.where(reached > 0, mean, np.inf), np.nan)
    return pd.DataFrame(out, index=index.copy())


def _statuses(sites: gpd.GeoDataFrame, open_set: set[str], existing: Sequence[str]) -> list[str]:
    existing_set = set(existing)
    return [
        ("existing" if s in open_set else "closed")
        if s in existing_set
        else ("proposed" if s in open_set else "candidate")
        for s in sites.index
    ]


def group_people(
    cells: gpd.GeoDataFrame, groups: Sequence[CustomerGroup], weights: np.ndarray
) -> np.ndarray:
    """People of each cell and customer group, as :func:`evaluate` counts them.

    The cells' ``share__<group id>`` columns split their population between the groups;
    without them each cell's face-to-face visits do (a cell without visits counts no one).

    Parameters
    ----------
    cells
        The ``cells`` contract (``population``, optionally ``share__<g>`` columns).
    groups
        Customer groups, in the order of ``weights``' columns.
    weights
        Face-to-face visits per year, shape (n_cells, n_groups).

    Returns
    -------
    numpy.ndarray
        float64 (n_cells, n_groups).
    """
    weights = np.asarray(weights, dtype=np.float64)
    population = cells["population"].to_numpy(dtype=float)
    share_cols = [f"share__{g.id}" for g in groups]
    if all(c in cells.columns for c in share_cols):
        shares = cells[share_cols].to_numpy(dtype=float)
    else:
        total = weights.sum(axis=1, keepdims=True)
        shares = weights / np.where(total > 0, total, 1.0)
    people: np.ndarray = population[:, None] * shares
    return people


def evaluate(
    cells: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    groups: Sequence[CustomerGroup],
    weights: np.ndarray,
    times: Mapping[str, Any],
    open_sites: Sequence[str],
    *,
    existing: Sequence[str] = (),
    by_mode: Mapping[str, Minutes] | None = None,
) -> Evaluation:
    """Allocate demand to the open sites and compute catchments and figures.

    Parameters
    ----------
    cells
        The ``cells`` contract (index ``cell_id``, ``population``, geometry). ``share__<g>``
        columns split the population between groups; without them the visits do.
    sites
        The ``sites`` contract (index ``site_id``; ``capacity`` optional, visits per month).
    groups
        Customer groups, in the order of ``weights``' columns.
    weights
        Face-to-face visits per year, shape (n_cells, n_groups).
    times
        Minutes per group id, each (n_cells, n_sites) in ``sites`` order: a numpy array with
        ``inf`` where unreachable, or a scipy sparse matrix (e.g. CSR from a time limit) whose
        missing entries are unreachable and whose stored zeros are journeys of 0 minutes.
    open_sites
        Ids of the open sites.
    existing
        Ids of today's sites, to label sites existing / proposed / closed.
    by_mode
        Minutes per mode (e.g. ``TravelTimes.by_mode``), in the form of ``times``: adds the
        figures by mode (``modes``, ``site_modes``, ``mode_minutes``); every mode of a group's
        mix needs its times. The allocation stays by the groups' ``times``.

    Returns
    -------
    Evaluation
    """
    _check(cells, sites, groups, weights, times, open_sites, by_mode)
    weights = np.asarray(weights, dtype=np.float64)
    site_ids = np.asarray([str(s) for s in sites.index], dtype=object)
    open_set = {str(s) for s in open_sites}
    open_idx = np.array([i for i, s in enumerate(site_ids) if s in open_set], dtype=np.int64)
    open_ids = tuple(str(s) for s in site_ids[open_idx])
    open_arr = np.asarray((*open_ids, ""), dtype=object)  # position -1 -> ""
    population = cells["population"].to_numpy(dtype=float)
    people = group_people(cells, groups, weights)

    pos, minutes = _allocate(times, groups, open_idx)
    made = weights * _made(groups, minutes)
    main, cell_minutes = _cell_summary(pos, minutes, weights, people, len(open_ids))

    out = pd.DataFrame(index=cells.index.copy())
    out["population"] = population
    out["visits"] = weights.sum(axis=1)
    out["site"] = open_arr[main]
    out["minutes"] = cell_minutes
    for gi, g in enumerate(groups):
        out[f"visits__{g.id}"] = weights[:, gi]
        out[f"site__{g.id}"] = open_arr[pos[:, gi]]
        out[f"minutes__{g.id}"] = minutes[:, gi]
    cells_out = gpd.GeoDataFrame(out, geometry=cells.geometry.copy(), crs=cells.crs)

    group_rows = {
        g.id: _stats(minutes[:, gi], weights[:, gi], people[:, gi])
        | _lost_figures(weights[:, gi], made[:, gi])
        for gi, g in enumerate(groups)
    }
    group_rows[ALL] = _stats(minutes.ravel(), weights.ravel(), people.ravel()) | _lost_figures(
        weights, made
    )
    group_table = pd.DataFrame.from_dict(group_rows, orient="index")
    group_table.index.name = "group"
    names = {g.id: g.name for g in groups} | {ALL: "All groups"}
    group_table.insert(0, "name", [names[i] for i in group_table.index])

    served = cells_out[cells_out["site"] != ""]
    catch = served[["site", "population", "visits", "geometry"]].dissolve(
        by="site", aggfunc="sum", sort=True
    )
    catch.index.name = "site_id"
    catch = catch.reindex([s for s in open_ids if s in catch.index])
    catch["cells"] = served.groupby("site").size().reindex(catch.index).astype("int64")

    site_table = sites.copy()
    site_table.index = pd.Index(site_ids, name=sites.index.name or "site_id")
    site_table["status"] = _statuses(site_table, open_set, existing)
    figures = _site_rows(pos, minutes, weights, people, open_ids, made).reindex(site_table.index)
    for col in figures.columns:
        site_table[col] = figures[col]
    site_table["visits_per_month"] = site_table["visits_made"] / 12.0
    if "capacity" not in site_table.columns:
        site_table["capacity"] = np.nan
    cap = site_table["capacity"].astype(float)
    site_table["load_pct"] = np.where(cap > 0, 100.0 * site_table["visits_per_month"] / cap, np.nan)
    evaluation = Evaluation(
        open_sites=open_ids,
        cells=cells_out,
        catchments=gpd.GeoDataFrame(catch, geometry="geometry", crs=cells.crs),
        sites=site_table,
        groups=group_table,
    )
    if not by_mode:
        return evaluation
    journeys = _by_mode(by_mode, groups, open_idx, pos, minutes)
    site_names = (
        {str(k): str(v) for k, v in site_table["name"].items()}
        if "name" in site_table.columns
        else {}
    )
    return replace(
        evaluation,
        modes=_mode_rows(journeys, groups, weights, people, names),
        site_modes=_site_mode_rows(journeys, pos, weights, people, open_ids, site_names),
        mode_minutes=_mode_minutes(journeys, weights, people, cells.index),
    )
