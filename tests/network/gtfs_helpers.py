"""Hand-checkable GTFS feeds and walk networks for the bus tests (imported as ``gtfs_helpers``).

The feeds are written as the CSV text files of a GTFS folder (or zip), one route pattern at a
time, so every figure of a test can be checked by hand: the walk network is a straight street
along the x axis with a node every 100 m, walked at 4.8 km/h (75 s per node).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyproj
from network_helpers import make_graph, make_network

from gateway_planner.network import Network

CRS = "EPSG:27700"
WALK_KMH = 4.8
#: seconds to walk 100 m
STEP_S = 100 / (WALK_KMH / 3.6)
_TO_WGS84 = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
# a place in Kent: x, y of the street's first node (metres, British National Grid)
X0, Y0 = 590_000.0, 165_000.0


def street(length_m: float = 6000.0, *, spacing_m: float = 100.0) -> Network:
    """A straight two-way street from x = 0 to ``length_m`` (offsets from X0), walk mode."""
    n = round(length_m / spacing_m) + 1
    coords = {i: (X0 + i * spacing_m, Y0) for i in range(n)}
    edges = [(i, i + 1, spacing_m) for i in range(n - 1)]
    return make_network(make_graph(edges, coords, speed_kmh=WALK_KMH), "walk")


def lonlat(x: float, y: float = 0.0) -> tuple[float, float]:
    """WGS84 of a point ``x`` metres along the street (``y`` metres beside it)."""
    lon, lat = _TO_WGS84.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


def hhmmss(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Feed:
    """A GTFS feed built route by route, written as a folder or a zip."""

    def __init__(self, *, start_date: str = "20240101", end_date: str = "20241231") -> None:
        self.stops: dict[str, tuple[float, float]] = {}
        self.routes: list[str] = []
        self.trips: list[tuple[str, str, str, int]] = []
        self.stop_times: list[tuple[str, str, str, str, int]] = []
        self.frequencies: list[tuple[str, str, str, int]] = []
        self.calendar = (
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
            f"start_date,end_date\nWK,1,1,1,1,1,0,0,{start_date},{end_date}\n"
        )

    def stop(self, stop_id: str, x: float, y: float = 0.0) -> Feed:
        self.stops[stop_id] = lonlat(x, y)
        return self

    def route(
        self,
        route_id: str,
        stops: Sequence[str],
        *,
        first: float,
        headway_s: float,
        count: int,
        hop_s: Sequence[float],
        direction: int = 0,
        service: str = "WK",
        frequencies: bool = False,
    ) -> Feed:
        """Trips every ``headway_s`` from ``first`` (seconds), ``hop_s`` between stops."""
        if route_id not in self.routes:
            self.routes.append(route_id)
        offsets = np.concatenate([[0.0], np.cumsum(hop_s)])
        departures = [first + k * headway_s for k in range(1 if frequencies else count)]
        for k, start in enumerate(departures):
            trip = f"{route_id}-{direction}-{k}"
            self.trips.append((route_id, service, trip, direction))
            for seq, (stop, offset) in enumerate(zip(stops, offsets, strict=True), start=1):
                t = hhmmss(start + offset)
                self.stop_times.append((trip, t, t, stop, seq))
            if frequencies:
                end = hhmmss(first + count * headway_s)
                self.frequencies.append((trip, hhmmss(first), end, int(headway_s)))
        return self

    def files(self) -> dict[str, str]:
        text = {
            "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
            "A,Test buses,https://example.invalid,Europe/London\n",
            "calendar.txt": self.calendar,
            "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
            + "".join(f"{s},{s},{lat:.9f},{lon:.9f}\n" for s, (lon, lat) in self.stops.items()),
            "routes.txt": "route_id,agency_id,route_short_name,route_type\n"
            + "".join(f"{r},A,{r},3\n" for r in self.routes),
            "trips.txt": "route_id,service_id,trip_id,direction_id\n"
            + "".join(f"{r},{s},{t},{d}\n" for r, s, t, d in self.trips),
            "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
            + "".join(f"{t},{a},{d},{s},{q}\n" for t, a, d, s, q in self.stop_times),
        }
        if self.frequencies:
            text["frequencies.txt"] = "trip_id,start_time,end_time,headway_secs\n" + "".join(
                f"{t},{a},{b},{h}\n" for t, a, b, h in self.frequencies
            )
        return text

    def folder(self, path: Path, *, leave_out: Sequence[str] = ()) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        for name, text in self.files().items():
            if name not in leave_out:
                (path / name).write_text(text, encoding="utf-8")
        return path

    def zip(self, path: Path) -> Path:
        with zipfile.ZipFile(path, "w") as archive:
            for name, text in self.files().items():
                archive.writestr(name, text)
        return path
