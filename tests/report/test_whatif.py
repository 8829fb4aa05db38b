"""WhatIf and Preset: the data a what-if map carries, checked when they are made."""

import numpy as np
import pytest
from report_fixtures import build_what_if

from gateway_planner.errors import InputError
from gateway_planner.report import Preset, WhatIf


def test_a_preset_holds_plain_site_ids():
    preset = Preset("Alternative 1", np.array(["A", "C"], dtype=object))
    assert preset == Preset("Alternative 1", ("A", "C"))
    assert preset.open_sites == ("A", "C")


def test_what_if_data_of_one_run_keep_their_shapes():
    what_if = build_what_if(modes="transit", alternatives=[Preset("Alt", ["A"])])
    assert what_if.pairs == 9 * 3
    assert what_if.weights.dtype == np.float64 and what_if.people.shape == (9, 2)
    assert what_if.alternatives == (Preset("Alt", ["A"]),)
    assert set(what_if.by_mode) == {"drive", "walk", "bus", "on_demand"}


def test_what_if_data_of_different_runs_are_refused_with_every_problem():
    times = {"g": np.zeros((9, 3))}
    with pytest.raises(InputError) as err:
        WhatIf(times=times, weights=np.zeros((9, 2)), people=np.zeros((8, 2)), by_mode={})
    assert "weights (9, 2) and people (8, 2)" in str(err.value)
    with pytest.raises(InputError) as err:
        WhatIf(
            times=times,
            weights=np.zeros((9, 1)),
            people=np.zeros((9, 1)),
            by_mode={"walk": np.zeros((9, 4))},
        )
    assert "one (n_cells, n_sites)" in str(err.value)
    assert err.value.field == "what_if"
