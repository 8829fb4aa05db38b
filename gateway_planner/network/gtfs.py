"""Read a GTFS feed (zip or folder) for one service day and a time window.

The feed is read with `gtfs-kit <https://pypi.org/project/gtfs-kit/>`_ (the ``transit``
extra). It was chosen over partridge because it is maintained (release 13 in 2025, partridge's
last was 1.1.2), reads the feeds with pandas 3 without warnings (partridge uses keywords
pandas 3 deprecates), honours ``calendar.txt`` and ``calendar_dates.txt`` for a date
(``get_active_services``) and turns ``frequencies.txt`` into trips (``expand_frequencies``),
which partridge leaves to the caller. It costs more dependencies (folium, rtree,
json2html), all imported only when a feed is read.

:func:`read_gtfs` keeps what the frequency-based bus network needs: the stops, and the stop
times of the trips that run on the date (times in seconds after midnight, missing times of
stops that are not timepoints interpolated along the trip), checked. A feed that cannot serve
the day and window raises one :class:`~gateway_planner.errors.InputError` naming the file,
the field and the fix: not a GTFS feed, a required file missing, no service on the date, no
departure in the window, stop times out of order. Trips of the day before that run past
midnight (times over 24:00) are not counted: a daytime window never needs them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._files import require_file
from .._io import file_digest
from .._optional import import_optional_dependency
from ..errors import InputError

__all__ = ["REQUIRED_FILES", "TransitFeed", "clock", "parse_clock", "read_gtfs"]

logger = logging.getLogger(__name__)

#: files a feed must hold, with the columns read from each (plus a calendar, see below)
REQUIRED_FILES: dict[str, tuple[str, ...]] = {
    "stops.txt": ("stop_id", "stop_lat", "stop_lon"),
    "routes.txt": ("route_id",),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"),
}
_CALENDARS = ("calendar.txt", "calendar_dates.txt")
_CLOCK = re.compile(r"^\s*(\d{1,2}):([0-5]\d)(?::([0-5]\d))?\s*$")


@dataclass(frozen=True, eq=False)
class TransitFeed:
    """A GTFS feed's service on one day, read by :func:`read_gtfs`.

    Parameters
    ----------
    stops
        Indexed by ``stop_id`` (str): ``name``, ``lon``, ``lat`` (WGS84), the stops that
        the day's trips call at.
    stop_times
        One row per call of a trip that runs on the date, sorted by trip then stop sequence:
        ``trip_id``, ``route_id``, ``direction_id`` (0 when the feed has none), ``stop_id``,
        ``arrival_s`` and ``departure_s`` (float seconds after midnight), ``pickup`` and
        ``drop_off`` (False where the feed says passengers cannot board or alight there).
    routes
        Indexed by ``route_id``: ``name`` (short name, else long name, else the id).
    date
        The service day.
    window
        ``(start, end)`` seconds after midnight: departures counted in ``[start, end)``.
    provenance
        Path, sha256, reader, date, window and counts, for the outputs.
    """

    stops: pd.DataFrame
    stop_times: pd.DataFrame
    routes: pd.DataFrame
    date: dt.date
    window: tuple[int, int]
    provenance: Mapping[str, Any]


def parse_clock(value: str, *, field: str = "window") -> int:
    """Return the seconds after midnight of ``"HH:MM"`` or ``"HH:MM:SS"`` (hours up to 47).

    Parameters
    ----------
    value
        A time of day as GTFS writes it (``"25:30"`` is 01:30 the next morning).
    field
        The setting it came from, for the error message.

    Returns
    -------
    int
        Seconds after midnight.

    Raises
    ------
    InputError
        When ``value`` is not such a time.
    """
    found = _CLOCK.match(str(value))
    if found is None or int(found.group(1)) > 47:
        msg = f"{value!r} is not a time of day"
        raise InputError(msg, field=field, fix='write it as "HH:MM", e.g. "09:00"')
    hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return hours * 3600 + minutes * 60 + seconds


def clock(seconds: float) -> str:
    """Write seconds after midnight as ``"HH:MM"`` (``"HH:MM:SS"`` when not whole minutes).

    Parameters
    ----------
    seconds
        Seconds after midnight.

    Returns
    -------
    str
        The time of day.
    """
    whole = round(float(seconds))
    text = f"{whole // 3600:02d}:{whole % 3600 // 60:02d}"
    return text if whole % 60 == 0 else f"{text}:{whole % 60:02d}"


def read_gtfs(
    path: str | Path,
    *,
    date: dt.date | str,
    window: Sequence[str] | tuple[int, int],
) -> TransitFeed:
    """Read a GTFS feed's service on one day, checked for a time window.

    Parameters
    ----------
    path
        A GTFS zip file or a folder of GTFS text files.
    date
        The service day (``calendar.txt`` and ``calendar_dates.txt`` honoured), as a date or
        ``"YYYY-MM-DD"``.
    window
        ``("09:00", "16:00")``, or seconds after midnight: the departures counted.

    Returns
    -------
    TransitFeed
        The day's stops and stop times.

    Raises
    ------
    InputError
        Not a GTFS feed, a required file or column missing, no service on the date, no
        departure in the window, stop times out of order: one line naming file, field, fix.
    """
    file = _check_path(path)
    day = _check_date(date, file)
    start, end = _check_window(window)
    _check_files(file)
    gk = import_optional_dependency("gtfs_kit", "transit")
    try:
        feed = gk.read_feed(file, dist_units="km")
    except Exception as exc:  # pandas and zipfile raise many types for bad files
        msg = f"cannot be read as a GTFS feed ({type(exc).__name__}: {exc})"
        raise InputError(msg, file=file, fix="give a GTFS zip or folder as published") from None
    _check_columns(feed, file)
    services = set(gk.get_active_services(feed, day.strftime("%Y%m%d")))
    if not services:
        _no_service(feed, file, day)
    frequencies = feed.frequencies is not None and not feed.frequencies.empty
    if frequencies:
        feed = gk.expand_frequencies(feed)
    trips = feed.trips.loc[feed.trips["service_id"].isin(services)]
    stop_times = _stop_times(feed.stop_times, trips, file)
    stops = _stops(feed.stops, stop_times, file)
    routes = _routes(feed.routes)
    _check_departures(stop_times, start, end, day, file)
    provenance = {
        "gtfs": str(file),
        "sha256": _digest(file),
        "reader": f"gtfs-kit {_version('gtfs_kit')}",
        "date": day.isoformat(),
        "window": [clock(start), clock(end)],
        "frequencies_txt": frequencies,
        "trips": int(stop_times["trip_id"].nunique()),
        "routes": int(stop_times["route_id"].nunique()),
        "stops": len(stops),
    }
    logger.info(
        "GTFS %s on %s: %d trips of %d routes calling at %d stops",
        file.name,
        day.isoformat(),
        provenance["trips"],
        provenance["routes"],
        len(stops),
    )
    return TransitFeed(
        stops=stops,
        stop_times=stop_times,
        routes=routes,
        date=day,
        window=(start, end),
        provenance=provenance,
    )


# ---------------------------------------------------------------------------- arguments


def _check_path(path: str | Path) -> Path:
    file = Path(path)
    require_file(file, field="network.transit.gtfs", what="GTFS feed")
    if file.is_file() and not zipfile.is_zipfile(file):
        msg = "not a GTFS feed: neither a zip file nor a folder"
        raise InputError(
            msg, file=file, field="network.transit.gtfs", fix="give the feed's zip or a folder"
        )
    return file


def _check_date(date: dt.date | str, file: Path) -> dt.date:
    if isinstance(date, dt.datetime):
        return date.date()
    if isinstance(date, dt.date):
        return date
    try:
        return dt.date.fromisoformat(str(date).strip())
    except ValueError:
        msg = f"{date!r} is not a date"
        raise InputError(
            msg, file=file, field="network.transit.date", fix='write it as "YYYY-MM-DD"'
        ) from None


def _check_window(window: Sequence[str] | tuple[int, int]) -> tuple[int, int]:
    field = "network.transit.window"
    if isinstance(window, str) or len(window) != 2:
        msg = f"window is {window!r}"
        raise InputError(msg, field=field, fix='give a start and an end, e.g. ["09:00", "16:00"]')
    start, end = (
        int(v) if isinstance(v, int | np.integer) else parse_clock(str(v), field=field)
        for v in window
    )
    if not 0 <= start < end:
        msg = f"the window {clock(start)}-{clock(end)} is empty"
        raise InputError(msg, field=field, fix="give an end later than the start")
    return start, end


def _names(file: Path) -> set[str]:
    """Names of the text files in a feed (zip members may sit in one folder)."""
    if file.is_dir():
        return {p.name for p in file.iterdir() if p.is_file() and p.stat().st_size}
    with zipfile.ZipFile(file) as archive:
        return {
            Path(info.filename).name
            for info in archive.infolist()
            if not info.is_dir() and info.file_size
        }


def _check_files(file: Path) -> None:
    names = _names(file)
    known = {*REQUIRED_FILES, *_CALENDARS, "agency.txt", "frequencies.txt", "shapes.txt"}
    if not names & known:
        msg = "not a GTFS feed: none of stops.txt, routes.txt, trips.txt, stop_times.txt"
        raise InputError(
            msg, file=file, field="network.transit.gtfs", fix="give the feed's zip or folder"
        )
    missing = [name for name in REQUIRED_FILES if name not in names]
    if not names & set(_CALENDARS):
        missing.append("calendar.txt or calendar_dates.txt")
    if missing:
        msg = f"required GTFS file {missing[0]} is missing or empty"
        raise InputError(
            msg, file=file, field=missing[0], fix="give the whole feed as the operator publishes it"
        )


def _check_columns(feed: Any, file: Path) -> None:
    for name, columns in REQUIRED_FILES.items():
        table = getattr(feed, name.removesuffix(".txt"))
        have = set() if table is None else set(table.columns)
        absent = [c for c in columns if c not in have]
        if absent:
            msg = f"column {absent[0]} is missing"
            raise InputError(
                msg, file=file, field=f"{name}: {absent[0]}", fix="give the feed as published"
            )


# ---------------------------------------------------------------------------- the day's service


def _no_service(feed: Any, file: Path, day: dt.date) -> None:
    first, last = _calendar_span(feed)
    span = f" (its calendar runs from {first} to {last})" if first else ""
    msg = f"no service on {day.isoformat()}{span}"
    raise InputError(
        msg,
        file=file,
        field="network.transit.date",
        fix="choose a date the feed runs, e.g. a weekday within its calendar",
    )


def _calendar_span(feed: Any) -> tuple[str | None, str | None]:
    dates: list[str] = []
    if feed.calendar is not None and not feed.calendar.empty:
        dates += [str(feed.calendar["start_date"].min()), str(feed.calendar["end_date"].max())]
    if feed.calendar_dates is not None and not feed.calendar_dates.empty:
        dates += [str(feed.calendar_dates["date"].min()), str(feed.calendar_dates["date"].max())]
    if not dates:
        return None, None
    iso = sorted(f"{d[:4]}-{d[4:6]}-{d[6:8]}" for d in dates)
    return iso[0], iso[-1]


def _seconds(values: pd.Series) -> np.ndarray:
    """Return GTFS times ``H:MM:SS`` as float seconds; NaN where empty."""
    text = values.astype("string").str.strip()
    parts = text.str.extract(r"^(\d+):(\d\d):(\d\d)$")
    numbers = parts.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    seconds: np.ndarray = numbers[:, 0] * 3600.0 + numbers[:, 1] * 60.0 + numbers[:, 2]
    return seconds


def _stop_times(stop_times: pd.DataFrame, trips: pd.DataFrame, file: Path) -> pd.DataFrame:
    """Return the calls of the day's trips: times in seconds, interpolated, checked."""
    columns = ["trip_id", "route_id", "direction_id"]
    trips = trips.assign(
        direction_id=trips["direction_id"] if "direction_id" in trips.columns else 0
    )[columns]
    trips = trips.assign(
        trip_id=trips["trip_id"].astype(str),
        route_id=trips["route_id"].astype(str),
        direction_id=pd.to_numeric(trips["direction_id"], errors="coerce").fillna(0).astype(int),
    )
    calls = stop_times.assign(trip_id=stop_times["trip_id"].astype(str))
    calls = calls.merge(trips, on="trip_id", how="inner", validate="many_to_one")
    calls = calls.sort_values(["trip_id", "stop_sequence"], kind="stable").reset_index(drop=True)
    arrival = _seconds(calls["arrival_time"])
    departure = _seconds(calls["departure_time"])
    arrival = np.where(np.isnan(arrival), departure, arrival)
    departure = np.where(np.isnan(departure), arrival, departure)
    trip = calls["trip_id"].to_numpy()
    first = np.ones(len(calls), dtype=bool)
    first[1:] = trip[1:] != trip[:-1]
    last = np.ones(len(calls), dtype=bool)
    last[:-1] = first[1:]
    untimed = np.isnan(departure) & (first | last)
    if untimed.any():
        where = int(np.flatnonzero(untimed)[0])
        msg = f"trip {trip[where]!r} has no time at its first or last stop"
        raise InputError(
            msg, file=file, field="stop_times.txt: departure_time", fix="give the feed as published"
        )
    if np.isnan(departure).any():  # stops that are not timepoints: along the trip, evenly
        filled = (
            pd.Series(departure)
            .groupby(trip, sort=False)
            .transform(lambda s: s.interpolate(method="index"))
        )
        departure = filled.to_numpy(dtype=np.float64)
        arrival = np.where(np.isnan(arrival), departure, arrival)
    _check_order(trip, arrival, departure, calls["stop_sequence"].to_numpy(), first, file)
    return pd.DataFrame(
        {
            "trip_id": trip,
            "route_id": calls["route_id"].to_numpy(),
            "direction_id": calls["direction_id"].to_numpy(),
            "stop_id": calls["stop_id"].astype(str).to_numpy(),
            "arrival_s": arrival,
            "departure_s": departure,
            "pickup": _allowed(calls, "pickup_type"),
            "drop_off": _allowed(calls, "drop_off_type"),
        }
    )


def _allowed(calls: pd.DataFrame, column: str) -> np.ndarray:
    """Return False where ``pickup_type`` / ``drop_off_type`` is 1 (no boarding / alighting)."""
    if column not in calls.columns:
        return np.ones(len(calls), dtype=bool)
    values = pd.to_numeric(calls[column], errors="coerce").fillna(0).to_numpy()
    allowed: np.ndarray = values != 1
    return allowed


def _check_order(
    trip: np.ndarray,
    arrival: np.ndarray,
    departure: np.ndarray,
    sequence: np.ndarray,
    first: np.ndarray,
    file: Path,
) -> None:
    """Raise when a trip leaves a stop before arriving or reaches a stop before leaving the last."""
    early = departure < arrival
    back = np.zeros_like(early)
    back[1:] = ~first[1:] & (arrival[1:] < departure[:-1])
    bad = early | back
    if not bad.any():
        return
    i = int(np.flatnonzero(bad)[0])
    if early[i]:
        what = f"departs at {clock(departure[i])} before it arrives at {clock(arrival[i])}"
    else:
        what = f"arrives at {clock(arrival[i])} before leaving the stop before at {clock(departure[i - 1])}"
    msg = f"stop times out of order: trip {trip[i]!r} at stop_sequence {sequence[i]} {what}"
    raise InputError(
        msg,
        file=file,
        field="stop_times.txt: arrival_time",
        fix="correct the times so that every trip runs forward in time along stop_sequence",
    )


def _stops(stops: pd.DataFrame, stop_times: pd.DataFrame, file: Path) -> pd.DataFrame:
    """Return the stops the day's trips call at, with WGS84 coordinates."""
    table = stops.assign(stop_id=stops["stop_id"].astype(str)).drop_duplicates("stop_id")
    table = table.set_index("stop_id")
    used = pd.unique(stop_times["stop_id"])
    unknown = [s for s in used if s not in table.index]
    if unknown:
        msg = f"stop_times.txt calls at {len(unknown)} stops missing from stops.txt, e.g. {unknown[0]!r}"
        raise InputError(
            msg, file=file, field="stops.txt: stop_id", fix="give the feed as published"
        )
    table = table.loc[used]
    lon = pd.to_numeric(table["stop_lon"], errors="coerce").to_numpy(dtype=np.float64)
    lat = pd.to_numeric(table["stop_lat"], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    if bad.any():
        msg = f"stop {table.index[int(np.flatnonzero(bad)[0])]!r} has no usable stop_lat/stop_lon"
        raise InputError(msg, file=file, field="stops.txt: stop_lat", fix="give WGS84 degrees")
    names = table["stop_name"].astype(str) if "stop_name" in table.columns else table.index
    return pd.DataFrame(
        {"name": np.asarray(names, dtype=object), "lon": lon, "lat": lat},
        index=pd.Index(table.index.astype(str), name="stop_id"),
    )


def _routes(routes: pd.DataFrame) -> pd.DataFrame:
    table = routes.assign(route_id=routes["route_id"].astype(str)).drop_duplicates("route_id")
    name = pd.Series(table["route_id"].to_numpy(), index=table.index, dtype=object)
    for column in ("route_long_name", "route_short_name"):  # the short name wins
        if column in table.columns:
            given = table[column].astype("string").str.strip()
            name = given.where(given.notna() & (given != ""), name).astype(object)
    return pd.DataFrame(
        {"name": name.to_numpy()}, index=pd.Index(table["route_id"], name="route_id")
    )


def _check_departures(
    stop_times: pd.DataFrame, start: int, end: int, day: dt.date, file: Path
) -> None:
    trip = stop_times["trip_id"].to_numpy()
    has_next = np.zeros(len(trip), dtype=bool)
    has_next[:-1] = trip[:-1] == trip[1:]
    departure = stop_times["departure_s"].to_numpy()[has_next]
    if ((departure >= start) & (departure < end)).any():
        return
    span = f" (its trips leave between {clock(departure.min())} and {clock(departure.max())})"
    msg = f"no departure between {clock(start)} and {clock(end)} on {day.isoformat()}"
    raise InputError(
        msg + (span if departure.size else ""),
        file=file,
        field="network.transit.window",
        fix="choose a window when the buses run",
    )


def _digest(file: Path) -> str:
    """sha256 of a zip, or of a folder's text files (names and contents, sorted)."""
    if file.is_file():
        return file_digest(file).split(":", 1)[1]
    h = hashlib.sha256()
    for part in sorted(file.glob("*.txt")):
        h.update(part.name.encode())
        h.update(file_digest(part).encode())
    return h.hexdigest()


def _version(module: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module.replace("_", "-"))
    except PackageNotFoundError:
        return "unknown"
