"""Report stage: interactive map, printable briefing, comparison page and exports of a run.

matplotlib, branca and Leaflet's files (``XStatic-Leaflet``) are read only when a page is
written (the ``report`` extra); importing this package stays light.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd

from ..evaluate import Evaluation
from ..groups import CustomerGroup
from ._assets import MissingAssetsError
from ._labels import NETWORK_LABELS, banners
from ._view import ScenarioView
from .briefing import comparison_figure, save_pages, scenario_figure, write_briefing
from .comparison import write_comparison_page
from .exports import cells_layer, figures_table, write_exports, write_geopackage
from .maps import write_map

__all__ = [
    "NETWORK_LABELS",
    "MissingAssetsError",
    "ScenarioView",
    "banners",
    "cells_layer",
    "comparison_figure",
    "figures_table",
    "save_pages",
    "scenario_figure",
    "write_briefing",
    "write_comparison_page",
    "write_exports",
    "write_geopackage",
    "write_map",
    "write_report",
]

logger = logging.getLogger(__name__)


def write_report(
    folder: str | Path,
    *,
    current: Evaluation,
    proposed: Evaluation,
    groups: Sequence[CustomerGroup],
    boundary: gpd.GeoDataFrame,
    title: str,
    summary: Mapping[str, Any],
    banners: Sequence[str] = (),
    briefing: bool = True,
) -> list[Path]:
    """Write every per-scenario output of a run into ``folder``.

    ``catchments.gpkg``, ``tables.csv``, ``sites.csv``, ``summary.json``, ``map.html`` and,
    unless ``briefing`` is False, ``briefing.pdf`` and ``briefing.png``.

    Parameters
    ----------
    folder
        Output folder (the run stages it and moves it into place).
    current, proposed
        Figures with today's sites and with the proposed ones.
    groups
        Customer groups of the run.
    boundary
        Study-area polygons in the run's CRS.
    title
        Scenario title for maps and pages.
    summary
        Provenance and key figures (``summary.json``); its ``sources`` go on the map and the
        briefing, its ``network``, ``solver`` and ``software`` on the briefing's source line.
    banners
        Notices for every page, e.g. the proxy-network warning.
    briefing
        Also write the printable page (matplotlib).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    sources = [str(s) for s in summary.get("sources", [])]
    written = write_exports(folder, current=current, proposed=proposed, summary=summary)
    written.append(
        write_map(
            folder / "map.html",
            proposed=proposed,
            current=current,
            groups=groups,
            boundary=boundary,
            title=title,
            banners=banners,
            sources=sources,
        )
    )
    if briefing:
        written += write_briefing(
            folder,
            current=current,
            proposed=proposed,
            groups=groups,
            boundary=boundary,
            title=title,
            summary=summary,
            banners=banners,
        )
    logger.info("report of %r: %s", title, ", ".join(p.name for p in written))
    return written
