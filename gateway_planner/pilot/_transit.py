"""The pilot's bus and rail feeds (GTFS) and on-demand zones, built from published facts.

:func:`build_transit` turns an area's routes (:mod:`._bus_routes`) into the text of a GTFS
feed and of an on-demand zone, written by the build into ``data/pilot/<area>/``:

- **Stops** sit at settlement centres, one per place: the population-weighted centre of the
  populated cells within :data:`SETTLEMENT_RADIUS_M` of the place's approximate centre
  (Swale), or of the commune's populated cells (Pays de Saint-Omer; with the pilot's
  population spread towards the mairie, this lies near the mairie). Buses also stop along the
  straight line between two places, every :data:`LINE_STOP_SPACING_M` or so where populated
  cells lie within :data:`LINE_STOP_RADIUS_M` (at their centre). Rounded to 1 m.
- **Trips** leave each end of a route at :data:`SERVICE_SPAN`'s start and then every headway
  until its end, on weekdays from :data:`FEED_START` to :data:`FEED_END`: the departure times
  are made up, only the frequency and the running time are published. Between its places a
  route runs at one speed along the straight lines joining them (its running time over the
  timed section); places beyond the area time the route and are left out of the feed.
- **On-demand zones**: the communes holding no stop (Pays de Saint-Omer), or the populated
  cells farther than a distance from every bus stop of the feed (Swale), as polygons in the area's CRS.

The GTFS files are written by hand rather than with make-gtfs, which would fit poorly: it
takes one agency per feed (Swale has three operators), whole vehicles per hour (the coaches
run every two hours), picks up every stop within 10 m of a route's line (stops of other routes
included) and writes no ``route_desc`` for the sources. Text is written with fixed formats, so
a rebuild reproduces the files byte for byte.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from ..errors import InputError
from ._areas import AreaBuild
from ._bus_routes import ACCESSED, AGENCIES, FEEDS, BusRoute, Feed, Place
from ._grid import CELL_SIZE, geojson_text, to_area_crs, to_wgs84

__all__ = [
    "FEED_END",
    "FEED_START",
    "GTFS_FOLDER",
    "NOTICE",
    "SERVICE_SPAN",
    "SETTLEMENT_RADIUS_M",
    "ZONE_FILE",
    "TransitBuild",
    "build_transit",
]

#: the wording every output carries
NOTICE = "bus network from published frequencies, stops approximated"
#: a settlement's populated cells: within this distance of its approximate centre
SETTLEMENT_RADIUS_M = 600.0
#: a bus stops along the straight line between two places every this far where people live
LINE_STOP_SPACING_M = 400.0
#: ... the populated cells within this distance of the line's point holding the stop
LINE_STOP_RADIUS_M = 250.0
#: first and last departures from each end of a route (seconds after midnight): assumed
SERVICE_SPAN = (7 * 3600, 19 * 3600)
#: the feed's weekdays: from the latest confirmed network change (Chalkwell, 3 Jan 2024) on
FEED_START = "20240103"
FEED_END = "20261231"
#: where the feed and the zone are written, in the area's folder
GTFS_FOLDER = "gtfs"
ZONE_FILE = "on_demand_zone.geojson"
_PUBLISHER_URL = "https://example.invalid/gateway-planner"


@dataclass
class TransitBuild:
    """What the build writes for an area's public transport."""

    files: dict[str, str]  # path in the area folder -> text
    sources: list[str]
    assumptions: list[str]
    counts: dict[str, int] = field(default_factory=dict)


def _key(place: str) -> tuple[str, bool]:
    """Return a route's place key and whether the place is on it by assumption."""
    return place.removesuffix("?"), place.endswith("?")


def _place_stops(feed: Feed, build: AreaBuild, crs: str) -> dict[str, tuple[float, float]]:
    """Return the area-CRS position of every place: its stop inside, its centre outside."""
    cells = build.cells
    cx, cy = cells["x"].to_numpy(dtype=float), cells["y"].to_numpy(dtype=float)
    people = cells["population"].to_numpy(dtype=float)
    units = build.units.set_index("name")
    out: dict[str, tuple[float, float]] = {}
    for key, place in feed.places.items():
        if place.commune is not None:
            geom = units.loc[place.commune, "geometry"]
            near = shapely.contains_xy(geom, cx, cy)
        else:
            point = to_area_crs([shapely.Point(place.lon, place.lat)], crs)[0]
            if not place.inside:
                out[key] = (point.x, point.y)
                continue
            near = np.hypot(cx - point.x, cy - point.y) <= SETTLEMENT_RADIUS_M
        weight = people[near].sum()
        if weight <= 0:
            msg = f"place {key!r} ({place.name}) has no populated cell to hold its stop"
            raise InputError(
                msg, field=key, fix="move or drop the place in gateway_planner/pilot/_bus_routes.py"
            )
        x = round(float((cx[near] * people[near]).sum() / weight))
        y = round(float((cy[near] * people[near]).sum() / weight))
        out[key] = (float(x), float(y))
    return out


@dataclass(frozen=True)
class _Stop:
    """A stop of the feed, in the area's CRS."""

    name: str
    desc: str
    x: float
    y: float


def _centre(
    cells: tuple[np.ndarray, np.ndarray, np.ndarray], near: np.ndarray
) -> tuple[float, float] | None:
    """Return the population-weighted centre of some cells, rounded to 1 m (None if empty)."""
    cx, cy, people = cells
    weight = people[near].sum()
    if weight <= 0:
        return None
    x = round(float((cx[near] * people[near]).sum() / weight))
    y = round(float((cy[near] * people[near]).sum() / weight))
    return float(x), float(y)


def _short(place: Place) -> str:
    return place.name.split(" (")[0]


def _line_stops(
    route: BusRoute,
    ends: tuple[str, str],
    names: tuple[str, str],
    positions: dict[str, tuple[float, float]],
    cells: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> list[tuple[str, float, _Stop]]:
    """Return the stops a bus makes between two places, where people live along the line.

    Returns (stop id, distance from the first end along the line, stop) for each point of the
    straight line between the ``ends`` (place keys; ``names`` for people), every :data:`LINE_STOP_SPACING_M` (ends excluded), that has
    populated cells within :data:`LINE_STOP_RADIUS_M`: the stop sits at their centre.
    """
    a, b = ends
    (ax, ay), (bx, by) = positions[a], positions[b]
    length = float(np.hypot(bx - ax, by - ay))
    count = int(length // LINE_STOP_SPACING_M)
    out = []
    for k in range(1, count + 1):
        along = k * length / (count + 1)
        px, py = ax + (bx - ax) * along / length, ay + (by - ay) * along / length
        centre = _centre(cells, np.hypot(cells[0] - px, cells[1] - py) <= LINE_STOP_RADIUS_M)
        if centre is None:
            continue
        stop_id = f"{route.route_id}-{a}-{b}-{k}"
        name = f"{route.short_name}: between {names[0]} and {names[1]} ({k})"
        desc = (
            f"stop approximated: centre of the populated cells within {LINE_STOP_RADIUS_M:.0f} m "
            f"of the point {along:.0f} m along the straight line from {names[0]} to {names[1]}"
        )
        out.append((stop_id, along, _Stop(name, desc, *centre)))
    return out


def _calls(
    route: BusRoute,
    feed: Feed,
    positions: dict[str, tuple[float, float]],
    stops: dict[str, _Stop],
    cells: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> list[tuple[str, float, bool]]:
    """Return a route's calls in order: (stop or place id, seconds from its first place, inside).

    Adds the bus's stops along the line between consecutive places inside the area to
    ``stops``; a trip runs at one speed along the straight lines (its running time over the
    timed section).
    """
    keys = [_key(p)[0] for p in route.places]
    calls: list[tuple[str, float, bool]] = [(keys[0], 0.0, feed.places[keys[0]].inside)]
    distance = 0.0
    for a, b in itertools.pairwise(keys):
        inside = feed.places[a].inside and feed.places[b].inside
        if inside and route.route_type == 3:
            names = (_short(feed.places[a]), _short(feed.places[b]))
            for stop_id, along, stop in _line_stops(route, (a, b), names, positions, cells):
                stops[stop_id] = stop
                calls.append((stop_id, distance + along, True))
        (ax, ay), (bx, by) = positions[a], positions[b]
        distance += float(np.hypot(bx - ax, by - ay))
        calls.append((b, distance, feed.places[b].inside))
    at = {key: d for key, d, _ in calls if key in feed.places}
    first, last = route.timed or (keys[0], keys[-1])
    per_m = route.running.minutes * 60.0 / (at[last] - at[first])
    return [(key, d * per_m, inside) for key, d, inside in calls]


def _hhmmss(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _figure(label: str, figure_minutes: float, status: str, note: str) -> str:
    return f"{label} {figure_minutes:g} min ({status.upper()}: {note})"


def route_description(route: BusRoute, feed: Feed) -> str:
    """Return a route's ``route_desc``: its figures with their status, places assumed, sources."""
    keys = [_key(p) for p in route.places]
    names = [feed.places[k].name for k, _ in keys]
    first, last = route.timed or (keys[0][0], keys[-1][0])
    timed = f"{feed.places[first].name} - {feed.places[last].name}"
    assumed = [feed.places[k].name for k, guess in keys if guess]
    outside = [feed.places[k].name for k, _ in keys if not feed.places[k].inside]
    parts = [
        f"{' - '.join(names)}.",
        _figure("Every", route.headway.minutes, route.headway.status, route.headway.note) + ".",
        _figure(
            f"Running time {timed}:",
            route.running.minutes,
            route.running.status,
            route.running.note,
        )
        + ".",
    ]
    if assumed:
        parts.append(f"On the route by assumption: {', '.join(assumed)}.")
    if outside:
        parts.append(f"Outside the study area, not in this feed: {', '.join(outside)}.")
    if route.note:
        parts.append(route.note)
    sources = "; ".join(f"{s.url} ({s.date})" for s in route.sources)
    parts.append(f"Sources (read {ACCESSED}): {sources}.")
    parts.append(f"The {NOTICE}; departure times made up from the frequency.")
    return " ".join(parts)


def _place_stop(place: Place, x: float, y: float) -> _Stop:
    how = (
        f"the commune of {place.commune}'s populated cells"
        if place.commune is not None
        else f"the populated cells within {SETTLEMENT_RADIUS_M:.0f} m of the settlement's approximate centre ({place.lat:.4f} N, {place.lon:.4f} E)"
    )
    return _Stop(place.name, f"stop approximated: centre of {how}", x, y)


def _gtfs(
    area: str, feed: Feed, positions: dict[str, tuple[float, float]], build: AreaBuild, crs: str
) -> tuple[dict[str, str], np.ndarray]:
    """Return the feed's files (name -> text) and the positions of its bus stops."""
    cells = build.cells
    grid = (
        cells["x"].to_numpy(dtype=float),
        cells["y"].to_numpy(dtype=float),
        cells["population"].to_numpy(dtype=float),
    )
    stops: dict[str, _Stop] = {}
    bus_stops: set[str] = set()
    routes, trips, times = [], [], []
    for route in feed.routes:
        calls = _calls(route, feed, positions, stops, grid)
        routes.append(
            [
                route.route_id,
                route.agency,
                route.short_name,
                route.long_name,
                route_description(route, feed),
                route.route_type,
                route.sources[0].url,
            ]
        )
        served = [(key, t) for key, t, inside in calls if inside]
        if route.route_type == 3:
            bus_stops.update(key for key, _ in served)
        for key, _ in served:
            if key in feed.places:
                stops[key] = _place_stop(feed.places[key], *positions[key])
        end = calls[-1][1]
        headway = round(route.headway.minutes * 60)
        for direction, run in ((0, served), (1, [(k, end - t) for k, t in served[::-1]])):
            headsign = stops[run[-1][0]].name
            for start in range(SERVICE_SPAN[0], SERVICE_SPAN[1], headway):
                trip = f"{route.route_id}-{direction}-{_hhmmss(start)[:5].replace(':', '')}"
                trips.append([route.route_id, "weekday", trip, direction, headsign])
                for seq, (stop, t) in enumerate(run, start=1):
                    clock = _hhmmss(start + t)
                    times.append([trip, clock, clock, stop, seq, 0])
    ids = sorted(stops)
    lon, lat = to_wgs84(
        np.array([stops[k].x for k in ids]), np.array([stops[k].y for k in ids]), crs
    )
    stop_rows = [
        [k, stops[k].name, stops[k].desc, f"{y:.6f}", f"{x:.6f}"]
        for k, x, y in zip(ids, lon, lat, strict=True)
    ]
    agencies = sorted({r.agency for r in feed.routes})
    bus_xy = np.array([(stops[k].x, stops[k].y) for k in sorted(bus_stops)], dtype=float)
    files = {
        "agency.txt": _csv(
            ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
            [[a, AGENCIES[a].name, AGENCIES[a].url, feed.timezone, feed.lang] for a in agencies],
        ),
        "calendar.txt": _csv(
            [
                "service_id",
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
                "start_date",
                "end_date",
            ],
            [["weekday", 1, 1, 1, 1, 1, 0, 0, FEED_START, FEED_END]],
        ),
        "feed_info.txt": _csv(
            [
                "feed_publisher_name",
                "feed_publisher_url",
                "feed_lang",
                "feed_start_date",
                "feed_end_date",
                "feed_version",
            ],
            [
                [
                    f"gateway-planner pilot build ({area}): {NOTICE}",
                    _PUBLISHER_URL,
                    feed.lang,
                    FEED_START,
                    FEED_END,
                    f"pilot-{area}-1",
                ]
            ],
        ),
        "routes.txt": _csv(
            [
                "route_id",
                "agency_id",
                "route_short_name",
                "route_long_name",
                "route_desc",
                "route_type",
                "route_url",
            ],
            routes,
        ),
        "stop_times.txt": _csv(
            ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence", "timepoint"],
            times,
        ),
        "stops.txt": _csv(["stop_id", "stop_name", "stop_desc", "stop_lat", "stop_lon"], stop_rows),
        "trips.txt": _csv(
            ["route_id", "service_id", "trip_id", "direction_id", "trip_headsign"], trips
        ),
    }
    return files, bus_xy


def _zone_units(feed: Feed, build: AreaBuild, bus_xy: np.ndarray) -> pd.DataFrame:
    """Return the on-demand zone as units (code, name, geometry) in the area's CRS."""
    zone = feed.on_demand
    if zone.rule == "communes_without_stop":
        geoms = build.units["geometry"].to_numpy()
        served = np.array([shapely.contains_xy(g, bus_xy[:, 0], bus_xy[:, 1]).any() for g in geoms])
        return build.units.loc[~served, ["code", "name", "geometry"]].reset_index(drop=True)
    network = shapely.multipoints(bus_xy)
    cells = build.cells
    cx, cy = cells["x"].to_numpy(dtype=float), cells["y"].to_numpy(dtype=float)
    far = shapely.distance(network, shapely.points(cx, cy)) > zone.distance_m
    half = CELL_SIZE / 2.0
    squares = shapely.box(cx[far] - half, cy[far] - half, cx[far] + half, cy[far] + half)
    merged = shapely.union_all(squares)
    parts = list(getattr(merged, "geoms", [merged]))
    parts.sort(key=lambda g: (-g.bounds[3], g.bounds[0]))
    return pd.DataFrame(
        {
            "code": [f"part-{i}" for i in range(1, len(parts) + 1)],
            "name": [f"{zone.service}, part {i}" for i in range(1, len(parts) + 1)],
            "geometry": parts,
        }
    )


def _counts(
    feed: Feed, files: dict[str, str], zone: pd.DataFrame, build: AreaBuild
) -> dict[str, int]:
    figures = [f for r in feed.routes for f in (r.headway, r.running)]
    places = [_key(p) for r in feed.routes for p in r.places]
    counts = {
        "transit_routes": len(feed.routes),
        "transit_stops": files["stops.txt"].count("\n") - 1,
        "transit_trips": files["trips.txt"].count("\n") - 1,
        "transit_figures_confirmed": sum(f.status == "confirmed" for f in figures),
        "transit_figures_derived": sum(f.status == "derived" for f in figures),
        "transit_figures_assumed": sum(f.status == "assumed" for f in figures),
        "transit_places_assumed": sum(guess for _, guess in places),
    }
    if feed.on_demand.rule == "communes_without_stop":
        counts["on_demand_communes"] = len(zone)
    else:
        geom = shapely.union_all(zone["geometry"].to_numpy())
        cx, cy = build.cells["x"].to_numpy(dtype=float), build.cells["y"].to_numpy(dtype=float)
        counts["on_demand_cells"] = int(shapely.contains_xy(geom, cx, cy).sum())
    return counts


def build_transit(area: str, build: AreaBuild, crs: str) -> TransitBuild:
    """Build an area's GTFS feed and on-demand zone from its published route facts.

    Parameters
    ----------
    area
        ``"swale"`` or ``"saint-omer"``.
    build
        The area's units (``code``, ``name``, geometry) and populated cells, in ``crs``.
    crs
        The area's CRS, ``"EPSG:27700"`` or ``"EPSG:2154"``.

    Returns
    -------
    TransitBuild
        The files (``gtfs/*.txt`` and the zone), the lines for ``area.toml``'s sources and
        assumptions, and counts.

    Raises
    ------
    InputError
        When a place of a route has no populated cell to hold its stop.
    """
    feed = FEEDS[area]
    positions = _place_stops(feed, build, crs)
    gtfs, bus_xy = _gtfs(area, feed, positions, build, crs)
    zone = _zone_units(feed, build, bus_xy)
    files = {f"{GTFS_FOLDER}/{name}": text for name, text in gtfs.items()}
    files[ZONE_FILE] = geojson_text(f"{area}-on-demand-zone", crs, zone)
    counts = _counts(feed, gtfs, zone, build)
    folder = f"data/pilot/{area}"
    figures = (
        f"{counts['transit_figures_confirmed']} confirmed, {counts['transit_figures_derived']} "
        f"derived and {counts['transit_figures_assumed']} assumed"
    )
    od = feed.on_demand
    if od.rule == "communes_without_stop":
        where = f"the {counts['on_demand_communes']} communes holding no stop of the feed"
    else:
        where = f"the populated cells farther than {od.distance_m:.0f} m from every bus stop of the feed ({counts['on_demand_cells']} cells)"
    assumptions = [
        f"Public transport: {NOTICE}. The GTFS feed {folder}/{GTFS_FOLDER} holds {counts['transit_routes']} routes "
        f"built from their published daytime weekday frequency and running time ({figures} of the "
        f"{2 * counts['transit_routes']} figures; {counts['transit_places_assumed']} places on a route by assumption; "
        "each route's sources in its route_desc and data/README.md). Stops sit one per settlement at the centre of its populated cells, "
        "and for buses along the straight line between settlements where people live, "
        "departure times are made up (each end every headway from 07:00 to 19:00, weekdays) and vehicles run at one speed along straight lines between stops.",
        f"On-demand zone ({folder}/{ZONE_FILE}): {od.service}, {od.note}. Zone: {where}. "
        "Its time factor and booking wait (the scenario's [network.on_demand]) are assumed.",
    ]
    sources = [
        f"Public transport: route numbers, places served, daytime frequencies and running times from operators' notices, "
        f"local press and transport blogs (read {ACCESSED}); each route's sources (URL and date) in "
        f"{folder}/{GTFS_FOLDER}/routes.txt (route_desc) and data/README.md.",
    ]
    return TransitBuild(files, sources, assumptions, counts)
