"""The radius formulation of an assignment core, solved by HiGHS on the exact path.

For cell ``i`` let ``D_i^0 < D_i^1 < ... < D_i^L`` be the distinct costs of its listed
candidates and ``G_i^k`` the candidates at ``D_i^k``. With ``y_j`` = 1 when site ``j`` opens and
``z_i^k`` = 1 when no open site lies within ``D_i^k`` (Elloumi 2010, "A tighter formulation of the
p-median problem", J. Comb. Optim. 19; García, Labbé & Marín 2011, "Solving large p-median
problems with a radius formulation", INFORMS J. Comput. 23)::

    min  sum_i w_i (D_i^0 + sum_{k<L} (D_i^{k+1} - D_i^k) z_i^k)
    s.t. z_i^0 + sum_{j in G_i^0} y_j >= 1
         z_i^k - z_i^{k-1} + sum_{j in G_i^k} y_j >= 0        k = 1..L
         sum_j y_j = p,   y binary,   z >= 0

The constraints are written incrementally (each level adds only its own sites), so every
reachable (cell, site) pair appears once and there is no variable per pair; the LP bound equals
that of the classical assignment formulation. Each cell's levels stop early (Elloumi's
reduction): at its nearest forced site, and at the level holding its (m - p + 1)-th nearest
candidate, since one of any m - p + 1 candidates must open. A finite unserved cost adds a last
level "served by nobody" at that cost.
"""

from __future__ import annotations

import numpy as np

from ._engine import MedianCore
from .milp import MilpModel, RowBuilder

__all__ = ["radius_model"]


def radius_model(core: MedianCore) -> tuple[MilpModel, np.ndarray]:
    """Build the radius formulation of a core (see the module docstring).

    Parameters
    ----------
    core
        The assignment core (its forced and allowed sites included).

    Returns
    -------
    tuple
        The model and the candidate position of each ``y`` column (columns ``0..len-1``).
    """
    p = core.p
    m = int(core.allowed.sum())
    forced = core.forced
    free = np.flatnonzero(~forced & core.allowed)
    ycol = np.full(core.forced.size, -1, dtype=np.int64)
    ycol[free] = np.arange(free.size)
    n = core.n
    r, c, pos = core.pair_rows, core.cost, core.pos
    npairs = c.size
    new_level = np.ones(npairs, dtype=bool)
    if npairs:
        new_level[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    gl = np.cumsum(new_level) - 1
    level_cost = c[new_level]
    has = np.diff(core.indptr) > 0
    first_level = np.zeros(n, dtype=np.int64)
    first_level[has] = gl[core.indptr[:-1][has]]
    level = gl - first_level[r]
    n_levels = np.zeros(n, dtype=np.int64)
    n_levels[has] = level[core.indptr[1:][has] - 1] + 1
    big = np.iinfo(np.int64).max
    t_forced = np.full(n, big, dtype=np.int64)
    fp = forced[pos]
    np.minimum.at(t_forced, r[fp], level[fp])
    t_p = np.full(n, big, dtype=np.int64)
    rank = np.arange(npairs) - core.indptr[r]
    at_rank = rank == (m - p)
    t_p[r[at_rank]] = level[at_rank]
    last = np.minimum(np.minimum(t_forced, t_p), n_levels - 1)
    truncated = (t_forced <= n_levels - 1) | (t_p <= n_levels - 1)
    drop_last_row = t_forced == last
    has_unserved = has & ~truncated & np.isfinite(core.unserved)
    n_rows = np.where(has, last + 1 - drop_last_row, 0)
    n_z = np.where(has, last + has_unserved, 0)
    row_off = np.concatenate(([0], np.cumsum(n_rows)))
    z_off = free.size + np.concatenate(([0], np.cumsum(n_z)))
    n_cols = int(z_off[-1])

    # objective
    cost = np.zeros(n_cols)
    zr = np.repeat(np.arange(n), n_z)
    zk = np.arange(n_cols - free.size) - (z_off[:-1] - free.size)[zr]
    is_unserved = zk == last[zr]
    base = first_level[zr] + zk
    nxt = np.where(is_unserved, 0.0, level_cost[np.minimum(base + 1, max(level_cost.size - 1, 0))])
    here = level_cost[base] if level_cost.size else np.zeros(0)
    step = np.where(is_unserved, core.unserved[zr] - here, nxt - here)
    cost[free.size :] = core.w[zr] * step
    offset = float(core.w[has] @ level_cost[first_level[has]]) if has.any() else 0.0
    offset += float(core.w[~has] @ core.unserved[~has])

    rb = RowBuilder()
    # level rows
    row_r = np.repeat(np.arange(n), n_rows)
    row_k = np.arange(int(row_off[-1])) - row_off[:-1][row_r]
    rb.add_rows(np.where(row_k == 0, 1.0, 0.0), np.inf)
    keep = (level < n_rows[r]) & (ycol[pos] >= 0)
    rb.add_entries(row_off[r[keep]] + level[keep], ycol[pos[keep]], 1.0)
    zcol = np.arange(free.size, n_cols)
    rb.add_entries(row_off[zr] + zk, zcol, 1.0)
    nxt_ok = zk + 1 < n_rows[zr]
    rb.add_entries(row_off[zr[nxt_ok]] + zk[nxt_ok] + 1, zcol[nxt_ok], -1.0)
    # cardinality
    first = rb.add_rows(float(core.k), float(core.k), count=1)
    rb.add_entries(np.full(free.size, first), np.arange(free.size), 1.0)

    integer = np.zeros(n_cols, dtype=bool)
    integer[: free.size] = True
    return MilpModel.unit(cost, integer, rb, offset=offset, name=core.label), free
