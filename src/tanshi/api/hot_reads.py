"""The two hottest reads, an account and its holdings, answered before FastAPI routes them.

A holdings read spent more CPU in FastAPI (routing through the included routers, solving the
token dependency, the request and response wrappers) than in its own work: token check,
query and answer. On PostgreSQL, ``HotReads`` answers ``GET /v1/accounts/{code}`` and
``GET /v1/accounts/{code}/holdings`` itself with the same pieces as the routes in
routers/accounts.py: the ``BearerToken`` of the read scope; ``account_answer`` and
``holdings_answer`` (visibility and one query on the event loop, 404 when hidden); the
routes' response models to validate and serialise the answer; ``errors.error_response`` for
a refusal. Those routes stay: they declare the reads in the OpenAPI document and answer
them on SQLite. tests/api/test_hot_reads.py asserts that both give the same answers, byte
for byte.

It sits inside the app's other middleware (body limit, security headers, the 500 handler),
so those apply as to any route; anything else, or a mounted app (``root_path``), goes on to
FastAPI. One difference shows only where OpenTelemetry is configured: FastAPI's request span
of a hot read carries no route and no endpoint or dependency spans.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.responses import Response

from tanshi.api.context import Service, needs
from tanshi.api.errors import ApiError, error_response
from tanshi.api.models import AccountDetail, HoldingOut
from tanshi.api.routers.accounts import account_answer, holdings_answer
from tanshi.services.principals import Scope

_ACCOUNT = re.compile(r"/v1/accounts/([^/]+)")  # ``{code}`` matches as FastAPI's path does
_HOLDINGS = re.compile(r"/v1/accounts/([^/]+)/holdings")
_ACCOUNT_MODEL = TypeAdapter(AccountDetail)
_HOLDINGS_MODEL = TypeAdapter(list[HoldingOut])
_reader = needs(Scope.READ)


class HotReads:
    """ASGI middleware: the account and holdings reads of ``service`` on PostgreSQL."""

    def __init__(self, app: Any, service: Service) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if (
            scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path")
            and self.service.reads is not None  # PostgreSQL, once the app has started
        ):  # fmt: skip
            path = scope["path"]
            if (found := _HOLDINGS.fullmatch(path)) is not None:
                response = await self._answer(Request(scope, receive), found[1], holdings=True)
                await response(scope, receive, send)
                return
            if (found := _ACCOUNT.fullmatch(path)) is not None:
                response = await self._answer(Request(scope, receive), found[1], holdings=False)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _answer(self, request: Request, code: str, *, holdings: bool) -> Response:
        try:
            who = await _reader(request)
            if holdings:
                found = await holdings_answer(self.service, who, code)
                body = _HOLDINGS_MODEL.dump_json(_HOLDINGS_MODEL.validate_python(found))
            else:
                account = await account_answer(self.service, who, code)
                body = _ACCOUNT_MODEL.dump_json(_ACCOUNT_MODEL.validate_python(account))
        except ApiError as error:
            return error_response(error)
        return Response(body, media_type="application/json")
