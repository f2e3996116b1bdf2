"""Reading the verification workflow: every case of a year, one case's audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from tanshi.core.moments import from_store
from tanshi.core.quantities import kg_to_t
from tanshi.mrv.verification_workflow import CaseState, CaseView
from tanshi.store.engine import reader
from tanshi.store.schema import (
    annual_reports,
    companies,
    verification_bodies,
    verification_cases,
    verification_events,
    verification_finding_withdrawals,
    verification_findings,
)


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
    with reader(engine).connect() as connection:
        for row in connection.execute(query):
            kinds = list(  # withdrawn findings are not counted
                connection.execute(
                    select(verification_findings.c.kind)
                    .outerjoin(
                        verification_finding_withdrawals,
                        verification_finding_withdrawals.c.finding_id == verification_findings.c.id,
                    )
                    .where(
                        verification_findings.c.case_id == row.id,
                        verification_finding_withdrawals.c.id.is_(None),
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
class CaseKey:
    """Which case: company, year and the bodies on it (to choose the years a reader sees)."""

    company: str
    year: int
    body: str | None
    recheck_body: str | None
    state: str  # a CaseState's value (which work the case waits for)


def case_keys(engine: Engine) -> list[CaseKey]:
    """Every verification case of every year, by year and company (no figures)."""
    bodies = verification_bodies.alias("bodies")
    rechecks = verification_bodies.alias("rechecks")
    query = (
        select(
            companies.c.code,
            verification_cases.c.year,
            bodies.c.code.label("body"),
            rechecks.c.code.label("recheck_body"),
            verification_cases.c.state,
        )
        .join(companies, companies.c.id == verification_cases.c.company_id)
        .outerjoin(bodies, bodies.c.id == verification_cases.c.body_id)
        .outerjoin(rechecks, rechecks.c.id == verification_cases.c.recheck_body_id)
        .order_by(verification_cases.c.year, companies.c.code)
    )
    with reader(engine).connect() as connection:
        return [CaseKey(*row) for row in connection.execute(query)]


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
    with reader(engine).connect() as connection:
        return [
            EventView(
                from_store(row.at), row.action, row.actor, row.result, row.state_after, row.detail
            )
            for row in connection.execute(query)
        ]
