"""Report stage: interactive map, exports and the printable briefing of a run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd

from ..demand.groups import CustomerGroup
from ..evaluate import Evaluation
from .exports import write_exports, write_geopackage
from .maps import write_map

__all__ = ["write_exports", "write_geopackage", "write_map", "write_report"]


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
) -> list[Path]:
    """Write every per-scenario output of a run into ``folder``.

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
        Provenance and key figures (``summary.json``).
    banners
        Notices for every page, e.g. the proxy-network warning.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
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
        )
    )
    return written
