"""Attendance decay (gateway_planner/decay.py): the two forms, the cut-off and the parameter checks."""

import numpy as np
import pytest

from gateway_planner.decay import decay_problems
from gateway_planner.locate import decay_factor


def test_exponential_and_power_forms():
    t = np.array([0.0, 10.0, 20.0, np.inf])
    exp = decay_factor(t, form="exponential", beta=0.05)
    assert exp == pytest.approx([1.0, np.exp(-0.5), np.exp(-1.0), 0.0])
    power = decay_factor(t, form="power", beta=2.0, t0=10.0)
    assert power == pytest.approx([1.0, 0.25, 1 / 9, 0.0])


def test_nothing_past_the_cut_off_and_never_rising():
    t = np.linspace(0, 60, 121)
    for form, kw in (("exponential", {}), ("power", {"t0": 7.5})):
        f = decay_factor(t, form=form, beta=0.7, cutoff=30.0, **kw)
        assert np.all(np.diff(f) <= 0)
        assert np.all(f[t > 30.0] == 0.0) and np.all(f[t <= 30.0] > 0.0)
        assert f[0] == 1.0


@pytest.mark.parametrize(
    ("form", "kw", "fields"),
    [
        ("exponential", {"beta": 0.1}, []),
        ("exponential", {"beta": 0.0}, ["decay_beta"]),
        ("exponential", {"beta": True}, ["decay_beta"]),
        ("power", {"beta": 1.0, "t0": float("nan")}, ["decay_t0"]),
        ("power", {"beta": "1", "t0": 5, "cutoff": float("inf")}, ["decay_beta", "limit"]),
        ("linear", {"beta": None}, []),
        ("cubic", {"beta": 1.0}, ["decay"]),
    ],
)
def test_decay_problems_name_each_bad_field(form, kw, fields):
    assert [f for f, _ in decay_problems(form, **kw)] == fields


def test_decay_factor_refuses_bad_parameters_at_once():
    with pytest.raises(ValueError, match=r"decay_beta = -1 .*; decay_t0 = 0 "):
        decay_factor(np.zeros(2), form="power", beta=-1, t0=0)
    with pytest.raises(ValueError, match=r"decay 'step' is not one of exponential, power"):
        decay_factor(np.zeros(2), form="step", beta=1.0)


def test_still_importable_from_locate():
    from gateway_planner import decay
    from gateway_planner.locate import decay as old

    assert old.decay_factor is decay.decay_factor
    assert old.decay_problems is decay.decay_problems
