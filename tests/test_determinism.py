"""Full pilot runs give byte-identical files (r5py's deterministic-behaviour test).

Every file a run writes is compared, not a chosen few: within one process (a rerun, with the
cache warm the second time), across processes (two command-line runs with different hash
seeds, run side by side) and on Dask worker processes (a local cluster of two).
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from run_outputs import COMPARISON_FILES, MANIFEST, PILOT_RUN_FILES

import gateway_planner.settings as gps
from gateway_planner import compare
from gateway_planner.scenario import demo_scenarios

ROOT = Path(__file__).resolve().parents[1]
#: the comparison run in separate processes: the demo's two pilots and a second Swale option,
#: which shares Sheerness's cells, so comparison.gpkg is written and compared too
OPTIONS = ("sheerness", "sheerness-two", "fauquembergues")


def _expected(names, *, shared_cells):
    files = {f"{name}/{file}" for name in names for file in PILOT_RUN_FILES}
    files |= set(COMPARISON_FILES) | ({"comparison.gpkg"} if shared_cells else set())
    return files | {MANIFEST}


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too), by path relative to it."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _assert_identical(first: Path, second: Path, expected: set[str], what: str) -> None:
    a, b = _files(first), _files(second)
    assert set(a) == expected, f"{first}: {sorted(set(a) ^ expected)}"
    assert set(b) == expected, f"{second}: {sorted(set(b) ^ expected)}"
    differ = sorted(name for name in expected if a[name] != b[name])
    assert not differ, f"{what}: {differ} differ"


def test_demo_reruns_in_one_process_are_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setattr(gps, "cache_dir", str(tmp_path / "cache"))  # cold, then warm
    first, second = tmp_path / "a", tmp_path / "b"
    compare(demo_scenarios(), folder=first)
    compare(demo_scenarios(), folder=second)
    expected = _expected(["sheerness", "fauquembergues"], shared_cells=False)
    _assert_identical(first, second, expected, "reruns in one process")
    # the summary names no absolute path of this machine
    for name in ("sheerness", "fauquembergues"):
        text = (first / name / "summary.json").read_text()
        assert str(Path.home()) not in text and str(ROOT) not in text


#: the Dask run: the package's own local cluster of two worker processes (what --workers 2
#: starts), every run's travel times and solve on it, then the same comparison
DASK_RUN = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from distributed import get_task_stream

    from gateway_planner import compare, run_scenario
    from gateway_planner.cluster import dask_client

    if __name__ == "__main__":
        out, paths = Path(sys.argv[1]), sys.argv[2:]
        with dask_client(workers=2) as client:
            with get_task_stream(client) as stream:
                runs = [run_scenario(p, write=False, scheduler=client) for p in paths]
            workers = client.scheduler_info()["workers"]
            pids = client.run(__import__("os").getpid)
        compare(runs, folder=out)
        print("workers", len(workers), "tasks", len(stream.data))
        print("worker pids", sorted(set(pids.values()) - {__import__("os").getpid()}))
    """
)


@pytest.fixture(scope="module")
def option_files(tmp_path_factory) -> list[Path]:
    """The three scenario files of :data:`OPTIONS` (the pilots, and Sheerness with two sites)."""
    folder = tmp_path_factory.mktemp("scenarios")
    paths = {p.stem: p for p in demo_scenarios()}
    text = paths["sheerness"].read_text()
    for old, new in (
        ('name = "sheerness"', 'name = "sheerness-two"'),
        ('title = "Sheerness Gateway, Swale (Kent)"', 'title = "Swale: two new Gateways"'),
        ("new_sites = 1 ", "new_sites = 2 "),
        ('"../data/', f'"{paths["sheerness"].parents[1].as_posix()}/data/'),  # feed and zone
    ):
        assert old in text, old
        text = text.replace(old, new)
    (folder / "sheerness-two.toml").write_text(text)
    return [paths["sheerness"], folder / "sheerness-two.toml", paths["fauquembergues"]]


def _start(args: list[str], *, cwd: Path, hash_seed: int) -> subprocess.Popen[bytes]:
    """Start a process with its own empty cache and hash seed; its output goes to files."""
    (cwd / "cache").mkdir(parents=True)
    env = {
        **os.environ,
        "GATEWAY_PLANNER_CACHE": str(cwd / "cache"),
        "PYTHONHASHSEED": str(hash_seed),
    }
    with (cwd / "stdout").open("wb") as stdout, (cwd / "stderr").open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, *args], cwd=cwd, env=env, stdout=stdout, stderr=stderr
        )


def _finish(process: subprocess.Popen[bytes], cwd: Path) -> str:
    """Wait for a process of :func:`_start`; return what it printed."""
    process.wait(timeout=600)
    stderr = (cwd / "stderr").read_text(errors="replace")
    assert process.returncode == 0, f"{cwd.name} failed:\n{stderr[-3000:]}"
    return (cwd / "stdout").read_text()


@pytest.mark.slow
def test_runs_in_separate_processes_and_on_dask_workers_are_byte_identical(tmp_path, option_files):
    out = {name: tmp_path / name / "out" for name in ("cli-1", "cli-2", "dask")}
    cli = ["-m", "gateway_planner", "-q", "compare", *map(str, option_files), "-o"]
    # side by side on a shared machine: load must not change what is written
    processes = {
        "cli-1": _start([*cli, str(out["cli-1"])], cwd=tmp_path / "cli-1", hash_seed=1),
        "cli-2": _start([*cli, str(out["cli-2"])], cwd=tmp_path / "cli-2", hash_seed=2),
        "dask": _start(
            ["-c", DASK_RUN, str(out["dask"]), *map(str, option_files)],
            cwd=tmp_path / "dask",
            hash_seed=3,
        ),
    }
    try:
        printed = {name: _finish(p, tmp_path / name) for name, p in processes.items()}
    finally:  # a failure or a timeout leaves none of them running
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    # the Dask run did run on two worker processes of its own
    assert "workers 2 tasks " in printed["dask"]
    tasks = int(printed["dask"].split("tasks ")[1].split()[0])
    assert tasks >= len(OPTIONS)  # at least each run's solve, besides the travel-time blocks
    pids = printed["dask"].split("worker pids ")[1].strip()
    assert pids.count(",") == 1, pids  # two worker processes, neither of them the client's
    expected = _expected(OPTIONS, shared_cells=True)
    _assert_identical(out["cli-1"], out["cli-2"], expected, "two command-line processes")
    _assert_identical(out["cli-1"], out["dask"], expected, "one process and Dask workers")
