"""Checks on an annual report against its monitoring plan and the rules; every problem at once.

Errors block the submission (the report cannot be verified as it stands); warnings go with
the report to the verifier, who must explain or record them as findings.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from tanshi.core.issues import Issue, Severity, Where
from tanshi.core.quantities import round_half_up
from tanshi.mrv.annual_report import COMPANY_AT, AnnualReport
from tanshi.mrv.monitoring_plan import Basis, MonitoringPlan
from tanshi.mrv.verification_rules import VerificationRules

MONTHS = range(1, 13)
_KG = Decimal("0.001")


def check_report(
    report: AnnualReport,
    plan: MonitoringPlan,
    rules: VerificationRules,
    calculated_tco2: Decimal | None,
    previous_verified_tco2: Decimal | None,
    full_tco2: Decimal | None = None,
) -> list[Issue]:
    """Every problem of ``report``: coverage, values, totals, plan conformity, trend.

    ``calculated_tco2`` is the figure the method reports (rounded by its rule, if it has one);
    ``full_tco2`` the same at full precision: a stated total matching either is accepted."""
    issues = check_rows(report, plan, rules)
    issues += _coverage(report, plan)
    issues += _totals(report, plan)
    if calculated_tco2 is not None:
        issues += _emissions(report, calculated_tco2, full_tco2)
        issues += _trend(report, rules, calculated_tco2, previous_verified_tco2)
    return issues


def check_rows(report: AnnualReport, plan: MonitoringPlan, rules: VerificationRules) -> list[Issue]:
    """The problems of ``report``'s lines one by one (streams, months, values), without
    the checks of the whole: for a report some of whose lines could not be read, whose
    missing months and totals would only echo those lines."""
    issues: list[Issue] = []
    if plan.company != report.company:
        issues.append(
            Issue.of(
                "plan_of_another_company",
                "the plan is {company}'s",
                report.company,
                company=plan.company,
            )
        )
    return issues + _months(report, plan) + _parameters(report, plan, rules)


def _months(report: AnnualReport, plan: MonitoringPlan) -> list[Issue]:
    issues = []
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    for month in report.months:
        if plan.stream(month.unit, month.stream) is None:
            issues.append(
                Issue.of(
                    "stream_not_in_plan",
                    "this unit and stream are not in the monitoring plan; report only planned "
                    "streams or have the plan amended first",
                    month.where,
                )
            )
            continue
        if month.month not in MONTHS:
            issues.append(Issue.of("month_invalid", "months are numbered 1 to 12", month.where))
        elif month.month in seen[(month.unit, month.stream)]:
            issues.append(Issue.of("month_duplicate", "this month is reported twice", month.where))
        if month.quantity < 0:
            issues.append(
                Issue.of(
                    "negative_quantity", "report consumption as a positive amount", month.where
                )
            )
        seen[(month.unit, month.stream)].append(month.month)
    return issues


def _coverage(report: AnnualReport, plan: MonitoringPlan) -> list[Issue]:
    issues = []
    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    for month in report.months:
        seen[(month.unit, month.stream)].add(month.month)
    for stream in plan.streams:
        absent = [m for m in MONTHS if m not in seen.get(stream.key, set())]
        if absent:
            issues.append(
                Issue.of(
                    "missing_months",
                    "no data for month(s) {months}; report 0 for a month the stream did not run",
                    f"{stream.unit}/{stream.stream}",
                    months=", ".join(map(str, absent)),
                )
            )
    return issues


def _parameters(
    report: AnnualReport, plan: MonitoringPlan, rules: VerificationRules
) -> list[Issue]:
    issues = []
    for month in report.months:
        planned = plan.stream(month.unit, month.stream)
        if planned is None:
            continue
        for value in month.parameters:
            where = month.at(value.name)
            wanted = planned.basis(value.name)
            if wanted is None:
                issues.append(
                    Issue.of(
                        "parameter_not_in_plan",
                        "the plan does not monitor {parameter} for this stream",
                        where,
                        Severity.WARNING,
                        parameter=value.name,
                    )
                )
            elif wanted is Basis.MEASURED and value.basis is Basis.DEFAULT:
                issues.append(
                    Issue.of(
                        "default_where_measured",
                        "the plan says this parameter is measured but a default was used; "
                        "the verifier records it as a non-conformity unless explained",
                        where,
                        Severity.WARNING,
                    )
                )
            bounds = rules.range_of(value.name, planned.subject)
            if bounds is not None and not bounds.low <= value.value <= bounds.high:
                issues.append(
                    Issue.of(
                        "parameter_out_of_range",
                        "{value} {unit} is outside the plausible range {low}-{high} ({source})",
                        where,
                        Severity.WARNING,
                        value=value.value,
                        unit=bounds.unit,
                        low=bounds.low,
                        high=bounds.high,
                        source=bounds.origin.source,
                    )
                )
    return issues


def _totals(report: AnnualReport, plan: MonitoringPlan) -> list[Issue]:
    issues = []
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for month in report.months:
        sums[(month.unit, month.stream)] += month.quantity
    stated = {(unit, stream): quantity for unit, stream, quantity in report.totals}
    for stream in plan.streams:
        where = f"{stream.unit}/{stream.stream}"
        if stream.key not in stated:
            issues.append(
                Issue.of(
                    "annual_total_missing", "give the stream's annual total (month 'total')", where
                )
            )
        elif stated[stream.key] != sums[stream.key]:
            issues.append(
                Issue.of(
                    "annual_total_mismatch",
                    "the months add up to {months_sum} {unit} but the annual total says {total}",
                    where,
                    months_sum=sums[stream.key],
                    unit=stream.activity_unit,
                    total=stated[stream.key],
                )
            )
    return issues


def _emissions(
    report: AnnualReport, calculated_tco2: Decimal, full_tco2: Decimal | None
) -> list[Issue]:
    calculated = round_half_up(calculated_tco2, _KG)
    accepted = {calculated} | ({round_half_up(full_tco2, _KG)} if full_tco2 is not None else set())
    if round_half_up(report.stated_tco2, _KG) in accepted:
        return []
    return [
        Issue.of(
            "emissions_total_mismatch",
            "the report states {stated} tCO2 but its data give {calculated} tCO2 by the "
            "rulebook's methodology (in whole kg; a method that reports rounded figures "
            "accepts either)",
            Where.of(COMPANY_AT, company=report.company, year=report.year),
            stated=report.stated_tco2,
            calculated=calculated,
        )
    ]


def _trend(
    report: AnnualReport,
    rules: VerificationRules,
    calculated_tco2: Decimal,
    previous_tco2: Decimal | None,
) -> list[Issue]:
    if previous_tco2 is None or previous_tco2 <= 0:
        return []
    change = (calculated_tco2 - previous_tco2) / previous_tco2
    if abs(change) <= rules.year_on_year_change_share:
        return []
    return [
        Issue.of(
            "year_on_year_change",
            "emissions changed by {change} against last year's verified {previous} t (more "
            "than {share}); the verifier must explain it",
            Where.of(COMPANY_AT, company=report.company, year=report.year),
            Severity.WARNING,
            change=f"{change:.1%}",
            previous=previous_tco2,
            share=f"{rules.year_on_year_change_share:.0%}",
        )
    ]
