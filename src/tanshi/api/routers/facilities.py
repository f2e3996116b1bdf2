"""A company's facilities, and each exchange's products at a glance (public market data).

Facilities are the emission units and source streams of the company's monitoring plan, its
generating units with their recorded output and its installations with their activity; the
company's own people, verifiers, regulators and auditors read them (404 for anyone else).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from tanshi.api.context import Reader, Service, ServiceDep
from tanshi.api.errors import ApiError
from tanshi.services import facilities, market_overview, views

router = APIRouter(tags=["jurisdictions"])


class StreamOut(BaseModel):
    stream: str
    kind: str
    subject: str
    activity_unit: str
    parameters: dict[str, str]


class EmissionUnitOut(BaseModel):
    unit: str
    streams: list[StreamOut]


class PlanOut(BaseModel):
    version: int
    valid_from_year: int
    filed_at: str | None
    emission_units: list[EmissionUnitOut]


class OutputOut(BaseModel):
    year: int
    unit_class: str
    cooling: str
    load_factor: str
    heat_ratio: str
    electricity_mwh: str
    heat_gj: str
    source: str


class GeneratingUnitOut(BaseModel):
    unit: str
    output: list[OutputOut]


class ActivityOut(BaseModel):
    year: int
    activity: str
    source: str


class InstallationOut(BaseModel):
    installation: str
    benchmark: str
    leakage_exposed: bool
    cbam_good: bool
    activity: list[ActivityOut]


class FacilitiesOut(BaseModel):
    company: str
    monitoring_plan: PlanOut | None
    generating_units: list[GeneratingUnitOut]
    installations: list[InstallationOut]


class ProductOverviewOut(BaseModel):
    product: str
    last_cny_per_t: str | None
    previous_close_cny_per_t: str | None
    change_cny_per_t: str | None
    last_day: str | None
    day_volume_t: int
    day_turnover_cny: str | None
    volume_t: int
    turnover_cny: str | None
    trades: int
    last_traded_at: str | None


class ExchangeOut(BaseModel):
    jurisdiction: str
    venue: str
    name: str
    timezone: str
    currency: str
    products: list[ProductOverviewOut]


@router.get("/companies/{code}/facilities", response_model=FacilitiesOut)
def company_facilities(
    code: Annotated[str, Path(max_length=40)], who: Reader, svc: ServiceDep
) -> dict:
    """The company's emission units and source streams (its current monitoring plan), its
    generating units' recorded output and its installations' activity levels."""
    seen = facilities.may_read(who, code) and views.company(svc.engine, code, views.scope_of(who))
    found = facilities.facilities_of(svc.engine, code) if seen else None
    if found is None:
        raise ApiError(404, "unknown_company", f"no covered company {code} whose facilities you "
                       "may read", "path.code")  # fmt: skip
    return found


@router.get("/public/exchanges", response_model=list[ExchangeOut], tags=["public"])
def public_exchanges(svc: ServiceDep) -> list[dict]:
    """Each jurisdiction's exchange and its products: the last price and the day's change and
    volume, and the totals since listing; no login."""
    return exchange_overviews(svc)


def exchange_overviews(svc: Service) -> list[dict]:
    """The overview of every jurisdiction's exchange (the API and the web pages share it)."""
    found = []
    for listed in views.jurisdiction_list(svc.engine):
        overview = market_overview.exchange_overview(svc.engine, svc.jurisdiction(listed["code"]))
        if overview is not None:
            found.append(overview)
    return found
