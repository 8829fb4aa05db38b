"""Download a mode's OpenStreetMap network with osmnx, through the project cache.

The cache key is the request (place name, polygon or bounding box), the osmnx network type and
options, the osmnx version and the Overpass endpoint. The cache is checked before any request;
only a successful, non-empty download is stored (GraphML plus a JSON side-car holding the
download date, so a cached network reports when its data was fetched).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import shapely
from shapely.geometry.base import BaseGeometry

from .. import _cache, settings
from .._optional import import_optional_dependency
from ..errors import InputError, NetworkError
from .modes import PROFILES, Mode

__all__ = ["download_graph"]

logger = logging.getLogger(__name__)

_NAMESPACE = "osm"


def _request(
    query: str | None, polygon: BaseGeometry | None, bbox: Sequence[float] | None
) -> dict[str, Any]:
    """Describe what to download as JSON-ready data (also the cache key's core)."""
    given = [
        name
        for name, value in (("query", query), ("boundary", polygon), ("bbox", bbox))
        if value is not None
    ]
    if not given:
        msg = "an OSM download needs a place name, the study-area boundary or a bounding box"
        raise InputError(
            msg,
            field="network.query",
            fix='set query = "Swale, Kent, England" (or give boundary / bbox)',
        )
    if query is not None:
        if not isinstance(query, str) or not query.strip():
            msg = f"place name {query!r} is empty"
            raise InputError(
                msg, field="network.query", fix='give a place name such as "Saint-Omer, France"'
            )
        return {"by": "place", "query": query.strip()}
    if polygon is not None:
        if polygon.is_empty or polygon.geom_type not in {"Polygon", "MultiPolygon"}:
            msg = f"the boundary is a {'empty ' if polygon.is_empty else ''}{polygon.geom_type}, not a polygon"
            raise InputError(msg, field="boundary", fix="give the study area as a (multi)polygon")
        return {"by": "polygon", "polygon": shapely.to_wkt(polygon, rounding_precision=7)}
    try:
        left, bottom, right, top = (float(v) for v in bbox)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        msg = f"bbox is {bbox!r}"
        raise InputError(
            msg, field="network.bbox", fix="give [left, bottom, right, top] in degrees (EPSG:4326)"
        ) from None
    if not (-180 <= left < right <= 180 and -90 <= bottom < top <= 90):
        msg = f"bbox {[left, bottom, right, top]} is not [left, bottom, right, top] in degrees"
        raise InputError(
            msg,
            field="network.bbox",
            fix="give [left, bottom, right, top] with left < right, bottom < top",
        )
    return {"by": "bbox", "bbox": [left, bottom, right, top]}


@contextlib.contextmanager
def _osmnx_settings(ox: Any) -> Iterator[None]:
    """Point osmnx's own HTTP cache and timeouts at ours for the duration of a download."""
    names = ("requests_timeout", "overpass_url", "use_cache", "cache_folder", "log_console")
    saved = {name: getattr(ox.settings, name) for name in names}
    try:
        ox.settings.requests_timeout = settings.osm_requests_timeout
        if settings.osm_overpass_url:
            ox.settings.overpass_url = settings.osm_overpass_url
        ox.settings.use_cache = settings.use_cache
        ox.settings.cache_folder = str(Path(settings.cache_dir).expanduser() / "osmnx-http")
        ox.settings.log_console = False
        yield
    finally:
        for name, value in saved.items():
            setattr(ox.settings, name, value)


def _fetch(ox: Any, request: Mapping[str, Any], network_type: str) -> nx.MultiDiGraph:
    options = {"network_type": network_type, "simplify": False, "retain_all": True}
    if request["by"] == "place":
        return ox.graph_from_place(request["query"], **options)
    if request["by"] == "polygon":
        return ox.graph_from_polygon(shapely.from_wkt(request["polygon"]), **options)
    return ox.graph_from_bbox(tuple(request["bbox"]), **options)


def _describe(request: Mapping[str, Any]) -> str:
    if request["by"] == "place":
        return f"place {request['query']!r}"
    if request["by"] == "bbox":
        return f"bounding box {request['bbox']}"
    return "the study-area polygon"


def download_graph(
    mode: Mode,
    *,
    query: str | None = None,
    polygon: BaseGeometry | None = None,
    bbox: Sequence[float] | None = None,
) -> tuple[nx.MultiDiGraph, dict[str, Any]]:
    """Return ``mode``'s OSM network for a place, polygon or bounding box, cached on disk.

    Parameters
    ----------
    mode
        The travel mode (selects the osmnx network type).
    query
        Place name to geocode (first choice when several are given).
    polygon
        Study area in EPSG:4326.
    bbox
        ``(left, bottom, right, top)`` in EPSG:4326 degrees.

    Returns
    -------
    tuple
        The unsimplified graph (EPSG:4326) and its provenance: ``kind``, the request,
        ``network_type``, ``osmnx_version``, ``date`` of the download (UTC), ``cache_key`` and
        ``cache`` ({"hit", "miss", "off"}).

    Raises
    ------
    NetworkError
        When the download fails (nothing is cached then).
    """
    ox = import_optional_dependency("osmnx", "osm")
    network_type = PROFILES[mode].osmnx_network_type
    request = _request(query, polygon, bbox)
    config = {
        **request,
        "network_type": network_type,
        "simplify": False,
        "retain_all": True,
        "osmnx_version": ox.__version__,
        "overpass_url": settings.osm_overpass_url,
    }
    key = _cache.cache_key(config=config)
    cached = _cache.lookup(_NAMESPACE, key, ".graphml")
    meta = _cache.load_json(_NAMESPACE, key) if cached is not None else None
    if cached is not None and meta is not None:
        logger.info(
            "%s network for %s read from the cache (%s)", mode.value, _describe(request), cached
        )
        return ox.load_graphml(cached), {**meta, "cache": "hit"}

    logger.info(
        "downloading the %s network for %s from OpenStreetMap", mode.value, _describe(request)
    )
    try:
        with _osmnx_settings(ox):
            graph = _fetch(ox, request, network_type)
    except Exception as exc:  # requests, osmnx and geocoder errors all mean "no data"
        detail = " ".join(str(exc).split())[:300] or type(exc).__name__
        msg = (
            f"could not download the {mode.value} network for {_describe(request)} from "
            f"OpenStreetMap ({type(exc).__name__}: {detail}). Fix: check the connection and the "
            "place name, or give a local .osm.pbf file"
        )
        raise NetworkError(msg) from exc
    if graph.number_of_edges() == 0:
        msg = f"OpenStreetMap has no {mode.value} ways for {_describe(request)}"
        raise NetworkError(msg)
    meta = {
        "kind": "osm",
        **request,
        "network_type": network_type,
        "osmnx_version": ox.__version__,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cache_key": key,
    }
    stored = _cache.store(
        _NAMESPACE, key, ".graphml", lambda tmp: ox.save_graphml(graph, filepath=tmp)
    )
    if stored is not None:
        _cache.store_json(_NAMESPACE, key, meta)
    return graph, {**meta, "cache": "miss" if stored is not None else "off"}
