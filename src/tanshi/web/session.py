"""Web sessions: the session cookie, who is logged in, and CSRF tokens on every form."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request

from tanshi.api.context import Service
from tanshi.services import credentials
from tanshi.services.principals import Principal
from tanshi.web.i18n import choose

SESSION_COOKIE = "tanshi_session"
LOGIN_CSRF_COOKIE = "tanshi_login_csrf"
LANG_COOKIE = "tanshi_lang"


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who is looking at a page: a logged-in principal (with the session's CSRF token) or not."""

    principal: Principal | None
    csrf: str
    locale: str


def visitor(request: Request, svc: Service) -> Visitor:
    raw = request.cookies.get(SESSION_COOKIE)
    found = credentials.session_of(svc.engine, raw, svc.now()) if raw else None
    if found is not None:
        principal, csrf = found
        return Visitor(principal, csrf, principal.locale)
    locale = choose(request.headers.get("accept-language"), request.cookies.get(LANG_COOKIE),
                    svc.settings.default_locale)  # fmt: skip
    return Visitor(None, request.cookies.get(LOGIN_CSRF_COOKIE) or "", locale)


def csrf_ok(expected: str, sent: str | None) -> bool:
    """The form's token matches the session's (or the login cookie's), compared in constant time."""
    return bool(expected) and bool(sent) and secrets.compare_digest(expected, str(sent))
