"""Cell surfaces of a map page: values over the shared cells, a colour palette and its legend.

A surface (demand per group, journey times, a change) is only an array of values, one per cell,
rounded for the page; its palette is sampled from a branca colormap and its legend is an inline
SVG colour bar with round ticks. Every string is escaped here.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._optional import import_optional_dependency

__all__ = [
    "CHANGE_COLOURS",
    "Surface",
    "change_span",
    "change_surface",
    "json_values",
    "legend_svg",
    "nice_ceiling",
    "nice_ticks",
    "surface",
]

_PALETTE_SIZE = 33  # odd: the middle colour of a scale centred on 0 is exactly its centre

#: colours of a change from better for residents (shorter journeys: green) through no change
#: (light grey) to worse (longer journeys: red); the map and the briefing use the same
CHANGE_COLOURS: tuple[str, ...] = ("#1a9850", "#a6d96a", "#f7f7f7", "#f4a582", "#b2182b")

#: a surface as the viewer reads it (JSON-ready)
Surface = dict[str, Any]


def nice_ceiling(x: float) -> float:
    """Round up to 1, 2, 2.5 or 5 times a power of ten."""
    if not np.isfinite(x) or x <= 0:
        return 1.0
    exp = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10**exp >= x * (1 - 1e-9):
            return float(m * 10**exp)
    return float(10 ** (exp + 1))  # pragma: no cover


def json_values(
    x: np.ndarray, digits: int, *, nan: bool | None = None
) -> list[float | bool | None]:
    """Values rounded to ``digits`` decimals for JSON: None where not finite, no ``-0.0``.

    ``nan`` is written for NaN values instead of None when given (``False``: a cell a surface
    does not draw).
    """
    out: list[float | bool | None] = []
    for v in np.round(np.asarray(x, dtype=float), digits).tolist():
        if math.isnan(v) and nan is not None:
            out.append(nan)
        elif not math.isfinite(v):
            out.append(None)
        else:
            out.append(0.0 if v == 0 else v)
    return out


def surface(
    key: str,
    name: str,
    values: np.ndarray,
    *,
    colormap: str | Sequence[str],
    vmin: float,
    vmax: float,
    unit: str,
    caption: str,
    digits: int = 1,
    show: bool = False,
    skip_zero: bool = False,
    reverse: bool = False,
    none_colour: str = "#4d4d4d",
    skip_nan: bool = False,
) -> Surface:
    """Describe one cell surface: values, a branca colour palette and its legend (SVG).

    Parameters
    ----------
    key
        Stable id for scripts and tests.
    name, unit, caption
        Plain text (escaped here): layer name, value unit, legend caption.
    values
        One value per cell; non-finite values draw in ``none_colour``.
    colormap
        A ``branca.colormap.linear`` name, e.g. ``"viridis"``, or colours from low to high.
    vmin, vmax
        Colour scale range (values outside are clamped).
    digits
        Decimals kept in the page.
    show
        Shown when the page opens.
    skip_zero
        Do not draw cells whose value is 0 (demand layers).
    reverse
        Reverse the palette.
    none_colour
        Colour of cells without a value (unreachable).
    skip_nan
        Do not draw cells whose value is NaN (written ``false``: e.g. no visit of the cell
        goes by the mode a surface shows); other non-finite values draw in ``none_colour``.

    Returns
    -------
    dict
    """
    branca = import_optional_dependency("branca.colormap", "report")
    base = list(getattr(branca.linear, colormap).colors if isinstance(colormap, str) else colormap)
    colours = base[::-1] if reverse else base
    cmap = branca.LinearColormap(colours, vmin=vmin, vmax=vmax)
    palette = [
        cmap.rgb_hex_str(vmin + (vmax - vmin) * k / (_PALETTE_SIZE - 1))
        for k in range(_PALETTE_SIZE)
    ]
    return {
        "key": key,
        "name": html.escape(name),
        "caption": html.escape(caption),
        "unit": html.escape(unit),
        "digits": digits,
        "values": json_values(values, digits, nan=False if skip_nan else None),
        "palette": palette,
        "vmin": vmin,
        "vmax": vmax,
        "none": none_colour,
        "opacity": 0.7,
        "show": show,
        "skip_zero": skip_zero,
        "legend_svg": legend_svg(palette, vmin, vmax, none_colour=none_colour),
    }


def nice_ticks(vmin: float, vmax: float, *, count: int = 5) -> list[float]:
    """Round tick values from ``vmin`` to ``vmax``, at most about ``count`` + 1 of them."""
    if not vmax > vmin:
        return [vmin]
    step = nice_ceiling((vmax - vmin) / count)
    first = math.ceil(vmin / step - 1e-9) * step
    ticks = []
    k = 0
    while first + k * step <= vmax + 1e-9 * step:
        ticks.append(round(first + k * step, 10))
        k += 1
    return ticks


def legend_svg(
    palette: Sequence[str],
    vmin: float,
    vmax: float,
    *,
    width: int = 230,
    none_colour: str | None = None,
) -> str:
    """Colour bar of a surface: the exact palette its cells use, with round tick labels.

    Parameters
    ----------
    palette
        Colours from low to high (sampled from a branca colormap).
    vmin, vmax
        Range of the palette.
    width
        Width of the bar in pixels.
    none_colour
        Adds a swatch labelled "none" (e.g. unreachable cells) when given.

    Returns
    -------
    str
        An inline SVG element (no ids, so several can share a page).
    """
    pad = 12
    n = len(palette)
    w = width / n
    parts = [
        f'<rect x="{pad + k * w:.2f}" y="2" width="{w + 0.3:.2f}" height="12" fill="{c}"/>'
        for k, c in enumerate(palette)
    ]
    for t in nice_ticks(vmin, vmax):
        x = pad + (t - vmin) / (vmax - vmin) * width if vmax > vmin else pad
        label = f"{t:,.0f}" if float(t).is_integer() else f"{t:,.1f}"
        parts.append(f'<line x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="18" stroke="#333"/>')
        parts.append(
            f'<text x="{x:.1f}" y="29" text-anchor="middle" font-size="11" fill="#222">{label}</text>'
        )
    total = width + 2 * pad
    if none_colour is not None:
        parts.append(f'<rect x="{total + 14}" y="2" width="12" height="12" fill="{none_colour}"/>')
        parts.append(
            f'<text x="{total + 20}" y="29" text-anchor="middle" font-size="11" fill="#222">none</text>'
        )
        total += 36
    return (
        f'<svg width="{total}" height="32" viewBox="0 0 {total} 32" role="img">'
        f"{''.join(parts)}</svg>"
    )


def change_span(change: np.ndarray) -> float:
    """Half-width of a colour scale centred on 0 that holds every finite change (rounded up)."""
    finite = np.abs(change[np.isfinite(change)])
    return nice_ceiling(float(finite.max())) if finite.size else 1.0


def change_surface(key: str, name: str, change: np.ndarray, *, caption: str) -> Surface:
    """Cell surface of a journey-time change in minutes, centred on 0 (green: faster, red: slower).

    Parameters
    ----------
    key
        Stable id for scripts and tests.
    name, caption
        Plain text (escaped here): layer name and legend caption.
    change
        Change per cell in minutes; NaN where either journey is unreachable.

    Returns
    -------
    dict
    """
    span = change_span(change)
    return surface(
        key,
        name,
        change,
        colormap=CHANGE_COLOURS,
        vmin=-span,
        vmax=span,
        unit="min",
        caption=caption,
    )
