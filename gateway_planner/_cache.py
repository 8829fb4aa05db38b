"""Content-addressed artefact cache (downloaded networks, heavy builds).

A cache key is the sha256 of the input files' digests plus the relevant configuration, so a
changed file or setting gives a new key and a stale entry is never read. Callers look an entry
up before computing or downloading, and store it only after success (failures are never
cached). Entries are written atomically through :mod:`gateway_planner._io`. The folder is
``gateway_planner.settings.cache_dir`` read at call time; ``settings.use_cache = False`` turns
both reading and writing off.

Layout: ``<cache_dir>/<namespace>/<key><suffix>``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import settings
from ._io import file_digest, json_dumps, write_text, write_with

__all__ = ["cache_key", "cache_path", "load_json", "lookup", "store", "store_json"]

logger = logging.getLogger(__name__)


def cache_key(
    *,
    files: Sequence[str | os.PathLike[str]] = (),
    config: Mapping[str, Any] | None = None,
) -> str:
    """Digest of input files (by content) and configuration.

    Parameters
    ----------
    files
        Input files; their bytes count, not their names or dates.
    config
        JSON-ready settings that change the artefact (query, versions, options).

    Returns
    -------
    str
        64 hex characters.
    """
    h = hashlib.sha256()
    for path in files:
        h.update(file_digest(path).encode("ascii"))
        h.update(b"\0")
    h.update(json_dumps(dict(config or {})).encode("utf-8"))
    return h.hexdigest()


def cache_path(namespace: str, key: str, suffix: str = "") -> Path:
    """Path of an entry in the cache folder (which need not exist yet).

    Parameters
    ----------
    namespace
        Sub-folder per kind of artefact, e.g. ``"osm"``.
    key
        From :func:`cache_key`.
    suffix
        File suffix, e.g. ``".graphml"``.

    Returns
    -------
    Path
        ``<settings.cache_dir>/<namespace>/<key><suffix>``.
    """
    return Path(settings.cache_dir).expanduser() / namespace / f"{key}{suffix}"


def lookup(namespace: str, key: str, suffix: str = "") -> Path | None:
    """Return the entry's path if it is cached (and the cache is on), else None.

    Parameters
    ----------
    namespace, key, suffix
        As for :func:`cache_path`.

    Returns
    -------
    Path or None
        The cached file.
    """
    if not settings.use_cache:
        return None
    path = cache_path(namespace, key, suffix)
    if path.is_file():
        logger.debug("cache hit %s", path)
        return path
    return None


def store(namespace: str, key: str, suffix: str, writer: Callable[[Path], None]) -> Path | None:
    """Write an entry atomically with ``writer(tmp_path)``; None when the cache is off.

    Parameters
    ----------
    namespace, key, suffix
        As for :func:`cache_path`.
    writer
        Writes the artefact to the path it is given.

    Returns
    -------
    Path or None
        The cached file.
    """
    if not settings.use_cache:
        return None
    path = write_with(cache_path(namespace, key, suffix), writer)
    logger.debug("cached %s", path)
    return path


def store_json(namespace: str, key: str, data: Mapping[str, Any]) -> Path | None:
    """Write a JSON side-car entry (``<key>.json``) atomically; None when the cache is off.

    Parameters
    ----------
    namespace, key
        As for :func:`cache_path`.
    data
        JSON-ready mapping.

    Returns
    -------
    Path or None
        The cached file.
    """
    if not settings.use_cache:
        return None
    return write_text(cache_path(namespace, key, ".json"), json_dumps(data))


def load_json(namespace: str, key: str) -> dict[str, Any] | None:
    """Read a JSON side-car entry, or None if absent, unreadable or the cache is off.

    Parameters
    ----------
    namespace, key
        As for :func:`cache_path`.

    Returns
    -------
    dict or None
        The stored mapping.
    """
    path = lookup(namespace, key, ".json")
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        logger.warning("ignoring unreadable cache entry %s", path)
        return None
    return data if isinstance(data, dict) else None
