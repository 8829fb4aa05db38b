"""Cells x sites travel-time matrices per mode and per customer group.

For every mode, the sites' nodes are the sources of one multi-source Dijkstra run over the
reversed network (:mod:`scipy.sparse.csgraph`, in blocks of sites so memory stays bounded);
sites sharing a node are searched once. A cell's time to a site is::

    access (walk, centroid → its node) + network time (node → site's node)
        + egress (walk, site's node → site)

in float32 minutes, ``inf`` where the site cannot be reached (or only past ``limit_minutes``).
A group's time is the expected value over its mode mix. Matrices are dense here; a blocked
sparse variant (cutoff) can live behind the same :class:`TravelTimes` later.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
import shapely

from .. import settings
from ..errors import GatewayPlannerWarning, InputError
from ._routing import RoutingGraph, shortest_times
from .base import Network
from .modes import Mode
from .snapping import Snap, snap_points, snap_summary

if TYPE_CHECKING:
    import geopandas as gpd

    from ..demand.groups import CustomerGroup

__all__ = ["TravelTimes", "travel_times"]

logger = logging.getLogger(__name__)

_ROWS_PER_CHUNK = 1 << 16


@dataclass(frozen=True, eq=False)
class TravelTimes:
    """Journey times from cells to sites, in minutes (compared by identity: it holds arrays).

    Parameters
    ----------
    cell_ids
        Row labels.
    site_ids
        Column labels.
    by_mode
        Mode name → float32 array ``(n_cells, n_sites)``, ``inf`` where unreachable.
    by_group
        Group id → float32 array: expected minutes over the group's mode mix.
    kind
        Network kind the times came from ({"osm", "file", "graphml", "proxy"}), or
        ``"mixed"`` when the modes' networks differ.
    snapping
        Per mode: counts, snapping-distance quantiles (m), ids of unreachable cells and sites.
    limit_minutes
        The time limit applied, if any (times above it are ``inf``).
    provenance
        Per mode: the network's provenance.
    """

    cell_ids: tuple[str, ...]
    site_ids: tuple[str, ...]
    by_mode: Mapping[str, np.ndarray]
    by_group: Mapping[str, np.ndarray]
    kind: str
    snapping: Mapping[str, Mapping[str, Any]]
    limit_minutes: float | None = None
    provenance: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_cells, n_sites)``."""
        return len(self.cell_ids), len(self.site_ids)

    def for_group(self, group_id: str) -> np.ndarray:
        """Return the expected-minutes matrix of one customer group.

        Parameters
        ----------
        group_id
            The group's id.

        Returns
        -------
        numpy.ndarray
            float32 ``(n_cells, n_sites)``, read-only.
        """
        try:
            return self.by_group[group_id]
        except KeyError:
            msg = f"no travel times for customer group {group_id!r} (have {sorted(self.by_group)})"
            raise InputError(
                msg, field="group", fix="pass the group to travel_times(groups=...)"
            ) from None

    def for_mode(self, mode: Mode | str) -> np.ndarray:
        """Return the minutes matrix of one mode.

        Parameters
        ----------
        mode
            The travel mode, any case.

        Returns
        -------
        numpy.ndarray
            float32 ``(n_cells, n_sites)``, read-only.
        """
        key = Mode.parse(mode).value
        try:
            return self.by_mode[key]
        except KeyError:
            msg = f"no travel times for mode {key!r} (have {sorted(self.by_mode)})"
            raise InputError(msg, field="mode", fix="load a network for that mode") from None


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
) -> TravelTimes:
    """Compute cells x sites journey times for every mode and customer group.

    Parameters
    ----------
    networks
        Mode → loaded network (see :func:`gateway_planner.network.load_graph`).
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
    )
    cell_ids, cell_xy, crs = _points(cells, what="cells")
    site_ids, site_xy, _ = _points(sites, what="sites", to_crs=crs)
    groups = list(groups or [])
    mixes = _check_groups(groups, by_key)
    _check_budget(len(cell_ids), len(site_ids), len(by_key) + len(groups))

    by_mode: dict[str, np.ndarray] = {}
    snapping: dict[str, dict[str, Any]] = {}
    for key, network in by_key.items():
        routing: RoutingGraph = network.routing
        cell_snap = snap_points(routing, cell_xy, crs=crs, max_snap_m=max_snap_m)
        site_snap = snap_points(routing, site_xy, crs=crs, max_snap_m=max_snap_m)
        _warn_unsnapped(key, cell_snap, site_snap, max_snap_m=max_snap_m)
        matrix = _mode_matrix(
            routing,
            cell_snap,
            site_snap,
            walk_speed_kmh=walk_speed_kmh,
            limit_minutes=limit_minutes,
            workers=workers,
        )
        matrix.flags.writeable = False
        by_mode[key] = matrix
        snapping[key] = snap_summary(
            routing,
            cell_snap,
            site_snap,
            cell_ids=cell_ids,
            site_ids=site_ids,
            max_snap_m=max_snap_m,
        )
        reached = np.isfinite(matrix)
        logger.info(
            "%s: %d cells x %d sites on %d nodes; %.1f%% of pairs reachable; "
            "%d cells and %d sites off the network",
            key,
            len(cell_ids),
            len(site_ids),
            routing.n_nodes,
            100.0 * reached.mean() if reached.size else 0.0,
            snapping[key]["cells_unreachable"],
            snapping[key]["sites_unreachable"],
        )

    by_group = {gid: _expected(mix, by_mode) for gid, mix in mixes.items()}
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
    )


def _check_networks(networks: Mapping[Mode | str, Network]) -> dict[str, Network]:
    if not networks:
        msg = "no network given"
        raise InputError(msg, field="networks", fix="load at least one network with load_graph")
    out: dict[str, Network] = {}
    for key, network in networks.items():
        mode = Mode.parse(key, field="networks")
        if not isinstance(network, Network):
            msg = f"the {mode.value} network is a {type(network).__name__}, not a Network"
            raise InputError(msg, field=f"networks.{mode.value}", fix="build it with load_graph")
        if network.mode != mode:
            msg = f"the network given for {mode.value} was built for {network.mode.value}"
            raise InputError(
                msg, field=f"networks.{mode.value}", fix=f"load it with mode={mode.value!r}"
            )
        out[mode.value] = network
    return dict(sorted(out.items()))


def _check_options(
    *, limit_minutes: float | None, walk_speed_kmh: float, max_snap_m: float, workers: int
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


def _check_budget(n_cells: int, n_sites: int, n_matrices: int) -> None:
    need = n_cells * n_sites * 4 * max(n_matrices, 1)
    if need > settings.dense_budget_bytes:
        logger.warning(
            "dense travel-time matrices need %.0f MB (budget %.0f MB in "
            "gateway_planner.settings.dense_budget_bytes); computing them anyway",
            need / 1e6,
            settings.dense_budget_bytes / 1e6,
        )


def _warn_unsnapped(mode: str, cells: Snap, sites: Snap, *, max_snap_m: float) -> None:
    for what, snap in (("cells", cells), ("sites", sites)):
        far = int((~snap.snapped).sum())
        if not far:
            continue
        outside = int(snap.outside.sum())
        msg = (
            f"{mode}: {far:,} of {snap.snapped.size:,} {what} are more than {max_snap_m:,.0f} m "
            f"from the {mode} network ({outside:,} outside its extent); their travel times "
            "are inf"
        )
        warnings.warn(msg, GatewayPlannerWarning, stacklevel=4)


def _mode_matrix(
    routing: RoutingGraph,
    cells: Snap,
    sites: Snap,
    *,
    walk_speed_kmh: float,
    limit_minutes: float | None,
    workers: int = 1,
) -> np.ndarray:
    """float32 minutes ``(n_cells, n_sites)`` for one mode."""
    walk_mps = walk_speed_kmh / 3.6
    n_cells, n_sites = cells.node.size, sites.node.size
    out = np.full((n_cells, n_sites), np.inf, dtype=np.float32)
    ok_cells = np.flatnonzero(cells.snapped)
    ok_sites = np.flatnonzero(sites.snapped)
    if ok_cells.size == 0 or ok_sites.size == 0:
        return out
    # float32 throughout, in place: the result is float32 and a float32 ulp at an hour is 0.2 ms
    access = (cells.distance_m[ok_cells] / walk_mps / 60.0).astype(np.float32)
    egress = (sites.distance_m[ok_sites] / walk_mps / 60.0).astype(np.float32)
    sources, inverse = np.unique(sites.node[ok_sites], return_inverse=True)
    all_cells = ok_cells.size == n_cells
    limit_s = None if limit_minutes is None else limit_minutes * 60.0
    per_second = np.float32(1.0 / 60.0)
    for start, rows in shortest_times(
        routing, sources, cells.node[ok_cells], limit_seconds=limit_s, workers=workers
    ):
        in_block = (inverse >= start) & (inverse < start + rows.shape[0])
        local = inverse[in_block] - start
        if local.size == rows.shape[0]:  # each node one site: reorder columns, not rows
            order = np.argsort(local, kind="stable")
            in_block = np.flatnonzero(in_block)[order]
            minutes = rows  # ours to modify
        else:
            minutes = rows[local]  # one row per site (sites sharing a node repeat it)
        minutes *= per_second
        minutes += egress[in_block][:, None]
        minutes += access[None, :]
        if limit_minutes is not None:
            minutes[minutes > limit_minutes] = np.inf
        columns = ok_sites[in_block]
        if all_cells:
            out[:, columns] = minutes.T
        else:
            out[np.ix_(ok_cells, columns)] = minutes.T
    return out


def _expected(mix: Mapping[str, float], by_mode: Mapping[str, np.ndarray]) -> np.ndarray:
    """Return expected minutes over a mode mix (float64 sums in row chunks, float32 result)."""
    if len(mix) == 1 and math.isclose(next(iter(mix.values())), 1.0):
        return by_mode[next(iter(mix))]
    first = next(iter(by_mode.values()))
    out = np.empty(first.shape, dtype=np.float32)
    if not mix:
        out.fill(np.inf)
    for lo in range(0, first.shape[0], _ROWS_PER_CHUNK):
        hi = min(lo + _ROWS_PER_CHUNK, first.shape[0])
        acc = np.zeros((hi - lo, first.shape[1]), dtype=np.float64)
        for key, share in mix.items():
            acc += share * by_mode[key][lo:hi].astype(np.float64)
        if mix:
            out[lo:hi] = acc
    out.flags.writeable = False
    return out
