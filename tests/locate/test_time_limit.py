"""Time limits are honoured whatever the machine's load: every model, given a problem far too
hard for its limit, returns within ``time_limit + max(1 s, 10 %)`` with the best solution and
bound it found, and says that the clock stopped it.

The instances are OR-Library-like graphs (Beasley 1990: a ring through every vertex, then random
edges, lengths 1-100; 700 vertices), drawn from a seed; the p-center, which proves such graphs
optimal in about a second, gets 700 x 700 costs drawn independently (1-999, no triangle
inequality: its covering questions are random set covers, unproven after 20 s), and so do the
p-median and max_attendance, which the p-median engine's Lagrangian tree now proves on the
graph within the limit. The elapsed
wall time is measured here because the promise is about wall time; the margin is the promised
allowance (1 s at a 2 s limit) plus 0.5 s for the test's own process to be scheduled on a loaded
2-core machine (the solve itself is timed from ``LocationModel.solve``, after the problem is
checked and prepared). The other models stay unproven after 10 s on the graph.
"""

import time

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

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


@pytest.fixture(scope="module")
def scattered(graph) -> np.ndarray:
    """700 x 700 minutes drawn independently (not a metric): hard covering questions."""
    return np.random.default_rng(5).integers(1, 1000, graph[0].shape).astype(np.float64)


CASES = {
    "pmedian": ("pmedian", {"p": 10}),
    "capacitated": ("pmedian", {"p": 10, "capacity_slack": 1.2}),
    "max_coverage": ("max_coverage", {"p": 10, "limit": 20.0}),
    "set_cover": ("set_cover", {"limit": 12.0, "coverage_share": 0.9}),
    "pcenter": ("pcenter", {"p": 10}),
    "weighted_pcenter": ("pcenter", {"p": 10, "weighted_center": True}),
    "max_attendance": ("max_attendance", {"p": 10, "decay": "exponential", "decay_beta": 0.002}),
}
#: cases given the scattered costs: the p-median engine proves the graph's within the limit
#: since its Lagrangian tree (p = 20 in about 1 s, attendance in about 3 s on an idle machine);
#: on the scattered costs both stay unproven after 10 s (gaps of 33 % and 3.5 %)
SCATTERED = {"pcenter", "weighted_pcenter", "pmedian", "max_attendance"}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_every_model_returns_within_its_time_limit(graph, scattered, case):
    minutes, visits = graph
    model, fields = CASES[case]
    if case in SCATTERED:
        minutes = scattered
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


@pytest.mark.slow
def test_the_capacitated_p_median_with_time_for_an_incumbent_returns_it_in_time(graph):
    """Given time to find a capacitated answer (its first comes after about 3.5 s on an idle
    machine), the solve returns it within the limit: the swaps priced by the regret greedy
    stop at the clock (they once ran 6 s past a 10 s limit)."""
    minutes, visits = graph
    limit = 8.0
    problem = Problem(
        weights=visits,
        costs=minutes,
        site_ids=tuple(str(j) for j in range(visits.size)),
        p=10,
        capacities=np.full(visits.size, 1.2 * visits.sum() / 10),
    )
    solver = MODEL_CLASSES["pmedian"].from_problem(problem)
    t0 = time.perf_counter()
    sol = solver.solve(method="exact", time_limit=limit)
    elapsed = time.perf_counter() - t0
    assert elapsed <= limit + max(1.0, 0.1 * limit) + SCHEDULING, f"{elapsed:.2f} s"
    assert sol.status == "time_limit"
    assert sol.open_index.size == 10
    load = np.bincount(sol.assignment, weights=visits, minlength=visits.size)
    assert (load <= problem.capacities + 1e-6).all()  # a capacity-feasible answer
    assert sol.bound <= sol.objective
    assert sol.objective == pytest.approx(
        float(visits @ minutes[np.arange(visits.size), sol.assignment])
    )
