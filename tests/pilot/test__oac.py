"""Group shares from the OAC: the crosswalk file, the nearest-postcode rule, the cells' mix."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gateway_planner.errors import InputError
from gateway_planner.pilot import _sources, data_dir, load_pilot
from gateway_planner.pilot._oac import (
    Crosswalk,
    cell_oac,
    position_subgroups,
    read_crosswalk,
    shares_by_class,
)

GROUP_IDS = ["digital_working_age", "families", "older_low_income", "assisted_support"]
SHARES = [f"share__{g}" for g in GROUP_IDS]
CROSSWALK = data_dir() / "pilot" / "oac_crosswalk.csv"
DEMOGRAPHY = importlib.util.find_spec("demography") is not None


def _committed() -> pd.DataFrame:
    return pd.read_csv(CROSSWALK, dtype={"oac_code": str}).set_index("oac_code")


def _swale_cells() -> pd.DataFrame:
    return pd.read_csv(data_dir() / "pilot" / "swale" / "cells.csv", dtype={"cell_id": str})


# ---- the committed crosswalk ----------------------------------------------------------------


def test_the_crosswalk_has_one_row_per_subgroup_summing_to_one() -> None:
    table = _committed()
    assert list(table.columns) == ["supergroup", "group", "subgroup", *SHARES, "why"]
    # the 2011 OAC: 8 supergroups, 26 groups, 76 subgroups
    assert len(table) == 76 and table.index.is_unique
    assert table.index.str.fullmatch(r"[1-8][A-D][1-4]").all()
    assert table["supergroup"].nunique() == 8 and table["group"].nunique() == 26
    np.testing.assert_allclose(table[SHARES].sum(axis=1), 1.0, atol=1e-9)
    assert ((table[SHARES] >= 0) & (table[SHARES] <= 1)).all().all()
    assert (table["why"].str.len() > 20).all()


def test_every_subgroup_of_swales_cells_has_a_row() -> None:
    mixes = _swale_cells()["oac_mix"]
    codes = {part.split(":")[0] for mix in mixes for part in mix.split()}
    assert len(codes) > 30
    assert codes <= set(_committed().index)


def test_ageing_and_hardship_subgroups_go_where_their_names_say() -> None:
    table = _committed()
    main = table[SHARES].idxmax(axis=1).str.removeprefix("share__")
    for code in ("1C2", "1C3", "5B2", "5B3", "7D2", "7D3", "7D4"):  # retirement subgroups
        assert main[code] == "older_low_income", code
    for code in ("2A1", "2D2", "3D2"):  # students, quaternary and tech workers
        assert main[code] == "digital_working_age", code
    for code in ("4A1", "7C2", "8D1"):  # young families
        assert main[code] == "families", code
    # deprived subgroups carry more assisted support than comfortable ones
    deprived = table.loc[["7B2", "7C3", "3C1", "8B1"], "share__assisted_support"]
    comfortable = table.loc[["1A2", "6A2", "5A1", "6B2"], "share__assisted_support"]
    assert deprived.min() > comfortable.max()


@pytest.mark.skipif(not DEMOGRAPHY, reason="demography not installed (pip install .[pilot])")
def test_the_crosswalk_names_are_the_classifications() -> None:
    names = _sources.read_oac_names()
    crosswalk = read_crosswalk(CROSSWALK, group_ids=GROUP_IDS, names=names)
    assert list(crosswalk.table.index) == list(names.index)
    assert crosswalk.text == CROSSWALK.read_text(encoding="utf-8")


def test_the_swale_cells_shares_are_their_mix_through_the_crosswalk() -> None:
    table = _committed()
    cells = _swale_cells()
    for _, cell in cells.iterrows():
        counts = dict(part.split(":") for part in cell["oac_mix"].split())
        weights = pd.Series({code: int(n) for code, n in counts.items()})
        expected = weights @ table.loc[weights.index, SHARES] / weights.sum()
        # to 4 decimals by largest remainder: within one unit of the last decimal
        np.testing.assert_allclose(cell[SHARES].to_numpy(float), expected, atol=1e-4 + 1e-12)
    # written to 4 decimals, each row summing exactly to 1
    assert (cells[SHARES].sum(axis=1).round(10) == 1.0).all()


def test_the_swale_shares_are_recorded_as_measured_with_their_date() -> None:
    area = load_pilot("swale")
    line = next(s for s in area.sources if s.startswith("Customer-group shares:"))
    assert re.search(
        r"measured: ONS 2011 OAC via demography \S+ \(postcodes\), crosswalk assumed; "
        r"OAC of the 2011 Census \(27 March 2011\)",
        line,
    )
    assert "Open Government Licence" in line and "MIT" in line


# ---- reading a crosswalk ----------------------------------------------------------------------

NAMES = pd.DataFrame(
    {
        "supergroup": ["Rural residents", "Rural residents"],
        "group": ["Ageing rural dwellers", "Ageing rural dwellers"],
        "subgroup": ["Rural employment and retirees", "Renting rural retirement"],
    },
    index=pd.Index(["1C1", "1C2"], name="oac_code"),
)
HEADER = "oac_code,supergroup,group,subgroup,share__a,share__b,why\n"
GOOD = (
    "1C1,Rural residents,Ageing rural dwellers,Rural employment and retirees,0.6,0.4,workers\n"
    "1C2,Rural residents,Ageing rural dwellers,Renting rural retirement,0.2,0.8,retired\n"
)


def _write(tmp_path: Path, rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "oac_crosswalk.csv"
    path.write_text(header + rows, encoding="utf-8")
    return path


def test_a_good_crosswalk_is_read(tmp_path: Path) -> None:
    crosswalk = read_crosswalk(_write(tmp_path, GOOD), group_ids=["a", "b"], names=NAMES)
    assert isinstance(crosswalk, Crosswalk)
    np.testing.assert_allclose(crosswalk.shares(["1C2", "1C1"]), [[0.2, 0.8], [0.6, 0.4]])


def test_every_problem_of_a_crosswalk_is_reported_at_once(tmp_path: Path) -> None:
    rows = (
        "1C1,Rural residents,Ageing rural dwellers,Rural retirees,0.6,0.5, \n"
        "9X9,Rural residents,Ageing rural dwellers,Renting rural retirement,x,0.8,retired\n"
    )
    with pytest.raises(InputError) as err:
        read_crosswalk(_write(tmp_path, rows), group_ids=["a", "b"], names=NAMES)
    text = str(err.value)
    assert "oac_crosswalk.csv: 6 problems" in text
    for part in (
        "['9X9'] are not subgroups of the 2011 OAC",
        "1 subgroups have no row (first: 1C2)",
        "1 rows name another subgroup than the classification (first: 1C1 'Rural retirees'",
        "1 rows hold shares that are not numbers from 0 to 1 (first: 9X9)",
        "1 rows' shares do not sum to 1 (first: 1C1, 1.1)",
        "1 rows give no reason (first: 1C1)",
    ):
        assert part in text, part


def test_a_crosswalk_without_a_groups_column_is_refused(tmp_path: Path) -> None:
    header = "oac_code,supergroup,group,subgroup,share__a,why\n"
    with pytest.raises(InputError, match=r"columns .* are not .*share__b"):
        read_crosswalk(_write(tmp_path, "", header), group_ids=["a", "b"], names=NAMES)


# ---- positions, cells, classes ---------------------------------------------------------------


def test_a_postcode_missing_from_the_lookup_takes_the_nearest_ones_subgroup() -> None:
    positions = pd.DataFrame(
        {"pcd": ["A1 1AA", "A1 1AB", "A1 1AD", "A1 1AE"], "x": [0, 100, 60, 50], "y": 0}
    )
    lookup = pd.Series({"A1 1AA": "1C1", "A1 1AB": "1C2", "A1 1AD": None, "A1 1AE": None})
    out = position_subgroups(positions, lookup)
    # 60 m from 1C2 (at 100) and 60 m from 1C1 (at 0): 1C2 is nearer at 40 m; 50: a tie
    assert list(out.codes) == ["1C1", "1C2", "1C2", "1C1"]  # the tie goes to the first
    assert list(out.looked_up) == [True, True, False, False]


def test_no_postcode_in_the_lookup_is_refused() -> None:
    positions = pd.DataFrame({"pcd": ["A1 1AA"], "x": [0.0], "y": [0.0]})
    with pytest.raises(InputError, match="no postcode of the area is in"):
        position_subgroups(positions, pd.Series({"A1 1AA": None}))


def test_a_cells_shares_are_the_mean_of_its_positions_rows(tmp_path: Path) -> None:
    crosswalk = read_crosswalk(_write(tmp_path, GOOD), group_ids=["a", "b"], names=NAMES)
    shares, mix = cell_oac(
        ["c2", "c1", "c1", "c1"], np.array(["1C1", "1C2", "1C1", "1C2"]), crosswalk
    )
    assert list(shares.index) == ["c1", "c2"]
    np.testing.assert_allclose(
        shares.loc["c1"], [(0.2 + 0.6 + 0.2) / 3, (0.8 + 0.4 + 0.8) / 3], atol=1e-4
    )
    assert shares.loc["c1"].sum() == pytest.approx(1.0, abs=1e-12)
    assert list(shares.loc["c1"]) == [0.3333, 0.6667]  # to 4 decimals, summing to 1
    assert dict(mix) == {"c1": "1C2:2 1C1:1", "c2": "1C1:1"}


def test_class_shares_are_population_weighted_means() -> None:
    cells = pd.DataFrame(
        {
            "population": [100.0, 300.0, 50.0],
            "density_class": ["urban", "urban", "rural"],
            "share__a": [0.2, 0.6, 0.5],
            "share__b": [0.8, 0.4, 0.5],
        }
    )
    out = shares_by_class(cells, ["urban", "rural"], ["a", "b"])
    assert out == {"urban": {"a": 0.5, "b": 0.5}, "rural": {"a": 0.5, "b": 0.5}}
    with pytest.raises(InputError, match="no populated Swale cell of density class 'town'"):
        shares_by_class(cells, ["town"], ["a", "b"])
