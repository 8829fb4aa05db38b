"""Two full pilot runs give byte-identical outputs (r5py's deterministic-behaviour test)."""

from pathlib import Path

from gateway_planner import compare
from gateway_planner.scenario import demo_scenarios

#: files that must not change between reruns
STABLE = (
    "summary.json",
    "tables.csv",
    "sites.csv",
    "catchments.gpkg",
    "map.html",
    "briefing.pdf",
    "briefing.png",
)


def test_demo_reruns_are_byte_identical(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    compare(demo_scenarios(), folder=first)
    compare(demo_scenarios(), folder=second)
    for name in ("sheerness", "fauquembergues"):
        for file in STABLE:
            a = (first / name / file).read_bytes()
            b = (second / name / file).read_bytes()
            assert a == b, f"{name}/{file} differs between runs"
    for file in ("comparison.csv", "comparison.html", "briefing.pdf"):
        assert (first / file).read_bytes() == (second / file).read_bytes(), (
            f"{file} differs between runs"
        )
    # the summary names no absolute path of this machine
    assert str(Path.home()) not in (first / "sheerness" / "summary.json").read_text()
