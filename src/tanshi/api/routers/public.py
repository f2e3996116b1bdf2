"""What the registry publishes to everyone, without logging in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from tanshi.api.context import ServiceDep
from tanshi.api.errors import ApiError
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


class PublicLogLineOut(BaseModel):
    transaction: int = Field(description="the transaction's number in the registry's journal")
    completed_at: str = Field(description="when it was booked, UTC")
    type: str
    from_account: str
    from_holder: str
    to_account: str
    to_holder: str
    unit_class: str
    quantity_units: int


class PublicLogOut(Page[PublicLogLineOut]):
    published_before: str = Field(description="transactions booked before this day (in the "
                                  "jurisdiction's time) are published")  # fmt: skip
    next_release: str = Field(description="the next day the log grows")
    delay_years: int
    source: str
    confidence: str


@router.get("/transactions", response_model=PublicLogOut)
def public_transactions(
    svc: ServiceDep, paging: PagingDep,
    jurisdiction: Annotated[str | None, Query(max_length=20)] = None,
) -> dict:  # fmt: skip
    """The registry's transaction log as the rulebook publishes it: only transactions booked
    before the publication delay's cut-off, in the fields the rule lists (holders' names and
    accounts, unit class, quantity, type, time), none between the regulator's own accounts;
    404 ``no_public_transaction_log`` when the rulebook publishes none."""
    place = svc.jurisdiction(jurisdiction, "query.jurisdiction")
    log = publication.public_transaction_log(svc.engine, place, svc.now(), limit=paging.limit,
                                             offset=paging.offset)  # fmt: skip
    if log is None:
        raise ApiError(404, "no_public_transaction_log", f"the rulebook of {place.code} "
                       "publishes no transaction log (docs/rulebook.md, [[publication]])")  # fmt: skip
    return page_body(log.page) | {
        "published_before": log.published_before.isoformat(),
        "next_release": log.next_release.isoformat(),
        "delay_years": log.rule.transaction_log_delay_years,
        "source": log.rule.source, "confidence": log.rule.confidence.value,
    }  # fmt: skip
