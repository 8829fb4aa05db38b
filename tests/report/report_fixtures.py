"""A small synthetic run (3x3 grid near Sheerness, two groups, three sites) for report tests.

Cells are 1 km squares in British National Grid; site A (existing) sits in the south-west cell,
B (a candidate the "solver" opens) in the north-east one, C stays a candidate. B's name and one
group's name are hostile HTML, to prove every page escapes them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gateway_planner.demand import CustomerGroup
from gateway_planner.evaluate import evaluate, group_people
from gateway_planner.report import WhatIf

X0, Y0 = 590_000, 170_000
XSS_SITE = "<script>alert(1)</script>"
XSS_GROUP = "<img src=x onerror=alert(2)>"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _group(
    gid: str, name: str, drive: float, modes: dict[str, float] | None = None
) -> CustomerGroup:
    if modes is None:
        modes = {"drive": drive, "walk": 1.0 - drive} if drive < 1 else {"drive": 1.0}
    return CustomerGroup(
        id=gid,
        name=name,
        description="",
        channels={"face_to_face": 1.0, "phone": 0.0, "web": 0.0},
        visits_per_person_year=1.0,
        modes=modes,
        source="assumed: test",
    )


#: the second group's modes in the run with public transport: on-demand in the top row only
TRANSIT_MIX = {"walk": 0.4, "bus": 0.4, "on_demand": 0.2}


def _transit(steps: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Times by mode and by group of the run with a bus and on-demand transport.

    Car 10 min a step, on foot 10 a step + 5; the bus 5 a step + 12 where that beats walking
    (two steps or more); on-demand 1.3 x the car + 15 min, in the top row (cells 2x) only.
    """
    drive = 10.0 * steps
    walk = drive + 5.0
    bus = np.minimum(walk, 5.0 * steps + 12.0)
    top = np.array([i == 2 for i in range(3) for j in range(3)])[:, None]
    on_demand = np.where(top, 1.3 * drive + 15.0, np.inf)
    mix = TRANSIT_MIX
    served = mix["walk"] * walk + mix["bus"] * bus + mix["on_demand"] * np.where(top, on_demand, 0)
    w = np.where(top, served, (mix["walk"] * walk + mix["bus"] * bus) / (1 - mix["on_demand"]))
    by_mode = {"drive": drive, "walk": walk, "bus": bus, "on_demand": on_demand}
    return by_mode, {"g": drive, "w": w}


def run_inputs(*, x0=X0, y0=Y0, modes=None):
    """Return (cells, sites, groups, weights, times, by_mode) of the synthetic run.

    ``modes``: None evaluates by group only (as before figures by mode); ``"drive_walk"``
    adds the figures by mode of the same run (drivers by car, the second group on foot);
    ``"transit"`` lets the second group travel on foot, by bus and on-demand
    (:data:`TRANSIT_MIX`, :func:`_transit`).
    """
    X0, Y0 = x0, y0  # noqa: N806
    ids = [f"{i}{j}" for i in range(3) for j in range(3)]
    cells = gpd.GeoDataFrame(
        {"population": 100.0, "share__g": 0.75, "share__w": 0.25},
        geometry=[
            shapely.box(X0 + j * 1000, Y0 + i * 1000, X0 + j * 1000 + 1000, Y0 + i * 1000 + 1000)
            for i in range(3)
            for j in range(3)
        ],
        index=ids,
        crs=27700,
    )
    cells.index.name = "cell_id"
    sites = gpd.GeoDataFrame(
        {
            "name": ["Sheerness Gateway & <Co>", XSS_SITE, "Candidate C"],
            "status": ["existing", "candidate", "candidate"],
            "capacity": [40.0, np.nan, np.nan],
        },
        geometry=[
            shapely.Point(X0 + 500, Y0 + 500),
            shapely.Point(X0 + 2500, Y0 + 2500),
            shapely.Point(X0 + 2500, Y0 + 500),
        ],
        index=["A", "B", "C"],
        crs=27700,
    )
    sites.index.name = "site_id"
    steps = np.array(
        [[i + j, 4 - i - j, i + 2 - j] for i in range(3) for j in range(3)], dtype=float
    )
    times = {"g": 10.0 * steps, "w": 10.0 * steps + 5.0}
    groups = [_group("g", "Drivers", 1.0), _group("w", XSS_GROUP, 0.0)]
    by_mode = None
    if modes == "drive_walk":
        by_mode = {"drive": times["g"], "walk": times["w"]}
    elif modes == "transit":
        by_mode, times = _transit(steps)
        groups[1] = _group("w", XSS_GROUP, 0.0, TRANSIT_MIX)
    weights = np.column_stack([np.full(9, 75.0), np.full(9, 25.0)])
    return cells, sites, groups, weights, times, by_mode


def build_run(*, open_sites=("A", "B"), x0=X0, y0=Y0, modes=None):
    """Return (current, proposed, groups, boundary) of the synthetic run (see :func:`run_inputs`)."""
    cells, sites, groups, weights, times, by_mode = run_inputs(x0=x0, y0=y0, modes=modes)
    current = evaluate(cells, sites, groups, weights, times, ["A"], existing=["A"], by_mode=by_mode)
    proposed = evaluate(
        cells, sites, groups, weights, times, list(open_sites), existing=["A"], by_mode=by_mode
    )
    boundary = gpd.GeoDataFrame(
        {"name": ["Test area"]}, geometry=[shapely.box(x0, y0, x0 + 3000, y0 + 3000)], crs=27700
    )
    return current, proposed, groups, boundary


def build_what_if(*, modes=None, alternatives=(), x0=X0, y0=Y0):
    """Return the :class:`WhatIf` of the synthetic run (``alternatives``: presets to offer)."""
    cells, _sites, groups, weights, times, by_mode = run_inputs(x0=x0, y0=y0, modes=modes)
    return WhatIf(
        times=times,
        weights=weights,
        people=group_people(cells, groups, weights),
        by_mode=by_mode or {},
        alternatives=tuple(alternatives),
    )


SUMMARY = {
    "scenario": {"name": "test", "title": "Test scenario"},
    "software": {"gateway_planner": "0.1.0"},
    "network": {"kind": "proxy", "label": "proxy network"},
    "solver": {"solver": "HiGHS", "gap": 0.0, "status": "optimal"},
    "sources": ["Synthetic grid (tests)", "OpenStreetMap contributors"],
    "assumptions": ["Customer groups are assumed"],
}
BANNERS = ("Proxy network: journey times are estimated.", "Assumed data: groups are assumed.")


def chromium_or_skip(playwright=None):
    """Path of a Chromium to drive: Playwright's own download (``playwright install chromium``),
    else the system one; skip when there is none outside CI, fail in CI."""
    candidates = []
    if playwright is not None:
        candidates.append(Path(playwright.chromium.executable_path))
    candidates.append(Path(CHROMIUM))
    if shutil.which("chromium"):
        candidates.append(Path(shutil.which("chromium")))
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("Chromium is not installed but CI=true: install it (make browser)")
    pytest.skip("Chromium is not installed (make browser, or apt-get install chromium)")
    return None
