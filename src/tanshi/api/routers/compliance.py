"""Surrender, the compliance table, the regulator's coverage numbers and the deadline run."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from tanshi.api.context import (
    IdempotencyKey,
    Reader,
    Service,
    ServiceDep,
    idempotent_write,
    needs,
    registry_key,
)
from tanshi.api.errors import ApiError, body_field, from_issues, no_rule_error
from tanshi.api.models import (
    ComplianceLineOut,
    CoverageOut,
    Done,
    Page,
    SurrenderIn,
    SurrenderOut,
    YearPositionOut,
)
from tanshi.api.routers.paging import PagingDep, page_body
from tanshi.compliance import Status
from tanshi.core.errors import TanshiError
from tanshi.rulebook import NoRuleInForce
from tanshi.services import compliance as compliance_service
from tanshi.services import views
from tanshi.services.principals import Principal, Scope
from tanshi.services.year_positions import (
    CoveredCompany,
    YearPosition,
    covered_companies,
    year_positions,
)

router = APIRouter(tags=["compliance"])
NO_VERIFIED = "no_verified_emissions"
Year = Annotated[int, Path(ge=1990, le=2200)]


@router.post("/surrenders", response_model=SurrenderOut, status_code=201)
def surrender(
    body: SurrenderIn,
    request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.SURRENDER))],
) -> dict:  # fmt: skip
    """Surrender your company's units for a compliance year (offset cap and deadline apply)."""

    def run() -> tuple[int, dict]:
        found = views.company(svc.engine, body.company)
        if found is None or who.company != body.company:
            raise ApiError(404, "unknown_company",
                           f"{body.company} is not your company", "body.company")  # fmt: skip
        jurisdiction = svc.jurisdiction(found["jurisdiction"])
        outcome, issues = compliance_service.surrender(
            svc.engine, jurisdiction, body.company, body.unit_class, body.quantity_t, body.year,
            registry_key(who, key), svc.now(),
        )  # fmt: skip
        if issues:
            raise from_issues(422, issues, lambda i: body_field(i.code, body))
        assert outcome is not None
        return 201, {"transaction_id": outcome.transaction_id, "replayed": outcome.replayed}

    return idempotent_write(svc, request, who, key, "surrender", body.company,
                            body.model_dump(), run)[1]  # fmt: skip


@router.get("/compliance/{year}", response_model=Page[ComplianceLineOut])
def compliance_table(
    year: Year, who: Reader, svc: ServiceDep, paging: PagingDep,
    status: Annotated[Status | None, Query(description="a compliance status")] = None,
    company: Annotated[str | None, Query(max_length=40)] = None,
) -> dict:  # fmt: skip
    """The compliance results of a year, as computed at the deadline (of your jurisdiction's
    companies, if you belong to one)."""
    return page_body(views.compliance_table(
        svc.engine, year, status=status, company_code=company, limit=paging.limit,
        offset=paging.offset, jurisdiction=views.scope_of(who),
    ))  # fmt: skip


def before_deadline(svc: Service, year: int, scope: str | None) -> list[YearPosition]:
    """The positions of ``year`` in the jurisdictions (``scope``'s, or every one) whose
    compliance table is not computed yet."""
    codes = [scope] if scope else [j["code"] for j in views.jurisdiction_list(svc.engine)]
    return [
        position
        for code in codes
        for position in year_positions(svc.engine, svc.jurisdiction(code), year)
    ]


def covered_before_deadline(svc: Service, year: int) -> list[CoveredCompany]:
    """Who is covered in ``year`` in every jurisdiction whose table is not computed yet: the
    public's list (names, no figures)."""
    return [
        company
        for code in (j["code"] for j in views.jurisdiction_list(svc.engine))
        for company in covered_companies(svc.engine, svc.jurisdiction(code), year)
    ]


def unverified_before_deadline(positions: list[YearPosition]) -> int:
    """How many of ``positions`` have no verified emissions: the deadline's run will give
    them status ``no_verified_emissions``, which the regulator counts before it too."""
    return sum(1 for position in positions if position.verified_kg is None)


@router.get("/compliance/{year}/coverage", response_model=CoverageOut)
def coverage(year: Year, who: Reader, svc: ServiceDep) -> dict:
    """Companies covered, verified emissions, allocation and statuses of a year; before the
    deadline ``by_status`` counts ``no_verified_emissions`` so far (no other status yet)."""
    if not who.reads_all:
        raise ApiError(403, "regulators_only", "coverage is for regulators and auditors")
    scope = views.scope_of(who)
    numbers = views.coverage(svc.engine, year, scope, svc.uncovered_sectors(year, scope))
    by_status = {
        k.removeprefix("status_"): v for k, v in numbers.items() if k.startswith("status_")
    }
    unverified = unverified_before_deadline(before_deadline(svc, year, scope))
    if unverified:
        by_status[NO_VERIFIED] = by_status.get(NO_VERIFIED, 0) + unverified
    return {"year": year, "by_status": by_status,
            **{k: v for k, v in numbers.items() if not k.startswith("status_")}}  # fmt: skip


@router.get("/compliance/{year}/positions", response_model=list[YearPositionOut])
def positions_before_deadline(year: Year, who: Reader, svc: ServiceDep) -> list[dict]:
    """Before a year's compliance table is computed: each covered company's position so
    far (verified emissions or null, allocation, obligation, surrendered, shortfall so far),
    without a status; empty once the table is computed (``GET /v1/compliance/{year}``).
    Regulators and auditors, of their jurisdiction's companies."""
    if not who.reads_all:
        raise ApiError(403, "regulators_only", "positions are for regulators and auditors")
    return [
        {**asdict(position), "deadline": position.deadline.isoformat()}
        for position in before_deadline(svc, year, views.scope_of(who))
    ]


@router.post("/compliance/{year}/run", response_model=Done)
def run_compliance(
    year: Year, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.REGULATE))],
    jurisdiction: Annotated[str | None, Query(max_length=8)] = None,
) -> dict:  # fmt: skip
    """Compute and store the compliance table of a year once its deadline has passed."""

    def run() -> tuple[int, dict]:
        found = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
        try:
            compliance_service.run_compliance(svc.engine, found, year, svc.now())
        except NoRuleInForce as error:  # 422, not "not due": it never will be
            raise no_rule_error(error, "path.year") from error
        except TanshiError as error:
            raise ApiError(409, "compliance_not_due", str(error), "path.year") from error
        return 200, {"result": "ok"}

    return idempotent_write(svc, request, who, key, "compliance_run", str(year),
                            {"year": year, "jurisdiction": jurisdiction}, run)[1]  # fmt: skip
