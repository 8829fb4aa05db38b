"""The README's example of one's own study area is a scenario, a shares table and a sites file
that the package reads as the README says."""

import re
import tomllib
from pathlib import Path

import pyproj

from gateway_planner.area import read_sites
from gateway_planner.config import scenario_from_dict
from gateway_planner.demand import read_shares
from gateway_planner.groups import load_groups

ROOT = Path(__file__).resolve().parents[1]


def _blocks() -> dict[str, str]:
    """Code blocks of the README whose first line names a file (``# my-area/...``)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = {}
    for body in re.findall(r"```(?:toml)?\n(.*?)```", text, flags=re.S):
        first, _, rest = body.partition("\n")
        match = re.match(r"# (my-area/[\w.-]+)", first)
        if match:
            found[match.group(1)] = rest
    return found


def test_the_readme_names_its_example_files():
    assert set(_blocks()) == {"my-area/scenario.toml", "my-area/shares.csv", "my-area/sites.csv"}


def test_the_example_scenario_is_valid_and_resolves_its_paths(tmp_path):
    data = tomllib.loads(_blocks()["my-area/scenario.toml"])
    scenario = scenario_from_dict(data, base=tmp_path)
    assert scenario.area.boundary == tmp_path / "area.gpkg"
    assert scenario.demand.shares == tmp_path / "shares.csv"
    assert scenario.network.source == "file" and scenario.network.path.name == "my-area.osm.pbf"


def test_the_example_tables_read_as_described(tmp_path):
    blocks = _blocks()
    sites_path = tmp_path / "sites.csv"
    sites_path.write_text(blocks["my-area/sites.csv"], encoding="utf-8")
    sites = read_sites(sites_path, crs=pyproj.CRS("EPSG:27700"))
    assert list(sites.index) == ["town-hall", "library"]
    assert list(sites["status"]) == ["existing", "candidate"]
    assert sites.loc["town-hall", "capacity"] == 900
    assert sites["capacity"].isna().tolist() == [False, True]
    shares_path = tmp_path / "shares.csv"
    shares_path.write_text(blocks["my-area/shares.csv"], encoding="utf-8")
    groups = load_groups(ROOT / "data" / "pilot" / "groups.toml")  # the same four group ids
    table = read_shares(shares_path, groups, key="zone_code")
    assert list(table.index) == ["E01024475", "E01024476"]
    assert table.loc["E01024476", "share__families"] == 0.35
