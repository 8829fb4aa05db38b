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

The readers of each source are in :mod:`._graph_readers`; this module checks the arguments,
picks the reader and applies the steps every graph goes through. Every graph is validated on
the way in (:func:`osmnx.convert.validate_graph` for OSM data, an equivalent check for the
proxy), filtered to the ways the mode may use, made two-way for walking, projected to the
scenario CRS, cropped to the study area (plus :data:`CLIP_BUFFER_M`) when a boundary is given
for a file, and timed (:mod:`.speeds`). OSM graphs are never simplified: nodes every few
metres snap cells more faithfully.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeAlias

import networkx as nx
import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from .._deprecation import deprecated_alias
from .._optional import import_optional_dependency
from ..errors import InputError, NetworkError
from ._filters import filter_graph
from ._graph_readers import FileFormat, read_download, read_file, read_proxy
from .base import Network, NetworkKind
from .modes import BUILT_ON, PROFILES, Mode
from .proxy_params import ProxyParams
from .speeds import add_speeds, speed_table

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["CLIP_BUFFER_M", "SOURCES", "load_graph", "load_network"]

logger = logging.getLogger(__name__)

SOURCES: tuple[str, ...] = ("osm", "file", "graphml", "proxy")
#: metres kept around the study area when a file covering more is cropped to it
CLIP_BUFFER_M = 10_000.0

_PBF_SUFFIXES = (".osm.pbf", ".pbf")
_XML_SUFFIXES = (".osm", ".osm.xml", ".xml", ".osm.bz2")
_GRAPHML_SUFFIXES = (".graphml",)


#: when to filter a graph's edges by their way tags: "always" (raw OSM XML), "if_tagged"
#: (GraphML, which may come without tags) or "never" (sources filtered on the way in)
_Ways: TypeAlias = Literal["always", "if_tagged", "never"]


def load_network(
    source: str,
    *,
    mode: Mode | str,
    crs: pyproj.CRS | str | int,
    boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    path: str | Path | None = None,
    query: str | None = None,
    bbox: Sequence[float] | None = None,
    speeds: Mapping[str, float] | Mapping[str, Mapping[str, float]] | None = None,
    cells: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    proxy_params: Mapping[str, Any] | ProxyParams | None = None,
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
    _check_road_mode(mode)
    source = _check_source(source)
    target = _check_crs(crs)
    table = _speeds_for(mode, speeds)
    if table:
        speed_table(mode, table)  # reject bad overrides before any reading
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
        read.graph, mode, kind=read.kind, label=read.label, file=read.file, ways=read.ways
    )
    graph = _project(graph, target)
    if read.file is not None and area is not None:
        _crop(graph, area, label=read.label, mode=mode)
    provenance = read.provenance
    if read.kind == "proxy":
        _check_proxy_times(graph, read.label)
    else:
        provenance["speeds_kmh"] = add_speeds(graph, mode, speeds=table)
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


#: deprecated name of :func:`load_network` (it returns a ``Network``), removed in 0.3.0
load_graph = deprecated_alias(
    load_network,
    old="gateway_planner.network.load_graph",
    replacement="gateway_planner.network.load_network(...)",
)


class _Read(NamedTuple):
    """A graph as read from its source, before the shared steps."""

    graph: nx.MultiDiGraph
    provenance: dict[str, Any]
    label: str  # how messages name the source
    kind: NetworkKind
    ways: _Ways
    file: Path | None  # the input file, named by errors about it


def _read(
    source: str,
    mode: Mode,
    *,
    target: pyproj.CRS,
    area: BaseGeometry | None,
    boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | None,
    path: str | Path | None,
    query: str | None,
    bbox: Sequence[float] | None,
    cells: gpd.GeoDataFrame | None,
    sites: gpd.GeoDataFrame | None,
    proxy_params: Mapping[str, Any] | ProxyParams | None,
) -> _Read:
    """Read or download the raw graph of ``source``."""
    if source == "proxy":
        graph, provenance, label = read_proxy(
            mode, cells=cells, sites=sites, boundary=boundary, params=proxy_params
        )
        return _Read(graph, provenance, label, "proxy", "never", None)
    area_wgs84 = None if area is None else _to_wgs84(area, target)
    if source == "osm":
        graph, provenance, label = read_download(mode, query=query, polygon=area_wgs84, bbox=bbox)
        # osmnx filtered the query; the same rules again keep every source alike
        return _Read(graph, provenance, label, "osm", "always", None)
    file = _check_file(path, source)
    fmt: FileFormat = "graphml" if source == "graphml" else _format(file)
    graph, provenance, label = read_file(
        file, fmt, mode, area_wgs84=area_wgs84, buffer_m=CLIP_BUFFER_M
    )
    if fmt == "graphml":
        return _Read(graph, provenance, label, "graphml", "if_tagged", file)
    ways: _Ways = "always" if fmt == "osm.xml" else "never"  # pyrosm filtered the .osm.pbf
    return _Read(graph, provenance, label, "file", ways, file)


# ---------------------------------------------------------------------------- arguments


def _speeds_for(mode: Mode, speeds: Mapping[str, Any] | None) -> Mapping[str, float] | None:
    """Return this mode's speed overrides from a flat table or a table of tables by mode."""
    if not speeds:
        return None
    nested = [isinstance(v, Mapping) for v in speeds.values()]
    if not any(nested):
        flat: Mapping[str, float] = speeds
        return flat
    if not all(nested):
        msg = "speeds mixes km/h values and tables by mode"
        raise InputError(
            msg, field="speeds", fix="give either { residential = 25, ... } or { drive = { ... } }"
        )
    by_mode: dict[str, Mapping[str, float]] = {str(k).strip().lower(): v for k, v in speeds.items()}
    for key in by_mode:
        if Mode.parse(key, field="speeds") not in PROFILES:
            msg = f"no speed table for {key}: its network is built on another mode's"
            raise InputError(msg, field="speeds", fix="give speeds for drive and walk only")
    return by_mode.get(mode.value)


def _check_road_mode(mode: Mode) -> None:
    """Refuse the modes built on another network (they have no source of their own)."""
    if mode in PROFILES:
        return
    builders = {Mode.BUS: "transit_network(walk, feed)", Mode.ON_DEMAND: "on_demand_network"}
    msg = (
        f"the {mode.value} network is not read from a source: it is built on the "
        f"{BUILT_ON[mode].value} network"
    )
    raise InputError(
        msg,
        field="mode",
        fix=f"load the {BUILT_ON[mode].value} network, then call "
        f"gateway_planner.network.{builders[mode]}",
    )


def _check_source(source: str) -> str:
    name = str(source).strip().lower()
    if name not in SOURCES:
        msg = f"unknown network source {source!r}"
        raise InputError(msg, field="network.source", fix=f"use one of {', '.join(SOURCES)}")
    return name


def _check_crs(crs: pyproj.CRS | str | int) -> pyproj.CRS:
    try:
        target = pyproj.CRS.from_user_input(crs)
    except (pyproj.exceptions.CRSError, TypeError) as exc:
        msg = f"{crs!r} is not a coordinate reference system ({exc})"
        raise InputError(msg, field="crs", fix='give an EPSG code such as "EPSG:27700"') from None
    if not target.is_projected:
        msg = f"the network CRS {target.to_string()} is geographic; travel needs metres"
        raise InputError(msg, field="crs", fix="give the scenario's projected CRS, e.g. EPSG:2154")
    return target


def _boundary_geometry(
    boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | None, crs: pyproj.CRS
) -> BaseGeometry | None:
    """Return the study area as one shapely geometry in ``crs`` (geometry or GeoDataFrame)."""
    if boundary is None:
        return None
    if hasattr(boundary, "to_crs") and hasattr(boundary, "geometry"):
        series = boundary.geometry
        if series.crs is not None and not pyproj.CRS(series.crs).equals(crs):
            series = series.to_crs(crs)
        geometry: BaseGeometry = shapely.union_all(np.asarray(series.values))
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


def _to_wgs84(geometry: BaseGeometry, crs: pyproj.CRS) -> BaseGeometry:
    transformer = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    wgs84: BaseGeometry = shapely.transform(
        geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )
    return wgs84


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


def _format(file: Path) -> FileFormat:
    name = file.name.lower()
    if name.endswith(_PBF_SUFFIXES):
        return "osm.pbf"
    if name.endswith(_XML_SUFFIXES):
        return "osm.xml"
    if name.endswith(_GRAPHML_SUFFIXES):
        return "graphml"
    msg = "unknown network file type"
    raise InputError(msg, file=file, fix="use an .osm.pbf, .osm, .osm.xml or .graphml file")


# ---------------------------------------------------------------------------- shared steps


def _prepare(
    graph: nx.MultiDiGraph,
    mode: Mode,
    *,
    kind: NetworkKind,
    label: str,
    file: Path | None,
    ways: _Ways,
) -> nx.MultiDiGraph:
    """Filter to the mode's ways (as ``ways`` says), validate, make walking two-way."""
    if graph.number_of_edges() == 0:
        _no_ways(mode, kind, label, file)
    if ways == "if_tagged" and not any("highway" in d for _, _, d in graph.edges(data=True)):
        logger.info("%s: edges carry no highway tags; kept as they are", label)
    elif ways != "never":
        removed = filter_graph(graph, mode)
        logger.debug("%s: %d edges not usable by %s removed", label, removed, mode.value)
        if graph.number_of_edges() == 0:
            _no_ways(mode, kind, label, file)
    _validate(graph, label=label, osm=kind != "proxy", file=file)
    if PROFILES[mode].bidirectional:
        _make_two_way(graph)
    return graph


def _no_ways(mode: Mode, kind: NetworkKind, label: str, file: Path | None) -> None:
    if kind == "proxy":
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
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


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


def _crop(graph: nx.MultiDiGraph, boundary: BaseGeometry, *, label: str, mode: Mode) -> None:
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
