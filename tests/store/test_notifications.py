"""Notifications reach a listener after their transaction commits, and survive a reconnect."""

from __future__ import annotations

import queue
import time
from datetime import datetime

import pytest
from sqlalchemy import Engine, delete, select, text, update

from tanshi.store.notifications import Listener, notify
from tanshi.store.schema import notifications

WAIT_SECONDS = 30.0  # a bound for a message to arrive, not a speed expected


def _next(messages: queue.Queue[str]) -> str | None:
    try:
        return messages.get(timeout=WAIT_SECONDS)
    except queue.Empty:
        return None


def test_a_listener_gets_committed_messages_in_order(engine: Engine) -> None:
    with engine.begin() as connection:
        notify(connection, "tanshi_test", "before")  # sent before the listener: not received
    messages: queue.Queue[str] = queue.Queue()
    gaps: list[float] = []
    listener = Listener(engine, "tanshi_test", messages.put, lambda: gaps.append(time.monotonic()))
    listener.start()
    try:
        assert len(gaps) == 1
        with engine.connect() as connection:
            notify(connection, "tanshi_test", "rolled back")
            connection.rollback()
        with engine.begin() as connection:
            notify(connection, "another_channel", "not ours")
            notify(connection, "tanshi_test", "first")
        with engine.begin() as connection:
            notify(connection, "tanshi_test", "second")
        assert [_next(messages), _next(messages)] == ["first", "second"]
        assert messages.empty()
    finally:
        listener.stop()


def test_old_sqlite_messages_are_deleted_and_ids_not_reused(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL's notifications are not rows")
    with engine.begin() as connection:
        notify(connection, "tanshi_test", "old")
        connection.execute(update(notifications).values(sent_at=datetime(2000, 1, 1)))
    with engine.begin() as connection:
        notify(connection, "tanshi_test", "new")  # deletes the old row as it sends
    with engine.connect() as connection:
        rows = connection.execute(select(notifications.c.id, notifications.c.payload)).all()
    assert [(row.id, row.payload) for row in rows] == [(2, "new")]
    with engine.begin() as connection:
        connection.execute(delete(notifications))
        notify(connection, "tanshi_test", "after")
    with engine.connect() as connection:
        assert connection.scalar(select(notifications.c.id)) == 3  # a poller's last id stays valid


def test_a_listener_reconnects(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend: the SQLite poller's own connection is not a server's")
    messages: queue.Queue[str] = queue.Queue()
    gaps: list[float] = []
    listener = Listener(engine, "tanshi_test", messages.put, lambda: gaps.append(time.monotonic()))
    listener.start()
    try:
        assert len(gaps) == 1  # listening: whatever came before is unknown
        with engine.connect() as connection:
            notify(connection, "tanshi_test", "rolled back")
            connection.rollback()
        with engine.begin() as connection:
            notify(connection, "tanshi_test", "committed")
        assert _next(messages) == "committed"
        with engine.begin() as connection:  # the server drops the listening connection
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            ))  # fmt: skip
        deadline = time.monotonic() + WAIT_SECONDS
        while len(gaps) < 3 and time.monotonic() < deadline:  # the loss, then the reconnect
            time.sleep(0.05)
        assert len(gaps) >= 3
        with engine.begin() as connection:  # listening again since the third gap
            notify(connection, "tanshi_test", "after")
        assert _next(messages) == "after"
    finally:
        listener.stop()


def test_a_listener_survives_a_failing_callback(engine: Engine) -> None:
    messages: queue.Queue[str] = queue.Queue()
    calls: list[int] = []

    def on_gap() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a cache that failed to empty")

    listener = Listener(engine, "tanshi_test", messages.put, on_gap)
    listener.start()
    try:
        with engine.begin() as connection:
            notify(connection, "tanshi_test", "still listening")
        assert _next(messages) == "still listening"
    finally:
        listener.stop()
