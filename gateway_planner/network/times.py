"""Journey times from cells to sites, per mode and per customer group: the result of the network stage.

A :class:`TravelTimes` holds float32 minutes, dense (``inf`` where a site cannot be reached) or
sparse (scipy CSR arrays of the reachable pairs; a stored zero is a journey of 0 minutes), with
the network kind, the snapping summary and the provenance every output reports. It is built by
:func:`gateway_planner.network.travel_times`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from ..minutes import Minutes, combine
from .modes import Mode

__all__ = ["TravelTimes"]


@dataclass(frozen=True, eq=False)
class TravelTimes:
    """Journey times from cells to sites, in minutes (compared by identity: it holds arrays).

    Parameters
    ----------
    cell_ids
        Row labels.
    site_ids
        Column labels.
    by_mode
        Mode name → float32 minutes ``(n_cells, n_sites)``: a numpy array with ``inf`` where
        unreachable, or (sparse) a scipy CSR array holding only the reachable pairs (explicit
        zeros are journeys of 0 minutes).
    by_group
        Group id → float32 minutes, same form: expected minutes over the group's mode mix.
    kind
        Network kind the times came from ({"osm", "file", "graphml", "proxy"}), or
        ``"mixed"`` when the modes' networks differ.
    snapping
        Per mode: counts, snapping-distance quantiles (m), ids of unreachable cells and sites.
    limit_minutes
        The time limit applied, if any (times above it are ``inf``).
    provenance
        Per mode: the network's provenance.
    kept_sites
        Sites that stay open whatever the solution, when the searches were cut by them:
        a cell's time to any other site is then only guaranteed where that site is no
        slower than the cell's nearest kept site (farther pairs may be missing or ``inf``),
        which is all that nearest-site objectives and evaluations read.
    """

    cell_ids: tuple[str, ...]
    site_ids: tuple[str, ...]
    by_mode: Mapping[str, Minutes]
    by_group: Mapping[str, Minutes]
    kind: str
    snapping: Mapping[str, Mapping[str, Any]]
    limit_minutes: float | None = None
    provenance: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    kept_sites: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_cells, n_sites)``."""
        return len(self.cell_ids), len(self.site_ids)

    @property
    def is_sparse(self) -> bool:
        """True when the matrices are scipy CSR arrays of the pairs within the limit."""
        return any(sp.issparse(m) for m in (*self.by_mode.values(), *self.by_group.values()))

    def for_group(self, group_id: str) -> Minutes:
        """Return the expected-minutes matrix of one customer group.

        Parameters
        ----------
        group_id
            The group's id.

        Returns
        -------
        numpy.ndarray or scipy.sparse.csr_array
            float32 ``(n_cells, n_sites)``, read-only: dense with ``inf`` where unreachable,
            or (when :attr:`is_sparse`) CSR holding the reachable pairs only.
        """
        try:
            return self.by_group[group_id]
        except KeyError:
            msg = f"no travel times for customer group {group_id!r} (have {sorted(self.by_group)})"
            raise InputError(
                msg, field="group", fix="pass the group to travel_times(groups=...)"
            ) from None

    def for_mode(self, mode: Mode | str) -> Minutes:
        """Return the minutes matrix of one mode.

        Parameters
        ----------
        mode
            The travel mode, any case.

        Returns
        -------
        numpy.ndarray or scipy.sparse.csr_array
            float32 ``(n_cells, n_sites)``, read-only, in the form of :meth:`for_group`.
        """
        key = Mode.parse(mode).value
        try:
            return self.by_mode[key]
        except KeyError:
            msg = f"no travel times for mode {key!r} (have {sorted(self.by_mode)})"
            raise InputError(msg, field="mode", fix="load a network for that mode") from None

    def combine_groups(
        self,
        group_ids: Sequence[str],
        func: Callable[[list[np.ndarray], slice], np.ndarray],
    ) -> Minutes:
        """Combine the groups' minutes row chunk by row chunk, keeping the matrices' form.

        Parameters
        ----------
        group_ids
            Groups whose matrices ``func`` receives, in this order.
        func
            Called with one float64 array per group (rows ``rows`` of its minutes, ``inf``
            where unreachable, whatever the stored form) and the ``slice`` of rows; returns
            the combined rows, ``inf`` (or NaN) where the result is unreachable.

        Returns
        -------
        numpy.ndarray or scipy.sparse.csr_array
            ``(n_cells, n_sites)`` in the dtype ``func`` returns: dense, or (when
            :attr:`is_sparse`) CSR keeping the finite results (zeros included).
        """
        matrices = [self.for_group(gid) for gid in group_ids]
        return combine(matrices, func, shape=self.shape, sparse=self.is_sparse)
