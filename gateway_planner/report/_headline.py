"""The recommendation in words: where the sites are, what opens or closes, what residents gain.

A site is placed by the boundary unit that holds it (the commune or zone ``name`` of the study
area), so a site named only by a code still says where it is. Statistical units named by code (the
ONS names of LSOAs and MSOAs, "Swale 006D") say nothing a councillor recognises and are not used. The headline names the new
(and closed) sites and the objective's own figure today and with the proposal: the share of
visits within the limit for coverage models, the longest journey for the p-center, the mean
journey and the share within 30 minutes for the p-median.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..contracts import ALL, Evaluation
from ._labels import change_direction, change_text, figure_label, mode_label
from ._view import ScenarioView

__all__ = [
    "KeyChange",
    "ModeChange",
    "footfall_line",
    "headline",
    "key_changes",
    "mode_changes",
    "objective_settings",
    "options_sentence",
    "site_label",
    "site_labels",
    "site_places",
]

#: sites named in the headline at most (the others are counted)
_NAMED = 3
#: ONS names of statistical units: the district and a number (MSOA), with a letter (LSOA)
_STATISTICAL_NAME = re.compile(r"^.+ \d{3}[A-Z]?$")


def site_places(sites: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame) -> dict[str, str]:
    """Name of the boundary unit holding each site (the nearest unit for a site outside).

    Parameters
    ----------
    sites
        The sites (index ``site_id``), in the run's projected CRS.
    boundary
        Study-area units (any CRS); their ``name`` column names the places.

    Returns
    -------
    dict
        Site id -> place name; empty when the boundary has no ``name`` column. Units named by
        an ONS statistical code ("Swale 006D") give no place.
    """
    if "name" not in boundary.columns or boundary.empty or sites.empty:
        return {}
    units = boundary[["name", "geometry"]].reset_index(drop=True).to_crs(sites.crs)
    joined = gpd.sjoin_nearest(sites[["geometry"]], units, how="left")
    first = joined[~joined.index.duplicated(keep="first")]["name"]  # a site on a shared edge
    return {
        str(sid): str(name)
        for sid, name in first.items()
        if isinstance(name, str) and name.strip() and not _STATISTICAL_NAME.match(name.strip())
    }


def site_label(name: Any, place: str | None) -> str:
    """Return a site's name followed by its place, unless the name already says it."""
    text = " ".join(str(name).split())
    if place and place.casefold() not in text.casefold():
        return f"{text}, {place}"
    return text


def objective_settings(summary: Mapping[str, Any]) -> dict[str, Any]:
    """Return the run's objective (``summary.json`` ``scenario.objective``); p-median if unknown."""
    objective = (summary.get("scenario") or {}).get("objective") or {}
    return {"model": "pmedian", **objective}


def _share_within(ev: Evaluation, limit: float) -> float:
    """Percentage of all face-to-face visits within ``limit`` minutes (as ``pct_within_*``)."""
    key = f"pct_within_{limit:g}"
    if key in ev.groups.columns:
        return float(ev.groups.loc[ALL, key])
    cells = ev.cells
    groups = [c.removeprefix("visits__") for c in cells.columns if c.startswith("visits__")]
    visits = np.column_stack([cells[f"visits__{g}"].to_numpy(dtype=float) for g in groups])
    minutes = np.column_stack([cells[f"minutes__{g}"].to_numpy(dtype=float) for g in groups])
    total = float(visits.sum())
    return 100.0 * float(visits[minutes <= limit].sum()) / total if total > 0 else math.nan


def _longest(ev: Evaluation) -> float:
    """Return the longest reachable journey of any face-to-face visit, in minutes."""
    cells = ev.cells
    longest = -math.inf
    for col in cells.columns:
        if not col.startswith("visits__"):
            continue
        minutes = cells[f"minutes__{col.removeprefix('visits__')}"].to_numpy(dtype=float)
        used = (cells[col].to_numpy(dtype=float) > 0) & np.isfinite(minutes)
        if used.any():
            longest = max(longest, float(minutes[used].max()))
    return longest if math.isfinite(longest) else math.nan


@dataclass(frozen=True)
class KeyChange:
    """One figure today and with the proposal, in words.

    Attributes
    ----------
    key
        The figure (``pct_within_30``, ``mean_minutes``, ...; ``longest_minutes`` for the
        longest journey).
    label
        What it is, e.g. "Visits within 30 min".
    today, proposed
        The values as shown, with their unit.
    change
        The change in its unit ("+8.3 pts", "−12.0").
    direction
        "better", "worse" or "" for residents.
    digits, suffix
        Decimals and unit the values are shown with.
    """

    key: str
    label: str
    today: str
    proposed: str
    change: str
    direction: str
    digits: int = 1
    suffix: str = ""


def _fmt(value: float, digits: int, suffix: str) -> str:
    return "–" if not math.isfinite(value) else f"{value:,.{digits}f}{suffix}"


def _key_change(
    key: str,
    a: float,
    b: float,
    *,
    label: str | None = None,
    digits: int | None = None,
    suffix: str | None = None,
) -> KeyChange:
    own_label, own_digits, own_suffix = figure_label(key)
    digits = own_digits if digits is None else digits
    suffix = own_suffix if suffix is None else suffix
    delta = b - a
    return KeyChange(
        key,
        own_label if label is None else label,
        _fmt(a, digits, suffix),
        _fmt(b, digits, suffix),
        change_text(key, delta, digits=digits, suffix=suffix),
        change_direction(key, delta, digits),
        digits,
        suffix,
    )


def _all(ev: Evaluation, key: str) -> float:
    return float(ev.groups.loc[ALL, key])


def _objective_change(view: ScenarioView) -> list[KeyChange]:
    """Return the objective's own figures today and with the proposal, in whole units."""
    objective = objective_settings(view.summary)
    model = str(objective["model"])
    current, proposed = view.current, view.proposed
    limit = objective.get("limit_minutes")
    if model in {"max_coverage", "set_cover"} and isinstance(limit, (int, float)):
        a, b = _share_within(current, float(limit)), _share_within(proposed, float(limit))
        key = f"pct_within_{limit:g}"
        return [_key_change(key, a, b, label=f"Visits within {limit:g} min", digits=0, suffix=" %")]
    if model == "pcenter":
        a, b = _longest(current), _longest(proposed)
        return [
            _key_change("longest_minutes", a, b, label="Longest journey", digits=0, suffix=" min")
        ]
    return [
        _key_change(
            "mean_minutes",
            _all(current, "mean_minutes"),
            _all(proposed, "mean_minutes"),
            label="Mean journey",
            digits=0,
            suffix=" min",
        ),
        _key_change(
            "pct_within_30",
            _all(current, "pct_within_30"),
            _all(proposed, "pct_within_30"),
            digits=0,
        ),
    ]


#: the key figures after the objective's own; with ``every``, also the median and 90th percentile
_KEY = ("pct_within_15", "pct_within_30", "mean_minutes", "worst_decile_minutes", "gini")
_EVERY = (*_KEY[:3], "median_minutes", "p90_minutes", *_KEY[3:])


def key_changes(view: ScenarioView, *, every: bool = False) -> list[KeyChange]:
    """Return the figures a reader looks at first: the objective's own, access, fairness.

    Parameters
    ----------
    view
        The scenario.
    every
        Also the median and 90th percentile journeys, and the people without a site in
        reach even when there are none (the figures a what-if map recomputes).

    Returns
    -------
    list of KeyChange
        The objective's figures (as in :func:`headline`), then the shares of visits within 15
        and 30 minutes, the mean journey of the slowest tenth of visits, the inequality of
        journey times (Gini) and, when anyone has no site in reach, the people without one;
        each figure once.
    """
    out = _objective_change(view)
    seen = {k.key for k in out}
    for key in _EVERY if every else _KEY:
        if key not in seen:
            out.append(_key_change(key, _all(view.current, key), _all(view.proposed, key)))
    key = "unreachable_people"
    unreachable = _key_change(key, _all(view.current, key), _all(view.proposed, key))
    if every or unreachable.today != "0" or unreachable.proposed != "0":
        out.append(unreachable)
    return out


@dataclass(frozen=True)
class ModeChange:
    """The journeys of all groups by one mode, today and with the proposal, in words.

    Attributes
    ----------
    mode
        The mode (``drive``, ``walk``, ``bus``, ``on_demand``).
    label
        The mode in words, e.g. "By car".
    share
        The share of the visits going by it with the proposal, e.g. "62 % of visits".
    riding
        For the bus: the share of them boarding a bus, e.g. "40 % board a bus"; else "".
    mean, within_30
        The mean journey and the share of its visits within 30 minutes, today and proposed.
    """

    mode: str
    label: str
    share: str
    riding: str
    mean: KeyChange
    within_30: KeyChange


def mode_changes(view: ScenarioView) -> list[ModeChange]:
    """Return the journeys of all groups by each mode of the run, today and with the proposal.

    Parameters
    ----------
    view
        The scenario; its evaluations' ``modes`` tables (empty: no figures by mode).

    Returns
    -------
    list of ModeChange
        One per mode that any visit travels by, in the run's order of modes.
    """
    now, new = view.current.modes, view.proposed.modes
    out = []
    for group, mode in new.index:
        if group != ALL or not new.loc[(ALL, mode), "visits"] > 0:
            continue
        a, b = now.loc[(ALL, mode)], new.loc[(ALL, mode)]
        riding = float(b.get("pct_riding", math.nan))
        out.append(
            ModeChange(
                str(mode),
                mode_label(str(mode), phrase=True).capitalize(),
                f"{_fmt(float(b['pct_of_visits']), 0, ' %')} of visits",
                f"{riding:.0f} % board a bus" if math.isfinite(riding) else "",
                _key_change(
                    "mean_minutes",
                    float(a["mean_minutes"]),
                    float(b["mean_minutes"]),
                    label="Mean journey",
                    digits=0,
                    suffix=" min",
                ),
                _key_change(
                    "pct_within_30", float(a["pct_within_30"]), float(b["pct_within_30"]), digits=0
                ),
            )
        )
    return out


def _names(ids: Sequence[str], labels: Mapping[str, str]) -> str:
    named = [labels.get(s, s) for s in ids[:_NAMED]]
    if len(ids) > _NAMED:
        return f"{'; '.join(named)} and {len(ids) - _NAMED} more"
    if len(named) > 1:
        return f"{'; '.join(named[:-1])} and {named[-1]}"
    return named[0]


def site_labels(view: ScenarioView) -> dict[str, str]:
    """Return the label of every site of the scenario: its name and the place holding it."""
    sites = view.proposed.sites
    places = site_places(sites, view.boundary)
    names = sites["name"] if "name" in sites.columns else pd.Series(sites.index, index=sites.index)
    return {str(s): site_label(names.get(s, s), places.get(str(s))) for s in sites.index}


def headline(view: ScenarioView) -> str:
    """State the recommendation in one sentence, derived from the run.

    E.g. "Open a new site at Mairie de Arques: mean journey 61 → 48 min; visits within 30 min
    35 % → 47 % (+12 pts)."

    Parameters
    ----------
    view
        The scenario: its sites today and with the proposal (named with their place, see
        :func:`site_places`), and its objective (``summary`` ``scenario.objective``).

    Returns
    -------
    str
        Plain text (escape it for HTML).
    """
    current, proposed = view.current, view.proposed
    before, after = set(current.open_sites), set(proposed.open_sites)
    new = [s for s in proposed.open_sites if s not in before]
    closed = [s for s in current.open_sites if s not in after]
    labels = site_labels(view)
    actions = []
    if new:
        what = "a new site at" if len(new) == 1 else f"{len(new)} new sites, at"
        actions.append(f"Open {what} {_names(new, labels)}")
    if closed:
        actions.append(("close " if actions else "Close ") + _names(closed, labels))
    if not actions:
        actions.append(f"Keep today's {len(after)} site{'s' if len(after) != 1 else ''}")
    figures = "; ".join(_phrase(k) for k in _objective_change(view))
    return f"{'; '.join(actions)}: {figures}."


def options_sentence(view: ScenarioView) -> str | None:
    """State the near-optimal alternatives the run listed, as options for councillors.

    E.g. "2 other choices within 5 % of the best total journey: Sittingbourne (ME10 5)
    instead of Isle of Sheppey (ME12 3) (+0.07 %); ...".

    Parameters
    ----------
    view
        The scenario; its ``summary`` holds ``alternatives`` when the run asked for them.

    Returns
    -------
    str or None
        Plain text (escape it for HTML); None when the run asked for no alternatives.
    """
    entry = view.summary.get("alternatives")
    if not entry:
        return None
    within = f"{100 * float(entry['within']):g} %"
    others = [o for o in entry["options"] if int(o["rank"]) > 1]
    if not others:
        return f"No other choice within {within} of the best total journey."
    labels = site_labels(view)
    parts = []
    for o in others:
        opens, closes = list(o["opens"]), list(o["closes"])
        if opens and closes:
            change = f"{_names(opens, labels)} instead of {_names(closes, labels)}"
        elif opens:
            change = f"also {_names(opens, labels)}"
        else:
            change = f"without {_names(closes, labels)}"
        parts.append(f"{change} (+{100 * float(o['gap']):.2f} %)")
    n = len(others)
    return (
        f"{n} other choice{'s' if n > 1 else ''} within {within} of the best total journey: "
        f"{'; '.join(parts)}."
    )


def _phrase(change: KeyChange) -> str:
    """E.g. "face-to-face visits within 30 min 12 % → 40 % (+28 pts)"."""
    label = change.label[0].lower() + change.label[1:]
    if label.startswith("visits"):
        label = "face-to-face " + label
    points = change.change.endswith("pts")
    return f"{label} {change.today} → {change.proposed}" + (f" ({change.change})" if points else "")


def footfall_line(view: ScenarioView) -> str:
    """Say how the visit rates are calibrated and how many visits distance loses ("" if neither).

    E.g. "Visit rates x 9.1, fitted to 11,000 visits a month observed at Sheerness Gateway
    (2011): modelled 11,000 (+0.0 %). Visits lost to distance: 21 % → 19 %."

    Parameters
    ----------
    view
        The scenario (its summary's ``calibration`` and its groups' ``pct_lost``).

    Returns
    -------
    str
        Plain text (escape it for HTML).
    """
    parts = []
    cal = view.summary.get("calibration") if view.summary else None
    if cal:
        rate = f"Visit rates x {cal['visit_rate_multiplier']:.3g}"
        if cal.get("fitted"):
            names = dict(view.current.sites.get("name", {}))
            period = f" ({cal['period']})" if cal.get("period") else ""
            fits = ", ".join(
                f"{row['observed_per_month']:,.0f} a month at {names.get(sid, sid)}{period}: "
                f"modelled {row['modelled_per_month']:,.0f} ({round(row['residual_pct'], 1) + 0.0:+.1f} %)"
                for sid, row in cal["sites"].items()
            )
            source = f" ({cal['source']})" if cal.get("source") else ""
            parts.append(f"{rate}, fitted to the visits observed, {fits}{source}.")
        else:
            parts.append(f"{rate}, {cal['source']}; not calibrated on this area's own footfall.")
    if "pct_lost" in view.current.groups.columns:
        a, b = (float(ev.groups.loc[ALL, "pct_lost"]) for ev in (view.current, view.proposed))
        if a > 0 or b > 0:
            parts.append(f"Visits lost to distance: {a:.0f} % today → {b:.0f} % proposed.")
    return " ".join(parts)
