"""Shared fixtures: a fresh, migrated database on SQLite and on PostgreSQL for each test.

PostgreSQL is required when TANSHI_REQUIRE_POSTGRES=1 (``make test`` and CI set it): the
run then fails, rather than skips, if the PostgreSQL leg cannot run.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from tanshi.store.engine import make_engine, migrate

PG_ADMIN_URL = os.environ.get(
    "TANSHI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("TANSHI_REQUIRE_POSTGRES", "0") == "1"
# The key TOTP secrets are sealed with (services/secret_box.py): a PostgreSQL database needs
# one configured. tests/services/test_secret_box.py unsets it to try the SQLite key file.
os.environ.setdefault("TANSHI_SECRET_KEY", "dGFuc2hpLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXk=")
_TEMPLATE = f"tanshi_template_{os.getpid()}"
_state: dict[str, object] = {"postgres_tests": 0, "template": None, "sqlite_template": None}


def _admin() -> Engine:
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


def _template() -> str:
    """A migrated database to copy for each test (CREATE DATABASE … TEMPLATE is fast)."""
    if _state["template"] is None:
        admin = _admin()
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{_TEMPLATE}"'))
                connection.execute(text(f'CREATE DATABASE "{_TEMPLATE}"'))
        except OperationalError as error:
            message = f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {error}"
            if REQUIRE_POSTGRES:
                pytest.fail(message + " (TANSHI_REQUIRE_POSTGRES=1: start it, see .ci/run)")
            pytest.skip(message)
        finally:
            admin.dispose()
        engine = make_engine(_pg_url(_TEMPLATE))
        migrate(engine)
        engine.dispose()
        _state["template"] = _TEMPLATE
    return str(_state["template"])


def _sqlite_template() -> str:
    """A migrated SQLite file to copy for each test (migrating costs ~0.25 s, a copy ~1 ms)."""
    if _state["sqlite_template"] is None:
        path = os.path.join(tempfile.mkdtemp(prefix="tanshi-template-"), "tanshi.sqlite")
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        engine.dispose()
        # Fold the write-ahead log into the file so that the file alone is the database.
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        _state["sqlite_template"] = path
    return str(_state["sqlite_template"])


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """A migrated, empty tanshi database; each test gets its own."""
    if request.param == "sqlite":
        shutil.copyfile(_sqlite_template(), tmp_path / "tanshi.sqlite")
        engine = make_engine(f"sqlite:///{tmp_path / 'tanshi.sqlite'}")
        yield engine
        engine.dispose()
        return
    template = _template()
    name = f"tanshi_test_{uuid.uuid4().hex[:12]}"
    admin = _admin()
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    _state["postgres_tests"] = int(_state["postgres_tests"]) + 1  # type: ignore[call-overload]
    engine = make_engine(_pg_url(name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _state["sqlite_template"] is not None:
        shutil.rmtree(os.path.dirname(str(_state["sqlite_template"])), ignore_errors=True)
    if _state["template"] is not None:
        admin = _admin()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)'))
        admin.dispose()
    selected_postgres = any(
        item.get_closest_marker("postgres") for item in getattr(session, "items", [])
    )
    if REQUIRE_POSTGRES and selected_postgres and _state["postgres_tests"] == 0:
        print("\nTANSHI_REQUIRE_POSTGRES=1 but no test ran against PostgreSQL")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
