"""Travel networks and journey times: graphs per mode, snapping, cells x sites matrices.

``load_network`` reads or downloads the network of one mode (OSM download, ``.osm.pbf`` /
``.osm`` / GraphML file, or the pilot's proxy network); ``travel_times`` turns networks, cells
and sites into :class:`TravelTimes` (float32 minutes per mode and per customer group).
``read_gtfs`` and ``transit_network`` build the ``bus`` mode from a GTFS feed over the walk
network; ``on_demand_network`` the ``on_demand`` mode from a zone over the drive network.
:class:`RoutingGraph` holds a network's routing arrays; ``RoutingGraph.from_arrays`` and
``Network.from_routing`` build a network from arrays alone (benchmarks, synthetic grids).
"""

from ._routing import RoutingGraph
from .base import Network, describe_network
from .gtfs import TransitFeed, read_gtfs
from .matrix import travel_times
from .modes import Mode
from .on_demand import on_demand_network
from .sources import load_graph, load_network
from .speeds import DEFAULT_SPEEDS
from .times import TravelTimes
from .transit import transit_network

__all__ = [
    "DEFAULT_SPEEDS",
    "Mode",
    "Network",
    "RoutingGraph",
    "TransitFeed",
    "TravelTimes",
    "describe_network",
    "load_graph",  # deprecated name of load_network, removed in 0.3.0
    "load_network",
    "on_demand_network",
    "read_gtfs",
    "transit_network",
    "travel_times",
]
