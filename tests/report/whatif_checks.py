"""Compare what a what-if map computed in the browser with gateway_planner.evaluate's figures.

The browser's report (``gp.whatif.report()``) gives, for the sites switched on: the figures of
all groups, each open site's visits, people, mean journey and load, each cell's main site and
mean journey, each cell's site per group, and the figures and cell journeys by mode.

Tolerances: the issue asks for 0.05 minutes and 0.05 percentage points; the page carries
journeys in hundredths of a minute rounded up, so minutes agree within 0.01 (checked at
``MINUTES``) and the shares within a number of minutes are exact (checked at ``SHARES``).
"""

import math

import numpy as np

from gateway_planner.contracts import ALL

#: minutes: the page's journeys are whole hundredths rounded up (plus float slop)
MINUTES = 0.0101
#: shares within 10 / 15 / 20 / 30 minutes (percent): exact but for the order of the sums
SHARES = 1e-6
#: the Gini (unitless) of journeys each longer by 0 to 0.01 minute: G = D / (2 W^2 mean) with
#: D = sum w_i w_j |x_i - x_j| moves by at most 0.01 W^2 and the mean by at most 0.01, so G
#: moves by at most 0.01 (0.5 + G) / mean (see gini_tolerance); this is the floor of it
GINI = 1e-4
#: the share of bus journeys boarding a bus compares bus and walk times within 0.01 minute
RIDING = 0.05


#: visits made (relative): a group's decay at a journey longer by up to 0.01 minute keeps a
#: share smaller by at most beta x 0.01 (2.3e-4 at the pilots' steepest, half lost at 30 min)
MADE = 5e-4
#: the figures that count visits made (after the groups' decays); visits lost (visits - made)
#: are compared within MADE x the visits
MADE_KEYS = frozenset({"visits_made", "visits_per_month", "load_pct"})


def tolerance(key):
    """Absolute tolerance of a figure (counts of people and visits: 1e-9 relative)."""
    if key == "gini":
        return GINI
    if key == "pct_riding":
        return RIDING
    if key == "pct_lost":  # 100 x MADE at most
        return 100 * MADE
    if key.startswith("pct_"):
        return SHARES
    if key.endswith("minutes"):
        return MINUTES
    return None


def gini_tolerance(gini, mean_minutes):
    """How far the Gini of journeys rounded up to 0.01 minute may lie from the exact one."""
    if not (math.isfinite(gini) and math.isfinite(mean_minutes) and mean_minutes > 0):
        return GINI
    return max(GINI, MINUTES * (0.5 + gini) / mean_minutes)


def close(key, browser, python, tol=None, visits=None):
    """Whether the browser's figure equals Python's within the figure's tolerance.

    ``visits``: the visits the figure is of (visits lost are compared within MADE x visits).
    """
    python = float(python)
    if browser is None:
        return not math.isfinite(python)
    if key == "visits_lost":
        return abs(browser - python) <= MADE * float(visits) + 1e-6
    if key in MADE_KEYS:
        return math.isclose(browser, python, rel_tol=MADE, abs_tol=1e-6)
    tol = tolerance(key) if tol is None else tol
    if tol is None:
        return math.isclose(browser, python, rel_tol=1e-9, abs_tol=1e-6)
    return abs(browser - python) <= tol


def differences(report, evaluation, groups):
    """Every figure of ``report`` that differs from ``evaluation``'s, as readable lines."""
    bad = []
    row = evaluation.groups.loc[ALL].drop("name")
    gini = gini_tolerance(float(row["gini"]), float(row["mean_minutes"]))
    for key, value in row.items():
        tol = gini if key == "gini" else None
        if not close(key, report["all"].get(key), value, tol, visits=row["visits"]):
            bad.append(f"all {key}: browser {report['all'].get(key)} python {value}")
    if sorted(report["open"]) != sorted(evaluation.open_sites):
        bad.append(f"open sites {report['open']} vs {evaluation.open_sites}")
    for sid in evaluation.open_sites:
        site, mine = evaluation.sites.loc[sid], report["sites"].get(sid, {})
        for key in (
            "visits",
            "people",
            "visits_per_month",
            "visits_made",
            "visits_lost",
            "pct_lost",
            "mean_minutes",
            "load_pct",
        ):
            if not close(key, mine.get(key), site[key], visits=site["visits"]):
                bad.append(f"site {sid} {key}: browser {mine.get(key)} python {site[key]}")
    cells = evaluation.cells
    python_sites = [s or None for s in cells["site"]]
    if report["cells"]["site"] != python_sites:
        wrong = sum(a != b for a, b in zip(report["cells"]["site"], python_sites, strict=True))
        bad.append(f"main site of {wrong} cells")
    for gi, g in enumerate(groups):
        mine = [row[gi] for row in report["cells"]["group_sites"]]
        if mine != [s or None for s in cells[f"site__{g.id}"]]:
            bad.append(f"sites of group {g.id}")
    bad += _minutes("cell minutes", report["cells"]["minutes"], cells["minutes"])
    for (group, mode), figures in evaluation.modes.iterrows():
        if group != ALL:
            continue
        for key in ("visits", "mean_minutes", "pct_within_30", "pct_of_visits", "pct_riding"):
            mine = report["modes"][mode].get(key)
            if not close(key, mine, figures[key]):
                bad.append(f"mode {mode} {key}: browser {mine} python {figures[key]}")
    for mode in evaluation.mode_minutes.columns:
        python = evaluation.mode_minutes[mode]
        bad += _minutes(f"{mode} minutes", report["mode_minutes"][mode], python)
    return bad


def _minutes(what, browser, python):
    python = np.asarray(python, dtype=float)
    mine = np.array([np.nan if v is None else v for v in browser], dtype=float)
    finite = np.isfinite(python)
    if not np.array_equal(np.isfinite(mine), finite):
        return [f"{what}: not reachable in the same cells"]
    worst = float(np.max(np.abs(mine[finite] - python[finite]), initial=0.0))
    return [f"{what}: off by {worst}"] if worst > MINUTES else []


def bands(values, limits=(15, 30, 45)):
    """The reach band of each value (index of the first limit it is within; len(limits) past)."""
    out = []
    for v in values:
        k = 0
        while k < len(limits) and not (v is not None and v <= limits[k]):
            k += 1
        out.append(k)
    return out
