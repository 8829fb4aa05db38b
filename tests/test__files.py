"""The helpers every reader shares: files, numbers, populations, shares and ids."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gateway_planner._files import (
    checked_ids,
    numbers,
    population_values,
    raise_problems,
    read_csv,
    read_table,
    read_vector,
    share_values,
    unique_ids,
)
from gateway_planner.errors import GatewayPlannerWarning, InputError


def test_numbers_name_the_first_bad_row_by_id_or_by_line():
    frame = pd.DataFrame({"v": ["1", "x", "-2", None]})
    values, problems = numbers(frame, "v", what="rows", fix="write numbers", negative_fix="0+")
    np.testing.assert_array_equal(values[[0, 2]], [1.0, -2.0])
    assert [p.message for p in problems] == [
        "2 rows have a missing or non-numeric v (first: data row 2 = 'x')",
        "1 rows have a negative v (first: data row 3 = -2)",
    ]
    assert [p.fix for p in problems] == ["write numbers", "0+"]
    by_id = frame.set_axis(pd.Index(["a", "b", "c", "d"], name="id"), axis=0)
    _, problems = numbers(by_id, "v", what="rows", name="size", fix="f", blank=True)
    assert problems[0].message == "1 rows have a non-numeric size (first: 'b' = 'x')"


def test_population_and_share_values():
    frame = pd.DataFrame({"people": [1, 2], "share__a": [1.0, "half"]}, index=["p", "q"])
    np.testing.assert_array_equal(
        population_values(frame, "people", file=Path("f.csv"), what="cells"), [1.0, 2.0]
    )
    with pytest.raises(InputError, match=r"f\.csv: population: column 'population' is missing"):
        population_values(frame, "population", file=Path("f.csv"), what="cells")
    with pytest.raises(
        InputError, match=r"share__a: 1 cells have a missing or non-numeric share \(first: 'q'"
    ):
        share_values(frame, file=Path("f.csv"), what="cells")


def test_ids_report_empty_and_duplicated_ones_together():
    ids, problems = checked_ids(pd.Series([" a", "b", None, "a"]), field="id", what="site")
    assert list(ids[:2]) == ["a", "b"]
    assert [p.message for p in problems] == ["1 sites have no id", "1 duplicate site ids, e.g. 'a'"]
    with pytest.raises(InputError, match=r"f: 2 problems: \(1\) id: 1 sites have no id"):
        unique_ids(pd.Series([" a", "b", None, "a"]), file=Path("f"), field="id", what="site")
    raise_problems([], file="f")  # nothing to report


def test_tables_keep_codes_as_text(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("code\tv\n007\t1\n")
    assert read_table(path, field="k", key="code")["code"].tolist() == ["007"]
    assert read_csv(path, field="k")["code"].tolist() == [7]


def test_file_errors(tmp_path):
    with pytest.raises(InputError, match=r"none\.csv: k: file not found\. Fix: check the path"):
        read_csv(tmp_path / "none.csv", field="k")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe\x00a,b\n")
    with pytest.raises(InputError, match=r"bad\.csv: k: not a readable CSV"):
        read_csv(bad, field="k")
    garbage = tmp_path / "area.gpkg"
    garbage.write_text("not a geopackage")
    with pytest.raises(InputError, match=r"area\.gpkg: area\.boundary: cannot be read"):
        read_vector(garbage, field="area.boundary")


# ---- tables as spreadsheets save them ----------------------------------------------------------

TABLE = "site_id;name;x;y\ns1;Mairie d'Écques;651234,5;7065432\ns2;Église;2,5;3\n"


def test_a_semicolon_table_with_decimal_commas_is_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(TABLE, encoding="utf-8")
    frame = read_csv(path, field="k", text=("site_id",))
    assert list(frame.columns) == ["site_id", "name", "x", "y"]
    assert frame["x"].tolist() == [651234.5, 2.5] and frame["name"][1] == "Église"


def test_a_table_not_in_utf8_is_read_with_a_warning_naming_the_encoding(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(TABLE.encode("cp1252"))
    with pytest.warns(
        GatewayPlannerWarning,
        match=r"t\.csv: is not UTF-8 \(invalid continuation byte at byte \d+\); read it as "
        r"Windows-1252 \(cp1252\)\. Save it as UTF-8",
    ):
        frame = read_csv(path, field="k")
    assert frame["name"].tolist() == ["Mairie d'Écques", "Église"]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"\xef\xbb\xbf" + TABLE.encode("utf-8"), "utf-8 with a BOM"),
        (TABLE.replace(";", "\t").encode("utf-16"), "Excel's Unicode text"),
    ],
)
def test_other_unicode_tables_are_read_without_a_warning(tmp_path, data, name):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    frame = read_csv(path, field="k")
    assert list(frame.columns) == ["site_id", "name", "x", "y"], name
    assert frame["name"][1] == "Église"


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        (b"", r"t\.csv: k: is empty \(0 bytes\)\. Fix: save the table again as CSV"),
        (b"\n \n", r"t\.csv: k: holds no header row"),
        (
            b"PK\x03\x04\x14\x00\x06\x00",
            r"t\.csv: k: holds binary data, not a text table \(an Excel workbook or another zip "
            r"file\?\)\. Fix: save it as CSV",
        ),
    ],
)
def test_files_that_are_no_table_give_one_line(tmp_path, data, pattern):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match=pattern) as info:
        read_csv(path, field="k")
    assert "\n" not in str(info.value)
