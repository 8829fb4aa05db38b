import json
import math

import numpy as np
import pytest

from gateway_planner._io import (
    atomic_path,
    file_digest,
    json_dumps,
    write_text,
)


def test_json_is_deterministic_and_plain():
    text = json_dumps(
        {"b": np.float32(1.23456789), "a": [np.int64(2), math.inf, math.nan, -0.0], "c": (1, 2)}
    )
    assert text == json_dumps({"c": (1, 2), "a": [2, math.inf, math.nan, 0.0], "b": 1.23456789})
    assert json.loads(text) == {"a": [2, "inf", None, 0.0], "b": 1.234568, "c": [1, 2]}


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_file_digest(tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"abc")
    assert (
        file_digest(p) == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
