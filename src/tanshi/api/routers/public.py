"""What the registry publishes to everyone, without logging in."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field, StringConstraints

from tanshi.api.context import Service, ServiceDep
from tanshi.api.errors import ApiError
from tanshi.api.models import ComplianceLineOut, CoveredCompanyOut, HoldingsByKindOut, Page
from tanshi.api.routers.compliance import covered_before_deadline as covered
from tanshi.api.routers.paging import PagingDep, page_body
from tanshi.core.csv_cells import csv_text
from tanshi.registry.transaction_types import TRANSACTION_TYPES
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


@router.get("/compliance/{year}/covered", response_model=list[CoveredCompanyOut])
def covered_before_deadline(
    year: Annotated[int, Path(ge=1990, le=2200)], svc: ServiceDep
) -> list[dict]:
    """Before a year's compliance table is published: the companies covered in the year and
    the surrender deadline after which their status is; their emissions and surrenders are
    not published before then. Empty once the table is (``/v1/public/compliance/{year}``)."""
    return [
        {"company": p.company, "name": p.name, "sector": p.sector,
         "deadline": p.deadline.isoformat()}
        for p in covered(svc, year)
    ]  # fmt: skip


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
    completed_at_local: str = Field(description="the same moment in the rule's display time "
                                    "zone (display_timezone), with its offset")  # fmt: skip
    type: str
    from_account: str
    from_holder: str
    to_account: str
    to_holder: str
    unit_class: str
    quantity_units: int


LOG_COLUMNS = tuple(PublicLogLineOut.model_fields)  # the CSV's columns: the JSON's keys


class PublicLogOut(Page[PublicLogLineOut]):
    published_before: str = Field(description="transactions booked before this day (in the "
                                  "jurisdiction's time) are published")  # fmt: skip
    next_release: str = Field(description="the next day the log grows")
    delay_years: int
    display_timezone: str = Field(description="the zone of completed_at_local: the rule's "
                                  "(EU: Europe/Brussels, the annex's CET), else the "
                                  "jurisdiction's own, as /public/transactions shows it")  # fmt: skip
    type_counts: dict[str, int] = Field(description="published rows per transaction type, "
                                        "before the type filter")  # fmt: skip
    source: str
    confidence: str


TypeFilter = Annotated[
    list[Annotated[str, StringConstraints(max_length=40)]] | None,
    Query(alias="type", max_length=20,
          description="only these transaction types (repeat: type=allocation&type=surrender)"),
]  # fmt: skip
LogFormat = Annotated[
    Literal["json", "csv"],
    Query(description="csv: every row of the extract (no paging) as text/csv, the JSON "
          "items' keys as columns, formula-like text cells prefixed with '"),
]  # fmt: skip


def checked_types(types: list[str] | None) -> tuple[str, ...]:
    """The asked transaction types, refused as one 422 if any is not a type of the registry."""
    asked = tuple(dict.fromkeys(types or ()))
    unknown = [code for code in asked if code not in TRANSACTION_TYPES]
    if unknown:
        raise ApiError(422, "unknown_transaction_type",
                       f"no transaction type {', '.join(unknown)}; the types are "
                       f"{', '.join(sorted(TRANSACTION_TYPES))}", "query.type")  # fmt: skip
    return asked


def public_log(svc: Service, jurisdiction: str | None, types: tuple[str, ...], *,
               limit: int | None, offset: int = 0) -> publication.PublicLog:  # fmt: skip
    """The published log of a jurisdiction (404 when its rulebook publishes none)."""
    place = svc.jurisdiction(jurisdiction, "query.jurisdiction")
    log = publication.public_transaction_log(svc.engine, place, svc.now(), limit=limit,
                                             offset=offset, types=types)  # fmt: skip
    if log is None:
        raise ApiError(404, "no_public_transaction_log", f"the rulebook of {place.code} "
                       "publishes no transaction log (docs/rulebook.md, [[publication]])")  # fmt: skip
    return log


def log_csv(log: publication.PublicLog, jurisdiction: str) -> Response:
    """The extract as a CSV file: the JSON items' keys as columns, formula-safe text."""
    body = csv_text(LOG_COLUMNS, ([row[key] for key in LOG_COLUMNS] for row in log.page.items))
    name = f"public-transactions-{jurisdiction}-before-{log.published_before.isoformat()}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.get("/transactions", response_model=PublicLogOut,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})  # fmt: skip
def public_transactions(
    svc: ServiceDep, paging: PagingDep,
    jurisdiction: Annotated[str | None, Query(max_length=20)] = None,
    types: TypeFilter = None, format: LogFormat = "json",
) -> Any:  # fmt: skip
    """The registry's transaction log as the rulebook publishes it: only transactions booked
    before the publication delay's cut-off, in the fields the rule lists (holders' names and
    accounts, unit class, quantity, type, time), none between the regulator's own accounts;
    ``type`` keeps only those transaction types (422 ``unknown_transaction_type``);
    ``format=csv`` answers the whole extract as CSV; 404 ``no_public_transaction_log`` when
    the rulebook publishes none."""
    asked = checked_types(types)
    if format == "csv":
        log = public_log(svc, jurisdiction, asked, limit=None)
        return log_csv(log, svc.jurisdiction(jurisdiction, "query.jurisdiction").code)
    log = public_log(svc, jurisdiction, asked, limit=paging.limit, offset=paging.offset)
    return page_body(log.page) | {
        "published_before": log.published_before.isoformat(),
        "next_release": log.next_release.isoformat(),
        "delay_years": log.rule.transaction_log_delay_years,
        "display_timezone": log.display_timezone, "type_counts": log.type_counts,
        "source": log.rule.source, "confidence": log.rule.confidence.value,
    }  # fmt: skip
