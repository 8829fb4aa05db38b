from pathlib import Path

import pytest

from gateway_planner.config import load_scenario, scenario_from_dict
from gateway_planner.errors import InputError

MINIMAL = 'name = "t"\n[area]\npilot = "swale"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text)
    return path


def test_defaults_and_relative_paths(tmp_path):
    s = load_scenario(
        write(tmp_path, MINIMAL + '[demand]\ngroups = "g/groups.toml"\n[output]\nfolder = "out"\n')
    )
    assert (
        s.objective.model == "pmedian" and s.objective.new_sites == 1 and s.objective.keep_existing
    )
    assert s.network.source == "proxy" and s.network.modes == ["drive", "walk"]
    assert s.demand.groups == (tmp_path / "g" / "groups.toml").resolve()
    assert s.output_folder() == (tmp_path / "out").resolve()
    assert s.source_path == tmp_path / "s.toml"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            MINIMAL + "[objective]\nnew_sites = -1\n",
            r"s\.toml: objective\.new_sites: .*got -1.*Fix: use a number >= 0",
        ),
        (
            MINIMAL + "[objectiv]\nnew_sites = 1\n",
            r"s\.toml: objectiv: unknown key\. Fix: remove it",
        ),
        (
            MINIMAL + "[network]\nspeeds = { drive = { primary = 0 } }\n",
            r"network\.speeds: speeds must be positive.*drive\.primary",
        ),
        (MINIMAL + "[network]\nspeeds = { primary = 30 }\n", r"network\.speeds\.primary: .*Fix:"),
        (
            MINIMAL + '[objective]\nmodel = "max_coverage"\n',
            r"objective: model 'max_coverage' needs objective\.limit_minutes",
        ),
        ('name = "t"\n[area]\n', r"area: give exactly one of area\.pilot or area\.boundary"),
        (
            'name = "bad name"\n[area]\npilot = "swale"\n',
            r"s\.toml: name: name 'bad name' holds characters a folder name may not \(' '\)\. "
            r"Fix: use only letters \(a-z, A-Z\), digits, '-', '_' and '\.'",
        ),
        (
            'name = "-x"\n[area]\npilot = "swale"\n',
            r"name: name '-x' must start with a letter or a digit\. Fix: begin the name with",
        ),
        (
            'name = "t"\n[area]\nboundary = "b.gpkg"\n',
            r"needs demand\.population, demand\.groups, sites\.file",
        ),
        (
            MINIMAL + '[network]\nsource = "road"\n',
            r"network\.source: .*Fix: use one of 'proxy', 'osm' or 'file'",
        ),
        ("name = \n", r"s\.toml: not valid TOML"),
    ],
)
def test_bad_scenarios_give_one_line_naming_file_field_fix(tmp_path, text, pattern):
    with pytest.raises(InputError, match=pattern) as info:
        load_scenario(write(tmp_path, text))
    assert "\n" not in str(info.value)


def test_missing_scenario_file(tmp_path):
    with pytest.raises(
        InputError, match=r"nope\.toml: scenario file not found\. Fix: check the path"
    ):
        load_scenario(tmp_path / "nope.toml")


def test_with_updates_revalidates():
    s = scenario_from_dict({"name": "t", "area": {"pilot": "swale"}})
    assert (
        s.with_updates({"objective.new_sites": 3, "demand.channel_shift": -0.2}).objective.new_sites
        == 3
    )
    with pytest.raises(InputError, match=r"unknown scenario key 'objective\.p'"):
        s.with_updates({"objective.p": 3})
    with pytest.raises(InputError, match=r"objective\.new_sites"):
        s.with_updates({"objective.new_sites": -2})


def test_speed_tables_carry_the_walking_speed():
    s = scenario_from_dict(
        {
            "name": "t",
            "area": {"pilot": "swale"},
            "network": {"walk_speed_kmh": 4.0, "speeds": {"drive": {"primary": 50}}},
        }
    )
    assert s.network.speed_tables() == {"drive": {"primary": 50.0}, "walk": {"default": 4.0}}


def test_a_bare_pilot_scenario_takes_its_areas_network():
    """The pilot's groups go by bus and on-demand transport: area.toml's [network] supplies them."""
    from gateway_planner.config import scenario_from_dict
    from gateway_planner.pilot import data_dir

    for pilot in ("swale", "saint-omer"):
        bare = scenario_from_dict({"name": "bare", "area": {"pilot": pilot}})
        assert bare.network.modes == ["drive", "walk", "bus", "on_demand"]
        folder = data_dir() / "pilot" / pilot
        assert bare.network.transit.gtfs == folder / "gtfs"
        assert str(bare.network.transit.date) == "2024-03-12"
        assert bare.network.on_demand.zone == folder / "on_demand_zone.geojson"
        assert bare.network.on_demand.source.startswith("assumed:")
    # keys the scenario gives win; naming the modes takes none of the area's network
    fast = scenario_from_dict(
        {"name": "b", "area": {"pilot": "swale"}, "network": {"limit_minutes": 60}}
    )
    assert fast.network.limit_minutes == 60 and "bus" in fast.network.modes
    own = scenario_from_dict(
        {"name": "b", "area": {"pilot": "swale"}, "network": {"modes": ["drive"]}}
    )
    assert own.network.modes == ["drive"] and own.network.transit is None
    # the planner's own groups: the modes stay drive and walk unless the scenario names others
    groups = scenario_from_dict(
        {"name": "b", "area": {"pilot": "swale"}, "demand": {"groups": "g.toml"}}
    )
    assert groups.network.modes == ["drive", "walk"] and groups.network.transit is None
    user = scenario_from_dict(
        {
            "name": "u",
            "area": {"boundary": "b.gpkg"},
            "demand": {"population": "p.tif", "groups": "g.toml"},
            "sites": {"file": "s.csv"},
        }
    )
    assert user.network.modes == ["drive", "walk"]
