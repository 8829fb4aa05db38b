"""Process-wide settings that are not part of a scenario.

Read at call time (never copied at import), so changing them between calls takes effect::

    import gateway_planner.settings as gps
    gps.cache_dir = "/tmp/gp-cache"

Attributes
----------
cache_dir : str
    Folder of the content-addressed artefact cache (networks, downloads). Defaults to the
    ``GATEWAY_PLANNER_CACHE`` environment variable or ``~/.cache/gateway-planner``.
use_cache : bool
    Read and write the cache. Default True.
osm_requests_timeout : int
    Seconds before an OpenStreetMap (Overpass) request is abandoned; passed to osmnx. Default 180.
osm_overpass_url : str | None
    Overpass endpoint passed to osmnx; None keeps osmnx's default.
dense_budget_bytes : int
    Memory a dense cells x sites travel-time matrix may use before the sparse (cutoff) path is
    taken. Default 1 GB.
default_scheduler : str | None
    Dask scheduler address (``tcp://host:port``) used when a run asks for distributed work
    without naming one; None starts a local cluster.
progress : Callable[[str, int, int], None] | None
    Called by the long steps as ``progress(task, done, total)`` (network builds, blocks of
    travel-time searches, sweep variants) so that a front end can draw progress bars; the
    library itself never prints. ``task`` names the step (the same text for every call of
    one step), ``done`` counts up to ``total``. None (the default) reports nothing. The
    command line sets it to tqdm bars.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

cache_dir: str = os.environ.get(
    "GATEWAY_PLANNER_CACHE", str(Path("~/.cache/gateway-planner").expanduser())
)
use_cache: bool = True
osm_requests_timeout: int = 180
osm_overpass_url: str | None = None
dense_budget_bytes: int = 1_000_000_000
default_scheduler: str | None = None
progress: Callable[[str, int, int], None] | None = None
