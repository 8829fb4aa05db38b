"""Cells x sites travel-time matrices per mode and per customer group.

For every mode, the sites' nodes are the sources of one multi-source Dijkstra run over the
reversed network (:mod:`scipy.sparse.csgraph`, in blocks of sites so memory stays bounded);
sites sharing a node are searched once. A cell's time to a site is::

    access (walk, centroid → its node) + network time (node → site's node)
        + egress (walk, site's node → site)

in float32 minutes, ``inf`` where the site cannot be reached (or only past ``limit_minutes``).
A group's time is the expected value over its mode mix.

A mode with a service area (``on_demand``: a zone) is *unavailable* for a pair whose cell (or,
when the zone bounds the destinations too, whose site) lies outside it. For such a pair a
group's expected minutes are taken over the other modes of its mix, their shares scaled up to
sum to 1 (a group with ``drive = 0.5, walk = 0.2, on_demand = 0.3`` outside the zone travels
``drive = 0.5 / 0.7, walk = 0.2 / 0.7``); a group whose mix has no other mode cannot make the
journey (``inf``). An unavailable mode is not an unreachable one: inside the zone a pair the
on-demand network cannot reach within ``limit_minutes`` is ``inf`` for the group, as for every
mode. The bus mode (``bus``) is always available: where no stop is near, its time is the walk.
With ``fallbacks`` a mode's travellers also take other modes where those are faster and
available (people without a car book the minibus inside its zone rather than walk for hours):
the mode's matrix is then the fastest per pair.

Matrices are dense while they fit ``settings.dense_budget_bytes``. Past it, with a time limit,
they are kept sparse: scipy CSR arrays (cells x sites, float32 minutes) holding only the pairs
within the limit; a missing entry is unreachable and a stored zero is a journey of 0 minutes.
Both forms hold the same numbers. The blocks of site searches run in this process, in worker
processes (``workers``) or on a Dask cluster (``client``), with identical results
(:mod:`._blocks`), and are assembled into matrices by :mod:`._assembly`; the result is a
:class:`~gateway_planner.network.times.TravelTimes`.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
import scipy.sparse as sp
import shapely

from .. import settings
from ..errors import GatewayPlannerWarning, InputError
from ..minutes import Minutes, freeze, nbytes, reachable_pairs
from ._assembly import (
    expected_minutes,
    fastest_where_served,
    minute_blocks,
    mode_matrix,
    single_mode,
)
from ._routing import RoutingGraph
from .base import Network
from .modes import Mode
from .snapping import Snap, snap_points, snap_summary
from .times import TravelTimes

if TYPE_CHECKING:
    import geopandas as gpd

    from ..groups import CustomerGroup

# TravelTimes lives in .times; it stays importable from here, where it was first
__all__ = ["TravelTimes", "travel_times"]

logger = logging.getLogger(__name__)


def travel_times(
    networks: Mapping[Mode | str, Network],
    cells: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    groups: Sequence[CustomerGroup] | None = None,
    limit_minutes: float | None = None,
    walk_speed_kmh: float = 4.8,
    max_snap_m: float = 2000.0,
    workers: int = 1,
    client: Any = None,
    sparse: bool | None = None,
    kept_sites: Sequence[str] | None = None,
    fallbacks: Mapping[str, Sequence[str]] | None = None,
) -> TravelTimes:
    """Compute cells x sites journey times for every mode and customer group.

    Parameters
    ----------
    networks
        Mode → loaded network (see :func:`gateway_planner.network.load_network`).
    cells
        Indexed by ``cell_id``; polygons (their centroids are used) or points; projected CRS.
    sites
        Indexed by ``site_id``; points; reprojected to the cells' CRS if needed.
    groups
        Customer groups whose mode mixes give ``by_group``; every mode with a share above 0
        needs a network.
    limit_minutes
        Journeys longer than this become ``inf`` (also speeds up the searches).
    walk_speed_kmh
        Speed of the access and egress walks.
    max_snap_m
        Cells (and sites) farther than this from their mode's network are unreachable.
    workers
        Processes running the site searches at once (1: in this process). Worth it for
        county-scale graphs with hundreds of sites; results are identical either way.
    client
        A connected ``dask.distributed.Client`` (see
        :func:`gateway_planner.cluster.dask_client`): the blocks of site searches
        run on its workers, the graph's routing arrays scattered to them once per mode;
        ``workers`` is then ignored. Results are identical.
    sparse
        Keep the matrices as CSR arrays of the pairs within ``limit_minutes`` (True), dense
        (False), or decide by size (None): sparse when the dense matrices would take more
        than ``settings.dense_budget_bytes`` and a limit is given.
    kept_sites
        Ids of sites that stay open whatever the solution (existing sites that may not
        close). Each search from another site is then cut where a kept site is at least as
        near (exact reduced-cost pruning, see :class:`~._routing.KeptPruning`): several
        times faster at county scale, and every pair a nearest-site objective can use is
        kept. One network only (with several modes a group's mix could prefer a site that
        no single mode does); not for capacities or when existing sites may close.
    fallbacks
        Mode → other modes its travellers also take where they are faster and available,
        e.g. ``{"bus": ["on_demand"], "walk": ["on_demand"]}``: people without a car book the
        minibus inside its zone rather than walk for hours. The mode's matrix (and so every
        group and figure by mode) is then the fastest of these per pair. Every mode named
        needs a network.

    Returns
    -------
    TravelTimes
        Read-only float32 matrices per mode and per group, with the snapping summary.

    Raises
    ------
    InputError
        For unusable cells, sites, options, or a group travelling by a mode with no network.

    Warns
    -----
    GatewayPlannerWarning
        When cells or sites are too far from a network and get ``inf`` times.
    """
    by_key = _check_networks(networks)
    _check_options(
        limit_minutes=limit_minutes,
        walk_speed_kmh=walk_speed_kmh,
        max_snap_m=max_snap_m,
        workers=workers,
        sparse=sparse,
    )
    cell_ids, cell_xy, crs = _points(cells, what="cells")
    site_ids, site_xy, _ = _points(sites, what="sites", to_crs=crs)
    groups = list(groups or [])
    mixes = _check_groups(groups, by_key)
    n_matrices = len(by_key) + sum(not single_mode(mix) for mix in mixes.values())
    keep_sparse = _choose_sparse(
        sparse, len(cell_ids), len(site_ids), n_matrices, limit_minutes=limit_minutes
    )
    kept = _kept_mask(kept_sites, site_ids, n_networks=len(by_key))

    by_mode: dict[str, Minutes] = {}
    snapping: dict[str, dict[str, Any]] = {}
    served: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # modes with a service area
    for key, network in by_key.items():
        routing: RoutingGraph = network.routing
        cell_snap = snap_points(routing, cell_xy, crs=crs, max_snap_m=max_snap_m, end="origin")
        site_snap = snap_points(routing, site_xy, crs=crs, max_snap_m=max_snap_m, end="destination")
        _warn_unsnapped(key, cell_snap, site_snap, max_snap_m=max_snap_m)
        if cell_snap.unserved is not None or site_snap.unserved is not None:
            served[key] = (_served(cell_snap), _served(site_snap))
        blocks = minute_blocks(
            routing,
            cell_snap,
            site_snap,
            walk_speed_kmh=walk_speed_kmh,
            limit_minutes=limit_minutes,
            workers=workers,
            client=client,
            label=f"travel times ({key})",
            kept=kept,
        )
        matrix = mode_matrix(blocks, cell_snap, site_snap, sparse=keep_sparse)
        freeze(matrix)
        by_mode[key] = matrix
        snapping[key] = snap_summary(
            routing,
            cell_snap,
            site_snap,
            cell_ids=cell_ids,
            site_ids=site_ids,
            max_snap_m=max_snap_m,
        )
        pairs = len(cell_ids) * len(site_ids)
        reached = reachable_pairs(matrix)
        logger.info(
            "%s: %d cells x %d sites on %d nodes; %.1f%% of pairs reachable (%s, %.0f MB); "
            "%d cells and %d sites off the network",
            key,
            len(cell_ids),
            len(site_ids),
            routing.n_nodes,
            100.0 * reached / pairs if pairs else 0.0,
            "sparse" if sp.issparse(matrix) else "dense",
            nbytes(matrix) / 1e6,
            snapping[key]["cells_unreachable"],
            snapping[key]["sites_unreachable"],
        )

    shape = (len(cell_ids), len(site_ids))
    for key, others in _check_fallbacks(fallbacks, by_key).items():
        for other in others:
            by_mode[key] = fastest_where_served(
                by_mode[key], by_mode[other], served.get(other), shape=shape, sparse=keep_sparse
            )
        logger.info("%s: the faster of it and %s where they serve", key, ", ".join(others))
    by_group = {
        gid: expected_minutes(mix, by_mode, shape=shape, sparse=keep_sparse, served=served)
        for gid, mix in mixes.items()
    }
    kinds = sorted({network.kind for network in by_key.values()})
    return TravelTimes(
        cell_ids=cell_ids,
        site_ids=site_ids,
        by_mode=by_mode,
        by_group=by_group,
        kind=kinds[0] if len(kinds) == 1 else "mixed",
        snapping=snapping,
        limit_minutes=None if limit_minutes is None else float(limit_minutes),
        provenance={key: dict(network.provenance) for key, network in by_key.items()},
        kept_sites=() if kept is None else tuple(np.asarray(site_ids)[kept]),
    )


def _kept_mask(
    kept_sites: Sequence[str] | None, site_ids: tuple[str, ...], *, n_networks: int
) -> np.ndarray | None:
    """Boolean mask of the kept sites, checked; None when the searches are not cut."""
    if kept_sites is None or len(kept_sites) == 0:
        return None
    if isinstance(kept_sites, str):
        kept_sites = [kept_sites]
    known = {sid: i for i, sid in enumerate(site_ids)}
    unknown = [str(s) for s in kept_sites if str(s) not in known]
    if unknown:
        msg = f"kept sites {unknown[:5]} are not among the sites"
        raise InputError(msg, field="kept_sites", fix="give ids from the sites' index")
    if n_networks != 1:
        msg = (
            f"kept_sites cuts the searches of one network, not {n_networks}: with several modes "
            "a group's mix of modes can prefer a site that no single mode does"
        )
        raise InputError(msg, field="kept_sites", fix="leave kept_sites out for several modes")
    mask = np.zeros(len(site_ids), dtype=bool)
    mask[[known[str(s)] for s in kept_sites]] = True
    return mask


def _check_networks(networks: Mapping[Mode | str, Network]) -> dict[str, Network]:
    if not networks:
        msg = "no network given"
        raise InputError(msg, field="networks", fix="load at least one network with load_network")
    out: dict[str, Network] = {}
    for key, network in networks.items():
        mode = Mode.parse(key, field="networks")
        if not isinstance(network, Network):
            msg = f"the {mode.value} network is a {type(network).__name__}, not a Network"
            raise InputError(msg, field=f"networks.{mode.value}", fix="build it with load_network")
        if network.mode != mode:
            msg = f"the network given for {mode.value} was built for {network.mode.value}"
            raise InputError(
                msg, field=f"networks.{mode.value}", fix=f"load it with mode={mode.value!r}"
            )
        out[mode.value] = network
    return dict(sorted(out.items()))


def _check_options(
    *,
    limit_minutes: float | None,
    walk_speed_kmh: float,
    max_snap_m: float,
    workers: int,
    sparse: bool | None,
) -> None:
    if limit_minutes is not None and not (limit_minutes > 0 and math.isfinite(limit_minutes)):
        msg = f"limit_minutes is {limit_minutes!r}"
        raise InputError(
            msg, field="limit_minutes", fix="give a number of minutes above 0, or None"
        )
    if not (walk_speed_kmh > 0 and math.isfinite(walk_speed_kmh)):
        msg = f"walk_speed_kmh is {walk_speed_kmh!r}"
        raise InputError(
            msg, field="walk_speed_kmh", fix="give a walking speed above 0 km/h, e.g. 4.8"
        )
    if not (max_snap_m >= 0 and math.isfinite(max_snap_m)):
        msg = f"max_snap_m is {max_snap_m!r}"
        raise InputError(msg, field="max_snap_m", fix="give a distance of 0 m or more, e.g. 2000")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        msg = f"workers is {workers!r}"
        raise InputError(msg, field="workers", fix="give a whole number of processes, 1 or more")
    if sparse is not None and not isinstance(sparse, bool):
        msg = f"sparse is {sparse!r}"
        raise InputError(msg, field="sparse", fix="give True, False or None (decide by size)")


def _points(
    frame: gpd.GeoDataFrame, *, what: str, to_crs: pyproj.CRS | None = None
) -> tuple[tuple[str, ...], np.ndarray, pyproj.CRS]:
    """Ids, representative coordinates and CRS of cells (centroids) or sites."""
    geometry = getattr(frame, "geometry", None)
    if geometry is None:
        msg = f"{what} is a {type(frame).__name__}, not a GeoDataFrame"
        raise InputError(
            msg, field=what, fix=f"pass {what} as a GeoDataFrame with a geometry column"
        )
    if len(frame) == 0:
        msg = f"no {what} given"
        raise InputError(msg, field=what, fix=f"pass at least one row of {what}")
    if frame.crs is None:
        msg = f"{what} have no CRS"
        raise InputError(msg, field=f"{what}.crs", fix="set the scenario's projected CRS (metres)")
    if to_crs is not None and not frame.crs.equals(to_crs):
        logger.info(
            "reprojecting %s from %s to %s", what, frame.crs.to_string(), to_crs.to_string()
        )
        frame = frame.to_crs(to_crs)
    crs: pyproj.CRS = frame.crs
    if not crs.is_projected:
        msg = f"{what} are in the geographic CRS {crs.to_string()}; distances need metres"
        raise InputError(
            msg,
            field=f"{what}.crs",
            fix="reproject to the scenario's projected CRS (e.g. EPSG:27700)",
        )
    ids = tuple(map(str, frame.index.tolist()))
    if len(set(ids)) != len(ids):
        msg = f"{what} ids repeat ({len(ids) - len(set(ids)):,} duplicates)"
        raise InputError(msg, field=f"{what}.index", fix=f"give every row of {what} a unique id")
    geoms = np.asarray(frame.geometry.values)
    is_point = shapely.get_type_id(geoms) == 0
    points = geoms if is_point.all() else shapely.centroid(geoms)
    xy = shapely.get_coordinates(points)
    if xy.shape[0] != len(ids) or not np.isfinite(xy).all():
        bad = shapely.is_empty(points) | (shapely.get_num_coordinates(points) == 0)
        first = ids[int(np.flatnonzero(bad)[0])] if bad.any() else "?"
        msg = f"{int(bad.sum()):,} {what} have an empty or invalid geometry (first: {first!r})"
        raise InputError(msg, field=f"{what}.geometry", fix="drop or repair those rows")
    return ids, xy, crs


def _check_groups(
    groups: Sequence[CustomerGroup], networks: Mapping[str, Network]
) -> dict[str, dict[str, float]]:
    """Mode mix per group, keys normalised; raise if a used mode has no network."""
    mixes: dict[str, dict[str, float]] = {}
    for group in groups:
        mix: dict[str, float] = {}
        for name, share in sorted(group.modes.items()):
            key = str(name).strip().lower()
            if share <= 0:
                continue
            if key not in networks:
                msg = (
                    f"customer group {group.id!r} travels by {key!r} (share {share:g}) "
                    f"but no {key} network was given (have {', '.join(networks)})"
                )
                raise InputError(
                    msg,
                    field=f"group[{group.id}].modes.{key}",
                    fix=f"add a {key} network to the scenario or set that share to 0",
                )
            mix[key] = mix.get(key, 0.0) + float(share)
        if group.id in mixes:
            msg = f"customer group id {group.id!r} appears twice"
            raise InputError(msg, field="groups", fix="make group ids unique")
        mixes[group.id] = mix
    return mixes


def _choose_sparse(
    sparse: bool | None,
    n_cells: int,
    n_sites: int,
    n_matrices: int,
    *,
    limit_minutes: float | None,
) -> bool:
    """Decide the matrices' form: as asked, else sparse past the dense budget with a limit."""
    need = n_cells * n_sites * 4 * max(n_matrices, 1)
    budget = settings.dense_budget_bytes
    if sparse is not None:
        if sparse and limit_minutes is None:
            logger.warning(
                "sparse travel times without limit_minutes keep every reachable pair "
                "(8 bytes each against 4 in a dense matrix)"
            )
        return sparse
    if need <= budget:
        return False
    if limit_minutes is None:
        logger.warning(
            "dense travel-time matrices need %.0f MB (budget %.0f MB in "
            "gateway_planner.settings.dense_budget_bytes); computing them dense because no "
            "time limit is set (set network.limit_minutes to keep only the pairs within it)",
            need / 1e6,
            budget / 1e6,
        )
        return False
    logger.info(
        "dense travel-time matrices would need %.0f MB (budget %.0f MB): keeping the pairs "
        "within %g minutes, sparse",
        need / 1e6,
        budget / 1e6,
        limit_minutes,
    )
    return True


def _check_fallbacks(
    fallbacks: Mapping[str, Sequence[str]] | None, by_key: Mapping[str, Network]
) -> dict[str, list[str]]:
    """Check that every mode a fallback names has a network; return them in a fixed order."""
    out = {str(k): [str(m) for m in v if str(m) != str(k)] for k, v in (fallbacks or {}).items()}
    missing = sorted({m for k, v in out.items() for m in (k, *v)} - set(by_key))
    if missing:
        msg = f"fallbacks name mode(s) {', '.join(missing)} without a network"
        raise InputError(msg, field="fallbacks", fix="add them to network.modes")
    return {k: out[k] for k in sorted(out) if out[k]}


def _served(snap: Snap) -> np.ndarray:
    """Flag the points the mode serves (inside its service area, if it has one)."""
    if snap.unserved is None:
        return np.ones(snap.snapped.size, dtype=bool)
    served: np.ndarray = ~snap.unserved
    return served


def _warn_unsnapped(mode: str, cells: Snap, sites: Snap, *, max_snap_m: float) -> None:
    for what, snap in (("cells", cells), ("sites", sites)):
        if snap.unserved is not None and snap.unserved.any():
            logger.info(
                "%s: %d of %d %s lie outside the mode's service area (unavailable there)",
                mode,
                int(snap.unserved.sum()),
                snap.unserved.size,
                what,
            )
        far = int((~snap.snapped & _served(snap)).sum())
        if not far:
            continue
        outside = int(snap.outside.sum())
        msg = (
            f"{mode}: {far:,} of {snap.snapped.size:,} {what} are more than {max_snap_m:,.0f} m "
            f"from the {mode} network ({outside:,} outside its extent); their travel times "
            "are inf"
        )
        warnings.warn(msg, GatewayPlannerWarning, stacklevel=4)
