"""The text of the proxy-network parameter files: the pilot areas' and the calibration region's.

Numbers are written with fixed formats (speeds to 0.1 km/h, fit figures to three decimals), so a
rebuild reproduces the files byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._grid import toml_value
from ._params import (
    ASSUMED_DETOUR_FACTOR,
    ASSUMED_DRIVE_SPEEDS_KMH,
    PROXY_HEAD,
    PROXY_LINKS,
    PROXY_SOURCES,
)

__all__ = ["calibration_text", "proxy_text", "region_proxy_toml"]

#: keys of a [calibration.before] / [calibration.after] table, in writing order
FIGURES = ("median_ratio", "spearman", "within_25pct")


def _speeds(speeds: Mapping[str, float]) -> str:
    return "\n".join(f"{name} = {toml_value(round(float(v), 1))}" for name, v in speeds.items())


def proxy_text(
    area: str,
    *,
    detour_factor: float,
    speeds: Mapping[str, float],
    calibration: Mapping[str, Any] | None = None,
) -> str:
    """Return a ``proxy_network.toml`` text.

    Parameters
    ----------
    area
        ``"swale"``, ``"saint-omer"`` or ``"region"`` (the calibration region).
    detour_factor, speeds
        The parameters written (speeds by density class, km/h).
    calibration
        The fit (:meth:`~gateway_planner.pilot.calibration.ProxyFit.as_dict`) written as the
        ``[calibration]`` table; None writes none.

    Returns
    -------
    str
        The file's text.
    """
    source, note = PROXY_SOURCES[area]
    head = PROXY_HEAD.format(
        note=note,
        source=toml_value(source),
        detour_factor=toml_value(round(float(detour_factor), 3)),
        speeds=_speeds(speeds),
    )
    text = head + PROXY_LINKS[area]
    return text if calibration is None else text + calibration_text(calibration)


def region_proxy_toml() -> str:
    """Return the calibration region's parameter text: the assumed speeds and its crossings."""
    return proxy_text(
        "region", detour_factor=ASSUMED_DETOUR_FACTOR, speeds=ASSUMED_DRIVE_SPEEDS_KMH
    )


def calibration_text(fit: Mapping[str, Any]) -> str:
    """Return the ``[calibration]`` table of a fit (see :mod:`gateway_planner.pilot.calibration`).

    Parameters
    ----------
    fit
        ``reference``, ``region``, ``pairs``, ``selection``, ``method`` and the ``before`` and
        ``after`` figures (``detour_factor``, ``drive_speed_kmh``, ``median_ratio``,
        ``spearman``, ``within_25pct``).

    Returns
    -------
    str
        The table's text, with a blank line and a comment before it.
    """
    lines = [
        "",
        "# How the drive speeds were fitted (python -m gateway_planner.calibrate; data/README.md):",
        "# the proxy built over the region below against the reference's road times, with the",
        "# speeds assumed until then (before) and with the fitted ones (after). median_ratio is",
        "# proxy / reference, spearman the rank correlation, within_25pct the share of pairs whose",
        "# proxy time is within 25 % of the reference.",
        "[calibration]",
        *[f"{key} = {toml_value(fit[key])}" for key in ("reference", "region")],
        f"pairs = {int(fit['pairs'])}",
        *[f"{key} = {toml_value(fit[key])}" for key in ("selection", "method")],
    ]
    for side in ("before", "after"):
        figures = fit[side]
        speeds = ", ".join(
            f"{name} = {toml_value(round(float(v), 1))}"
            for name, v in figures["drive_speed_kmh"].items()
        )
        lines += [
            "",
            f"[calibration.{side}]",
            f"detour_factor = {toml_value(round(float(figures['detour_factor']), 3))}",
            f"drive_speed_kmh = {{ {speeds} }}",
            *[f"{key} = {float(figures[key]):.3f}" for key in FIGURES],
        ]
    return "\n".join(lines) + "\n"
