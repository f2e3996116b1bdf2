"""Bulk MRV: read methodology inputs from CSV or Excel, compute every facility, write results."""

from __future__ import annotations

import csv
import json
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from tanshi.core.issues import Issue
from tanshi.mrv.inputs import COLUMNS, REQUIRED_COLUMNS, by_facility_year, read_rows
from tanshi.mrv.methodology import Calculation
from tanshi.mrv.methods import compute_all, find_method
from tanshi.mrv.parameters import ParameterTable
from tanshi.mrv.plugins import ComputeContext

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Row = tuple[int, dict[str, str | None]]


@dataclass(frozen=True, slots=True)
class BulkResult:
    """Every calculation, and every problem in the input file (file, row, column)."""

    calculations: tuple[Calculation, ...]
    issues: tuple[Issue, ...]


def _csv_rows(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for line, row in enumerate(reader, start=2):
            yield line, {key: value for key, value in row.items() if key is not None}


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        # Excel keeps numbers as binary floats; their shortest repr is what was typed.
        return repr(value)
    return str(value)


def _excel_rows(path: Path) -> Iterator[Row]:

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(name).strip() if name is not None else "" for name in next(rows, ())]
        for line, values in enumerate(rows, start=2):
            if all(value is None for value in values):
                continue
            yield line, {name: _cell(value) for name, value in zip(header, values, strict=False)}
    finally:
        book.close()


def header_of(path: Path) -> list[str]:
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        book = openpyxl.load_workbook(path, read_only=True)
        try:
            first = next(book.worksheets[0].iter_rows(max_row=1, values_only=True), ())
        finally:
            book.close()
        return [str(name).strip() for name in first if name is not None]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def read_input(path: Path) -> Iterator[Row]:
    """The data rows of a CSV (UTF-8) or Excel (.xlsx, first sheet) file, with row numbers."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _excel_rows(path)
    return _csv_rows(path)


_UNREADABLE = (OSError, UnicodeDecodeError, zipfile.BadZipFile, InvalidFileException, KeyError)


def _unreadable(origin: str, error: Exception) -> Issue:
    reason = error.reason if isinstance(error, UnicodeDecodeError) else str(error)
    return Issue(
        "input_unreadable",
        f"cannot read the file ({reason}); give UTF-8 CSV or an .xlsx workbook",
        origin,
    )


def compute_file(
    path: Path, method_name: str, year: int, table: ParameterTable, gwp_set: str | None = None
) -> BulkResult:
    """Compute every facility in ``path`` for ``year``; input problems come back all at once."""
    method = find_method(method_name, year)
    if isinstance(method, Issue):
        return BulkResult((), (method,))
    origin = path.name
    try:
        header = header_of(path)
    except _UNREADABLE as error:
        return BulkResult((), (_unreadable(origin, error),))
    if not header:
        return BulkResult(
            (),
            (
                Issue(
                    "input_empty",
                    f"the file is empty, nothing to compute; give the header "
                    f"{','.join(COLUMNS)} and one row per value",
                    origin,
                ),
            ),
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        return BulkResult(
            (),
            (
                Issue(
                    "input_header",
                    f"missing columns {missing}; the header is {','.join(COLUMNS)}",
                    f"{origin}:1",
                ),
            ),
        )
    try:
        values, issues = read_rows(read_input(path), origin, method.spec.input_specs(), year)
    except _UNREADABLE as error:
        return BulkResult((), (_unreadable(origin, error),))
    context = ComputeContext(table, gwp_set)
    calculations = compute_all(method, by_facility_year(values), context)
    return BulkResult(tuple(calculations), tuple(issues))


# Output precision. The domain keeps full precision; divisions such as 44/12 leave digits of
# the 28-digit Decimal context (99825.00000000000000000000001), so the file edge quantises:
# emissions in tCO2e to the kilogram (the storage precision), metrics to 10^-9 of their unit.
# ``reported_tco2e`` is the method's own rounding (``tanshi mrv methods``).
TONNES_QUANTUM = Decimal("0.001")
METRIC_QUANTUM = Decimal("1E-9")
OUTPUT_SUFFIXES = (".json", ".csv")


def _quantised(value: Decimal, quantum: Decimal) -> Decimal:
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def tonnes_out(value: Decimal) -> str:
    """An emissions figure as written to results: tCO2e to the kilogram, no trailing zeros."""
    return format(_quantised(value, TONNES_QUANTUM).normalize(), "f")


def _shallow(record: DataclassInstance) -> dict[str, object]:
    """A flat dataclass's fields as a dict (``asdict`` deep-copies, which bulk output pays for)."""
    return {item.name: getattr(record, item.name) for item in fields(record)}


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def result_record(calculation: Calculation) -> dict[str, object]:
    """A calculation as JSON-ready data: totals, lines, metrics, parameters used, issues."""
    return {
        "facility": calculation.company,
        "year": calculation.year,
        "methodology": calculation.methodology,
        "gwp_set": calculation.gwp_set,
        "emissions_tco2e": tonnes_out(calculation.emissions_tco2),
        "reported_tco2e": _plain(calculation.reported_tco2),
        "totals": {key: tonnes_out(value) for key, value in calculation.totals},
        "lines": [
            _plain(
                _shallow(
                    replace(line, emissions_tco2=_quantised(line.emissions_tco2, TONNES_QUANTUM))
                )
            )
            for line in calculation.lines
        ],
        "metrics": [
            _plain(_shallow(replace(metric, value=_quantised(metric.value, METRIC_QUANTUM))))
            for metric in calculation.metrics
        ],
        "parameters": [_plain(_shallow(parameter)) for parameter in calculation.parameters],
        "issues": [str(issue) for issue in calculation.issues],
    }


CSV_COLUMNS = (
    "facility",
    "year",
    "methodology",
    "emissions_tco2e",
    "reported_tco2e",
    "direct_tco2e",
    "indirect_tco2e",
    "process_tco2e",
    "issues",
    "parameters",
)


def write_results(path: Path, calculations: Sequence[Calculation]) -> None:
    """JSON (``.json``: every line and parameter) or CSV (one row per facility-year, with the
    parameters used as JSON in the last column); any other suffix is a programming error."""
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise ValueError(f"results are written as .json or .csv, not {path.suffix!r}")
    records = [result_record(item) for item in calculations]
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", "utf-8")
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for record in records:
            totals, issues = record["totals"], record["issues"]
            assert isinstance(totals, dict) and isinstance(issues, list)
            writer.writerow(
                [
                    record["facility"],
                    record["year"],
                    record["methodology"],
                    record["emissions_tco2e"],
                    record["reported_tco2e"],
                    totals.get("direct", "0"),
                    totals.get("indirect", "0"),
                    totals.get("process", "0"),
                    " | ".join(issues),
                    json.dumps(record["parameters"], ensure_ascii=False),
                ]
            )
