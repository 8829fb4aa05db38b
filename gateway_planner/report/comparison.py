"""``comparison.html``: the scenarios' maps side by side, moving together, above the aligned tables.

Self-contained like ``map.html`` (Leaflet and every script inline). Maps of the same area move
together (centre and zoom); maps of different areas (Sheerness and Fauquembergues) zoom
together, so catchment sizes compare at the same scale. When a scenario shares its cells with
the baseline, its map has one more layer: the journey-time change against the baseline.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._io import write_text
from ._headline import headline
from ._labels import GINI_NOTE, change_direction, change_text, figure_label
from ._page import footer_html, header_html, html_page
from ._payload import outline_wgs84, scenario_payload
from ._surface import Surface, change_surface
from ._view import TITLE_SEPARATOR, ScenarioView, all_banners, all_sources, variant_labels
from .maps import key_list_html, options_html

__all__ = [
    "comparison_html",
    "difference_surface",
    "same_area",
    "table_html",
    "write_comparison_page",
]

logger = logging.getLogger(__name__)

_START = """
(function () {
  var panels = JSON.parse(document.getElementById("gp-panels").textContent);
  window.gpMaps = panels.ids.map(function (id) {
    var data = gpViewer.payload("data-" + id);
    var view = gpViewer.render(document.getElementById("map-" + id), data);
    gpWhatIf.attach(view, data, {panel: document.getElementById("switches-" + id),
                                 figures: document.getElementById("whatif-" + id),
                                 compact: true});
    return view;
  });
  gpViewer.synchronise(window.gpMaps, panels.same_area);
})();
"""


def same_area(views: Sequence[ScenarioView]) -> bool:
    """Whether the scenarios' study areas overlap (then their maps share centre and zoom)."""
    if len(views) < 2:
        return True
    outlines = [outline_wgs84(v.boundary) for v in views]
    first = outlines[0]
    return all(first.intersects(o) for o in outlines[1:])


def difference_surface(change: np.ndarray, *, label: str) -> Surface:
    """Cell surface of a journey-time change against the baseline (green: faster)."""
    return change_surface(
        "minutes-vs-baseline",
        label,
        change,
        caption=f"{label}, minutes (green: faster, red: slower)",
    )


def _cell(value: float, figure: str, *, delta: bool = False) -> str:
    if not np.isfinite(value):
        return "<td></td>"
    _label, digits, suffix = figure_label(figure)
    if not delta:
        return f"<td>{html.escape(f'{value:,.{digits}f}{suffix}')}</td>"
    direction = change_direction(figure, value)
    cls = f" class='gp-{direction}'" if direction else ""
    return f"<td{cls}>{html.escape(change_text(figure, value))}</td>"


def table_html(table: pd.DataFrame, views: Sequence[ScenarioView], *, caption: str) -> str:
    """Render an aligned comparison table with readable labels (all text escaped).

    Parameters
    ----------
    table
        A table of :func:`gateway_planner.comparison_table`.
    views
        The compared scenarios (their names label the table's columns).
    caption
        Heading above the table.

    Returns
    -------
    str
    """
    titles = dict(zip((v.name for v in views), variant_labels(views), strict=True))
    value_cols = [c for c in table.columns if c != "name"]
    head = "".join(f"<th>{html.escape(_column_title(c, titles))}</th>" for c in value_cols)
    rows = []
    for (_key, figure), row in table.iterrows():
        label = figure_label(str(figure))[0]
        cells = "".join(
            _cell(float(row[c]), str(figure), delta=not c.endswith((" today", " proposed")))
            for c in value_cols
        )
        rows.append(
            f"<tr><td class='gp-label'>{html.escape(str(row['name']))}</td>"
            f"<td class='gp-label'>{html.escape(label)}</td>{cells}</tr>"
        )
    level = html.escape(str(table.index.names[0] or "").title())
    return (
        f"<h2>{html.escape(caption)}</h2><div class='gp-scroll'>"
        "<table class='gp-compare-table'><thead><tr>"
        f"<th class='gp-label'>{level}</th><th class='gp-label'>Figure</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _column_title(column: str, titles: Mapping[str, str]) -> str:
    for name, title in titles.items():
        for tail in (" today", " proposed", " change"):
            if column == f"{name}{tail}":
                return f"{title}:{tail}"
        if column.startswith(f"{name} vs "):
            base = column[len(name) + 4 :].removesuffix(" (proposed)")
            return f"{title} vs {titles.get(base, base)} (proposed)"
    return column


def _switches_html(view: ScenarioView, k: int) -> str:
    """Return a map's what-if strip: its key figures, presets and site switches ("" without)."""
    if view.what_if is None:
        return ""
    return (
        f"<div class='gp-whatif-strip' id='whatif-{k}'>{key_list_html(view)}"
        "<p class='gp-note'>Today &rarr; <span class='gp-state'>with the proposal</span>.</p>"
        f"<div id='switches-{k}'></div></div>"
    )


def comparison_html(
    views: Sequence[ScenarioView],
    *,
    tables: Mapping[str, pd.DataFrame],
    baseline: int = 0,
    changes: Mapping[str, np.ndarray] | None = None,
) -> str:
    """Return the text of ``comparison.html``.

    Parameters
    ----------
    views
        The compared scenarios, in column order.
    tables
        Caption -> aligned table (e.g. by group, by site), shown below the maps.
    baseline
        Position of the baseline scenario.
    changes
        Scenario name -> journey-time change per cell against the baseline (same cells).

    Returns
    -------
    str
    """
    changes = changes or {}
    base = views[baseline]
    payloads = {}
    panels = []
    for k, v in enumerate(views):
        extra = []
        if v.name in changes:
            extra.append(
                difference_surface(changes[v.name], label=f"Journey-time change vs {base.title}")
            )
        payload = scenario_payload(v, extra_surfaces=extra, show="minutes", by_mode=False)
        payload["collapsed_control"] = True
        payload["compact_legend"] = True
        payloads[f"data-{k}"] = payload
        role = " (baseline)" if k == baseline else ""
        panels.append(
            f"<section class='gp-panel'><h2>{html.escape(v.title + role)}</h2>"
            f"<p class='gp-panel-headline'>{html.escape(headline(v))}</p>{options_html(v)}"
            f"{_switches_html(v, k)}<div id='map-{k}' class='gp-map'></div></section>"
        )
    together = same_area(views)
    payloads["gp-panels"] = {"ids": list(range(len(views))), "same_area": together}
    labels = variant_labels(views)
    if labels != [v.title for v in views]:  # variants of one scenario: name it once
        head = base.title.rpartition(TITLE_SEPARATOR)[0]
        title = f"Comparison of {len(views)} variants: {head}"
    else:
        title = "Comparison: " + " vs ".join(v.title for v in views)
    note = (
        "The maps move together."
        if together
        else "The areas differ: the maps zoom together, so catchments compare at the same scale."
    )
    assumptions = sorted({str(a) for v in views for a in v.summary.get("assumptions", [])})
    notes = "".join(f"<li>{html.escape(a)}</li>" for a in assumptions)
    tables_html = "".join(table_html(t, views, caption=caption) for caption, t in tables.items())
    body = (
        header_html(title, all_banners(views))
        + "<main class='gp-compare'>"
        + f"<p class='gp-note' style='margin:6px 12px'>{html.escape(note)} Baseline: "
        + f"{html.escape(base.title)}. Percentages are of face-to-face visits and change in "
        + "percentage points (pts); minutes are visit-weighted. Changes in "
        + "<span class='gp-better'>green</span> are better for residents, in "
        + "<span class='gp-worse'>red</span> worse. "
        + f"{html.escape(GINI_NOTE)}</p>"
        + f"<div class='gp-maps'>{''.join(panels)}</div>"
        + f"<div class='gp-tables'>{tables_html}"
        + (f"<h2>Assumptions</h2><ul>{notes}</ul>" if notes else "")
        + "</div></main>"
        + footer_html(all_sources(views))
    )
    return html_page(title=title, body=body, payloads=payloads, script=_START)


def write_comparison_page(
    path: str | Path,
    views: Sequence[ScenarioView],
    *,
    tables: Mapping[str, pd.DataFrame],
    baseline: int = 0,
    changes: Mapping[str, np.ndarray] | None = None,
) -> Path:
    """Write ``comparison.html`` (see :func:`comparison_html`) atomically.

    Parameters
    ----------
    path
        The file to write.
    views, tables, baseline, changes
        As for :func:`comparison_html`.

    Returns
    -------
    Path
    """
    text = comparison_html(views, tables=tables, baseline=baseline, changes=changes)
    out = write_text(path, text)
    logger.info("%s: %.1f MB", out.name, len(text.encode("utf-8")) / 1e6)
    return out
