"""Report stage: interactive map, printable briefing, comparison page and exports of a run.

matplotlib, branca and Leaflet's files (``XStatic-Leaflet``) are read only when a page is
written (the ``report`` extra); importing this package stays light.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ._assets import MissingAssetsError
from ._headline import headline
from ._labels import (
    BRIEFING_FIGURES,
    KEY_FIGURES,
    MODE_LABELS,
    NETWORK_LABELS,
    SITE_FIGURES,
    banners,
    mode_label,
)
from ._view import ScenarioView
from .briefing import (
    comparison_figure,
    comparison_figures,
    save_pages,
    scenario_figure,
    write_briefing,
)
from .comparison import write_comparison_page
from .exports import cells_layer, figures_table, write_exports, write_geopackage
from .maps import write_map
from .whatif import Preset, WhatIf

__all__ = [
    "BRIEFING_FIGURES",
    "KEY_FIGURES",
    "MODE_LABELS",
    "NETWORK_LABELS",
    "SITE_FIGURES",
    "MissingAssetsError",
    "Preset",
    "ScenarioView",
    "WhatIf",
    "banners",
    "cells_layer",
    "comparison_figure",
    "comparison_figures",
    "figures_table",
    "headline",
    "mode_label",
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


def write_report(folder: str | Path, view: ScenarioView, *, briefing: bool = True) -> list[Path]:
    """Write every per-scenario output of a run into ``folder``.

    ``catchments.gpkg``, ``tables.csv``, ``sites.csv``, ``summary.json``, ``map.html`` and,
    unless ``briefing`` is False, ``briefing.pdf`` and ``briefing.png``.

    Parameters
    ----------
    folder
        Output folder (the run stages it and moves it into place).
    view
        The scenario: figures today and with the proposed sites, customer groups, study area,
        title, summary (provenance and key figures, written as ``summary.json``) and notices.
    briefing
        Also write the printable page (matplotlib).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    written = write_exports(folder, view)
    written.append(write_map(folder / "map.html", view))
    if briefing:
        written += write_briefing(folder, view)
    logger.info("report of %r: %s", view.title, ", ".join(p.name for p in written))
    return written
