"""The data a map page draws: cells (geometry shared by every surface), surfaces, catchments, sites.

Geometry is written once, as WGS84 rings rounded to ``DIGITS`` decimals (about 1 m), flattened to
``[lat, lng, lat, lng, ...]`` without the closing point; every cell surface (demand per group,
journey times, changes) is only an array of values over those cells. Every string a page puts into
HTML is escaped here, so the browser script never has to.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._optional import import_optional_dependency
from ..evaluate import Evaluation
from ..groups import CustomerGroup

__all__ = [
    "BASEMAPS",
    "CATCHMENT_COLOURS",
    "DIGITS",
    "STATUS_STYLE",
    "Surface",
    "encode_geometry",
    "legend_svg",
    "nice_ceiling",
    "nice_ticks",
    "scenario_payload",
    "script_json",
    "site_colours",
    "surface",
]

DIGITS = 5  # ~1 m at these latitudes: plenty for 250 m cells, keeps files small
_PALETTE_SIZE = 32

#: colour, label, marker radius, stroke, stroke width, fill opacity and default visibility
STATUS_STYLE: dict[str, dict[str, Any]] = {
    "existing": {
        "colour": "#1b4f9c",
        "label": "Existing site",
        "radius": 9,
        "stroke": "#000000",
        "weight": 2,
        "opacity": 0.95,
        "show": True,
    },
    "proposed": {
        "colour": "#d7301f",
        "label": "Proposed new site",
        "radius": 9,
        "stroke": "#000000",
        "weight": 2,
        "opacity": 0.95,
        "show": True,
    },
    "closed": {
        "colour": "#969696",
        "label": "Closed site",
        "radius": 7,
        "stroke": "#252525",
        "weight": 2,
        "opacity": 0.9,
        "show": True,
    },
    "candidate": {
        "colour": "#9e9ac8",
        "label": "Candidate site",
        "radius": 4,
        "stroke": "#54278f",
        "weight": 1,
        "opacity": 0.8,
        "show": False,
    },
}
STATUS_ORDER = ("candidate", "closed", "existing", "proposed")

CATCHMENT_COLOURS: tuple[str, ...] = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#1f78b4",
    "#b15928",
    "#6a3d9a",
)

#: background maps; tiles load when online, the page works without them
BASEMAPS: tuple[dict[str, Any], ...] = (
    {
        "name_html": "Light basemap (CARTO)",
        "url": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
        "subdomains": "abcd",
        "attribution_html": "&copy; OpenStreetMap contributors &copy; CARTO",
        "default": True,
    },
    {
        "name_html": "OpenStreetMap",
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "subdomains": "abc",
        "attribution_html": "&copy; OpenStreetMap contributors",
        "default": False,
    },
    {"name_html": "No basemap", "url": None, "default": False},
)

Surface = dict[str, Any]


def script_json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` become escapes."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _ring(coords: np.ndarray) -> list[float]:
    xy = np.round(coords[:-1, ::-1], DIGITS)  # lat, lng; drop the closing point
    return [0.0 if v == 0 else float(v) for v in xy.ravel().tolist()]


def encode_geometry(geom: shapely.Geometry) -> list[list[list[float]]]:
    """Encode a (multi)polygon in WGS84 as polygons -> rings -> flat ``[lat, lng, ...]``."""
    if geom is None or geom.is_empty:
        return []
    parts = shapely.get_parts(geom) if geom.geom_type.startswith("Multi") else [geom]
    out = []
    for poly in parts:
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        rings = [poly.exterior, *poly.interiors]
        out.append([_ring(np.asarray(r.coords)) for r in rings])
    return out


def _wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    return frame.geometry.to_crs(4326)


def nice_ceiling(x: float) -> float:
    """Round up to 1, 2, 2.5 or 5 times a power of ten."""
    if not np.isfinite(x) or x <= 0:
        return 1.0
    exp = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10**exp >= x * (1 - 1e-9):
            return float(m * 10**exp)
    return float(10 ** (exp + 1))  # pragma: no cover


def _values(x: np.ndarray, digits: int) -> list[float | None]:
    out: list[float | None] = []
    for v in np.round(np.asarray(x, dtype=float), digits).tolist():
        out.append(None if not math.isfinite(v) else (0.0 if v == 0 else v))
    return out


def surface(
    key: str,
    name: str,
    values: np.ndarray,
    *,
    colormap: str,
    vmin: float,
    vmax: float,
    unit: str,
    caption: str,
    digits: int = 1,
    show: bool = False,
    skip_zero: bool = False,
    reverse: bool = False,
    none_colour: str = "#4d4d4d",
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
        A ``branca.colormap.linear`` name, e.g. ``"viridis"``.
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

    Returns
    -------
    dict
    """
    branca = import_optional_dependency("branca.colormap", "report")
    base = getattr(branca.linear, colormap)
    colours = list(base.colors)[::-1] if reverse else list(base.colors)
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
        "values": _values(values, digits),
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


def site_colours(*evaluations: Evaluation) -> dict[str, str]:
    """One catchment colour per site open in any of the evaluations, in site order."""
    ids: list[str] = []
    for ev in evaluations:
        ids += [s for s in ev.open_sites if s not in ids]
    order = {s: i for i, s in enumerate(evaluations[0].sites.index)} if evaluations else {}
    ids.sort(key=lambda s: order.get(s, len(order)))
    return {s: CATCHMENT_COLOURS[i % len(CATCHMENT_COLOURS)] for i, s in enumerate(ids)}


def _fmt(x: Any, digits: int = 0, suffix: str = "") -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return ""
    if math.isnan(v):
        return ""
    if math.isinf(v):
        return "unreachable"
    return f"{v:,.{digits}f}{suffix}"


_POPUP_ROWS: tuple[tuple[str, str, int, str], ...] = (
    ("people", "People served", 0, ""),
    ("visits", "Face-to-face visits/year", 0, ""),
    ("visits_per_month", "Visits/month", 0, ""),
    ("mean_minutes", "Mean journey (min)", 1, ""),
    ("median_minutes", "Median journey (min)", 1, ""),
    ("p90_minutes", "90th percentile (min)", 1, ""),
    ("worst_decile_minutes", "Slowest tenth, mean (min)", 1, ""),
    ("pct_within_15", "Visits within 15 min", 0, " %"),
    ("pct_within_30", "Visits within 30 min", 0, " %"),
    ("load_pct", "Load vs capacity", 0, " %"),
)


def site_popup(site_id: str, states: Mapping[str, pd.Series]) -> str:
    """Popup HTML of one site: its name, status and figures in each state (escaped).

    Parameters
    ----------
    site_id
        The site's id.
    states
        State label ("today", "proposed") -> the site's row of ``Evaluation.sites``; the last
        one gives the name and status.

    Returns
    -------
    str
    """
    last = list(states.values())[-1]
    name = html.escape(str(last.get("name", site_id)))
    status = STATUS_STYLE.get(str(last["status"]), {"label": str(last["status"])})["label"]
    head = (
        f"<div class='gp-popup-title'>{name}</div>"
        f"<div class='gp-popup-sub'>{html.escape(status)} &middot; id {html.escape(site_id)}</div>"
    )
    shown = {k: row for k, row in states.items() if math.isfinite(float(row.get("visits", np.nan)))}
    if not shown:
        return head + "<div>Not open in this scenario.</div>"
    cols = "".join(f"<th>{html.escape(k)}</th>" for k in shown)
    body = []
    for col, label, digits, suffix in _POPUP_ROWS:
        cells = "".join(
            f"<td class='gp-{col.replace('_', '-')}'>{_fmt(row.get(col), digits, suffix)}</td>"
            for row in shown.values()
        )
        if any(_fmt(row.get(col)) for row in shown.values()):
            body.append(f"<tr><th>{label}</th>{cells}</tr>")
    capacity = _fmt(last.get("capacity"))
    if capacity:
        body.append(
            f"<tr><th>Capacity (visits/month)</th><td colspan='{len(shown)}'>{capacity}</td></tr>"
        )
    source = last.get("location_source")
    note = (
        f"<div class='gp-popup-sub'><i>location {html.escape(source)}</i></div>"
        if isinstance(source, str) and source
        else ""
    )
    return head + f"<table class='gp-table'><tr><th></th>{cols}</tr>{''.join(body)}</table>" + note


def _catchments(
    ev: Evaluation, colours: Mapping[str, str], site_pos: Mapping[str, int]
) -> list[dict[str, Any]]:
    if ev.catchments.empty:
        return []
    geoms = _wgs84(ev.catchments)
    return [
        {
            "index": site_pos.get(str(sid), -1),
            "colour": colours.get(str(sid), "#666666"),
            "geom": encode_geometry(geom),
        }
        for sid, geom in zip(ev.catchments.index, geoms, strict=True)
    ]


#: the journey-time colour scale ends between these (minutes); longer journeys take its last colour
MINUTES_SCALE = (30.0, 120.0)


def _minutes_max(*arrays: np.ndarray) -> float:
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays])
    if not finite.size:
        return MINUTES_SCALE[0]
    top = nice_ceiling(float(np.quantile(finite, 0.9)))
    return float(min(max(top, MINUTES_SCALE[0]), MINUTES_SCALE[1]))


def scenario_payload(
    *,
    proposed: Evaluation,
    current: Evaluation,
    groups: Sequence[CustomerGroup],
    boundary: gpd.GeoDataFrame,
    title: str,
    banners: Sequence[str] = (),
    sources: Sequence[str] = (),
    extra_surfaces: Sequence[Surface] = (),
    show: str = "demand",
) -> dict[str, Any]:
    """Everything the viewer draws for one scenario.

    Parameters
    ----------
    proposed, current
        Figures with the proposed sites and with today's.
    groups
        Customer groups (one demand layer each).
    boundary
        Study-area polygons.
    title, banners, sources
        Plain text shown on the page (escaped here).
    extra_surfaces
        More cell surfaces over the same cells (e.g. a difference with another scenario).
    show
        Surface shown when the page opens: {"demand", "minutes", "none"}.

    Returns
    -------
    dict
        JSON-ready payload for ``gpViewer.render``.
    """
    cells = proposed.cells
    area_km2 = np.maximum(cells.geometry.area.to_numpy() / 1e6, 1e-6)
    geoms = _wgs84(cells)
    outline = shapely.union_all(boundary.geometry.to_crs(4326).to_numpy())
    minx, miny, maxx, maxy = shapely.bounds(outline).tolist()

    surfaces: list[Surface] = []
    for i, g in enumerate(groups):
        density = cells[f"visits__{g.id}"].to_numpy(dtype=float) / area_km2
        positive = density[density > 0]
        vmax = nice_ceiling(float(np.quantile(positive, 0.98))) if positive.size else 1.0
        surfaces.append(
            surface(
                f"demand-{i}",
                f"Face-to-face demand: {g.name}",
                density,
                colormap="YlOrRd_09",
                vmin=0.0,
                vmax=vmax,
                unit="visits/year/km²",
                caption=f"{g.name}: face-to-face visits per year per km²",
                digits=1,
                show=(show == "demand" and i == 0),
                skip_zero=True,
            )
        )
    now = current.cells["minutes"].to_numpy(dtype=float)
    new = cells["minutes"].to_numpy(dtype=float)
    tmax = _minutes_max(now, new)
    for key, name, values, visible in (
        ("minutes-today", "Journey time today", now, False),
        ("minutes-proposed", "Journey time with the proposed sites", new, show == "minutes"),
    ):
        surfaces.append(
            surface(
                key,
                name,
                values,
                colormap="viridis",
                vmin=0.0,
                vmax=tmax,
                unit="min",
                caption=f"{name}, minutes ({tmax:g} or more in the darkest colour; grey: unreachable)",
                show=visible,
                reverse=True,
            )
        )
    with np.errstate(invalid="ignore"):
        change = np.where(np.isfinite(now) & np.isfinite(new), new - now, np.nan)
    span = nice_ceiling(float(np.nanmax(np.abs(change)))) if np.any(np.isfinite(change)) else 1.0
    surfaces.append(
        surface(
            "minutes-change",
            "Journey-time change (proposed − today)",
            change,
            colormap="RdBu_11",
            vmin=-span,
            vmax=span,
            unit="min",
            caption="Change in journey time, minutes (blue: faster)",
            reverse=True,
        )
    )
    surfaces += list(extra_surfaces)

    colours = site_colours(current, proposed)
    site_rows = []
    site_pos: dict[str, int] = {}
    sites84 = _wgs84(proposed.sites)
    for k, (sid, row) in enumerate(proposed.sites.iterrows()):
        sid = str(sid)
        site_pos[sid] = k
        pt = sites84.iloc[k]
        site_rows.append(
            {
                "id": sid,
                "name_html": html.escape(str(row.get("name", sid))),
                "status": str(row["status"]),
                "lat": round(float(pt.y), DIGITS),
                "lng": round(float(pt.x), DIGITS),
                "popup_html": site_popup(sid, {"today": current.sites.loc[sid], "proposed": row}),
            }
        )

    def site_index(values: pd.Series) -> list[int | None]:
        return [site_pos.get(str(s)) if s else None for s in values]

    statuses = {
        s: {k: (html.escape(v) if k == "label" else v) for k, v in STATUS_STYLE[s].items()}
        for s in STATUS_ORDER
    }
    return {
        "title_html": html.escape(title),
        "banners_html": [html.escape(b) for b in banners],
        "sources_html": [html.escape(s) for s in sources],
        "bounds": [
            [round(miny, DIGITS), round(minx, DIGITS)],
            [round(maxy, DIGITS), round(maxx, DIGITS)],
        ],
        "outline": encode_geometry(outline),
        "cells": [encode_geometry(g) for g in geoms],
        "cell_info": {
            "ids": [html.escape(str(c)) for c in cells.index],
            "population": _values(cells["population"].to_numpy(), 0),
            "visits": _values(cells["visits"].to_numpy(), 0),
            "columns": [
                {
                    "label": "minutes today",
                    "kind": "number",
                    "digits": 1,
                    "values": _values(now, 1),
                },
                {
                    "label": "minutes proposed",
                    "kind": "number",
                    "digits": 1,
                    "values": _values(new, 1),
                },
                {
                    "label": "site today",
                    "kind": "site",
                    "values": site_index(current.cells["site"]),
                },
                {"label": "site proposed", "kind": "site", "values": site_index(cells["site"])},
            ],
        },
        "surfaces": surfaces,
        "catchment_layers": [
            {
                "key": "catchments-proposed",
                "name_html": "Catchments with the proposed sites",
                "show": True,
                "catchments": _catchments(proposed, colours, site_pos),
            },
            {
                "key": "catchments-today",
                "name_html": "Catchments today",
                "show": False,
                "catchments": _catchments(current, colours, site_pos),
            },
        ],
        "sites": site_rows,
        "statuses": statuses,
        "status_order": list(STATUS_ORDER),
        "basemaps": list(BASEMAPS),
        "collapsed_control": False,
    }
