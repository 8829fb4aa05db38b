"""Interactive ``map.html``: demand, journey times, catchments and sites, readable offline.

The page is written with Leaflet directly (inlined from the ``XStatic-Leaflet`` package), with
branca colormaps for the legends: one file, no CDN, no network needed. Basemap tiles load when
the machine is online; without them the map still draws every layer. Every piece of
user-supplied text (site, group and area names, notices) is HTML-escaped before it reaches the
page.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd

from .._io import write_text
from ..evaluate import Evaluation
from ..groups import CustomerGroup
from ._page import html_page
from ._payload import STATUS_STYLE, scenario_payload

__all__ = ["STATUS_STYLE", "map_html", "write_map"]

logger = logging.getLogger(__name__)

_START = """
window.gp = gpViewer.render(document.getElementById("gp-map"), gpViewer.payload("gp-data"));
"""


def header_html(title: str, banners: Sequence[str]) -> str:
    """Return the page header: title and notices (escaped)."""
    notes = "".join(f"<div class='gp-banner'>{html.escape(b)}</div>" for b in banners)
    return f"<header class='gp-header'><h1>{html.escape(title)}</h1>{notes}</header>"


def footer_html(sources: Sequence[str]) -> str:
    """Return the page footer naming the data sources (escaped)."""
    if not sources:
        return ""
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sources)
    return (
        "<footer class='gp-footer'><details><summary>Sources and attributions</summary>"
        f"<ul>{items}</ul></details></footer>"
    )


def map_html(
    *,
    proposed: Evaluation,
    current: Evaluation,
    groups: Sequence[CustomerGroup],
    boundary: gpd.GeoDataFrame,
    title: str,
    banners: Sequence[str] = (),
    sources: Sequence[str] = (),
) -> str:
    """Return the text of ``map.html`` (see :func:`write_map`)."""
    payload = scenario_payload(
        proposed=proposed,
        current=current,
        groups=groups,
        boundary=boundary,
        title=title,
        banners=banners,
        sources=sources,
    )
    body = (
        header_html(title, banners)
        + "<div id='gp-map' class='gp-map'></div>"
        + footer_html(sources)
    )
    return html_page(title=title, body=body, payloads={"gp-data": payload}, script=_START)


def write_map(
    path: str | Path,
    *,
    proposed: Evaluation,
    current: Evaluation,
    groups: Sequence[CustomerGroup],
    boundary: gpd.GeoDataFrame,
    title: str,
    banners: Sequence[str] = (),
    sources: Sequence[str] = (),
) -> Path:
    """Write a self-contained interactive map of one scenario.

    Layers: face-to-face demand per group (switchable), journey time today and with the
    proposed sites, the change between them, catchments (proposed and today), and sites by
    status with popups of their figures; legend, layer control and scale bar.

    Parameters
    ----------
    path
        The ``map.html`` to write (atomically).
    proposed
        Figures with the proposed sites open.
    current
        Figures with today's sites only.
    groups
        Customer groups, one demand layer each.
    boundary
        Study-area polygons, drawn as an outline.
    title
        Map title.
    banners
        Notices shown above the map, e.g. that times come from a proxy network.
    sources
        Data sources and attributions for the footer.

    Returns
    -------
    Path

    Raises
    ------
    MissingAssetsError
        When Leaflet's files (``XStatic-Leaflet``) are not installed.
    """
    text = map_html(
        proposed=proposed,
        current=current,
        groups=groups,
        boundary=boundary,
        title=title,
        banners=banners,
        sources=sources,
    )
    out = write_text(path, text)
    logger.info("%s of %r: %.1f MB", out.name, title, len(text.encode("utf-8")) / 1e6)
    return out
