import pytest

from gateway_planner.demand import load_groups
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
            r"visits_per_person_year is -1",
        ),
        (
            "web = 0.1 }",
            "web = 0.1, post = 0.0 }",
            r"channels must have exactly face_to_face, phone, web",
        ),
        ('source = "measured', 'sauce = "measured', r"unknown keys \['sauce'\]"),
    ],
)
def test_bad_groups(tmp_path, old, new, pattern):
    path = tmp_path / "groups.toml"
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(InputError, match=pattern) as info:
        load_groups(path)
    assert str(path) in str(info.value)


def test_missing_groups_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_groups(tmp_path / "none.toml")
