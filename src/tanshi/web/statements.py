"""The verification statement as a file for people logged in to the web UI (HTML or PDF),
linked from the verifier's page and the company's reports page; the API's access rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from tanshi.api.context import ServiceDep
from tanshi.api.errors import ApiError
from tanshi.api.routers.verification_bodies import readable_statement
from tanshi.reports.verification_statement import statement_html, statement_pdf
from tanshi.web.common import VisitorDep, login_redirect
from tanshi.web.formats import display_zone, local, offset
from tanshi.web.i18n import translator
from tanshi.web.labels import name_of
from tanshi.web.render import render

router = APIRouter(include_in_schema=False)
MOMENTS = ("report_submitted_at", "verified_at")
MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


@router.get("/statements/{year}/{company}.{kind}")
def statement_file(
    request: Request, svc: ServiceDep, who: VisitorDep,
    year: Annotated[int, Path(ge=1990, le=2200)],
    company: Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")],
    kind: Literal["pdf", "html"],
) -> Response:  # fmt: skip
    """The statement of ``company``'s ``year`` to download; 404 as the API answers it."""
    if who.principal is None:
        return login_redirect(f"/statements/{year}/{company}.{kind}")
    try:
        found = readable_statement(svc, who.principal, year, company)
    except ApiError as error:
        return render(request, svc, who, "result.html", error.status, ok=False, code=error.code,
                      message=error.message)  # fmt: skip
    zone = display_zone(svc, who)  # the moments on the jurisdiction's clock, as pages show them
    found = {**found, **{key: f"{local(found[key], zone)} {offset(zone)}"
                         for key in MOMENTS if found.get(key)}}  # fmt: skip
    say = translator(who.locale)
    found["findings"] = [{**f, "kind": _kind(f["kind"], say)} for f in found["findings"]]
    body = statement_pdf(found, say) if kind == "pdf" else statement_html(found, say)
    name = f"verification-statement-{company}-{year}.{kind}"
    shown = "inline" if kind == "html" else "attachment"  # the HTML opens in the browser
    return Response(body, media_type=MEDIA[kind],
                    headers={"Content-Disposition": f'{shown}; filename="{name}"'})  # fmt: skip


def _kind(code: str, say: Callable[[str], str]) -> str:
    """A finding's kind by its name in the visitor's language; as the code where the catalog
    has no other reading (English: the statement's own wording, as the API's)."""
    said = say(name_of(code))
    return code if said == name_of(code) else said
