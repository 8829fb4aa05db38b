"""One self-contained HTML page: Leaflet, the viewer, its data and a start-up script, all inline.

Also the header (title, notices) and footer (sources) that the map and comparison pages share.

A Content-Security-Policy forbids every outside script, style, frame or connection; only
basemap images may come from the network (and the page works without them).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from ._assets import leaflet_assets, viewer_assets
from ._payload import script_json

__all__ = ["CONTENT_SECURITY_POLICY", "footer_html", "header_html", "html_page"]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: https:; base-uri 'none'; form-action 'none'"
)


def header_html(title: str, banners: Sequence[str]) -> str:
    """Return the page header: title and notices (escaped)."""
    notes = "".join(f"<div class='gp-banner'>{html.escape(b)}</div>" for b in banners)
    return f"<header class='gp-header'><h1>{html.escape(title)}</h1>{notes}</header>"


def footer_html(sources: Sequence[str]) -> str:
    """Return the page footer naming the data sources (escaped)."""
    if not sources:
        return ""
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sources)
    return (
        "<footer class='gp-footer'><details><summary>Sources and attributions</summary>"
        f"<ul>{items}</ul></details></footer>"
    )


def html_page(*, title: str, body: str, payloads: Mapping[str, Any], script: str) -> str:
    """Assemble a page.

    Parameters
    ----------
    title
        Plain-text page title (escaped here).
    body
        Body HTML (already escaped where it holds user text).
    payloads
        Element id -> JSON data, embedded as ``<script type="application/json">``.
    script
        Start-up JavaScript run after Leaflet and the viewer are loaded.

    Returns
    -------
    str
    """
    leaflet_js, leaflet_css = leaflet_assets()
    viewer_js, viewer_css = viewer_assets()
    data = "\n".join(
        f'<script type="application/json" id="{html.escape(key)}">{script_json(value)}</script>'
        for key, value in payloads.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">
<title>{html.escape(title)}</title>
<style>
{leaflet_css}
</style>
<style>
{viewer_css}
</style>
</head>
<body>
{body}
{data}
<script>
{leaflet_js}
</script>
<script>
{viewer_js}
</script>
<script>
{script}
</script>
</body>
</html>
"""
