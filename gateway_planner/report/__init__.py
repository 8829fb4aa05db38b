"""Report stage: interactive map, exports and (later) the printable briefing."""

from .exports import write_exports, write_geopackage
from .maps import write_map

__all__ = ["write_exports", "write_geopackage", "write_map"]
