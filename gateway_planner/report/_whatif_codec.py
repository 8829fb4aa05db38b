"""Travel times packed for the browser: the exact order of the sites, minutes to 0.01, deflated.

Every cell-site pair of every customer group and mode goes to the page, so that the nearest
open site is known for *any* set of open sites. To keep the page small:

- minutes become whole hundredths, rounded **up** (``q = ceil(100 m)``), so that a journey is
  within ``t`` minutes (a whole number) exactly when ``q <= 100 t``: the shares within 10, 15,
  20 and 30 minutes are the evaluation's own; means, quantiles and the Gini differ from it by
  less than 0.01 minute;
- the evaluation allocates by the exact minutes (ties to the first site): within each cell and
  group, sites whose hundredths are equal get a *tie rank* by their exact minutes then site
  order, so that ``(q, tie rank)`` orders the sites exactly as the evaluation does;
- a group's minutes are written as the residual from the visits-weighted mix of its modes'
  hundredths (a whole-number prediction the browser repeats exactly), the bus's as the time it
  saves over walking (mostly nothing), another mode's as differences between neighbouring
  cells; all are zig-zag coded, split into byte planes and
  deflated (zlib) together, then base64-encoded. The browser inflates them with its own
  ``DecompressionStream``.

A code of 0 is an unreachable pair; ``1 + value`` otherwise.
"""

from __future__ import annotations

import base64
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..minutes import Minutes, dense_rows

__all__ = [
    "UNIT",
    "WEIGHT_SCALE",
    "Packed",
    "dense_minutes",
    "hundredths",
    "mix_prediction",
    "mode_weights",
    "pack_codes",
    "tie_ranks",
    "unpack_codes",
]

#: minutes are carried in these parts of a minute (hundredths)
UNIT = 100
#: mode shares become whole numbers of these parts in the prediction of a group's minutes
WEIGHT_SCALE = 1_000_000


def hundredths(minutes: np.ndarray) -> np.ndarray:
    """Whole hundredths of a minute, rounded up (-1 where unreachable).

    ``q / 100 >= m`` holds in float64 for every finite ``m``, so that ``m <= t`` exactly when
    ``q <= 100 t`` for any whole number of minutes ``t``.

    Parameters
    ----------
    minutes
        Minutes, ``inf`` where unreachable.

    Returns
    -------
    numpy.ndarray
        int64 of the same shape.
    """
    m = np.asarray(minutes, dtype=np.float64)
    finite = np.isfinite(m)
    safe = np.where(finite, m, 0.0)
    q = np.ceil(safe * UNIT)
    q = np.where(q / UNIT < safe, q + 1, q)  # 100 m rounded down past a whole hundredth
    return np.where(finite, q, -1).astype(np.int64)


def tie_ranks(minutes: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Rank of each site among the sites of the same row with the same hundredths.

    By exact minutes, then site order (the evaluation's ``argmin``); 0 where unreachable.

    Parameters
    ----------
    minutes
        Exact minutes (n_cells, n_sites), ``inf`` where unreachable.
    q
        Their :func:`hundredths`.

    Returns
    -------
    numpy.ndarray
        int64 (n_cells, n_sites).
    """
    order = np.argsort(np.asarray(minutes, dtype=np.float64), axis=1, kind="stable")
    ordered = np.take_along_axis(q, order, axis=1)
    n_sites = q.shape[1]
    col = np.broadcast_to(np.arange(n_sites), q.shape)
    starts = np.ones(q.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first = np.maximum.accumulate(np.where(starts, col, 0), axis=1)
    ranks = np.empty_like(q)
    np.put_along_axis(ranks, order, col - first, axis=1)
    out: np.ndarray = np.where(q >= 0, ranks, 0)
    return out


def mix_prediction(modes: Sequence[np.ndarray], weights: Sequence[int]) -> np.ndarray:
    """Whole-number mix of mode hundredths, over the modes that reach each pair.

    ``(sum w q + W // 2) // W`` with ``W`` the sum of the weights of the reaching modes, 0
    where none does (the browser computes the same in exact integer arithmetic).

    Parameters
    ----------
    modes
        :func:`hundredths` of each mode (-1 where it does not reach).
    weights
        Whole-number weight of each mode (share x :data:`WEIGHT_SCALE`).

    Returns
    -------
    numpy.ndarray
        int64, the shape of the modes (zeros without modes).
    """
    if not modes:
        return np.zeros((0, 0), dtype=np.int64)
    num = np.zeros(modes[0].shape, dtype=np.int64)
    den = np.zeros(modes[0].shape, dtype=np.int64)
    for q, w in zip(modes, weights, strict=True):
        reach = q >= 0
        num += np.where(reach, w * q, 0)
        den += np.where(reach, w, 0)
    out: np.ndarray = np.where(den > 0, (num + den // 2) // np.maximum(den, 1), 0)
    return out


def _zigzag(x: np.ndarray) -> np.ndarray:
    return ((x << 1) ^ (x >> 63)).astype(np.uint64)


def pack_codes(codes: np.ndarray, *, delta: bool) -> tuple[bytes, int]:
    """Byte planes of a (n_cells, n_sites) matrix of whole numbers, site by site.

    Parameters
    ----------
    codes
        int64 matrix.
    delta
        Write each site's differences between consecutive cells (smooth values) rather than
        the values (noise around 0).

    Returns
    -------
    tuple of (bytes, int)
        The planes (least significant first, each n_cells x n_sites bytes) and their number.
    """
    by_site = np.ascontiguousarray(np.asarray(codes, dtype=np.int64).T)
    if delta:
        by_site = np.diff(by_site, axis=1, prepend=0)
    values = _zigzag(by_site).ravel()
    top = int(values.max()) if values.size else 0
    planes = max(1, math.ceil(top.bit_length() / 8))
    if planes > 6:  # the browser reads them into doubles (exact below 2**53)
        msg = f"values up to {top} cannot be carried exactly"
        raise ValueError(msg)
    as_bytes = values.astype("<u8").view(np.uint8).reshape(-1, 8)
    return b"".join(as_bytes[:, k].tobytes() for k in range(planes)), planes


def unpack_codes(data: bytes, shape: tuple[int, int], planes: int, *, delta: bool) -> np.ndarray:
    """Invert :func:`pack_codes` (what the browser does; used to test the format)."""
    n_cells, n_sites = shape
    n = n_cells * n_sites
    raw = np.frombuffer(data, dtype=np.uint8).reshape(planes, n).astype(np.uint64)
    values = np.zeros(n, dtype=np.uint64)
    for k in range(planes):
        values |= raw[k] << np.uint64(8 * k)
    signed = (values >> np.uint64(1)).astype(np.int64) ^ -(values & np.uint64(1)).astype(np.int64)
    by_site = signed.reshape(n_sites, n_cells)
    if delta:
        by_site = np.cumsum(by_site, axis=1)
    out: np.ndarray = by_site.T
    return out


@dataclass
class Packed:
    """Arrays gathered into one deflated, base64-encoded buffer, and the table of its parts."""

    parts: list[bytes] = field(default_factory=list)
    layout: list[dict[str, Any]] = field(default_factory=list)
    size: int = 0

    def add(self, name: str, data: bytes, **meta: Any) -> None:
        """Append one array's bytes, described by ``meta`` (kind, planes, delta, ...)."""
        self.layout.append({"name": name, "offset": self.size, "bytes": len(data), **meta})
        self.parts.append(data)
        self.size += len(data)

    def add_codes(self, name: str, codes: np.ndarray, *, delta: bool, **meta: Any) -> None:
        """Append a matrix of codes (see :func:`pack_codes`)."""
        data, planes = pack_codes(codes, delta=delta)
        self.add(name, data, kind="codes", planes=planes, delta=delta, **meta)

    def add_floats(self, name: str, values: np.ndarray) -> None:
        """Append float64 values (little-endian), row by row."""
        self.add(name, np.ascontiguousarray(values, dtype="<f8").tobytes(), kind="f64")

    def encoded(self) -> str:
        """Deflate (zlib, level 6: the same bytes on every run) and base64-encode."""
        return base64.b64encode(zlib.compress(b"".join(self.parts), 6)).decode("ascii")


def dense_minutes(matrix: Minutes) -> np.ndarray:
    """Float64 minutes of a whole matrix in either form (``inf`` where unreachable)."""
    return dense_rows(matrix, slice(0, matrix.shape[0]))


def mode_weights(mix: Mapping[str, float], modes: Sequence[str]) -> list[int]:
    """Whole-number weight of each mode in a group's mix (0 for modes outside it)."""
    return [round(float(mix.get(m, 0.0)) * WEIGHT_SCALE) for m in modes]
