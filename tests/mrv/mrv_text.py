"""Test inputs written as CSV text, computed by a named method."""

from __future__ import annotations

import csv
import io

from tanshi.mrv.inputs import by_facility_year, read_rows
from tanshi.mrv.methodology import Calculation
from tanshi.mrv.methods import PLUGINS, compute_all
from tanshi.mrv.parameters import ParameterTable
from tanshi.mrv.plugins import ComputeContext
from tanshi.resources import parameter_table

HEADER = "facility,year,month,source,subject,input,amount,unit\n"


def rows_of(text: str) -> list[tuple[int, dict[str, str | None]]]:
    reader = csv.DictReader(io.StringIO(HEADER + text.strip() + "\n"))
    return [(line, dict(row)) for line, row in enumerate(reader, start=2)]


def compute(
    method_id: str,
    text: str,
    gwp_set: str | None = None,
    table: ParameterTable | None = None,
) -> Calculation:
    """The single facility-year in ``text``, computed; input errors fail the test."""
    method = PLUGINS[method_id]
    values, issues = read_rows(rows_of(text), "test.csv", method.spec.input_specs())
    assert issues == []
    context = ComputeContext(table or parameter_table(), gwp_set)
    [result] = compute_all(method, by_facility_year(values), context)
    return result
