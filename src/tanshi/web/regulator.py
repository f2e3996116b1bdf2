"""The regulator's pages: coverage, allocation, market overview, compliance by company with
drill-down."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api.context import ServiceDep
from tanshi.api.errors import ApiError
from tanshi.api.routers.compliance import (
    NO_VERIFIED,
    before_deadline,
    unverified_before_deadline,
)
from tanshi.api.routers.facilities import exchange_overviews
from tanshi.core.errors import TanshiError
from tanshi.services import allocation_desk, cash_reads, views
from tanshi.services import compliance as compliance_service
from tanshi.services.jurisdiction import operator_account_code
from tanshi.services.principals import Role
from tanshi.web.common import VisitorDep, allowed, login_redirect, year_shown
from tanshi.web.company_extras import company_extras
from tanshi.web.forms import Verbatim, say
from tanshi.web.render import render

router = APIRouter(include_in_schema=False)
READERS = {Role.REGULATOR, Role.AUDITOR, Role.ADMINISTRATOR}


@router.get("/regulator", response_class=HTMLResponse)
def regulator(
    request: Request, svc: ServiceDep, who: VisitorDep,
    year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
    status: Annotated[str | None, Query(max_length=30)] = None,
) -> Response:  # fmt: skip
    if who.principal is None:
        return login_redirect("/regulator")
    if not allowed(who, READERS):
        return render(request, svc, who, "result.html", 403, ok=False, code="forbidden",
                      message="this page is for regulators and auditors")  # fmt: skip
    shown = year_shown(svc, year)
    scope = views.scope_of(who.principal)  # the regulator's own jurisdiction
    numbers = (
        views.coverage(svc.engine, shown, scope, svc.uncovered_sectors(shown, scope))
        if shown
        else {}
    )
    table = (
        views.compliance_table(
            svc.engine, shown, status=status or None, limit=500, jurisdiction=scope
        )
        if shown
        else None
    )
    computed = any(key.startswith("status_") for key in numbers)
    before = before_deadline(svc, shown, scope) if shown else []
    if unverified := unverified_before_deadline(before):  # counted before the deadline too
        numbers[f"status_{NO_VERIFIED}"] = numbers.get(f"status_{NO_VERIFIED}", 0) + unverified
    if status:
        before = [p for p in before if status == NO_VERIFIED and p.verified_kg is None]
    pending = views.proposal_list(svc.engine, who.principal, status="awaiting_approval", limit=20)
    allocated = None
    if shown:
        try:
            allocated = allocation_desk.summary(
                svc.engine, svc.jurisdiction(None, who=who.principal), shown
            )
        except (TanshiError, ApiError):
            allocated = None
    return render(request, svc, who, "regulator.html", year=shown, years=views.years(svc.engine),
                  numbers=numbers, table=table, before=before, computed=computed,
                  status=status or "", pending=pending,
                  allocated=allocated, overview=exchange_overviews(svc),
                  settling=cash_reads.pending_settlements(svc.engine, who.principal))  # fmt: skip


@router.get("/regulator/companies/{code}", response_class=HTMLResponse)
def company_detail(
    code: str, request: Request, svc: ServiceDep, who: VisitorDep,
    year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
) -> Response:  # fmt: skip
    """Drill-down: one company's position, holdings and transactions."""
    if who.principal is None:
        return login_redirect(f"/regulator/companies/{code}")
    if not allowed(who, READERS):
        return render(request, svc, who, "result.html", 403, ok=False, code="forbidden",
                      message="this page is for regulators and auditors")  # fmt: skip
    company = views.company(svc.engine, code, views.scope_of(who.principal))
    if company is None:
        return render(request, svc, who, "result.html", 404, ok=False, code="unknown_company",
                      message=say(who.locale, "no covered company {company}",
                                  {"company": Verbatim(code)}))  # fmt: skip
    shown = year_shown(svc, year)
    position = None
    if shown:
        try:
            jurisdiction = svc.jurisdiction(company["jurisdiction"])
            position = next(
                (p for p in compliance_service.positions(svc.engine, jurisdiction, shown)
                 if p.company == code), None,
            )  # fmt: skip
        except TanshiError:
            position = None
    account_code = operator_account_code(company["jurisdiction"], code)
    account = views.account(svc.engine, who.principal, account_code)
    line = views.compliance_table(svc.engine, shown, company_code=code).items if shown else []
    transactions = views.transaction_list(svc.engine, who.principal, account_code=account_code,
                                          limit=20)  # fmt: skip
    return render(request, svc, who, "company_detail.html", company=company, year=shown,
                  position=position, account=account, line=line[0] if line else None,
                  transactions=transactions,
                  **company_extras(svc, who.principal, code,
                                   svc.jurisdiction(company["jurisdiction"]), shown))  # fmt: skip
