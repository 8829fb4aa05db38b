"""What the report needs to know about one scenario run (without depending on the orchestrator)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd

from ..contracts import Evaluation
from ..groups import CustomerGroup
from ._labels import banners as summary_banners
from .whatif import WhatIf

__all__ = ["TITLE_SEPARATOR", "ScenarioView", "all_banners", "all_sources", "variant_labels"]

#: what separates a scenario's title from what its variant changes ("Sheerness — 2 new sites")
TITLE_SEPARATOR = " — "


@dataclass(frozen=True, eq=False, init=False)
class ScenarioView:
    """One scenario as the report pages show it: every report function of one scenario takes one.

    Parameters
    ----------
    name
        Short id (used for folders and column labels).
    title
        Display title.
    current, proposed
        Figures with today's sites and with the proposed ones.
    groups
        Customer groups of the run.
    boundary
        Study-area polygons in the run's CRS.
    summary
        Provenance and key figures (as in ``summary.json``); may be empty. Its ``sources`` go
        on every page; its ``network``, ``solver`` and ``software`` on the briefing's source line.
    banners
        Notices for every page (proxy network, assumed data). None (the default) derives them
        from the summary (see :func:`gateway_planner.report.banners`); none without a summary.
    what_if
        What the map needs to switch sites on and off in the browser (times, visits, people,
        the solver's alternatives); None (the default) writes maps without site switches.

    Attributes
    ----------
    sources
        Data sources named in the summary, as text.
    """

    name: str
    title: str
    current: Evaluation
    proposed: Evaluation
    groups: tuple[CustomerGroup, ...]
    boundary: gpd.GeoDataFrame
    summary: Mapping[str, Any]
    banners: tuple[str, ...]
    what_if: WhatIf | None
    sources: tuple[str, ...] = field(init=False)

    def __init__(
        self,
        name: str,
        title: str,
        current: Evaluation,
        proposed: Evaluation,
        groups: Sequence[CustomerGroup],
        boundary: gpd.GeoDataFrame,
        summary: Mapping[str, Any] | None = None,
        banners: Sequence[str] | None = None,
        *,
        what_if: WhatIf | None = None,
    ) -> None:
        summary = {} if summary is None else summary
        if banners is None:
            banners = summary_banners(summary) if summary else ()
        values = {
            "name": name,
            "title": title,
            "current": current,
            "proposed": proposed,
            "groups": tuple(groups),
            "boundary": boundary,
            "summary": summary,
            "banners": tuple(banners),
            "what_if": what_if,
            "sources": tuple(str(s) for s in summary.get("sources", [])),
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)


def all_banners(views: Sequence[ScenarioView]) -> list[str]:
    """Return the notices of several scenarios, each once, in order of first appearance."""
    return list(dict.fromkeys(b for v in views for b in v.banners))


def all_sources(views: Sequence[ScenarioView]) -> list[str]:
    """Return the data sources of several scenarios, each once, in order of first appearance."""
    return list(dict.fromkeys(s for v in views for s in v.sources))


def variant_labels(views: Sequence[ScenarioView]) -> list[str]:
    """Short column labels of several scenarios: what tells each apart.

    When every title is the same text, a :data:`TITLE_SEPARATOR` and then something of its own
    (the variants of one sweep: "Sheerness Gateway, Swale (Kent) — 2 new sites, ..."), the
    labels are what follows the separator; otherwise the titles themselves.

    Parameters
    ----------
    views
        The compared scenarios.

    Returns
    -------
    list of str
        One label per view, in order.
    """
    titles = [v.title for v in views]
    if len(titles) < 2:
        return titles
    split = [t.rpartition(TITLE_SEPARATOR) for t in titles]
    heads = {head for head, sep, _tail in split if sep}
    labels = [tail.strip() for _head, _sep, tail in split]
    distinct = all(labels) and len(set(labels)) == len(labels)
    if len(heads) != 1 or not all(sep for _h, sep, _t in split) or not distinct:
        return titles
    return labels
