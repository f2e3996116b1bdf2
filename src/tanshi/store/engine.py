"""Opening the database: which URL, SQLite connection settings, and schema migration."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError

from tanshi.core.errors import TanshiError

DEFAULT_SQLITE_FILE = "tanshi.sqlite"
IDLE_PING_SECONDS = 10.0
ENV_DATABASE_URL = "TANSHI_DATABASE_URL"


def database_url(db: str | None = None, default_path: Path | None = None) -> str:
    """The database to use: ``--db`` (a path or URL), else TANSHI_DATABASE_URL, else SQLite.

    The SQLite default is ``tanshi.sqlite`` in the working directory, or ``default_path``.
    """
    if db:
        return db if "://" in db else f"sqlite:///{Path(db).expanduser()}"
    from_env = os.environ.get(ENV_DATABASE_URL, "").strip()
    if from_env:
        return normalise_url(from_env)
    return f"sqlite:///{default_path or Path(DEFAULT_SQLITE_FILE)}"


def normalise_url(url: str) -> str:
    """Point bare ``postgres://`` and ``postgresql://`` URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def printable_url(url: str) -> str:
    """``url`` with any password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
        cursor = dbapi_connection.cursor()
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "busy_timeout=10000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock when the transaction starts, so a read-check-write in the
        # registry cannot interleave with another writer.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection on checkout only if it sat unused ``idle_seconds``.

    ``pool_pre_ping`` costs a round trip on every checkout; a busy service reuses its
    connections within seconds, so only a connection left idle (which a restarted or
    restarting server may have dropped) is checked. A connection that fails the check is
    replaced; one that breaks while in use fails that request and the pool is renewed.
    """

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _mark(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("returned_at", 0.0) < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError(str(error)) from error


def make_engine(url: str, *, pool_size: int | None = None) -> Engine:
    """An engine for ``url`` with the settings tanshi relies on.

    ``pool_size`` (a long-running service) keeps that many PostgreSQL connections open,
    allows as many again in a burst, and checks only connections that sat idle; without it
    every checkout is pinged.
    """
    url = normalise_url(url)
    if not url.startswith(("sqlite:", "sqlite+pysqlite:", "postgresql+psycopg:")):
        raise TanshiError(
            f"unsupported database URL {printable_url(url)}: tanshi runs on SQLite "
            "(a file path or sqlite:///path) or PostgreSQL (postgresql://user@host/db)"
        )
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        _configure_sqlite(engine)
        return engine
    if pool_size is None:
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
    _ping_when_idle(engine, IDLE_PING_SECONDS)
    return engine


def alembic_config() -> Config:
    """Alembic settings pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", "tanshi.store:migrations")
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (run on every start; a no-op when current)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Take the schema back to ``revision``; ``base`` drops every tanshi table."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def open_database(url: str, *, pool_size: int | None = None) -> Engine:
    """An engine on ``url`` whose schema is migrated to the latest revision."""
    engine = make_engine(url, pool_size=pool_size)
    migrate(engine)
    return engine
