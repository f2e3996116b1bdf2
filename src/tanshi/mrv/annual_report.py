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


def parse_report_csv(
    text: str, company: str, year: int, stated_tco2: Decimal, origin: str
) -> tuple[AnnualReport | None, list[Issue]]:
    """Read monthly data: ``unit,stream,month,quantity[,<param>,<param>_basis ...]``.

    A row with month ``total`` gives the company's annual quantity of that stream.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = list(reader.fieldnames or [])
    if header[:4] != ["unit", "stream", "month", "quantity"]:
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
    for line, row in enumerate(reader, start=2):
        where = f"{origin}:{line}"
        try:
            quantity = Decimal(row["quantity"])
            parameters = tuple(
                ParameterValue(name, Decimal(row[name]), Basis(row[f"{name}_basis"]))
                for name in names
                if (row.get(name) or "").strip()
            )
            if row["month"] == "total":
                totals.append((row["unit"], row["stream"], quantity))
            else:
                months.append(
                    MonthlyValue(
                        row["unit"], row["stream"], int(row["month"]), quantity, parameters
                    )
                )
        except (InvalidOperation, ValueError, TypeError) as error:
            issues.append(
                Issue.of("report_field_invalid", "cannot read the row: {error}", where, error=error)
            )
    report = AnnualReport(company, year, tuple(months), tuple(totals), stated_tco2)
    return report, issues
