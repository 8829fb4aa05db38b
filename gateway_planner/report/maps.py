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
from ._headline import (
    KeyChange,
    footfall_line,
    headline,
    key_changes,
    mode_changes,
    options_sentence,
)
from ._labels import GINI_NOTE, MODE_NOTE, change_direction
from ._page import footer_html, header_html, html_page
from ._payload import STATUS_STYLE, scenario_payload
from ._view import ScenarioView

__all__ = [
    "STATUS_STYLE",
    "headline_html",
    "key_list_html",
    "map_html",
    "options_html",
    "write_map",
]

logger = logging.getLogger(__name__)

_START = """
(function () {
  var data = gpViewer.payload("gp-data");
  window.gp = gpViewer.render(document.getElementById("gp-map"), data,
                              {controls: document.getElementById("gp-controls")});
  gpWhatIf.attach(window.gp, data, {panel: document.getElementById("gp-whatif"),
                                    figures: document.querySelector(".gp-headline")});
})();
"""


def headline_html(view: ScenarioView) -> str:
    """Return the headline panel: the recommendation in words and its key figures (escaped).

    Each key figure reads "today → proposed" with its change, coloured by whether it is better
    (``gp-better``) or worse (``gp-worse``) for residents; percentages change in points
    ("pts"); the Gini is explained once. With figures by mode, a line gives the mean journey
    by each mode (car, bus, on foot, ...) the same way, with its share of the visits.
    """
    modes = _modes_html(view)
    footfall = footfall_line(view)
    return (
        "<section class='gp-headline'>"
        f"<p class='gp-headline-text'>{html.escape(headline(view))}</p>"
        f"{options_html(view)}"
        + (f"<p class='gp-footfall'>{html.escape(footfall)}</p>" if footfall else "")
        + f"<div class='gp-figures'>{key_list_html(view)}{modes}</div>"
        "<p class='gp-note'>All face-to-face visits, today &rarr; "
        "<span class='gp-state'>with the proposal</span>. "
        f"{html.escape(MODE_NOTE) + ' ' if modes else ''}Changes in "
        "<span class='gp-better'>green</span> are better for residents, in "
        "<span class='gp-worse'>red</span> worse; pts: percentage points. "
        f"{html.escape(GINI_NOTE)}</p></section>"
    )


def options_html(view: ScenarioView) -> str:
    """Return the near-optimal alternatives in a sentence (empty when the run asked none).

    Parameters
    ----------
    view
        The scenario (its ``summary`` ``alternatives``).

    Returns
    -------
    str
        A ``<p class='gp-options'>`` element, escaped; ``""`` without alternatives.
    """
    sentence = options_sentence(view)
    return "" if sentence is None else f"<p class='gp-options'>{html.escape(sentence)}</p>"


def key_list_html(view: ScenarioView) -> str:
    """Return the key figures, each in a ``<li data-figure='<name>'>`` (escaped).

    With what-if data, every figure the page recomputes is listed (see ``key_changes``'s
    ``every``), and each item says how to show it (``data-digits``, ``data-suffix``) and which
    way is better (``data-better``: ``higher``, ``lower`` or empty).
    """
    items = []
    for k in key_changes(view, every=view.what_if is not None):
        attrs = f"data-figure='{html.escape(k.key)}'"
        if view.what_if is not None:
            attrs += _format_attrs(k)
        items.append(
            f"<li {attrs}><span class='gp-key-label'>{html.escape(k.label)}</span> "
            f"{_change(k)}</li>"
        )
    return f"<ul class='gp-key'>{''.join(items)}</ul>"


def _format_attrs(k: KeyChange) -> str:
    """How the page writes a figure it recomputes: decimals, unit, the better way."""
    better = {"better": "higher", "worse": "lower"}.get(change_direction(k.key, 1.0, 9), "")
    return f" data-digits='{k.digits}' data-suffix='{html.escape(k.suffix)}' data-better='{better}'"


def _change(k: KeyChange) -> str:
    """Return "today &rarr; proposed" of a figure and its change, coloured (escaped)."""
    cls = f" gp-{k.direction}" if k.direction else ""
    return (
        f"<span class='gp-today'>{html.escape(k.today)}</span> &rarr; "
        f"<span class='gp-now'>{html.escape(k.proposed)}</span> "
        f"<span class='gp-change{cls}'>{html.escape(k.change)}</span>"
    )


def _modes_html(view: ScenarioView) -> str:
    """Return the mean journey by each mode today and with the proposal ("" without modes)."""
    items = []
    for m in mode_changes(view):
        share = "; ".join(x for x in (m.share, m.riding) if x)
        attrs = _format_attrs(m.mean) if view.what_if is not None else ""
        items.append(
            f"<li data-mode='{html.escape(m.mode)}'{attrs}><span class='gp-key-label'>"
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
    switches = (
        "<aside id='gp-whatif' class='gp-whatif' aria-label='Sites open and closed'></aside>"
        if view.what_if is not None
        else ""
    )
    body = (
        header_html(view.title, view.banners)
        + headline_html(view)
        + f"<div class='gp-main'>{switches}<div id='gp-map' class='gp-map'></div>"
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
