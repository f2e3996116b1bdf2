"""The MRV verification season: every company-year's case, and one case's audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from tanshi.api.context import Reader, ServiceDep
from tanshi.api.errors import ApiError
from tanshi.api.mrv_desk import cases_in_scope
from tanshi.services import verification_reads, views
from tanshi.services.principals import Principal, Role

router = APIRouter(tags=["verification"])
Year = Annotated[int, Path(ge=1990, le=2200)]
# Who reads every company's case: the regulator's side (a verifier reads its own cases).
CASE_READERS = frozenset({Role.REGULATOR, Role.AUDITOR, Role.ADMINISTRATOR})


class CaseOut(BaseModel):
    """Tonnes are exact decimals written as strings (``"1234.567"``)."""

    company: str
    year: int
    state: str
    body: str | None
    recheck_body: str | None
    reported_tco2: str
    verified_tco2: str | None
    recheck_tco2: str | None
    materiality_share: str | None
    revisions: int
    misstatements: int
    non_conformities: int


class EventOut(BaseModel):
    at: str
    action: str
    actor: str
    result: str
    state_after: str | None
    detail: dict


def _may_read(who: Principal, company: str, bodies: tuple[str | None, ...] = ()) -> bool:
    """The regulator's side reads every case; a company its own; a body those assigned to it."""
    if who.role is Role.VERIFIER:
        return who.organisation in bodies
    return who.role in CASE_READERS or who.company == company


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@router.get("/verification/{year}", response_model=list[CaseOut])
def cases(year: Year, who: Reader, svc: ServiceDep) -> list[dict]:
    """Every verification case of a year (your own company's, unless you oversee them)."""
    return [
        {"company": c.company, "year": c.year, "state": c.state.value, "body": c.body,
         "recheck_body": c.recheck_body, "reported_tco2": str(c.reported_tco2),
         "verified_tco2": _text(c.verified_tco2), "recheck_tco2": _text(c.recheck_tco2),
         "materiality_share": c.materiality_share, "revisions": c.revisions,
         "misstatements": c.misstatements, "non_conformities": c.non_conformities}
        for c in cases_in_scope(svc.engine, who, verification_reads.cases(svc.engine, year))
        if _may_read(who, c.company, (c.body, c.recheck_body))
    ]  # fmt: skip


@router.get("/verification/{year}/{company}/events", response_model=list[EventOut])
def events(year: Year, company: str, who: Reader, svc: ServiceDep) -> list[dict]:
    """The audit trail of one company-year's verification, oldest first."""
    bodies = tuple(b for c in verification_reads.cases(svc.engine, year) if c.company == company
                   for b in (c.body, c.recheck_body))  # fmt: skip
    scope = views.scope_of(who)
    if not _may_read(who, company, bodies) or (
        scope is not None and views.company(svc.engine, company, scope) is None
    ):
        raise ApiError(404, "unknown_company", f"no verification of {company} that you may read",
                       "path.company")  # fmt: skip
    return [
        {"at": e.at.isoformat(), "action": e.action, "actor": e.actor, "result": e.result,
         "state_after": e.state_after, "detail": e.detail}
        for e in verification_reads.events(svc.engine, company, year)
    ]  # fmt: skip
