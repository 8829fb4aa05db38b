"""The sweep module: reading --param values, naming variants, the grid, one matrix per input set."""

import importlib
import re
from pathlib import Path

import pytest

import gateway_planner.scenario as scenario_module
from gateway_planner import sweep
from gateway_planner._sweep import (
    parse_param,
    sweep_folder,
    sweep_variants,
    variant_name,
    variant_title,
)
from gateway_planner.config import load_scenario
from gateway_planner.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def pilot_scenario(folder: Path) -> Path:
    """A copy of the Sheerness scenario writing into folder/out."""
    text = (ROOT / "scenarios" / "sheerness.toml").read_text()
    path = folder / "sheerness.toml"
    text = text.replace('"../data/', f'"{ROOT.as_posix()}/data/')  # the pilot's feed and zone
    path.write_text(text.replace('folder = "../outputs/', 'folder = "out/'))
    return path


@pytest.mark.parametrize(
    ("text", "key", "values"),
    [
        ("objective.new_sites=1,2,3", "objective.new_sites", [1, 2, 3]),
        ("demand.channel_shift = 0, -0.2", "demand.channel_shift", [0, -0.2]),
        ("network.source=proxy,osm", "network.source", ["proxy", "osm"]),
        ('title="a, b"', "title", ['"a', 'b"']),  # commas always separate values
        ("objective.keep_existing=true,false", "objective.keep_existing", [True, False]),
    ],
)
def test_parse_param(text, key, values):
    assert parse_param(text) == (key, values)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("objective.new_sites", r"param: sweep parameter 'objective.new_sites' is not KEY=VALUE"),
        ("=1,2", r"is not KEY=VALUE1,VALUE2. Fix: .*objective.new_sites=1,2,3"),
        ("objective.new_sites=1,,2", r"objective.new_sites: .* has an empty value"),
    ],
)
def test_bad_params(text, pattern):
    with pytest.raises(InputError, match=pattern):
        parse_param(text)


def test_variant_names_are_deterministic_and_valid():
    name = variant_name("sheerness", {"objective.new_sites": 2, "demand.channel_shift": -0.2})
    assert name == "sheerness-new_sites_2-channel_shift_-0.2"
    both = variant_name("s", {"network.limit_minutes": 30, "objective.limit_minutes": 20.0})
    assert both == "s-network.limit_minutes_30-objective.limit_minutes_20.0"
    assert variant_name("s", {"objective.keep_existing": False}) == "s-keep_existing_false"
    assert variant_name("s", {"title": "A b/c"}) == "s-title_A_b_c"
    for n in (name, both):
        assert NAME.match(n)


def test_the_grid_of_variants():
    base = load_scenario(ROOT / "scenarios" / "sheerness.toml")
    variants = sweep_variants(
        base, {"objective.new_sites": [1, 2], "demand.channel_shift": [0, -0.2]}
    )
    assert [v.name for v in variants] == [
        "sheerness-new_sites_1-channel_shift_0",
        "sheerness-new_sites_1-channel_shift_-0.2",
        "sheerness-new_sites_2-channel_shift_0",
        "sheerness-new_sites_2-channel_shift_-0.2",
    ]
    assert [v.title for v in variants] == [
        "Sheerness Gateway, Swale (Kent) — 1 new site, face-to-face visits as today",
        "Sheerness Gateway, Swale (Kent) — 1 new site, 20 % fewer face-to-face visits",
        "Sheerness Gateway, Swale (Kent) — 2 new sites, face-to-face visits as today",
        "Sheerness Gateway, Swale (Kent) — 2 new sites, 20 % fewer face-to-face visits",
    ]
    assert base.title == "Sheerness Gateway, Swale (Kent)"  # the base keeps its own
    assert [v.objective.new_sites for v in variants] == [1, 1, 2, 2]
    assert [v.demand.channel_shift for v in variants] == [0, -0.2, 0, -0.2]
    assert all(v.output.folder is None and v.source_path == base.source_path for v in variants)
    assert sweep_folder(base) == base.output_folder().with_name("sheerness-sweep")


@pytest.mark.parametrize(
    ("updates", "title"),
    [
        ({"objective.new_sites": 0}, "S — no new site"),
        ({"demand.channel_shift": 0.1}, "S — 10 % more face-to-face visits"),
        ({"objective.model": "pcenter"}, "S — shortest longest journey"),
        (
            {"objective.model": "max_coverage", "objective.limit_minutes": 20},
            "S — most visits within the limit, limit 20 min",
        ),
        ({"objective.keep_existing": False}, "S — existing sites may close"),
        ({"objective.coverage_share": 0.95}, "S — 95 % of visits within the limit"),
        ({"network.source": "osm"}, "S — OpenStreetMap roads"),
        ({"network.modes": ["walk"]}, "S — walk only"),
        ({"network.limit_minutes": 90.0}, "S — journeys up to 90.0 min"),
        ({"objective.seed": 3}, "S — seed 3"),  # no words of its own: key and value
        ({"title": "Other", "objective.new_sites": 2}, "Other — 2 new sites"),
        ({"name": "x"}, "S"),
    ],
)
def test_variant_titles_say_what_differs(updates, title):
    assert variant_title("S", updates) == title


@pytest.mark.parametrize(
    ("params", "pattern"),
    [
        ({}, r"a sweep needs at least one parameter"),
        ({"objective.new_sites": []}, r"objective.new_sites: .* has no list of values"),
        (
            {"objective.new_site": [1]},
            r"sheerness.toml: objective.new_site: sweep variant 'sheerness-new_site_1': "
            r"unknown scenario key",
        ),
        (
            {"objective.new_sites": [1, -1]},
            r"objective.new_sites: sweep variant 'sheerness-new_sites_-1': .*Fix: use a number >= 0",
        ),
        ({"objective.new_sites": [1, 1]}, r"would share the names \['sheerness-new_sites_1'\]"),
    ],
)
def test_bad_grids_are_reported_before_any_run(params, pattern):
    base = load_scenario(ROOT / "scenarios" / "sheerness.toml")
    with pytest.raises(InputError, match=pattern):
        sweep_variants(base, params)


def test_variants_of_other_network_inputs_build_their_own_matrix(tmp_path, monkeypatch):
    sweep_module = importlib.import_module("gateway_planner._sweep")

    builds = []
    original = scenario_module.build_networks

    def counted(scenario, *args, **kwargs):
        builds.append(scenario.network.limit_minutes)
        return original(scenario, *args, **kwargs)

    monkeypatch.setattr(scenario_module, "build_networks", counted)
    monkeypatch.setattr(sweep_module, "compare", lambda results, **_: (None, results))
    _table, results = sweep(
        pilot_scenario(tmp_path),
        {"network.limit_minutes": [400, 500], "objective.new_sites": [1, 2]},
        folder=tmp_path / "unused",
    )
    assert builds == [400, 500]  # one matrix per limit, shared by its two new_sites variants
    assert results[1].times is results[0].times and results[2].times is not results[0].times
    assert [r.scenario.name for r in results][1] == "sheerness-limit_minutes_400-new_sites_2"
