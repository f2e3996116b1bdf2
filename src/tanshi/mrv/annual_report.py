"""A company's annual emissions report: monthly data per emission unit and source stream."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from tanshi.core.issues import Issue, Where
from tanshi.mrv.activity import ActivityRecord
from tanshi.mrv.monitoring_plan import Basis, MonitoringPlan

# Where a report's problems are (said in the page's language by the web, web/problems.py).
MONTH_AT = "{unit}/{stream} month {month}"
PARAMETER_AT = "{unit}/{stream} month {month} {parameter}"
COMPANY_AT = "company {company}, {year}"
LINE_AT = "{file} line {line}"
CELL_AT = "{file} line {line}, column {column}"
MONTH_COLUMNS = ("unit", "stream", "month", "quantity")
SHOWN_CHARS = 40  # of a cell quoted back in a problem


@dataclass(frozen=True, slots=True)
class ParameterValue:
    """A monitored parameter's value for one month and how it was obtained."""

    name: str
    value: Decimal
    basis: Basis


@dataclass(frozen=True, slots=True)
class MonthlyValue:
    """One month of one source stream: the quantity consumed and its parameters."""

    unit: str
    stream: str
    month: int
    quantity: Decimal
    parameters: tuple[ParameterValue, ...] = ()

    @property
    def where(self) -> Where:
        return Where.of(MONTH_AT, unit=self.unit, stream=self.stream, month=self.month)

    def at(self, parameter: str) -> Where:
        """Where a parameter of this month is (the parameter by its machine name)."""
        return Where.of(PARAMETER_AT, unit=self.unit, stream=self.stream, month=self.month,
                        parameter=parameter)  # fmt: skip


@dataclass(frozen=True, slots=True)
class AnnualReport:
    """What a company submits for a year.

    ``totals`` are the company's own annual quantity per (unit, stream) and
    ``stated_tco2`` its own total emissions; the checks compare both with the months.
    """

    company: str
    year: int
    months: tuple[MonthlyValue, ...]
    totals: tuple[tuple[str, str, Decimal], ...]
    stated_tco2: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "totals": [[unit, stream, str(q)] for unit, stream, q in self.totals],
            "stated_tco2": str(self.stated_tco2),
        }


def annual_activity(report: AnnualReport, plan: MonitoringPlan) -> list[ActivityRecord]:
    """The year's activity per (kind, subject), summed over months and units, for a methodology."""
    sums: dict[tuple, Decimal] = defaultdict(Decimal)
    for month in report.months:
        planned = plan.stream(month.unit, month.stream)
        if planned is not None:
            sums[(planned.kind, planned.subject, planned.activity_unit)] += month.quantity
    return [
        ActivityRecord(report.company, report.year, kind, subject, quantity, unit)
        for (kind, subject, unit), quantity in sorted(sums.items(), key=lambda item: str(item[0]))
    ]


class _Line:
    """One line of a report CSV and the problems found reading it."""

    def __init__(self, origin: str, number: int, header: list[str], cells: list[str]) -> None:
        self.origin, self.number, self.header, self.cells = origin, number, header, cells
        self.issues: list[Issue] = []

    def read(
        self, names: list[str]
    ) -> tuple[str, str, int | None, Decimal, tuple[ParameterValue, ...]] | None:
        """(unit, stream, month or None for ``total``, quantity, parameters), or None when
        any cell could not be read (every such cell is in ``issues``)."""
        extra = [cell for cell in self.cells[len(self.header) :] if cell.strip()]
        if extra:
            self.issues.append(
                Issue.of(
                    "too_many_values",
                    "the line has {count} value(s) more than the header's {columns} columns; "
                    "a number must not contain commas (write 1234.5, not 1,234.5)",
                    Where.of(LINE_AT, file=self.origin, line=self.number),
                    count=len(extra),
                    columns=len(self.header),
                )
            )
        unit, stream = self._name("unit"), self._name("stream")
        month = self._month()
        quantity = self._number("quantity")
        parameters = []
        for name in names:
            if not self._cell(name):
                continue  # a parameter not given for this month
            value, basis = self._number(name), self._basis(f"{name}_basis")
            if value is not None and basis is not None:
                parameters.append(ParameterValue(name, value, basis))
        if self.issues:
            return None
        assert unit and stream and month is not None and quantity is not None
        return unit, stream, month or None, quantity, tuple(parameters)

    def _cell(self, column: str) -> str:
        index = self.header.index(column)
        return self.cells[index].strip() if index < len(self.cells) else ""

    def _at(self, column: str) -> Where:
        return Where.of(CELL_AT, file=self.origin, line=self.number,
                        column=self.header.index(column) + 1)  # fmt: skip

    def _name(self, column: str) -> str:
        value = self._cell(column)
        if not value:
            self.issues.append(
                Issue.of(
                    "missing_value",
                    "the {column} is empty; give the name the monitoring plan uses",
                    self._at(column),
                    column=column,
                )
            )
        return value

    def _month(self) -> int | None:
        """The month, 0 for ``total``, None when unreadable."""
        value = self._cell("month")
        if value.lower() == "total":
            return 0
        if value.isdecimal() and 1 <= int(value) <= 12:
            return int(value)
        if not value:
            self.issues.append(
                Issue.of(
                    "missing_value",
                    "the month is empty; give 1 to 12, or total for the year's own quantity",
                    self._at("month"),
                )
            )
        else:
            self.issues.append(
                Issue.of(
                    "month_invalid",
                    "the month is “{value}”; give 1 to 12, or total for the year's own quantity",
                    self._at("month"),
                    value=value[:SHOWN_CHARS],
                )
            )
        return None

    def _number(self, column: str) -> Decimal | None:
        value = self._cell(column)
        if not value:
            self.issues.append(
                Issue.of(
                    "missing_value",
                    "the {column} is empty; give a number such as 1234.5",
                    self._at(column),
                    column=column,
                )
            )
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if number.is_finite():
            return number
        self.issues.append(
            Issue.of(
                "not_a_number",
                "the {column} is “{value}”, not a number; give a number such as 1234.5, "
                "with a point for decimals and no thousands separators",
                self._at(column),
                column=column,
                value=value[:SHOWN_CHARS],
            )
        )
        return None

    def _basis(self, column: str) -> Basis | None:
        value = self._cell(column)
        if value in tuple(Basis):
            return Basis(value)
        if not value:
            self.issues.append(
                Issue.of(
                    "missing_value",
                    "the {column} is empty; write measured or default",
                    self._at(column),
                    column=column,
                )
            )
        else:
            self.issues.append(
                Issue.of(
                    "basis_invalid",
                    "the {column} is “{value}”; write measured or default",
                    self._at(column),
                    column=column,
                    value=value[:SHOWN_CHARS],
                )
            )
        return None


def parse_report_csv(
    text: str, company: str, year: int, stated_tco2: Decimal, origin: str
) -> tuple[AnnualReport | None, list[Issue]]:
    """Read monthly data: ``unit,stream,month,quantity[,<param>,<param>_basis ...]``.

    A row with month ``total`` gives the company's annual quantity of that stream. Every
    unreadable cell of every line is a problem of its own (at its line and column); the
    report holds the lines read, so that the plan's checks can still look at them.
    """
    # Excel's "CSV UTF-8" starts with a byte-order mark, which would hide the header; newline=""
    # lets the reader take any line ending (a lone "\r" raised csv.Error in the default mode).
    rows = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = [name.strip() for name in next(rows, [])]
    if header[:4] != list(MONTH_COLUMNS):
        return None, [
            Issue.of("report_header", "the header starts unit,stream,month,quantity", origin)
        ]
    names = [name for name in header[4:] if not name.endswith("_basis")]
    missing_basis = [name for name in names if f"{name}_basis" not in header]
    if missing_basis:
        return None, [
            Issue.of(
                "report_header",
                "add a <name>_basis column for {names}",
                origin,
                names=missing_basis,
            )
        ]
    months: list[MonthlyValue] = []
    totals: list[tuple[str, str, Decimal]] = []
    issues: list[Issue] = []
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue  # a blank line, or a spreadsheet's empty row
        line = _Line(origin, rows.line_num, header, row)
        read = line.read(names)
        issues += line.issues
        if read is None:
            continue
        unit, stream, month, quantity, parameters = read
        if month is None:
            totals.append((unit, stream, quantity))
        else:
            months.append(MonthlyValue(unit, stream, month, quantity, parameters))
    report = AnnualReport(company, year, tuple(months), tuple(totals), stated_tco2)
    return report, issues
