"""The public auction results page: each jurisdiction's cleared auctions and cancelled ones, as
the API publishes them (/v1/public/auction-results, /v1/public/auction-cancellations), and no
more."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api.context import ServiceDep
from tanshi.api.routers.auction_book import public_result_page
from tanshi.services import bid_book_reads, views
from tanshi.web.common import VisitorDep
from tanshi.web.render import render

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 100  # per jurisdiction, latest first; the JSON pages through the rest


@router.get("/public/auctions", response_class=HTMLResponse)
def public_auctions(request: Request, svc: ServiceDep, who: VisitorDep,
                    year: Annotated[int | None, Query(ge=1990, le=2200)] = None) -> Response:  # fmt: skip
    """Cleared auctions per jurisdiction: day, volume offered, bid and sold, clearing price,
    cover ratio and bidders; and the cancelled ones with when and why; no login."""
    places = [row["code"] for row in views.jurisdiction_list(svc.engine)]
    results = [
        {"jurisdiction": code,
         "page": public_result_page(svc, year, code, limit=PAGE_ROWS, offset=0),
         "cancelled": bid_book_reads.cancellation_list(svc.engine, jurisdiction=code, year=year,
                                                       limit=PAGE_ROWS),
         "zone": svc.jurisdiction(code).rulebook.rulebook.timezone}
        for code in places
    ]  # fmt: skip
    return render(request, svc, who, "public_auctions.html", results=results, year=year)
