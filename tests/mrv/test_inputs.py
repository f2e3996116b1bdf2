"""Long-format inputs: every row problem at once, named by file, line and column."""

from __future__ import annotations

from decimal import Decimal

from mrv_text import rows_of

from tanshi.mrv.inputs import by_facility_year, read_rows
from tanshi.mrv.methods import PLUGINS

SPECS = PLUGINS["CN-ETS:power:2022"].spec.input_specs()


def test_every_row_problem_is_reported_with_file_row_and_column() -> None:
    text = """
F1,2022,1,U1,coal,fuel_consumed,100,mt
F1,20x2,1,U1,coal,fuel_consumed,100,t
F1,2022,13,U1,coal,ncv_ar,20,GJ/t
F1,2022,1,U1,coal,fuel_burnt,100,t
F1,2022,2,U1,coal,fuel_consumed,-5,t
F1,2022,3,U1,coal,fuel_consumed,lots,t
F1,2022,4,U1,coal,fuel_consumed,5,MWh
,2022,5,U1,coal,fuel_consumed,5,t
F1,2022,6,U1,coal,fuel_consumed,5,t
F1,2022,6,U1,coal,fuel_consumed,6,t
F1,2022,7,U1,coal,fuel_consumed,"1,5",t
"""
    values, issues = read_rows(rows_of(text), "plant.csv", SPECS)
    assert [(issue.code, issue.where) for issue in issues] == [
        ("ambiguous_unit", "plant.csv:2 unit"),
        ("input_integer", "plant.csv:3 year"),
        ("input_month", "plant.csv:4 month"),
        ("input_unknown", "plant.csv:5 input"),
        ("input_negative", "plant.csv:6 amount"),
        ("input_amount", "plant.csv:7 amount"),
        ("unit_dimension", "plant.csv:8 unit"),
        ("input_field_missing", "plant.csv:9 facility"),
        ("input_duplicate", "plant.csv:11 input"),
        ("input_amount", "plant.csv:12 amount"),
    ]
    assert [value.amount for value in values] == [Decimal(5)]


def test_amounts_are_converted_to_the_declared_unit() -> None:
    text = "F1,2022,1,U1,coal,fuel_consumed,2.5,kilotonne\nF1,2022,1,U1,coal,ncv_ar,20908,MJ/t"
    values, issues = read_rows(rows_of(text), "plant.csv", SPECS)
    assert issues == []
    assert [(v.amount, v.unit) for v in values] == [
        (Decimal("2500.0"), "t"),
        (Decimal("20.908"), "GJ/t"),
    ]


def test_values_are_grouped_by_facility_year_in_file_order() -> None:
    text = "B,2022,,U1,coal,fuel_consumed,1,t\nA,2022,,U1,coal,fuel_consumed,2,t\nB,2022,,U2,coal,fuel_consumed,3,t"
    values, _ = read_rows(rows_of(text), "x.csv", SPECS)
    groups = by_facility_year(values)
    assert [(g.facility, len(g.values)) for g in groups] == [("B", 2), ("A", 1)]
