"""The data a map page draws of one scenario: cells, surfaces, catchments, sites, text.

Geometry is written once, as WGS84 rings rounded to ``DIGITS`` decimals (about 1 m), flattened to
``[lat, lng, lat, lng, ...]`` without the closing point; every cell surface (demand per group,
journey times, changes: see ``_surface``) is only an array of values over those cells. Every
string a page puts into HTML is escaped here, so the browser script never has to.
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

from ..contracts import Evaluation
from ._headline import site_label, site_places
from ._labels import POPUP_FIGURES, mode_label
from ._surface import Surface, change_surface, json_values, nice_ceiling, surface
from ._view import ScenarioView
from ._whatif_payload import whatif_payload

__all__ = [
    "BASEMAPS",
    "CATCHMENT_COLOURS",
    "DIGITS",
    "LEGEND_CATCHMENTS",
    "STATUS_STYLE",
    "encode_geometry",
    "outline_wgs84",
    "scenario_payload",
    "script_json",
    "site_colours",
    "site_popup",
]

DIGITS = 5  # ~1 m at these latitudes: plenty for 250 m cells, keeps files small

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


def site_popup(site_id: str, states: Mapping[str, pd.Series], *, place: str = "") -> str:
    """Popup HTML of one site: its name, place, status and figures in each state (escaped).

    Parameters
    ----------
    site_id
        The site's id.
    states
        State label ("today", "proposed") -> the site's row of ``Evaluation.sites``; the last
        one gives the name and status.
    place
        Where the site is (the study-area unit holding it), shown under its name.

    Returns
    -------
    str
    """
    last = list(states.values())[-1]
    name = html.escape(str(last.get("name", site_id)))
    status = STATUS_STYLE.get(str(last["status"]), {"label": str(last["status"])})["label"]
    where = f"{html.escape(place)} &middot; " if place else ""
    head = (
        f"<div class='gp-popup-title'>{name}</div>"
        f"<div class='gp-popup-sub'>{where}{html.escape(status)} &middot; "
        f"id {html.escape(site_id)}</div>"
    )
    shown = {k: row for k, row in states.items() if math.isfinite(float(row.get("visits", np.nan)))}
    if not shown:
        return head + "<div>Not open in this scenario.</div>"
    cols = "".join(f"<th>{html.escape(k)}</th>" for k in shown)
    body = []
    for col, label, digits, suffix in POPUP_FIGURES:
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


def outline_wgs84(boundary: gpd.GeoDataFrame) -> shapely.Geometry:
    """Return the study area as one (multi)polygon in WGS84."""
    return shapely.union_all(boundary.geometry.to_crs(4326).to_numpy())


def _demand_surfaces(view: ScenarioView, *, show: bool) -> list[Surface]:
    """Face-to-face visits a year per km²: all groups (shown first), then one surface per group."""
    cells = view.proposed.cells
    area_km2 = np.maximum(cells.geometry.area.to_numpy() / 1e6, 1e-6)
    layers = [("demand-all", "all customer groups", "visits")] + [
        (f"demand-{i}", g.name, f"visits__{g.id}") for i, g in enumerate(view.groups)
    ]
    surfaces = []
    for key, name, column in layers:
        density = cells[column].to_numpy(dtype=float) / area_km2
        positive = density[density > 0]
        vmax = nice_ceiling(float(np.quantile(positive, 0.98))) if positive.size else 1.0
        surfaces.append(
            surface(
                key,
                f"Face-to-face demand: {name}",
                density,
                colormap="YlOrRd_09",
                vmin=0.0,
                vmax=vmax,
                unit="visits/year/km²",
                caption=f"Face-to-face demand ({name}): visits per year per km²",
                digits=1,
                show=show and key == "demand-all",
                skip_zero=True,
            )
        )
    return surfaces


def _minutes_surface(
    key: str, name: str, values: np.ndarray, *, tmax: float, note: str = "", **options: Any
) -> Surface:
    """Journey times on the scale of the journey-time layers (0 to ``tmax``, viridis reversed)."""
    return surface(
        key,
        name,
        values,
        colormap="viridis",
        vmin=0.0,
        vmax=tmax,
        unit="min",
        caption=f"{name}, minutes ({tmax:g} or more in the darkest colour; grey: unreachable"
        f"{note})",
        reverse=True,
        **options,
    )


def _minutes_surfaces(
    now: np.ndarray, new: np.ndarray, *, tmax: float, show: bool
) -> list[Surface]:
    """Journey times today and with the proposed sites (one scale), and the change."""
    surfaces = [
        _minutes_surface(key, name, values, tmax=tmax, show=visible)
        for key, name, values, visible in (
            ("minutes-today", "Journey time today", now, False),
            ("minutes-proposed", "Journey time with the proposed sites", new, show),
        )
    ]
    with np.errstate(invalid="ignore"):
        change = np.where(np.isfinite(now) & np.isfinite(new), new - now, np.nan)
    surfaces.append(
        change_surface(
            "minutes-change",
            "Journey-time change (proposed − today)",
            change,
            caption="Change in journey time, minutes (green: faster, red: slower)",
        )
    )
    return surfaces


def _mode_surfaces(view: ScenarioView, *, tmax: float) -> tuple[list[Surface], dict[str, Any]]:
    """Journey time by each mode today and with the proposed sites, and the menu choosing one.

    On the journey-time layers' scale. A cell's value is the mean journey of its visits
    travelling by that mode; cells none of whose visits go by it are not drawn. The map
    offers them in one drop-down (one at a time), not in the layer control.
    """
    now, new = view.current.mode_minutes, view.proposed.mode_minutes
    surfaces, items = [], []
    for mode in new.columns:
        by = mode_label(str(mode), phrase=True)
        for state, when, short, values in (
            ("today", "today", "today", now[mode]),
            ("proposed", "with the proposed sites", "proposed", new[mode]),
        ):
            key = f"minutes-{mode}-{state}"
            surfaces.append(
                _minutes_surface(
                    key,
                    f"Journey time {by} {when}",
                    values.to_numpy(dtype=float),
                    tmax=tmax,
                    note=f"; not drawn: no visit {by}",
                    skip_nan=True,
                )
            )
            items.append({"key": key, "label_html": html.escape(f"{by}, {short}")})
    menu = {"label_html": "Journey time by mode", "none_html": "none shown", "items": items}
    return surfaces, menu


def _site_rows(view: ScenarioView) -> list[dict[str, Any]]:
    """Every site (proposed state) with its position, status, label (name, place) and popup."""
    current, proposed = view.current, view.proposed
    sites84 = _wgs84(proposed.sites)
    places = site_places(proposed.sites, view.boundary)
    rows = []
    for k, (sid, row) in enumerate(proposed.sites.iterrows()):
        sid = str(sid)
        pt = sites84.iloc[k]
        place = places.get(sid, "")
        states = {"today": current.sites.loc[sid], "proposed": row}
        rows.append(
            {
                "id": sid,
                "name_html": html.escape(site_label(row.get("name", sid), place)),
                "status": str(row["status"]),
                "lat": round(float(pt.y), DIGITS),
                "lng": round(float(pt.x), DIGITS),
                "popup_html": site_popup(sid, states, place=place),
            }
        )
    return rows


#: catchments named in the map's legend at most (the others are counted)
LEGEND_CATCHMENTS = 12


def _catchment_legend(view: ScenarioView, colours: Mapping[str, str]) -> dict[str, Any]:
    """Colour and name of the sites with a catchment today or with the proposed sites."""
    sites = view.proposed.sites
    items = []
    for sid, colour in list(colours.items())[:LEGEND_CATCHMENTS]:
        row = sites.loc[sid]
        name = " ".join(str(row.get("name", sid)).split())
        closed = str(row["status"]) == "closed"
        items.append(
            {
                "colour": colour,
                "label_html": html.escape(name + (" (today only)" if closed else "")),
            }
        )
    return {"items": items, "more": max(0, len(colours) - LEGEND_CATCHMENTS)}


def _cell_info(
    view: ScenarioView, now: np.ndarray, new: np.ndarray, site_pos: Mapping[str, int]
) -> dict[str, Any]:
    """Return what a click on a cell shows: id, people, visits, minutes and site in both states."""
    cells = view.proposed.cells

    def site_index(values: pd.Series) -> list[int | None]:
        return [site_pos.get(str(s)) if s else None for s in values]

    number = {"kind": "number", "digits": 1}
    return {
        "ids": [html.escape(str(c)) for c in cells.index],
        "population": json_values(cells["population"].to_numpy(), 0),
        "visits": json_values(cells["visits"].to_numpy(), 0),
        "columns": [
            {"label": "minutes today", **number, "values": json_values(now, 1)},
            {"label": "minutes proposed", **number, "values": json_values(new, 1)},
            {
                "label": "site today",
                "kind": "site",
                "values": site_index(view.current.cells["site"]),
            },
            {"label": "site proposed", "kind": "site", "values": site_index(cells["site"])},
        ],
    }


def scenario_payload(
    view: ScenarioView,
    *,
    extra_surfaces: Sequence[Surface] = (),
    show: str = "demand",
    by_mode: bool = True,
) -> dict[str, Any]:
    """Everything the viewer draws for one scenario.

    Parameters
    ----------
    view
        The scenario: figures, groups (one demand layer each), study area, title, notices and
        sources (text escaped here).
    extra_surfaces
        More cell surfaces over the same cells (e.g. a difference with another scenario).
    show
        Surface shown when the page opens: {"demand", "minutes", "none"}.
    by_mode
        Add the journey time by each mode (today and proposed) when the evaluations have
        figures by mode, after the change layer and on the journey-time layers' scale, with
        the drop-down that shows one of them (``surface_menu``, else None).

    Returns
    -------
    dict
        JSON-ready payload for ``gpViewer.render``.
    """
    current, proposed = view.current, view.proposed
    outline = outline_wgs84(view.boundary)
    minx, miny, maxx, maxy = shapely.bounds(outline).tolist()
    now = current.cells["minutes"].to_numpy(dtype=float)
    new = proposed.cells["minutes"].to_numpy(dtype=float)
    tmax = _minutes_max(now, new)
    by_mode = by_mode and not proposed.mode_minutes.empty
    mode_surfaces, menu = _mode_surfaces(view, tmax=tmax) if by_mode else ([], None)
    surfaces = [
        *_demand_surfaces(view, show=show == "demand"),
        *_minutes_surfaces(now, new, tmax=tmax, show=show == "minutes"),
        *mode_surfaces,
        *extra_surfaces,
    ]
    colours = site_colours(current, proposed)
    site_pos = {str(sid): k for k, sid in enumerate(proposed.sites.index)}
    whatif = whatif_payload(view, colours, CATCHMENT_COLOURS)
    present = set(proposed.sites["status"].astype(str))
    if whatif is not None:  # a switch closes an existing site, opens a candidate as proposed
        for pair in ({"existing", "closed"}, {"candidate", "proposed"}):
            if present & pair:
                present |= pair
    order = [s for s in STATUS_ORDER if s in present]
    statuses = {
        s: {k: (html.escape(v) if k == "label" else v) for k, v in STATUS_STYLE[s].items()}
        for s in order
    }
    if whatif is not None:  # candidates are shown: a click on one opens it
        statuses.get("candidate", {})["show"] = True
    return {
        "title_html": html.escape(view.title),
        "banners_html": [html.escape(b) for b in view.banners],
        "sources_html": [html.escape(s) for s in view.sources],
        "bounds": [
            [round(miny, DIGITS), round(minx, DIGITS)],
            [round(maxy, DIGITS), round(maxx, DIGITS)],
        ],
        "outline": encode_geometry(outline),
        "cells": [encode_geometry(g) for g in _wgs84(proposed.cells)],
        "cell_info": _cell_info(view, now, new, site_pos),
        "surfaces": surfaces,
        "surface_menu": menu,
        "catchment_layers": [
            {
                "key": "catchments-proposed",
                "name_html": "Catchments with the proposed sites",
                "show": whatif is None,  # else the catchments of the sites switched on
                "catchments": _catchments(proposed, colours, site_pos),
            },
            {
                "key": "catchments-today",
                "name_html": "Catchments today",
                "show": False,
                "catchments": _catchments(current, colours, site_pos),
            },
        ],
        "catchment_legend": _catchment_legend(view, colours),
        "sites": _site_rows(view),
        "statuses": statuses,
        "status_order": order,
        "basemaps": list(BASEMAPS),
        "collapsed_control": False,
        "whatif": whatif,
    }
