"""Logging in and out, the language switch, the home redirect and the public pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tanshi.api.clock import totp_moment
from tanshi.api.context import ServiceDep, client_address
from tanshi.api.limits import PASSWORD_CHARS, TOTP_CHARS, USERNAME_CHARS
from tanshi.api.routers.compliance import covered_before_deadline
from tanshi.services import access_log, authentication, credentials, identity, publication, views
from tanshi.web.common import VisitorDep, year_shown
from tanshi.web.i18n import LOCALES
from tanshi.web.refusals import explain
from tanshi.web.render import ACCOUNT_PAGE, HOME, render
from tanshi.web.session import LANG_COOKIE, SESSION_COOKIE, csrf_ok

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None, fallback: str) -> str:
    """Only local paths, with their query: never redirect to another site after login or a
    language switch. ``//host`` and ``https://host`` leave the site; browsers also drop tabs
    and newlines and read a backslash as a slash, so those and spaces are refused too."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and all(ch > " " and ch != "\x7f" for ch in target)
    ):
        return target
    return fallback


@router.get("/")
def home(who: VisitorDep) -> RedirectResponse:
    role = who.principal.role if who.principal else None
    return RedirectResponse(HOME[role], status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, svc: ServiceDep, who: VisitorDep,
               next: Annotated[str | None, Query(max_length=200)] = None) -> Response:  # fmt: skip
    return render(request, svc, who, "login.html", next=_safe_next(next, ""), problem=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request, svc: ServiceDep, who: VisitorDep,
    username: Annotated[str, Form(max_length=USERNAME_CHARS)] = "",
    password: Annotated[str, Form(max_length=PASSWORD_CHARS)] = "",
    totp: Annotated[str, Form(max_length=TOTP_CHARS)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=200)] = "",
) -> Response:  # fmt: skip
    address = client_address(request)
    if not csrf_ok(who.csrf, csrf_token):
        return render(request, svc, who, "login.html", 403, next=next,
                      problem="the form's security token is missing or stale: reload the page")  # fmt: skip
    if not svc.throttle.allow(address):
        return render(request, svc, who, "login.html", 429, next=next,
                      problem="too many login attempts; wait a minute")  # fmt: skip
    now = svc.now()
    principal, problem = authentication.authenticate(
        svc.engine, username, password, totp or None, now, svc.policy, totp_at=totp_moment(svc)
    )
    if principal is None:
        assert problem is not None
        access_log.audit(svc.engine, None, "login", username, address, problem.code, now,
                       {"via": "web"})  # fmt: skip
        shown = explain(problem.code) or problem.message
        return render(request, svc, who, "login.html", 401, next=next, problem=shown,
                      problem_detail=problem.message if problem.message != shown else None)  # fmt: skip
    raw, _csrf = credentials.open_session(
        svc.engine, principal, now, timedelta(hours=svc.settings.session_hours)
    )
    access_log.audit(svc.engine, principal, "login", username, address, "ok", now, {"via": "web"})
    home = (
        ACCOUNT_PAGE if principal.must_change_password else _safe_next(next, HOME[principal.role])
    )
    response = RedirectResponse(home, status_code=303)
    response.set_cookie(SESSION_COOKIE, raw, httponly=True, samesite="lax",
                        secure=svc.settings.cookie_secure,
                        max_age=svc.settings.session_hours * 3600)  # fmt: skip
    return response


@router.post("/logout")
def logout(request: Request, svc: ServiceDep, who: VisitorDep,
           csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:  # fmt: skip
    raw = request.cookies.get(SESSION_COOKIE)
    if who.principal is not None and raw and csrf_ok(who.csrf, csrf_token):
        credentials.close_session(svc.engine, raw, svc.now())
        access_log.audit(svc.engine, who.principal, "logout", who.principal.username,
                       client_address(request), "ok", svc.now())  # fmt: skip
    response = RedirectResponse("/public", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/lang")
def language(request: Request, svc: ServiceDep, who: VisitorDep,
             to: Annotated[str, Form(max_length=5)] = "zh",
             csrf_token: Annotated[str, Form(max_length=100)] = "",
             back: Annotated[str, Form(max_length=2000)] = "/") -> Response:  # fmt: skip
    """Switch the language: stored on the user once logged in, else in a cookie."""
    if to not in LOCALES or not csrf_ok(who.csrf, csrf_token):
        return render(request, svc, who, "result.html", 403, ok=False, code="csrf_token_invalid",
                      message="the form's security token is missing or stale: reload the page")  # fmt: skip
    if who.principal is not None:
        identity.set_locale(svc.engine, who.principal.user_id, to)
    response = RedirectResponse(_safe_next(back, "/"), status_code=303)
    response.set_cookie(LANG_COOKIE, to, samesite="lax", max_age=365 * 24 * 3600)
    return response


@router.get("/public", response_class=HTMLResponse)
def public(request: Request, svc: ServiceDep, who: VisitorDep,
           year: Annotated[int | None, Query(ge=1990, le=2200)] = None) -> Response:  # fmt: skip
    """The registry's public compliance table and holdings by account kind."""
    shown = year_shown(svc, year)
    table = views.compliance_table(svc.engine, shown, limit=500) if shown else None
    # Before the deadline the registry publishes who is covered, not their figures: no
    # [[publication]] rule makes a company's emissions or surrenders public before then.
    before = covered_before_deadline(svc, shown) if shown else []
    return render(request, svc, who, "public.html", year=shown,
                  years=views.compliance_years(svc.engine), table=table, before=before,
                  holdings=publication.holdings_by_kind(svc.engine))  # fmt: skip
