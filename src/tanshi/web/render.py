"""Rendering pages: the Jinja2 environment, the language, the navigation, CSRF cookies."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from tanshi.api import limits
from tanshi.api.clock import ShiftedClock
from tanshi.api.context import Service
from tanshi.services.principals import Role
from tanshi.web.formats import FILTERS, display_zone
from tanshi.web.i18n import LANGUAGE_NAMES, translator, written_in
from tanshi.web.labels import is_subject, label
from tanshi.web.problems import problem, where
from tanshi.web.sentences import memo, said
from tanshi.web.session import LOGIN_CSRF_COOKIE, Visitor

environment = Environment(
    loader=PackageLoader("tanshi.web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["label"] = label  # a code's name in the page's language (labels.py)
environment.tests["subject"] = is_subject  # a code of the parameter table's fuels (labels.py)
environment.filters["written_in"] = written_in  # the language of a text quoted as written (i18n.py)
environment.filters.update(FILTERS)  # numbers and moments as pages write them (formats.py)
environment.filters["memo"] = memo  # the services' memos in the page's language (sentences.py)
environment.filters["said"] = said  # a result's message, a msgid or an API sentence (sentences.py)
environment.filters["problem"] = problem  # an Issue's message in the page's language (problems.py)
environment.filters["where"] = where  # and its location
# How long each free text may be, as the API and the form's handler refuse it (api/limits.py),
# for the forms' maxlength: ``maxlength="{{ limits.MEMO_CHARS }}"``.
environment.globals["limits"] = limits

# Pages each role sees in the navigation: (path, label).
NAVIGATION: dict[Role | None, list[tuple[str, str]]] = {
    None: [("/public", "Public compliance table"), ("/login", "Log in")],
    Role.REGULATOR: [("/regulator", "Regulator"),
                     ("/regulator/verification", "Verification progress"),
                     ("/approvals", "Approvals"),
                     ("/accounts", "Accounts"), ("/public", "Public table")],
    Role.COMPLIANCE_OFFICER: [("/company", "My company"),
                              ("/reports", "Reports"),
                              ("/approvals", "Approvals"),
                              ("/public", "Public table")],
    Role.TRADER: [("/accounts", "My accounts"), ("/approvals", "Approvals"),
                  ("/public", "Public table")],
    Role.EXCHANGE_OPERATOR: [("/accounts", "My accounts"), ("/approvals", "Approvals"),
                             ("/public", "Public table")],
    Role.VERIFIER: [("/verifier", "Verification"), ("/public", "Public table")],
    Role.AUDITOR: [("/regulator", "Regulator"),
                   ("/regulator/verification", "Verification progress"),
                   ("/audit", "Audit log"),
                   ("/public", "Public table")],
    Role.ADMINISTRATOR: [("/admin/users", "Users"), ("/audit", "Audit log"),
                         ("/accounts", "Accounts"), ("/public", "Public table")],
}  # fmt: skip
# The exchange's pages, kept apart from the table above: trading for roles that trade or run
# the exchange, market data for everyone.
for _role in (Role.TRADER, Role.COMPLIANCE_OFFICER, Role.EXCHANGE_OPERATOR):
    _first = _role in (Role.TRADER, Role.EXCHANGE_OPERATOR)  # the book: the operator's desk
    NAVIGATION[_role].insert(0 if _first else 1, ("/trade", "Trading"))
for _pages in NAVIGATION.values():
    _pages.insert(len(_pages) - 1, ("/market", "Market data"))
# Allocation and auctions beside the regulator's page; cash for those who hold or watch money.
for _role in (Role.REGULATOR, Role.AUDITOR):
    NAVIGATION[_role].insert(1, ("/regulator/allocation", "Allocation and auctions"))
# The registry's controls (freeze orders, waivers, transfers waiting) for who oversees them.
for _role in (Role.REGULATOR, Role.AUDITOR):
    NAVIGATION[_role].insert(2, ("/regulator/registry", "Registry controls"))
for _role in (Role.COMPLIANCE_OFFICER, Role.TRADER, Role.EXCHANGE_OPERATOR, Role.REGULATOR,
              Role.AUDITOR):  # fmt: skip
    NAVIGATION[_role].insert(len(NAVIGATION[_role]) - 2, ("/cash", "Cash and settlement"))

HOME = {
    None: "/public",
    Role.REGULATOR: "/regulator",
    Role.COMPLIANCE_OFFICER: "/company",
    Role.TRADER: "/accounts",
    Role.EXCHANGE_OPERATOR: "/trade",
    Role.VERIFIER: "/verifier",
    Role.AUDITOR: "/regulator",
    Role.ADMINISTRATOR: "/admin/users",
}
ACCOUNT_PAGE = "/account"  # every logged-in user's own page: password, second factor


def _here(request: Request) -> str:
    """The page's path with its query, where the language switch comes back to."""
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


def render(
    request: Request, svc: Service, visitor: Visitor, template: str, http_status: int = 200,
    **context: Any,
) -> HTMLResponse:  # fmt: skip
    """A page (or an htmx fragment) in the visitor's language.

    A result (``result.html``, a fragment htmx swaps into the page) asked for by a browser
    itself, not htmx, comes in the site's layout with a link home: an error page."""
    if template == "result.html" and not request.headers.get("hx-request"):
        template = "result_page.html"
    csrf, new_cookie = visitor.csrf, None
    if visitor.principal is None and not csrf:
        csrf = new_cookie = secrets.token_urlsafe(32)
    role = visitor.principal.role if visitor.principal else None
    clock = svc.clock.label() if isinstance(svc.clock, ShiftedClock) else None
    html = environment.get_template(template).render(
        _=translator(visitor.locale), locale=visitor.locale, languages=LANGUAGE_NAMES,
        me=visitor.principal, csrf=csrf, navigation=NAVIGATION[role], path=request.url.path,
        back_to=_here(request), service_clock=clock, account_page=ACCOUNT_PAGE,
        home_page=HOME[role], **{"zone": display_zone(svc, visitor), **context},
    )  # fmt: skip
    response = HTMLResponse(html, status_code=http_status)
    if new_cookie:
        response.set_cookie(LOGIN_CSRF_COOKIE, new_cookie, httponly=True, samesite="strict",
                            secure=svc.settings.cookie_secure)  # fmt: skip
    return response
