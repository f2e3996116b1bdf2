"""The API application: /v1 routers, one error shape, a body-size limit, OpenAPI 3.1."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI
from sqlalchemy import Engine

from tanshi import __version__
from tanshi.api import errors
from tanshi.api.clock import real_time
from tanshi.api.context import Clock, Service
from tanshi.api.hot_reads import HotReads
from tanshi.api.hot_writes import HotWrites
from tanshi.api.routers import ROUTERS
from tanshi.api.settings import Settings
from tanshi.services import secret_box
from tanshi.store.async_reads import AsyncReads
from tanshi.store.engine import database_url, open_database
from tanshi.store.notifications import reaches_other_processes

API_PREFIX = "/v1"


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes gets 413 before a route reads it."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, send)
            return
        seen = 0

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(scope, send)

    async def _refuse(self, scope: dict, send: Any) -> None:
        body = errors.ApiError(
            413, "payload_too_large", f"request bodies are limited to {self.limit} bytes"
        ).body()
        payload = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
        ]})  # fmt: skip
        await send({"type": "http.response.body", "body": payload})


class _TooLarge(Exception):
    pass


def make_service(settings: Settings, engine: Engine | None = None,
                 clock: Clock = real_time) -> Service:  # fmt: skip
    """The shared state of a running service; opens (and migrates) the database if needed.

    Seals the TOTP secrets stored before sealing or under an earlier key, and so refuses to
    start (``secret_box.SecretKeyMissing``/``SecretKeyMismatch``) without the right key.
    """
    if engine is None:
        url = database_url(settings.database_url or None)
        engine = open_database(url, pool_size=settings.db_pool_size)
    secret_box.reseal(engine)
    return Service(engine, settings, clock)


def _lifespan(service: Service):
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Sync routes run in anyio's thread pool (40 threads by default). More threads than
        # database connections only queue for the pool while contending for the GIL.
        size = service.settings.db_pool_size
        to_thread.current_default_thread_limiter().total_tokens = size
        if service.engine.dialect.name == "postgresql":
            service.reads = AsyncReads(service.engine, size)
        if reaches_other_processes(service.engine):
            service.revocations = service.tokens.listener()
            await to_thread.run_sync(service.revocations.start)
        try:
            yield
        finally:
            if service.revocations is not None:
                await to_thread.run_sync(service.revocations.stop)
                service.revocations = None
            if service.reads is not None:
                await service.reads.close()
                service.reads = None

    return lifespan


def create_api(service: Service) -> FastAPI:
    """The API as its own app (the web UI mounts it, see tanshi.web.app)."""
    api = FastAPI(
        title="tanshi API",
        version=__version__,
        description=(
            "The REST API of tanshi (碳市), a carbon emissions trading system: registry "
            "accounts, holdings, transactions, proposals with four-eyes approval, surrender "
            "and compliance. Authenticate with `Authorization: Bearer <token>` (POST "
            "/v1/auth/tokens); send an `Idempotency-Key` header with every write. Errors "
            "have one shape: `{error: {code, message, field, details}}`. See docs/api.md."
        ),
        openapi_url="/openapi.json",
        docs_url=None,  # Swagger UI loads from a CDN; the document is at /openapi.json
        redoc_url=None,
        responses=errors.ERROR_RESPONSES,
        lifespan=_lifespan(service),
    )
    api.state.service = service
    errors.install(api)
    for router in ROUTERS:
        api.include_router(router, prefix=API_PREFIX)
    api.add_middleware(HotReads, service=service)  # the hottest reads, on PostgreSQL
    api.add_middleware(HotWrites, service=service)  # and the hottest write
    return api
