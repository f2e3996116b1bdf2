"""The whole service: the web pages, the static files and the API under one application."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tanshi.api.app import BodyLimit, create_api
from tanshi.api.context import Service
from tanshi.web import company, pages, regulator


def create_app(service: Service) -> FastAPI:
    """The API (``/v1``, ``/openapi.json``) plus the web UI (``/``), with a body-size limit."""
    app = create_api(service)
    app.mount("/static", StaticFiles(directory=str(files("tanshi.web") / "static")), name="static")
    for router in (pages.router, regulator.router, company.router):
        app.include_router(router)
    app.add_middleware(BodyLimit, limit=service.settings.max_body_bytes)
    return app
