"""A company-year's emissions from its monthly report, by the method its rulebook rule names.

A rulebook methodology (``ipcc2006-tier1-co2``) reads the months summed per fuel; a plugin
(``CN-ETS:power``) reads the months one by one through ``report_inputs``, the version picked by
the reporting year. Either way the result comes with its snapshot (``mrv.snapshot``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from tanshi.core.issues import Issue
from tanshi.mrv.activity import ActivityRecord, SourceKind
from tanshi.mrv.annual_report import AnnualReport, annual_activity
from tanshi.mrv.inputs import FacilityInputs, InputValue
from tanshi.mrv.methodology import Calculation, MethodologyContext
from tanshi.mrv.methods import compute_all
from tanshi.mrv.monitoring_plan import MonitoringPlan
from tanshi.mrv.parameters import ParameterTable
from tanshi.mrv.plugins import CalculationMethod, ComputeContext
from tanshi.mrv.report_inputs import QUANTITY_INPUT
from tanshi.mrv.report_inputs import report_inputs as monthly_inputs
from tanshi.mrv.rule_methods import RULEBOOK_METHODOLOGIES, method_for_year
from tanshi.mrv.snapshot import snapshot


@dataclass(frozen=True, slots=True)
class MrvChoice:
    """What a ``[[mrv]]`` rule chooses for calculation (without the rulebook model)."""

    methodology: str
    parameter_regimes: tuple[str, ...]
    grid_region: str


@dataclass(frozen=True, slots=True)
class ReportCalculation:
    """The calculation (None when no method governs the year), the problems of the report
    against the method, and the snapshot to store with the report."""

    calculation: Calculation | None
    issues: tuple[Issue, ...]
    snapshot: dict[str, Any]

    @property
    def reported_tco2(self) -> Decimal | None:
        """The figure the method reports: its rounded total where it rounds, else the total."""
        if self.calculation is None:
            return None
        rounded = self.calculation.reported_tco2
        return self.calculation.emissions_tco2 if rounded is None else rounded


def calculate_report(
    report: AnnualReport, plan: MonitoringPlan, choice: MrvChoice, table: ParameterTable
) -> ReportCalculation:
    """The emissions of ``report`` by ``choice``'s method for the report's year."""
    found = method_for_year(choice.methodology, report.year)
    if isinstance(found, Issue):
        where = f"company {report.company}, {report.year}"
        return ReportCalculation(None, (Issue(found.code, found.message, where),), {})
    regimes, grid = choice.parameter_regimes, choice.grid_region
    if choice.methodology in RULEBOOK_METHODOLOGIES:
        records = annual_activity(report, plan)
        context = MethodologyContext(table, regimes, grid)
        legacy = RULEBOOK_METHODOLOGIES[choice.methodology]
        calculation = legacy.calculate(report.company, report.year, records, context)
        shot = snapshot(calculation, regimes=regimes, grid_region=grid, activity=records)
        return ReportCalculation(calculation, (), shot)
    method = cast(CalculationMethod, found)
    inputs, issues = monthly_inputs(report, plan, method.spec)
    (calculation,) = compute_all(method, [inputs], ComputeContext(table))
    shot = snapshot(calculation, regimes=regimes, grid_region=grid, inputs=inputs.values)
    return ReportCalculation(calculation, tuple(issues), shot)


def activity_inputs(records: Sequence[ActivityRecord]) -> FacilityInputs:
    """Annual activity records as plugin inputs (fuel burnt, electricity bought), one source."""
    values = tuple(
        InputValue(
            facility=record.company,
            year=record.year,
            month=None,
            source="site" if record.kind is SourceKind.ELECTRICITY else "",
            subject=record.subject,
            name=QUANTITY_INPUT[record.kind],
            amount=record.quantity,
            unit=record.unit,
            where=record.where,
        )
        for record in records
    )
    company, year = (records[0].company, records[0].year) if records else ("", 0)
    return FacilityInputs(company, year, values)
