"""OR-Library p-median instances: Beasley's pmed1 and pmed2 (read from ../shared/data/orlib-pmed,
never copied into the repository), and small instances written here in the same format."""

import itertools
import os
from pathlib import Path

import numpy as np
import pytest

from gateway_planner.errors import InputError
from gateway_planner.locate import Problem, read_optima, read_pmed, solve

ORLIB = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "orlib-pmed"
EXACT_PATHS = {"bound_meets", "fixing", "probing", "probing_mip", "mip_infeasible"}


def _orlib(folder: Path, name: str) -> tuple[Path, Path]:
    """The instance and optima files; missing, a failure under CI (where ../shared is always
    beside the clone), else a skip."""
    path, optima = folder / f"{name}.txt", folder / "pmedopt.txt"
    if not (path.exists() and optima.exists()):
        msg = f"OR-Library instance {path} not available (../shared/data/orlib-pmed)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return path, optima


@pytest.mark.parametrize("name", ["pmed1", "pmed2"])
def test_orlib_optimum(name, no_enumeration):
    path, optima = _orlib(ORLIB, name)
    n, p, costs = read_pmed(path)
    optimum = read_optima(optima)[name]
    problem = Problem(
        weights=np.ones(n), costs=costs, site_ids=tuple(str(i + 1) for i in range(n)), p=p
    )
    sol = solve(problem, time_limit=60)
    assert sol.objective == optimum
    assert sol.status == "optimal"
    assert sol.bound <= optimum
    assert sol.path in EXACT_PATHS
    heur = solve(problem, method="heuristic")
    assert heur.bound <= optimum <= heur.objective


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), (None, pytest.skip.Exception)]
)
def test_missing_orlib_fails_under_ci_and_skips_elsewhere(tmp_path, monkeypatch, ci, outcome):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match=r"OR-Library instance .*pmed1\.txt not available"):
        _orlib(tmp_path / "missing", "pmed1")


def _write_pmed(folder: Path, seed: int, n: int, p: int) -> tuple[Path, np.ndarray]:
    """A random connected graph in the pmed format (a spanning path, chords, some pairs given
    twice: the last line wins); returns the file and its shortest paths by Floyd-Warshall."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    edges = [(int(a), int(b)) for a, b in itertools.pairwise(order)]
    edges += [tuple(int(v) for v in rng.choice(n, 2, replace=False)) for _ in range(2 * n)]
    edges += edges[: n // 3]  # given again, with new costs that must win
    dist = np.full((n, n), np.inf)
    np.fill_diagonal(dist, 0.0)
    last: dict[tuple[int, int], int] = {}
    lines = [f" {n} {len(edges)} {p} "]
    for a, b in edges:
        c = int(rng.integers(1, 100))
        last[(min(a, b), max(a, b))] = c
        lines.append(f" {a + 1} {b + 1} {c} ")
    for (a, b), c in last.items():
        dist[a, b] = dist[b, a] = c
    for k in range(n):
        dist = np.minimum(dist, dist[:, k : k + 1] + dist[k : k + 1, :])
    path = folder / f"pmed{seed}.txt"
    path.write_text("\n".join(lines) + "\n")
    return path, dist


@pytest.mark.parametrize(
    ("seed", "n", "p", "branch"),
    [
        (1, 15, 3, "bound_meets"),
        (2, 16, 4, "bound_meets"),
        (3, 17, 5, "probing"),
        (20, 16, 2, "probing"),
        (49, 18, 3, "probing_mip"),
        (92, 16, 2, "probing_mip"),
        (108, 14, 2, "mip_infeasible"),
    ],
)
def test_written_pmed_instances_solve_to_the_brute_force_optimum(
    tmp_path, no_enumeration, seed, n, p, branch
):
    file, dist = _write_pmed(tmp_path, seed, n, p)
    n_read, p_read, costs = read_pmed(file)
    assert (n_read, p_read) == (n, p)
    np.testing.assert_array_equal(costs, dist)
    optimum = min(dist[:, list(s)].min(axis=1).sum() for s in itertools.combinations(range(n), p))
    problem = Problem(
        weights=np.ones(n), costs=costs, site_ids=tuple(map(str, range(1, n + 1))), p=p
    )
    sol = solve(problem, method="exact")
    assert sol.objective == optimum
    assert dist[:, sol.open_index].min(axis=1).sum() == optimum
    assert sol.bound <= optimum
    assert (sol.status, sol.gap) == ("optimal", 0.0)
    assert sol.path == branch


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
