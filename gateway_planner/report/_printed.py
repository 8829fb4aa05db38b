"""Pieces every printed page shares: the A4 figure, header, source line and tables.

Tables wrap their header labels to the width of their columns, and colour a change by whether it
is better (green) or worse (red) for residents. Callers import matplotlib lazily and pass
figures and axes in; this module only draws.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._optional import import_optional_dependency
from ._labels import BETTER_COLOUR, WORSE_COLOUR, change_direction, change_text, figure_label
from ._mapplot import fmt, short

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "A4_LANDSCAPE",
    "ROW",
    "Cell",
    "arrow_cell",
    "change_cell",
    "chars",
    "draw_footer",
    "draw_header",
    "draw_note",
    "draw_table",
    "footer_text",
    "header_lines",
    "new_figure",
]

A4_LANDSCAPE = (11.69, 8.27)
ROW = 0.026  # height of a table row, figure fraction (7.5 pt text scaled 1.25)
TABLE_FONT = 7.5
#: average width of a character of the tables' font, in points (DejaVu Sans, bold headers)
_CHAR_PT = 0.6 * TABLE_FONT

#: a table cell: its text, or its text and colour
Cell = str | tuple[str, str]

_COLOURS = {"better": BETTER_COLOUR, "worse": WORSE_COLOUR}


def change_cell(key: str, a: Any, b: Any) -> Cell:
    """Return the change of a figure from ``a`` to ``b``: its text ("+8.3 pts") and colour."""
    try:
        delta = float(b) - float(a)
    except (TypeError, ValueError):
        return ""
    return change_text(key, delta), _COLOURS.get(change_direction(key, delta), "")


def arrow_cell(key: str, a: Any, b: Any, *, digits: int | None = None, suffix: str = "") -> Cell:
    """Return "today → proposed" of a figure, coloured by whether the change is better or worse."""
    _label, own, own_suffix = figure_label(key)
    d = own if digits is None else digits
    text = f"{fmt(a, d)} → {fmt(b, d, suffix or own_suffix)}"
    try:
        direction = change_direction(key, float(b) - float(a), d)
    except (TypeError, ValueError):
        direction = ""
    return text, _COLOURS.get(direction, "")


def new_figure() -> Figure:
    """Return an empty A4 landscape figure (matplotlib, no pyplot)."""
    matplotlib = import_optional_dependency("matplotlib", "report")
    from matplotlib.figure import Figure

    del matplotlib  # imported for the clear error message; Figure needs no pyplot or backend
    return Figure(figsize=A4_LANDSCAPE)


def chars(width: float, fontsize: float = TABLE_FONT) -> int:
    """Return how many characters of text fit ``width`` (figure fraction) at ``fontsize``."""
    return max(8, int(width * A4_LANDSCAPE[0] * 72 / (0.6 * fontsize)))


def _wrapped(header: Sequence[str], widths: Sequence[float], axes_width: float) -> list[str]:
    return [
        "\n".join(textwrap.wrap(h, width=chars(w * axes_width) - 2) or [""])
        for h, w in zip(header, widths, strict=True)
    ]


def header_lines(header: Sequence[str], widths: Sequence[float], axes_width: float) -> int:
    """Return the lines the tallest header label takes once wrapped to its column."""
    return max(label.count("\n") + 1 for label in _wrapped(header, widths, axes_width))


def draw_table(
    ax: Axes,
    rows: Sequence[Sequence[Cell]],
    header: Sequence[str],
    widths: Sequence[float],
    *,
    title: str,
    left: Sequence[int] = (0,),
) -> None:
    """Draw a table filling ``ax`` from its top: bold header, text columns left-aligned.

    Parameters
    ----------
    ax
        The axes (turned off) whose width the columns share.
    rows
        Cells: text, or (text, colour) for a coloured value; text longer than its column is
        cut with an ellipsis.
    header
        Column labels, wrapped to their column's width (their row grows to hold them).
    widths
        Column widths, fractions of the axes' width.
    title
        Title above the table.
    left
        Columns aligned left (the others, numbers, align right).
    """
    ax.axis("off")
    ax.set_title(title, loc="left", fontsize=9.5, fontweight="bold", pad=4)
    if not rows:
        ax.text(0, 0.9, "nothing to show", fontsize=8, transform=ax.transAxes)
        return
    axes_width = ax.get_position().width
    labels = _wrapped(header, widths, axes_width)
    fits = [chars(w * axes_width) - 3 for w in widths]
    texts = [
        [short(c if isinstance(c, str) else c[0], fit) for c, fit in zip(row, fits, strict=True)]
        for row in rows
    ]
    table = ax.table(
        cellText=texts,
        colLabels=labels,
        colWidths=list(widths),
        cellLoc="right",
        colLoc="right",
        loc="upper left",
        edges="horizontal",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(TABLE_FONT)
    table.scale(1, 1.25)
    lines = max(label.count("\n") + 1 for label in labels)
    for (r, c), cell in table.get_celld().items():
        cell.set_linewidth(0.3)
        cell.set_edgecolor("#bbbbbb")
        if c in left:
            cell.set_text_props(ha="left")
        if r == 0:
            cell.set_text_props(fontweight="bold")
            cell.set_height(cell.get_height() * lines)
        elif not isinstance(rows[r - 1][c], str) and rows[r - 1][c][1]:
            cell.get_text().set_color(rows[r - 1][c][1])
            cell.set_text_props(fontweight="bold")


def draw_note(
    fig: Figure, x: float, y: float, width: float, text: str, *, above: bool = False
) -> float:
    """Draw a small note wrapped to ``width``, down from ``y`` or up from it (``above``).

    Returns
    -------
    float
        The figure fraction beyond the note: below it, or above it with ``above``.
    """
    lines = textwrap.wrap(text, width=chars(width, 6.5))
    height = len(lines) * 6.5 * 1.2 / 72 / A4_LANDSCAPE[1] + 0.006
    fig.text(
        x,
        y,
        "\n".join(lines),
        fontsize=6.5,
        va="bottom" if above else "top",
        color="#444444",
        linespacing=1.2,
    )
    return y + height if above else y - height


_FOOTER_LINES = 9
_FOOTER_WIDTH = 200


def footer_text(summary: Mapping[str, Any]) -> str:
    """Return the source line of a page: sources, network, solver, software (wrapped)."""
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


def draw_footer(fig: Figure, summary: Mapping[str, Any]) -> float:
    """Draw the source line at the bottom; return the figure fraction above it."""
    text = footer_text(summary)
    fig.text(0.03, 0.012, text, fontsize=6.3, va="bottom", color="#333333", linespacing=1.25)
    line = 6.3 * 1.25 / 72 / A4_LANDSCAPE[1]
    return 0.012 + (text.count("\n") + 1) * line + 0.02


_HEADLINE_FONT = 9.5


def draw_header(fig: Figure, title: str, headline: str, banners: Sequence[str]) -> float:
    """Draw title, headline (up to three lines) and notices; return the fraction below them."""
    fig.text(0.03, 0.965, short(title, 95), fontsize=15, fontweight="bold", va="top")
    lines = textwrap.wrap(headline, width=chars(0.94, _HEADLINE_FONT * 1.05))
    if len(lines) > 3:
        lines = [*lines[:2], short(" ".join(lines[2:]), len(lines[2]))]
    fig.text(0.03, 0.925, "\n".join(lines), fontsize=_HEADLINE_FONT, fontweight="bold", va="top")
    y = 0.925 - len(lines) * _HEADLINE_FONT * 1.25 / 72 / A4_LANDSCAPE[1] - 0.01
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
