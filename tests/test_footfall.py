"""Calibration to observed footfall (footfall.py): the pilots' rates, the fit and its refusals."""

import re

import pandas as pd
import pytest
from run_outputs import ROOT, drive_walk_groups

from gateway_planner.config import load_scenario, scenario_from_dict
from gateway_planner.errors import InputError
from gateway_planner.groups import load_groups
from gateway_planner.scenario import run_scenario

SITES = ROOT / "data" / "pilot" / "swale" / "sites.csv"


def swale(calibration, sites=None):
    """The Swale pilot by car and on foot with a [calibration] table."""
    data = {
        "name": "cal",
        "area": {"pilot": "swale"},
        "demand": {"groups": str(drive_walk_groups())},
        "objective": {"new_sites": 1},
        "calibration": calibration,
    }
    if sites is not None:
        data["sites"] = {"file": str(sites)}
    return scenario_from_dict(data)


@pytest.fixture(scope="module")
def sheerness():
    return run_scenario(load_scenario(ROOT / "scenarios" / "sheerness.toml"), write=False)


def test_sheerness_reproduces_its_observed_footfall(sheerness):
    """11,000 visits a month at Sheerness Gateway (2011), within 2 %."""
    modelled = sheerness.current.sites.loc["sheerness-gateway", "visits_per_month"]
    assert modelled == pytest.approx(11000, rel=0.02)
    fit = sheerness.summary["calibration"]
    assert fit["fitted"] and fit["period"] == "2011"
    assert fit["source"].endswith("not confirmed from a published source")
    assert "observations: reported by the Kent programme (issue 16)" in fit["note"]
    site = fit["sites"]["sheerness-gateway"]
    assert site["observed_per_month"] == 11000
    assert site["modelled_per_month"] == pytest.approx(modelled)
    assert abs(site["residual_pct"]) < 2 and site["residual"] == pytest.approx(
        modelled - 11000, abs=1e-6
    )
    assert fit["decay_scale"] is None and not fit["decay_fitted"]  # one observation
    assert any("Visit rates: visit rates x" in a for a in sheerness.summary["assumptions"])


def test_the_stored_multiplier_is_the_sheerness_fit(sheerness):
    """data/pilot/groups.toml stores what the Sheerness scenario fits (refit when it drifts)."""
    fit = sheerness.summary["calibration"]
    stored = load_groups(ROOT / "data" / "pilot" / "groups.toml")[0].rate_multiplier
    assert fit["stored_multiplier"] == stored
    assert fit["fitted_in_this_run"] == pytest.approx(1.0, abs=0.005)
    assert fit["visit_rate_multiplier"] == pytest.approx(stored, rel=0.005)
    groups = {g["id"]: g for g in sheerness.summary["groups"]}
    older = groups["older_low_income"]
    assert older["modelled_visits_per_person_year"] == pytest.approx(
        older["visits_per_person_year"] * fit["visit_rate_multiplier"]
    )


def test_fauquembergues_uses_the_same_rates_and_says_so():
    result = run_scenario(load_scenario(ROOT / "scenarios" / "fauquembergues.toml"), write=False)
    note = result.summary["calibration"]
    stored = load_groups(ROOT / "data" / "pilot" / "groups.toml")[0].rate_multiplier
    assert not note["fitted"] and note["visit_rate_multiplier"] == stored
    assert "not calibrated on this area's own footfall" in note["note"]
    assert "Sheerness Gateway in 2011" in note["source"]
    assert all(g["rate_multiplier"] == stored for g in result.summary["groups"])
    # visits lost to distance are reported for every group and site
    assert (result.current.groups["visits_lost"] > 0).all()
    open_sites = result.current.sites.dropna(subset=["visits_made"])
    assert (open_sites["visits_lost"] >= 0).all()


def test_two_observations_fit_the_decay_too():
    observed = {"sheerness-gateway": 11000, "swale-house": 15000}
    result = run_scenario(swale({"observed_visits_per_month": observed}), write=False)
    fit = result.summary["calibration"]
    assert fit["decay_fitted"] and fit["decay_scale"] > 0
    # Swale House draws more than scaling the decays can give it: the search stops at its bound
    assert fit["decay_scale_at_bound"] and "at the search's bound" in fit["note"]
    assert set(fit["sites"]) == set(observed)
    for sid, row in fit["sites"].items():
        assert row["modelled_per_month"] == pytest.approx(
            result.current.sites.loc[sid, "visits_per_month"]
        )
    # the groups' decays carry the fitted scale
    loaded = {g.id: g for g in load_groups(drive_walk_groups())}
    for g in result.area.groups:
        assert g.decay.beta == pytest.approx(loaded[g.id].decay.beta * fit["decay_scale"])
    # the fit is at least as good as the file's decay with its best multiplier alone
    plain = run_scenario(
        swale({"observed_visits_per_month": observed, "fit_decay": False}), write=False
    )
    loss = sum(r["residual_pct"] ** 2 for r in fit["sites"].values())
    plain_loss = sum(r["residual_pct"] ** 2 for r in plain.summary["calibration"]["sites"].values())
    assert loss <= plain_loss + 1e-9


@pytest.mark.parametrize(
    ("observed", "pattern"),
    [
        (
            {"sheerness-gatway": 11000},
            r"calibration\.observed_visits_per_month: observed visits for unknown site\(s\) "
            r"\['sheerness-gatway'\]\. Fix: use ids of the existing sites: sheerness-gateway",
        ),
        (
            {"sector-ME12-4": 500},
            r"\['sector-ME12-4'\], which are candidates, not existing sites\. Fix: observe",
        ),
    ],
)
def test_observations_of_unknown_or_candidate_sites_are_refused(observed, pattern):
    with pytest.raises(InputError) as info:
        run_scenario(swale({"observed_visits_per_month": observed}), write=False)
    assert "\n" not in str(info.value)
    assert re.search(pattern, str(info.value)), str(info.value)


def test_a_site_serving_nobody_cannot_be_fitted(tmp_path):
    """A twin of the Gateway at the same place, listed after it, serves nobody (ties go first)."""
    sites = pd.read_csv(SITES)
    twin = sites[sites["site_id"] == "sheerness-gateway"].assign(site_id="twin", name="Twin")
    path = tmp_path / "sites.csv"
    pd.concat([sites, twin]).to_csv(path, index=False)
    with pytest.raises(InputError) as info:
        run_scenario(swale({"observed_visits_per_month": {"twin": 100}}, sites=path), write=False)
    assert "\n" not in str(info.value)
    assert re.search(
        r"calibration\.observed_visits_per_month: site\(s\) \['twin'\] serve nobody in the "
        r"model \(0 visits a month\): nothing to fit\. Fix: ",
        str(info.value),
    )


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        (-5, r"observed visits must be numbers > 0"),
        ("many", r"calibration\.observed_visits_per_month\.sheerness-gateway: Input should be"),
    ],
)
def test_bad_observations_give_one_line(value, pattern):
    with pytest.raises(InputError) as info:
        swale({"observed_visits_per_month": {"sheerness-gateway": value}})
    assert "\n" not in str(info.value) and re.search(pattern, str(info.value)), str(info.value)


def test_the_decay_fit_recovers_a_known_decay(tmp_path):
    """Observations made by the model with every beta doubled give back 2 and the same rates."""
    from gateway_planner.scenario import run_scenario as run

    text = drive_walk_groups().read_text(encoding="utf-8")
    doubled = re.sub(r"beta = ([0-9.]+)", lambda m: f"beta = {2 * float(m.group(1)):.6f}", text)
    path = tmp_path / "doubled.toml"
    path.write_text(doubled, encoding="utf-8")
    truth = run(
        scenario_from_dict(
            {"name": "truth", "area": {"pilot": "swale"}, "demand": {"groups": str(path)}}
        ),
        write=False,
    )
    sites = ["sheerness-gateway", "swale-house", "faversham-council-office"]
    observed = {s: float(truth.current.sites.loc[s, "visits_per_month"]) for s in sites}
    fit = run(swale({"observed_visits_per_month": observed}), write=False).summary["calibration"]
    assert fit["decay_scale"] == pytest.approx(2.0, rel=1e-3) and not fit["decay_scale_at_bound"]
    assert fit["fitted_in_this_run"] == pytest.approx(1.0, rel=1e-3)
    for row in fit["sites"].values():
        assert abs(row["residual_pct"]) < 0.1


def test_a_run_reusing_a_calibrated_run_fits_afresh():
    """Reuse starts from the groups as loaded: the multiplier is not applied twice."""
    observed = {"observed_visits_per_month": {"sheerness-gateway": 11000}}
    first = run_scenario(swale(observed), write=False)
    again = run_scenario(swale(observed), write=False, reuse=first)
    assert again.summary["calibration"] == first.summary["calibration"]
    assert [g.rate_multiplier for g in again.area.groups] == [
        g.rate_multiplier for g in first.area.groups
    ]
    plain = run_scenario(swale(None).with_updates({}), write=False, reuse=first)
    stored = load_groups(ROOT / "data" / "pilot" / "groups.toml")[0].rate_multiplier
    assert "calibration" not in plain.summary or not plain.summary["calibration"]["fitted"]
    assert all(g.rate_multiplier == stored for g in plain.area.groups)
