"""What a run and a comparison write, and the pilot inputs such runs take (imported as
``run_outputs`` by the top-level tests)."""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path

__all__ = [
    "COMPARISON_FILES",
    "MANIFEST",
    "PILOT_GROUPS",
    "PILOT_RUN_FILES",
    "RUN_FILES",
    "drive_walk_groups",
    "pilot_scenario_text",
]

ROOT = Path(__file__).resolve().parents[1]
#: the pilot's customer groups (by car, bus, on-demand transport and on foot)
PILOT_GROUPS = ROOT / "data" / "pilot" / "groups.toml"

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
#: the files of a demo scenario's output folder: its objective lists alternatives too
PILOT_RUN_FILES: frozenset[str] = RUN_FILES | {"alternatives.csv"}
#: the files of a comparison folder besides its scenario folders (comparison.gpkg only when the
#: scenarios share cells with the baseline)
COMPARISON_FILES: frozenset[str] = frozenset(
    {"briefing.pdf", "briefing.png", "comparison.csv", "comparison.html", "comparison_sites.csv"}
)


@functools.cache
def _temporary_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="gateway-planner-tests-"))


def drive_walk_groups(path: Path | None = None) -> Path:
    """Write the pilot's customer groups travelling by car and on foot only, and return the path.

    Each group keeps its drive share; the rest of its mix (bus, on-demand transport, walking)
    walks. For pilot runs that are not about public transport and model only drive and walk
    (the pilot's own groups need its bus feed and on-demand zone). ``path`` defaults to a
    ``groups.toml`` in a temporary folder of this test process.
    """
    path = path if path is not None else _temporary_folder() / "drive_walk_groups.toml"

    def mix(found: re.Match[str]) -> str:
        drive = float(re.findall(r"drive = ([0-9.]+)", found.group(0))[0])
        return f"modes = {{ drive = {drive:.2f}, walk = {1.0 - drive:.2f} }}"

    text = re.sub(r"modes = \{[^}]*\}", mix, PILOT_GROUPS.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    return path


def pilot_scenario_text(name: str, folder: str = "out/") -> str:
    """A pilot scenario's text for a copy in another folder: outputs under ``folder``, the
    pilot's feed and on-demand zone read from the repository."""
    text = (ROOT / "scenarios" / f"{name}.toml").read_text(encoding="utf-8")
    text = text.replace('folder = "../outputs/', f'folder = "{folder}')
    return text.replace('"../data/', f'"{(ROOT / "data").as_posix()}/')
