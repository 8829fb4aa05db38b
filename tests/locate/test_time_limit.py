"""Time limits are honoured whatever the machine's load: every model, given a problem far too
hard for its limit, returns within ``time_limit + max(1 s, 10 %)`` with the best solution and
bound it found, and says that the clock stopped it.

The instances are OR-Library-like graphs (Beasley 1990: a ring through every vertex, then random
edges, lengths 1-100; 700 vertices), drawn from a seed. The elapsed wall time is measured here
because the promise is about wall time; the margin is the promised allowance (1 s at a 2 s
limit) plus 0.5 s for the test's own process to be scheduled on a loaded 2-core machine (the
solve itself is timed from ``LocationModel.solve``, after the problem is checked and prepared).
"""

import time

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from gateway_planner.errors import SolverError
from gateway_planner.locate import MODEL_CLASSES, Problem

LIMIT = 2.0
SCHEDULING = 0.5


@pytest.fixture(scope="module")
def graph() -> tuple[np.ndarray, np.ndarray]:
    """Shortest-path minutes of a 700-vertex OR-Library-like graph, and visits per vertex."""
    rng = np.random.default_rng(17)
    n = 700
    m = n * n // 50
    a = np.concatenate([np.arange(n), rng.integers(0, n, m - n)])
    b = np.concatenate([(np.arange(n) + 1) % n, rng.integers(0, n, m - n)])
    keep = a != b
    length = rng.integers(1, 101, m).astype(np.float64)
    adjacency = sp.csr_array((length[keep], (a[keep], b[keep])), shape=(n, n))
    minutes = shortest_path(adjacency, method="D", directed=False)
    return minutes, rng.integers(1, 10, n).astype(np.float64)


CASES = {
    "pmedian": ("pmedian", {"p": 20}),
    "capacitated": ("pmedian", {"p": 10, "capacity_slack": 1.2}),
    "max_coverage": ("max_coverage", {"p": 10, "limit": 20.0}),
    "set_cover": ("set_cover", {"limit": 12.0, "coverage_share": 0.9}),
    "pcenter": ("pcenter", {"p": 10, "weighted_center": True}),
    "max_attendance": ("max_attendance", {"p": 10, "decay": "exponential", "decay_beta": 0.05}),
}


#: the capacitated p-median finds no capacitated solution in 2 s on this instance and raises
#: SolverError (locate/_capacity.py, being reworked on its own branch): it returns in time, but
#: without the best solution so far. Strict, so that the fix shows here.
CAPACITATED_GAP = pytest.mark.xfail(
    raises=SolverError, strict=True, reason="capacitated p-median: no solution within 2 s"
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=CAPACITATED_GAP) if c == "capacitated" else c for c in CASES],
)
def test_every_model_returns_within_its_time_limit(graph, case):
    minutes, visits = graph
    model, fields = CASES[case]
    fields = dict(fields)
    slack = fields.pop("capacity_slack", None)
    if slack is not None:
        fields["capacities"] = np.full(visits.size, slack * visits.sum() / fields["p"])
    problem = Problem(
        weights=visits,
        costs=minutes,
        site_ids=tuple(str(j) for j in range(visits.size)),
        **fields,
    )
    solver = MODEL_CLASSES[model].from_problem(problem)
    t0 = time.perf_counter()
    try:
        sol = solver.solve(method="exact", time_limit=LIMIT)
    finally:
        elapsed = time.perf_counter() - t0
    assert elapsed <= LIMIT + max(1.0, 0.1 * LIMIT) + SCHEDULING, f"{case}: {elapsed:.2f} s"
    assert sol.status == "time_limit"
    assert sol.open_index.size > 0
    if model in ("max_coverage", "max_attendance"):
        assert sol.bound >= sol.objective
    else:
        assert sol.bound <= sol.objective
    assert sol.gap == pytest.approx(abs(sol.objective - sol.bound) / abs(sol.objective))
