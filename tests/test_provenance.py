"""What summary.json records: paths relative to the scenario file, every source credited, and
the figures by travel mode (with a bus feed and an on-demand zone written by the tests)."""

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from run_outputs import drive_walk_groups

from gateway_planner import __version__
from gateway_planner._io import json_dumps
from gateway_planner.config import load_scenario, scenario_from_dict
from gateway_planner.contracts import DemandSummary
from gateway_planner.evaluate import evaluate
from gateway_planner.provenance import OSM_CREDIT, run_summary
from gateway_planner.scenario import run_scenario

PILOT_SITES = Path(__file__).resolve().parents[1] / "data" / "pilot" / "swale" / "sites.csv"
PILOT_GROUPS = PILOT_SITES.parents[1] / "groups.toml"


def _project(folder):
    """A project of its own on the Swale pilot: its sites, bus feed and on-demand zone copied."""
    (folder / "data").mkdir(parents=True)
    pd.read_csv(PILOT_SITES).to_csv(folder / "data" / "sites.csv", index=False)
    shutil.copytree(PILOT_SITES.parent / "gtfs", folder / "data" / "gtfs")
    shutil.copy(PILOT_SITES.parent / "on_demand_zone.geojson", folder / "data" / "zone.geojson")
    path = folder / "scenario.toml"
    path.write_text(
        'name = "s"\n[area]\npilot = "swale"\n[sites]\nfile = "data/sites.csv"\n'
        '[network]\nmodes = ["drive", "walk", "bus", "on_demand"]\n'
        '[network.transit]\ngtfs = "data/gtfs"\ndate = 2024-03-12\n'
        '[network.on_demand]\nzone = "data/zone.geojson"\n'
    )
    return path


def test_a_copied_project_gives_the_same_summary_and_credits_its_files(tmp_path):
    summaries = []
    for name in ("here", "copied/elsewhere"):
        result = run_scenario(load_scenario(_project(tmp_path / name)), write=False)
        summary = json.loads(json_dumps(result.summary))
        for role, entry in summary["inputs"].items():  # the pack stays where it is installed
            if role.startswith("pilot."):
                entry.pop("path")
        summaries.append(summary)
    assert summaries[0] == summaries[1]
    summary = summaries[0]
    assert summary["inputs"]["sites.file"]["path"] == "data/sites.csv"
    assert summary["sources"][-3:] == [
        "On-demand zone: data/zone.geojson (the planner's file, network.on_demand.zone).",
        "Bus feed (GTFS): data/gtfs (the planner's file, network.transit.gtfs).",
        "Sites: data/sites.csv (the planner's file, sites.file).",
    ]
    assert summary["sources"][:-3] == list(result.area.sources)  # the pilot's own, as before
    modes = summary["network"]["modes"]
    assert modes["bus"]["provenance"]["gtfs"]["gtfs"] == "data/gtfs"
    assert modes["on_demand"]["provenance"]["zone"]["path"] == "data/zone.geojson"
    assert summary["software"] == {"gateway_planner": __version__}


def test_absolute_paths_become_relative_and_osm_data_is_credited(tmp_path):
    result = run_scenario(load_scenario(_project(tmp_path)), write=False)
    demand = dataclasses.replace(result.area.demand, file=str(tmp_path / "data" / "pop.tif"))
    assert isinstance(demand, DemandSummary)
    area = dataclasses.replace(result.area, demand=demand)
    roads = tmp_path / "data" / "roads.osm.pbf"
    networks = {
        mode: dataclasses.replace(
            net, kind="file", provenance={"kind": "file", "path": str(roads), "label": str(roads)}
        )
        for mode, net in result.networks.items()
    }
    summary = run_summary(
        result.scenario,
        area,
        networks,
        result.times,
        result.solution,
        result.current,
        result.proposed,
    )
    assert summary["demand"]["file"] == "data/pop.tif"
    provenance = summary["network"]["modes"]["drive"]["provenance"]
    assert provenance == {
        "kind": "file",
        "path": "data/roads.osm.pbf",
        "label": "data/roads.osm.pbf",
    }
    assert summary["sources"][-1] == OSM_CREDIT
    assert "OpenStreetMap contributors" in OSM_CREDIT and "ODbL" in OSM_CREDIT


#: the pilot's groups travelling by bus and on-demand too (their mixes replaced)
MIXES = {
    "digital_working_age": "{ drive = 0.8, walk = 0.2 }",
    "families": "{ drive = 0.7, walk = 0.1, bus = 0.2 }",
    "older_low_income": "{ drive = 0.4, bus = 0.4, on_demand = 0.2 }",
    "assisted_support": "{ drive = 0.3, bus = 0.5, on_demand = 0.2 }",
}


def _groups_by_bus(path: Path) -> Path:
    """Write the pilot's groups.toml with the mixes of :data:`MIXES`."""
    blocks = PILOT_GROUPS.read_text().split("[[group]]")
    for k, block in enumerate(blocks[1:], start=1):
        gid = re.search(r'^id = "(\w+)"', block, flags=re.M).group(1)
        blocks[k] = re.sub(r"^modes = .*$", f"modes = {MIXES[gid]}", block, flags=re.M)
    path.write_text("[[group]]".join(blocks))
    return path


@pytest.fixture(scope="module")
def bus_summary(tmp_path_factory):
    """summary.json of a Swale run with the test's bus feed and an on-demand zone on Sheppey."""
    pytest.importorskip("gtfs_kit")
    from test_scenario_bus import _feed, _zone

    folder = tmp_path_factory.mktemp("by-mode")
    scenario = scenario_from_dict(
        {
            "name": "bus",
            "area": {"pilot": "swale"},
            "demand": {"groups": str(_groups_by_bus(folder / "groups.toml"))},
            "network": {
                "modes": ["drive", "walk", "bus", "on_demand"],
                "transit": {"gtfs": str(_feed(folder / "feed")), "date": "2024-03-12"},
                "on_demand": {"zone": str(_zone(folder / "zone.gpkg")), "wait_minutes": 20},
            },
        }
    )
    result = run_scenario(scenario, write=False)
    return result, json.loads(json_dumps(result.summary))


def test_summary_gives_the_figures_by_mode_and_what_each_time_holds(bus_summary):
    _result, summary = bus_summary
    by_mode = summary["figures"]["by_mode"]
    assert set(by_mode) == {"allocation", "modes", "current", "proposed"}
    assert "mix of modes reaches fastest" in by_mode["allocation"]
    modes = by_mode["modes"]
    assert list(modes) == ["bus", "drive", "on_demand", "walk"]  # keys sorted in the file
    assert modes["bus"]["wait_factor"] == 0.5 and modes["bus"]["planned"] is False
    assert "0.5 x headway waited at each boarding" in modes["bus"]["time"]
    assert modes["on_demand"]["wait_minutes"] == 20.0
    assert "20-minute booking or pick-up wait" in modes["on_demand"]["time"]
    assert modes["on_demand"]["parameters"] == "assumed"
    assert {m: modes[m]["label"] for m in modes} == {
        "bus": "bus",
        "drive": "car",
        "on_demand": "on-demand minibus",
        "walk": "on foot",
    }
    for state in ("current", "proposed"):
        figures = by_mode[state]
        assert set(figures["bus"]) == {"families", "older_low_income", "assisted_support", "all"}
        assert set(figures["walk"]) == {"digital_working_age", "families", "all"}
        assert set(figures["on_demand"]) == {"older_low_income", "assisted_support", "all"}
        assert set(figures["drive"]) == {g.id for g in _result.area.groups} | {"all"}
        assert "pct_riding" in figures["bus"]["all"]
        assert "pct_riding" not in figures["drive"]["all"]
        group_figures = summary["figures"][state]
        for gid in group_figures:
            rows = [figures[m][gid] for m in figures if gid in figures[m]]
            visits = sum(r["visits"] for r in rows)
            assert visits == pytest.approx(group_figures[gid]["visits"], rel=1e-6)
            assert sum(r["pct_of_visits"] for r in rows) == pytest.approx(100.0)
            mean = sum(r["visits"] * r["mean_minutes"] for r in rows) / visits
            assert mean == pytest.approx(group_figures[gid]["mean_minutes"], rel=1e-5)
    # on-demand only inside its zone: elsewhere the group goes by car and bus, scaled up
    proposed = by_mode["proposed"]
    assisted = {m: proposed[m]["assisted_support"] for m in ("drive", "bus", "on_demand")}
    assert 0 < assisted["on_demand"]["pct_of_visits"] < 20.0
    assert assisted["bus"]["pct_of_visits"] > 50.0
    assert assisted["drive"]["pct_of_visits"] > 30.0
    # the bus saves some a long walk: they board; the others walk to the site
    assert 0 < proposed["bus"]["all"]["pct_riding"] < 100
    assert assisted["drive"]["mean_minutes"] < assisted["bus"]["mean_minutes"]
    assert not any("no bus or train is modelled" in a for a in summary["assumptions"])


def test_a_drive_and_walk_run_keeps_its_figures_and_gains_them_by_mode(tmp_path):
    groups = drive_walk_groups(tmp_path / "groups.toml")
    path = tmp_path / "scenario.toml"
    path.write_text(
        f'name = "s"\n[area]\npilot = "swale"\n[demand]\ngroups = "{groups.name}"\n'
        '[network]\nmodes = ["drive", "walk"]\n'
    )
    result = run_scenario(load_scenario(path), write=False)
    figures = result.summary["figures"]
    for state, ev in (("current", result.current), ("proposed", result.proposed)):
        times = {g.id: result.times.for_group(g.id) for g in result.area.groups}
        plain = evaluate(
            result.area.cells,
            result.area.sites,
            result.area.groups,
            result.weights,
            times,
            ev.open_sites,
            existing=result.area.existing,
        )
        pd.testing.assert_frame_equal(plain.groups, ev.groups)
        pd.testing.assert_frame_equal(plain.sites, ev.sites)
        assert figures[state] == plain.groups.drop(columns="name").to_dict(orient="index")
        assert set(figures["by_mode"][state]) == {"drive", "walk"}
    assert set(figures["by_mode"]["modes"]) == {"drive", "walk"}
    assert any("no bus or train is modelled" in a for a in result.summary["assumptions"])
