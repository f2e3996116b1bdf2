"""What the registry publishes to everyone, without logging in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from tanshi.api.context import ServiceDep
from tanshi.api.models import ComplianceLineOut, HoldingsByKindOut, Page
from tanshi.api.routers.paging import PagingDep, page_body
from tanshi.services import publication, views

router = APIRouter(prefix="/public", tags=["public"])


@router.get("/compliance/{year}", response_model=Page[ComplianceLineOut])
def public_compliance(
    year: Annotated[int, Path(ge=1990, le=2200)], svc: ServiceDep, paging: PagingDep
) -> dict:
    """The public compliance table of a year: every company's status and shortfall."""
    return page_body(
        views.compliance_table(svc.engine, year, limit=paging.limit, offset=paging.offset)
    )


@router.get("/compliance-years", response_model=list[int])
def compliance_years(svc: ServiceDep) -> list[int]:
    """The years with a computed compliance table."""
    return views.compliance_years(svc.engine)


@router.get("/holdings-by-kind", response_model=list[HoldingsByKindOut])
def holdings_by_kind(svc: ServiceDep) -> list[dict]:
    """Units held per account kind and unit class (issuance accounts show minus the issued)."""
    return [
        {"account_kind": line.account_kind, "unit_class": line.unit_class,
         "accounts": line.accounts, "quantity_units": line.quantity_units}
        for line in publication.holdings_by_kind(svc.engine)
    ]  # fmt: skip
