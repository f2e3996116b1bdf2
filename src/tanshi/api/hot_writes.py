"""The hottest write, ``POST /v1/transfers``, handed to its route function before FastAPI routes it.

A transfer proposal spent about a fifth of its server CPU in FastAPI's routing through the
included routers, solving its dependencies and wrapping the request and response (the
profile in docs/api-performance.md). On PostgreSQL, ``HotWrites`` takes a request that
FastAPI would accept as far as the dependencies go: a JSON body that ``TransferIn``
validates and a valid ``Idempotency-Key``; it then runs the same ``BearerToken`` of the
propose scope and calls the route function ``routers.proposals.transfer`` itself, in the
thread pool, rendering an ``ApiError`` as the app does. Any other request (no or another
content type, a body that does not validate, a missing key) goes on to FastAPI with its body
replayed, so that every refusal keeps FastAPI's answer and precedence (the key's 400, then
the token's 401/403, then the body's 422). The route stays the OpenAPI declaration and
answers on SQLite; tests/api/test_hot_writes.py requires the same answers both ways.

It sits next to ``HotReads``, inside the body limit, security headers and 500 handler.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from tanshi.api.context import Service, idempotency_key, needs
from tanshi.api.errors import ApiError, error_response
from tanshi.api.models import TransferIn
from tanshi.api.routers.proposals import transfer
from tanshi.services.principals import Scope

_PATH = "/v1/transfers"
_proposer = needs(Scope.PROPOSE)


class HotWrites:
    """ASGI middleware: ``POST /v1/transfers`` of ``service`` on PostgreSQL."""

    def __init__(self, app: Any, service: Service) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if not (
            scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == _PATH
            and not scope.get("root_path") and self.service.reads is not None
        ):  # fmt: skip
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        raw = await request.body()
        accepted = await _accepted(request, raw)
        if accepted is None:
            await self.app(scope, _replay(raw, receive), send)
            return
        body, key = accepted
        try:
            who = await _proposer(request)
            response = await run_in_threadpool(transfer, body, request, key, who)
        except ApiError as error:
            response = error_response(error)
        await response(scope, receive, send)


async def _accepted(request: Request, raw: bytes) -> tuple[TransferIn, str] | None:
    """The body and key if FastAPI would accept both; None to let FastAPI answer."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/json":
        return None
    try:
        key = await idempotency_key(request.headers.get("idempotency-key"))
        return TransferIn.model_validate(json.loads(raw)), key
    except (ApiError, ValueError):  # ValidationError and JSONDecodeError are ValueErrors
        return None


def _replay(raw: bytes, receive: Any) -> Any:
    """``receive`` that gives the body read already, then whatever comes next."""
    pending = [{"type": "http.request", "body": raw, "more_body": False}]

    async def replayed() -> dict:
        return pending.pop() if pending else await receive()

    return replayed
