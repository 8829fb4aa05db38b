"""The public API exists and importing the package stays light (geopandas' import-hygiene test)."""

import subprocess
import sys

import gateway_planner as gp

HEAVY = (
    "folium",
    "branca",
    "matplotlib",
    "osmnx",
    "dask",
    "distributed",
    "rasterio",
    "pyrosm",
    "igraph",
    "tobler",
    "gtfs_kit",
    "ferrobus",
)


def test_public_names():
    for name in gp.__all__:
        assert hasattr(gp, name), name
    assert gp.__version__ != "0+unknown"
    assert issubclass(gp.errors.InputError, ValueError)
    assert issubclass(gp.errors.InputError, gp.errors.GatewayPlannerError)
    assert issubclass(gp.errors.SolverError, RuntimeError)
    assert issubclass(gp.errors.InfeasibleError, gp.errors.SolverError)


def test_import_loads_no_heavy_optional_dependency():
    code = (
        "import sys, gateway_planner, gateway_planner.cli, gateway_planner.scenario; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_python_dash_m_runs_the_cli():
    out = subprocess.run(
        [sys.executable, "-m", "gateway_planner", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"gateway-planner {gp.__version__}"
