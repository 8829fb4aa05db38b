"""Load the network of one travel mode from any source, checked and ready for routing.

Sources:

``"osm"``
    Download with osmnx by place name (``query``), study-area polygon (``boundary``) or
    bounding box (``bbox``), cached on disk (:mod:`gateway_planner.network._download`).
``"file"``
    A local file chosen by suffix: ``.osm.pbf`` (read with pyrosm, see
    :mod:`gateway_planner.network._pbf` for why), ``.osm`` / ``.osm.xml`` / ``.osm.bz2`` (osmnx
    ``graph_from_xml``) or ``.graphml``.
``"graphml"``
    A GraphML file written by osmnx (``osmnx.save_graphml``).
``"proxy"``
    The pilot's proxy network (:func:`gateway_planner.network.proxy.build_proxy_graph`).

Every graph is validated on the way in (:func:`osmnx.convert.validate_graph` for OSM data, an
equivalent check for the proxy), filtered to the ways the mode may use, made two-way for
walking, projected to the scenario CRS, cropped to the study area (plus
:data:`CLIP_BUFFER_M`) when a boundary is given for a file, and timed (:mod:`.speeds`). OSM
graphs are never simplified: nodes every few metres snap cells more faithfully.
"""

from __future__ import annotations

import bz2
import datetime as dt
import hashlib
import importlib
import json
import logging
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from numbers import Real
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx
import numpy as np
import pyproj
import shapely

from .._io import file_digest, json_dumps
from .._optional import import_optional_dependency
from ..errors import InputError, NetworkError
from ._filters import FILTER_TAGS, filter_graph
from .base import Network
from .modes import PROFILES, Mode
from .speeds import add_speeds, speed_table

__all__ = ["CLIP_BUFFER_M", "SOURCES", "load_graph"]

logger = logging.getLogger(__name__)

SOURCES: tuple[str, ...] = ("osm", "file", "graphml", "proxy")
#: metres kept around the study area when a file covering more is cropped to it
CLIP_BUFFER_M = 10_000.0

_PBF_SUFFIXES = (".osm.pbf", ".pbf")
_XML_SUFFIXES = (".osm", ".osm.xml", ".xml", ".osm.bz2")
_GRAPHML_SUFFIXES = (".graphml",)


def load_graph(
    source: str,
    *,
    mode: Mode | str,
    crs: Any,
    boundary: Any = None,
    path: str | Path | None = None,
    query: str | None = None,
    bbox: Sequence[float] | None = None,
    speeds: Mapping[str, float] | None = None,
    cells: Any = None,
    sites: Any = None,
    proxy_params: Any = None,
) -> Network:
    """Load, check and time the network of one travel mode.

    Parameters
    ----------
    source
        {"osm", "file", "graphml", "proxy"}.
    mode
        Travel mode, any case ("drive", "walk").
    crs
        The scenario's projected CRS (anything :class:`pyproj.CRS` accepts).
    boundary
        Study area: a shapely geometry in ``crs`` or a GeoDataFrame / GeoSeries (reprojected).
        The download polygon for ``"osm"`` when no ``query`` is given, the crop area for
        files, the land for ``"proxy"`` (passed on as given).
    path
        The file for ``"file"`` and ``"graphml"``.
    query
        Place name for ``"osm"``.
    bbox
        ``(left, bottom, right, top)`` in degrees (EPSG:4326) for ``"osm"``.
    speeds
        Overrides of the mode's speed table, km/h by ``highway`` class (and ``"default"``),
        or such tables by mode (``{"drive": {...}, "walk": {...}}``: only this mode's is
        used). Not used by the proxy, which sets its own speeds.
    cells, sites, proxy_params
        Inputs of the proxy builder (``"proxy"`` only).

    Returns
    -------
    Network
        Graph in ``crs`` with ``travel_time`` (s) and ``length`` (m) on every edge, its kind and
        provenance.

    Raises
    ------
    InputError
        For a bad argument, a missing or unreadable file, or a file that is not OSM data or a
        graph.
    NetworkError
        When a download fails, or no way of the mode is left.
    """
    mode = Mode.parse(mode)
    source = _check_source(source)
    target = _check_crs(crs)
    speeds = _speeds_for(mode, speeds)
    if speeds:
        speed_table(mode, speeds)  # reject bad overrides before any reading
    area = _boundary_geometry(boundary, target)

    read = _read(
        source,
        mode,
        target=target,
        area=area,
        boundary=boundary,
        path=path,
        query=query,
        bbox=bbox,
        cells=cells,
        sites=sites,
        proxy_params=proxy_params,
    )
    graph = _prepare(
        read.graph, mode, label=read.label, osm=read.kind != "proxy", file=read.file, ways=read.ways
    )
    graph = _project(graph, target)
    if read.file is not None and area is not None:
        _crop(graph, area, label=read.label, mode=mode)
    provenance = read.provenance
    if read.kind == "proxy":
        _check_proxy_times(graph, read.label)
    else:
        provenance["speeds_kph"] = add_speeds(graph, mode, speeds=speeds)
    provenance.update(
        mode=mode.value,
        crs=target.to_string(),
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
    )
    logger.info(
        "%s network from %s: %d nodes, %d edges",
        mode.value,
        read.label,
        graph.number_of_nodes(),
        graph.number_of_edges(),
    )
    return Network(mode=mode, graph=graph, kind=read.kind, provenance=provenance)


class _Read(NamedTuple):
    """A graph as read from its source, before the shared steps."""

    graph: nx.MultiDiGraph
    provenance: dict[str, Any]
    label: str  # how messages name the source
    kind: str  # {"osm", "file", "graphml", "proxy"}
    ways: str  # when to filter by way tags: {"always", "if_tagged", "never"}
    file: Path | None  # the input file, named by errors about it


def _read(
    source: str,
    mode: Mode,
    *,
    target: pyproj.CRS,
    area: Any,
    boundary: Any,
    path: str | Path | None,
    query: str | None,
    bbox: Sequence[float] | None,
    cells: Any,
    sites: Any,
    proxy_params: Any,
) -> _Read:
    """Read or download the raw graph of ``source``."""
    if source == "proxy":
        graph, provenance, label = _from_proxy(mode, cells, sites, boundary, proxy_params)
        return _Read(graph, provenance, label, "proxy", "never", None)
    area_wgs84 = None if area is None else _to_wgs84(area, target)
    if source == "osm":
        graph, provenance, label = _from_download(mode, query=query, polygon=area_wgs84, bbox=bbox)
        # osmnx filtered the query; the same rules again keep every source alike
        return _Read(graph, provenance, label, "osm", "always", None)
    file = _check_file(path, source)
    fmt = "graphml" if source == "graphml" else _format(file)
    graph, provenance, label = _from_file(file, fmt, mode, area_wgs84)
    kind = "graphml" if fmt == "graphml" else "file"
    ways = {"osm.xml": "always", "graphml": "if_tagged"}.get(fmt, "never")  # pyrosm filtered pbf
    return _Read(graph, provenance, label, kind, ways, file)


# ---------------------------------------------------------------------------- arguments


def _speeds_for(mode: Mode, speeds: Mapping[str, Any] | None) -> Mapping[str, float] | None:
    """Return this mode's speed overrides from a flat table or a table of tables by mode."""
    if not speeds:
        return None
    nested = [isinstance(v, Mapping) for v in speeds.values()]
    if not any(nested):
        return speeds
    if not all(nested):
        msg = "speeds mixes km/h values and tables by mode"
        raise InputError(
            msg, field="speeds", fix="give either { residential = 25, ... } or { drive = { ... } }"
        )
    by_mode = {str(k).strip().lower(): v for k, v in speeds.items()}
    for key in by_mode:
        Mode.parse(key, field="speeds")
    return by_mode.get(mode.value)


def _check_source(source: str) -> str:
    name = str(source).strip().lower()
    if name not in SOURCES:
        msg = f"unknown network source {source!r}"
        raise InputError(msg, field="network.source", fix=f"use one of {', '.join(SOURCES)}")
    return name


def _check_crs(crs: Any) -> pyproj.CRS:
    try:
        target = pyproj.CRS.from_user_input(crs)
    except (pyproj.exceptions.CRSError, TypeError) as exc:
        msg = f"{crs!r} is not a coordinate reference system ({exc})"
        raise InputError(msg, field="crs", fix='give an EPSG code such as "EPSG:27700"') from None
    if not target.is_projected:
        msg = f"the network CRS {target.to_string()} is geographic; travel needs metres"
        raise InputError(msg, field="crs", fix="give the scenario's projected CRS, e.g. EPSG:2154")
    return target


def _boundary_geometry(boundary: Any, crs: pyproj.CRS) -> Any:
    """Return the study area as one shapely geometry in ``crs`` (geometry or GeoDataFrame)."""
    if boundary is None:
        return None
    if hasattr(boundary, "to_crs") and hasattr(boundary, "geometry"):
        series = boundary.geometry
        if series.crs is not None and not pyproj.CRS(series.crs).equals(crs):
            series = series.to_crs(crs)
        geometry = shapely.union_all(np.asarray(series.values))
    elif isinstance(boundary, shapely.Geometry):
        geometry = boundary
    else:
        msg = f"the boundary is a {type(boundary).__name__}, not a geometry"
        raise InputError(
            msg, field="boundary", fix="pass the study area as a shapely polygon or a GeoDataFrame"
        )
    if geometry.is_empty:
        msg = "the boundary is empty"
        raise InputError(msg, field="boundary", fix="pass the study area's polygons")
    return geometry


def _to_wgs84(geometry: Any, crs: pyproj.CRS) -> Any:
    transformer = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return shapely.transform(
        geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def _check_file(path: str | Path | None, source: str) -> Path:
    if path is None:
        msg = f"network source {source!r} needs a file"
        raise InputError(
            msg, field="network.path", fix="set path to an .osm.pbf, .osm or .graphml file"
        )
    file = Path(path)
    if not file.is_file():
        msg = "network file not found"
        raise InputError(
            msg,
            file=file,
            fix="check the path (relative paths are read from the scenario's folder)",
        )
    return file


def _format(file: Path) -> str:
    name = file.name.lower()
    if name.endswith(_PBF_SUFFIXES):
        return "osm.pbf"
    if name.endswith(_XML_SUFFIXES):
        return "osm.xml"
    if name.endswith(_GRAPHML_SUFFIXES):
        return "graphml"
    msg = "unknown network file type"
    raise InputError(msg, file=file, fix="use an .osm.pbf, .osm, .osm.xml or .graphml file")


# ---------------------------------------------------------------------------- readers


def _from_download(
    mode: Mode, *, query: str | None, polygon: Any, bbox: Sequence[float] | None
) -> tuple[nx.MultiDiGraph, dict[str, Any], str]:
    from ._download import download_graph

    graph, provenance = download_graph(mode, query=query, polygon=polygon, bbox=bbox)
    label = f"OpenStreetMap ({provenance.get('by', 'download')})"
    return graph, dict(provenance), label


def _from_file(
    file: Path, fmt: str, mode: Mode, boundary_wgs84: Any
) -> tuple[nx.MultiDiGraph, dict[str, Any], str]:
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
        if boundary_wgs84 is not None:
            box = list(_buffer_degrees(boundary_wgs84).bounds)
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


def _buffer_degrees(geometry: Any) -> Any:
    """Return a generous envelope (about :data:`CLIP_BUFFER_M`) around a WGS84 geometry."""
    return geometry.envelope.buffer(CLIP_BUFFER_M / 111_000.0 * 2.0)


def _iso(stamp: int) -> str:
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC).isoformat(timespec="seconds")


def _read_xml(ox: Any, file: Path, mode: Mode) -> nx.MultiDiGraph:
    saved = ox.settings.useful_tags_way
    ox.settings.useful_tags_way = list(dict.fromkeys([*saved, *FILTER_TAGS]))
    try:
        return ox.graph_from_xml(
            file, bidirectional=PROFILES[mode].bidirectional, simplify=False, retain_all=True
        )
    except Exception as exc:  # SAX, osmnx "no data" and decoding errors
        detail = " ".join(str(exc).split())[:200] or type(exc).__name__
        msg = f"not an OpenStreetMap XML file ({type(exc).__name__}: {detail})"
        raise InputError(
            msg, file=file, fix="give an .osm XML export or an .osm.pbf extract"
        ) from exc
    finally:
        ox.settings.useful_tags_way = saved


_STAMP = re.compile(rb'(?:timestamp|osm_base)="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"')


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
        detail = " ".join(str(exc).split())[:200] or type(exc).__name__
        msg = f"not a GraphML graph ({type(exc).__name__}: {detail})"
        raise InputError(msg, file=file, fix="give a graph saved with osmnx.save_graphml") from exc
    if not isinstance(graph, nx.MultiDiGraph):
        msg = f"the GraphML holds a {type(graph).__name__}, not a directed multigraph"
        raise InputError(msg, file=file, fix="save the graph with osmnx.save_graphml")
    return graph


def _from_proxy(
    mode: Mode, cells: Any, sites: Any, boundary: Any, params: Any
) -> tuple[nx.MultiDiGraph, dict[str, Any], str]:
    missing = [
        name
        for name, value in (
            ("cells", cells),
            ("sites", sites),
            ("boundary", boundary),
            ("proxy_params", params),
        )
        if value is None
    ]
    if missing:
        msg = f"the proxy network needs {', '.join(missing)}"
        raise InputError(
            msg, field="network.source", fix="pass cells, sites, boundary and proxy_params"
        )
    try:
        proxy = importlib.import_module("gateway_planner.network.proxy")
    except ImportError as exc:
        msg = f"the proxy network builder is not available ({exc})"
        raise NetworkError(msg) from exc
    graph = proxy.build_proxy_graph(cells, sites, boundary, params, mode=mode)
    if not isinstance(graph, nx.MultiDiGraph):
        msg = f"the proxy builder returned a {type(graph).__name__}, not a MultiDiGraph"
        raise NetworkError(msg)
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
        "label": "proxy network",
        "params": params_data,
        "inputs_sha256": digest.hexdigest(),
        "date": None,
    }
    for key, value in graph.graph.items():
        if key not in {"crs", "kind"} and isinstance(value, (str, int, float, bool)):
            provenance.setdefault(f"graph_{key}", value)
    return graph, provenance, "proxy network"


def _plain(value: Any) -> Any:
    """JSON-ready form of proxy parameters (mapping, dataclass, pydantic model or other)."""
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    elif is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    try:
        return json.loads(json_dumps(value))
    except TypeError:
        return repr(value)


# ---------------------------------------------------------------------------- shared steps


def _prepare(
    graph: nx.MultiDiGraph, mode: Mode, *, label: str, osm: bool, file: Path | None, ways: str
) -> nx.MultiDiGraph:
    """Filter to the mode's ways, validate, make walking two-way.

    ``ways`` says when to filter by way tags: "always" (raw OSM XML), "if_tagged" (GraphML,
    which may come without tags) or "never" (sources filtered on the way in).
    """
    if graph.number_of_edges() == 0:
        _no_ways(mode, label, file)
    if ways == "if_tagged" and not any("highway" in d for _, _, d in graph.edges(data=True)):
        logger.info("%s: edges carry no highway tags; kept as they are", label)
    elif ways != "never":
        removed = filter_graph(graph, mode)
        logger.debug("%s: %d edges not usable by %s removed", label, removed, mode.value)
        if graph.number_of_edges() == 0:
            _no_ways(mode, label, file)
    _validate(graph, label=label, osm=osm, file=file)
    if PROFILES[mode].bidirectional:
        _make_two_way(graph)
    return graph


def _no_ways(mode: Mode, label: str, file: Path | None) -> None:
    if label == "proxy network":
        msg = f"the {mode.value} proxy network has no edges. Fix: check the proxy parameters"
    else:
        msg = f"no highways usable for {mode.value} in {label}"
    if file is not None:
        raise InputError(
            f"no highways usable for {mode.value} in this file",
            file=file,
            fix="give OSM data that covers the study area's roads and paths",
        )
    raise NetworkError(msg)


def _validate(graph: nx.MultiDiGraph, *, label: str, osm: bool, file: Path | None) -> None:
    """Osmnx's validation for OSM graphs, plus the checks routing relies on, reported at once."""
    problems: list[str] = []
    if osm:
        ox = import_optional_dependency("osmnx", "osm")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                ox.convert.validate_graph(graph, strict=False)
            except Exception as exc:  # osmnx ValidationError
                problems.append(" ".join(str(exc).split()))
        for item in caught:
            logger.debug("%s: osmnx validation: %s", label, item.message)
    if graph.graph.get("crs") is None:
        problems.append("the graph has no 'crs' attribute")
    else:
        try:
            pyproj.CRS.from_user_input(graph.graph["crs"])
        except pyproj.exceptions.CRSError:
            problems.append(f"graph crs {graph.graph['crs']!r} is not a valid CRS")
    bad_nodes = sum(
        1
        for _, data in graph.nodes(data=True)
        if not (_finite(data.get("x")) and _finite(data.get("y")))
    )
    if bad_nodes:
        problems.append(f"{bad_nodes:,} nodes lack numeric x/y")
    bad_lengths = sum(
        1 for *_, length in graph.edges(data="length") if not (_finite(length) and length >= 0)
    )
    if bad_lengths:
        problems.append(f"{bad_lengths:,} edges lack a length of 0 m or more")
    if not problems:
        return
    text = "; ".join(problems)
    if file is not None:
        raise InputError(
            f"not a usable network graph: {text}",
            file=file,
            fix="give OSM data or a graph saved by osmnx",
        )
    raise NetworkError(f"{label}: not a usable network graph: {text}")


def _finite(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and bool(np.isfinite(value))


def _make_two_way(graph: nx.MultiDiGraph) -> None:
    """Add the reverse of every edge that has none (walkers ignore one-way streets)."""
    missing = [
        (v, u, {**data, "reversed": not data.get("reversed", False)})
        for u, v, data in graph.edges(data=True)
        if not graph.has_edge(v, u)
    ]
    if missing:
        graph.add_edges_from(missing)
        logger.debug("added %d reverse edges for walking", len(missing))


def _project(graph: nx.MultiDiGraph, target: pyproj.CRS) -> nx.MultiDiGraph:
    """Bring the graph into ``target`` (osmnx's projection when edges carry geometries)."""
    source = pyproj.CRS.from_user_input(graph.graph["crs"])
    if source.equals(target):
        graph.graph["crs"] = target.to_string()
        return graph
    if any("geometry" in data for _, _, data in graph.edges(data=True)):
        ox = import_optional_dependency("osmnx", "osm")
        graph = ox.projection.project_graph(graph, to_crs=target)
    else:
        nodes = list(graph.nodes)
        xy = np.array(
            [(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in nodes], dtype=float
        ).reshape(-1, 2)
        transformer = pyproj.Transformer.from_crs(source, target, always_xy=True)
        xs, ys = transformer.transform(xy[:, 0], xy[:, 1])
        for node, x, y, lon, lat in zip(nodes, xs, ys, xy[:, 0], xy[:, 1], strict=True):
            data = graph.nodes[node]
            if source.is_geographic:
                data["lon"], data["lat"] = float(lon), float(lat)
            data["x"], data["y"] = float(x), float(y)
    graph.graph["crs"] = target.to_string()
    return graph


def _crop(graph: nx.MultiDiGraph, boundary: Any, *, label: str, mode: Mode) -> None:
    """Drop nodes farther than :data:`CLIP_BUFFER_M` from the study area."""
    area = boundary.buffer(CLIP_BUFFER_M)
    shapely.prepare(area)
    nodes = list(graph.nodes)
    xy = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in nodes], dtype=float).reshape(
        -1, 2
    )
    inside = shapely.contains_xy(area, xy[:, 0], xy[:, 1])
    outside = [n for n, keep in zip(nodes, inside, strict=True) if not keep]
    if outside:
        graph.remove_nodes_from(outside)
        logger.info(
            "%s: %d nodes beyond %.0f m of the study area dropped",
            label,
            len(outside),
            CLIP_BUFFER_M,
        )
    if graph.number_of_edges() == 0:
        msg = (
            f"no {mode.value} ways of {label} lie within {CLIP_BUFFER_M:,.0f} m of the study "
            "area. Fix: give OSM data covering the study area"
        )
        raise NetworkError(msg)


def _check_proxy_times(graph: nx.MultiDiGraph, label: str) -> None:
    bad = sum(1 for *_, t in graph.edges(data="travel_time") if not (_finite(t) and t >= 0))
    if bad:
        msg = f"{label}: {bad:,} edges have no travel_time of 0 s or more"
        raise NetworkError(msg)
