"""Reading a monthly report CSV: every unreadable cell of every line, each said plainly."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tanshi.mrv.annual_report import parse_report_csv

HEADER = "unit,stream,month,quantity,ncv,ncv_basis\n"


def _problems(body: str) -> list[tuple[str, str, str]]:
    report, issues = parse_report_csv(HEADER + body, "A", 2016, D(0), "report.csv")
    assert report is not None
    return [(i.code, i.where, i.message) for i in issues]


def test_every_bad_cell_of_every_line_is_a_problem_of_its_own() -> None:
    body = (
        "boiler-1,coal,1,,25.0,measured\n"  # line 2: quantity empty
        "boiler-1,coal,2,abc,25.0,measured\n"  # line 3: not a number
        "boiler-1,coal,13,100,x,guessed\n"  # line 4: three problems in one line
        ",coal,4,NaN,25.0,\n"  # line 5: unit empty, NaN, basis empty
    )
    assert _problems(body) == [
        ("missing_value", "report.csv line 2, column 4",
         "the quantity is empty; give a number such as 1234.5"),
        ("not_a_number", "report.csv line 3, column 4",
         "the quantity is “abc”, not a number; give a number such as 1234.5, with a point for "
         "decimals and no thousands separators"),
        ("month_invalid", "report.csv line 4, column 3",
         "the month is “13”; give 1 to 12, or total for the year's own quantity"),
        ("not_a_number", "report.csv line 4, column 5",
         "the ncv is “x”, not a number; give a number such as 1234.5, with a point for "
         "decimals and no thousands separators"),
        ("basis_invalid", "report.csv line 4, column 6",
         "the ncv_basis is “guessed”; write measured or default"),
        ("missing_value", "report.csv line 5, column 1",
         "the unit is empty; give the name the monitoring plan uses"),
        ("not_a_number", "report.csv line 5, column 4",
         "the quantity is “NaN”, not a number; give a number such as 1234.5, with a point for "
         "decimals and no thousands separators"),
        ("missing_value", "report.csv line 5, column 6",
         "the ncv_basis is empty; write measured or default"),
    ]  # fmt: skip


def test_good_lines_are_read_beside_bad_ones() -> None:
    body = "boiler-1,coal,1,100,25.0,measured\nboiler-1,coal,2,,,\nboiler-1,coal,total,100,,\n"
    report, issues = parse_report_csv(HEADER + body, "A", 2016, D(0), "report.csv")
    assert [i.code for i in issues] == ["missing_value"]
    assert report is not None and [m.month for m in report.months] == [1]
    assert report.totals == (("boiler-1", "coal", D(100)),)


def test_a_short_line_misses_its_values_and_a_comma_in_a_number_makes_a_long_one() -> None:
    assert [(code, where) for code, where, _ in _problems("boiler-1,coal\n")] == [
        ("missing_value", "report.csv line 2, column 3"),
        ("missing_value", "report.csv line 2, column 4"),
    ]
    long = _problems("boiler-1,coal,1,1,234.5,25.0,measured\n")
    assert long[0][:2] == ("too_many_values", "report.csv line 2")
    assert "write 1234.5, not 1,234.5" in long[0][2]


def test_blank_lines_and_empty_rows_of_a_spreadsheet_are_skipped() -> None:
    assert _problems("boiler-1,coal,1,100,,\n\n,,,,,\n") == []


def test_a_spreadsheet_s_byte_order_mark_is_not_part_of_the_header() -> None:
    report, issues = parse_report_csv("\ufeff" + HEADER + "b,c,1,5,,\n", "A", 2016, D(0), "r.csv")
    assert issues == [] and report is not None and report.months[0].quantity == D(5)


def test_a_problem_keeps_its_template_and_location_pattern() -> None:
    _, issues = parse_report_csv(HEADER + "b,c,1,x,,\n", "A", 2016, D(0), "r.csv")
    (issue,) = issues
    assert issue.template.startswith("the {column} is “{value}”, not a number")
    assert dict(issue.params) == {"column": "quantity", "value": "x"}
    assert issue.where_template == "{file} line {line}, column {column}"
    assert dict(issue.where_params) == {"file": "r.csv", "line": "2", "column": "4"}


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_any_line_ending_is_read_and_lines_are_counted_by_it(end: str) -> None:
    text = end.join([HEADER.strip(), "b,c,1,5,,", "b,c,2,x,,", ""])
    _, issues = parse_report_csv(text, "A", 2016, D(0), "r.csv")
    assert [(i.code, i.where) for i in issues] == [("not_a_number", "r.csv line 3, column 4")]
