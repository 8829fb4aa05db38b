"""The what-if part of a map page's payload: packed times, visits, sites, presets, labels.

The browser (``_static/whatif_eval.js``) unpacks it and re-runs the evaluation for whatever sites
are switched on (see ``_whatif_codec`` for the format and what is exact).
"""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..contracts import MODE_ORDER, THRESHOLDS
from ..errors import InputError
from ._labels import mode_label
from ._view import ScenarioView
from ._whatif_codec import (
    UNIT,
    Packed,
    dense_minutes,
    hundredths,
    mix_prediction,
    mode_weights,
    tie_ranks,
)
from .whatif import MAX_PAIRS, Preset, WhatIf

__all__ = ["BANDS", "BAND_COLOURS", "BASE_MODES", "all_site_colours", "whatif_payload"]

logger = logging.getLogger(__name__)

#: the reach bands drawn around the open sites (minutes)
BANDS: tuple[int, ...] = (15, 30, 45)
#: their colours, nearest first
BAND_COLOURS: tuple[str, ...] = ("#1a9850", "#91cf60", "#d9ef8b")


def all_site_colours(
    sites: Sequence[str], colours: Mapping[str, str], palette: Sequence[str]
) -> list[str]:
    """Give every site a catchment colour: the map's own where it has one, else the next."""
    out, k = [], len(colours)
    for sid in sites:
        if sid in colours:
            out.append(colours[sid])
        else:
            out.append(palette[k % len(palette)])
            k += 1
    return out


def _zigzag_plus_one(residual: np.ndarray, reach: np.ndarray) -> np.ndarray:
    codes: np.ndarray = np.where(reach, ((residual << 1) ^ (residual >> 63)) + 1, 0)
    return codes


def _check(view: ScenarioView, what_if: WhatIf) -> None:
    n_cells, n_sites = len(view.proposed.cells), len(view.proposed.sites)
    groups = [g.id for g in view.groups]
    problems = []
    missing = [g for g in groups if g not in what_if.times]
    if missing:
        problems.append(f"no travel times for groups {missing}")
    shapes = {m.shape for m in (*what_if.times.values(), *what_if.by_mode.values())}
    if shapes - {(n_cells, n_sites)}:
        problems.append(f"travel times of shape {sorted(shapes)}, not {(n_cells, n_sites)}")
    if what_if.weights.shape != (n_cells, len(groups)):
        problems.append(f"weights of shape {what_if.weights.shape}, not {(n_cells, len(groups))}")
    if problems:
        raise InputError(
            "; ".join(problems), field="what_if", fix="pass the what-if data of the same run"
        )


def _modes(what_if: WhatIf) -> list[str]:
    order = {m: k for k, m in enumerate(MODE_ORDER)}
    return sorted(what_if.by_mode, key=lambda m: (order.get(m, len(order)), m))


#: a mode whose minutes are written as the time they save over another mode's (the bus is
#: walking where that is faster, so most of its journeys save nothing over walking)
BASE_MODES = {"bus": "walk"}


def _base(modes: Sequence[str], m: str, q: np.ndarray, mode_q: Sequence[np.ndarray]) -> int | None:
    """Return the position of the mode that ``m`` is written against (None: on its own).

    That mode is packed before ``m`` and reaches every pair ``m`` reaches.
    """
    base = BASE_MODES.get(m)
    if base is None or base not in modes or modes.index(base) >= len(mode_q):
        return None
    k = modes.index(base)
    return k if bool(np.all(mode_q[k][q >= 0] >= 0)) else None


def _pack(view: ScenarioView, what_if: WhatIf, modes: Sequence[str]) -> tuple[Packed, int]:
    """Pack visits, people, each mode's and each group's minutes and the groups' tie ranks."""
    packed = Packed()
    packed.add_floats("weights", what_if.weights)
    packed.add_floats("people", what_if.people)
    mode_q: list[np.ndarray] = []
    for k, m in enumerate(modes):
        q = hundredths(dense_minutes(what_if.by_mode[m]))
        base = _base(modes, m, q, mode_q)
        if base is None:
            packed.add_codes(f"mode:{m}", q + 1, delta=True, mode=k)
        else:
            saved = _zigzag_plus_one(mode_q[base] - q, q >= 0)
            packed.add_codes(f"mode:{m}", saved, delta=False, mode=k, base=base)
        mode_q.append(q)
    tie_base = 1
    for k, g in enumerate(view.groups):
        exact = dense_minutes(what_if.times[g.id])
        q = hundredths(exact)
        weights = mode_weights(g.modes, modes)
        predict = any(weights)
        guess = mix_prediction(mode_q, weights) if predict else np.zeros_like(q)
        packed.add_codes(
            f"group:{g.id}",
            _zigzag_plus_one(q - guess, q >= 0),
            delta=not predict,
            group=k,
            predict=weights if predict else None,
        )
        ties = tie_ranks(exact, q)
        tie_base = max(tie_base, int(ties.max(initial=0)) + 1)
        packed.add_codes(f"ties:{g.id}", ties, delta=False, group=k)
    return packed, tie_base


def _presets(view: ScenarioView, what_if: WhatIf, pos: Mapping[str, int]) -> list[dict[str, Any]]:
    presets = [
        Preset("Today", view.current.open_sites),
        Preset("Proposal", view.proposed.open_sites),
        *what_if.alternatives,
    ]
    keys = ["today", "proposal"] + [f"alternative-{k}" for k in range(1, len(presets) - 1)]
    out = []
    for key, preset in zip(keys, presets, strict=True):
        unknown = [s for s in preset.open_sites if s not in pos]
        if unknown:
            msg = f"preset {preset.label!r} opens sites {unknown} that are not among the sites"
            raise InputError(msg, field="what_if.alternatives", fix="name sites of the run")
        opened = sorted(pos[s] for s in preset.open_sites)
        out.append({"key": key, "label_html": html.escape(preset.label), "open": opened})
    return out


def _number(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def whatif_payload(
    view: ScenarioView, colours: Mapping[str, str], palette: Sequence[str]
) -> dict[str, Any] | None:
    """Return what the page needs to re-evaluate any set of open sites (None without data).

    Parameters
    ----------
    view
        The scenario with its :class:`~gateway_planner.report.WhatIf` (``view.what_if``).
    colours
        Catchment colour of the sites open today or with the proposal.
    palette
        Colours the other sites take in turn.

    Returns
    -------
    dict or None
        JSON-ready; None when the view has no what-if data or the run is too large for a page
        (more than :data:`~gateway_planner.report.whatif.MAX_PAIRS` cell-site pairs).
    """
    what_if = view.what_if
    if what_if is None:
        return None
    _check(view, what_if)
    if what_if.pairs > MAX_PAIRS:
        logger.warning(
            "%r: %d cell-site pairs, more than the %d a what-if map carries: the map has no "
            "site switches",
            view.title,
            what_if.pairs,
            MAX_PAIRS,
        )
        return None
    sites = view.proposed.sites
    ids = [str(s) for s in sites.index]
    pos = {s: k for k, s in enumerate(ids)}
    modes = _modes(what_if)
    packed, tie_base = _pack(view, what_if, modes)
    capacity = sites["capacity"] if "capacity" in sites.columns else None
    statuses = sites["status"].astype(str)
    tolerance = what_if.ride_tolerance
    return {
        "cells": len(view.proposed.cells),
        "sites": len(ids),
        "unit": UNIT,
        "tie_base": tie_base,
        "thresholds": list(THRESHOLDS),
        "bands": list(BANDS),
        "band_colours": list(BAND_COLOURS),
        "groups": [[float(g.modes.get(m, 0.0)) for m in modes] for g in view.groups],
        # each group's decay of visits with journey time (evaluate's visits made), or None
        "decays": [
            None
            if g.decay is None
            else {
                "form": g.decay.form,
                "beta": float(g.decay.beta),
                "t0": None if g.decay.t0 is None else float(g.decay.t0),
                "cutoff": None if g.decay.cutoff is None else float(g.decay.cutoff),
            }
            for g in view.groups
        ],
        "modes": [{"key": m, "label_html": html.escape(mode_label(m, phrase=True))} for m in modes],
        "ride": (
            {"bus": modes.index("bus"), "walk": modes.index("walk"), "tolerance": tolerance}
            if {"bus", "walk"} <= set(modes)
            else None
        ),
        "existing": [k for k, s in enumerate(statuses) if s in {"existing", "closed"}],
        "capacity": [
            None if capacity is None else _number(capacity.iloc[k]) for k in range(len(ids))
        ],
        "observed": [_number(what_if.observed.get(s)) for s in ids],
        "colours": all_site_colours(ids, colours, palette),
        "presets": _presets(view, what_if, pos),
        "arrays": packed.layout,
        "data": packed.encoded(),
    }
