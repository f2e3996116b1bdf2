"""Verification bodies: the register (the regulator registers, readers list), their
conflict-of-interest declarations (a body declares its own, or the regulator records one),
and the verification statement a body issued (read by the company, the regulator's side and
the issuing body; anyone else gets 404).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, StringConstraints

from tanshi.api.context import (
    IdempotencyKey,
    Reader,
    ServiceDep,
    authenticated,
    idempotent_write,
    needs,
)
from tanshi.api.errors import ApiError, from_issues
from tanshi.api.models import Page, Strict
from tanshi.api.routers.downloads import HTML, PDF, HtmlFile, PdfFile
from tanshi.api.routers.paging import PagingDep, page_body
from tanshi.reports.verification_statement import statement_html, statement_pdf
from tanshi.services import (
    verification_bodies,
    verification_setup,
    verification_statement,
    views,
)
from tanshi.services.principals import Principal, Role, Scope

router = APIRouter(tags=["verification"])
Regulator = Annotated[Principal, Depends(needs(Scope.REGULATE))]
Anyone = Annotated[Principal, Depends(authenticated)]
BodyCode = Annotated[str, Path(min_length=1, max_length=40, description="e.g. VB01")]
Year = Annotated[int, Path(ge=1990, le=2200)]
Company = Annotated[str, Path(max_length=40)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]


class BodyIn(Strict):
    code: Code
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    accredited: bool = True


class BodyOut(BaseModel):
    code: str
    name: str
    accredited: bool
    registered_at: str | None


class ConflictIn(Strict):
    company: Code
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class ConflictOut(BaseModel):
    body: str
    company: str
    reason: str
    declared_at: str | None


class FindingOut(BaseModel):
    kind: str
    stream: str | None
    description: str
    misstatement_tco2: str | None
    recorded_at: str | None


class StatementOut(BaseModel):
    """Tonnes are exact decimals written as strings."""

    company: str
    company_name: str
    year: int
    body: str
    body_name: str
    conclusion: str
    report_revision: int
    report_submitted_at: str | None
    verified_at: str | None
    reported_tco2: str
    verified_tco2: str
    misstatement_aggregate_tco2: str | None
    materiality_share: str | None
    misstatement_ratio: str | None
    methodology: str | None
    findings: list[FindingOut]
    state: str
    note: str


def _own_body(who: Principal, code: str) -> bool:
    return who.role is Role.VERIFIER and who.organisation == code


def _unknown_body(code: str) -> ApiError:
    return ApiError(404, "unknown_body", f"no verification body {code} that you may see",
                    "path.code")  # fmt: skip


@router.get("/verification-bodies", response_model=Page[BodyOut])
def list_bodies(
    _who: Reader, svc: ServiceDep, paging: PagingDep,
    accredited: Annotated[bool | None, Query()] = None,
) -> dict:  # fmt: skip
    """The registered verification bodies (any reader: the register is public knowledge)."""
    return page_body(verification_bodies.body_list(
        svc.engine, accredited=accredited, limit=paging.limit, offset=paging.offset))  # fmt: skip


@router.post("/verification-bodies", response_model=BodyOut, status_code=201)
def register_body(body: BodyIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
                  who: Regulator) -> dict:  # fmt: skip
    """Register a verification body (``tanshi verification body``); 409 ``body_exists``."""

    def run() -> tuple[int, dict]:
        issues = verification_setup.register_body(svc.engine, body.code, body.name, svc.now(),
                                                  accredited=body.accredited)  # fmt: skip
        if issues:
            raise from_issues(409, issues, lambda _i: "body.code")
        page = verification_bodies.body_list(svc.engine, limit=500)
        return 201, next(b for b in page.items if b["code"] == body.code)

    return idempotent_write(svc, request, who, key, "verification_body_register", body.code,
                            body.model_dump(), run)[1]  # fmt: skip


@router.get("/verification-bodies/{code}/conflicts", response_model=Page[ConflictOut])
def list_conflicts(code: BodyCode, who: Reader, svc: ServiceDep, paging: PagingDep) -> dict:
    """The body's conflict-of-interest declarations (the regulator's side and the body)."""
    if not (who.reads_all or _own_body(who, code)) or not verification_bodies.body_exists(
        svc.engine, code
    ):
        raise _unknown_body(code)
    return page_body(verification_bodies.conflict_list(svc.engine, code, limit=paging.limit,
                                                       offset=paging.offset))  # fmt: skip


@router.post("/verification-bodies/{code}/conflicts", response_model=ConflictOut,
             status_code=201)  # fmt: skip
def declare_conflict(code: BodyCode, body: ConflictIn, request: Request, key: IdempotencyKey,
                     svc: ServiceDep, who: Anyone) -> dict:  # fmt: skip
    """Declare a conflict of interest of body ``code`` with a company (``tanshi verification
    conflict``): a verifier for its own body (``mrv:verify``), or the regulator for any
    (``regulator:write``). The body can no longer be assigned to the company."""
    if Scope.REGULATE not in who.scopes and not (
        Scope.MRV_VERIFY in who.scopes and _own_body(who, code)
    ):
        if who.role is Role.VERIFIER and Scope.MRV_VERIFY in who.scopes:
            raise _unknown_body(code)
        raise ApiError(403, "insufficient_scope", "declaring a conflict needs mrv:verify (for "
                       "your own body) or regulator:write")  # fmt: skip

    def run() -> tuple[int, dict]:
        found, scope = views.company(svc.engine, body.company), views.scope_of(who)
        if found is not None and scope is not None and found["jurisdiction"] != scope:
            raise ApiError(404, "unknown_company", f"no covered company {body.company} in "
                           "your jurisdiction", "body.company")  # fmt: skip
        issues = verification_setup.declare_conflict(svc.engine, code, body.company,
                                                     body.reason, svc.now())  # fmt: skip
        if issues:
            if issues[0].code == "body_unknown":
                raise _unknown_body(code)
            raise from_issues(422, issues, lambda _i: "body.company")
        page = verification_bodies.conflict_list(svc.engine, code, limit=500)
        return 201, next(c for c in page.items if c["company"] == body.company)

    return idempotent_write(svc, request, who, key, "verification_conflict", f"{code}/{body.company}",
                            body.model_dump(), run)[1]  # fmt: skip


def readable_statement(svc, who: Principal, year: int, company: str) -> dict:
    """The statement if ``who`` may read it (the company, the regulator's side, the issuing
    body), else 404 ``no_statement``: statements of others cannot be probed."""
    found = verification_statement.statement(svc.engine, company, year)
    if found is None or not (
        (who.reads_all and views.company(svc.engine, company, views.scope_of(who)))
        or who.company == company or _own_body(who, found["body"])
    ):  # fmt: skip
        raise ApiError(404, "no_statement", f"no verification statement of {company} for {year} "
                       "that you may read: it is issued when the verifier concludes "
                       "'verified'", "path.company")  # fmt: skip
    return found


@router.get("/verification/{year}/{company}/statement", response_model=StatementOut)
def statement(year: Year, company: Company, who: Reader, svc: ServiceDep) -> dict:
    """The verification statement (核查报告) of a company-year: the body's conclusion, the
    figures, materiality and findings. The company, the regulator's side and the issuing
    body read it."""
    return readable_statement(svc, who, year, company)


@router.get("/verification/{year}/{company}/statement.html", **HTML)
def statement_document(year: Year, company: Company, who: Reader, svc: ServiceDep) -> Response:
    """The verification statement as a self-contained HTML document (print it to PDF)."""
    found = readable_statement(svc, who, year, company)
    return HtmlFile(statement_html(found), headers={
        "Content-Disposition": f'attachment; filename="verification-statement-{company}-{year}.html"'
    })  # fmt: skip


@router.get("/verification/{year}/{company}/statement.pdf", **PDF)
def statement_pdf_document(year: Year, company: Company, who: Reader, svc: ServiceDep) -> Response:
    """The verification statement as a one-page PDF (Chinese names with a CJK font installed)."""
    found = readable_statement(svc, who, year, company)
    return PdfFile(statement_pdf(found), headers={
        "Content-Disposition": f'attachment; filename="verification-statement-{company}-{year}.pdf"'
    })  # fmt: skip
