"""Allocation: each company's allocation of a year (free, pre-allocated and trued up, its
sector's auction share, what it won at auction), per generating unit or installation, the
year's totals, and the regulator's run (allocate, then true up once the output is in).

Regulators, auditors and administrators see every company; a company sees its own; other
roles see the totals only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from tanshi.api.context import IdempotencyKey, Reader, Service, ServiceDep, idempotent_write, needs
from tanshi.api.errors import ApiError, no_rule_error
from tanshi.api.models import Page
from tanshi.api.routers.paging import PagingDep, page_body
from tanshi.core.errors import TanshiError
from tanshi.rulebook import NoRuleInForce
from tanshi.services import allocation_desk
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.principals import Principal, Scope
from tanshi.services.views import Page as ViewPage

router = APIRouter(tags=["allocation"])
Regulator = Annotated[Principal, Depends(needs(Scope.REGULATE))]
Year = Annotated[int, Path(ge=1990, le=2200)]
JurisdictionQuery = Annotated[
    str | None, Query(max_length=20, description="the jurisdiction; optional with only one")
]


class AllocationOut(BaseModel):
    company: str
    name: str
    sector: str
    free_t: int
    preallocated_t: int | None
    true_up_t: int | None
    deduction_t: int
    auction_share_t: int | None
    won_at_auction_t: int
    transaction_id: int | None


class AllocationPage(Page[AllocationOut]):
    year: int
    method: str
    stage: str


class ItemOut(BaseModel):
    item: str
    stage: str
    allocated_t: int
    adjustment_t: int
    detail: dict[str, str]
    transaction_id: int | None
    recorded_at: str | None


class CompanyAllocationOut(AllocationOut):
    year: int
    method: str
    stage: str
    items: list[ItemOut]


class SummaryOut(BaseModel):
    jurisdiction: str
    year: int
    method: str
    stage: str
    cap_t: int | None
    companies: int
    free_t: int
    deduction_t: int
    auction_share_t: int | None
    auctions: int
    offered_t: int
    sold_t: int


class NoteOut(BaseModel):
    code: str
    severity: str
    message: str
    where: str


class RunOut(BaseModel):
    year: int
    allocation: str
    allocated_t: int
    companies: int
    true_up: str
    true_up_given_t: int
    true_up_taken_t: int
    notes: list[NoteOut]


def _refused(error: TanshiError) -> ApiError:
    if isinstance(error, NoRuleInForce):  # the message names the years with rules
        found = no_rule_error(error)
        return ApiError(422, found.code, found.message, "path.year")
    return ApiError(422, "allocation_not_possible", str(error), "path.year")


def _rows(svc: Service, place: Jurisdiction, year: int) -> tuple[str, str, list[dict]]:
    try:
        method = allocation_desk.method_of(place, year)
        stage, rows = allocation_desk.by_company(svc.engine, place, year)
    except TanshiError as error:
        raise _refused(error) from error
    return method, stage, rows


def _visible(who: Principal, rows: list[dict]) -> list[dict]:
    return rows if who.reads_all else [row for row in rows if row["company"] == who.company]


@router.get("/allocation/{year}", response_model=AllocationPage)
def allocation_by_company(
    year: Year, who: Reader, svc: ServiceDep, paging: PagingDep,
    jurisdiction: JurisdictionQuery = None,
    company: Annotated[str | None, Query(max_length=40)] = None,
) -> dict:  # fmt: skip
    """Each company's allocation of ``year`` as it stands (``stage`` planned: what the rules
    would allocate now; allocated; trued_up)."""
    place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
    method, stage, rows = _rows(svc, place, year)
    rows = [row for row in _visible(who, rows) if company is None or row["company"] == company]
    page = ViewPage(rows[paging.offset : paging.offset + paging.limit], len(rows), paging.limit,
                    paging.offset)  # fmt: skip
    return page_body(page) | {"year": year, "method": method, "stage": stage}


@router.get("/allocation/{year}/summary", response_model=SummaryOut)
def allocation_summary(
    year: Year, who: Reader, svc: ServiceDep, jurisdiction: JurisdictionQuery = None
) -> dict:
    """The year's totals: cap, free allocation, the auction share, auctions held and sold."""
    place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
    try:
        return allocation_desk.summary(svc.engine, place, year)
    except TanshiError as error:
        raise _refused(error) from error


@router.get("/allocation/{year}/companies/{company}", response_model=CompanyAllocationOut)
def company_allocation(
    year: Year, company: Annotated[str, Path(max_length=40)], who: Reader, svc: ServiceDep,
    jurisdiction: JurisdictionQuery = None,
) -> dict:  # fmt: skip
    """One company's allocation of ``year`` and its lines per generating unit or
    installation, with every factor used (yours, or any for regulators and auditors)."""
    place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
    method, stage, rows = _rows(svc, place, year)
    found = next((row for row in _visible(who, rows) if row["company"] == company), None)
    if found is None:
        raise ApiError(404, "unknown_company", f"no allocation of {year} for a company {company} "
                       "that you may see", "path.company")  # fmt: skip
    items = allocation_desk.items_of(svc.engine, place, year, company)
    return found | {"year": year, "method": method, "stage": stage, "items": items}


def _run(svc: Service, who: Principal, year: int, jurisdiction: str | None) -> tuple[int, dict]:
    place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
    try:
        done = allocation_desk.run_year(svc.engine, place, year, svc.now())
    except allocation_desk.AlreadyAllocated as error:
        raise ApiError(409, "already_allocated", str(error), "path.year") from error
    except TanshiError as error:
        raise _refused(error) from error
    notes = [{"code": i.code, "severity": i.severity.value, "message": i.message,
              "where": i.where} for i in done.notes]  # fmt: skip
    return 200, {"year": year, "allocation": done.allocation, "allocated_t": done.allocated_t,
                 "companies": done.companies, "true_up": done.true_up,
                 "true_up_given_t": done.true_up_given_t,
                 "true_up_taken_t": done.true_up_taken_t, "notes": notes}  # fmt: skip


@router.post("/allocation/{year}/run", response_model=RunOut)
def run_allocation(
    year: Year, request: Request, key: IdempotencyKey, svc: ServiceDep, who: Regulator,
    jurisdiction: JurisdictionQuery = None,
) -> dict:  # fmt: skip
    """Allocate ``year`` if it is not yet allocated (issuing its units), then book its
    true-up (``benchmark_output``) once every unit's output is in. Safe to repeat: a year
    already allocated or trued up is left as it is, and the answer says so."""
    return idempotent_write(svc, request, who, key, "allocation_run", str(year),
                            {"year": year, "jurisdiction": jurisdiction},
                            lambda: _run(svc, who, year, jurisdiction))[1]  # fmt: skip
