"""Interactive ``map.html``: demand, journey times, catchments and sites (folium + branca).

folium and branca are imported inside :func:`write_map` (the ``report`` extra). Every piece of
user-supplied text (site and group names) is HTML-escaped before it reaches the page.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from .._io import write_text
from .._optional import import_optional_dependency
from ..demand.groups import CustomerGroup
from ..evaluate import Evaluation

__all__ = ["STATUS_STYLE", "write_map"]

#: marker colour and label for each site status
STATUS_STYLE: dict[str, tuple[str, str]] = {
    "existing": ("#1b4f9c", "Existing site"),
    "proposed": ("#d7301f", "Proposed new site"),
    "closed": ("#636363", "Closed site"),
    "candidate": ("#9e9ac8", "Candidate site"),
}
_CATCHMENT_COLOURS = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#666666",
)
_DIGITS = 5  # ~1 m at these latitudes: enough for 250 m cells, keeps the file small


def _to_wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.to_crs(4326)
    out["geometry"] = out.geometry.set_precision(10**-_DIGITS)
    return out


def _fmt(x: float, digits: int = 0) -> str:
    return "unreachable" if not np.isfinite(x) else f"{x:,.{digits}f}"


def _site_popup(row: Any, site_id: str) -> str:
    name = html.escape(str(row.get("name", site_id)))
    status = STATUS_STYLE.get(str(row["status"]), ("", str(row["status"])))[1]
    lines = [f"<b>{name}</b>", html.escape(status), f"id: {html.escape(site_id)}"]
    if np.isfinite(row.get("visits", np.nan)):
        lines += [
            f"face-to-face visits/year: <span class='gp-visits'>{_fmt(row['visits'])}</span>",
            f"people in catchment: {_fmt(row['population'])}",
            f"mean journey: {_fmt(row['mean_minutes'], 1)} min",
        ]
        if np.isfinite(row.get("capacity", np.nan)):
            lines.append(f"load: {_fmt(row['load_pct'])} % of {_fmt(row['capacity'])} visits/month")
    source = row.get("location_source")
    if isinstance(source, str) and source:
        lines.append(f"<i>location {html.escape(source)}</i>")
    return "<br>".join(lines)


def _banner(texts: Sequence[str]) -> str:
    items = "".join(f"<div>{html.escape(t)}</div>" for t in texts)
    return (
        "<div id='gp-banner' style='position:fixed;top:10px;left:50px;z-index:1000;"
        "background:#fff8e1;border:1px solid #e0a800;padding:6px 10px;font:13px sans-serif;"
        f"max-width:60%;box-shadow:0 1px 4px rgba(0,0,0,.3)'>{items}</div>"
    )


def _title(text: str) -> str:
    return (
        "<div id='gp-title' style='position:fixed;bottom:30px;left:10px;z-index:1000;"
        "background:white;padding:4px 8px;font:bold 15px sans-serif;"
        f"box-shadow:0 1px 4px rgba(0,0,0,.3)'>{html.escape(text)}</div>"
    )


def write_map(
    path: str | Path,
    *,
    proposed: Evaluation,
    current: Evaluation,
    groups: Sequence[CustomerGroup],
    boundary: gpd.GeoDataFrame,
    title: str,
    banners: Sequence[str] = (),
) -> Path:
    """Write a folium map of one scenario run.

    Parameters
    ----------
    path
        The ``map.html`` to write (atomically).
    proposed
        Figures with the proposed sites open (journey-time surface, catchments, site popups).
    current
        Figures with today's sites only (journey-time change layer).
    groups
        Customer groups, for the demand layers (one per group, switchable).
    boundary
        Study area polygons, drawn as an outline.
    title
        Map title (escaped).
    banners
        Notices shown on top of the map, e.g. "Travel times from a proxy network".

    Returns
    -------
    Path
    """
    folium = import_optional_dependency("folium", "report")
    branca = import_optional_dependency("branca", "report")

    cells = _to_wgs84(proposed.cells)
    outline = _to_wgs84(boundary[["geometry"]].dissolve())
    minx, miny, maxx, maxy = outline.total_bounds
    fmap = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=11,
        tiles="OpenStreetMap",
        control_scale=True,
        prefer_canvas=True,
    )
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])

    folium.GeoJson(
        outline.__geo_interface__,
        name="Study area",
        style_function=lambda _f: {"color": "#333333", "weight": 2, "fill": False},
        control=False,
    ).add_to(fmap)

    # demand per group (visits/year/km²: comparable across clipped coastal cells)
    area_km2 = proposed.cells.geometry.area.to_numpy() / 1e6
    for i, g in enumerate(groups):
        visits = proposed.cells[f"visits__{g.id}"].to_numpy(dtype=float)
        density = visits / np.maximum(area_km2, 1e-6)
        vmax = float(np.quantile(density[density > 0], 0.98)) if np.any(density > 0) else 1.0
        cmap = branca.colormap.linear.YlOrRd_09.scale(0, vmax)
        layer = gpd.GeoDataFrame({"d": np.round(density, 1)}, geometry=cells.geometry, crs=4326)
        layer = layer[layer["d"] > 0]
        folium.GeoJson(
            layer.__geo_interface__,
            name=html.escape(f"Face-to-face demand: {g.name}"),
            show=(i == 0),
            style_function=lambda f, cmap=cmap, vmax=vmax: {
                "fillColor": cmap(min(f["properties"]["d"], vmax)),
                "fillOpacity": 0.7,
                "weight": 0,
            },
            tooltip=folium.GeoJsonTooltip(fields=["d"], aliases=["visits/year/km²"]),
        ).add_to(fmap)
    if groups:
        cmap.caption = "Face-to-face visits per year per km² (selected group)"
        cmap.add_to(fmap)

    # journey-time surface (proposed)
    minutes = cells["minutes"].to_numpy(dtype=float)
    finite = minutes[np.isfinite(minutes)]
    tmax = float(max(30.0, np.ceil(np.quantile(finite, 0.98)))) if finite.size else 30.0
    tcmap = branca.colormap.linear.viridis.scale(0, tmax)
    tcmap.caption = "Journey time to the nearest open site, minutes (all groups)"
    tl = gpd.GeoDataFrame(
        {
            "m": np.round(np.where(np.isfinite(minutes), minutes, -1), 1),
            "s": cells["site"].to_numpy(),
        },
        geometry=cells.geometry,
        crs=4326,
    )
    folium.GeoJson(
        tl.__geo_interface__,
        name="Journey time (proposed)",
        show=False,
        style_function=lambda f, tcmap=tcmap, tmax=tmax: {
            "fillColor": "#000000"
            if f["properties"]["m"] < 0
            else tcmap(min(f["properties"]["m"], tmax)),
            "fillOpacity": 0.7,
            "weight": 0,
        },
        tooltip=folium.GeoJsonTooltip(fields=["m", "s"], aliases=["minutes", "site"]),
    ).add_to(fmap)
    tcmap.add_to(fmap)

    # catchments
    catch = _to_wgs84(proposed.catchments.reset_index())
    names = proposed.sites["name"].to_dict() if "name" in proposed.sites.columns else {}
    catch["label"] = [html.escape(str(names.get(s, s))) for s in catch["site_id"]]
    catch["colour"] = [_CATCHMENT_COLOURS[i % len(_CATCHMENT_COLOURS)] for i in range(len(catch))]
    catch["population"] = catch["population"].round(0)
    folium.GeoJson(
        catch[["label", "population", "colour", "geometry"]].__geo_interface__,
        name="Catchments (proposed)",
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.25,
            "weight": 2,
        },
        tooltip=folium.GeoJsonTooltip(fields=["label", "population"], aliases=["site", "people"]),
    ).add_to(fmap)

    # sites by status
    sites = _to_wgs84(proposed.sites)
    for status in ("candidate", "closed", "existing", "proposed"):
        colour, label = STATUS_STYLE[status]
        chosen = sites[sites["status"] == status]
        if chosen.empty:
            continue
        layer = folium.FeatureGroup(name=f"{label}s", show=status != "candidate")
        for site_id, row in chosen.iterrows():
            big = status in {"existing", "proposed"}
            folium.CircleMarker(
                location=[row.geometry.y, row.geometry.x],
                radius=9 if big else 4,
                color="#000000" if big else colour,
                weight=2 if big else 1,
                fill=True,
                fill_color=colour,
                fill_opacity=0.95 if big else 0.7,
                popup=folium.Popup(_site_popup(row, str(site_id)), max_width=320),
                tooltip=html.escape(str(row.get("name", site_id))),
            ).add_to(layer)
        layer.add_to(fmap)

    folium.LayerControl(collapsed=False).add_to(fmap)
    root = fmap.get_root()
    if banners:
        root.html.add_child(branca.element.Element(_banner(banners)))
    root.html.add_child(branca.element.Element(_title(title)))
    return write_text(path, root.render())
