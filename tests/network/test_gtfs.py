"""Reading GTFS feeds for a day and a window: what is kept, and one-line errors for bad feeds."""

import datetime as dt

import numpy as np
import pytest
from gtfs_helpers import Feed

from gateway_planner.errors import InputError
from gateway_planner.network import TransitFeed, read_gtfs
from gateway_planner.network.gtfs import clock, parse_clock

pytest.importorskip("gtfs_kit")

DAY = "2024-03-12"  # a Tuesday
WINDOW = ("09:00", "10:00")


def _feed() -> Feed:
    return (
        Feed()
        .stop("A", 1000)
        .stop("B", 3000)
        .stop("C", 5000)
        .route("R", ["A", "B", "C"], first=9 * 3600, headway_s=1200, count=3, hop_s=[300, 420])
    )


def test_a_folder_and_a_zip_read_alike(tmp_path):
    folder = read_gtfs(_feed().folder(tmp_path / "f"), date=DAY, window=WINDOW)
    zipped = read_gtfs(_feed().zip(tmp_path / "f.zip"), date=dt.date(2024, 3, 12), window=WINDOW)
    assert isinstance(folder, TransitFeed)
    assert folder.stop_times.equals(zipped.stop_times)
    assert list(folder.stops.index) == ["A", "B", "C"]
    assert folder.window == (9 * 3600, 10 * 3600)
    assert folder.date == dt.date(2024, 3, 12)
    st = folder.stop_times
    assert list(st.columns) == [
        "trip_id",
        "route_id",
        "direction_id",
        "stop_id",
        "arrival_s",
        "departure_s",
        "pickup",
        "drop_off",
    ]
    first_trip = st.loc[st["trip_id"] == "R-0-0"]
    assert first_trip["departure_s"].tolist() == [32400.0, 32700.0, 33120.0]
    assert folder.provenance["reader"].startswith("gtfs-kit ")
    assert folder.provenance["trips"] == 3 and folder.provenance["stops"] == 3
    assert folder.provenance["window"] == ["09:00", "10:00"]
    assert len(folder.provenance["sha256"]) == 64


def test_frequencies_txt_is_expanded_into_trips(tmp_path):
    feed = (
        Feed()
        .stop("A", 1000)
        .stop("B", 3000)
        .route(
            "F", ["A", "B"], first=9 * 3600, headway_s=900, count=4, hop_s=[600], frequencies=True
        )
    )
    read = read_gtfs(feed.folder(tmp_path / "f"), date=DAY, window=WINDOW)
    starts = read.stop_times.loc[read.stop_times["stop_id"] == "A", "departure_s"]
    assert sorted(starts) == [32400.0, 33300.0, 34200.0, 35100.0]  # every 15 min, 09:00-10:00
    assert read.provenance["frequencies_txt"] is True


def test_times_of_stops_that_are_not_timepoints_are_interpolated(tmp_path):
    feed = _feed()
    feed.stop_times = [
        (t, "" if s == "B" else a, "" if s == "B" else d, s, q) for t, a, d, s, q in feed.stop_times
    ]
    st = read_gtfs(feed.folder(tmp_path / "f"), date=DAY, window=WINDOW).stop_times
    trip = st.loc[st["trip_id"] == "R-0-0"]
    assert trip["departure_s"].tolist() == [32400.0, 32760.0, 33120.0]  # halfway along


def test_calendar_dates_are_honoured(tmp_path):
    folder = _feed().folder(tmp_path / "f")
    (folder / "calendar_dates.txt").write_text(
        "service_id,date,exception_type\nWK,20240312,2\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="no service on 2024-03-12"):
        read_gtfs(folder, date=DAY, window=WINDOW)
    (folder / "calendar_dates.txt").write_text(
        "service_id,date,exception_type\nWK,20240316,1\n", encoding="utf-8"
    )
    saturday = read_gtfs(folder, date="2024-03-16", window=WINDOW)
    assert saturday.provenance["trips"] == 3


def test_service_only_on_other_dates_is_one_line_error(tmp_path):
    feed = Feed(start_date="20230101", end_date="20231231")
    feed.stop("A", 0).stop("B", 900).route(
        "R", ["A", "B"], first=9 * 3600, headway_s=600, count=3, hop_s=[300]
    )
    with pytest.raises(InputError) as caught:
        read_gtfs(feed.folder(tmp_path / "f"), date=DAY, window=WINDOW)
    text = str(caught.value)
    assert "\n" not in text
    assert "no service on 2024-03-12 (its calendar runs from 2023-01-01 to 2023-12-31)" in text
    assert "network.transit.date" in text and "Fix: choose a date" in text


def test_no_departure_in_the_window(tmp_path):
    with pytest.raises(
        InputError,
        match=r"no departure between 18:00 and 20:00 on 2024-03-12 \(its trips leave "
        r"between 09:00 and 09:45\).*Fix: choose a window",
    ):
        read_gtfs(_feed().folder(tmp_path / "f"), date=DAY, window=("18:00", "20:00"))


def test_stop_times_out_of_order(tmp_path):
    feed = _feed()
    feed.stop_times[1] = ("R-0-0", "08:59:00", "08:59:00", "B", 2)
    with pytest.raises(
        InputError,
        match=r"stop_times.txt: arrival_time: stop times out of order: trip 'R-0-0' at "
        r"stop_sequence 2 arrives at 08:59 before leaving the stop before at 09:00",
    ):
        read_gtfs(feed.folder(tmp_path / "f"), date=DAY, window=WINDOW)


def test_not_a_gtfs_feed(tmp_path):
    text = tmp_path / "feed.zip"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(InputError, match="not a GTFS feed: neither a zip file nor a folder"):
        read_gtfs(text, date=DAY, window=WINDOW)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(InputError, match=r"not a GTFS feed: none of stops\.txt"):
        read_gtfs(empty, date=DAY, window=WINDOW)
    with pytest.raises(InputError, match="GTFS feed not found"):
        read_gtfs(tmp_path / "nowhere.zip", date=DAY, window=WINDOW)


@pytest.mark.parametrize("name", ["stop_times.txt", "stops.txt", "trips.txt", "routes.txt"])
def test_a_required_file_missing(tmp_path, name):
    folder = _feed().folder(tmp_path / "f", leave_out=[name])
    with pytest.raises(InputError, match=rf"{name}: required GTFS file {name} is missing"):
        read_gtfs(folder, date=DAY, window=WINDOW)


def test_no_calendar_at_all(tmp_path):
    folder = _feed().folder(tmp_path / "f", leave_out=["calendar.txt"])
    with pytest.raises(InputError, match=r"calendar\.txt or calendar_dates\.txt is missing"):
        read_gtfs(folder, date=DAY, window=WINDOW)


def test_a_required_column_missing(tmp_path):
    folder = _feed().folder(tmp_path / "f")
    stops = (folder / "stops.txt").read_text(encoding="utf-8").replace("stop_lat", "latitude")
    (folder / "stops.txt").write_text(stops, encoding="utf-8")
    with pytest.raises(InputError, match=r"stops.txt: stop_lat: column stop_lat is missing"):
        read_gtfs(folder, date=DAY, window=WINDOW)


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (("10:00", "09:00"), "the window 10:00-09:00 is empty"),
        (("9h", "10:00"), "'9h' is not a time of day"),
        (("09:00",), "window is"),
    ],
)
def test_bad_windows(tmp_path, window, message):
    with pytest.raises(InputError, match=message):
        read_gtfs(_feed().folder(tmp_path / "f"), date=DAY, window=window)


def test_bad_date(tmp_path):
    with pytest.raises(InputError, match=r"'12/03/2024' is not a date.*YYYY-MM-DD"):
        read_gtfs(_feed().folder(tmp_path / "f"), date="12/03/2024", window=WINDOW)


def test_clock_round_trips():
    assert parse_clock("09:00") == 32400
    assert parse_clock("25:30:15") == 91815
    assert clock(32400) == "09:00" and clock(91815) == "25:30:15"
    with pytest.raises(InputError, match="'48:00' is not a time of day"):
        parse_clock("48:00")
    assert np.isclose(parse_clock(" 7:05 "), 7 * 3600 + 300)
