"""Weighted statistics of journey times (gateway_planner.weighted)."""

import numpy as np
import pytest

from gateway_planner.weighted import weighted_gini, weighted_quantile, worst_share_mean


def test_weighted_helpers():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    w = np.ones(4)
    assert weighted_quantile(x, w, 0.5) == 2.0
    assert weighted_quantile(x, w, 1.0) == 4.0
    assert worst_share_mean(x, w, 0.25) == 4.0
    assert worst_share_mean(x, w, 0.5) == 3.5
    assert worst_share_mean(x, np.array([1.0, 1.0, 1.0, 0.2]), 0.5) == pytest.approx(
        (0.2 * 4 + 1 * 3 + 0.4 * 2) / 1.6
    )
    assert weighted_gini(np.ones(5), np.ones(5)) == pytest.approx(0.0)
    assert weighted_gini(np.array([0.0, 1.0]), np.array([1.0, 1.0])) == pytest.approx(0.5)
    assert np.isnan(weighted_quantile(x, np.zeros(4), 0.5))
