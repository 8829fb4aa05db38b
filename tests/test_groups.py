import re

import pytest

from gateway_planner.demand import load_groups, parse_groups
from gateway_planner.errors import InputError

GOOD = """
[[group]]
id = "older"
name = "Older residents"
visits_per_person_year = 1.5
source = "measured: survey 2024"
channels = { face_to_face = 0.6, phone = 0.3, web = 0.1 }
modes = { drive = 0.4, walk = 0.6 }

[[group]]
id = "online"
name = "Online"
visits_per_person_year = 1
channels = { face_to_face = 0.05, phone = 0.15, web = 0.8 }
modes = { drive = 1.0 }
"""


def test_load_groups(tmp_path):
    path = tmp_path / "groups.toml"
    path.write_text(GOOD)
    older, online = load_groups(path)
    assert older.face_to_face == 0.6 and not older.assumed
    assert online.assumed and online.source.startswith("assumed")
    assert dict(online.modes) == {"drive": 1.0}


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        (
            "phone = 0.3",
            "phone = 0.2",
            r"group\[older\]\.channels: channels shares sum to 0\.9, not 1",
        ),
        ("walk = 0.6", "walk = 0.5", r"group\[older\]\.modes: modes shares sum to 0\.9"),
        ('id = "online"', 'id = "older"', r"group id 'older' appears twice"),
        (
            "visits_per_person_year = 1\n",
            "visits_per_person_year = -1\n",
            r"group\[online\]\.visits_per_person_year: Input should be greater than or equal to 0 "
            r"\(got -1\)\. Fix: use a number >= 0",
        ),
        (
            "web = 0.1 }",
            "web = 0.1, post = 0.0 }",
            r"channels must have exactly face_to_face, phone, web",
        ),
        (
            'source = "measured',
            'sauce = "measured',
            r"group\[older\]\.sauce: unknown key\. Fix: remove it",
        ),
        (
            "visits_per_person_year = 1.5",
            "visits_per_person_year = true",
            r"group\[older\]\.visits_per_person_year: Input should be a valid number",
        ),
        (
            'id = "older"',
            'id = "old-er"',
            r"group\[0\]\.id: holds characters that are not allowed here \(got 'old-er'\)\. "
            r"Fix: give each group an id made of letters, digits and _",
        ),
    ],
)
def test_bad_groups(tmp_path, old, new, pattern):
    path = tmp_path / "groups.toml"
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(InputError, match=pattern) as info:
        load_groups(path)
    assert str(path) in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path):
    text = (
        GOOD.replace("phone = 0.3", "phone = 0.2")
        .replace("web = 0.8 }", "web = 0.8, post = 0.0 }")
        .replace("walk = 0.6", "walk = -0.6")
        .replace('id = "online"', 'id = "older"')
    )
    path = tmp_path / "groups.toml"
    path.write_text(f'title = "groups"\n{text}')
    with pytest.raises(
        InputError, match=r"groups\.toml: 5 problems: \(1\) title: unknown key"
    ) as info:
        load_groups(path)
    problems = info.value.problems
    assert [p.field for p in problems] == [
        "title",
        "group[older].channels",
        "group[older].modes.walk",
        "group[older].channels",
        "group[older].id",
    ]
    assert "channels shares sum to 0.9, not 1" in problems[1].message
    assert problems[1].fix == "rescale the shares so they sum to 1"
    assert "channels must have exactly face_to_face, phone, web" in problems[3].message
    assert problems[4].message == "group id 'older' appears twice"
    assert all(p.fix for p in problems)


def test_a_file_without_groups(tmp_path):
    path = tmp_path / "groups.toml"
    path.write_text('name = "none"\n')
    with pytest.raises(
        InputError, match=r"2 problems: \(1\) group: no \[\[group\]\] tables found\. Fix: add one"
    ):
        load_groups(path)


def test_pilot_groups_name_their_fields_by_id():
    data = {
        "group": [{"id": "older_low_income", "visits_per_person_year": 1.0, "modes": {"walk": 1}}]
    }
    with pytest.raises(
        InputError, match=r"pilot\.toml: group\[older_low_income\]\.channels: Field required"
    ):
        parse_groups(data, file="pilot.toml")


def test_missing_groups_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_groups(tmp_path / "none.toml")


DECAY = "modes = { drive = 0.4, walk = 0.6 }\n"


@pytest.mark.parametrize(
    ("decay", "pattern"),
    [
        (
            'decay = { form = "exponential", beta = -0.02 }',
            r"groups\.toml: group\[older\]\.decay: decay\.beta = -0\.02 must be a number > 0 for "
            r"exponential decay\. Fix: give decay\.beta as a number > 0",
        ),
        (
            'decay = { form = "exponential", beta = "fast" }',
            r"group\[older\]\.decay: decay\.beta = 'fast' must be a number > 0 .*Fix: give decay\.beta",
        ),
        (
            'decay = { form = "power", beta = 1.5, t0 = -10 }',
            r"group\[older\]\.decay: decay\.t0 = -10 must be a number of minutes > 0\. "
            r"Fix: give decay\.t0 as a number of minutes > 0",
        ),
        (
            'decay = { form = "exponential", beta = 0.02, cutoff = -1 }',
            r"cut-off = -1 must be a number of minutes >= 0\. Fix: give decay\.cutoff",
        ),
        (
            'decay = { form = "exponential", beta = 0.02, cutoff = "never" }',
            r"cut-off = 'never' must be a number of minutes >= 0",
        ),
        (
            'decay = { form = "gaussian", beta = 0.02 }',
            r"decay form 'gaussian' is not one of exponential, power\. Fix: set decay\.form",
        ),
        (
            'decay = { form = "exponential", beta = 0.02, half_life = 30 }',
            r"unknown decay keys \['half_life'\]\. Fix: use only the keys form, beta, t0",
        ),
    ],
)
def test_bad_decays_give_one_line(tmp_path, decay, pattern):
    path = tmp_path / "groups.toml"
    path.write_text(GOOD.replace(DECAY, f"{DECAY}{decay}\n", 1))
    with pytest.raises(InputError) as info:
        load_groups(path)
    assert "\n" not in str(info.value)
    assert re.search(pattern, str(info.value)), str(info.value)


def test_decays_and_the_stored_calibration(tmp_path):
    import numpy as np

    path = tmp_path / "groups.toml"
    text = GOOD.replace(
        DECAY, f'{DECAY}decay = {{ form = "power", beta = 2, t0 = 10, cutoff = 60 }}\n', 1
    )
    text += '\n[calibration]\nvisit_rate_multiplier = 2.5\nsource = "fitted to a count"\n'
    path.write_text(text)
    older, online = load_groups(path)
    assert older.decay is not None and online.decay is None
    assert older.decay.factor(np.array([0.0, 10.0, 61.0, np.inf])) == pytest.approx(
        [1.0, 0.25, 0.0, 0.0]
    )
    assert older.decay.describe() == "power, beta 2, t0 10 min, none past 60 min"
    assert older.decay.scaled(0.5).beta == 1.0
    assert older.rate_multiplier == online.rate_multiplier == 2.5
    assert older.visits_per_person_year == 1.5
    assert older.modelled_visits_per_person_year == pytest.approx(3.75)
    assert online.rate_source == "fitted to a count"
    path.write_text(text.replace("= 2.5", "= 0"))
    with pytest.raises(InputError, match=r"calibration\.visit_rate_multiplier: Input should be"):
        load_groups(path)


def test_the_calibrated_rates_scale_the_weights(tmp_path):
    import geopandas as gpd
    import shapely

    from gateway_planner.demand import face_to_face_weights

    path = tmp_path / "groups.toml"
    path.write_text(GOOD)
    plain = load_groups(path)
    path.write_text(GOOD + '\n[calibration]\nvisit_rate_multiplier = 3\nsource = "x"\n')
    scaled = load_groups(path)
    cells = gpd.GeoDataFrame(
        {"population": [100.0], "share__older": [0.5], "share__online": [0.5]},
        geometry=[shapely.box(0, 0, 1, 1)],
        index=["c"],
        crs=27700,
    )
    a = face_to_face_weights(cells, plain)
    b = face_to_face_weights(cells, scaled)
    assert b == pytest.approx(3 * a) and a[0, 0] == pytest.approx(50 * 0.6 * 1.5)
