"""Bulk MRV from CSV and Excel files: 10,000 facilities, errors named by file, row, column."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl

from tanshi.resources import parameter_table
from tanshi.services.mrv_bulk import compute_file, write_results

HEADER = ["facility", "year", "month", "source", "subject", "input", "amount", "unit"]


def plant_rows(count: int) -> list[list[str]]:
    rows = []
    for index in range(count):
        name = f"P{index:05d}"
        rows.append([name, "2022", "", "U1", "coal", "fuel_consumed", str(1000 + index), "t"])
        rows.append([name, "2022", "", "U1", "coal", "carbon_content_ar", "0.5", "tC/t"])
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(row) for row in [HEADER, *rows]) + "\n", "utf-8")
    return path


def test_ten_thousand_facilities_from_csv(tmp_path: Path) -> None:
    """Each plant: (1 000 + i) t × 0.5 tC/t × 0.99 × 44/12 = (1 000 + i) × 1.815 tCO2."""
    path = write_csv(tmp_path / "plants.csv", plant_rows(10_000))
    result = compute_file(path, "CN-ETS:power", 2022, parameter_table())
    assert result.issues == ()
    assert len(result.calculations) == 10_000
    assert all(item.issues == () for item in result.calculations)
    assert result.calculations[7].emissions_tco2 == Decimal(1007) * Decimal("1.815")
    total = sum(item.emissions_tco2 for item in result.calculations)
    assert total == sum(Decimal(1000 + i) for i in range(10_000)) * Decimal("1.815")


def test_excel_input_computes_like_csv(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["P1", 2022, None, "U1", "coal", "fuel_consumed", 1000, "t"])
    sheet.append(["P1", 2022, None, "U1", "coal", "carbon_content_ar", 0.5, "tC/t"])
    book.save(tmp_path / "plants.xlsx")
    result = compute_file(tmp_path / "plants.xlsx", "CN-ETS:power", 2022, parameter_table())
    assert result.issues == ()
    [calculation] = result.calculations
    assert calculation.emissions_tco2 == Decimal("1815")


def test_every_problem_in_a_file_comes_back_at_once(tmp_path: Path) -> None:
    rows = plant_rows(3)
    rows[1][7] = "ton"
    rows[2][1] = "2021"
    rows.append(["P9", "2022", "", "U1", "coal", "ncv_ar", "20", "GJ/t"])
    path = write_csv(tmp_path / "bad.csv", rows)
    result = compute_file(path, "CN-ETS:power", 2022, parameter_table())
    assert [(issue.code, issue.where) for issue in result.issues] == [
        ("ambiguous_unit", "bad.csv:3 unit"),
        ("input_year", "bad.csv:4 year"),
    ]
    problems = {c.company: [i.code for i in c.issues] for c in result.calculations}
    assert problems["P9"] == ["input_required", "fuel_missing"]


def test_a_file_without_the_required_columns(tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("plant,fuel\nP1,coal\n", "utf-8")
    result = compute_file(path, "CN-ETS:power", 2022, parameter_table())
    [issue] = result.issues
    assert (issue.code, issue.where) == ("input_header", "wrong.csv:1")


def test_results_carry_the_parameters_they_used(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "plants.csv", plant_rows(2))
    result = compute_file(path, "CN-ETS:power", 2022, parameter_table())
    write_results(tmp_path / "out.json", result.calculations)
    [first, _] = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert first["emissions_tco2e"] == "1815"
    assert {p["regime"] + "/" + p["parameter"] for p in first["parameters"]} == {
        "CN-ETS/of",
        "STOICHIOMETRY/molar_mass_rounded",
    }
    write_results(tmp_path / "out.csv", result.calculations)
    lines = (tmp_path / "out.csv").read_text("utf-8").splitlines()
    assert lines[0].startswith("facility,year,methodology,emissions_tco2e,reported_tco2e")
    assert lines[1].startswith("P00000,2022,CN-ETS:power:2022,1815,1815,1815,0,0,")


def test_an_unreadable_file_is_an_issue(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        "facility,year,month,source,subject,input,amount,unit\nF\xe9,2022".encode("latin-1")
    )
    for path in (broken, latin):
        result = compute_file(path, "CN-ETS:power", 2022, parameter_table())
        assert [issue.code for issue in result.issues] == ["input_unreadable"]
