"""Two small OR-Library instances (read from ../shared/data/orlib-pmed when present)."""

from pathlib import Path

import numpy as np
import pytest

from gateway_planner.errors import InputError
from gateway_planner.locate import Problem, read_optima, read_pmed, solve

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


def test_read_pmed_gives_shortest_paths(tmp_path):
    path = tmp_path / "pmedy.txt"
    path.write_text("4 3 2\n1 2 4\n2 3 1\n3 4 2\n\n")
    n, p, costs = read_pmed(path)
    assert (n, p) == (4, 2)
    assert costs.shape == (4, 4)
    assert costs[0].tolist() == [0.0, 4.0, 5.0, 7.0]
    assert np.array_equal(costs, costs.T)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("4 3\n1 2 4\n", r"first line must be 'n m p'"),
        ("4 1 2\n1 two 4\n", r"line 2 must be 'i j cost'"),
        ("2 1 1\n1 3 4\n", r"edges refer to vertices outside 1..2"),
    ],
)
def test_read_pmed_reports_the_bad_line(tmp_path, text, match):
    path = tmp_path / "pmedz.txt"
    path.write_text(text)
    with pytest.raises(InputError, match=match) as info:
        read_pmed(path)
    assert info.value.file == str(path)


def test_read_optima(tmp_path):
    path = tmp_path / "pmedopt.txt"
    path.write_text("pmed1 5819\npmed2 4093\n\nnote\n")
    assert read_optima(path) == {"pmed1": 5819.0, "pmed2": 4093.0}
