"""The regulator's market surveillance page: the alerts of its jurisdiction's exchange."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api.context import ServiceDep
from tanshi.api.errors import ApiError
from tanshi.api.models import FIRST_DAY, LAST_DAY
from tanshi.api.routers.surveillance import alerts
from tanshi.market.surveillance import FLAG_KINDS, MESSAGES, WORDS
from tanshi.web.common import VisitorDep, login_redirect
from tanshi.web.forms import Verbatim, refused_page, say
from tanshi.web.i18n import translator
from tanshi.web.render import render

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 100


def alert_text(_: Callable[[str], str], kind: str, params: dict[str, int | str]) -> str:
    """An alert in the visitor's language: its kind's message (a msgid) written with its
    params, the words among them (buy, upper, …) translated too."""
    values = {k: _(str(v)) if k in WORDS else v for k, v in params.items()}
    return _(MESSAGES[kind]).format(**values)


@router.get("/regulator/surveillance", response_class=HTMLResponse)
def surveillance_page(
    request: Request, svc: ServiceDep, who: VisitorDep,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    account: Annotated[str | None, Query(max_length=40)] = None,
    on: Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY)] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Response:  # fmt: skip
    """Position limits, large holders, suspected wash trades and orders at the price limit
    on the exchange of the visitor's jurisdiction, with filters, a page at a time."""
    if who.principal is None:
        return login_redirect("/regulator/surveillance")
    if kind and kind not in FLAG_KINDS:  # refused, as the API refuses it, not ignored
        return render(request, svc, who, "result.html", 422, ok=False, code="literal_error",
                      message=say(who.locale, "kind must be one of {kinds}",
                                  {"kinds": Verbatim(", ".join(FLAG_KINDS))}))  # fmt: skip
    kind = kind or None
    account = (account or "").strip() or None
    try:
        page = alerts(svc, who.principal, None, on, kind, account, PAGE_ROWS, offset)
    except ApiError as error:
        return refused_page(request, svc, who, error)
    _ = translator(who.locale)
    for alert in page["items"]:
        alert["message"] = alert_text(_, alert["kind"], alert["params"])
    kept = {k: v for k, v in (("kind", kind), ("account", account), ("on", page["on"])) if v}
    following = None
    if page["next_offset"] is not None:
        following = "/regulator/surveillance?" + urlencode(kept | {"offset": page["next_offset"]})
    return render(request, svc, who, "surveillance.html", page=page, kinds=FLAG_KINDS,
                  kind=kind or "", account=account or "", following=following)  # fmt: skip
