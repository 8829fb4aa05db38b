"""Shared by the benchmark scripts: write a road network as an OpenStreetMap ``.osm.pbf`` file.

Not a benchmark itself (``make bench`` skips files starting with ``_``). A minimal writer of
the PBF format (https://wiki.openstreetmap.org/wiki/PBF_Format): an ``OSMHeader`` blob, then
``OSMData`` blobs of dense nodes and of ways (8,000 per block), zlib-compressed, with version,
timestamp and changeset on every element, as extracts from Geofabrik carry. Enough for
``gateway_planner.network.load_network("file", ...)`` (pyrosm) to read a synthetic county the
way it reads a real one.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["Way", "write_pbf"]

#: elements per primitive block, as the format recommends
BLOCK = 8_000
#: the elements' timestamp (seconds since 1970), fixed so the file is the same on every run
TIMESTAMP = 1_700_000_000

#: one way: (id, node ids in order, tags)
Way = tuple[int, Sequence[int], dict[str, str]]


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 63)


def _key(field: int, wire: int) -> bytes:
    return _varint((field << 3) | wire)


def _bytes(field: int, payload: bytes) -> bytes:
    return _key(field, 2) + _varint(len(payload)) + payload


def _uint(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(value)


def _packed(field: int, values: Iterable[int]) -> bytes:
    return _bytes(field, b"".join(_varint(v) for v in values))


def _delta(values: Iterable[int]) -> list[int]:
    """Zigzag-coded differences (the ``DELTA coded`` sint64 fields)."""
    out, last = [], 0
    for v in values:
        out.append(_zigzag(v - last))
        last = v
    return out


def _blob(kind: str, payload: bytes) -> bytes:
    blob = _uint(2, len(payload)) + _bytes(3, zlib.compress(payload, 6))
    header = _bytes(1, kind.encode()) + _uint(3, len(blob))
    return struct.pack(">I", len(header)) + header + blob


def _block(strings: list[bytes], group: bytes) -> bytes:
    table = b"".join(_bytes(1, s) for s in strings)
    return _bytes(1, table) + _bytes(2, group) + _uint(17, 100) + _uint(18, 1000)


def _dense(ids: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> bytes:
    n = len(ids)
    info = (
        _packed(1, [1] * n)  # version
        + _packed(2, _delta([TIMESTAMP] * n))
        + _packed(3, _delta([1] * n))  # changeset
        + _packed(4, _delta([0] * n))  # uid
        + _packed(5, _delta([0] * n))  # user_sid: the empty string
    )
    return (
        _packed(1, _delta(ids.tolist()))
        + _bytes(5, info)
        + _packed(8, _delta(lat.tolist()))
        + _packed(9, _delta(lon.tolist()))
        + _packed(10, [0] * n)  # no node has tags
    )


def _ways(ways: Sequence[Way]) -> tuple[list[bytes], bytes]:
    strings: dict[bytes, int] = {b"": 0}

    def sid(text: str) -> int:
        return strings.setdefault(text.encode(), len(strings))

    group = bytearray()
    for way_id, refs, tags in ways:
        keys = [sid(k) for k in tags]
        vals = [sid(v) for v in tags.values()]
        info = _uint(1, 1) + _uint(2, TIMESTAMP) + _uint(3, 1) + _uint(4, 0) + _uint(5, 0)
        way = (
            _uint(1, way_id)
            + _packed(2, keys)
            + _packed(3, vals)
            + _bytes(4, info)
            + _packed(8, _delta(refs))
        )
        group += _bytes(3, way)
    return list(strings), bytes(group)


def write_pbf(path: Path, node_ids: np.ndarray, lonlat: np.ndarray, ways: Sequence[Way]) -> None:
    """Write nodes (ids and WGS84 degrees) and ways to an ``.osm.pbf`` file.

    Parameters
    ----------
    path
        The file to write.
    node_ids
        Positive node ids, ascending.
    lonlat
        ``(n, 2)`` longitudes and latitudes of the nodes.
    ways
        ``(id, node ids, tags)`` of each way, ids ascending.
    """
    lon = np.round(lonlat[:, 0] * 1e7).astype(np.int64)  # granularity 100 nanodegrees
    lat = np.round(lonlat[:, 1] * 1e7).astype(np.int64)
    bbox = (
        _uint(1, _zigzag(int(lon.min()) * 100))
        + _uint(2, _zigzag(int(lon.max()) * 100))
        + _uint(3, _zigzag(int(lat.max()) * 100))
        + _uint(4, _zigzag(int(lat.min()) * 100))
    )
    header = (
        _bytes(1, bbox)
        + _bytes(4, b"OsmSchema-V0.6")
        + _bytes(4, b"DenseNodes")
        + _bytes(16, b"gateway-planner benchmarks")
    )
    with Path(path).open("wb") as f:
        f.write(_blob("OSMHeader", header))
        for start in range(0, len(node_ids), BLOCK):
            part = slice(start, start + BLOCK)
            group = _bytes(2, _dense(node_ids[part], lat[part], lon[part]))
            f.write(_blob("OSMData", _block([b""], group)))
        for start in range(0, len(ways), BLOCK):
            strings, group = _ways(ways[start : start + BLOCK])
            f.write(_blob("OSMData", _block(strings, group)))
