"""What the report needs to know about one scenario run (without depending on the orchestrator)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd

from ..evaluate import Evaluation
from ..groups import CustomerGroup

__all__ = ["ScenarioView"]


@dataclass(frozen=True)
class ScenarioView:
    """One scenario as the report pages show it.

    Attributes
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
        Provenance and key figures (as in ``summary.json``); may be empty.
    banners
        Notices (proxy network, assumed data).
    """

    name: str
    title: str
    current: Evaluation
    proposed: Evaluation
    groups: Sequence[CustomerGroup]
    boundary: gpd.GeoDataFrame
    summary: Mapping[str, Any] = field(default_factory=dict)
    banners: Sequence[str] = ()

    @property
    def sources(self) -> list[str]:
        """Data sources named in the summary."""
        return [str(s) for s in self.summary.get("sources", [])]
