"""The verification workflow against the database: every step checked, applied and audited.

Each step runs in one database transaction: lock the case, ask the pure
``mrv.verification_workflow.check`` for a result code, apply the transition only on ``ok``,
and append a ``verification_events`` row either way (refusals are part of the record).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from tanshi.core.issues import Issue, has_errors
from tanshi.core.moments import from_store, to_utc
from tanshi.core.quantities import kg_to_t, t_to_kg, to_milli
from tanshi.mrv import METHODOLOGIES, Calculation, MethodologyContext, ParameterTable
from tanshi.mrv.annual_report import AnnualReport, annual_activity
from tanshi.mrv.data_checks import check_report
from tanshi.mrv.monitoring_plan import MonitoringPlan, plan_from_json
from tanshi.mrv.verification_rules import VerificationRules
from tanshi.mrv.verification_workflow import (
    HAS_VERIFIED_FIGURE,
    Action,
    Actor,
    Body,
    Case,
    CaseState,
    CaseView,
    ResultCode,
    check,
    draw_recheck_sample,
    recheck_outcome,
    verify_outcome,
)
from tanshi.rulebook.in_force import rule_for
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.mrv import _snapshot, company_ids
from tanshi.store.schema import (
    annual_reports,
    companies,
    conflict_declarations,
    emission_reports,
    monitoring_plans,
    report_months,
    verification_bodies,
    verification_cases,
    verification_events,
    verification_findings,
)

REGULATOR = Actor("regulator")
FINDING_KINDS = ("misstatement", "non_conformity")


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """What a step did: its result code, the case's state after it, and any problems."""

    result: ResultCode
    state: CaseState | None
    issues: tuple[Issue, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result is ResultCode.OK


# --- reference data: bodies, conflicts, plans -------------------------------------------


def register_body(
    engine: Engine, code: str, name: str, now: datetime, *, accredited: bool = True
) -> list[Issue]:
    """Register a verification body (accredited unless told otherwise)."""
    with engine.begin() as connection:
        if _body_id(connection, code) is not None:
            return [Issue("body_exists", f"verification body {code} is registered", code)]
        connection.execute(
            verification_bodies.insert().values(
                code=code, name=name, accredited=accredited, registered_at=to_utc(now)
            )
        )
    return []


def declare_conflict(
    engine: Engine, body: str, company: str, reason: str, now: datetime
) -> list[Issue]:
    """Record a body's conflict-of-interest declaration; it blocks assigning it to the company."""
    where = f"body {body}, company {company}"
    with engine.begin() as connection:
        body_id, company_id = _body_id(connection, body), company_ids(connection).get(company)
        issues = []
        if body_id is None:
            issues.append(Issue("body_unknown", "register the verification body first", where))
        if company_id is None:
            issues.append(Issue("unknown_company", "register the company first", where))
        if issues:
            return issues
        found = connection.execute(
            select(conflict_declarations.c.id).where(
                conflict_declarations.c.body_id == body_id,
                conflict_declarations.c.company_id == company_id,
            )
        ).first()
        if found is None:
            connection.execute(
                conflict_declarations.insert().values(
                    body_id=body_id, company_id=company_id, reason=reason, declared_at=to_utc(now)
                )
            )
    return []


def file_plan(engine: Engine, plan: MonitoringPlan, now: datetime) -> list[Issue]:
    """Store a company's monitoring plan (a new version each time); every problem returned."""
    _, issues = plan_from_json(plan.to_json(), f"plan of {plan.company}")
    with engine.begin() as connection:
        company_id = company_ids(connection).get(plan.company)
        if company_id is None:
            issues.append(Issue("unknown_company", "register the company first", plan.company))
        else:
            taken = connection.execute(
                select(monitoring_plans.c.id).where(
                    monitoring_plans.c.company_id == company_id,
                    monitoring_plans.c.version == plan.version,
                )
            ).first()
            if taken is not None:
                issues.append(
                    Issue(
                        "plan_version_exists", "give the amended plan a new version", plan.company
                    )
                )
        if has_errors(issues):
            return issues
        connection.execute(
            monitoring_plans.insert().values(
                company_id=company_id,
                version=plan.version,
                valid_from_year=plan.valid_from_year,
                plan=plan.to_json(),
                filed_at=to_utc(now),
            )
        )
    return issues


def plan_in_force(
    connection: Connection, company: str, year: int
) -> tuple[int, MonitoringPlan] | None:
    """The latest plan version valid for ``year``, with its id."""
    row = connection.execute(
        select(monitoring_plans.c.id, monitoring_plans.c.plan)
        .join(companies)
        .where(companies.c.code == company, monitoring_plans.c.valid_from_year <= year)
        .order_by(monitoring_plans.c.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    plan, _ = plan_from_json(row.plan)
    assert plan is not None, "stored plans were checked when filed"
    return row.id, plan


# --- the steps ----------------------------------------------------------------------------


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
        company_id = company_ids(connection).get(company)
        if company_id is None:
            return StepOutcome(
                ResultCode.REPORT_HAS_ERRORS,
                None,
                (Issue("unknown_company", "register the company first", company),),
            )
        row = _lock_case(connection, company, year)
        case = _case(connection, row, company, year)
        resubmit = case.state is CaseState.CORRECTION_REQUESTED
        action = Action.RESUBMIT if resubmit else Action.SUBMIT
        issues, calculation, plan_id = _checked(connection, jurisdiction, table, rules, report)
        result = check(action, case, actor, report_ok=not has_errors(issues))
        detail = {"issues": [str(issue) for issue in issues]}
        if result is not ResultCode.OK:
            _event(connection, row, company, year, action, actor, result, case.state, detail, now)
            shown = tuple(issues) if result is ResultCode.REPORT_HAS_ERRORS else ()
            return StepOutcome(result, case.state, shown, detail)
        assert calculation is not None and plan_id is not None
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
                calculated_kg=t_to_kg(calculation.emissions_tco2),
                totals=report.to_json()["totals"],
                warnings=[str(issue) for issue in issues],
                calculation=_snapshot(calculation),
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
        reported_kg = t_to_kg(calculation.emissions_tco2)
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
        _event(connection, case_id, company, year, action, actor, result, state, detail, now)
    return StepOutcome(result, state, tuple(issues), detail)


def check_only(
    engine: Engine,
    jurisdiction: Jurisdiction,
    table: ParameterTable,
    rules: VerificationRules,
    report: AnnualReport,
) -> list[Issue]:
    """The data checks a submission would run, writing nothing (for companies preparing one)."""
    with engine.connect() as connection:
        return _checked(connection, jurisdiction, table, rules, report)[0]


def _checked(
    connection: Connection,
    jurisdiction: Jurisdiction,
    table: ParameterTable,
    rules: VerificationRules,
    report: AnnualReport,
) -> tuple[list[Issue], Calculation | None, int | None]:
    """Every problem of a report, its calculated emissions and the plan it was checked on."""
    where = f"company {report.company}, {report.year}"
    rule = rule_for(jurisdiction.rulebook.mrv, report.year, "mrv")
    if rule.verification != "verification_body":
        return (
            [Issue("not_verified_by_body", f"{report.year} is not verified by a body", where)],
            None,
            None,
        )
    found = plan_in_force(connection, report.company, report.year)
    if found is None:
        return (
            [Issue("plan_missing", "file a monitoring plan for this year first", where)],
            None,
            None,
        )
    plan_id, plan = found
    methodology = METHODOLOGIES[rule.methodology]
    context = MethodologyContext(table, rule.parameter_regimes, rule.grid_region)
    calculation = methodology.calculate(
        report.company, report.year, annual_activity(report, plan), context
    )
    previous = _verified_t(connection, report.company, report.year - 1)
    issues = list(calculation.issues)
    issues += check_report(report, plan, rules, calculation.emissions_tco2, previous)
    return issues, calculation, plan_id


def assign(
    engine: Engine,
    rules: VerificationRules,
    company: str,
    year: int,
    body: str,
    actor: Actor,
    now: datetime,
) -> StepOutcome:
    """The regulator assigns a verification body (rotation and conflicts are checked)."""
    return _assign(engine, rules, company, year, body, actor, now, Action.ASSIGN)


def assign_recheck(
    engine: Engine,
    rules: VerificationRules,
    company: str,
    year: int,
    body: str,
    actor: Actor,
    now: datetime,
) -> StepOutcome:
    """The regulator sends a verified report to a different body for a re-check."""
    return _assign(engine, rules, company, year, body, actor, now, Action.ASSIGN_RECHECK)


def _assign(engine, rules, company, year, body, actor, now, action: Action) -> StepOutcome:
    with engine.begin() as connection:
        row = _lock_case(connection, company, year)
        case = _case(connection, row, company, year)
        found = connection.execute(
            select(verification_bodies).where(verification_bodies.c.code == body)
        ).first()
        known = None if found is None else Body(found.code, found.accredited)
        conflicts = frozenset(
            connection.execute(
                select(verification_bodies.c.code)
                .select_from(conflict_declarations)
                .join(
                    verification_bodies, verification_bodies.c.id == conflict_declarations.c.body_id
                )
                .join(companies, companies.c.id == conflict_declarations.c.company_id)
                .where(companies.c.code == company)
            ).scalars()
        )
        history = _history(connection, company)
        result = check(
            action,
            case,
            actor,
            body=known,
            body_code=body,
            conflicts=conflicts,
            history=history,
            max_consecutive_years=rules.max_consecutive_years,
        )
        state = case.state
        if result is ResultCode.OK:
            assert found is not None and row is not None
            column = "body_id" if action is Action.ASSIGN else "recheck_body_id"
            state = CaseState.ASSIGNED if action is Action.ASSIGN else CaseState.RECHECK_ASSIGNED
            connection.execute(
                verification_cases.update()
                .where(verification_cases.c.id == row.id)
                .values({column: found.id, "state": state.value})
            )
        detail = {"body": body}
        _event(connection, row, company, year, action, actor, result, state, detail, now)
    return StepOutcome(result, state, (), detail)


def record_finding(
    engine: Engine,
    company: str,
    year: int,
    actor: Actor,
    kind: str,
    description: str,
    now: datetime,
    *,
    misstatement_tco2: Decimal | None = None,
    stream: str | None = None,
) -> StepOutcome:
    """The assigned verifier records a misstatement (signed: correct − reported) or a
    non-conformity (no amount)."""
    valid = kind in FINDING_KINDS and (misstatement_tco2 is None) == (kind == "non_conformity")
    with engine.begin() as connection:
        row = _lock_case(connection, company, year)
        case = _case(connection, row, company, year)
        result = check(Action.RECORD_FINDING, case, actor, finding_valid=valid)
        detail: dict[str, Any] = {"kind": kind, "description": description, "stream": stream}
        if misstatement_tco2 is not None:
            detail["misstatement_t"] = str(misstatement_tco2)
        state = case.state
        if result is ResultCode.OK:
            assert row is not None
            state = CaseState.IN_VERIFICATION
            connection.execute(
                verification_findings.insert().values(
                    case_id=row.id,
                    report_id=row.report_id,
                    body_id=row.body_id,
                    kind=kind,
                    stream=stream,
                    misstatement_kg=None
                    if misstatement_tco2 is None
                    else t_to_kg(misstatement_tco2),
                    description=description,
                    recorded_at=to_utc(now),
                )
            )
            connection.execute(
                verification_cases.update()
                .where(verification_cases.c.id == row.id)
                .values(state=state.value)
            )
        _event(connection, row, company, year, Action.RECORD_FINDING, actor, result, state,
               detail, now)  # fmt: skip
    issues = () if valid else (_finding_issue(kind),)
    return StepOutcome(result, state, issues, detail)


def _finding_issue(kind: str) -> Issue:
    return Issue(
        "finding_invalid",
        f"kind must be one of {FINDING_KINDS}; a misstatement needs an amount in t "
        "(correct minus reported), a non-conformity has none",
        kind,
    )


def verify(
    engine: Engine,
    jurisdiction: Jurisdiction,
    rules: VerificationRules,
    company: str,
    year: int,
    actor: Actor,
    now: datetime,
) -> StepOutcome:
    """The assigned verifier concludes: verified (the figure goes to compliance) or a
    correction is requested because the misstatements are material."""
    with engine.begin() as connection:
        row = _lock_case(connection, company, year)
        case = _case(connection, row, company, year)
        result = check(Action.VERIFY, case, actor)
        state, detail = case.state, {}
        if result is ResultCode.OK:
            assert row is not None
            misstatements = [
                kg_to_t(kg)
                for kg in connection.execute(
                    select(verification_findings.c.misstatement_kg).where(
                        verification_findings.c.report_id == row.report_id,
                        verification_findings.c.kind == "misstatement",
                    )
                ).scalars()
            ]
            reported = kg_to_t(row.reported_kg)
            state, verified, materiality = verify_outcome(
                rules.materiality, reported, misstatements
            )
            detail = {
                "reported_t": str(reported),
                "misstatement_aggregate_t": str(materiality.aggregate_tco2),
                "materiality_share": str(materiality.share),
                "ratio": None if materiality.ratio is None else f"{materiality.ratio:.6f}",
                "material": materiality.material,
            }
            values: dict[str, Any] = {"state": state.value, "materiality": str(materiality.share)}
            if state is CaseState.VERIFIED:
                values["verified_kg"] = t_to_kg(verified)
                detail["verified_t"] = str(verified)
                _publish(connection, jurisdiction, row, t_to_kg(verified), "verification_body")
            connection.execute(
                verification_cases.update().where(verification_cases.c.id == row.id).values(values)
            )
        _event(connection, row, company, year, Action.VERIFY, actor, result, state, detail, now)
    return StepOutcome(result, state, (), detail)


def record_recheck(
    engine: Engine,
    rules: VerificationRules,
    company: str,
    year: int,
    actor: Actor,
    recheck_tco2: Decimal,
    note: str,
    now: datetime,
) -> StepOutcome:
    """The re-checking body gives its figure; a material discrepancy flags the case and the
    re-checked figure replaces the verified one for compliance."""
    with engine.begin() as connection:
        row = _lock_case(connection, company, year)
        case = _case(connection, row, company, year)
        result = check(Action.RECORD_RECHECK, case, actor)
        state, detail = case.state, {"note": note, "recheck_t": str(recheck_tco2)}
        if result is ResultCode.OK:
            assert row is not None and row.verified_kg is not None
            verified = kg_to_t(row.verified_kg)
            state, discrepancy = recheck_outcome(rules.materiality, verified, recheck_tco2)
            detail |= {
                "verified_t": str(verified),
                "difference_t": str(discrepancy.difference_tco2),
                "materiality_share": str(discrepancy.materiality.share),
                "flagged": discrepancy.flagged,
            }
            connection.execute(
                verification_cases.update()
                .where(verification_cases.c.id == row.id)
                .values(state=state.value, recheck_kg=t_to_kg(recheck_tco2))
            )
            if discrepancy.flagged:
                connection.execute(
                    emission_reports.update()
                    .where(
                        emission_reports.c.company_id == row.company_id,
                        emission_reports.c.year == year,
                    )
                    .values(
                        verified_kg=t_to_kg(recheck_tco2), verification_method="regulator_recheck"
                    )
                )
        _event(connection, row, company, year, Action.RECORD_RECHECK, actor, result, state,
               detail, now)  # fmt: skip
    return StepOutcome(result, state, (), detail)


def recheck_sample(
    engine: Engine, rules: VerificationRules, year: int, seed: int, now: datetime
) -> list[str]:
    """The regulator's seeded random sample of verified reports to re-check (recorded)."""
    with engine.begin() as connection:
        population = list(
            connection.execute(
                select(companies.c.code)
                .join(verification_cases)
                .where(
                    verification_cases.c.year == year,
                    verification_cases.c.state == CaseState.VERIFIED.value,
                )
            ).scalars()
        )
        sample = draw_recheck_sample(population, rules.recheck_sample_share, seed)
        detail = {"seed": seed, "share": str(rules.recheck_sample_share), "population":
                  len(population), "sample": sample}  # fmt: skip
        connection.execute(
            verification_events.insert().values(
                case_id=None,
                company="*",
                year=year,
                action="draw_recheck_sample",
                actor=str(REGULATOR),
                result=ResultCode.OK.value,
                state_after=None,
                detail=detail,
                at=to_utc(now),
            )
        )
    return sample


# --- reading ------------------------------------------------------------------------------


def cases(engine: Engine, year: int) -> list[CaseView]:
    """Every verification case of ``year``, by company."""
    bodies = verification_bodies.alias("bodies")
    rechecks = verification_bodies.alias("rechecks")
    query = (
        select(
            verification_cases,
            companies.c.code,
            bodies.c.code.label("body"),
            rechecks.c.code.label("recheck_body"),
        )
        .join(companies, companies.c.id == verification_cases.c.company_id)
        .outerjoin(bodies, bodies.c.id == verification_cases.c.body_id)
        .outerjoin(rechecks, rechecks.c.id == verification_cases.c.recheck_body_id)
        .where(verification_cases.c.year == year)
        .order_by(companies.c.code)
    )
    result = []
    with engine.connect() as connection:
        for row in connection.execute(query):
            kinds = list(
                connection.execute(
                    select(verification_findings.c.kind).where(
                        verification_findings.c.case_id == row.id
                    )
                ).scalars()
            )
            revisions = connection.execute(
                select(func.count()).where(
                    annual_reports.c.company_id == row.company_id, annual_reports.c.year == year
                )
            ).scalar_one()
            result.append(
                CaseView(
                    row.code,
                    year,
                    CaseState(row.state),
                    row.body,
                    row.recheck_body,
                    kg_to_t(row.reported_kg),
                    None if row.verified_kg is None else kg_to_t(row.verified_kg),
                    None if row.recheck_kg is None else kg_to_t(row.recheck_kg),
                    row.materiality,
                    revisions,
                    kinds.count("misstatement"),
                    kinds.count("non_conformity"),
                )
            )
    return result


@dataclass(frozen=True, slots=True)
class EventView:
    at: datetime
    action: str
    actor: str
    result: str
    state_after: str | None
    detail: dict[str, Any]


def events(engine: Engine, company: str, year: int) -> list[EventView]:
    """The audit trail of one company-year, oldest first."""
    query = (
        select(verification_events)
        .where(verification_events.c.company == company, verification_events.c.year == year)
        .order_by(verification_events.c.id)
    )
    with engine.connect() as connection:
        return [
            EventView(
                from_store(row.at), row.action, row.actor, row.result, row.state_after, row.detail
            )
            for row in connection.execute(query)
        ]


# --- helpers ------------------------------------------------------------------------------


def _body_id(connection: Connection, code: str) -> int | None:
    return connection.execute(
        select(verification_bodies.c.id).where(verification_bodies.c.code == code)
    ).scalar()


def _lock_case(connection: Connection, company: str, year: int) -> Any:
    """The case row, locked until the transaction ends (PostgreSQL; SQLite locks the file)."""
    return connection.execute(
        select(verification_cases)
        .join(companies, companies.c.id == verification_cases.c.company_id)
        .where(companies.c.code == company, verification_cases.c.year == year)
        .with_for_update(of=verification_cases)
    ).first()


def _case(connection: Connection, row: Any, company: str, year: int) -> Case:
    if row is None:
        return Case(company, year, None)
    codes = {
        r.id: r.code
        for r in connection.execute(
            select(verification_bodies.c.id, verification_bodies.c.code).where(
                verification_bodies.c.id.in_([row.body_id or 0, row.recheck_body_id or 0])
            )
        )
    }
    return Case(
        company, year, CaseState(row.state), codes.get(row.body_id), codes.get(row.recheck_body_id)
    )


def _history(connection: Connection, company: str) -> dict[int, str]:
    """Year → the body that verified the company's report that year."""
    rows = connection.execute(
        select(verification_cases.c.year, verification_cases.c.state, verification_bodies.c.code)
        .join(verification_bodies, verification_bodies.c.id == verification_cases.c.body_id)
        .join(companies, companies.c.id == verification_cases.c.company_id)
        .where(companies.c.code == company)
    )
    return {row.year: row.code for row in rows if CaseState(row.state) in HAS_VERIFIED_FIGURE}


def _verified_t(connection: Connection, company: str, year: int) -> Decimal | None:
    kg = connection.execute(
        select(emission_reports.c.verified_kg)
        .join(companies)
        .where(companies.c.code == company, emission_reports.c.year == year)
    ).scalar()
    return None if kg is None else kg_to_t(kg)


def _publish(connection: Connection, jurisdiction: Jurisdiction, row: Any, verified_kg: int,
             method: str) -> None:  # fmt: skip
    """Write the verified figure where compliance reads it (``emission_reports``)."""
    report = connection.execute(
        select(annual_reports).where(annual_reports.c.id == row.report_id)
    ).one()
    methodology = rule_for(jurisdiction.rulebook.mrv, row.year, "mrv").methodology
    values = {
        "methodology": methodology,
        "reported_kg": row.reported_kg,
        "verified_kg": verified_kg,
        "verification_method": method,
        "calculation": report.calculation,
    }
    existing = connection.execute(
        select(emission_reports.c.id).where(
            emission_reports.c.company_id == row.company_id, emission_reports.c.year == row.year
        )
    ).scalar()
    if existing is None:
        connection.execute(
            emission_reports.insert().values(company_id=row.company_id, year=row.year, **values)
        )
    else:
        connection.execute(
            emission_reports.update().where(emission_reports.c.id == existing).values(values)
        )


def _event(
    connection: Connection,
    case: Any,
    company: str,
    year: int,
    action: Action,
    actor: Actor,
    result: ResultCode,
    state: CaseState | None,
    detail: dict[str, Any],
    now: datetime,
) -> None:
    case_id = case if isinstance(case, int) or case is None else case.id
    connection.execute(
        verification_events.insert().values(
            case_id=case_id,
            company=company,
            year=year,
            action=action.value,
            actor=str(actor),
            result=result.value,
            state_after=None if state is None else state.value,
            detail=detail,
            at=to_utc(now),
        )
    )
