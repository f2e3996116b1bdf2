"""Production data for allocation (``tanshi allocation output|activity``): generating units'
output and installations' activity levels, imported as the CSV of docs/allocation.md.

The regulator imports them (``regulator:write``): the figures are recorded as verified and
drive allocation and the true-up, while the verification workflow covers emissions only, so
a company's own figures reach the registry through the regulator. All or nothing: any
problem in any row refuses the whole file with every problem in ``error.details``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, StringConstraints

from tanshi.allocation.production import parse_activity_levels, parse_unit_outputs
from tanshi.api.context import IdempotencyKey, Service, ServiceDep, idempotent_write, needs
from tanshi.api.errors import from_located
from tanshi.api.models import Strict
from tanshi.core.issues import Issue, has_errors
from tanshi.services import production
from tanshi.services.principals import Principal, Scope

router = APIRouter(tags=["allocation"])
Regulator = Annotated[Principal, Depends(needs(Scope.REGULATE))]
JurisdictionQuery = Annotated[
    str | None, Query(max_length=20, description="the jurisdiction; optional with only one")
]


class ImportIn(Strict):
    csv: Annotated[str, StringConstraints(min_length=1, max_length=60_000)]
    source: Annotated[str, StringConstraints(max_length=200)] = ""


class IssueOut(BaseModel):
    code: str
    severity: str
    message: str
    where: str


class ImportOut(BaseModel):
    rows: int
    years: list[int]
    warnings: list[IssueOut]


def _answer(records: list, issues: list[Issue]) -> tuple[int, dict]:
    if has_errors(issues):
        raise from_located(422, issues, "body.csv")
    warnings = [{"code": i.code, "severity": i.severity.value, "message": i.message,
                 "where": i.where} for i in issues]  # fmt: skip
    return 201, {"rows": len(records), "years": sorted({r.year for r in records}),
                 "warnings": warnings}  # fmt: skip


def _import(
    svc: Service, who: Principal, body: ImportIn, jurisdiction: str | None, units: bool
) -> tuple[int, dict]:
    place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
    source = body.source or "api"
    if units:
        outputs, issues = parse_unit_outputs(body.csv, "csv")
        if not has_errors(issues):
            issues = production.record_unit_outputs(svc.engine, place, outputs, svc.now(), source)
        return _answer(outputs, issues)
    levels, issues = parse_activity_levels(body.csv, "csv")
    if not has_errors(issues):
        issues = production.record_activity_levels(svc.engine, place, levels, svc.now(), source)
    return _answer(levels, issues)


@router.post("/allocation/unit-outputs", response_model=ImportOut, status_code=201)
def import_unit_outputs(
    body: ImportIn, request: Request, key: IdempotencyKey, svc: ServiceDep, who: Regulator,
    jurisdiction: JurisdictionQuery = None,
) -> dict:  # fmt: skip
    """Record generating units' verified output (columns: company, unit, year, unit_class,
    cooling, load_factor, heat_ratio, electricity_mwh, heat_gj). A row already recorded
    identically is accepted again; a different figure for it is refused."""
    return idempotent_write(svc, request, who, key, "production_unit_outputs", "unit_outputs",
                            body.model_dump() | {"jurisdiction": jurisdiction},
                            lambda: _import(svc, who, body, jurisdiction, True))[1]  # fmt: skip


@router.post("/allocation/activity-levels", response_model=ImportOut, status_code=201)
def import_activity_levels(
    body: ImportIn, request: Request, key: IdempotencyKey, svc: ServiceDep, who: Regulator,
    jurisdiction: JurisdictionQuery = None,
) -> dict:  # fmt: skip
    """Record installations' historical activity levels (columns: company, installation,
    benchmark, year, activity, leakage_exposed, cbam_good)."""
    return idempotent_write(svc, request, who, key, "production_activity_levels",
                            "activity_levels", body.model_dump() | {"jurisdiction": jurisdiction},
                            lambda: _import(svc, who, body, jurisdiction, False))[1]  # fmt: skip
