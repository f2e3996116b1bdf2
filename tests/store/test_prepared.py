"""Prepared statements (raw psycopg on PostgreSQL, Core on SQLite) and the idle-only ping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, bindparam, select, text

from tanshi.core.moments import from_store
from tanshi.services import access_log
from tanshi.store.engine import _ping_when_idle, make_engine
from tanshi.store.prepared import Prepared
from tanshi.store.schema import accounts, audit_log

NOW = datetime(2017, 3, 1, 2, 0, tzinfo=UTC)
_AUDIT = Prepared(
    select(audit_log.c.action, audit_log.c.detail, audit_log.c.at)
    .where(audit_log.c.target == bindparam("target"), audit_log.c.result != "refused")
)  # fmt: skip


def test_the_same_rows_on_either_store(engine: Engine) -> None:
    with engine.begin() as connection:  # a JSON parameter, a timestamp, no rows returned
        access_log.record(connection, None, "probe", "T1", "127.0.0.1", "ok", NOW, {"n": [1, 2]})
        access_log.record(connection, None, "probe", "T1", "127.0.0.1", "refused", NOW)
    with engine.connect() as connection:
        rows = _AUDIT.rows(connection, target="T1")  # "!= 'refused'" is fixed in the statement
        assert [(r.action, r.detail) for r in rows] == [("probe", {"n": [1, 2]})]
        assert from_store(rows[0].at) == NOW
        assert _AUDIT.first(connection, target="T2") is None
        assert _AUDIT.scalar(connection, target="T1") == "probe"


def test_in_lists_are_refused_rather_than_sent_unrendered(engine: Engine) -> None:
    listed = Prepared(select(accounts.c.id).where(accounts.c.code.in_(["A", "B"])))
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            with pytest.raises(AssertionError):
                listed.rows(connection)
        else:
            assert listed.rows(connection) == []


@pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_connection_left_idle_is_checked_and_replaced_if_dropped(engine: Engine) -> None:
    pooled = make_engine(engine.url.render_as_string(hide_password=False), pool_size=1)
    _ping_when_idle(pooled, 0)  # every checkout counts as idle
    try:
        with pooled.connect() as connection:
            first = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.connect() as admin:  # the server drops the idle connection
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        with pooled.connect() as connection:
            second = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        assert second != first
    finally:
        pooled.dispose()


def test_a_write_on_a_plain_connection_is_kept_by_its_commit(engine: Engine) -> None:
    with engine.connect() as connection:  # no engine.begin(): autobegin, as with Core
        access_log.record(connection, None, "probe", "T3", "127.0.0.1", "ok", NOW)
        connection.commit()
    with engine.connect() as connection:
        assert _AUDIT.scalar(connection, target="T3") == "probe"
