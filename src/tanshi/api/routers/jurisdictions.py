"""Jurisdictions and their rulebooks, and covered companies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tanshi.api.context import Reader, ServiceDep
from tanshi.api.errors import ApiError
from tanshi.api.models import CompanyOut, JurisdictionOut, Page
from tanshi.api.routers.paging import PagingDep, page_body
from tanshi.services import views

router = APIRouter(tags=["jurisdictions"])


@router.get("/jurisdictions", response_model=list[JurisdictionOut])
def list_jurisdictions(_who: Reader, svc: ServiceDep) -> list[dict]:
    """Every jurisdiction in this database, with the rulebook it runs on."""
    return views.jurisdiction_list(svc.engine)


@router.get("/jurisdictions/{code}", response_model=JurisdictionOut)
def get_jurisdiction(code: str, _who: Reader, svc: ServiceDep) -> dict:
    found = [j for j in views.jurisdiction_list(svc.engine) if j["code"] == code]
    if not found:
        raise ApiError(404, "unknown_jurisdiction", f"no jurisdiction {code}", "path.code")
    return found[0]


@router.get("/companies", response_model=Page[CompanyOut])
def list_companies(
    who: Reader, svc: ServiceDep, paging: PagingDep,
    sector: Annotated[str | None, Query(max_length=40)] = None,
) -> dict:  # fmt: skip
    """Covered companies, filtered by sector (of your jurisdiction, if you belong to one)."""
    return page_body(views.company_list(svc.engine, sector=sector, limit=paging.limit,
                                        offset=paging.offset, jurisdiction=views.scope_of(who)))  # fmt: skip


@router.get("/companies/{code}", response_model=CompanyOut)
def get_company(code: str, who: Reader, svc: ServiceDep) -> dict:
    found = views.company(svc.engine, code, views.scope_of(who))
    if found is None:
        raise ApiError(404, "unknown_company", f"no covered company {code}", "path.code")
    return found
