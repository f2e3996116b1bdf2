"""The public transaction log page: what the registry publishes after the rulebook's delay,
filtered by transaction type, with the same extract as CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api.context import ServiceDep
from tanshi.api.errors import ApiError
from tanshi.api.routers.public import checked_types
from tanshi.services import publication
from tanshi.web.common import VisitorDep
from tanshi.web.render import render

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 100


@router.get("/public/transactions", response_class=HTMLResponse)
def public_transactions(
    request: Request, svc: ServiceDep, who: VisitorDep,
    jurisdiction: Annotated[str | None, Query(max_length=20)] = None,
    type: Annotated[str, Query(max_length=40)] = "",
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Response:  # fmt: skip
    """The log as the rulebook's [[publication]] rule publishes it; no login."""
    try:
        place = svc.jurisdiction(jurisdiction, "query.jurisdiction")
        asked = checked_types([type] if type else None)
    except ApiError as error:
        return render(request, svc, who, "result.html", error.status, ok=False, code=error.code,
                      message=error.message)  # fmt: skip
    log = publication.public_transaction_log(svc.engine, place, svc.now(), limit=PAGE_ROWS,
                                             offset=offset, types=asked)  # fmt: skip
    # Moments on the clock the data gives (the rule's display zone, else the jurisdiction's).
    zone = log.display_timezone if log else place.rulebook.rulebook.timezone
    return render(request, svc, who, "public_transactions.html", place=place.code, log=log,
                  type=type, zone=zone)  # fmt: skip
