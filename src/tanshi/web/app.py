"""The whole service: the web pages, the static files and the API under one application."""

from __future__ import annotations

import gc
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from tanshi.api.app import create_api, make_service
from tanshi.api.clock import service_clock
from tanshi.api.context import Service
from tanshi.api.settings import Settings
from tanshi.web import (
    account,
    account_controls,
    account_limits,
    admin,
    admin_requests,
    allocation,
    auction_bids,
    auction_desk,
    cash,
    company,
    errors,
    mrv,
    pages,
    public_auctions,
    public_log,
    registry_desk,
    regulator,
    statements,
    surveillance,
    trading,
)
from tanshi.web.common import PasswordChangeRequired
from tanshi.web.render import ACCOUNT_PAGE, render

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    # No inline scripts anywhere; htmx is a static file. Inline styles stay allowed because
    # htmx adds its indicator style at start-up.
    (b"content-security-policy",
     b"default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
     b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
]  # fmt: skip


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _to_account_page(request: Request, error: PasswordChangeRequired) -> Response:
    """Until a user chooses their own password, pages send them to it; writes are refused."""
    if request.method == "GET" and not request.headers.get("hx-request"):
        return RedirectResponse(ACCOUNT_PAGE, status_code=303)
    return render(request, request.app.state.service, error.visitor, "result.html", 403,
                  ok=False, code="password_change_required",
                  message="an administrator set your password: choose your own first")  # fmt: skip


def create_app(service: Service) -> FastAPI:
    """The API (``/v1``, ``/openapi.json``) plus the web UI (``/``), with a body-size limit."""
    app = create_api(service)
    app.mount("/static", StaticFiles(directory=str(files("tanshi.web") / "static")), name="static")
    for router in (pages.router, regulator.router, company.router,
                   mrv.router, trading.router, allocation.router, cash.router, account.router,
                   admin.router, admin_requests.router, auction_bids.router,
                   auction_desk.router, public_log.router, public_auctions.router,
                   statements.router,
                   account_controls.router, account_limits.router, registry_desk.router,
                   surveillance.router):  # fmt: skip
        app.include_router(router)
    app.add_exception_handler(PasswordChangeRequired, _to_account_page)  # type: ignore[arg-type]  # Starlette calls it only with this exception class
    errors.install(app)
    app.add_middleware(errors.WebBodyLimit, limit=service.settings.max_body_bytes,
                       service=service)  # fmt: skip
    app.add_middleware(SecurityHeaders)
    return app


def app_from_environment() -> FastAPI:
    """The service as configured by ``TANSHI_…`` variables: each worker of ``tanshi serve``."""
    settings = Settings()
    service = make_service(settings)
    shifted = service_clock(settings.clock, settings.clock_runs, service.engine)
    if shifted is not None:
        service.clock = shifted
    app = create_app(service)
    settle_start_up_objects()
    return app


def settle_start_up_objects() -> None:
    """Put what start-up built into the garbage collector's permanent generation.

    A served process holds some 250,000 objects from start-up (modules, routes, templates,
    rulebooks) that live as long as it does; a full collection walked them all, pausing every
    request for about 130 ms each time one ran, which set the write's 99th percentile. Frozen,
    they are no longer walked. Only for a process that serves: called in a test process it
    would keep whatever is alive at that moment for good.
    """
    gc.collect()
    gc.freeze()
