"""Each location model, chosen in a scenario file, runs end to end on the Swale pilot."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from run_outputs import drive_walk_groups

import gateway_planner.settings as gps
from gateway_planner._io import json_dumps
from gateway_planner.config import load_scenario, scenario_from_dict
from gateway_planner.errors import InputError
from gateway_planner.locate.problem import PATHS
from gateway_planner.minutes import dense_rows
from gateway_planner.scenario import run_scenario

ROOT = Path(__file__).resolve().parents[1]


def swale(**objective):
    """The Swale pilot without its bus feed (its groups by car and on foot), for a model."""
    groups = {"groups": str(drive_walk_groups())}
    return scenario_from_dict(
        {"name": "t", "area": {"pilot": "swale"}, "demand": groups, "objective": objective}
    )


@pytest.fixture(scope="module")
def pmedian_run():
    return run_scenario(swale(new_sites=1), write=False)


@pytest.mark.parametrize(
    "objective",
    [
        {"model": "max_coverage", "new_sites": 1, "limit_minutes": 20},
        {
            "model": "max_coverage",
            "new_sites": 1,
            "limit_minutes": 30,
            "decay": "linear",
            "decay_start": 10,
        },
        {"model": "pcenter", "new_sites": 1},
        {"model": "pcenter", "new_sites": 1, "weighted_center": True},
        {"model": "set_cover", "limit_minutes": 120, "coverage_share": 0.8},
        {"model": "max_attendance", "new_sites": 1},
        {
            "model": "max_attendance",
            "new_sites": 1,
            "decay": "power",
            "decay_beta": 1.5,
            "decay_t0": 20,
            "limit_minutes": 90,
        },
    ],
    ids=[
        "coverage",
        "coverage-linear",
        "pcenter",
        "pcenter-weighted",
        "set-cover-share",
        "attendance-groups",
        "attendance-power",
    ],
)
def test_every_model_runs_from_a_scenario(objective):
    result = run_scenario(swale(**objective), write=False)
    sol = result.solution
    assert sol.model == objective["model"]
    assert "sheerness-gateway" in sol.open_sites
    assert sol.gap <= 1e-6 and sol.status == "optimal"
    if objective["model"] != "set_cover":
        assert len(sol.open_sites) == len(result.area.existing) + 1
    assert result.summary["solver"]["model"] == objective["model"]
    # which branch proved the answer is recorded (the pilot's few candidates are enumerated)
    assert result.summary["solver"]["path"] == sol.path
    assert sol.path in PATHS


def test_a_coverage_target_out_of_reach_is_refused_before_solving():
    with pytest.raises(
        InputError,
        match=r"objective\.limit_minutes: 1374 cells with face-to-face demand \(.* of .* visits a "
        r"month\) are beyond objective\.limit_minutes = 1 of every site: .* and 1369 more\. "
        r"Fix: raise objective\.limit_minutes",
    ):
        run_scenario(swale(model="set_cover", limit_minutes=1, coverage_share=1.0), write=False)


@pytest.fixture(scope="module")
def drive_only(tmp_path_factory):
    """The pilot's groups, all travelling by car (a one-network run)."""
    from pathlib import Path

    import gateway_planner

    source = Path(gateway_planner.__file__).resolve().parents[1] / "data" / "pilot" / "groups.toml"
    text = re.sub(r"modes = \{[^}]*\}", "modes = { drive = 1.0 }", source.read_text())
    path = tmp_path_factory.mktemp("groups") / "groups.toml"
    path.write_text(text)
    return scenario_from_dict(
        {
            "name": "drive-only",
            "area": {"pilot": "swale"},
            "demand": {"groups": str(path)},
            "network": {"modes": ["drive"]},
            "objective": {"new_sites": 2},
        }
    )


def test_a_one_mode_run_cuts_its_searches_by_the_existing_site_and_solves_the_same(drive_only):
    from gateway_planner.costs import build_problem, searches_cut_by
    from gateway_planner.locate import solve
    from gateway_planner.network import travel_times

    result = run_scenario(drive_only, write=False)
    assert result.times.kept_sites == result.area.existing  # the pilot's service points
    assert result.summary["network"]["searches_cut_by"] == list(result.area.existing)
    area = result.area
    whole = travel_times(
        {"drive": result.networks["drive"]},
        area.cells,
        area.sites,
        groups=area.groups,
        limit_minutes=drive_only.network.limit_minutes,
    )
    assert (
        np.isfinite(whole.for_mode("drive")).sum()
        > np.isfinite(result.times.for_mode("drive")).sum()
    )
    problem = build_problem(drive_only, area, result.weights, whole)
    assert solve(problem).open_sites == result.solution.open_sites
    # runs whose sites may close, or with capacities or two modes, search whole
    assert searches_cut_by(drive_only.with_updates({"objective.keep_existing": False}), area) == ()
    assert searches_cut_by(swale(new_sites=1), area) == ()
    # a reused run whose searches were cut is not reused by a variant that may close sites
    free = run_scenario(
        drive_only.with_updates({"objective.keep_existing": False}), write=False, reuse=result
    )
    assert free.times.kept_sites == ()


def test_a_run_on_the_cluster_equals_the_single_process_run(dask_cluster):
    path = ROOT / "scenarios" / "sheerness.toml"
    alone = run_scenario(path, write=False)
    shared = run_scenario(path, write=False, scheduler=dask_cluster.scheduler_address)
    assert shared.solution.open_sites == alone.solution.open_sites
    assert np.array_equal(shared.solution.assignment, alone.solution.assignment)
    for key in alone.times.by_group:
        assert np.array_equal(shared.times.for_group(key), alone.times.for_group(key))
    assert json_dumps(shared.summary) == json_dumps(alone.summary)


def test_a_pilot_run_gives_the_same_outputs_with_sparse_times(monkeypatch):
    path = ROOT / "scenarios" / "sheerness.toml"
    scenario = load_scenario(path).with_updates({"network.limit_minutes": 400})
    dense = run_scenario(scenario, write=False)
    # 6 matrices of 1,395 x 21 float32 pass this budget; the solver's dense copy does not
    monkeypatch.setattr(gps, "dense_budget_bytes", 500_000)
    sparse = run_scenario(scenario, write=False)
    assert not dense.times.is_sparse and sparse.times.is_sparse
    assert isinstance(sparse.problem.costs, sp.csr_array)
    costs = dense.problem.costs
    assert np.array_equal(dense_rows(sparse.problem.costs, slice(0, costs.shape[0])), costs)
    rows, cols = np.nonzero(np.isfinite(costs))
    assert np.array_equal(sparse.problem.costs[rows, cols], costs[rows, cols])  # float64 exact
    assert sparse.solution.open_sites == dense.solution.open_sites
    assert sparse.solution.objective == dense.solution.objective
    for a, b in ((dense.current, sparse.current), (dense.proposed, sparse.proposed)):
        pd.testing.assert_frame_equal(a.groups, b.groups)
        pd.testing.assert_frame_equal(a.sites, b.sites)
        pd.testing.assert_frame_equal(a.cells, b.cells)
    assert json_dumps(sparse.summary) == json_dumps(dense.summary)


def test_alternatives_asked_in_the_scenario_are_the_next_best_and_written(tmp_path):
    import csv
    import itertools

    result = run_scenario(
        swale(new_sites=1, alternatives=3, within=1.0), folder=tmp_path / "out", overwrite=True
    )
    problem, alts = result.problem, result.alternatives
    assert alts is not None and alts.complete
    # brute force: every choice of the new site beside the kept existing ones
    w = np.asarray(problem.weights)
    d = dense_rows(problem.costs, slice(0, problem.n_cells))[w > 0]
    w = w[w > 0]
    fixed = set(problem.fixed)
    values = sorted(
        float(w @ d[:, list(s)].min(axis=1))
        for s in itertools.combinations(problem.candidate_index.tolist(), int(problem.p))
        if fixed <= set(s)
    )
    best = values[0]
    want = [v for v in values if v <= 2 * best][:4]
    assert len(want) > 1
    assert [o.objective for o in alts.options] == pytest.approx(want, rel=1e-9)
    assert alts.options[0].open_sites == result.solution.open_sites
    assert result.solution.alternatives is alts  # the solution carries them
    entry = result.summary["alternatives"]
    assert [o["objective"] for o in entry["options"]] == [o.objective for o in alts.options]
    assert entry["robustness"]["sheerness-gateway"] == len(alts.options)
    with (tmp_path / "out" / "alternatives.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["rank"]) for r in rows] == list(range(1, len(alts.options) + 1))
    assert [r["open_sites"].split(";") for r in rows] == [list(o.open_sites) for o in alts.options]
    assert [float(r["gap_pct"]) for r in rows] == pytest.approx(
        [100 * o.gap for o in alts.options], abs=1e-4
    )


def test_alternatives_for_set_cover_are_refused():
    with pytest.raises(InputError, match="alternatives"):
        swale(model="set_cover", limit_minutes=60, alternatives=2)


def test_max_attendance_maximises_the_visits_made(pmedian_run):
    """The groups' own decays: the chosen site makes at least as many visits as p-median's."""
    result = run_scenario(swale(model="max_attendance", new_sites=1), write=False)
    made = result.proposed.groups.loc["all", "visits_made"]
    # the objective is the visits a year made with each cell at one site; the evaluation sends
    # each group to its own nearest site, which can only make more
    assert made >= result.solution.objective - 1e-6
    assert result.solution.objective == pytest.approx(made, rel=1e-4)
    assert result.solution.bound >= result.solution.objective - 1e-6
    assert made >= pmedian_run.proposed.groups.loc["all", "visits_made"] - 1e-6
    assert result.problem.attendance is not None
    assert result.summary["scenario"]["objective"]["model"] == "max_attendance"
    assert any("Visits fall with journey time" in a for a in result.summary["assumptions"])


@pytest.mark.parametrize(
    ("objective", "pattern"),
    [
        (
            {"decay_beta": -0.1},
            r"objective\.decay_beta: Input should be greater than 0 \(got -0\.1\)\. Fix: use a "
            r"number > 0",
        ),
        ({"decay_beta": "fast"}, r"objective\.decay_beta: Input should be a valid number"),
        (
            {"decay_t0": -3, "decay": "power", "decay_beta": 1.0},
            r"objective\.decay_t0: Input should be greater than 0",
        ),
        (
            {"decay": "power", "decay_beta": 1.0},
            r"objective\.decay_t0 = None must be a number of minutes > 0 .*Fix: give "
            r"objective\.decay_beta > 0 \(and decay_t0 > 0 for power\)",
        ),
        (
            {"model": "pmedian", "decay_beta": 0.1, "decay": "exponential"},
            r"decay 'exponential' is for model 'max_attendance', not 'pmedian'",
        ),
    ],
)
def test_bad_decay_parameters_give_one_line(objective, pattern):
    full = {"model": "max_attendance", "decay": "exponential", "decay_beta": 0.02} | objective
    with pytest.raises(InputError) as info:
        swale(**full)
    assert "\n" not in str(info.value)
    assert re.search(pattern, str(info.value)), str(info.value)


def test_max_attendance_needs_a_decay_somewhere(tmp_path):
    plain = tmp_path / "groups.toml"
    text = drive_walk_groups().read_text(encoding="utf-8")
    plain.write_text(re.sub(r"decay = \{[^}]*\}.*\n", "", text), encoding="utf-8")
    scenario = scenario_from_dict(
        {
            "name": "t",
            "area": {"pilot": "swale"},
            "demand": {"groups": str(plain)},
            "objective": {"model": "max_attendance", "new_sites": 1},
        }
    )
    with pytest.raises(InputError, match=r"objective\.decay: max_attendance needs visits that"):
        run_scenario(scenario, write=False)


def test_a_bare_pilot_scenario_runs():
    """[area] pilot = "swale" and nothing else: the area's bus feed and on-demand zone are used."""
    result = run_scenario(
        scenario_from_dict({"name": "bare", "area": {"pilot": "swale"}}), write=False
    )
    assert sorted(result.networks) == ["bus", "drive", "on_demand", "walk"]
    assert "sheerness-gateway" in result.solution.open_sites
