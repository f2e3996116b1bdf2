"""Reads apart from writes: SQLite's read-only companion engine, and pools sized for the service."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import OperationalError

from service_world import held_write_lock
from tanshi.services.views import jurisdiction_list
from tanshi.store.engine import make_engine, reader, reading
from tanshi.store.schema import login_attempts

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _attempts(connection: Connection) -> int:
    return connection.execute(select(func.count()).select_from(login_attempts)).scalar_one()


def test_a_read_proceeds_while_a_writer_holds_the_lock(engine: Engine) -> None:
    with held_write_lock(engine), reading(engine) as connection:
        if engine.dialect.name == "sqlite":
            # Waiting for a lock would fail at once instead of after ten seconds.
            connection.connection.driver_connection.execute("PRAGMA busy_timeout=50")
        assert _attempts(connection) == 0  # not the writer's uncommitted row


def test_a_service_read_does_not_wait_for_the_writer(engine: Engine) -> None:
    with held_write_lock(engine), ThreadPoolExecutor(1) as pool:
        # Before reads had their own engine this waited for the lock (busy_timeout, 10 s).
        assert pool.submit(jurisdiction_list, engine).result(timeout=3) == []


def test_a_read_sees_what_was_committed_before_it_began(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(login_attempts.insert().values(address="a", attempted_at=NOW))
    with reading(engine) as connection:
        assert _attempts(connection) == 1


def test_the_read_path_refuses_to_write(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        assert reader(engine) is engine  # nothing changes on PostgreSQL
        return
    assert reader(engine) is not engine
    with reading(engine) as connection, pytest.raises(OperationalError, match="readonly"):
        connection.execute(login_attempts.insert().values(address="a", attempted_at=NOW))
    with reader(engine).begin() as connection, pytest.raises(OperationalError, match="readonly"):
        connection.execute(login_attempts.delete())


def test_writes_still_take_the_write_lock_at_begin(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        pytest.skip("SQLite's BEGIN IMMEDIATE")
    with held_write_lock(engine), engine.connect() as second:
        second.connection.driver_connection.execute("PRAGMA busy_timeout=50")
        with pytest.raises(OperationalError, match="locked"):
            second.begin()  # BEGIN IMMEDIATE, before any statement


def test_an_in_memory_database_reads_on_its_own_engine() -> None:
    engine = make_engine("sqlite:///:memory:")
    assert reader(engine) is engine


def test_sqlite_pools_are_sized_by_pool_size(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'tanshi.sqlite'}", pool_size=12)
    try:
        for pool in (engine.pool, reader(engine).pool):
            assert pool.size() == 12
        # Twice pool_size at once, as on PostgreSQL: SQLAlchemy's default (5 + 10) would make
        # the 16th wait 30 s for a connection.
        with ExitStack() as held, ThreadPoolExecutor(1) as threads:
            for one in (engine, reader(engine)):
                opened = threads.submit(lambda e=one: [held.enter_context(e.connect())
                                                    for _ in range(24)])  # fmt: skip
                assert len(opened.result(timeout=5)) == 24
    finally:
        engine.dispose()


def test_disposing_the_engine_closes_the_readers_connections(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'tanshi.sqlite'}")
    with reading(engine) as connection:
        _ = connection.exec_driver_sql("select 1").scalar()
    assert reader(engine).pool.checkedin() == 1
    engine.dispose()
    assert reader(engine).pool.checkedin() == 0
