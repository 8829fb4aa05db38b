"""Interactive ``map.html``: demand, journey times, catchments and sites, readable offline.

The page is written with Leaflet directly (inlined from the ``XStatic-Leaflet`` package), with
branca colormaps for the legends: one file, no CDN, no network needed. Basemap tiles load when
the machine is online; without them the map still draws every layer. Every piece of
user-supplied text (site, group and area names, notices) is HTML-escaped before it reaches the
page.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .._io import write_text
from ._page import footer_html, header_html, html_page
from ._payload import STATUS_STYLE, scenario_payload
from ._view import ScenarioView

__all__ = ["STATUS_STYLE", "map_html", "write_map"]

logger = logging.getLogger(__name__)

_START = """
window.gp = gpViewer.render(document.getElementById("gp-map"), gpViewer.payload("gp-data"));
"""


def map_html(view: ScenarioView) -> str:
    """Return the text of ``map.html`` (see :func:`write_map`)."""
    body = (
        header_html(view.title, view.banners)
        + "<div id='gp-map' class='gp-map'></div>"
        + footer_html(view.sources)
    )
    payloads = {"gp-data": scenario_payload(view)}
    return html_page(title=view.title, body=body, payloads=payloads, script=_START)


def write_map(path: str | Path, view: ScenarioView) -> Path:
    """Write a self-contained interactive map of one scenario.

    Layers: face-to-face demand per group (switchable), journey time today and with the
    proposed sites, the change between them, catchments (proposed and today), and sites by
    status with popups of their figures; legend, layer control and scale bar. The title and
    notices head the page, the data sources close it.

    Parameters
    ----------
    path
        The ``map.html`` to write (atomically).
    view
        The scenario: figures today and with the proposed sites, customer groups (one demand
        layer each), study area (drawn as an outline), title, notices and sources.

    Returns
    -------
    Path

    Raises
    ------
    MissingAssetsError
        When Leaflet's files (``XStatic-Leaflet``) are not installed.
    """
    text = map_html(view)
    out = write_text(path, text)
    logger.info("%s of %r: %.1f MB", out.name, view.title, len(text.encode("utf-8")) / 1e6)
    return out
