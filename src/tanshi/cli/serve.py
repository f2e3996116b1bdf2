"""``tanshi serve``: the web UI and the REST API over the current database (uvicorn)."""

from __future__ import annotations

import binascii
import os
from typing import Annotated

import pyotp
import typer

from tanshi.cli.common import fail, open_or_exit
from tanshi.core.errors import TanshiError
from tanshi.store.engine import (
    DEFAULT_DATABASE_TEXT,
    ENV_DATABASE_URL,
    database_url,
    printable_url,
)

ENV_CLOCK = "TANSHI_CLOCK"


def served_url(db: str | None, configured: str | None = None) -> str:
    """The database ``tanshi serve`` (and ``tanshi user``) use: ``--db``, else the configured
    URL, else every command's default (``database_url``)."""
    return database_url(db or configured or None)


def serve_command(
    db: Annotated[
        str | None,
        typer.Option(help=f"SQLite file or database URL; default: {DEFAULT_DATABASE_TEXT}"),
    ] = None,
    host: Annotated[str | None, typer.Option(help="address; default $TANSHI_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="port; default $TANSHI_PORT or 8000")] = None,
    clock: Annotated[
        str | None,
        typer.Option(help="run the service's clock from this ISO moment, e.g. "
                     "2017-06-12T10:00+08:00 (default: $TANSHI_CLOCK, else real time)"),
    ] = None,
    demo_clock: Annotated[
        bool,
        typer.Option("--demo-clock", help="run the clock from the demo database's own moment, "
                     "when every role's task is open (deadlines ahead, the exchange trading)"),
    ] = False,
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="server processes; default $TANSHI_WORKERS or 1 (more: PostgreSQL)",
    )] = None,
) -> None:  # fmt: skip
    """Start the web UI and the REST API (http://127.0.0.1:8000, API under /v1, /openapi.json)."""
    # Imported here so that other commands do not pay for loading the web stack.
    import uvicorn  # noqa: PLC0415

    from tanshi.api.app import make_service  # noqa: PLC0415
    from tanshi.api.clock import real_time, service_clock  # noqa: PLC0415
    from tanshi.api.release_loop import ReleaseLoop  # noqa: PLC0415
    from tanshi.api.settings import Settings  # noqa: PLC0415
    from tanshi.services.demo_clock import demo_moment  # noqa: PLC0415
    from tanshi.web.app import create_app, settle_start_up_objects  # noqa: PLC0415

    settings = Settings()
    url = served_url(db, settings.database_url)
    engine = open_or_exit(url, create=True)  # serving a new database starts it
    settings = settings.model_copy(update={
        "database_url": url, **({"host": host} if host else {}), **({"port": port} if port else {}),
        **({"clock": clock} if clock is not None else {}), **({"clock": "demo"} if demo_clock else {}),
        **({"workers": workers} if workers else {}),
    })  # fmt: skip
    if settings.workers > 1 and not url.startswith("postgresql"):
        raise fail("--workers above 1 needs PostgreSQL: SQLite has one writer at a time", 2)
    try:
        shifted = service_clock(settings.clock, settings.clock_runs, engine)
    except TanshiError as error:  # a --clock that is not a moment, or no demo to run on: one line
        raise fail(str(error), 2) from error
    past_demo = shifted is None and demo_moment(engine) is not None
    engine.dispose()  # opened to migrate and check; the service opens its own, sized pool
    try:  # seals TOTP secrets, so it needs the key (services/secret_box.py)
        service = make_service(settings, clock=shifted or real_time)
    except TanshiError as error:  # no key, or the wrong key, to seal secrets with: one line
        raise fail(str(error), 2) from error
    typer.echo(f"tanshi on http://{settings.host}:{settings.port}/ over {printable_url(url)}")
    if shifted is not None:
        runs = "running on from there" if settings.clock_runs else "standing still"
        typer.echo(f"service clock: {shifted.label()} ({runs}); one-time codes use the real time")
    elif past_demo:
        typer.echo("this is a demo database whose year is past, served on the real clock: its "
                   "deadlines have passed and its exchange is shut; serve it with --demo-clock")  # fmt: skip
    loop = None
    if settings.release_every_seconds > 0:
        loop = ReleaseLoop(service, settings.release_every_seconds).start()
    try:
        if settings.workers > 1:
            # Each worker process builds its service from the environment; this one runs only
            # the release loop. A worker loads the whole web stack: more than uvicorn's 5 s.
            os.environ[ENV_DATABASE_URL] = url
            os.environ[ENV_CLOCK] = settings.clock
            uvicorn.run("tanshi.web.app:app_from_environment", factory=True,
                        workers=settings.workers, host=settings.host, port=settings.port,
                        log_level="info", timeout_worker_healthcheck=60)  # fmt: skip
        else:
            app = create_app(service)
            settle_start_up_objects()
            uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
    finally:
        if loop is not None:
            loop.stop()


def totp_command(
    secret: Annotated[str, typer.Argument(help="a base32 TOTP secret, e.g. a demo user's")],
) -> None:
    """Print the current one-time code of a TOTP secret (for trying the demo users)."""
    cleaned = "".join(secret.split()).upper()  # authenticator apps show it in groups
    try:
        code = pyotp.TOTP(cleaned).now() if cleaned else None
    except (binascii.Error, ValueError):  # not base32, or shorter than pyotp's 112 bits
        code = None
    if code is None:
        raise fail(
            f"{secret!r} is not a TOTP secret: a secret is base32 (the letters A-Z and the "
            "digits 2-7), at least 23 characters, e.g. JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP. "
            "`tanshi demo` prints each demo user's secret beside the password; `tanshi user "
            "add` and `tanshi user reset-second-factor` print a user's enrolment URI, whose "
            "secret=… is it",
            2,
        )
    typer.echo(code)
