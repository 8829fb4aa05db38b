"""Every TOML file is read and validated the same way, and every problem is reported at once."""

import pytest
from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway_planner._toml import read_toml, validate
from gateway_planner.errors import InputError, InputProblem


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid")

    speed: float = Field(gt=0)
    count: int = 1
    kind: str = "a"

    @model_validator(mode="after")
    def _kind_b_needs_two(self) -> "_Table":
        if self.kind == "b" and self.count < 2:
            msg = "kind 'b' needs count >= 2"
            raise ValueError(msg)
        return self


def test_read_toml_names_the_file_and_the_fix(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('a = 1\n[t]\nb = "x"\n', encoding="utf-8")
    assert read_toml(good) == {"a": 1, "t": {"b": "x"}}
    with pytest.raises(InputError, match=r"nope\.toml: params file not found\. Fix: check"):
        read_toml(tmp_path / "nope.toml", what="params file")
    with pytest.raises(InputError, match=r"is a folder, not a file"):
        read_toml(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text("a = \n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.toml: not valid TOML .*Fix: correct the TOML"):
        read_toml(bad)
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "Saint-Omer é"\n'.encode("latin-1"))
    with pytest.raises(
        InputError, match=r"latin\.toml: is not UTF-8 text.*Fix: save the file as UTF-8"
    ):
        read_toml(latin)


def test_one_problem_keeps_the_one_line_form():
    with pytest.raises(InputError) as info:
        validate(_Table, {"speed": 0}, file="p.toml", prefix="drive")
    assert (
        str(info.value)
        == "p.toml: drive.speed: Input should be greater than 0 (got 0). Fix: use a number > 0"
    )
    assert info.value.field == "drive.speed"
    assert info.value.problems == (
        InputProblem("drive.speed", "Input should be greater than 0 (got 0)", "use a number > 0"),
    )


def test_every_problem_is_reported_at_once_on_one_line():
    with pytest.raises(InputError) as info:
        validate(_Table, {"speed": -1, "count": "x", "colour": "red"}, file="p.toml")
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith("p.toml: 3 problems: (1) speed: ")
    assert (
        "(2) count: Input should be a valid integer" in text and "Fix: use a whole number" in text
    )
    assert "(3) colour: unknown key. Fix: remove it" in text
    assert [p.field for p in info.value.problems] == ["speed", "count", "colour"]
    assert info.value.field == "speed" and info.value.fix == "use a number > 0"


def test_model_checks_get_their_own_fix():
    with pytest.raises(
        InputError, match=r"kind 'b' needs count >= 2\. Fix: set count to 2 or more"
    ):
        validate(
            _Table,
            {"speed": 1, "kind": "b"},
            file="p.toml",
            fixes={"needs count": "set count to 2 or more"},
        )


def test_from_problems_needs_a_problem():
    with pytest.raises(ValueError, match="at least one problem"):
        InputError.from_problems([])
