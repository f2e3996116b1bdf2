"""The verification workflow against the database: every step checked, applied and audited.

Each step runs in one database transaction: lock the case, ask the pure
``mrv.verification_workflow.check`` for a result code, apply the transition only on ``ok``,
and append a ``verification_events`` row either way (refusals are part of the record).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from tanshi.core.moments import to_utc
from tanshi.core.quantities import kg_to_t, t_to_kg
from tanshi.mrv.findings import finding_issues
from tanshi.mrv.verification_rules import VerificationRules
from tanshi.mrv.verification_workflow import (
    Action,
    Actor,
    Body,
    CaseState,
    CaseView,
    ResultCode,
    check,
    draw_recheck_sample,
    recheck_outcome,
    verify_outcome,
)
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.mrv import reproduced_t
from tanshi.services.verification_reads import EventView, cases, events
from tanshi.services.verification_records import (
    REGULATOR,
    StepOutcome,
    case_of,
    history_of,
    lock_case,
    lock_company_and_case,
    publish,
    record_event,
    standing_findings,
)
from tanshi.services.verification_setup import (
    declare_conflict,
    file_plan,
    plan_in_force,
    register_body,
)
from tanshi.services.verification_submission import check_only, submit_report
from tanshi.store.schema import (
    annual_reports,
    companies,
    conflict_declarations,
    emission_reports,
    verification_bodies,
    verification_cases,
    verification_events,
    verification_findings,
)

__all__ = [
    "REGULATOR",
    "CaseView",
    "EventView",
    "StepOutcome",
    "assign",
    "assign_recheck",
    "cases",
    "check_only",
    "declare_conflict",
    "events",
    "file_plan",
    "plan_in_force",
    "reassign",
    "recheck_sample",
    "record_finding",
    "record_recheck",
    "register_body",
    "submit_report",
    "verify",
]  # fmt: skip


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


def reassign(
    engine: Engine,
    rules: VerificationRules,
    company: str,
    year: int,
    body: str,
    actor: Actor,
    now: datetime,
) -> StepOutcome:
    """The regulator gives an assigned case to another body before that body recorded
    anything (a finding or a conclusion); the same checks as an assignment apply."""
    return _assign(engine, rules, company, year, body, actor, now, Action.REASSIGN)


def _assign(engine, rules, company, year, body, actor, now, action: Action) -> StepOutcome:
    with engine.begin() as connection:
        row = lock_case(connection, company, year)
        case = case_of(connection, row, company, year)
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
        history = history_of(connection, company)
        result = check(
            action,
            case,
            actor,
            body=known,
            conflicts=conflicts,
            history=history,
            max_consecutive_years=rules.max_consecutive_years,
        )
        state = case.state
        if result is ResultCode.OK:
            assert found is not None and row is not None
            first = action is not Action.ASSIGN_RECHECK
            column = "body_id" if first else "recheck_body_id"
            state = CaseState.ASSIGNED if first else CaseState.RECHECK_ASSIGNED
            connection.execute(
                verification_cases.update()
                .where(verification_cases.c.id == row.id)
                .values({column: found.id, "state": state.value})
            )
        detail = {"body": body}
        if action is Action.REASSIGN:
            detail["replaces"] = case.body
        record_event(connection, row, company, year, action, actor, result, state, detail, now)
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
    """The assigned verifier records a misstatement (signed: correct − reported; it cannot
    take more off than the report states) or a non-conformity (no amount)."""
    with engine.begin() as connection:
        row = lock_case(connection, company, year)
        case = case_of(connection, row, company, year)
        reported = None if row is None else kg_to_t(row.reported_kg)
        issues = finding_issues(kind, misstatement_tco2, reported)
        result = check(Action.RECORD_FINDING, case, actor, finding_valid=not issues)
        detail: dict[str, Any] = {"kind": kind, "description": description, "stream": stream}
        if misstatement_tco2 is not None:
            detail["misstatement_t"] = str(misstatement_tco2)
        state = case.state
        if result is ResultCode.OK:
            assert row is not None
            state = CaseState.IN_VERIFICATION
            found_id = connection.execute(
                verification_findings.insert()
                .values(
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
                .returning(verification_findings.c.id)
            ).scalar_one()
            detail["finding_id"] = found_id  # what a withdrawal names
            connection.execute(
                verification_cases.update()
                .where(verification_cases.c.id == row.id)
                .values(state=state.value)
            )
        record_event(connection, row, company, year, Action.RECORD_FINDING, actor, result, state,
               detail, now)  # fmt: skip
    shown = tuple(issues) if result is ResultCode.FINDING_INVALID else ()
    return StepOutcome(result, state, shown, detail)


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
        row = lock_company_and_case(connection, company, year)
        case = case_of(connection, row, company, year)
        result = check(Action.VERIFY, case, actor)
        state, detail = case.state, {}
        if result is ResultCode.OK:
            assert row is not None
            misstatements = [  # withdrawn findings no longer count
                kg_to_t(finding.misstatement_kg)
                for finding in standing_findings(connection, row.report_id)
                if finding.kind == "misstatement"
            ]
            reported = kg_to_t(row.reported_kg)
            # The figure the verifier concludes on, re-derived from the report's stored
            # snapshot (method version, inputs, parameter records): the event names both.
            shot = (
                connection.execute(
                    select(annual_reports.c.calculation).where(annual_reports.c.id == row.report_id)
                ).scalar()
                or {}
            )
            state, verified, materiality = verify_outcome(
                rules.materiality, reported, misstatements
            )
            detail = {
                "reported_t": str(reported),
                "misstatement_aggregate_t": str(materiality.aggregate_tco2),
                "materiality_share": str(materiality.share),
                "ratio": None if materiality.ratio is None else f"{materiality.ratio:.6f}",
                "material": materiality.material,
                "methodology": shot.get("methodology"),
                "reproduced_t": None if (again := reproduced_t(shot)) is None else str(again),
            }
            values: dict[str, Any] = {"state": state.value, "materiality": str(materiality.share)}
            if state is CaseState.VERIFIED:
                values["verified_kg"] = t_to_kg(verified)
                detail["verified_t"] = str(verified)
                publish(connection, jurisdiction, row, t_to_kg(verified), "verification_body")
            connection.execute(
                verification_cases.update().where(verification_cases.c.id == row.id).values(values)
            )
        record_event(
            connection, row, company, year, Action.VERIFY, actor, result, state, detail, now
        )
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
        row = lock_case(connection, company, year)
        case = case_of(connection, row, company, year)
        result = check(Action.RECORD_RECHECK, case, actor)
        state = case.state
        detail: dict[str, Any] = {"note": note, "recheck_t": str(recheck_tco2)}
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
        record_event(connection, row, company, year, Action.RECORD_RECHECK, actor, result, state,
               detail, now)  # fmt: skip
    return StepOutcome(result, state, (), detail)


def recheck_sample(
    engine: Engine, jurisdiction: Jurisdiction, rules: VerificationRules, year: int, seed: int,
    now: datetime,
) -> list[str]:  # fmt: skip
    """The regulator's seeded random sample of ``jurisdiction``'s verified reports to re-check
    (recorded): its own companies only, the share of its rules applied to their number."""
    with engine.begin() as connection:
        population = list(
            connection.execute(
                select(companies.c.code)
                .join(verification_cases)
                .where(
                    companies.c.jurisdiction_id == jurisdiction.id,
                    verification_cases.c.year == year,
                    verification_cases.c.state == CaseState.VERIFIED.value,
                )
            ).scalars()
        )
        sample = draw_recheck_sample(population, rules.recheck_sample_share, seed)
        detail = {"jurisdiction": jurisdiction.code, "seed": seed,
                  "share": str(rules.recheck_sample_share), "population": len(population),
                  "sample": sample}  # fmt: skip
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
