"""The command line: exit codes, one-line errors, nothing written on failure."""

import json
import re
import shutil
from pathlib import Path

import pytest
from run_outputs import MANIFEST, PILOT_RUN_FILES, pilot_scenario_text
from typer.testing import CliRunner

from gateway_planner import __version__
from gateway_planner.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def pilot_scenario(tmp_path: Path, extra: str = "", name: str = "sheerness") -> Path:
    """A copy of a pilot scenario writing into tmp_path/out, with extra TOML appended."""
    text = pilot_scenario_text(name)
    path = tmp_path / f"{name}.toml"
    path.write_text(text + extra)
    return path


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"gateway-planner {__version__}"


def test_validate_ok():
    result = runner.invoke(app, ["validate", str(ROOT / "scenarios" / "sheerness.toml")])
    assert result.exit_code == 0, result.output
    assert "valid scenario 'sheerness'" in result.stdout


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (
            ("new_sites = 1", "new_sitez = 1"),
            r"sheerness\.toml: objective\.new_sitez: unknown key\. Fix: remove it",
        ),
        (
            ("new_sites = 1", "new_sites = -1"),
            r"sheerness\.toml: objective\.new_sites: .*-1.*Fix: use a number >= 0",
        ),
        (
            ("[network]", '[sites]\nfile = "missing.csv"\n\n[network]'),
            r"sheerness\.toml: sites\.file: input file .*missing\.csv not found\. Fix: correct the path",
        ),
    ],
)
def test_bad_scenarios_exit_2_with_one_line_and_write_nothing(tmp_path, command, edit, pattern):
    path = pilot_scenario(tmp_path)
    text = path.read_text()
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1))
    result = runner.invoke(app, [command, str(path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert re.search(pattern, lines[0]), lines[0]
    assert not (tmp_path / "out").exists()


def test_unknown_pilot_area(tmp_path):
    path = pilot_scenario(tmp_path)
    path.write_text(path.read_text().replace('pilot = "swale"', 'pilot = "kent"'))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert (
        "area.pilot: unknown pilot area 'kent'. Fix: use one of swale, saint-omer" in result.stderr
    )


def test_missing_scenario_file(tmp_path):
    result = runner.invoke(app, ["run", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "nope.toml: scenario file not found" in result.stderr


def test_run_writes_outputs(tmp_path):
    path = pilot_scenario(tmp_path)
    result = runner.invoke(app, ["-q", "run", str(path)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out" / "sheerness"
    assert {p.name for p in out.iterdir()} == PILOT_RUN_FILES | {MANIFEST}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["network"]["kind"] == "proxy"
    assert summary["sites"]["existing"][0]["id"] in summary["sites"]["open"]
    assert len(summary["sites"]["proposed"]) == 1
    assert "sheerness: proposed" in result.stdout
    # no staging folders left behind
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["sheerness"]


def test_run_that_fails_halfway_leaves_nothing(tmp_path, monkeypatch):
    import gateway_planner.report as report

    def broken(folder, **_kwargs):
        (Path(folder) / "summary.json").write_text("{}")  # half the outputs, then a failure
        raise RuntimeError("disk full")

    monkeypatch.setattr(report, "write_report", broken)
    path = pilot_scenario(tmp_path)
    result = runner.invoke(app, ["-q", "run", str(path)])
    # not one of our errors: a bug, reported on one line with exit code 1 and no traceback
    assert result.exit_code == 1
    line = _one_error_line(result)
    assert line.startswith("error: unexpected RuntimeError: disk full (a bug: please report")
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []
    # -vv shows the bug as Python raised it
    loud = runner.invoke(app, ["-vv", "run", str(path)])
    assert loud.exit_code == 1
    assert isinstance(loud.exception, RuntimeError) and str(loud.exception) == "disk full"
    assert not out.exists() or list(out.iterdir()) == []


def _one_error_line(result) -> str:
    """The only line on stderr, an ``error:`` line, and no traceback anywhere."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return lines[0]


def test_a_network_failure_exits_3_with_one_line(tmp_path, monkeypatch):
    ox = pytest.importorskip("osmnx")  # the osm extra (make test installs it)
    import requests

    import gateway_planner.settings as gps

    monkeypatch.setattr(gps, "cache_dir", str(tmp_path / "cache"))  # nothing cached

    def no_connection(data):
        raise requests.ConnectionError("no route to host")

    monkeypatch.setattr(ox._overpass, "_overpass_request", no_connection)
    path = pilot_scenario(tmp_path)
    result = runner.invoke(app, ["-q", "run", str(path), "--network", "osm"])
    assert result.exit_code == 3
    assert _one_error_line(result) == (
        "error: could not download the drive network for the study-area polygon from "
        "OpenStreetMap (ConnectionError: no route to host). Fix: check the connection and the "
        "place name, or give a local .osm.pbf file"
    )
    assert not (tmp_path / "out").exists()
    assert list((tmp_path / "cache").rglob("*.graphml")) == []  # a failure is never cached


def test_a_solver_failure_exits_3_with_one_line(tmp_path, monkeypatch):
    import gateway_planner.scenario as scenario_module
    from gateway_planner.errors import SolverError

    def failing_solve(problem, **options):
        raise SolverError(f"HiGHS stopped without a solution for {len(problem.site_ids)} sites")

    monkeypatch.setattr(scenario_module, "solve", failing_solve)
    path = pilot_scenario(tmp_path)
    result = runner.invoke(app, ["-q", "run", str(path)])
    assert result.exit_code == 3
    assert _one_error_line(result) == "error: HiGHS stopped without a solution for 23 sites"
    assert not (tmp_path / "out").exists()


def test_compare_writes_comparison(tmp_path):
    a = pilot_scenario(tmp_path, name="sheerness")
    b = pilot_scenario(tmp_path, name="fauquembergues")
    result = runner.invoke(app, ["-q", "compare", str(a), str(b), "-o", str(tmp_path / "cmp")])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "cmp").iterdir())
    assert {"comparison.csv", "comparison.html", "sheerness", "fauquembergues"} <= set(names)
    shutil.rmtree(tmp_path / "cmp")


def test_network_override_is_validated(tmp_path):
    path = pilot_scenario(tmp_path)
    result = runner.invoke(app, ["run", str(path), "--network", "road"])
    assert result.exit_code == 2
    assert "network.source: Input should be 'proxy', 'osm' or 'file' (got 'road')" in result.stderr
    assert not (tmp_path / "out").exists()


def test_network_command_prints_sizes():
    result = runner.invoke(app, ["-q", "network", str(ROOT / "scenarios" / "sheerness.toml")])
    assert result.exit_code == 0, result.output
    assert "drive: mode drive, kind proxy" in result.stdout
    assert "walk snapping:" in result.stdout and "cells_unreachable 0" in result.stdout


@pytest.fixture
def quick_report(monkeypatch):
    """A stand-in for the report (these tests are about the summary line)."""
    import gateway_planner.report as report

    monkeypatch.setattr(report, "write_report", lambda folder, view, **_: None)


@pytest.mark.parametrize(
    ("objective", "pattern"),
    [
        (
            "model = 'max_coverage'\nlimit_minutes = 20\n",
            r"^sheerness: proposed Sittingbourne villages \(ME9 8\) \(sector-ME9-8\); face-to-face "
            r"visits within 20 min 69\.8% -> 75\.4% \[proxy network; gap 0%\]",
        ),
        (
            "model = 'pcenter'\n",
            r"; worst journey \d+\.\d -> \d+\.\d min \[proxy network",
        ),
        (
            "model = 'set_cover'\nlimit_minutes = 120\ncoverage_share = 0.8\nalternatives = 0\n",
            r"; \d+ sites needed; face-to-face visits within 120 min \d+\.\d% -> \d+\.\d%",
        ),
        (
            "keep_existing = false\nnew_sites = 0\n",
            r"; closes Sheerness Gateway, 38-40 High Street, Sheerness \(sheerness-gateway\); "
            r"face-to-face visits within 15 min",
        ),
    ],
    ids=["max-coverage", "pcenter", "set-cover", "closing"],
)
def test_the_summary_line_gives_the_objectives_own_figure(
    tmp_path, quick_report, objective, pattern
):
    path = pilot_scenario(tmp_path)
    text = path.read_text()
    for key in re.findall(r"(?m)^(\w+) = ", objective):  # the pilot's own value goes
        text = re.sub(rf"(?m)^{key} = .*\n", "", text)
    path.write_text(text.replace("[objective]\n", "[objective]\n" + objective, 1))
    result = runner.invoke(app, ["-q", "run", str(path)])
    assert result.exit_code == 0, result.output
    assert re.search(pattern, result.stdout), result.stdout


def test_an_unexpected_error_is_one_line_with_exit_code_1(tmp_path, monkeypatch):
    import gateway_planner.scenario as scenario

    def broken(*_args, **_kwargs):
        raise TypeError("something nobody expected")

    monkeypatch.setattr(scenario, "evaluate", broken)
    result = runner.invoke(app, ["run", str(pilot_scenario(tmp_path))])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: unexpected TypeError: something nobody expected (a bug: please report it with "
        "the output of the same command with -vv)"
    )
    assert "Traceback" not in result.output
