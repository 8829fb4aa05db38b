"""The what-if part of a map's payload: decoded here as the browser decodes it."""

import base64
import logging
import zlib

import numpy as np
import pytest
from report_fixtures import BANNERS, SUMMARY, XSS_SITE, build_run, build_what_if

from gateway_planner.errors import InputError
from gateway_planner.report import Preset, ScenarioView
from gateway_planner.report import _whatif_payload as payload_module
from gateway_planner.report._whatif_codec import hundredths, mix_prediction, tie_ranks, unpack_codes
from gateway_planner.report._whatif_payload import all_site_colours, whatif_payload

PALETTE = ["#111111", "#222222", "#333333"]


def _view(modes="transit", alternatives=(), with_what_if=True):
    what_if = build_what_if(modes=modes, alternatives=alternatives) if with_what_if else None
    return ScenarioView("t", "T", *build_run(modes=modes), SUMMARY, BANNERS, what_if=what_if)


def _unzig(u):
    return (u >> 1) ^ -(u & 1)


def _decode(w):
    """Every array of the payload, as whatif_eval.js reads them."""
    raw = zlib.decompress(base64.b64decode(w["data"]))
    shape = (w["cells"], w["sites"])
    out = {}
    for a in w["arrays"]:
        part = raw[a["offset"] : a["offset"] + a["bytes"]]
        if a["kind"] == "f64":
            out[a["name"]] = np.frombuffer(part, dtype="<f8").reshape(w["cells"], -1)
        else:
            out[a["name"]] = unpack_codes(part, shape, a["planes"], delta=a["delta"])
    return out


@pytest.mark.parametrize("modes", ["transit", "drive_walk", None])
def test_the_page_gets_every_journey_in_hundredths_and_the_exact_order(modes):
    view = _view(modes=modes)
    what_if = view.what_if
    w = whatif_payload(view, {"A": "#aaaaaa"}, PALETTE)
    arrays = _decode(w)
    assert np.array_equal(arrays["weights"], what_if.weights)
    assert np.array_equal(arrays["people"], what_if.people)
    keys = [m["key"] for m in w["modes"]]
    assert keys == {
        "transit": ["drive", "walk", "bus", "on_demand"],
        "drive_walk": ["drive", "walk"],
    }.get(modes, [])
    mode_q = []
    for m in keys:  # the bus as the minutes it saves over walking, the others on their own
        meta = next(a for a in w["arrays"] if a["name"] == f"mode:{m}")
        codes = arrays[f"mode:{m}"]
        if "base" in meta:
            assert m == "bus" and keys[meta["base"]] == "walk"
            mode_q.append(np.where(codes > 0, mode_q[meta["base"]] - _unzig(codes - 1), -1))
        else:
            mode_q.append(codes - 1)
    assert ("base" in str(w["arrays"])) == (modes == "transit")
    for m, q in zip(keys, mode_q, strict=True):
        assert np.array_equal(q, hundredths(what_if.by_mode[m])), m
    for k, g in enumerate(view.groups):
        meta = next(a for a in w["arrays"] if a["name"] == f"group:{g.id}")
        codes = arrays[f"group:{g.id}"]
        guess = mix_prediction(mode_q, meta["predict"]) if meta["predict"] else 0
        q = np.where(codes > 0, guess + _unzig(codes - 1), -1)
        expected = hundredths(what_if.times[g.id])
        assert np.array_equal(q, expected), g.id
        ties = tie_ranks(np.asarray(what_if.times[g.id], dtype=float), expected)
        assert np.array_equal(arrays[f"ties:{g.id}"], ties)
        assert w["tie_base"] > ties.max()
        assert w["groups"][k] == [g.modes.get(m, 0.0) for m in keys]


def test_sites_presets_and_colours():
    view = _view(alternatives=[Preset("Alternative <1>", ["A", "C"])])
    w = whatif_payload(view, {"A": "#aaaaaa", "B": "#bbbbbb"}, PALETTE)
    assert w["cells"] == 9 and w["sites"] == 3
    assert w["existing"] == [0]
    assert w["capacity"] == [40.0, None, None]
    assert w["observed"] == [None, None, None]
    assert w["colours"] == ["#aaaaaa", "#bbbbbb", "#333333"]
    assert w["presets"] == [
        {"key": "today", "label_html": "Today", "open": [0]},
        {"key": "proposal", "label_html": "Proposal", "open": [0, 1]},
        {"key": "alternative-1", "label_html": "Alternative &lt;1&gt;", "open": [0, 2]},
    ]
    assert w["bands"] == [15, 30, 45]
    assert w["ride"] == {"bus": 2, "walk": 1, "tolerance": 0.01}
    assert XSS_SITE not in str(w)
    # the map's own colours took the palette's first places: the other sites go on from there
    assert all_site_colours(["x", "y", "z"], {"y": "#y"}, ["#0", "#1"]) == ["#1", "#y", "#0"]


def test_without_data_or_past_the_size_limit_the_map_has_no_switches(monkeypatch, caplog):
    assert whatif_payload(_view(with_what_if=False), {}, PALETTE) is None
    monkeypatch.setattr(payload_module, "MAX_PAIRS", 26)
    with caplog.at_level(logging.WARNING, logger="gateway_planner"):
        assert whatif_payload(_view(), {}, PALETTE) is None
    assert "27 cell-site pairs, more than the 26" in caplog.text


def test_a_preset_naming_an_unknown_site_is_refused():
    view = _view(alternatives=[Preset("Alternative 1", ["A", "Z"])])
    with pytest.raises(InputError, match=r"opens sites \['Z'\]"):
        whatif_payload(view, {}, PALETTE)
