"""Four eyes on the administrator's page: the requests awaiting a second administrator, and
approving or rejecting one (services/admin_approvals.py).

An approval's secrets (a new regulator's temporary password and second factor, an
administrator's new second factor) are shown once to the approver, and never kept with the
form's answer (``forms.Secret``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api.context import Service, ServiceDep
from tanshi.services import admin_approvals
from tanshi.services.principals import Principal, Role
from tanshi.web.admin import REQUESTS_CHANGED, USERS_CHANGED, new_key, request_key_id
from tanshi.web.common import VisitorDep, allowed, login_redirect
from tanshi.web.forms import Message, Secret, Verbatim, refusal_of, web_write
from tanshi.web.render import render

router = APIRouter(include_in_schema=False)
PAGE = "/admin/requests"


def _forbidden(request: Request, svc: Service, who) -> Response:
    return render(request, svc, who, "result.html", 403, ok=False, code="forbidden",
                  message="this page is for administrators")  # fmt: skip


@router.get(PAGE, response_class=HTMLResponse)
def requests_list(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    """The requests awaiting a second administrator (an htmx fragment of the users page)."""
    if who.principal is None:
        return login_redirect("/admin/users")
    if not allowed(who, {Role.ADMINISTRATOR}):
        return _forbidden(request, svc, who)
    return render(request, svc, who, "_admin_requests.html",
                  requests=admin_approvals.pending(svc.engine), new_key=new_key,
                  request_key_id=request_key_id)  # fmt: skip


def _approve(svc: Service, me: Principal, request_id: int) -> Message:
    outcome, issues = admin_approvals.approve(svc.engine, me, request_id, svc.now())
    if issues:
        raise refusal_of(issues)
    assert outcome is not None
    svc.tokens.forget()
    values: dict[str, object] = {"id": Verbatim(str(request_id)),
                                 "username": Verbatim(outcome.username)}  # fmt: skip
    if outcome.temporary_password is None and outcome.totp_secret is None:
        return "request {id} approved: the rights of {username} are set", values
    if outcome.temporary_password is None:
        return ("request {id} approved: new one-time code secret of {username} (shown once): "
                "{secret}; enrolment URI: {uri}", values | {
                    "secret": Secret(outcome.totp_secret or ""),
                    "uri": Secret(outcome.totp_uri or "")})  # fmt: skip
    return ("request {id} approved: user {username} added; temporary password (shown once): "
            "{password}; one-time code secret (shown once): {secret}; enrolment URI: {uri}",
            values | {"password": Secret(outcome.temporary_password),
                      "secret": Secret(outcome.totp_secret or ""),
                      "uri": Secret(outcome.totp_uri or "")})  # fmt: skip


def _reject(svc: Service, me: Principal, request_id: int) -> Message:
    issues = admin_approvals.reject(svc.engine, me, request_id, svc.now())
    if issues:
        raise refusal_of(issues)
    return "request {id} rejected", {"id": Verbatim(str(request_id))}


@router.post(PAGE + "/{request_id}/{decision}", response_class=HTMLResponse)
async def decide(
    request_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    decision: Annotated[str, Path(pattern="^(approve|reject)$")],
    request: Request, svc: ServiceDep, who: VisitorDep,
) -> Response:  # fmt: skip
    """Approve (as the second administrator) or reject a request."""
    me = who.principal
    if me is not None and not allowed(who, {Role.ADMINISTRATOR}):
        return _forbidden(request, svc, who)
    run = _approve if decision == "approve" else _reject
    return await web_write(request, svc, who, f"admin_request_{decision}", str(request_id),
                           lambda _form, me: run(svc, me, request_id),
                           key_input=request_key_id(request_id), key_required=True,
                           trigger=f"{REQUESTS_CHANGED}, {USERS_CHANGED}")  # fmt: skip
