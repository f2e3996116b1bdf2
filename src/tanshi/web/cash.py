"""The cash page: the cash accounts a person may read, one account's movements, and the
trades settled delivery versus payment (read-only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api.context import ServiceDep
from tanshi.api.errors import ApiError
from tanshi.services import cash_reads
from tanshi.web.common import VisitorDep, login_redirect
from tanshi.web.formats import yuan
from tanshi.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/cash", response_class=HTMLResponse)
def cash_page(
    request: Request, svc: ServiceDep, who: VisitorDep,
    account: Annotated[str | None, Query(max_length=60)] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Response:  # fmt: skip
    """Cash balances (free, reserved, pending), movements and settlements."""
    if who.principal is None:
        return login_redirect("/cash")
    me = who.principal
    accounts = cash_reads.cash_account_list(svc.engine, me, limit=200)
    codes = [a["code"] for a in accounts.items]
    participants = [a["code"] for a in accounts.items if a["kind"] == "participant"]
    shown = account if account in codes else (participants or codes or [None])[0]
    entries = (
        cash_reads.cash_entries_of(svc.engine, me, shown, limit=50, offset=offset)
        if shown
        else None
    )
    registry = next((a["registry_account"] for a in accounts.items if a["code"] == shown), None)
    settlements = cash_reads.settlement_list(svc.engine, me, account=registry, limit=50)
    discrepancies = None  # the ledgers' reconciliation, for those who read the whole ledger
    if cash_reads.reads_whole_ledger(me) and (not me.jurisdiction_bound or me.jurisdiction):
        try:
            place = svc.jurisdiction(None, who=me)
        except ApiError:  # several jurisdictions and none is the visitor's: nothing to check
            place = None
        if place is not None:
            discrepancies = cash_reads.ledger_discrepancies(svc.engine, me, place)
    return render(request, svc, who, "cash.html", accounts=accounts.items, shown=shown,
                  entries=entries, settlements=settlements, registry=registry, yuan=yuan,
                  discrepancies=discrepancies)  # fmt: skip
