"""On-demand transport: a minibus booked ahead, door to door, inside a zone.

:func:`on_demand_network` builds a :class:`~.base.Network` of mode ``on_demand`` on the drive
network: a journey is the road time times ``time_factor`` (the detours to pick up and set
down other riders) plus ``wait_minutes`` (the booking window or pick-up wait), counted once
per journey. The mode is available only to cells whose centroid lies in the zone, and (with
``destinations="zone"``, the default) only to sites in the zone too; ``"anywhere"`` takes
riders from the zone to any site (a service into the nearest town). Elsewhere it is
*unavailable*, and a customer group's mix of modes falls back on its other modes there (see
:mod:`.matrix`).

The parameters are assumptions unless the operator has measured them: ``source`` says which
(``"assumed: ..."`` or ``"measured: ..."``), and the provenance carries it to the outputs.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from .._files import read_vector
from ..errors import InputError
from ._routing import JourneyEnds, RoutingGraph, start_legs
from .base import Network
from .modes import Mode

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["DEFAULT_SOURCE", "on_demand_network"]

logger = logging.getLogger(__name__)

#: what the default parameters rest on
DEFAULT_SOURCE = (
    "assumed: road time x 1.3 for detours to other riders and a 15-minute pick-up wait "
    "(typical of booked rural minibus services; not measured for this area)"
)


def on_demand_network(
    drive: Network,
    zone: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | str | Path,
    *,
    time_factor: float = 1.3,
    wait_minutes: float = 15.0,
    destinations: Literal["zone", "anywhere"] = "zone",
    source: str = DEFAULT_SOURCE,
) -> Network:
    """Build the on-demand network of a zone on the drive network.

    Parameters
    ----------
    drive
        The drive network of the study area (``load_network(..., mode="drive")``).
    zone
        Where the service picks riders up: a polygon in the drive network's CRS, a
        GeoDataFrame / GeoSeries of polygons (any CRS, e.g. the communes it serves) or a
        vector file of them.
    time_factor
        Road time multiplier (1 or more): detours for other riders.
    wait_minutes
        Booking or pick-up wait added to every journey.
    destinations
        {"zone", "anywhere"}: the sites it takes riders to.
    source
        ``"assumed: ..."`` or ``"measured: ..."``: what the parameters rest on.

    Returns
    -------
    Network
        Mode ``on_demand``, of the drive network's kind; routes with its routing arrays (its
        ``graph`` is empty). Its provenance holds the parameters and their source.

    Raises
    ------
    InputError
        For a network that is not a drive network, bad parameters, or a zone that is empty
        or holds no road of the drive network.
    """
    _check(drive, time_factor=time_factor, wait_minutes=wait_minutes, destinations=destinations)
    label = _check_source(source)
    routing = drive.routing
    area, zone_file = _zone(zone, routing.crs)
    inside = shapely.contains_xy(area, routing.xy[:, 0], routing.xy[:, 1]) & routing.in_largest
    if not inside.any():
        msg = "the on-demand zone holds no road of the drive network"
        fix = "give the zone's polygons in the study area (check their CRS)"
        raise InputError(msg, file=zone_file, field="network.on_demand.zone", fix=fix)
    graph = _graph(
        routing,
        time_factor=time_factor,
        wait_s=wait_minutes * 60.0,
        origin_area=area,
        destination_area=area if destinations == "zone" else None,
    )
    provenance: dict[str, Any] = {
        "kind": drive.kind,
        "model": "road time x time_factor + wait_minutes, inside the zone",
        "built_on": {"mode": "drive", **dict(drive.provenance)},
        "time_factor": float(time_factor),
        "wait_minutes": float(wait_minutes),
        "destinations": destinations,
        "parameters": label,
        "source": source,
        "zone": {
            "path": None if zone_file is None else str(zone_file),
            "area_km2": round(float(area.area) / 1e6, 3),
            "road_nodes": int(inside.sum()),
        },
    }
    logger.info(
        "on-demand network: %.1f km2 zone, %d road nodes in it; road time x %g + %g min (%s)",
        area.area / 1e6,
        int(inside.sum()),
        time_factor,
        wait_minutes,
        label,
    )
    return Network.from_routing(graph, mode=Mode.ON_DEMAND, kind=drive.kind, provenance=provenance)


def _check(drive: Network, *, time_factor: float, wait_minutes: float, destinations: str) -> None:
    if not isinstance(drive, Network) or drive.mode != Mode.DRIVE:
        got = drive.mode.value if isinstance(drive, Network) else type(drive).__name__
        msg = f"the on-demand network is built on the drive network, not on {got}"
        raise InputError(msg, field="drive", fix='load it with load_network(..., mode="drive")')
    if not (time_factor >= 1 and math.isfinite(time_factor)):
        msg = f"time_factor is {time_factor!r}"
        raise InputError(msg, field="network.on_demand.time_factor", fix="give 1 or more, e.g. 1.3")
    if not (wait_minutes >= 0 and math.isfinite(wait_minutes)):
        msg = f"wait_minutes is {wait_minutes!r}"
        raise InputError(
            msg, field="network.on_demand.wait_minutes", fix="give 0 minutes or more, e.g. 15"
        )
    if destinations not in ("zone", "anywhere"):
        msg = f"destinations is {destinations!r}"
        raise InputError(
            msg, field="network.on_demand.destinations", fix='give "zone" or "anywhere"'
        )


def _check_source(source: str) -> str:
    """Return "assumed" or "measured", the kind of figures ``source`` describes."""
    kind = str(source).split(":", 1)[0].strip().lower()
    if kind not in ("assumed", "measured") or ":" not in str(source):
        msg = f"source is {source!r}"
        raise InputError(
            msg,
            field="network.on_demand.source",
            fix='start it with "assumed:" or "measured:" and say what the figures rest on',
        )
    return kind


def _zone(
    zone: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | str | Path, crs: pyproj.CRS
) -> tuple[BaseGeometry, Path | None]:
    """Return the zone as one geometry in ``crs``, and the file it came from."""
    file = None
    if isinstance(zone, str | Path):
        file = Path(zone)
        zone = read_vector(file, field="network.on_demand.zone")
    if hasattr(zone, "geometry") and hasattr(zone, "to_crs"):
        series = zone.geometry
        if series.crs is None:
            msg = "the on-demand zone has no CRS"
            raise InputError(msg, file=file, field="network.on_demand.zone", fix="set its CRS")
        if not pyproj.CRS(series.crs).equals(crs):
            series = series.to_crs(crs)
        geometry: BaseGeometry = shapely.union_all(np.asarray(series.values))
    elif isinstance(zone, BaseGeometry):
        geometry = zone
    else:
        msg = f"the on-demand zone is a {type(zone).__name__}"
        raise InputError(
            msg,
            field="network.on_demand.zone",
            fix="give polygons: a shapely geometry, a GeoDataFrame or a vector file",
        )
    if geometry.is_empty or geometry.area <= 0:
        msg = "the on-demand zone has no area"
        raise InputError(msg, file=file, field="network.on_demand.zone", fix="give polygons")
    shapely.prepare(geometry)
    return geometry, file


def _graph(
    routing: RoutingGraph,
    *,
    time_factor: float,
    wait_s: float,
    origin_area: BaseGeometry,
    destination_area: BaseGeometry | None,
) -> RoutingGraph:
    """Return the drive network's arrays slowed down, every journey starting with the wait."""
    n = routing.n_nodes
    heads = np.repeat(np.arange(n), np.diff(routing.reverse.indptr))
    nodes = np.arange(n)
    return RoutingGraph.from_arrays(
        routing.xy,
        routing.reverse.indices.astype(np.int64),
        heads,
        routing.reverse.data * time_factor,
        crs=routing.crs,
        node_ids=routing.node_ids,
        ends=JourneyEnds(
            snappable=routing.in_largest,
            destination=nodes,
            starts=start_legs(nodes, nodes, np.full(n, wait_s), n),  # the wait, once
            origin_area=origin_area,
            destination_area=destination_area,
        ),
    )
