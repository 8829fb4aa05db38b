"""Printable briefing pages for a councillor pack: ``briefing.pdf`` and ``briefing.png``.

One A4 landscape page per scenario (the recommendation in words; catchment map with scale bar,
north arrow and legend; the key figures today and with the proposed sites; the notices and a
source line), and comparison pages across scenarios (three on a page at most). Drawn with matplotlib's Agg/PDF backends without pyplot (imported
lazily), no network needed. Outputs are deterministic: no creation date in the PDF, fixed
metadata, fixed fonts, so a rerun gives identical bytes.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from .._io import atomic_path
from ..contracts import ALL, Evaluation
from ._headline import footfall_line, headline, mode_changes, options_sentence, site_places
from ._labels import BRIEFING_FIGURES, GINI_NOTE, MODE_NOTE, figure_label
from ._mapplot import RC, draw_catchment_map, draw_surface_map, fmt, short
from ._payload import STATUS_STYLE
from ._printed import (
    A4_LANDSCAPE,
    ROW,
    Cell,
    arrow_cell,
    change_cell,
    chars,
    draw_footer,
    draw_header,
    draw_note,
    draw_table,
    header_lines,
    new_figure,
)
from ._surface import CHANGE_COLOURS, change_span
from ._view import ScenarioView, all_banners, all_sources, variant_labels

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "COMPARED_PER_PAGE",
    "comparison_figure",
    "comparison_figures",
    "save_pages",
    "scenario_figure",
    "write_briefing",
]

logger = logging.getLogger(__name__)

PNG_DPI = 150
#: scenarios a comparison page has room for (the baseline and two others)
COMPARED_PER_PAGE = 3

#: header and column widths (fractions) of the tables of a scenario's page
_KEY_TABLE = (("All face-to-face visits", "Today", "Proposed", "Change"), (0.46, 0.17, 0.17, 0.2))
_GROUP_TABLE = (("Customer group", "People", "Mean min", "≤ 30 min"), (0.36, 0.16, 0.24, 0.24))
_MODE_TABLE = (
    ("Mode (all customer groups)", "Share of visits", "Mean min", "≤ 30 min"),
    (0.4, 0.16, 0.24, 0.2),
)
_SITE_TABLE = (
    ("Open site", "Where", "Visits/mo", "Mean min", "Load"),
    (0.37, 0.2, 0.16, 0.14, 0.13),
)
_PDF_METADATA = {
    "CreationDate": None,
    "ModDate": None,
    "Creator": "gateway-planner",
    "Producer": "gateway-planner (matplotlib)",
}
_PNG_METADATA = {"Software": "gateway-planner (matplotlib)"}
_NOTE = (
    "Changes in green are better for residents, in red worse; pts: percentage points. " + GINI_NOTE
)
#: the note of a page with figures by mode
_MODE_PAGE_NOTE = f"{MODE_NOTE} {_NOTE}"


def _key_rows(current: Evaluation, proposed: Evaluation) -> list[list[Cell]]:
    a, b = current.groups.loc[ALL], proposed.groups.loc[ALL]
    rows: list[list[Cell]] = []
    for key in BRIEFING_FIGURES:
        label, d, s = figure_label(key)
        rows.append([label, fmt(a[key], d, s), fmt(b[key], d, s), change_cell(key, a[key], b[key])])
    return rows


def _group_rows(current: Evaluation, proposed: Evaluation) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for gid in proposed.groups.index:
        if gid == ALL:
            continue
        a, b = current.groups.loc[gid], proposed.groups.loc[gid]
        rows.append(
            [
                short(b["name"], 24),
                fmt(b["people"]),
                arrow_cell("mean_minutes", a["mean_minutes"], b["mean_minutes"]),
                arrow_cell("pct_within_30", a["pct_within_30"], b["pct_within_30"], digits=0),
            ]
        )
    return rows


def _mode_rows(view: ScenarioView) -> list[list[Cell]]:
    """Return the share of visits, mean journey and share within 30 min by mode, today → proposed."""
    rows: list[list[Cell]] = []
    for m in mode_changes(view):
        a, b = view.current.modes.loc[(ALL, m.mode)], view.proposed.modes.loc[(ALL, m.mode)]
        rows.append(
            [
                m.label + (f" ({m.riding})" if m.riding else ""),
                fmt(b["pct_of_visits"], 0, " %"),
                arrow_cell("mean_minutes", a["mean_minutes"], b["mean_minutes"]),
                arrow_cell("pct_within_30", a["pct_within_30"], b["pct_within_30"], digits=0),
            ]
        )
    return rows


def _site_rows(view: ScenarioView, limit: int = 9) -> tuple[list[list[Cell]], int]:
    proposed = view.proposed
    sites = proposed.sites.loc[list(proposed.open_sites)]
    sites = sites.sort_values("visits", ascending=False, kind="stable")
    places = site_places(sites, view.boundary)
    new = STATUS_STYLE["proposed"]["colour"]
    rows: list[list[Cell]] = [
        [
            (str(row.get("name", sid)), new if row["status"] == "proposed" else ""),
            places.get(str(sid), ""),
            fmt(row["visits_per_month"]),
            fmt(row["mean_minutes"], 1),
            fmt(row["load_pct"], 0, " %"),
        ]
        for sid, row in sites.head(limit).iterrows()
    ]
    return rows, max(0, len(sites) - limit)


def scenario_figure(view: ScenarioView) -> Figure:
    """Draw the briefing page of one scenario.

    The recommendation in words heads the page (see :func:`gateway_planner.report.headline`);
    the catchment map sits beside the key figures (changes coloured green when better for
    residents, red when worse; percentages change in points, "pts"), the figures by customer
    group and the open sites with the place that holds them. With figures by mode, the
    journey by mode (its share of the visits, mean journey and share within 30 minutes) sits
    under the map.

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
        fig = new_figure()
        current, proposed = view.current, view.proposed
        top = draw_header(fig, view.title, headline(view), view.banners)
        bottom = draw_footer(fig, view.summary)
        note = _MODE_PAGE_NOTE if len(proposed.modes) else _NOTE
        note = f"{footfall_line(view)} {note}".strip()
        options = options_sentence(view)
        if options is not None:  # the councillors' other choices, above the notes
            note = f"{options} {note}"
        map_bottom = draw_note(fig, 0.03, bottom, 0.54, note, above=True)
        modes = _mode_rows(view)
        if modes:  # under the map: the right column is full
            mode_h = ROW * (len(modes) + header_lines(*_MODE_TABLE, 0.54))
            mode_ax = fig.add_axes((0.03, map_bottom, 0.54, mode_h))
            title = "Journey by mode (today → proposed)"
            draw_table(mode_ax, modes, *_MODE_TABLE, title=title)
            map_bottom += mode_h + 0.05
        map_ax = fig.add_axes((0.03, map_bottom, 0.54, top - map_bottom - 0.03))
        draw_catchment_map(map_ax, proposed=proposed, current=current, boundary=view.boundary)
        map_ax.set_title("Catchments with the proposed sites", loc="left")

        key_top = top - 0.03
        key_h = ROW * (len(BRIEFING_FIGURES) + 1)
        key_ax = fig.add_axes((0.61, key_top - key_h, 0.37, key_h))
        draw_table(key_ax, _key_rows(current, proposed), *_KEY_TABLE, title="Key figures")
        group_h = ROW * len(proposed.groups)  # a header and one row per group (not "all")
        group_top = key_top - key_h - 0.06
        group_ax = fig.add_axes((0.61, group_top - group_h, 0.37, group_h))
        title = "By customer group (today → proposed)"
        draw_table(group_ax, _group_rows(current, proposed), *_GROUP_TABLE, title=title)
        site_top = group_top - group_h - 0.06
        room = int((site_top - bottom) / ROW) - 1
        rows, more = _site_rows(view, limit=max(room, 1))
        site_ax = fig.add_axes((0.61, bottom, 0.37, max(site_top - bottom, 0.05)))
        title = "Open sites, new in red" + (
            f" (largest {len(rows)}; {more} more in sites.csv)" if more else ""
        )
        draw_table(site_ax, rows, *_SITE_TABLE, title=title, left=(0, 1))
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
    """Draw the journey-time change per cell with its colour bar (green: faster)."""
    change = difference["change"].to_numpy(dtype=float)
    top = change_span(change)
    mappable = draw_surface_map(
        ax,
        cells=difference,
        values=change,
        boundary=boundary,
        sites=None,
        cmap=CHANGE_COLOURS,
        vmin=-top,
        vmax=top,
        span=span_m,
    )
    ax.set_title(short(title, 60), loc="left")
    bar = fig.colorbar(mappable, ax=ax, orientation="horizontal", fraction=0.04, pad=0.02)
    bar.set_label("Journey-time change, minutes (green: faster, red: slower)", fontsize=7)
    bar.ax.tick_params(labelsize=6.5)


def comparison_figure(
    views: Sequence[ScenarioView],
    table: pd.DataFrame,
    *,
    baseline: int = 0,
    difference: gpd.GeoDataFrame | None = None,
    difference_label: str = "Journey-time change against the baseline",
) -> Figure:
    """Draw the comparison page of up to three scenarios: their maps and the aligned figures.

    Parameters
    ----------
    views
        The compared scenarios, at most :data:`COMPARED_PER_PAGE` (see
        :func:`comparison_figures` for more: a page each for the baseline and two others).
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

    Raises
    ------
    ValueError
        For more than :data:`COMPARED_PER_PAGE` scenarios, whose columns would not fit.
    """
    if len(views) > COMPARED_PER_PAGE:
        msg = (
            f"a comparison page has room for {COMPARED_PER_PAGE} scenarios, not {len(views)}: "
            "draw them with comparison_figures (one page per baseline and two others)"
        )
        raise ValueError(msg)
    span = max(_extent(v.boundary) for v in views)
    return _comparison_page(
        views,
        variant_labels(views),
        table,
        baseline=baseline,
        difference=difference,
        difference_label=difference_label,
        span=span,
        page="",
    )


def comparison_figures(
    views: Sequence[ScenarioView],
    table: pd.DataFrame,
    *,
    baseline: int = 0,
    difference: gpd.GeoDataFrame | None = None,
    difference_label: str = "Journey-time change against the baseline",
) -> list[Figure]:
    """Draw the comparison pages of any number of scenarios, at most three on a page.

    Up to :data:`COMPARED_PER_PAGE` scenarios share one page (as :func:`comparison_figure`);
    more are split over pages, each with the baseline and the next two others, their maps at
    one scale and each column headed by what tells its scenario apart.

    Parameters
    ----------
    views, table, baseline
        As for :func:`comparison_figure`, any number of scenarios.
    difference, difference_label
        The difference map (drawn on the first page only).

    Returns
    -------
    list of matplotlib.figure.Figure
    """
    labels = variant_labels(views)
    span = max(_extent(v.boundary) for v in views)
    if len(views) <= COMPARED_PER_PAGE:
        chunks = [list(range(len(views)))]
    else:
        others = [k for k in range(len(views)) if k != baseline]
        step = COMPARED_PER_PAGE - 1
        chunks = [[baseline, *others[i : i + step]] for i in range(0, len(others), step)]
    pages = []
    for n, chunk in enumerate(chunks):
        page = f" (page {n + 1} of {len(chunks)})" if len(chunks) > 1 else ""
        pages.append(
            _comparison_page(
                [views[k] for k in chunk],
                [labels[k] for k in chunk],
                table,
                baseline=chunk.index(baseline),
                difference=difference if n == 0 else None,
                difference_label=difference_label,
                span=span,
                page=page,
                total=len(views),
            )
        )
    return pages


def _comparison_page(
    views: Sequence[ScenarioView],
    labels: Sequence[str],
    table: pd.DataFrame,
    *,
    baseline: int,
    difference: gpd.GeoDataFrame | None,
    difference_label: str,
    span: float,
    page: str,
    total: int | None = None,
) -> Figure:
    """Draw one comparison page: a map per scenario (titled by its label), then the table."""
    from matplotlib import rc_context

    with rc_context(RC):
        fig = new_figure()
        base = views[baseline]
        top = draw_header(
            fig,
            f"Comparison of {total or len(views)} scenarios{page}",
            f"Baseline: {base.title}. The maps, at one scale, show the catchments with the "
            "proposed sites.",
            all_banners(views),
        )
        software = base.summary.get("software", {})
        bottom = draw_footer(fig, {"sources": all_sources(views), "software": software})
        bottom = draw_note(fig, 0.03, bottom, 0.94, _NOTE, above=True)
        rows, header = _comparison_rows(views, labels, table, baseline)
        widths = [0.28] + [0.72 / (len(header) - 1)] * (len(header) - 1)
        table_h = ROW * (len(rows) + header_lines(header, widths, 0.94))
        map_bottom = bottom + table_h + 0.04
        panels = len(views) + (1 if difference is not None else 0)
        width = 0.94 / panels
        titles = [
            textwrap.wrap(label + (" (baseline)" if k == baseline else ""), chars(width - 0.01, 9))
            for k, label in enumerate(labels)
        ]
        lines = min(2, max(len(t) for t in titles))
        map_top = top - lines * 9 * 1.25 / 72 / A4_LANDSCAPE[1] - 0.01
        for k, v in enumerate(views):
            fig.text(0.03 + k * width, top, "\n".join(titles[k][:lines]), fontsize=9, va="top")
            ax = fig.add_axes((0.03 + k * width, map_bottom, width - 0.01, map_top - map_bottom))
            draw_catchment_map(
                ax,
                proposed=v.proposed,
                current=v.current,
                boundary=v.boundary,
                legend=False,
                span=span,
                candidates=False,
            )
            ax.set_anchor("W")  # under its title
        if difference is not None:
            ax = fig.add_axes(
                (
                    0.03 + len(views) * width,
                    map_bottom + 0.05,
                    width - 0.01,
                    map_top - map_bottom - 0.05,
                )
            )
            _difference_panel(
                fig, ax, difference, boundary=base.boundary, title=difference_label, span_m=span
            )

        _status_legend(fig, views, top)
        table_ax = fig.add_axes((0.03, bottom, 0.94, table_h))
        draw_table(
            table_ax,
            rows,
            header,
            widths,
            title="All face-to-face visits: today → proposed, and against the baseline",
        )
    return fig


def _comparison_rows(
    views: Sequence[ScenarioView], labels: Sequence[str], table: pd.DataFrame, baseline: int
) -> tuple[list[list[Cell]], list[str]]:
    base = views[baseline].name
    header = ["Figure"]
    for k, label in enumerate(labels):
        header.append(label + (" (baseline)" if k == baseline else ""))
    others = [k for k in range(len(views)) if k != baseline]
    header += [f"{labels[k]} against the baseline" for k in others]
    rows: list[list[Cell]] = []
    for key in BRIEFING_FIGURES:
        label, d, s = figure_label(key)
        if (ALL, key) not in table.index:
            continue
        row = table.loc[(ALL, key)]
        cells: list[Cell] = [label]
        for v in views:
            cells.append(
                f"{fmt(row[f'{v.name} today'], d, s)} → {fmt(row[f'{v.name} proposed'], d, s)}"
            )
        for k in others:
            cells.append(
                change_cell(key, row[f"{base} proposed"], row[f"{views[k].name} proposed"])
            )
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
