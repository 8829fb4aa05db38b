"""Allocation, catchments, and per-site and per-group figures for a set of open sites.

Every cell's face-to-face visits of each customer group go to the open site that group reaches
fastest (its expected time over its mode mix). Catchments dissolve the cells by the site that
serves most of their visits. Figures are weighted by face-to-face visits (the people who need
face-to-face help), with population alongside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from .demand.groups import CustomerGroup
from .errors import InputError

__all__ = [
    "THRESHOLDS",
    "Evaluation",
    "evaluate",
    "weighted_gini",
    "weighted_quantile",
    "worst_share_mean",
]

THRESHOLDS: tuple[int, ...] = (10, 15, 20, 30)
ALL = "all"


@dataclass(frozen=True)
class Evaluation:
    """Figures for one set of open sites.

    Attributes
    ----------
    open_sites
        Ids of the open sites, in site order.
    cells
        Per cell: ``population``, ``visits`` (face-to-face per year), ``site`` (serving most of
        its visits), ``minutes`` (visit-weighted mean journey), and per group ``visits__<g>``,
        ``site__<g>`` and ``minutes__<g>``; geometry of the cell.
    catchments
        One polygon per open site (dissolved cells) with ``population`` and ``visits``.
    sites
        Every site with ``status`` in {existing, proposed, candidate, closed} and, for open
        sites, ``population``, ``visits``, ``visits_per_month``, ``mean_minutes``,
        ``capacity`` and ``load_pct``.
    groups
        One row per group and one for ``all``: ``people``, ``visits``, ``pct_within_<T>``
        (visits within T minutes), ``people_within_<T>``, ``mean_minutes``, ``median_minutes``,
        ``p90_minutes``, ``worst_decile_minutes``, ``gini``, ``unreachable_people``,
        ``unreachable_visits``.
    """

    open_sites: tuple[str, ...]
    cells: gpd.GeoDataFrame
    catchments: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    groups: pd.DataFrame


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Smallest value whose cumulative weight reaches ``q`` of the total (NaN if no weight).

    Parameters
    ----------
    values, weights
        1-D arrays of equal length; weights >= 0.
    q
        Quantile in [0, 1].

    Returns
    -------
    float
    """
    total = float(weights.sum())
    if total <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    k = int(np.searchsorted(cum, q * total - 1e-9 * total, side="left"))
    return float(values[order][min(k, len(order) - 1)])


def worst_share_mean(values: np.ndarray, weights: np.ndarray, share: float = 0.1) -> float:
    """Weighted mean of the largest values making up ``share`` of the total weight.

    The weight straddling the cut counts in part, so the result is exact for any weights.
    """
    total = float(weights.sum())
    if total <= 0:
        return float("nan")
    order = np.argsort(-values, kind="stable")
    w = weights[order]
    cum_before = np.cumsum(w) - w
    take = np.clip(share * total - cum_before, 0.0, w)
    return float((take * values[order]).sum() / take.sum())


def weighted_gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Gini coefficient of ``values`` with ``weights`` (0 = everyone equal).

    Equals ``sum_ij w_i w_j |x_i - x_j| / (2 W^2 mean)``, computed from the Lorenz curve.
    """
    total = float(weights.sum())
    if total <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    x = values[order]
    w = weights[order]
    wx = w * x
    if wx.sum() <= 0:
        return 0.0
    lorenz = np.cumsum(wx) / wx.sum()
    lorenz_prev = np.concatenate(([0.0], lorenz[:-1]))
    return float(1.0 - np.sum((w / total) * (lorenz + lorenz_prev)))


def _stats(minutes: np.ndarray, visits: np.ndarray, people: np.ndarray) -> dict[str, float]:
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
    times: Mapping[str, np.ndarray],
    open_sites: Sequence[str],
) -> None:
    problems = []
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


def evaluate(
    cells: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    groups: Sequence[CustomerGroup],
    weights: np.ndarray,
    times: Mapping[str, np.ndarray],
    open_sites: Sequence[str],
    *,
    existing: Sequence[str] = (),
) -> Evaluation:
    """Allocate demand to the open sites and compute catchments and figures.

    Parameters
    ----------
    cells
        The ``cells`` contract (index ``cell_id``, ``population``, geometry).
    sites
        The ``sites`` contract (index ``site_id``; ``capacity`` optional, visits per month).
    groups
        Customer groups, in the order of ``weights``' columns.
    weights
        Face-to-face visits per year, shape (n_cells, n_groups).
    times
        Minutes per group id, each (n_cells, n_sites) in ``sites`` order; ``inf`` = unreachable.
    open_sites
        Ids of the open sites.
    existing
        Ids of today's sites, to label sites existing / proposed / closed.

    Returns
    -------
    Evaluation
    """
    _check(cells, sites, groups, weights, times, open_sites)
    site_ids = np.asarray(sites.index, dtype=object)
    open_set = set(open_sites)
    open_idx = np.array([i for i, s in enumerate(site_ids) if s in open_set], dtype=np.int64)
    open_ids = tuple(str(s) for s in site_ids[open_idx])
    n_cells = len(cells)
    population = cells["population"].to_numpy(dtype=float)
    shares = weights / np.where(
        weights.sum(axis=1, keepdims=True) > 0, weights.sum(axis=1, keepdims=True), 1
    )

    out = pd.DataFrame(index=cells.index.copy())
    out["population"] = population
    out["visits"] = weights.sum(axis=1)
    site_visits = np.zeros((n_cells, len(open_idx)))
    minutes_weighted = np.zeros(n_cells)
    group_rows: dict[str, dict[str, float]] = {}
    all_minutes, all_visits, all_people = [], [], []
    share_cols = [f"share__{g.id}" for g in groups]
    people_share = (
        cells[share_cols].to_numpy(dtype=float)
        if all(c in cells.columns for c in share_cols)
        else shares
    )
    for gi, g in enumerate(groups):
        t = np.asarray(times[g.id], dtype=np.float64)[:, open_idx]
        best = np.argmin(t, axis=1)
        best_t = t[np.arange(n_cells), best]
        reachable = np.isfinite(best_t)
        out[f"site__{g.id}"] = np.where(reachable, site_ids[open_idx][best], "")
        out[f"minutes__{g.id}"] = best_t
        w = weights[:, gi]
        out[f"visits__{g.id}"] = w
        np.add.at(site_visits, (np.arange(n_cells)[reachable], best[reachable]), w[reachable])
        minutes_weighted += np.where(reachable, best_t * w, 0.0)
        people = population * people_share[:, gi]
        group_rows[g.id] = _stats(best_t, w, people)
        all_minutes.append(best_t)
        all_visits.append(w)
        all_people.append(people)
    group_rows[ALL] = _stats(
        np.concatenate(all_minutes), np.concatenate(all_visits), np.concatenate(all_people)
    )

    reach_visits = site_visits.sum(axis=1)
    main = np.argmax(site_visits, axis=1)
    out["site"] = np.where(reach_visits > 0, site_ids[open_idx][main], "")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["minutes"] = np.where(reach_visits > 0, minutes_weighted / reach_visits, np.inf)
    cells_out = gpd.GeoDataFrame(out, geometry=cells.geometry.copy(), crs=cells.crs)

    served = cells_out[cells_out["site"] != ""]
    catch = served[["site", "population", "visits", "geometry"]].dissolve(
        by="site", aggfunc="sum", sort=True
    )
    catch.index.name = "site_id"
    catch = catch.reindex([s for s in open_ids if s in catch.index])

    site_table = sites.copy()
    existing_set = set(existing)
    site_table["status"] = [
        ("existing" if s in open_set else "closed")
        if s in existing_set
        else ("proposed" if s in open_set else "candidate")
        for s in site_table.index
    ]
    visits_by_site = pd.Series(site_visits.sum(axis=0), index=list(open_ids))
    pop_by_site = catch["population"] if len(catch) else pd.Series(dtype=float)
    mins = np.zeros(len(open_idx))
    for gi, g in enumerate(groups):
        t = cells_out[f"minutes__{g.id}"].to_numpy()
        sid = cells_out[f"site__{g.id}"].to_numpy()
        for k, s in enumerate(open_ids):
            mask = sid == s
            mins[k] += float((t[mask] * weights[mask, gi]).sum())
    site_table["population"] = pop_by_site.reindex(site_table.index)
    site_table["visits"] = visits_by_site.reindex(site_table.index)
    site_table["visits_per_month"] = site_table["visits"] / 12.0
    mean_by_site = pd.Series(
        np.divide(
            mins,
            visits_by_site.to_numpy(),
            out=np.full(len(mins), np.nan),
            where=visits_by_site.to_numpy() > 0,
        ),
        index=list(open_ids),
    )
    site_table["mean_minutes"] = mean_by_site.reindex(site_table.index)
    if "capacity" not in site_table.columns:
        site_table["capacity"] = np.nan
    cap = site_table["capacity"].astype(float)
    site_table["load_pct"] = np.where(cap > 0, 100.0 * site_table["visits_per_month"] / cap, np.nan)

    group_table = pd.DataFrame.from_dict(group_rows, orient="index")
    group_table.index.name = "group"
    names = {g.id: g.name for g in groups} | {ALL: "All groups"}
    group_table.insert(0, "name", [names[i] for i in group_table.index])
    return Evaluation(
        open_sites=open_ids,
        cells=cells_out,
        catchments=gpd.GeoDataFrame(catch, geometry="geometry", crs=cells.crs),
        sites=site_table,
        groups=group_table,
    )
