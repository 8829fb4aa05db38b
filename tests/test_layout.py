"""The house rules of docs/architecture.md, checked on the source as text (nothing is imported).

- no import circles, and no module importing its own package's face (``__init__``);
- no module over 600 lines;
- stages (demand, network, locate, report, evaluate, pilot) import only the ground floor and
  themselves, never each other;
- tests, benchmarks and notebooks import no private name of another package: a test of a
  private module sits in the test folder that mirrors the module's package.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gateway_planner"

#: modules directly in gateway_planner/ that any stage may import
GROUND_FLOOR = {
    "_cache",
    "_deprecation",
    "_files",
    "_geometry",
    "_io",
    "_optional",
    "_readers",
    "_toml",
    "_version",
    "cluster",
    "contracts",
    "decay",
    "errors",
    "groups",
    "minutes",
    "settings",
    "weighted",
}
#: the stages of the flow; each imports only the ground floor and itself
STAGES = {"demand", "network", "locate", "report", "evaluate", "pilot"}
MAX_LINES = 600


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _known(target: str) -> str:
    while target and target not in MODULES:
        target = target.rpartition(".")[0]
    return target


def _imports(module: str) -> Iterator[str]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, path.name == "__init__.py", node)
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        else:
            continue
        for target in targets:
            known = _known(target)
            if known and known != module:
                yield known


GRAPH = {m: set(_imports(m)) for m in MODULES}


def test_no_module_imports_its_own_package_face():
    up = [
        f"{m} imports {t}"
        for m, targets in GRAPH.items()
        for t in targets
        if m.startswith(f"{t}.") or (t == "gateway_planner" and m != t)
    ]
    assert up == []


def test_no_import_circles():
    # depth-first search for a back edge, ignoring the package-face arrows tested above
    edges = {
        m: {t for t in ts if not m.startswith(f"{t}.") and t != "gateway_planner"}
        for m, ts in GRAPH.items()
    }
    state: dict[str, int] = {}
    circles: list[str] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                circles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert circles == []


def test_no_module_is_over_600_lines():
    long = {
        m: n
        for m, p in MODULES.items()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def _floor(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_stages_import_only_the_ground_floor_and_themselves():
    sideways = sorted(
        f"{m} imports {t}"
        for m, targets in GRAPH.items()
        if _floor(m) in STAGES
        for t in targets
        if _floor(t) != _floor(m) and _floor(t) not in GROUND_FLOOR
    )
    assert sideways == []


def test_the_ground_floor_imports_no_stage_or_orchestrator():
    upward = sorted(
        f"{m} imports {t}"
        for m, targets in GRAPH.items()
        if _floor(m) in GROUND_FLOOR
        for t in targets
        if _floor(t) not in GROUND_FLOOR
    )
    assert upward == []


def _code(path: Path) -> str:
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    lines = [
        line
        for cell in cells
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if not line.lstrip().startswith(("%", "!"))
    ]
    return "\n".join(lines)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_imports(path: Path) -> Iterator[tuple[str, str]]:
    """(package holding the private piece, what is imported) for every private import."""
    for node in ast.walk(ast.parse(_code(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            module = node.module or ""
            names = [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            module, names = "", [a.name for a in node.names]
        else:
            continue
        for name in names:
            dotted = f"{module}.{name}" if module else name
            parts = dotted.split(".")
            if parts[0] != "gateway_planner":
                continue
            private = [i for i, part in enumerate(parts) if _private(part)]
            if private:
                yield ".".join(parts[: private[0]]), dotted


@pytest.mark.parametrize("folder", ["tests", "benchmarks", "notebooks"])
def test_no_private_name_of_another_package_is_imported(folder):
    bad = []
    for path in sorted((ROOT / folder).rglob("*")):
        if path.suffix not in {".py", ".ipynb"} or ".ipynb_checkpoints" in path.parts:
            continue
        for package, dotted in _private_imports(path):
            mirrored = ROOT.joinpath("tests", *package.split(".")[1:])
            if folder != "tests" or path.parent != mirrored:
                bad.append(f"{path.relative_to(ROOT)}: {dotted}")
    assert bad == []


def test_the_checks_see_the_package():
    assert "gateway_planner.scenario" in MODULES and "gateway_planner.locate" in MODULES
    assert "gateway_planner.scenario" in GRAPH["gateway_planner._compare"]
    assert {_floor(m) for m in MODULES} >= STAGES | GROUND_FLOOR
