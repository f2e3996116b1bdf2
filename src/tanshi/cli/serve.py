"""``tanshi serve``: the web UI and the REST API over the current database (uvicorn)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import pyotp
import typer

from tanshi.cli.common import fail, open_or_exit
from tanshi.store.engine import ENV_DATABASE_URL, database_url, printable_url


def serve_command(
    db: Annotated[
        str | None,
        typer.Option(help="SQLite file or database URL; default: $TANSHI_DATABASE_URL, else "
                     "./tanshi-demo/demo.sqlite if it exists, else ./tanshi.sqlite"),
    ] = None,
    host: Annotated[str | None, typer.Option(help="address; default $TANSHI_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="port; default $TANSHI_PORT or 8000")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="server processes; default $TANSHI_WORKERS or 1 (more: PostgreSQL)",
    )] = None,
) -> None:  # fmt: skip
    """Start the web UI and the REST API (http://127.0.0.1:8000, API under /v1, /openapi.json)."""
    # Imported here so that other commands do not pay for loading the web stack.
    import uvicorn  # noqa: PLC0415

    from tanshi.api.app import make_service  # noqa: PLC0415
    from tanshi.api.settings import Settings  # noqa: PLC0415
    from tanshi.web.app import create_app  # noqa: PLC0415

    settings = Settings()
    demo = Path("tanshi-demo/demo.sqlite")
    url = database_url(db or settings.database_url or None,
                       demo if demo.exists() else Path("tanshi.sqlite"))  # fmt: skip
    engine = open_or_exit(url)
    settings = settings.model_copy(update={
        "database_url": url, **({"host": host} if host else {}), **({"port": port} if port else {}),
        **({"workers": workers} if workers else {}),
    })  # fmt: skip
    engine.dispose()  # opened to migrate and check; the service opens its own pool
    if settings.workers > 1 and not url.startswith("postgresql"):
        raise fail("--workers above 1 needs PostgreSQL: SQLite has one writer at a time", 2)
    typer.echo(f"tanshi on http://{settings.host}:{settings.port}/ over {printable_url(url)}")
    if settings.workers > 1:
        # Each worker process builds its service from the environment.
        os.environ[ENV_DATABASE_URL] = url
        # A worker loads the whole web stack: give it more than uvicorn's 5 s to start.
        uvicorn.run("tanshi.web.app:app_from_environment", factory=True,
                    workers=settings.workers, host=settings.host, port=settings.port,
                    log_level="info", timeout_worker_healthcheck=60)  # fmt: skip
        return
    app = create_app(make_service(settings))
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")


def totp_command(
    secret: Annotated[str, typer.Argument(help="a base32 TOTP secret, e.g. a demo user's")],
) -> None:
    """Print the current one-time code of a TOTP secret (for trying the demo users)."""
    typer.echo(pyotp.TOTP(secret).now())
