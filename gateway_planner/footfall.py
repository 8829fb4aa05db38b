"""Calibration to observed footfall: the visit rates (and the decay) fitted to counted visits.

A scenario's ``[calibration]`` table gives the face-to-face visits a month observed at existing
sites::

    [calibration]
    observed_visits_per_month = { "sheerness-gateway" = 11000 }
    period = "2011"

The modelled visits a month at a site are the visits made there with today's sites open (each
group's visits, after its decay with journey time, at the site its mix of modes reaches first,
:func:`gateway_planner.evaluate.site_visits_made`). One multiplier ``k`` of every group's visit
rate scales them all: with one observation it is ``observed / modelled``, exactly; with two or
more it minimises the squared relative residuals, and (``fit_decay``, when a group has a decay)
a common scale ``s`` of every group's decay parameter ``beta`` is fitted with it (bounded
one-dimensional search over ``log s``, ``k`` in closed form at each ``s``).

The fitted run uses the calibrated rates everywhere (weights, problem, evaluation). A groups file
can store a multiplier (its ``[calibration]`` table) so that other areas use the same rates
without observations of their own; :func:`calibration_note` says which applies.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

from .config import Scenario
from .contracts import Area
from .errors import InputError
from .evaluate import site_visits_made
from .groups import CustomerGroup
from .network import TravelTimes

__all__ = ["Calibration", "calibrate", "calibration_note"]

_FIELD = "calibration.observed_visits_per_month"
#: the bounds of the decay scale's search (beta from a twentieth to twenty times the file's)
_SCALE_BOUNDS = (math.log(0.05), math.log(20.0))


@dataclass(frozen=True)
class Calibration:
    """A fit of the visit rates (and decay) to observed footfall.

    Attributes
    ----------
    multiplier
        Multiplier of every group's visit rate fitted in this run (on top of the groups
        file's own ``rate_multiplier``).
    decay_scale
        Common multiplier of every group's decay ``beta`` (None: not fitted).
    observed, modelled
        Visits a month by site id: observed, and modelled with the fitted rates.
    period
        When the observations were made (free text).
    source
        Where the observations come from (free text).
    at_bound
        The decay scale's search stopped at a bound (1/20 or 20): the observations ask for a
        decay outside that range, or cannot be matched by scaling it.
    groups
        The groups as loaded, before this fit (a reused run starts again from them).
    """

    multiplier: float
    decay_scale: float | None
    observed: Mapping[str, float]
    modelled: Mapping[str, float]
    period: str
    groups: tuple[CustomerGroup, ...]
    source: str = ""
    at_bound: bool = False

    def to_dict(self, groups: Sequence[CustomerGroup]) -> dict[str, Any]:
        """Return what ``summary.json`` records of the fit (``groups``: the calibrated ones)."""
        total = groups[0].rate_multiplier if groups else self.multiplier
        stored = self.groups[0].rate_multiplier if self.groups else 1.0
        return {
            "fitted": True,
            "period": self.period,
            "source": self.source,
            "visit_rate_multiplier": total,
            "fitted_in_this_run": self.multiplier,
            "stored_multiplier": stored,
            "decay_scale": self.decay_scale,
            "decay_fitted": self.decay_scale is not None,
            "decay_scale_at_bound": self.at_bound,
            "sites": {
                sid: {
                    "observed_per_month": obs,
                    "modelled_per_month": self.modelled[sid],
                    "residual": self.modelled[sid] - obs,
                    "residual_pct": 100.0 * (self.modelled[sid] - obs) / obs,
                }
                for sid, obs in self.observed.items()
            },
            "note": (
                f"visit rates x {total:.4g} (all groups) so that the modelled visits a month at "
                f"{', '.join(self.observed)} match those observed"
                + (f" ({self.period})" if self.period else "")
                + ("" if len(self.observed) < 2 else " (least squares of relative residuals)")
                + ("" if self.decay_scale is None else f", decays' beta x {self.decay_scale:.3g}")
                + (" (at the search's bound)" if self.at_bound else "")
                + (f"; observations: {self.source}" if self.source else "")
            ),
        }


def _check_sites(scenario: Scenario, area: Area, observed: Mapping[str, float]) -> None:
    """Refuse an observation for an unknown site or for a site that is not an existing one."""
    file = scenario.source_path
    existing = set(area.existing)
    unknown = [s for s in observed if s not in area.sites.index]
    if unknown:
        msg = f"observed visits for unknown site(s) {unknown}"
        fix = f"use ids of the existing sites: {', '.join(area.existing)}"
        raise InputError(msg, file=file, field=_FIELD, fix=fix)
    closed = [s for s in observed if s not in existing]
    if closed:
        msg = f"observed visits for site(s) {closed}, which are candidates, not existing sites"
        fix = f"observe existing sites only: {', '.join(area.existing)}"
        raise InputError(msg, file=file, field=_FIELD, fix=fix)


def _scaled(groups: Sequence[CustomerGroup], scale: float) -> list[CustomerGroup]:
    """Return the groups with every decay's beta multiplied by ``scale``."""
    return [g if g.decay is None else replace(g, decay=g.decay.scaled(scale)) for g in groups]


def _multiplier(modelled: np.ndarray, observed: np.ndarray) -> float:
    """Return the multiplier of least squared relative residuals (``observed / modelled`` for one)."""
    r = modelled / observed
    return float(r.sum() / (r * r).sum())


def calibrate(
    scenario: Scenario, area: Area, weights: np.ndarray, times: TravelTimes
) -> tuple[Calibration, Area, np.ndarray]:
    """Fit the scenario's ``[calibration]``; return the fit, the calibrated area and weights.

    Parameters
    ----------
    scenario
        The run's scenario (its ``[calibration]`` table must be set).
    area
        The study area (its groups as loaded).
    weights
        Face-to-face visits per year, (n_cells, n_groups), from the area's groups.
    times
        The run's travel times.

    Returns
    -------
    tuple of (Calibration, Area, numpy.ndarray)
        The fit; the area whose groups carry the calibrated rate multiplier (and scaled decay);
        the weights times the fitted multiplier.

    Raises
    ------
    InputError
        For an observation of an unknown site or of a candidate, or of a site that serves
        nobody (no modelled visit to fit).
    """
    cal = scenario.calibration
    assert cal is not None
    observed = dict(cal.observed_visits_per_month)
    _check_sites(scenario, area, observed)
    site_ids = [str(s) for s in area.sites.index]
    open_idx = np.array([site_ids.index(s) for s in area.existing], dtype=np.int64)
    at = np.array([list(area.existing).index(s) for s in observed], dtype=np.int64)
    obs = np.array(list(observed.values()), dtype=np.float64)
    by_group = {g.id: times.for_group(g.id) for g in area.groups}

    def monthly(scale: float) -> np.ndarray:
        made = site_visits_made(_scaled(area.groups, scale), weights, by_group, open_idx)
        return np.asarray(made[at] / 12.0, dtype=np.float64)

    base = monthly(1.0)
    nobody = [s for s, v in zip(observed, base, strict=True) if not v > 0]
    if nobody:
        msg = f"site(s) {nobody} serve nobody in the model (0 visits a month): nothing to fit"
        fix = "observe sites that serve some cells, or check the sites' positions and the network"
        raise InputError(msg, file=scenario.source_path, field=_FIELD, fix=fix)
    scale: float | None = None
    fit_decay = cal.fit_decay and len(obs) >= 2 and any(g.decay is not None for g in area.groups)
    if fit_decay:

        def loss(log_s: float) -> float:
            m = monthly(math.exp(log_s))
            if not (m > 0).all():
                return float("inf")
            k = _multiplier(m, obs)
            return float((((k * m - obs) / obs) ** 2).sum())

        best = minimize_scalar(loss, bounds=_SCALE_BOUNDS, method="bounded")
        scale = math.exp(float(best.x))
        base = monthly(scale)
    k = _multiplier(base, obs)
    groups = _scaled(area.groups, 1.0 if scale is None else scale)
    groups = [
        replace(g, rate_multiplier=g.rate_multiplier * k, rate_source=_source(cal)) for g in groups
    ]
    fit = Calibration(
        multiplier=k,
        decay_scale=scale,
        observed=observed,
        modelled={s: float(k * v) for s, v in zip(observed, base, strict=True)},
        period=cal.period,
        groups=tuple(area.groups),
        source=cal.source,
        at_bound=scale is not None and min(abs(math.log(scale) - b) for b in _SCALE_BOUNDS) < 1e-3,
    )
    return fit, replace(area, groups=groups), weights * k


def _source(cal: Any) -> str:
    """Say where a run's fitted multiplier comes from."""
    sites = ", ".join(f"{s} = {v:,.0f}" for s, v in cal.observed_visits_per_month.items())
    period = f" ({cal.period})" if cal.period else ""
    return f"fitted in this run to the observed visits a month {sites}{period}"


def calibration_note(
    groups: Sequence[CustomerGroup], fit: Calibration | None
) -> dict[str, Any] | None:
    """Return ``summary.json``'s ``calibration``: the run's fit, the stored multiplier, or None.

    Parameters
    ----------
    groups
        The run's groups (calibrated when the run fitted them).
    fit
        The run's fit, or None when the scenario has no ``[calibration]``.

    Returns
    -------
    dict or None
        The fit (:meth:`Calibration.to_dict`); without one, when the groups file stores a
        multiplier, ``fitted`` false with the multiplier and its source (the rates come from
        another area's footfall); None when the rates are uncalibrated.
    """
    if fit is not None:
        return fit.to_dict(groups)
    stored = {g.rate_multiplier for g in groups}
    if stored == {1.0} or not groups:
        return None
    first = groups[0]
    return {
        "fitted": False,
        "visit_rate_multiplier": first.rate_multiplier if len(stored) == 1 else None,
        "source": first.rate_source,
        "note": (
            f"visit rates x {first.rate_multiplier:.4g} (all groups) as stored in the groups "
            f"file: {first.rate_source}; not calibrated on this area's own footfall, its visits "
            "follow from the same customer groups and rates"
        ),
    }
