"""The exchange's surveillance alerts, read-only: position limits, large holders, suspected wash
trades and orders at the price limit (``services.surveillance``), for regulators and the
exchange operator, walled by jurisdiction like the exchange's other reads."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tanshi.api.context import Reader, Service, ServiceDep
from tanshi.api.errors import ApiError
from tanshi.api.models import FIRST_DAY, LAST_DAY, Page
from tanshi.api.routers.market import JurisdictionQuery, exchange_of
from tanshi.api.routers.paging import PagingDep
from tanshi.market.surveillance import FlagKind
from tanshi.resources import surveillance_rules
from tanshi.services.principals import READ_ALL_ORDERS_ROLES, Principal
from tanshi.services.surveillance import flags_page, surveillance_report

router = APIRouter(tags=["market"])


ON = (
    "the trading day of the alerts (default: today at the exchange); positions: at its "
    "end, in the exchange's time zone"
)


class AlertOut(BaseModel):
    kind: str = Field(description="the alert's code, which also names its message")
    account: str
    day: str
    message: str = Field(description="in English, written from ``params``")
    params: dict[str, int | str] = Field(
        description="the values of the message, to write it in another language"
    )


class AlertPage(Page[AlertOut]):
    exchange: str
    jurisdiction: str
    on: str


def alerts(
    svc: Service, who: Principal, jurisdiction: str | None, on: date | None, kind: str | None,
    account: str | None, limit: int, offset: int,
) -> dict:  # fmt: skip
    """One page of the alerts of the jurisdiction's exchange, for ``who`` (the API and the
    regulator's page share it): 403 for a role that does not watch the market, and for a
    jurisdiction ``who`` is not bound to (``exchange_of``)."""
    if who.role not in READ_ALL_ORDERS_ROLES:
        raise ApiError(403, "regulators_and_exchange_only", "market surveillance is for "
                       "regulators, the exchange operator, auditors and administrators")  # fmt: skip
    place, venue = exchange_of(svc, jurisdiction, who)
    day = on or svc.now().astimezone(ZoneInfo(venue.venue.timezone)).date()
    flags = surveillance_report(svc.engine, place.id, venue, surveillance_rules(), day)
    shown, total = flags_page(flags, kind, account, limit, offset)
    following = offset + limit if offset + limit < total else None
    return {"items": [{"kind": f.kind, "account": f.account, "day": f.day.isoformat(),
                       "message": f.message, "params": f.values} for f in shown],
            "total": total, "limit": limit, "offset": offset, "next_offset": following,
            "exchange": venue.venue.code, "jurisdiction": place.code, "on": day.isoformat()}  # fmt: skip


@router.get("/exchange/surveillance", response_model=AlertPage)
def surveillance(
    who: Reader, svc: ServiceDep, paging: PagingDep, jurisdiction: JurisdictionQuery = None,
    kind: FlagKind | None = None,
    account: Annotated[str | None, Query(max_length=40, description="one account's")] = None,
    on: Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description=ON)] = None,
) -> dict:  # fmt: skip
    """The exchange's surveillance alerts (regulators, the exchange operator, auditors and
    administrators; of their own jurisdiction's exchange when bound to one)."""
    return alerts(svc, who, jurisdiction, on, kind, account, paging.limit, paging.offset)
