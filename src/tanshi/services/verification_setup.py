"""Reference data of the verification workflow: bodies, conflict declarations, monitoring plans."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, select

from tanshi.core.issues import Issue, has_errors
from tanshi.core.moments import to_utc
from tanshi.mrv.monitoring_plan import MonitoringPlan, plan_from_json
from tanshi.services.mrv import company_ids
from tanshi.services.unique_keys import again_if_taken, unique_key
from tanshi.store.schema import (
    companies,
    conflict_declarations,
    monitoring_plans,
    verification_bodies,
)

BODY_CODE = unique_key(verification_bodies, "code")
CONFLICT = unique_key(conflict_declarations, "body_id", "company_id")
PLAN_VERSION = unique_key(monitoring_plans, "company_id", "version")


def find_body(connection: Connection, code: str) -> int | None:
    return connection.execute(
        select(verification_bodies.c.id).where(verification_bodies.c.code == code)
    ).scalar()


@again_if_taken(BODY_CODE)
def register_body(
    engine: Engine, code: str, name: str, now: datetime, *, accredited: bool = True
) -> list[Issue]:
    """Register a verification body (accredited unless told otherwise)."""
    with engine.begin() as connection:
        if find_body(connection, code) is not None:
            return [Issue("body_exists", f"verification body {code} is registered", code)]
        connection.execute(
            verification_bodies.insert().values(
                code=code, name=name, accredited=accredited, registered_at=to_utc(now)
            )
        )
    return []


@again_if_taken(CONFLICT)
def declare_conflict(
    engine: Engine, body: str, company: str, reason: str, now: datetime
) -> list[Issue]:
    """Record a body's conflict-of-interest declaration; it blocks assigning it to the company."""
    where = f"body {body}, company {company}"
    with engine.begin() as connection:
        body_id, company_id = (
            find_body(connection, body),
            company_ids(connection, None).get(company),
        )
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


@again_if_taken(PLAN_VERSION)
def file_plan(engine: Engine, plan: MonitoringPlan, now: datetime) -> list[Issue]:
    """Store a company's monitoring plan (a new version each time); every problem returned."""
    _, issues = plan_from_json(plan.to_json(), f"plan of {plan.company}")
    with engine.begin() as connection:
        company_id = company_ids(connection, None).get(plan.company)
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
