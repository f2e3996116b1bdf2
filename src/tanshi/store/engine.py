"""Opening the database: which URL, SQLite connection settings, reads apart, and migration."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError

from tanshi.core.errors import TanshiError

DEFAULT_SQLITE_FILE = "tanshi.sqlite"
# What `tanshi demo` (and so `make demo`) writes; every command defaults to it once it exists.
DEMO_SQLITE_FILE = Path("tanshi-demo") / "demo.sqlite"
DEFAULT_DATABASE_TEXT = (
    "$TANSHI_DATABASE_URL, else ./tanshi-demo/demo.sqlite if it exists, else ./tanshi.sqlite"
)
IDLE_PING_SECONDS = 10.0
ENV_DATABASE_URL = "TANSHI_DATABASE_URL"
# The read-only companion of each SQLite engine that make_engine opened on a file.
_READERS: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def database_url(db: str | None = None, default_path: Path | None = None) -> str:
    """The database to use: ``--db`` (a path or URL), else TANSHI_DATABASE_URL, else SQLite.

    The SQLite default is ``default_path``, else the demo's database in the working directory
    (``tanshi-demo/demo.sqlite``) if it exists, else ``tanshi.sqlite`` there — the same for
    every command and ``tanshi serve``, so they work on the demo without ``--db``.
    """
    if db:
        return db if "://" in db else f"sqlite:///{Path(db).expanduser()}"
    from_env = os.environ.get(ENV_DATABASE_URL, "").strip()
    if from_env:
        return normalise_url(from_env)
    return f"sqlite:///{default_path or default_sqlite_path()}"


def default_sqlite_path() -> Path:
    """``tanshi-demo/demo.sqlite`` if ``tanshi demo`` wrote it here, else ``tanshi.sqlite``."""
    return DEMO_SQLITE_FILE if DEMO_SQLITE_FILE.exists() else Path(DEFAULT_SQLITE_FILE)


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


def _configure_sqlite(engine: Engine, *, read_only: bool = False) -> None:
    pragmas = ["foreign_keys=ON", "journal_mode=WAL", "busy_timeout=10000"]
    if read_only:
        pragmas.append("query_only=ON")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    # A writer takes the write lock when its transaction starts, so a read-check-write in
    # the registry cannot interleave with another writer. A reader's deferred BEGIN takes no
    # lock: in WAL mode it reads one snapshot (from its first read) beside the writer; being
    # query_only it cannot ask for the write lock later (SQLITE_BUSY_SNAPSHOT), a write fails.
    begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


def _sqlite_engine(url: str, pool_size: int | None, *, read_only: bool = False) -> Engine:
    # The file's pool; sized like PostgreSQL's for the service, SQLAlchemy's 5 + 10 otherwise.
    sized = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": pool_size}
    engine = create_engine(url, **sized)
    _configure_sqlite(engine, read_only=read_only)
    return engine


def reader(engine: Engine) -> Engine:
    """The engine to read with: on a SQLite file, ``engine``'s read-only companion (deferred
    BEGIN, ``query_only``), which does not wait for the write lock; else ``engine`` itself.

    Only for work that writes nothing: a write through it fails ("attempt to write a
    readonly database"). It does not see ``engine``'s uncommitted writes.
    """
    return _READERS.get(engine, engine)


def reading(engine: Engine) -> Connection:
    """A connection for reads (``reader``); in autocommit on PostgreSQL, saving BEGIN and
    ROLLBACK trips.

    Each statement then sees its own snapshot: a page's count and rows may differ by the
    writes in between, which lists tolerate. (On SQLite the connection's statements share
    one snapshot until it closes.)
    """
    connection = reader(engine).connect()
    if engine.dialect.name == "postgresql":
        connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection


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

    ``pool_size`` (a long-running service) keeps that many connections in the pool and
    allows as many again in a burst (on PostgreSQL, checking only connections that sat
    idle); without it every PostgreSQL checkout is pinged. A SQLite file also gets a
    read-only companion engine with a pool of the same size (``reader``).
    """
    url = normalise_url(url)
    if not url.startswith(("sqlite:", "sqlite+pysqlite:", "postgresql+psycopg:")):
        raise TanshiError(
            f"unsupported database URL {printable_url(url)}: tanshi runs on SQLite "
            "(a file path or sqlite:///path) or PostgreSQL (postgresql://user@host/db)"
        )
    if url.startswith("sqlite"):
        path = make_url(url).database
        if not path or path == ":memory:":
            return _sqlite_engine(url, None)  # one connection per thread: no companion
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = _sqlite_engine(url, pool_size)
        companion = _sqlite_engine(url, pool_size, read_only=True)
        _READERS[engine] = companion
        event.listen(engine, "engine_disposed", lambda _engine: companion.dispose())
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
