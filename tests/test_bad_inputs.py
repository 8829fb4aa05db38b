"""The catalogue of bad inputs (issue 14, sections 1-4), each run through the command line.

Every case writes its own files, runs ``gateway-planner`` on them and checks the exit code, that
stderr holds one ``error:`` line naming the file and the scenario key (keys that exist), that
no traceback or Python source line shows, and that no file gateway-planner did not write has
changed (sha256 of every file before and after). Cases a run would refuse for an input reason
are refused by ``validate`` with the same line.

Most cases run on the Swale pilot with a sites file of the planner's own; the cases of a study
area of one's own use a tiny area in British National Grid. Runs that must get past the
networks write their report with a stand-in writer (the report itself is tested in report/).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from run_outputs import drive_walk_groups
from typer.testing import CliRunner

import gateway_planner.report as report
from gateway_planner.cli import app
from gateway_planner.config import Scenario

ROOT = Path(__file__).resolve().parents[1]
PILOT_SITES = ROOT / "data" / "pilot" / "swale" / "sites.csv"
MANIFEST = ".gateway-planner.json"
runner = CliRunner()

# ---- helpers ----------------------------------------------------------------------------------


def fingerprint(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` gateway-planner did not write.

    Its files are those its manifests list, and those of its staging folders (hidden
    ``.<name>.staging.*`` and ``.<name>.old.*`` folders beside an output folder).
    """
    ours: set[Path] = set()
    for manifest in folder.rglob(MANIFEST):
        ours.add(manifest)
        ours |= {manifest.parent / f for f in json.loads(manifest.read_text())["files"]}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and p not in ours
        and not any(re.match(r"\..+\.(staging|old)\.", part) for part in p.parts)
    }


def invoke(folder: Path, *args: object, replaced: tuple[str, ...] = ()):
    """Run the CLI; check that every file it did not write is untouched; return the result.

    ``replaced`` names files the run was told it may replace (``--overwrite``).
    """
    before = fingerprint(folder)
    result = runner.invoke(app, [str(a) for a in args])
    after = fingerprint(folder)
    changed = sorted(
        f for f, digest in before.items() if after.get(f) != digest and f not in replaced
    )
    assert changed == [], f"files changed or lost: {changed}"
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    for line in result.stderr.splitlines():  # one-line warnings, no Python file or source
        assert re.match(r"(error|warning): |\[ *\d+\.\d+s\] ", line), line
        assert not re.search(r"\.py:\d+|warnings\.warn\(", line), line
    return result


def _keys() -> set[str]:
    keys = set(Scenario.model_fields)
    for table, info in Scenario.model_fields.items():
        model = info.annotation
        if isinstance(model, type) and hasattr(model, "model_fields"):
            keys |= {f"{table}.{leaf}" for leaf in model.model_fields}
    return keys


KEYS = _keys()
_SUFFIXES = {"csv", "toml", "gpkg", "tif", "json", "graphml", "pbf", "osm", "html"}


def error(result, code: int, pattern: str) -> str:
    """The one error line: exit ``code``, matches ``pattern``, names only keys that exist."""
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert re.search(pattern, line), line
    named = re.findall(r"\b((?:area|demand|sites|network|objective|output)\.[a-z_]+)", line)
    unknown = [k for k in named if k not in KEYS and k.rsplit(".", 1)[1] not in _SUFFIXES]
    assert unknown == [], f"{line}: names keys that do not exist: {unknown}"
    assert "unserved_cost" not in line and "^[" not in line
    return line


def same_line_from_validate_and_run(folder: Path, scenario: Path, code: int, pattern: str) -> None:
    checked = error(invoke(folder, "validate", scenario), code, pattern)
    ran = invoke(folder, "run", scenario)
    assert error(ran, code, pattern) == checked
    assert "network (" not in ran.stderr  # refused before any network is built
    assert not (folder / "out").exists()


def pilot_project(folder: Path, sites: pd.DataFrame | bytes | None = None, extra: str = "") -> Path:
    """The Swale pilot with a sites file of the planner's own; returns the scenario file.

    Its groups travel by car and on foot only (no bus feed here), read from outside the folder.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if sites is None:
        sites = pd.read_csv(PILOT_SITES)
    data = sites if isinstance(sites, bytes) else sites.to_csv(index=False).encode()
    (folder / "sites.csv").write_bytes(data)
    groups = drive_walk_groups().as_posix()
    text = (
        f'name = "swale"\n[area]\npilot = "swale"\n[demand]\ngroups = "{groups}"\n'
        '[sites]\nfile = "sites.csv"\n'
    ) + extra
    if "[output]" not in extra:
        text += '[output]\nfolder = "out"\n'
    path = folder / "scenario.toml"
    path.write_text(text)
    return path


PILOT_GROUPS = ROOT / "data" / "pilot" / "groups.toml"
GROUP_IDS = re.findall(r'(?m)^id = "(\w+)"', PILOT_GROUPS.read_text())


def own_project(folder: Path, *, shift_m: float = 0.0, extra: str = "") -> Path:
    """A study area of one's own: boundary, CSV population grid, groups, sites, a road file."""
    folder.mkdir(parents=True, exist_ok=True)
    gpd.GeoDataFrame(
        {"name": ["area"]}, geometry=[shapely.box(1000, 1000, 1400, 1400)], crs=27700
    ).to_file(folder / "area.gpkg")
    xs, ys = np.meshgrid(np.arange(1050, 1400, 100), np.arange(1050, 1400, 100))
    shares = {f"share__{g}": 1 / len(GROUP_IDS) for g in GROUP_IDS}
    pd.DataFrame({"x": xs.ravel() + shift_m, "y": ys.ravel(), "population": 10.0, **shares}).to_csv(
        folder / "cells.csv", index=False
    )
    drive_walk_groups(folder / "groups.toml")  # the pilot's, by car and on foot
    pd.DataFrame(
        {"site_id": ["hq", "c1"], "status": ["existing", "candidate"], "x": [1050, 1350]}
    ).assign(y=[1050, 1350]).to_csv(folder / "sites.csv", index=False)
    (folder / "roads.graphml").write_text("<graphml/>")
    text = (
        'name = "own"\n[area]\nboundary = "area.gpkg"\ncrs = "EPSG:27700"\n'
        '[demand]\npopulation = "cells.csv"\ncell_size = 100\ngroups = "groups.toml"\n'
        '[sites]\nfile = "sites.csv"\n'
        '[network]\nsource = "file"\npath = "roads.graphml"\nmodes = ["drive", "walk"]\n'
        '[output]\nfolder = "out"\n'
    ) + extra
    path = folder / "scenario.toml"
    path.write_text(text)
    return path


@pytest.fixture
def quick_report(monkeypatch):
    """Write two small files instead of the whole report (runs that must get past the solve)."""

    def write(folder, view, **_kwargs):
        Path(folder, "map.html").write_text(f"<h1>{view.title}</h1>")
        Path(folder, "summary.json").write_text(json.dumps(view.summary, default=str))

    monkeypatch.setattr(report, "write_report", write)


def pilot_sites() -> pd.DataFrame:
    return pd.read_csv(PILOT_SITES)


# ---- 1. nothing lost --------------------------------------------------------------------------


def test_an_output_folder_holding_the_scenario_is_refused(tmp_path):
    scenario = pilot_project(tmp_path, extra='[output]\nfolder = "."\n')
    for command in ("validate", "run"):
        error(
            invoke(tmp_path, command, scenario),
            2,
            r"^error: .*: output\.folder: holds the scenario or its inputs \(scenario\.toml, "
            r"sites\.csv\).*Fix: write the outputs to a folder of their own",
        )
    # and with --overwrite too: inputs are never written over
    error(invoke(tmp_path, "run", scenario, "--overwrite"), 2, r"holds the scenario")


@pytest.mark.parametrize("command", ["compare", "demo", "sweep"])
def test_a_folder_of_other_files_is_refused_by_every_command(tmp_path, command):
    scenario = pilot_project(tmp_path / "project")
    target = tmp_path / "shared"
    target.mkdir()
    (target / "budget.xlsx").write_bytes(b"PK\x03\x04 not ours")
    (target / "notes.txt").write_text("minutes of the meeting")
    args = {
        "compare": ["compare", scenario, ROOT / "scenarios" / "fauquembergues.toml"],
        "demo": ["demo"],
        "sweep": ["sweep", scenario, "-p", "objective.new_sites=1,2"],
    }[command]
    result = invoke(tmp_path, "-v", *args, "-o", target)
    error(
        result,
        2,
        r"^error: .*shared: --output: holds files gateway-planner did not write \(budget\.xlsx, "
        r"notes\.txt\).*Fix: choose a new or empty folder, or rerun with --overwrite",
    )
    assert "network (" not in result.stderr  # refused before anything is computed
    assert sorted(p.name for p in target.iterdir()) == ["budget.xlsx", "notes.txt"]


def test_an_output_path_that_is_a_file_is_refused(tmp_path):
    scenario = pilot_project(tmp_path)
    (tmp_path / "out").write_text("a file of mine")
    for command in ("validate", "run"):
        error(
            invoke(tmp_path, command, scenario),
            2,
            r"out: output\.folder: is a file, not a folder\. Fix: name a folder",
        )
    assert not list(tmp_path.glob(".out.*"))


def test_an_unwritable_output_folder_is_refused_before_computing(tmp_path, monkeypatch):
    scenario = pilot_project(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    mkdir = os.mkdir

    def refuse(path, *args, **kwargs):  # what the system says in a folder of someone else's
        if Path(path).is_relative_to(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refuse)
    for command in ("validate", "run"):
        result = invoke(tmp_path, command, scenario, "-o", locked / "out")
        error(result, 2, r"locked/out: --output: cannot be written: no permission to create")
        assert "study area" not in result.stderr


def test_reruns_replace_their_own_files_keep_others_and_clear_stale_staging(tmp_path, quick_report):
    scenario = pilot_project(tmp_path)
    previous = os.umask(0o022)
    try:
        first = invoke(tmp_path, "-q", "run", scenario)
        assert first.exit_code == 0, first.output
        out = tmp_path / "out"
        assert (out.stat().st_mode & 0o777) == 0o755  # colleagues and web servers can read it
        manifest = json.loads((out / MANIFEST).read_text())
        assert manifest["files"] == ["map.html", "summary.json"]
        (out / "my notes.txt").write_text("kept")  # a file of the planner's own
        stale = tmp_path / ".out.staging.killed01"  # left by a run killed with SIGKILL
        stale.mkdir()
        (stale / "map.html").write_text("half")
        old = time.time() - 600
        os.utime(stale, (old, old))
        second = invoke(tmp_path, "-q", "run", scenario)
    finally:
        os.umask(previous)
    assert second.exit_code == 0, second.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "scenario.toml", "sites.csv"]
    assert sorted(p.name for p in out.iterdir()) == [
        MANIFEST,
        "map.html",
        "my notes.txt",
        "summary.json",
    ]


def test_overwrite_replaces_only_gateway_files_of_a_foreign_folder(tmp_path, quick_report):
    scenario = pilot_project(tmp_path)
    target = tmp_path / "reports"
    target.mkdir()
    (target / "map.html").write_text("an older map of mine")
    (target / "notes.txt").write_text("kept")
    result = invoke(
        tmp_path, "-q", "run", scenario, "-o", target, "--overwrite", replaced=("reports/map.html",)
    )
    assert result.exit_code == 0, result.output
    assert (target / "notes.txt").read_text() == "kept"
    assert "<h1>swale</h1>" in (target / "map.html").read_text()


# ---- 2. no wrong advice -------------------------------------------------------------------------


def _swapped(sites: pd.DataFrame, rows: slice) -> pd.DataFrame:
    """Sites with lon, lat columns, those of ``rows`` swapped."""
    points = gpd.GeoSeries(gpd.points_from_xy(sites["x"], sites["y"]), crs=27700).to_crs(4326)
    lon, lat = points.x.to_numpy().copy(), points.y.to_numpy().copy()
    lon[rows], lat[rows] = lat[rows].copy(), lon[rows].copy()
    return sites.drop(columns=["x", "y"]).assign(lon=lon, lat=lat)


def test_sites_outside_the_area_are_named_with_a_hint(tmp_path):
    scenario = pilot_project(tmp_path, _swapped(pilot_sites(), slice(3, 5)))  # 2 candidates
    result = invoke(tmp_path, "validate", scenario)
    assert result.exit_code == 0, result.output
    shown = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(shown) == 1
    assert re.match(
        r"warning: sites\.csv: 2 of 23 sites lie outside the study area: sector-ME10-1, "
        r"sector-ME10-2; lon/lat swapped\? Swapping them puts 2 inside$",
        shown[0],
    ), shown[0]


def test_candidates_that_all_lie_far_outside_are_refused(tmp_path):
    scenario = pilot_project(tmp_path, _swapped(pilot_sites(), slice(1, None)))
    same_line_from_validate_and_run(
        tmp_path,
        scenario,
        2,
        r"scenario\.toml: sites\.file: all 20 candidate sites in sites\.csv lie more than "
        r"network\.max_snap_m = 2000 m outside the study area.*lon/lat swapped\?.*Fix: check the "
        r"sites' coordinates",
    )


def test_a_proposed_site_serving_no_one_is_refused(tmp_path):
    sites = pilot_sites().iloc[[0, 3]].copy()  # the Sheerness Gateway and sector-ME10-1
    sites.loc[sites.index[1], ["x", "y"]] = sites.iloc[0][["x", "y"]].to_numpy()  # a twin
    scenario = pilot_project(tmp_path, sites)
    result = invoke(tmp_path, "-q", "run", scenario)
    error(
        result,
        2,
        r"scenario\.toml: objective\.new_sites: the proposed site sector-ME10-1 would serve no "
        r"one: every cell is nearer another open site\. Fix: set objective\.new_sites to 0",
    )
    assert not (tmp_path / "out").exists()


# ---- 3. validate checks every input -------------------------------------------------------------


def test_validate_accepts_a_good_scenario_of_ones_own(tmp_path):
    scenario = own_project(tmp_path)
    result = invoke(tmp_path, "validate", scenario)
    assert result.exit_code == 0, result.output
    assert "valid scenario 'own'" in result.stdout


def _without_crs(path: Path) -> None:
    with warnings.catch_warnings():  # GDAL says so too
        warnings.simplefilter("ignore")
        gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)]).to_file(path)


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (
            lambda f: (f / "cells.csv").write_text(
                (f / "cells.csv").read_text().replace(",0.25\n", ",0.05\n", 1)
            ),
            r"cells\.csv: cells: group shares do not sum to 1 in 1 cells",
        ),
        (
            lambda f: _without_crs(f / "area.gpkg"),
            r"area\.gpkg: area\.boundary: has no CRS\. Fix: set the file's CRS",
        ),
        (
            lambda f: (f / "scenario.toml").write_text(
                (f / "scenario.toml").read_text().replace('["drive", "walk"]', '["drive"]')
            ),
            r"scenario\.toml: network\.modes: customer group 'digital_working_age' \(groups\.toml\) "
            r"travels by walk \(12%\), but network\.modes = \['drive'\] has no walk network",
        ),
        (
            lambda f: (f / "scenario.toml").write_text(
                (f / "scenario.toml").read_text().replace('source = "file"', 'source = "proxy"')
            ),
            r"scenario\.toml: network\.source: network\.source = 'proxy' \(the default\) works "
            r"only for the pilot areas",
        ),
        (
            lambda f: (f / "sites.csv").write_text("site_id,status,x,y\nhq,open,1050,1050\n"),
            r"sites\.csv: status: 1 sites have a status other than existing or candidate "
            r"\(first: 'hq' = 'open'\)",
        ),
    ],
    ids=["shares-sum", "boundary-crs", "modes-without-network", "proxy-own-area", "status"],
)
def test_validate_refuses_what_run_refuses_with_the_same_line(tmp_path, change, pattern):
    scenario = own_project(tmp_path)
    change(tmp_path)
    same_line_from_validate_and_run(tmp_path, scenario, 2, pattern)


def test_population_outside_the_area_is_refused(tmp_path):
    scenario = own_project(tmp_path, shift_m=100_000)
    same_line_from_validate_and_run(
        tmp_path, scenario, 2, r"cells\.csv: .*(outside|no cells|overlap)"
    )


# ---- 4. one line, never a traceback -------------------------------------------------------------


def _latin1(sites: pd.DataFrame) -> bytes:
    return (
        sites.assign(name=sites["name"] + " – Mairie d'Écques").to_csv(index=False).encode("cp1252")
    )


@pytest.mark.parametrize(
    ("sites", "extra", "pattern"),
    [
        (b"", "", r"sites\.csv: sites\.file: is empty \(0 bytes\)\. Fix: save the table again"),
        (
            b"site_id,name,status,x,y\n",
            "",
            r"sites\.csv: sites\.file: has a header row but no sites\. Fix: add one row per site",
        ),
        (
            None,
            "[objective]\nnew_sites = 25\n",
            r"scenario\.toml: objective\.new_sites: asks for 25 new sites, but sites\.csv has "
            r"only 20 candidate sites\. Fix: set objective\.new_sites to 20 or less",
        ),
        (
            pilot_sites().assign(capacity=100),
            "",
            r"scenario\.toml: objective\.capacities: the capacities in sites\.csv cannot serve "
            r"the demand: the 4 open sites hold at most 400 visits a month, but face-to-face "
            r"demand is 49,612 visits a month\. Fix: raise the capacity column",
        ),
        (
            pilot_sites().assign(capacity=1000),
            "[objective]\nmodel = 'max_coverage'\nlimit_minutes = 20\n",
            r"objective\.capacities: objective\.model = 'max_coverage' does not use site "
            r"capacities.*Fix: set objective\.capacities = false",
        ),
        (
            _swapped(pilot_sites(), slice(0, 0)).assign(
                lon=lambda t: t["lon"].where(t.index > 0, -33.87),
                lat=lambda t: t["lat"].where(t.index > 0, 151.21),
            ),
            "",
            r"sites\.csv: lat: 1 sites have a lat outside -90\.\.90 \(first: 'sheerness-gateway' ="
            r" 151\.21\); lon/lat swapped\?",
        ),
    ],
    ids=["empty", "header-only", "new-sites", "capacities", "capacities-model", "latitude"],
)
def test_bad_sites_and_objectives_give_one_line(tmp_path, sites, extra, pattern):
    scenario = pilot_project(tmp_path, sites, extra)
    same_line_from_validate_and_run(tmp_path, scenario, 2, pattern)


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        (
            _latin1(pilot_sites()),
            r"^warning: .*sites\.csv: is not UTF-8 \(.*\); read it as Windows-1252 \(cp1252\)\. "
            r"Save it as UTF-8",
        ),
        (pilot_sites().to_csv(index=False, sep=";", decimal=",").encode(), None),
        (pilot_sites().assign(status=lambda t: t["status"].str.title()), None),
        (pilot_sites().assign(status=lambda t: t["status"].str.upper()), None),
    ],
    ids=["cp1252", "semicolons", "Existing", "CANDIDATE"],
)
def test_spreadsheet_tables_are_read(tmp_path, data, warning):
    scenario = pilot_project(tmp_path, data)
    result = invoke(tmp_path, "validate", scenario)
    assert result.exit_code == 0, result.output
    shown = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    if warning is None:
        assert shown == []
    else:
        assert len(shown) == 1 and re.search(warning, shown[0]), shown


def test_a_spreadsheet_table_runs_end_to_end(tmp_path, quick_report):
    sites = pilot_sites().assign(status=lambda t: t["status"].str.title())
    text = sites.assign(name=sites["name"] + " é").to_csv(index=False, sep=";", decimal=",")
    scenario = pilot_project(tmp_path, text.encode("cp1252"))
    result = invoke(tmp_path, "-q", "run", scenario)
    assert result.exit_code == 0, result.output
    assert "proposed Isle of Sheppey (ME12 4) é (sector-ME12-4)" in result.stdout


def test_a_bad_name_says_which_characters_are_allowed(tmp_path):
    scenario = pilot_project(tmp_path)
    scenario.write_text(scenario.read_text().replace('name = "swale"', 'name = "Swale 2030!"'))
    for command in ("validate", "run"):
        error(
            invoke(tmp_path, command, scenario),
            2,
            r"scenario\.toml: name: name 'Swale 2030!' holds characters a folder name may not "
            r"\(' ', '!'\)\. Fix: use only letters \(a-z, A-Z\), digits, '-', '_' and '\.'",
        )


def test_messages_after_the_networks_name_scenario_keys(tmp_path):
    scenario = pilot_project(
        tmp_path, extra="[objective]\nmodel = 'set_cover'\nlimit_minutes = 1\n"
    )
    error(
        invoke(tmp_path, "-q", "run", scenario),
        2,
        r"scenario\.toml: objective\.limit_minutes: \d+ cells with face-to-face demand .* are "
        r"beyond objective\.limit_minutes = 1 of every site.*Fix: raise objective\.limit_minutes",
    )
    scenario = pilot_project(
        tmp_path,
        extra="[objective]\nmodel = 'set_cover'\nlimit_minutes = 1\ncoverage_share = 0.95\n",
    )
    error(
        invoke(tmp_path, "-q", "run", scenario),
        2,
        r"objective\.coverage_share: objective\.coverage_share = 0\.95 cannot be met: all sites "
        r"together bring \d+\.\d% of face-to-face visits within objective\.limit_minutes = 1\. "
        r"Fix: set objective\.coverage_share to 0\.\d+ or less",
    )
