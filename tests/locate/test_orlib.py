"""Two small OR-Library instances (read from ../shared/data/orlib-pmed when present)."""

from pathlib import Path

import numpy as np
import pytest

from gateway_planner.locate import Problem, solve
from gateway_planner.locate._orlib import read_optima, read_pmed

ORLIB = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "orlib-pmed"


@pytest.mark.parametrize("name", ["pmed1", "pmed2"])
def test_orlib_optimum(name):
    path = ORLIB / f"{name}.txt"
    if not path.exists() or not (ORLIB / "pmedopt.txt").exists():
        pytest.skip(f"OR-Library instance {path} not available")
    n, p, costs = read_pmed(path)
    optimum = read_optima(ORLIB / "pmedopt.txt")[name]
    problem = Problem(
        weights=np.ones(n), costs=costs, site_ids=tuple(str(i + 1) for i in range(n)), p=p
    )
    sol = solve(problem, time_limit=60)
    assert sol.objective == optimum
    assert sol.status == "optimal"
    heur = solve(problem, method="heuristic")
    assert heur.bound <= optimum <= heur.objective


def test_last_duplicate_edge_wins(tmp_path):
    path = tmp_path / "pmedx.txt"
    path.write_text("3 3 1\n1 2 5\n2 3 1\n1 2 2\n")
    n, p, costs = read_pmed(path)
    assert (n, p) == (3, 1)
    assert costs[0, 1] == 2.0
    assert costs[0, 2] == 3.0
