"""Submitting an annual report: the data checks, then a new revision and the case."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from tanshi.core.issues import Issue, Where, has_errors
from tanshi.core.moments import to_utc
from tanshi.core.quantities import kg_to_t, t_to_kg, to_milli
from tanshi.mrv import ParameterTable
from tanshi.mrv.annual_report import COMPANY_AT, AnnualReport
from tanshi.mrv.data_checks import check_report, check_rows
from tanshi.mrv.monitoring_plan import MonitoringPlan
from tanshi.mrv.report_calculation import MrvChoice, ReportCalculation, calculate_report
from tanshi.mrv.verification_rules import VerificationRules
from tanshi.mrv.verification_workflow import (
    Action,
    Actor,
    CaseState,
    ResultCode,
    check,
)
from tanshi.rulebook.in_force import rule_for
from tanshi.rulebook.model import MrvRule
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.mrv import company_ids
from tanshi.services.verification_records import (
    StepOutcome,
    case_of,
    lock_case,
    record_event,
    verified_t,
)
from tanshi.services.verification_setup import plan_in_force
from tanshi.store.engine import reader
from tanshi.store.schema import (
    annual_reports,
    companies,
    report_months,
    verification_cases,
)


def submit_report(
    engine: Engine,
    jurisdiction: Jurisdiction,
    table: ParameterTable,
    rules: VerificationRules,
    report: AnnualReport,
    actor: Actor,
    now: datetime,
) -> StepOutcome:
    """Submit (or, after a correction request, resubmit) a company's annual report.

    The data checks run first; with any error nothing but the refusal event is stored and
    every problem is returned. Warnings are stored with the report for the verifier.
    """
    company, year = report.company, report.year
    with engine.begin() as connection:
        company_id = company_ids(connection, jurisdiction).get(company)
        if company_id is None:
            return StepOutcome(
                ResultCode.REPORT_HAS_ERRORS,
                None,
                (Issue.of("unknown_company", "register the company first", company),),
            )
        # Two submissions of one company-year must not both find "no case yet": lock the
        # company's row first (SQLite's BEGIN IMMEDIATE already serialises writers).
        connection.execute(
            select(companies.c.id).where(companies.c.id == company_id).with_for_update()
        )
        row = lock_case(connection, company, year)
        case = case_of(connection, row, company, year)
        resubmit = case.state is CaseState.CORRECTION_REQUESTED
        action = Action.RESUBMIT if resubmit else Action.SUBMIT
        issues, calculated, plan_id = _checked(connection, jurisdiction, table, rules, report)
        result = check(action, case, actor, report_ok=not has_errors(issues))
        detail: dict[str, Any] = {"issues": [str(issue) for issue in issues]}
        if result is not ResultCode.OK:
            record_event(
                connection, row, company, year, action, actor, result, case.state, detail, now
            )
            shown = tuple(issues) if result is ResultCode.REPORT_HAS_ERRORS else ()
            return StepOutcome(result, case.state, shown, detail)
        assert calculated is not None and calculated.reported_tco2 is not None
        assert plan_id is not None
        reported_kg = t_to_kg(calculated.reported_tco2)
        revision = 1 + (
            connection.execute(
                select(func.max(annual_reports.c.revision)).where(
                    annual_reports.c.company_id == company_id, annual_reports.c.year == year
                )
            ).scalar()
            or 0
        )
        report_id = connection.execute(
            annual_reports.insert()
            .values(
                company_id=company_id,
                year=year,
                revision=revision,
                plan_id=plan_id,
                stated_kg=t_to_kg(report.stated_tco2),
                calculated_kg=reported_kg,
                totals=report.to_json()["totals"],
                warnings=[str(issue) for issue in issues],
                calculation=calculated.snapshot,
                submitted_at=to_utc(now),
            )
            .returning(annual_reports.c.id)
        ).scalar_one()
        connection.execute(
            report_months.insert(),
            [
                {
                    "report_id": report_id,
                    "unit": month.unit,
                    "stream": month.stream,
                    "month": month.month,
                    "quantity_milli": to_milli(month.quantity),
                    "parameters": {
                        p.name: {"value": str(p.value), "basis": p.basis.value}
                        for p in month.parameters
                    },
                }
                for month in report.months
            ],
        )
        if case.state is None:
            state = CaseState.SUBMITTED
            case_id = connection.execute(
                verification_cases.insert()
                .values(
                    company_id=company_id,
                    year=year,
                    state=state.value,
                    report_id=report_id,
                    reported_kg=reported_kg,
                )
                .returning(verification_cases.c.id)
            ).scalar_one()
        else:
            state = CaseState.IN_VERIFICATION
            case_id = row.id
            connection.execute(
                verification_cases.update()
                .where(verification_cases.c.id == case_id)
                .values(state=state.value, report_id=report_id, reported_kg=reported_kg)
            )
        detail |= {"revision": revision, "reported_t": str(kg_to_t(reported_kg))}
        record_event(connection, case_id, company, year, action, actor, result, state, detail, now)
    return StepOutcome(result, state, tuple(issues), detail)


def check_only(
    engine: Engine,
    jurisdiction: Jurisdiction,
    table: ParameterTable,
    rules: VerificationRules,
    report: AnnualReport,
    unreadable: Sequence[Issue] = (),
) -> list[Issue]:
    """The data checks a submission would run, writing nothing (for companies preparing one).

    ``unreadable`` are the problems of the lines the file's reader could not read: with
    them the lines read are still checked one by one against the plan (``check_rows``), but
    the whole (missing months, totals, emissions) is not, as it would only echo them."""
    with reader(engine).connect() as connection:
        if not unreadable:
            return _checked(connection, jurisdiction, table, rules, report)[0]
        found = _plan(connection, jurisdiction, report)
        if isinstance(found, Issue):
            return [*unreadable, found]
        return [*unreadable, *check_rows(report, found[1], rules)]


def _plan(
    connection: Connection, jurisdiction: Jurisdiction, report: AnnualReport
) -> tuple[int, MonitoringPlan, MrvRule] | Issue:
    """The plan in force for the report (its id) and the year's MRV rule, or why none."""
    where = Where.of(COMPANY_AT, company=report.company, year=report.year)
    rule = rule_for(jurisdiction.rulebook.mrv, report.year, "mrv")
    if rule.verification != "verification_body":
        return Issue.of(
            "not_verified_by_body", "{year} is not verified by a body", where, year=report.year
        )
    found = plan_in_force(connection, report.company, report.year)
    if found is None:
        return Issue.of("plan_missing", "file a monitoring plan for this year first", where)
    return found[0], found[1], rule


def _checked(
    connection: Connection,
    jurisdiction: Jurisdiction,
    table: ParameterTable,
    rules: VerificationRules,
    report: AnnualReport,
) -> tuple[list[Issue], ReportCalculation | None, int | None]:
    """Every problem of a report, its calculation by the rule's method and the plan's id."""
    found = _plan(connection, jurisdiction, report)
    if isinstance(found, Issue):
        return [found], None, None
    plan_id, plan, rule = found
    choice = MrvChoice(rule.methodology, tuple(rule.parameter_regimes), rule.grid_region)
    result = calculate_report(report, plan, choice, table)
    if result.calculation is None:
        return list(result.issues), None, None
    previous = verified_t(connection, report.company, report.year - 1)
    issues = [*result.calculation.issues, *result.issues]
    issues += check_report(
        report, plan, rules, result.reported_tco2, previous,
        full_tco2=result.calculation.emissions_tco2,
    )  # fmt: skip
    return issues, result, plan_id
