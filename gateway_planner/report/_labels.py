"""Human labels: figures (with number formats), network kinds, and the notices every page carries.

Also the one place that says which figures each output shows, and in which order: the key
figures (comparison by group, briefing), the figures per site (comparison by site) and the site
popups of the map.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = [
    "BETTER_COLOUR",
    "BRIEFING_FIGURES",
    "FIGURE_LABELS",
    "GINI_NOTE",
    "HIGHER_IS_BETTER",
    "KEY_FIGURES",
    "LOWER_IS_BETTER",
    "MODE_LABELS",
    "MODE_NOTE",
    "NETWORK_LABELS",
    "POPUP_FIGURES",
    "SITE_FIGURES",
    "WORSE_COLOUR",
    "banners",
    "change_direction",
    "change_text",
    "figure_label",
    "mode_label",
]

#: what each network kind is, in the words every output uses
NETWORK_LABELS = {
    "proxy": "proxy network (no road data: straight-line links between populated cells, speeds by density class)",
    "osm": "OpenStreetMap road network (downloaded)",
    "file": "OpenStreetMap road network (local file)",
    "graphml": "road network (GraphML file)",
}

#: each travel mode in the words the outputs use: (noun, "by ..." phrase)
MODE_LABELS: dict[str, tuple[str, str]] = {
    "drive": ("car", "by car"),
    "walk": ("on foot", "on foot"),
    "bus": ("bus", "by bus"),
    "on_demand": ("on-demand minibus", "by on-demand minibus"),
}


def mode_label(mode: str, *, phrase: bool = False) -> str:
    """Return a mode in words: ``"car"`` (or, with ``phrase``, ``"by car"``); unknown modes as given."""
    noun, by = MODE_LABELS.get(mode, (mode.replace("_", " "), f"by {mode.replace('_', ' ')}"))
    return by if phrase else noun


#: what the figures by mode are, said once on every page that shows them
MODE_NOTE = (
    "By mode: the visits going by that mode, to the site their group's mix of modes reaches "
    "fastest."
)


#: figure column -> (label, decimals, suffix)
FIGURE_LABELS: dict[str, tuple[str, int, str]] = {
    "people": ("People", 0, ""),
    "visits": ("Face-to-face visits a year", 0, ""),
    "visits_per_month": ("Visits a month", 0, ""),
    "pct_within_10": ("Visits within 10 min", 1, " %"),
    "pct_within_15": ("Visits within 15 min", 1, " %"),
    "pct_within_20": ("Visits within 20 min", 1, " %"),
    "pct_within_30": ("Visits within 30 min", 1, " %"),
    "people_within_10": ("People within 10 min", 0, ""),
    "people_within_15": ("People within 15 min", 0, ""),
    "people_within_20": ("People within 20 min", 0, ""),
    "people_within_30": ("People within 30 min", 0, ""),
    "mean_minutes": ("Mean journey (min)", 1, ""),
    "median_minutes": ("Median journey (min)", 1, ""),
    "p90_minutes": ("90th percentile journey (min)", 1, ""),
    "worst_decile_minutes": ("Slowest tenth of visits, mean (min)", 1, ""),
    "gini": ("Inequality of journey times (Gini)", 3, ""),
    "unreachable_people": ("People with no site reachable", 0, ""),
    "unreachable_visits": ("Visits with no site reachable", 0, ""),
    "load_pct": ("Load against capacity", 0, " %"),
    "pct_of_visits": ("Share of the visits", 0, " %"),
    "pct_riding": ("Of them, boarding a bus", 0, " %"),
    "capacity": ("Capacity (visits a month)", 0, ""),
}


#: the key figures of a scenario (columns of ``Evaluation.groups``), in display order: the
#: comparison's rows per customer group
KEY_FIGURES: tuple[str, ...] = (
    "people",
    "visits",
    "pct_within_15",
    "pct_within_30",
    "people_within_15",
    "people_within_30",
    "mean_minutes",
    "median_minutes",
    "p90_minutes",
    "worst_decile_minutes",
    "gini",
    "unreachable_people",
)

#: the key figures a briefing page has room for: all but the head counts within 15 and 30
#: minutes (the shares of visits within them are shown)
BRIEFING_FIGURES: tuple[str, ...] = tuple(
    key for key in KEY_FIGURES if key not in {"people_within_15", "people_within_30"}
)

#: figures of each open site (columns of ``Evaluation.sites``) in the comparison, in display order
SITE_FIGURES: tuple[str, ...] = (
    "people",
    "visits",
    "visits_per_month",
    "pct_within_30",
    "mean_minutes",
    "p90_minutes",
    "load_pct",
)

#: (column of ``Evaluation.sites``, label, decimals, suffix) of a site's popup on the map: short
#: labels for a narrow box, whole percentages
POPUP_FIGURES: tuple[tuple[str, str, int, str], ...] = (
    ("people", "People served", 0, ""),
    ("visits", "Face-to-face visits/year", 0, ""),
    ("visits_per_month", "Visits/month", 0, ""),
    ("mean_minutes", "Mean journey (min)", 1, ""),
    ("median_minutes", "Median journey (min)", 1, ""),
    ("p90_minutes", "90th percentile (min)", 1, ""),
    ("worst_decile_minutes", "Slowest tenth, mean (min)", 1, ""),
    ("pct_within_15", "Visits within 15 min", 0, " %"),
    ("pct_within_30", "Visits within 30 min", 0, " %"),
    ("load_pct", "Load vs capacity", 0, " %"),
)


def figure_label(key: str) -> tuple[str, int, str]:
    """Label, decimals and suffix of a figure (the key itself when unknown)."""
    return FIGURE_LABELS.get(key, (key.replace("_", " "), 1, ""))


#: figures where a rise is an improvement, and where a fall is
HIGHER_IS_BETTER = frozenset(
    {"pct_within_10", "pct_within_15", "pct_within_20", "pct_within_30"}
    | {"people_within_10", "people_within_15", "people_within_20", "people_within_30"}
)
LOWER_IS_BETTER = frozenset(
    {"mean_minutes", "median_minutes", "p90_minutes", "worst_decile_minutes", "gini"}
    | {"longest_minutes"}
    | {"unreachable_people", "unreachable_visits"}
)

#: text colours of a change that is better for residents, and of one that is worse
BETTER_COLOUR = "#1a7f37"
WORSE_COLOUR = "#b2182b"

#: the one explanation of the Gini that every output carries once
GINI_NOTE = (
    "Inequality of journey times (Gini): 0 when every visit takes as long as every other, "
    "nearer 1 when a few visits take most of the travelling; lower is fairer."
)


def change_direction(key: str, delta: float, digits: int | None = None) -> str:
    """Say whether a change of a figure is better or worse for residents.

    Parameters
    ----------
    key
        The figure (a key of :data:`FIGURE_LABELS`); :data:`HIGHER_IS_BETTER` and
        :data:`LOWER_IS_BETTER` say which way is better.
    delta
        The change (new - old).
    digits
        Decimals the change is shown with (the figure's own when None): a change that
        rounds to 0 is neither better nor worse.

    Returns
    -------
    str
        ``"better"``, ``"worse"`` or ``""`` (no change, not finite, or a figure with no
        better direction, such as the number of people). A share or head count within any
        number of minutes (``pct_within_45``) is better higher.
    """
    if digits is None:
        digits = figure_label(key)[1]
    if not math.isfinite(delta) or round(delta, digits) == 0:
        return ""
    if key in HIGHER_IS_BETTER or key.startswith(("pct_within_", "people_within_")):
        return "better" if delta > 0 else "worse"
    if key in LOWER_IS_BETTER:
        return "better" if delta < 0 else "worse"
    return ""


def change_text(
    key: str, delta: float, *, digits: int | None = None, suffix: str | None = None
) -> str:
    """Write a change of a figure in its own unit: ``+8.3 pts`` for percentages, ``−2.1``.

    Parameters
    ----------
    key
        The figure (its decimals and unit come from :data:`FIGURE_LABELS`): a change of a
        percentage is in percentage points ("pts").
    delta
        The change (new - old).
    digits, suffix
        Decimals and unit to use instead of the figure's own.

    Returns
    -------
    str
        Signed with ``+`` or ``−``; ``±0`` when it rounds to 0; ``–`` when not finite.
    """
    _label, own_digits, own_suffix = figure_label(key)
    digits = own_digits if digits is None else digits
    suffix = own_suffix if suffix is None else suffix
    if not math.isfinite(delta):
        return "–"
    if round(delta, digits) == 0:
        return "±0"
    unit = " pts" if suffix.strip() == "%" else suffix
    sign = "+" if delta > 0 else "−"
    return f"{sign}{abs(delta):,.{digits}f}{unit}"


def banners(summary: Mapping[str, Any]) -> list[str]:
    """Return the notices every page of a run carries: proxy network, assumed data.

    Parameters
    ----------
    summary
        The run's ``summary.json`` content (its ``network.kind`` and ``assumptions``).

    Returns
    -------
    list of str
        The notices, in display order.
    """
    out = []
    if summary["network"]["kind"] in {"proxy", "mixed"}:
        speeds = "speeds fitted to road times" if _calibrated(summary) else "assumed speeds"
        out.append(
            f"Proxy network: journey times are estimated from straight-line links and {speeds}, not real roads."
        )
    if summary["assumptions"]:
        out.append(
            "Assumed data: customer groups, channel shares and some locations are assumptions (see summary.json)."
        )
    return out


def _calibrated(summary: Mapping[str, Any]) -> bool:
    """Tell whether every proxy network of a run has calibrated drive speeds."""
    sources = [
        str(mode.get("provenance", {}).get("params", {}).get("source", ""))
        for mode in summary["network"].get("modes", {}).values()
        if mode.get("provenance", {}).get("params")
    ]
    return bool(sources) and all(s.startswith("calibrated") for s in sources)
