"""What the verification steps share: the outcome record, the locked case, the audit event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from tanshi.core.issues import Issue
from tanshi.core.moments import to_utc
from tanshi.core.quantities import kg_to_t
from tanshi.mrv.verification_workflow import (
    HAS_VERIFIED_FIGURE,
    Action,
    Actor,
    Case,
    CaseState,
    ResultCode,
)
from tanshi.rulebook.in_force import rule_for
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.store.schema import (
    annual_reports,
    companies,
    emission_reports,
    verification_bodies,
    verification_cases,
    verification_events,
    verification_finding_withdrawals,
    verification_findings,
)

REGULATOR = Actor("regulator")


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


def lock_case(connection: Connection, company: str, year: int) -> Any:
    """The case row, locked until the transaction ends (PostgreSQL; SQLite locks the file)."""
    return connection.execute(
        select(verification_cases)
        .join(companies, companies.c.id == verification_cases.c.company_id)
        .where(companies.c.code == company, verification_cases.c.year == year)
        .with_for_update(of=verification_cases)
    ).first()


def lock_company_and_case(connection: Connection, company: str, year: int) -> Any:
    """The case row, locked after the company's row (the order a submission takes them in),
    for a step that writes the company-year's emissions figure: an entry or a direct report
    writes it under the company's lock, so neither passes its "already reported?" check
    beside this step (which would end in the unique key, or a deadlock on the insert's
    foreign-key check of the company)."""
    connection.execute(select(companies.c.id).where(companies.c.code == company).with_for_update())
    return lock_case(connection, company, year)


def case_of(connection: Connection, row: Any, company: str, year: int) -> Case:
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


def history_of(connection: Connection, company: str) -> dict[int, str]:
    """Year → the body that verified the company's report that year."""
    rows = connection.execute(
        select(verification_cases.c.year, verification_cases.c.state, verification_bodies.c.code)
        .join(verification_bodies, verification_bodies.c.id == verification_cases.c.body_id)
        .join(companies, companies.c.id == verification_cases.c.company_id)
        .where(companies.c.code == company)
    )
    return {row.year: row.code for row in rows if CaseState(row.state) in HAS_VERIFIED_FIGURE}


def verified_t(connection: Connection, company: str, year: int) -> Decimal | None:
    kg = connection.execute(
        select(emission_reports.c.verified_kg)
        .join(companies)
        .where(companies.c.code == company, emission_reports.c.year == year)
    ).scalar()
    return None if kg is None else kg_to_t(kg)


def publish(connection: Connection, jurisdiction: Jurisdiction, row: Any, verified_kg: int,
             method: str) -> None:  # fmt: skip
    """Write the verified figure where compliance reads it (``emission_reports``)."""
    report = connection.execute(
        select(annual_reports).where(annual_reports.c.id == row.report_id)
    ).one()
    # The method version that ran (CN-ETS:power:2022), as the report's snapshot records it.
    methodology = (report.calculation or {}).get("methodology") or rule_for(
        jurisdiction.rulebook.mrv, row.year, "mrv"
    ).methodology
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


def record_event(
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


def standing_findings(connection: Connection, report_id: int) -> list[Any]:
    """The findings on report revision ``report_id`` that count: not withdrawn, oldest first."""
    withdrawn = verification_finding_withdrawals
    return list(
        connection.execute(
            select(verification_findings)
            .outerjoin(withdrawn, withdrawn.c.finding_id == verification_findings.c.id)
            .where(verification_findings.c.report_id == report_id, withdrawn.c.id.is_(None))
            .order_by(verification_findings.c.id)
        )
    )
