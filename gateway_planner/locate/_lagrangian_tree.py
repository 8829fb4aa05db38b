"""Lagrangian branch and bound over the sites of a p-median: proofs when few sites are to be chosen.

With few sites to choose the LP (and Lagrangian) gap of the p-median is largest, and HiGHS's
nodes on the radius model are slow; a search tree whose every node is a few warm-started
subgradient steps goes faster (Beasley 1993, "Lagrangean heuristics for location problems",
EJOR 65, and the tree search of his 1985 p-median algorithm). Each node forces some sites open
and others shut; its Lagrangian bound prunes it when no solution better than the incumbent can
lie below it, its relaxed open set (always p sites) is scored as a candidate incumbent (polished
by the interchange when better), and its reduced costs fix more sites before it branches on the
free site the relaxation leaves shut with the smallest ``rho`` (the cheapest to open: open
first, then shut). Branching on the relaxation's least attractive open site instead made the
tree's size swing with the steps per node: on the generated n = 600, p = 10 graph the proof
took between 2.4 and 48.7 s as the steps varied from 20 to 40 (95,497 nodes at 35 steps); the
shut site keeps it within 1.4-6.1 s, and n = 800, p = 10 within 7.8-10.9 s (8-16 s before).
A better incumbent found early restarts the search from the root, whose fixings it
strengthens. Every pruning and fixing holds for every solution better than the incumbent in
the node's part of the search space, so a tree explored to the end proves the incumbent
optimal.

The search stops at a work budget (subgradient steps x (cells + pairs)), not a time, so its
answer does not depend on the machine's speed; a search stopped early proves nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ._sorted import SortedCosts
from .bounds import improvement_target, lagrangian_fixing, lagrangian_median, relaxed_choice
from .heuristics import interchange_median

__all__ = ["TreeResult", "lagrangian_tree"]

#: Subgradient steps per node (at most: most nodes are pruned after one or two).
NODE_STEPS = 20
#: A node whose allowed sites fall below this share of those its costs list passes its
#: subtree costs listing only its allowed sites (every step then reads fewer pairs).
SHRINK = 0.7
#: A better incumbent found within the first RESTART_NODES nodes restarts the search from the
#: root (whose fixings it makes stronger), at most MAX_RESTARTS times.
RESTART_NODES = 200
MAX_RESTARTS = 3


@dataclass(frozen=True)
class TreeResult:
    """What the tree search found.

    Parameters
    ----------
    is_open
        The best open set (the incumbent, or a better one found in the tree).
    value
        Its objective.
    proven
        Whether the tree was explored to the end (the best open set is optimal).
    nodes
        Nodes evaluated.
    steps
        Subgradient steps made.
    """

    is_open: np.ndarray
    value: float
    proven: bool
    nodes: int
    steps: int


def lagrangian_tree(
    sc: SortedCosts,
    forced: np.ndarray,
    allowed: np.ndarray,
    p: int,
    *,
    is_open: np.ndarray,
    upper: float,
    start: np.ndarray,
    budget: float,
    deadline: float | None = None,
) -> TreeResult:
    """Depth-first Lagrangian branch and bound (see the module docstring).

    Parameters
    ----------
    sc
        The sorted weighted costs.
    forced
        Sites that must be open.
    allowed
        Sites that may open (the others are fixed shut).
    p
        Total number of open sites.
    is_open
        The incumbent's open sites.
    upper
        The incumbent's objective.
    start
        Multipliers to warm-start every node from (the root's best).
    budget
        Work units the search may spend (steps x (cells + pairs)).
    deadline
        ``time.perf_counter()`` value after which it stops (unproven).

    Returns
    -------
    TreeResult
        The best open set found and whether it is proven optimal.
    """
    n = sc.fill.size
    best, best_value = is_open.copy(), float(upper)
    root = sc
    first = (forced.copy(), allowed.copy(), start, sc, int(allowed.sum()))
    stack = [first]
    restarts = 0
    spent = 0.0
    nodes = steps = 0
    while stack:
        if spent >= budget or (deadline is not None and time.perf_counter() > deadline):
            return TreeResult(best, best_value, False, nodes, steps)
        f, a, lam, sc, listed = stack.pop()
        k = p - int(f.sum())
        n_free = int((a & ~f).sum())
        if k < 0 or k > n_free:
            continue
        if k == 0 or k == n_free:
            only = f.copy() if k == 0 else a.copy()
            value = root.total(only)
            if value < best_value:
                best, best_value = only, value
            continue
        lag = lagrangian_median(
            sc, f, p, upper=best_value, allowed=a, start=lam, max_iter=NODE_STEPS
        )
        nodes += 1
        steps += lag.steps
        spent += lag.steps * float(n + sc.values.size)
        rho = sc.column_sums(lag.multipliers)
        chosen = relaxed_choice(rho, f, a, p)
        value = root.total(chosen)
        if value < best_value:
            # a better open set: polished by the interchange within what the root allows
            polished, _ = interchange_median(root, chosen, forced, allowed=allowed)
            best, best_value = polished, min(value, root.total(polished))
            if nodes <= RESTART_NODES and restarts < MAX_RESTARTS:
                restarts += 1
                stack = [(*first[:2], lag.multipliers, *first[3:])]
                continue
        if lag.raw >= improvement_target(best_value, lag.integral):
            continue
        closed, opened = lagrangian_fixing(sc, f, p, lag, upper=best_value, allowed=a)
        a = a & ~closed
        f = f | opened
        k = p - int(f.sum())
        free = np.flatnonzero(a & ~f)
        if int(a.sum()) < SHRINK * listed:
            sc, listed = sc.only_sites(a), int(a.sum())
        if k <= 0 or k >= free.size:
            stack.append((f, a, lag.multipliers, sc, listed))
            continue
        j = _branch_site(rho, f, a, chosen)
        shut = a.copy()
        shut[j] = False
        on = f.copy()
        on[j] = True
        stack.append((f, shut, lag.multipliers, sc, listed))
        stack.append((on, a, lag.multipliers, sc, listed))
    return TreeResult(best, best_value, True, nodes, steps)


def _branch_site(
    rho: np.ndarray, forced: np.ndarray, allowed: np.ndarray, chosen: np.ndarray
) -> int:
    """Pick the free site the relaxation leaves shut with the smallest ``rho``.

    That is the shut site cheapest to open, the one most likely to belong to a better solution.
    With no such site, the chosen free site of largest ``rho`` (the least attractive) is taken.
    """
    shut = np.flatnonzero(~chosen & ~forced & allowed)
    if shut.size:
        return int(shut[np.argmin(rho[shut])])
    cands = np.flatnonzero(chosen & ~forced & allowed)
    if cands.size == 0:
        cands = np.flatnonzero(allowed & ~forced)
    return int(cands[np.argmax(rho[cands])])
