"""What the report needs to know about one scenario run (without depending on the orchestrator)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd

from ..contracts import Evaluation
from ..groups import CustomerGroup
from ._labels import banners as summary_banners

__all__ = ["ScenarioView", "all_banners", "all_sources"]


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
