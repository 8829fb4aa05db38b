"""Leaflet's JavaScript and CSS, read from an installed package so that pages need no network.

The files come from ``XStatic-Leaflet`` (PyPI, part of the ``report`` extra): Leaflet 1.9.3's
``leaflet.js`` and ``leaflet.css``, the same release folium loads from a CDN. The images the CSS
refers to (layer-control icon, default marker) are inlined as ``data:`` URIs. Our own viewer
script and style ship beside this module in ``_static/``.
"""

from __future__ import annotations

import base64
import functools
import importlib.metadata
import re
from importlib import resources
from pathlib import Path

from ..errors import GatewayPlannerError

__all__ = [
    "LEAFLET_DISTRIBUTION",
    "VIEWER_SCRIPTS",
    "MissingAssetsError",
    "leaflet_assets",
    "viewer_assets",
]

#: the registry package that ships Leaflet's dist files
LEAFLET_DISTRIBUTION = "XStatic-Leaflet"
_DATA = "xstatic/pkg/leaflet/data"
_IMAGE_URL = re.compile(r"url\((?:['\"])?images/([A-Za-z0-9_.-]+\.png)(?:['\"])?\)")


class MissingAssetsError(ImportError, GatewayPlannerError):
    """A file the self-contained pages inline is not installed."""

    exit_code = 2


def _leaflet_folder() -> Path:
    try:
        dist = importlib.metadata.distribution(LEAFLET_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        folder = None
    else:
        folder = Path(str(dist.locate_file(_DATA)))
    if folder is None or not (folder / "leaflet.js").is_file():
        msg = (
            f"Leaflet's files (package {LEAFLET_DISTRIBUTION}) are needed to write map.html and "
            "comparison.html without network access, but they are not installed. "
            "Fix: pip install 'gateway-planner[report]' (or pip install XStatic-Leaflet)"
        )
        raise MissingAssetsError(msg)
    return folder


def _inline_images(css: str, folder: Path) -> str:
    def data_uri(match: re.Match[str]) -> str:
        image = folder / "images" / match.group(1)
        if not image.is_file():
            return "none"
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    return _IMAGE_URL.sub(data_uri, css)


@functools.cache
def leaflet_assets() -> tuple[str, str]:
    """Return Leaflet's minified script and its stylesheet with images inlined.

    Returns
    -------
    tuple of (str, str)
        ``(javascript, css)``; the source-map comment is dropped.

    Raises
    ------
    MissingAssetsError
        When ``XStatic-Leaflet`` is not installed; the message names the fix.
    """
    folder = _leaflet_folder()
    js = (folder / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", js)
    css = _inline_images((folder / "leaflet.css").read_text(encoding="utf-8"), folder)
    return js, css


#: our scripts, in the order the page runs them: the viewer, the what-if evaluation, its panel
VIEWER_SCRIPTS = ("viewer.js", "whatif_eval.js", "whatif.js")


@functools.cache
def viewer_assets() -> tuple[str, str]:
    """Return the page script and stylesheet of our map viewer (``_static/``).

    The script is :data:`VIEWER_SCRIPTS` one after the other (one ``<script>`` element).
    """
    static = resources.files(__package__) / "_static"
    script = "\n".join((static / name).read_text(encoding="utf-8") for name in VIEWER_SCRIPTS)
    return script, (static / "viewer.css").read_text(encoding="utf-8")
