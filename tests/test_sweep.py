"""gateway_planner.sweep: one matrix for variants that share inputs, one comparison, any cluster."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import gateway_planner.scenario as scenario_module
import gateway_planner.settings as gps
from gateway_planner import sweep
from gateway_planner._io import json_dumps
from gateway_planner.cli import app
from gateway_planner.errors import InputError
from gateway_planner.scenario import run_scenario

ROOT = Path(__file__).resolve().parents[1]
#: files that must be the same, byte for byte, however the sweep ran
STABLE = ("summary.json", "tables.csv", "sites.csv", "catchments.gpkg", "map.html")
runner = CliRunner()


def pilot_scenario(folder: Path) -> Path:
    """A copy of the Sheerness scenario writing into folder/out."""
    text = (ROOT / "scenarios" / "sheerness.toml").read_text()
    path = folder / "sheerness.toml"
    text = text.replace('"../data/', f'"{ROOT.as_posix()}/data/')  # the pilot's feed and zone
    path.write_text(text.replace('folder = "../outputs/', 'folder = "out/'))
    return path


def test_a_sweep_needs_two_variants_and_a_baseline_among_them(tmp_path):
    path = pilot_scenario(tmp_path)
    with pytest.raises(InputError, match=r"the sweep has 1 variant; a comparison needs two"):
        sweep(path, {"objective.new_sites": [1]}, folder=tmp_path / "x")
    with pytest.raises(InputError, match=r"baseline 2 is not one of the 2 variants"):
        sweep(path, {"objective.new_sites": [1, 2]}, folder=tmp_path / "x", baseline=2)
    assert not (tmp_path / "x").exists()


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A sweep of one and two new sites in this process, counting the matrix builds."""
    folder = tmp_path_factory.mktemp("sweep")
    builds = []
    original = scenario_module.build_networks

    def counted(*args, **kwargs):
        builds.append(args[0].name)
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scenario_module, "build_networks", counted)
        table, results = sweep(
            pilot_scenario(folder),
            {"objective.new_sites": [1, 2], "demand.channel_shift": [-0.2]},
            folder=folder / "out" / "grid",
        )
    return folder / "out" / "grid", table, results, builds


def test_a_sweep_builds_the_matrix_once_and_writes_one_comparison(swept):
    folder, table, results, builds = swept
    names = ["sheerness-new_sites_1-channel_shift_-0.2", "sheerness-new_sites_2-channel_shift_-0.2"]
    assert [r.scenario.name for r in results] == names
    assert builds == [names[0]]  # the second variant reused the first one's networks and times
    assert results[1].times is results[0].times
    kept = len(results[0].area.existing)  # the pilot's service points, then the new sites
    assert len(results[0].solution.open_sites) == kept + 1
    assert len(results[1].solution.open_sites) == kept + 2
    written = {p.name for p in folder.iterdir()}
    assert {"comparison.csv", "comparison.html", "briefing.pdf", *names} <= written
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # nothing staged
    summary = json.loads((folder / names[1] / "summary.json").read_text())
    assert summary["scenario"]["name"] == names[1] and summary["area"]["id"] == "swale"
    assert summary["scenario"]["channel_shift"] == -0.2
    # each variant is titled by what differs, and its own map says so
    title = "Sheerness Gateway, Swale (Kent) — 2 new sites, 20 % fewer face-to-face visits"
    assert summary["scenario"]["title"] == title
    assert f"<h1>{title}</h1>" in (folder / names[1] / "map.html").read_text()
    assert names[1] in table.columns[-1]


def test_a_reused_variant_equals_its_own_run(swept):
    _folder, _table, results, _builds = swept
    alone = run_scenario(results[1].scenario, write=False)
    assert alone.solution.open_sites == results[1].solution.open_sites
    assert json_dumps(alone.summary) == json_dumps(results[1].summary)


def test_reuse_refuses_a_run_of_other_inputs(swept):
    _folder, _table, results, _builds = swept
    other = results[0].scenario.with_updates({"network.limit_minutes": 90})
    with pytest.raises(InputError, match=r"reuse: run 'sheerness-new_sites_1.*' cannot be reused"):
        run_scenario(other, write=False, reuse=results[0])


def test_the_cli_sweep_on_a_cluster_writes_the_same_files(swept, tmp_path, dask_cluster):
    folder = swept[0]
    path = pilot_scenario(tmp_path)
    result = runner.invoke(
        app,
        [
            "-q",
            "sweep",
            str(path),
            "-p",
            "objective.new_sites=1,2",
            "--param",
            "demand.channel_shift=-0.2",
            "--scheduler",
            dask_cluster.scheduler_address,
            "-o",
            str(tmp_path / "out" / "grid"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "sweep of 2 variants written to" in result.stdout
    assert gps.progress is None  # the command's progress bars are gone with it
    other = tmp_path / "out" / "grid"
    for variant in (
        "sheerness-new_sites_1-channel_shift_-0.2",
        "sheerness-new_sites_2-channel_shift_-0.2",
    ):
        for name in STABLE:
            a, b = (folder / variant / name).read_bytes(), (other / variant / name).read_bytes()
            assert a == b, f"{variant}/{name} differs"
    for name in ("comparison.csv", "comparison_sites.csv", "comparison.html", "briefing.pdf"):
        assert (folder / name).read_bytes() == (other / name).read_bytes(), name


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["-p", "objective.new_sites"], r"error: param: sweep parameter 'objective.new_sites'"),
        (["-p", "objective.new_sites=1,2", "-p", "objective.new_sites=3"], r"is given twice"),
        (["-p", "objective.new_sites=1,2", "--scheduler", "localhost"], r"tcp://10.0.0.5:8786"),
        (["-p", "objective.new_sites=1,2", "--workers", "0"], r"--workers"),
    ],
)
def test_cli_sweep_rejects_bad_options_and_writes_nothing(tmp_path, args, pattern):
    path = pilot_scenario(tmp_path)
    result = runner.invoke(app, ["sweep", str(path), *args])
    assert result.exit_code == 2
    assert re.search(pattern, result.output), result.output
    assert not (tmp_path / "out").exists()


def test_cli_run_checks_its_cluster_options(tmp_path):
    path = pilot_scenario(tmp_path)
    result = runner.invoke(app, ["run", str(path), "--scheduler", "10.0.0.5:8786"])
    assert result.exit_code == 2 and "protocol://host:port" in result.output
    assert not (tmp_path / "out").exists()
