"""Leaflet's files come from the installed XStatic-Leaflet package, or a clear error says so."""

import importlib.metadata

import pytest

from gateway_planner.errors import GatewayPlannerError
from gateway_planner.report import _assets
from gateway_planner.report._assets import MissingAssetsError, leaflet_assets, viewer_assets


def test_leaflet_comes_inline_with_its_images():
    js, css = leaflet_assets()
    assert "Leaflet 1.9" in js[:200]
    assert "sourceMappingURL" not in js
    assert ".leaflet-control-layers-toggle" in css
    assert "images/" not in css and "url(data:image/png;base64," in css


def test_viewer_assets_ship_with_the_package():
    js, css = viewer_assets()
    assert "gpViewer" in js and ".gp-legend" in css


def test_missing_leaflet_names_the_fix(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(_assets.importlib.metadata, "distribution", missing)
    _assets.leaflet_assets.cache_clear()
    try:
        with pytest.raises(
            MissingAssetsError,
            match=r"XStatic-Leaflet.*Fix: pip install 'gateway-planner\[report\]'",
        ):
            leaflet_assets()
    finally:
        _assets.leaflet_assets.cache_clear()
    assert issubclass(MissingAssetsError, ImportError)
    assert issubclass(MissingAssetsError, GatewayPlannerError)
