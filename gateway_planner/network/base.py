"""The :class:`Network` of one travel mode, and a summary of it for people."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx

from .modes import Mode

if TYPE_CHECKING:
    from ._routing import RoutingGraph

__all__ = ["NETWORK_KINDS", "Network", "NetworkKind", "describe_network"]

NetworkKind = Literal["osm", "file", "graphml", "proxy"]
NETWORK_KINDS: tuple[str, ...] = ("osm", "file", "graphml", "proxy")


@dataclass(frozen=True, eq=False)
class Network:
    """The road or path network of one travel mode, ready for routing.

    Parameters
    ----------
    mode
        The travel mode the graph was filtered and timed for.
    graph
        osmnx-style MultiDiGraph in the scenario CRS: nodes with ``x``/``y``, edges with
        ``length`` (m) and ``travel_time`` (s). Do not modify it after loading: routing arrays
        are built from it once and kept.
    kind
        Where it came from: {"osm", "file", "graphml", "proxy"}.
    provenance
        ``kind``, query or path and sha256 digest, date, osmnx version and the speed table, for
        the outputs. No wall-clock time for file and proxy sources (reruns stay identical).
    """

    mode: Mode
    graph: nx.MultiDiGraph
    kind: NetworkKind
    provenance: Mapping[str, Any]

    @cached_property
    def routing(self) -> RoutingGraph:
        """Routing arrays (reversed CSR, node coordinates, components), built on first use."""
        from ._routing import RoutingGraph

        return RoutingGraph.from_graph(self.graph)

    @classmethod
    def from_routing(
        cls,
        routing: RoutingGraph,
        *,
        mode: Mode | str,
        kind: NetworkKind,
        provenance: Mapping[str, Any],
    ) -> Network:
        """Wrap routing arrays built without a networkx graph as the network of one mode.

        Parameters
        ----------
        routing
            The arrays, e.g. from :meth:`RoutingGraph.from_arrays` (a synthetic or very large
            network whose networkx graph would cost more than the arrays).
        mode
            The travel mode the times are for.
        kind
            Where the network came from: {"osm", "file", "graphml", "proxy"}.
        provenance
            What the outputs say about it.

        Returns
        -------
        Network
            Routes with ``routing``; its ``graph`` is empty (no nodes or edges, the arrays' CRS),
            so :func:`describe_network` counts no length.
        """
        graph = nx.MultiDiGraph(crs=routing.crs.to_string())
        network = cls(mode=Mode.parse(mode), graph=graph, kind=kind, provenance=provenance)
        network.__dict__["routing"] = routing  # the cached property, already known
        return network


def describe_network(network: Network) -> dict[str, Any]:
    """Summarise a network for the ``gateway-planner network`` command and the report.

    Parameters
    ----------
    network
        A loaded network.

    Returns
    -------
    dict
        ``mode``, ``kind``, ``crs``, ``nodes``, ``edges``, ``largest_component_nodes`` and
        ``largest_component_share`` (strongly connected), ``length_km`` (sum over directed
        edges) and ``provenance``.
    """
    routing = network.routing
    lscc = int(routing.in_largest.sum())
    length_m = sum(float(length or 0.0) for _, _, length in network.graph.edges(data="length"))
    return {
        "mode": str(network.mode),
        "kind": network.kind,
        "crs": routing.crs.to_string(),
        "nodes": routing.n_nodes,
        "edges": routing.n_edges,
        "largest_component_nodes": lscc,
        "largest_component_share": lscc / routing.n_nodes if routing.n_nodes else 0.0,
        "length_km": length_m / 1000.0,
        "provenance": dict(network.provenance),
    }
