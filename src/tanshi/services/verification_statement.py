"""The verification statement (核查报告结论) of a company-year: what the verification body
concluded, on which report revision, with its findings and the materiality it applied.

Read from the case, the verified report's findings and the body's ``verify`` event; a case
that was never verified (or only sent back for correction) has no statement.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from tanshi.core.quantities import kg_to_t
from tanshi.mrv.verification_workflow import HAS_VERIFIED_FIGURE, CaseState
from tanshi.services.verification_records import standing_findings
from tanshi.services.views import reading, utc_text
from tanshi.store.schema import (
    annual_reports,
    companies,
    verification_bodies,
    verification_cases,
    verification_events,
)

# What the current state adds to the verifier's conclusion, for a reader of the statement.
STATE_NOTES = {
    CaseState.VERIFIED: "verified; the verified figure is used for compliance",
    CaseState.RECHECK_ASSIGNED: "verified; the regulator sent the report for a re-check",
    CaseState.RECHECK_CONFIRMED: "verified; the regulator's re-check confirmed the figure",
    CaseState.RECHECK_FLAGGED: "verified; the regulator's re-check found a material "
    "discrepancy and compliance uses the re-checked figure",
}


def issuing_body(engine: Engine, company: str, year: int) -> str | None:
    """The code of the body that verified ``company``'s ``year``, if the case has a statement."""
    found = _case(engine, company, year)
    return None if found is None else found.body


def _case(engine: Engine, company: str, year: int) -> Any:
    query = (
        select(verification_cases, companies.c.name.label("company_name"),
               verification_bodies.c.code.label("body"),
               verification_bodies.c.name.label("body_name"))
        .join(companies, companies.c.id == verification_cases.c.company_id)
        .join(verification_bodies, verification_bodies.c.id == verification_cases.c.body_id)
        .where(companies.c.code == company, verification_cases.c.year == year)
    )  # fmt: skip
    with reading(engine) as connection:
        row = connection.execute(query).first()
    if row is None or CaseState(row.state) not in HAS_VERIFIED_FIGURE:
        return None
    return row


def statement(engine: Engine, company: str, year: int) -> dict[str, Any] | None:
    """The statement of ``company``'s ``year``, or None when the case was not verified."""
    case = _case(engine, company, year)
    if case is None:
        return None
    with reading(engine) as connection:
        revision, submitted_at = connection.execute(
            select(annual_reports.c.revision, annual_reports.c.submitted_at).where(
                annual_reports.c.id == case.report_id
            )
        ).one()
        findings = [  # withdrawn findings are not part of the conclusion
            f for f in standing_findings(connection, case.report_id) if f.body_id == case.body_id
        ]
        concluded = connection.execute(
            select(verification_events.c.at, verification_events.c.detail)
            .where(verification_events.c.case_id == case.id,
                   verification_events.c.action == "verify",
                   verification_events.c.result == "ok",
                   verification_events.c.state_after == CaseState.VERIFIED.value)
            .order_by(verification_events.c.id.desc())
            .limit(1)
        ).first()  # fmt: skip
    detail = dict(concluded.detail) if concluded is not None else {}
    state = CaseState(case.state)
    return {
        "company": company,
        "company_name": case.company_name,
        "year": year,
        "body": case.body,
        "body_name": case.body_name,
        "conclusion": "verified",
        "report_revision": int(revision),
        "report_submitted_at": utc_text(submitted_at),
        "verified_at": None if concluded is None else utc_text(concluded.at),
        "reported_tco2": str(kg_to_t(case.reported_kg)),
        # The verifier's own figure (a flagged re-check replaces the case's, not this one).
        "verified_tco2": detail.get("verified_t") or str(kg_to_t(case.verified_kg)),
        "misstatement_aggregate_tco2": detail.get("misstatement_aggregate_t"),
        "materiality_share": case.materiality,
        "misstatement_ratio": detail.get("ratio"),
        "methodology": detail.get("methodology"),
        "findings": [_finding(f) for f in findings],
        "state": state.value,
        "note": STATE_NOTES[state],
    }


def _finding(row: Any) -> dict[str, Any]:
    amount = None if row.misstatement_kg is None else str(kg_to_t(row.misstatement_kg))
    return {"kind": row.kind, "stream": row.stream, "description": row.description,
            "misstatement_tco2": amount, "recorded_at": utc_text(row.recorded_at)}  # fmt: skip
