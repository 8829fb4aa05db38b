"""Printable briefing pages for a councillor pack: ``briefing.pdf`` and ``briefing.png``.

One A4 landscape page per scenario (catchment map with scale bar, north arrow and legend; the key
figures today and with the proposed sites; the notices and a source line), and one comparison
page across scenarios. Drawn with matplotlib's Agg/PDF backends without pyplot (imported
lazily), no network needed. Outputs are deterministic: no creation date in the PDF, fixed
metadata, fixed fonts, so a rerun gives identical bytes.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .._io import atomic_path
from .._optional import import_optional_dependency
from ..contracts import ALL, Evaluation
from ._labels import BRIEFING_FIGURES, figure_label
from ._mapplot import RC, draw_catchment_map, draw_surface_map, fmt, short
from ._payload import STATUS_STYLE
from ._surface import change_span
from ._view import ScenarioView, all_banners, all_sources

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "comparison_figure",
    "save_pages",
    "scenario_figure",
    "write_briefing",
]

logger = logging.getLogger(__name__)

A4_LANDSCAPE = (11.69, 8.27)
_ROW = 0.026  # height of a table row, figure fraction (7.5 pt text scaled 1.25)
PNG_DPI = 150

#: header and column widths (fractions) of the tables of a scenario's page
_KEY_TABLE = (("All face-to-face visits", "Today", "Proposed", "Change"), (0.5, 0.17, 0.17, 0.16))
_GROUP_TABLE = (("Customer group", "People", "Mean min", "≤ 30 min"), (0.36, 0.16, 0.24, 0.24))
_SITE_TABLE = (
    ("Open site", "Status", "Visits/mo", "Mean min", "Load"),
    (0.38, 0.14, 0.17, 0.16, 0.15),
)
_PDF_METADATA = {
    "CreationDate": None,
    "ModDate": None,
    "Creator": "gateway-planner",
    "Producer": "gateway-planner (matplotlib)",
}
_PNG_METADATA = {"Software": "gateway-planner (matplotlib)"}


def _change(a: Any, b: Any, digits: int, suffix: str) -> str:
    try:
        d = float(b) - float(a)
    except (TypeError, ValueError):
        return ""
    if not np.isfinite(d):
        return "–"
    sign = "+" if d > 0 else ("−" if d < 0 else "±")
    return f"{sign}{fmt(abs(d), digits, suffix)}"


def _table(
    ax: Axes,
    rows: list[list[str]],
    header: Sequence[str],
    widths: Sequence[float],
    *,
    title: str,
) -> None:
    ax.axis("off")
    ax.set_title(title, loc="left", fontsize=9.5, fontweight="bold", pad=4)
    if not rows:
        ax.text(0, 0.9, "nothing to show", fontsize=8, transform=ax.transAxes)
        return
    table = ax.table(
        cellText=rows,
        colLabels=list(header),
        colWidths=list(widths),
        cellLoc="right",
        colLoc="right",
        loc="upper left",
        edges="horizontal",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(7.5)
    table.scale(1, 1.25)
    for (r, c), cell in table.get_celld().items():
        cell.set_linewidth(0.3)
        cell.set_edgecolor("#bbbbbb")
        if c == 0:
            cell.set_text_props(ha="left")
        if r == 0:
            cell.set_text_props(fontweight="bold")


def _key_rows(current: Evaluation, proposed: Evaluation) -> list[list[str]]:
    a, b = current.groups.loc[ALL], proposed.groups.loc[ALL]
    rows = []
    for key in BRIEFING_FIGURES:
        label, d, s = figure_label(key)
        rows.append([label, fmt(a[key], d, s), fmt(b[key], d, s), _change(a[key], b[key], d, s)])
    return rows


def _group_rows(current: Evaluation, proposed: Evaluation) -> list[list[str]]:
    rows = []
    for gid in proposed.groups.index:
        if gid == ALL:
            continue
        a, b = current.groups.loc[gid], proposed.groups.loc[gid]
        rows.append(
            [
                short(b["name"], 24),
                fmt(b["people"]),
                f"{fmt(a['mean_minutes'], 1)} → {fmt(b['mean_minutes'], 1)}",
                f"{fmt(a['pct_within_30'], 0)} → {fmt(b['pct_within_30'], 0)} %",
            ]
        )
    return rows


def _site_rows(proposed: Evaluation, limit: int = 9) -> tuple[list[list[str]], int]:
    sites = proposed.sites.loc[list(proposed.open_sites)]
    sites = sites.sort_values("visits", ascending=False, kind="stable")
    rows = [
        [
            short(row.get("name", sid), 26),
            {"existing": "existing", "proposed": "new"}.get(str(row["status"]), str(row["status"])),
            fmt(row["visits_per_month"]),
            fmt(row["mean_minutes"], 1),
            fmt(row["load_pct"], 0, " %"),
        ]
        for sid, row in sites.head(limit).iterrows()
    ]
    return rows, max(0, len(sites) - limit)


_FOOTER_LINES = 9
_FOOTER_WIDTH = 200


def _footer_text(summary: Mapping[str, Any]) -> str:
    parts = []
    sources = summary.get("sources") or []
    if sources:
        parts.append("Sources: " + "; ".join(str(s) for s in sources) + ".")
    network = summary.get("network") or {}
    if network.get("label") or network.get("kind"):
        parts.append(f"Network: {network.get('label') or network.get('kind')}.")
    solver = summary.get("solver") or {}
    if solver:
        gap = solver.get("gap")
        gap_text = f", gap {100 * float(gap):.2f} %" if isinstance(gap, (int, float)) else ""
        parts.append(
            f"Solver: {solver.get('solver', '?')} {solver.get('model') or ''} "
            f"({solver.get('status', '?')}{gap_text})."
        )
    version = (summary.get("software") or {}).get("gateway_planner")
    if version:
        parts.append(f"gateway-planner {version}.")
    parts.append("No basemap; grid north; figures weighted by face-to-face visits.")
    lines = textwrap.wrap(" ".join(" ".join(parts).split()), width=_FOOTER_WIDTH)
    if len(lines) > _FOOTER_LINES:
        lines = [*lines[: _FOOTER_LINES - 1], "… the full list of sources is in summary.json."]
    return "\n".join(lines)


def _footer(fig: Figure, summary: Mapping[str, Any]) -> float:
    """Draw the source line at the bottom; return the figure fraction above it."""
    text = _footer_text(summary)
    fig.text(0.03, 0.012, text, fontsize=6.3, va="bottom", color="#333333", linespacing=1.25)
    line = 6.3 * 1.25 / 72 / A4_LANDSCAPE[1]
    return 0.012 + (text.count("\n") + 1) * line + 0.02


def _header(fig: Figure, title: str, subtitle: str, banners: Sequence[str]) -> float:
    """Draw title, subtitle and notices; return the figure fraction below them."""
    fig.text(0.03, 0.965, short(title, 95), fontsize=15, fontweight="bold", va="top")
    sub = textwrap.wrap(subtitle, width=170)[:2]
    fig.text(0.03, 0.925, "\n".join(sub), fontsize=8.5, va="top", color="#444444")
    y = 0.925 - 0.022 * len(sub) - 0.006
    for banner in banners[:3]:
        fig.text(
            0.03,
            y,
            short(banner, 190),
            fontsize=7.5,
            va="top",
            bbox={"boxstyle": "round,pad=0.25", "fc": "#fff8e1", "ec": "#e0a800", "lw": 0.6},
        )
        y -= 0.027
    return y - 0.01


def _new_figure() -> Figure:
    matplotlib = import_optional_dependency("matplotlib", "report")
    from matplotlib.figure import Figure

    del matplotlib  # imported for the clear error message; Figure needs no pyplot or backend
    return Figure(figsize=A4_LANDSCAPE)


def scenario_figure(view: ScenarioView) -> Figure:
    """Draw the briefing page of one scenario.

    Parameters
    ----------
    view
        The scenario's figures, boundary, summary and notices.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib import rc_context

    with rc_context(RC):
        fig = _new_figure()
        current, proposed = view.current, view.proposed
        new_ids = [s for s in proposed.open_sites if s not in set(current.open_sites)]
        closed = [s for s in current.open_sites if s not in set(proposed.open_sites)]
        names = (
            proposed.sites["name"] if "name" in proposed.sites.columns else pd.Series(dtype=object)
        )
        what = (
            f"Proposed: {len(new_ids)} new site(s)"
            + (
                f" ({', '.join(short(names.get(s, s), 30) for s in new_ids[:4])})"
                if new_ids
                else ""
            )
            + (f", {len(closed)} closed" if closed else "")
            + f"; {len(proposed.open_sites)} open in all."
        )
        top = _header(fig, view.title, what, view.banners)
        bottom = _footer(fig, view.summary)
        height = top - bottom
        map_ax = fig.add_axes((0.03, bottom, 0.54, height - 0.03))
        draw_catchment_map(map_ax, proposed=proposed, current=current, boundary=view.boundary)
        map_ax.set_title("Catchments with the proposed sites", loc="left")

        key_top = top - 0.03
        key_ax = fig.add_axes((0.61, key_top - _ROW * 11, 0.37, _ROW * 11))
        _table(key_ax, _key_rows(current, proposed), *_KEY_TABLE, title="Key figures")
        group_h = _ROW * len(proposed.groups)  # a header and one row per group (not "all")
        group_top = key_top - _ROW * 11 - 0.06
        group_ax = fig.add_axes((0.61, group_top - group_h, 0.37, group_h))
        title = "By customer group (today → proposed)"
        _table(group_ax, _group_rows(current, proposed), *_GROUP_TABLE, title=title)
        site_top = group_top - group_h - 0.06
        room = int((site_top - bottom) / _ROW) - 1
        rows, more = _site_rows(proposed, limit=max(room, 1))
        site_ax = fig.add_axes((0.61, bottom, 0.37, max(site_top - bottom, 0.05)))
        title = "Open sites" + (f" (largest {len(rows)}; {more} more in sites.csv)" if more else "")
        _table(site_ax, rows, *_SITE_TABLE, title=title)
    return fig


def _status_legend(fig: Figure, views: Sequence[ScenarioView], top: float) -> None:
    """One legend for every map of the comparison page: site statuses that appear."""
    from matplotlib.lines import Line2D

    shown = {str(s) for v in views for s in v.proposed.sites["status"]} - {"candidate"}
    handles, labels = [], []
    for status in ("existing", "proposed", "closed"):
        if status not in shown:
            continue
        st = STATUS_STYLE[status]
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=st["radius"],
                markerfacecolor=st["colour"],
                markeredgecolor=st["stroke"],
            )
        )
        labels.append(st["label"])
    handles.append(Line2D([], [], linestyle="none", marker="s", markersize=9, color="#66c2a5"))
    labels.append("Catchment (one colour per open site)")
    fig.legend(handles, labels, loc="upper right", bbox_to_anchor=(0.97, top + 0.07), fontsize=7)


def _extent(boundary: gpd.GeoDataFrame) -> float:
    minx, miny, maxx, maxy = boundary.total_bounds
    return float(max(maxx - minx, maxy - miny))


def _difference_panel(
    fig: Figure,
    ax: Axes,
    difference: gpd.GeoDataFrame,
    *,
    boundary: gpd.GeoDataFrame,
    title: str,
    span_m: float,
) -> None:
    """Draw the journey-time change per cell with its colour bar."""
    change = difference["change"].to_numpy(dtype=float)
    top = change_span(change)
    mappable = draw_surface_map(
        ax,
        cells=difference,
        values=change,
        boundary=boundary,
        sites=None,
        cmap="RdBu_r",
        vmin=-top,
        vmax=top,
        span=span_m,
    )
    ax.set_title(short(title, 60), loc="left")
    bar = fig.colorbar(mappable, ax=ax, orientation="horizontal", fraction=0.04, pad=0.02)
    bar.set_label("Journey-time change, minutes (blue: faster)", fontsize=7)
    bar.ax.tick_params(labelsize=6.5)


def comparison_figure(
    views: Sequence[ScenarioView],
    table: pd.DataFrame,
    *,
    baseline: int = 0,
    difference: gpd.GeoDataFrame | None = None,
    difference_label: str = "Journey-time change against the baseline",
) -> Figure:
    """Draw the comparison page: one map per scenario and the aligned key figures.

    Parameters
    ----------
    views
        The compared scenarios.
    table
        The aligned table of :func:`gateway_planner.comparison_table` (rows
        (group, figure); columns ``<name> today`` / ``<name> proposed`` ...).
    baseline
        Position of the baseline scenario.
    difference
        Cells with a ``change`` column (journey-time change of a scenario against the
        baseline), drawn as one more map when the scenarios share an area; or None.
    difference_label
        Title of the difference map.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib import rc_context

    with rc_context(RC):
        fig = _new_figure()
        base = views[baseline]
        top = _header(
            fig,
            f"Comparison of {len(views)} scenarios",
            " vs ".join(v.title for v in views)
            + f". Baseline: {base.title}. Maps at one scale show the catchments with the "
            "proposed sites.",
            all_banners(views),
        )
        software = base.summary.get("software", {})
        bottom = _footer(fig, {"sources": all_sources(views), "software": software})
        rows, header = _comparison_rows(views, table, baseline)
        table_h = 0.026 * (len(rows) + 1) + 0.035
        map_bottom = bottom + table_h + 0.03
        panels = len(views) + (1 if difference is not None else 0)
        width = 0.94 / panels
        span = max(_extent(v.boundary) for v in views)
        for k, v in enumerate(views):
            ax = fig.add_axes((0.03 + k * width, map_bottom, width - 0.01, top - map_bottom - 0.03))
            draw_catchment_map(
                ax,
                proposed=v.proposed,
                current=v.current,
                boundary=v.boundary,
                legend=False,
                span=span,
                candidates=False,
            )
            ax.set_title(short(v.title, int(60 / panels) + 20), loc="left")
        if difference is not None:
            ax = fig.add_axes(
                (
                    0.03 + len(views) * width,
                    map_bottom + 0.05,
                    width - 0.01,
                    top - map_bottom - 0.08,
                )
            )
            _difference_panel(
                fig, ax, difference, boundary=base.boundary, title=difference_label, span_m=span
            )

        _status_legend(fig, views, top)
        table_ax = fig.add_axes((0.03, bottom, 0.94, table_h))
        n = len(header) - 1
        _table(
            table_ax,
            rows,
            header,
            [0.28] + [0.72 / n] * n,
            title="All face-to-face visits: today → proposed, and against the baseline",
        )
    return fig


def _comparison_rows(
    views: Sequence[ScenarioView], table: pd.DataFrame, baseline: int
) -> tuple[list[list[str]], list[str]]:
    base = views[baseline].name
    header = ["Figure"]
    for v in views:
        header.append(short(v.title, 22))
    others = [v for k, v in enumerate(views) if k != baseline]
    header += [f"{short(v.title, 14)} vs {short(views[baseline].title, 14)}" for v in others]
    rows = []
    for key in BRIEFING_FIGURES:
        label, d, s = figure_label(key)
        if (ALL, key) not in table.index:
            continue
        row = table.loc[(ALL, key)]
        cells = [label]
        for v in views:
            cells.append(
                f"{fmt(row[f'{v.name} today'], d, s)} → {fmt(row[f'{v.name} proposed'], d, s)}"
            )
        for v in others:
            cells.append(_change(row[f"{base} proposed"], row[f"{v.name} proposed"], d, s))
        rows.append(cells)
    return rows, header


def save_pages(
    figures: Sequence[Figure], *, pdf: str | Path, png: str | Path | None = None, png_page: int = -1
) -> list[Path]:
    """Save figures as one PDF (a page each) and one of them as PNG, atomically and reproducibly.

    Parameters
    ----------
    figures
        Matplotlib figures, in page order.
    pdf
        The PDF to write.
    png
        The PNG to write (optional).
    png_page
        Which figure becomes the PNG.

    Returns
    -------
    list of Path
    """
    from matplotlib import rc_context
    from matplotlib.backends.backend_pdf import PdfPages

    written = []
    with rc_context(RC), atomic_path(pdf) as tmp:
        with PdfPages(tmp, metadata=_PDF_METADATA) as pages:
            for fig in figures:
                pages.savefig(fig)
        written.append(Path(pdf))
    if png is not None:
        with rc_context(RC), atomic_path(png) as tmp:
            figures[png_page].savefig(tmp, format="png", dpi=PNG_DPI, metadata=_PNG_METADATA)
        written.append(Path(png))
    return written


def write_briefing(folder: str | Path, view: ScenarioView) -> list[Path]:
    """Write ``briefing.pdf`` and ``briefing.png`` (the same page) for one scenario.

    Parameters
    ----------
    folder
        Output folder.
    view
        The scenario: figures, study area, title, notices (printed under the title) and
        summary (sources, network, solver and software for the source line).

    Returns
    -------
    list of Path
        ``[briefing.pdf, briefing.png]``.
    """
    folder = Path(folder)
    fig = scenario_figure(view)
    written = save_pages([fig], pdf=folder / "briefing.pdf", png=folder / "briefing.png")
    logger.info("briefing.pdf and briefing.png of %r drawn", view.title)
    return written
