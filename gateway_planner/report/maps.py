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
from pathlib import Path

from .._io import write_text
from ._headline import KeyChange, footfall_line, headline, key_changes, mode_changes
from ._labels import GINI_NOTE, MODE_NOTE
from ._page import footer_html, header_html, html_page
from ._payload import STATUS_STYLE, scenario_payload
from ._view import ScenarioView

__all__ = ["STATUS_STYLE", "headline_html", "map_html", "write_map"]

logger = logging.getLogger(__name__)

_START = """
window.gp = gpViewer.render(document.getElementById("gp-map"), gpViewer.payload("gp-data"),
                            {controls: document.getElementById("gp-controls")});
"""


def headline_html(view: ScenarioView) -> str:
    """Return the headline panel: the recommendation in words and its key figures (escaped).

    Each key figure reads "today → proposed" with its change, coloured by whether it is better
    (``gp-better``) or worse (``gp-worse``) for residents; percentages change in points
    ("pts"); the Gini is explained once. With figures by mode, a line gives the mean journey
    by each mode (car, bus, on foot, ...) the same way, with its share of the visits.
    """
    items = [
        f"<li data-figure='{html.escape(k.key)}'><span class='gp-key-label'>"
        f"{html.escape(k.label)}</span> {_change(k)}</li>"
        for k in key_changes(view)
    ]
    modes = _modes_html(view)
    footfall = footfall_line(view)
    return (
        "<section class='gp-headline'>"
        f"<p class='gp-headline-text'>{html.escape(headline(view))}</p>"
        + (f"<p class='gp-footfall'>{html.escape(footfall)}</p>" if footfall else "")
        + f"<div class='gp-figures'><ul class='gp-key'>{''.join(items)}</ul>{modes}</div>"
        "<p class='gp-note'>All face-to-face visits, today &rarr; with the proposal. "
        f"{html.escape(MODE_NOTE) + ' ' if modes else ''}Changes in "
        "<span class='gp-better'>green</span> are better for residents, in "
        "<span class='gp-worse'>red</span> worse; pts: percentage points. "
        f"{html.escape(GINI_NOTE)}</p></section>"
    )


def _change(k: KeyChange) -> str:
    """Return "today &rarr; proposed" of a figure and its change, coloured (escaped)."""
    cls = f" gp-{k.direction}" if k.direction else ""
    return (
        f"{html.escape(k.today)} &rarr; {html.escape(k.proposed)} "
        f"<span class='gp-change{cls}'>{html.escape(k.change)}</span>"
    )


def _modes_html(view: ScenarioView) -> str:
    """Return the mean journey by each mode today and with the proposal ("" without modes)."""
    items = []
    for m in mode_changes(view):
        share = "; ".join(x for x in (m.share, m.riding) if x)
        items.append(
            f"<li data-mode='{html.escape(m.mode)}'><span class='gp-key-label'>"
            f"{html.escape(m.label)}</span> {_change(m.mean)} "
            f"<span class='gp-mode-share'>({html.escape(share)})</span></li>"
        )
    if not items:
        return ""
    return (
        "<div class='gp-modes'><span class='gp-modes-title'>Mean journey by mode</span>"
        f"<ul class='gp-mode-list'>{''.join(items)}</ul></div>"
    )


def map_html(view: ScenarioView) -> str:
    """Return the text of ``map.html`` (see :func:`write_map`)."""
    body = (
        header_html(view.title, view.banners)
        + headline_html(view)
        + "<div class='gp-main'><div id='gp-map' class='gp-map'></div>"
        + "<aside id='gp-controls' class='gp-side'></aside></div>"
        + footer_html(view.sources)
    )
    payloads = {"gp-data": scenario_payload(view)}
    return html_page(title=view.title, body=body, payloads=payloads, script=_START)


def write_map(path: str | Path, view: ScenarioView) -> Path:
    """Write a self-contained interactive map of one scenario.

    The title and notices head the page, then a panel states the recommendation in words
    (the new and closed sites, named with their place, and the objective's own figure today
    and with the proposal) and the key figures with their changes (green: better for
    residents, red: worse). The layer control and the legend sit beside the map, so that
    neither covers the study area. Layers: face-to-face demand of all groups (shown first) and of
    each group, journey time today and with the proposed sites, the change between them, the
    journey time by each mode today and with the proposed sites (with figures by mode),
    catchments (proposed and today), and sites by status with popups of their figures; the
    legend names only the statuses present and the catchments' sites. The data sources close
    the page.

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
