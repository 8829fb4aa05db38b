"""Weighted statistics of journey times: quantiles, the mean of the worst share, the Gini.

The figures of :mod:`gateway_planner.evaluate` weigh each journey by its face-to-face visits;
these functions take any values and non-negative weights.
"""

from __future__ import annotations

import numpy as np

__all__ = ["weighted_gini", "weighted_quantile", "worst_share_mean"]


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Smallest value whose cumulative weight reaches ``q`` of the total (NaN if no weight).

    Parameters
    ----------
    values, weights
        1-D arrays of equal length; weights >= 0.
    q
        Quantile in [0, 1].

    Returns
    -------
    float
    """
    total = float(weights.sum())
    if total <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    k = int(np.searchsorted(cum, q * total - 1e-9 * total, side="left"))
    return float(values[order][min(k, len(order) - 1)])


def worst_share_mean(values: np.ndarray, weights: np.ndarray, share: float = 0.1) -> float:
    """Weighted mean of the largest values making up ``share`` of the total weight.

    The weight straddling the cut counts in part, so the result is exact for any weights.
    """
    total = float(weights.sum())
    if total <= 0:
        return float("nan")
    order = np.argsort(-values, kind="stable")
    w = weights[order]
    cum_before = np.cumsum(w) - w
    take = np.clip(share * total - cum_before, 0.0, w)
    return float((take * values[order]).sum() / take.sum())


def weighted_gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Gini coefficient of ``values`` with ``weights`` (0 = everyone equal).

    Equals ``sum_ij w_i w_j |x_i - x_j| / (2 W^2 mean)``, computed from the Lorenz curve.
    """
    total = float(weights.sum())
    if total <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    x = values[order]
    w = weights[order]
    wx = w * x
    if wx.sum() <= 0:
        return 0.0
    lorenz = np.cumsum(wx) / wx.sum()
    lorenz_prev = np.concatenate(([0.0], lorenz[:-1]))
    return float(1.0 - np.sum((w / total) * (lorenz + lorenz_prev)))
