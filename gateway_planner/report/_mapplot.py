"""Static map pieces for the briefing pages (matplotlib, no pyplot, no network).

Maps are drawn in the run's projected CRS (metres), so the scale bar is exact and north is grid
north. Callers import matplotlib lazily and pass axes in; this module only draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np

from ..contracts import Evaluation
from ._payload import STATUS_STYLE, site_colours

if TYPE_CHECKING:
    from matplotlib.cm import ScalarMappable
    from matplotlib.typing import RcKeyType

__all__ = [
    "RC",
    "draw_catchment_map",
    "draw_north_arrow",
    "draw_scale_bar",
    "draw_surface_map",
    "fmt",
    "short",
]

#: matplotlib settings for every briefing page: user text is never parsed as mathtext, and
#: outputs carry no varying metadata
RC: dict[RcKeyType, Any] = {
    "text.parse_math": False,
    "svg.hashsalt": "gateway-planner",
    "pdf.compression": 6,
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 10,
    "path.simplify": True,
}

_STATUS_ZORDER = {"candidate": 3, "closed": 4, "existing": 5, "proposed": 6}


def short(text: Any, limit: int = 34) -> str:
    """Cut a label to ``limit`` characters with an ellipsis."""
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def fmt(x: Any, digits: int = 0, suffix: str = "") -> str:
    """Format a figure for a table: thousands separators, "–" for missing, "n/a" for inf."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        return "n/a"
    return f"{v:,.{digits}f}{suffix}"


def _nice_length(target_m: float) -> float:
    exp = math.floor(math.log10(max(target_m, 1.0)))
    best = 10.0**exp
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * 10**exp <= target_m:
            best = m * 10**exp
    return best


def draw_scale_bar(ax: Any, *, fraction: float = 0.22) -> None:
    """Draw a two-segment scale bar in the lower left of a map in metres."""
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length((x1 - x0) * fraction)
    h = (y1 - y0) * 0.012
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.05
    for k in range(2):
        ax.add_patch(
            Rectangle(
                (bx + k * length / 2, by),
                length / 2,
                h,
                facecolor="black" if k == 0 else "white",
                edgecolor="black",
                linewidth=0.6,
                zorder=20,
            )
        )
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    for x, text in ((bx, "0"), (bx + length, label)):
        ax.text(x, by + 2.2 * h, text, ha="center", va="bottom", fontsize=7, zorder=20)


def draw_north_arrow(ax: Any) -> None:
    """Draw a north arrow (grid north of the projected CRS) in the upper right of a map."""
    ax.annotate(
        "N",
        xy=(0.95, 0.96),
        xytext=(0.95, 0.86),
        xycoords="axes fraction",
        textcoords="axes fraction",
        ha="center",
        va="center",
        fontsize=10,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "facecolor": "black", "linewidth": 1.2},
        zorder=20,
    )


def _frame(ax: Any, boundary: gpd.GeoDataFrame, span: float | None = None) -> None:
    """Fit the map to the boundary, or centre it on the boundary with a fixed ``span`` (m)."""
    minx, miny, maxx, maxy = boundary.total_bounds
    size = max(maxx - minx, maxy - miny) if span is None else max(span, maxx - minx, maxy - miny)
    half = 0.52 * size
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    ax.set_xlim(cx - half, cx + half)
    ax.set_ylim(cy - half, cy + half)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xticks([])
    ax.set_yticks([])


def _outline(ax: Any, boundary: gpd.GeoDataFrame) -> None:
    """Boundary units in light grey, the study area's outline in dark grey."""
    if len(boundary) > 1:
        boundary.boundary.plot(ax=ax, color="#9e9e9e", linewidth=0.3, zorder=6)
    outline = gpd.GeoSeries([boundary.geometry.union_all()], crs=boundary.crs)
    outline.boundary.plot(ax=ax, color="#333333", linewidth=0.9, zorder=7)


def _sites(ax: Any, sites: gpd.GeoDataFrame, *, label_open: bool) -> list[tuple[Any, str]]:
    handles = []
    for status in ("candidate", "closed", "existing", "proposed"):
        chosen = sites[sites["status"] == status]
        if chosen.empty:
            continue
        st = STATUS_STYLE[status]
        handle = ax.scatter(
            chosen.geometry.x,
            chosen.geometry.y,
            s=(st["radius"] * 1.1) ** 2,
            c=st["colour"],
            edgecolors=st["stroke"],
            linewidths=st["weight"] * 0.6,
            zorder=_STATUS_ZORDER[status],
        )
        handles.append((handle, st["label"]))
        if label_open and status in {"existing", "proposed"}:
            for _sid, row in chosen.iterrows():
                ax.annotate(
                    short(row.get("name", _sid), 28),
                    (row.geometry.x, row.geometry.y),
                    xytext=(6, 5),
                    textcoords="offset points",
                    fontsize=7,
                    zorder=15,
                    clip_on=True,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
                )
    return handles


def draw_catchment_map(
    ax: Any,
    *,
    proposed: Evaluation,
    current: Evaluation | None,
    boundary: gpd.GeoDataFrame,
    legend: bool = True,
    max_legend_sites: int = 8,
    span: float | None = None,
    candidates: bool = True,
) -> None:
    """Catchments (one colour per site), the study area, and sites by status.

    Parameters
    ----------
    ax
        Matplotlib axes to draw in.
    proposed
        Figures whose catchments and sites are drawn.
    current
        Today's figures, to keep catchment colours stable between states (optional).
    boundary
        Study-area polygons in the same CRS as the cells.
    legend
        Add a legend of site statuses and the largest catchments.
    max_legend_sites
        Catchments named in the legend at most.
    span
        Width and height of the view in metres (several maps at one scale); fitted when None.
    candidates
        Also draw the candidate sites that stay closed.
    """
    from matplotlib.patches import Patch

    colours = site_colours(*([current, proposed] if current is not None else [proposed]))
    catch = proposed.catchments
    if not catch.empty:
        catch.plot(
            ax=ax,
            color=[colours.get(str(s), "#999999") for s in catch.index],
            alpha=0.5,
            edgecolor="none",
            zorder=1,
        )
        catch.boundary.plot(
            ax=ax,
            color=[colours.get(str(s), "#999999") for s in catch.index],
            linewidth=0.5,
            zorder=2,
        )
    unreachable = proposed.cells[proposed.cells["site"] == ""]
    if not unreachable.empty:
        unreachable.plot(
            ax=ax, color="#bdbdbd", hatch="///", edgecolor="#969696", linewidth=0, zorder=1
        )
    _outline(ax, boundary)
    sites = (
        proposed.sites if candidates else proposed.sites[proposed.sites["status"] != "candidate"]
    )
    handles = _sites(ax, sites, label_open=True)
    _frame(ax, boundary, span)
    draw_scale_bar(ax)
    draw_north_arrow(ax)
    if not legend:
        return
    items = [h for h, _ in handles]
    labels = [label for _, label in handles]
    names = proposed.sites["name"] if "name" in proposed.sites.columns else None
    order = catch.sort_values("visits", ascending=False).index if not catch.empty else []
    for sid in list(order)[:max_legend_sites]:
        items.append(Patch(facecolor=colours.get(str(sid), "#999999"), alpha=0.5))
        label = names.get(sid, sid) if names is not None else sid
        labels.append(f"Catchment: {short(label, 26)}")
    if len(order) > max_legend_sites:
        items.append(Patch(facecolor="white", edgecolor="none"))
        labels.append(f"… and {len(order) - max_legend_sites} more catchments")
    if not unreachable.empty:
        items.append(Patch(facecolor="#bdbdbd", hatch="///", edgecolor="#969696"))
        labels.append("No site reachable")
    ax.legend(items, labels, loc="lower right", fontsize=6.5, framealpha=0.9)


def draw_surface_map(
    ax: Any,
    *,
    cells: gpd.GeoDataFrame,
    values: np.ndarray,
    boundary: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame | None,
    cmap: str | Sequence[str],
    vmin: float,
    vmax: float,
    span: float | None = None,
) -> ScalarMappable:
    """Colour cells by ``values`` (grey where not finite); return the colour-bar mappable.

    ``cmap`` is a matplotlib colormap name or colours from low to high.
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import LinearSegmentedColormap, Normalize

    finite = np.isfinite(values)
    norm = Normalize(vmin=vmin, vmax=vmax)
    colour_map = (
        colormaps[cmap]
        if isinstance(cmap, str)
        else LinearSegmentedColormap.from_list("gateway-planner", list(cmap))
    )
    shown = cells.loc[finite]
    if not shown.empty:
        shown.plot(ax=ax, color=colour_map(norm(values[finite])), edgecolor="none", zorder=1)
    if (~finite).any():
        cells.loc[~finite].plot(ax=ax, color="#bdbdbd", edgecolor="none", zorder=1)
    _outline(ax, boundary)
    if sites is not None:
        _sites(ax, sites[sites["status"].isin(["existing", "proposed"])], label_open=False)
    _frame(ax, boundary, span)
    draw_scale_bar(ax)
    draw_north_arrow(ax)
    mappable = ScalarMappable(norm=norm, cmap=colour_map)
    mappable.set_array(np.asarray([]))
    return mappable
