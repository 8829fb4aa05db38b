"""Schedule-based journey times from a RAPTOR router, to cross-check the frequency-based bus mode.

The bus mode (:mod:`.transit`) prices a boarding as ``wait_factor x headway``: the wait of a
rider who turns up at random. A schedule-based router follows each trip of the timetable; the
mean of its journey times over the departure minutes of a window is what the frequency model
estimates. :func:`schedule_minutes` computes that mean with
`ferrobus <https://pypi.org/project/ferrobus/>`_ (the ``raptor`` extra: a Rust RAPTOR over an
OpenStreetMap ``.osm.pbf`` street network and GTFS folders, offline wheels), so a planner can
check the bus mode on their own street network and feed: it should sit within about half a
headway of the schedule-based mean.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._optional import import_optional_dependency
from ..errors import InputError

__all__ = ["schedule_minutes", "walking_speed_kmh"]

logger = logging.getLogger(__name__)


def schedule_minutes(
    osm_pbf: str | Path,
    gtfs: str | Path,
    *,
    date: dt.date,
    departures: Sequence[int],
    origins: np.ndarray,
    destinations: np.ndarray,
    max_walk_s: float,
    max_transfers: int = 3,
) -> np.ndarray:
    """Return each journey's minutes averaged over departure times, by RAPTOR (ferrobus).

    Parameters
    ----------
    osm_pbf
        The street network, an ``.osm.pbf`` file.
    gtfs
        The feed, a folder or a zip (unpacked to a temporary folder for ferrobus).
    date
        The service day.
    departures
        Departure times, seconds after midnight (e.g. every minute of the window).
    origins, destinations
        ``(n, 2)`` longitude, latitude (WGS84) of the journeys' ends.
    max_walk_s
        Longest walk to or from a stop and at a transfer, seconds.
    max_transfers
        Transfers a journey may make.

    Returns
    -------
    numpy.ndarray
        float64 minutes ``(len(origins), len(destinations))``: the mean over ``departures``
        of the earliest arrival minus the departure; ``inf`` where some departure finds no
        journey (walking farther than ``max_walk_s`` included).
    """
    ferrobus = import_optional_dependency("ferrobus", "raptor")
    if not departures:
        msg = "no departure times given"
        raise InputError(msg, field="departures", fix="give the seconds after midnight to leave at")
    with tempfile.TemporaryDirectory() as tmp:
        folder = _folder(Path(gtfs), Path(tmp))
        model = ferrobus.create_transit_model(str(osm_pbf), [str(folder)], date, int(max_walk_s))
    points = [
        ferrobus.create_transit_point(float(lat), float(lon), model, int(max_walk_s), 10)
        for lon, lat in np.concatenate([origins, destinations]).reshape(-1, 2)
    ]
    n = len(origins)
    total = np.zeros((n, len(destinations)), dtype=np.float64)
    for departure in departures:
        matrix = ferrobus.travel_time_matrix(model, points, int(departure), int(max_transfers))
        block = np.array(
            [[np.inf if t is None else float(t) for t in row[n:]] for row in matrix[:n]],
            dtype=np.float64,
        )
        total += block
    logger.info(
        "RAPTOR (ferrobus) over %d departures: %d x %d journeys",
        len(departures),
        n,
        len(destinations),
    )
    minutes: np.ndarray = total / len(departures) / 60.0
    return minutes


def walking_speed_kmh(
    osm_pbf: str | Path,
    gtfs: str | Path,
    *,
    start: np.ndarray,
    end: np.ndarray,
    metres: float,
) -> float:
    """Return the walking speed ferrobus uses, from one walk of known length on the network.

    Parameters
    ----------
    osm_pbf
        The street network.
    gtfs
        A feed of the area (the walk is timed at 03:00, when no bus beats it).
    start, end
        Longitude and latitude of two points ``metres`` apart along the streets.
    metres
        The walk's length along the streets.

    Returns
    -------
    float
        km/h, to time the walk network of the frequency model alike.
    """
    ferrobus = import_optional_dependency("ferrobus", "raptor")
    with tempfile.TemporaryDirectory() as tmp:
        folder = _folder(Path(gtfs), Path(tmp))
        model = ferrobus.create_transit_model(str(osm_pbf), [str(folder)], None, 600)
    a = ferrobus.create_transit_point(float(start[1]), float(start[0]), model, 36_000, 1)
    b = ferrobus.create_transit_point(float(end[1]), float(end[0]), model, 36_000, 1)
    route = ferrobus.find_route(model, a, b, 3 * 3600, 0)
    return metres / float(route["travel_time_seconds"]) * 3.6


def _folder(gtfs: Path, tmp: Path) -> Path:
    if gtfs.is_dir():
        return gtfs
    with zipfile.ZipFile(gtfs) as archive:
        archive.extractall(tmp / "gtfs")
    inner = [p.parent for p in (tmp / "gtfs").rglob("stops.txt")]
    return inner[0] if inner else tmp / "gtfs"
