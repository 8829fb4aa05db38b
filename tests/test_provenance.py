"""What summary.json records: paths relative to the scenario file, and every source credited."""

import dataclasses
import json
import shutil
from pathlib import Path

import pandas as pd

from gateway_planner import __version__
from gateway_planner._io import json_dumps
from gateway_planner.config import load_scenario
from gateway_planner.contracts import DemandSummary
from gateway_planner.provenance import OSM_CREDIT, run_summary
from gateway_planner.scenario import run_scenario

PILOT_SITES = Path(__file__).resolve().parents[1] / "data" / "pilot" / "swale" / "sites.csv"


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
