"""Monitoring plans and monthly reports made from annual activity data, for demos and tests."""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal

from tanshi.mrv.activity import ActivityRecord, SourceKind
from tanshi.mrv.annual_report import AnnualReport, MonthlyValue, ParameterValue
from tanshi.mrv.monitoring_plan import Basis, MonitoringPlan, PlannedStream

_MILLI = Decimal("0.001")


def unit_of(record: ActivityRecord) -> str:
    """Fuels burn in the boilers; electricity is metered at the site."""
    return "site" if record.kind is SourceKind.ELECTRICITY else "boilers"


def plan_for(
    company: str,
    records: Sequence[ActivityRecord],
    valid_from_year: int,
    measured_ncv: bool = False,
) -> MonitoringPlan:
    """A plan with one stream per activity line; quantities are measured."""
    streams = []
    for record in records:
        parameters: list[tuple[str, Basis]] = [("quantity", Basis.MEASURED)]
        if measured_ncv and record.kind is SourceKind.FUEL:
            parameters.append(("ncv", Basis.MEASURED))
        streams.append(
            PlannedStream(
                unit_of(record),
                record.subject,
                record.kind,
                record.subject,
                record.unit,
                tuple(parameters),
            )
        )
    return MonitoringPlan(company, 1, valid_from_year, tuple(streams))


def split_months(quantity: Decimal, rng: random.Random | None) -> list[Decimal]:
    """Twelve monthly amounts (to 0.001) that add up exactly to ``quantity``.

    With ``rng`` the months vary by up to ±20%; the last month takes the remainder.
    """
    weights = [Decimal(1) if rng is None else Decimal(rng.randint(80, 120)) for _ in range(12)]
    total = sum(weights)
    months = [(quantity * weight / total).quantize(_MILLI) for weight in weights[:11]]
    months.append(quantity - sum(months, Decimal(0)))
    return months


def report_for(
    records: Sequence[ActivityRecord],
    company: str,
    year: int,
    stated_tco2: Decimal,
    rng: random.Random | None = None,
    ncv: dict[str, tuple[Decimal, Basis]] | None = None,
) -> AnnualReport:
    """The monthly report of one company-year whose months add up to ``records``."""
    months: list[MonthlyValue] = []
    totals = []
    for record in records:
        parameters: tuple[ParameterValue, ...] = ()
        if ncv and record.subject in ncv:
            value, basis = ncv[record.subject]
            parameters = (ParameterValue("ncv", value, basis),)
        for number, amount in enumerate(split_months(record.quantity, rng), start=1):
            months.append(MonthlyValue(unit_of(record), record.subject, number, amount, parameters))
        totals.append((unit_of(record), record.subject, record.quantity))
    return AnnualReport(company, year, tuple(months), tuple(totals), stated_tco2)
