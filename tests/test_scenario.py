"""Each location model, chosen in a scenario file, runs end to end on the Swale pilot."""

import re

import numpy as np
import pytest

from gateway_planner.config import scenario_from_dict
from gateway_planner.errors import InputError
from gateway_planner.scenario import run_scenario


def swale(**objective):
    return scenario_from_dict({"name": "t", "area": {"pilot": "swale"}, "objective": objective})


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
    ],
    ids=["coverage", "coverage-linear", "pcenter", "pcenter-weighted", "set-cover-share"],
)
def test_every_model_runs_from_a_scenario(objective):
    result = run_scenario(swale(**objective), write=False)
    sol = result.solution
    assert sol.model == objective["model"]
    assert "sheerness-gateway" in sol.open_sites
    assert sol.gap <= 1e-6 and sol.status == "optimal"
    if objective["model"] != "set_cover":
        assert len(sol.open_sites) == 2
    assert result.summary["solver"]["model"] == objective["model"]


def test_a_coverage_target_out_of_reach_is_refused_before_solving():
    with pytest.raises(
        InputError, match=r"limit: 1386 cell\(s\) of positive weight .* beyond 1 minutes"
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
    assert result.times.kept_sites == ("sheerness-gateway",)
    assert result.summary["network"]["searches_cut_by"] == ["sheerness-gateway"]
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
