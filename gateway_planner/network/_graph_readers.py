"""The readers of :func:`~gateway_planner.network.sources.load_network`, one per kind of source.

Each returns the raw graph of one mode as its source gives it (before the steps
:mod:`.sources` applies to every graph: filtering, validation, projection, cropping, speeds),
with its provenance and the label messages name it by:

- :func:`read_download`: OpenStreetMap through osmnx, cached (:mod:`._download`);
- :func:`read_file`: ``.osm.pbf`` (pyrosm, :mod:`._pbf`), ``.osm`` XML or GraphML (osmnx);
- :func:`read_proxy`: the pilot's proxy network (:func:`.proxy.build_proxy_graph`).
"""

from __future__ import annotations

import bz2
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import networkx as nx
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .._io import file_digest, json_dumps
from .._optional import import_optional_dependency
from ..errors import InputError
from ._filters import FILTER_TAGS
from .modes import PROFILES, Mode
from .proxy import build_proxy_graph
from .proxy_params import ProxyParams

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["PROXY_LABEL", "FileFormat", "Read", "read_download", "read_file", "read_proxy"]

#: how messages and provenance name the proxy network
PROXY_LABEL = "proxy network"

#: the file formats :func:`read_file` reads
FileFormat: TypeAlias = Literal["osm.pbf", "osm.xml", "graphml"]

#: what a reader returns: the graph, its provenance, and the label messages name it by
Read: TypeAlias = tuple[nx.MultiDiGraph, dict[str, Any], str]

_STAMP = re.compile(rb'(?:timestamp|osm_base)="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"')


def read_download(
    mode: Mode,
    *,
    query: str | None,
    polygon: BaseGeometry | None,
    bbox: Sequence[float] | None,
) -> Read:
    """Download (or read from the cache) ``mode``'s OpenStreetMap network.

    Parameters
    ----------
    mode
        The travel mode.
    query, polygon, bbox
        Place name, study area in EPSG:4326, or ``(left, bottom, right, top)`` in degrees.

    Returns
    -------
    tuple
        The graph (EPSG:4326), its provenance and its label.
    """
    from ._download import download_graph

    graph, provenance = download_graph(mode, query=query, polygon=polygon, bbox=bbox)
    label = f"OpenStreetMap ({provenance.get('by', 'download')})"
    return graph, dict(provenance), label


def read_file(
    file: Path,
    fmt: FileFormat,
    mode: Mode,
    *,
    area_wgs84: BaseGeometry | None,
    buffer_m: float,
) -> Read:
    """Read ``mode``'s network from an OSM or GraphML file.

    Parameters
    ----------
    file
        The file.
    fmt
        Its format.
    mode
        The travel mode.
    area_wgs84
        The study area in EPSG:4326: a ``.osm.pbf`` is read only around it.
    buffer_m
        Metres kept around the study area.

    Returns
    -------
    tuple
        The graph (in the file's CRS), its provenance (``sha256`` of the file, reader and the
        data's own date, never the clock) and its label (the path).
    """
    ox = import_optional_dependency("osmnx", "osm")
    provenance: dict[str, Any] = {
        "kind": "graphml" if fmt == "graphml" else "file",
        "format": fmt,
        "path": str(file),
        "sha256": file_digest(file).split(":", 1)[1],
    }
    if fmt == "osm.pbf":
        from ._pbf import read_pbf

        pyrosm = import_optional_dependency("pyrosm", "osm")
        box = None
        if area_wgs84 is not None:
            box = list(_buffer_degrees(area_wgs84, buffer_m).bounds)
        graph, stamp = read_pbf(file, mode, bounding_box=box)
        provenance["reader"] = f"pyrosm {pyrosm.__version__}"
        provenance["date"] = _iso(stamp) if stamp else None
    elif fmt == "osm.xml":
        graph = _read_xml(ox, file, mode)
        provenance["reader"] = f"osmnx {ox.__version__}"
        provenance["date"] = _xml_date(file)
    else:
        graph = _read_graphml(ox, file)
        provenance["reader"] = f"osmnx {ox.__version__}"
        provenance["date"] = graph.graph.get("created_date")
    return graph, provenance, str(file)


def _buffer_degrees(geometry: BaseGeometry, buffer_m: float) -> BaseGeometry:
    """Return a generous envelope (about ``buffer_m``) around a WGS84 geometry."""
    return geometry.envelope.buffer(buffer_m / 111_000.0 * 2.0)


def _iso(stamp: int) -> str:
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC).isoformat(timespec="seconds")


def _read_xml(ox: Any, file: Path, mode: Mode) -> nx.MultiDiGraph:
    saved = ox.settings.useful_tags_way
    ox.settings.useful_tags_way = list(dict.fromkeys([*saved, *FILTER_TAGS]))
    try:
        graph: nx.MultiDiGraph = ox.graph_from_xml(
            file, bidirectional=PROFILES[mode].bidirectional, simplify=False, retain_all=True
        )
    except Exception as exc:  # SAX, osmnx "no data" and decoding errors
        msg = f"not an OpenStreetMap XML file ({_error_text(exc)})"
        raise InputError(
            msg, file=file, fix="give an .osm XML export or an .osm.pbf extract"
        ) from exc
    finally:
        ox.settings.useful_tags_way = saved
    return graph


def _xml_date(file: Path) -> str | None:
    """Newest element timestamp (or Overpass ``osm_base``) in an OSM XML file."""
    opener = bz2.open if file.name.lower().endswith(".bz2") else Path.open
    newest = b""
    try:
        with opener(file, "rb") as f:
            tail = b""
            for chunk in iter(lambda: f.read(1 << 20), b""):
                block = tail + chunk
                for match in _STAMP.finditer(block):
                    newest = max(newest, match.group(1))
                tail = block[-64:]
    except OSError:
        return None
    return newest.decode("ascii").replace("Z", "+00:00") if newest else None


def _read_graphml(ox: Any, file: Path) -> nx.MultiDiGraph:
    try:
        graph = ox.load_graphml(file)
    except Exception as exc:  # ParseError, NetworkXError, KeyError, ValueError...
        msg = f"not a GraphML graph ({_error_text(exc)})"
        raise InputError(msg, file=file, fix="give a graph saved with osmnx.save_graphml") from exc
    if not isinstance(graph, nx.MultiDiGraph):
        msg = f"the GraphML holds a {type(graph).__name__}, not a directed multigraph"
        raise InputError(msg, file=file, fix="save the graph with osmnx.save_graphml")
    return graph


def _error_text(exc: Exception) -> str:
    """Return the error's type and the first 200 characters of its message, on one line."""
    detail = " ".join(str(exc).split())[:200] or type(exc).__name__
    return f"{type(exc).__name__}: {detail}"


def read_proxy(
    mode: Mode,
    *,
    cells: gpd.GeoDataFrame | None,
    sites: gpd.GeoDataFrame | None,
    boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | None,
    params: Mapping[str, Any] | ProxyParams | None,
) -> Read:
    """Build ``mode``'s proxy network.

    Parameters
    ----------
    mode
        The travel mode.
    cells, sites, boundary, params
        The proxy builder's inputs (:func:`.proxy.build_proxy_graph`); all are needed.

    Returns
    -------
    tuple
        The graph (in the cells' CRS), its provenance (the parameters and a digest of the
        inputs, no clock) and :data:`PROXY_LABEL`.

    Raises
    ------
    InputError
        When an input is missing.
    """
    if cells is None or sites is None or boundary is None or params is None:
        inputs = {"cells": cells, "sites": sites, "boundary": boundary, "proxy_params": params}
        missing = [name for name, value in inputs.items() if value is None]
        msg = f"the proxy network needs {', '.join(missing)}"
        raise InputError(
            msg, field="network.source", fix="pass cells, sites, boundary and proxy_params"
        )
    graph = build_proxy_graph(cells, sites, boundary, params, mode=mode)
    params_data = _plain(params)
    digest = hashlib.sha256()
    digest.update(json_dumps(params_data).encode("utf-8"))
    for frame in (cells, sites):
        digest.update(
            np.ascontiguousarray(
                shapely.get_coordinates(shapely.centroid(np.asarray(frame.geometry.values)))
            ).tobytes()
        )
        digest.update("\0".join(str(i) for i in frame.index).encode("utf-8"))
    provenance: dict[str, Any] = {
        "kind": "proxy",
        "label": PROXY_LABEL,
        "params": params_data,
        "inputs_sha256": digest.hexdigest(),
        "date": None,
    }
    for key, value in graph.graph.items():
        if key not in {"crs", "kind"} and isinstance(value, (str, int, float, bool)):
            provenance.setdefault(f"graph_{key}", value)
    return graph, provenance, PROXY_LABEL


def _plain(params: Mapping[str, Any] | ProxyParams) -> Any:
    """JSON-ready form of proxy parameters as given (raw mapping or validated model)."""
    value: Any = params
    if isinstance(params, ProxyParams):
        value = params.model_dump(mode="json", by_alias=True)
    try:
        return json.loads(json_dumps(value))
    except TypeError:
        return repr(value)
