"""What a run and a comparison write (imported as ``run_outputs`` by the top-level tests)."""

from __future__ import annotations

__all__ = ["COMPARISON_FILES", "MANIFEST", "RUN_FILES"]

#: the manifest at the top of every output folder a command writes (not in a comparison's
#: scenario folders, which the comparison's own manifest lists)
MANIFEST = ".gateway-planner.json"
#: the files of one scenario's output folder, besides the manifest
RUN_FILES: frozenset[str] = frozenset(
    {
        "briefing.pdf",
        "briefing.png",
        "catchments.gpkg",
        "map.html",
        "sites.csv",
        "summary.json",
        "tables.csv",
    }
)
#: the files of a comparison folder besides its scenario folders (comparison.gpkg only when the
#: scenarios share cells with the baseline)
COMPARISON_FILES: frozenset[str] = frozenset(
    {"briefing.pdf", "briefing.png", "comparison.csv", "comparison.html", "comparison_sites.csv"}
)
