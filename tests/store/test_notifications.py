"""Notifications reach a listener after their transaction commits, and survive a reconnect."""

from __future__ import annotations

import queue
import time

import pytest
from sqlalchemy import Engine, text

from tanshi.store.notifications import Listener, notify

WAIT_SECONDS = 30.0  # a bound for a message to arrive, not a speed expected


def _next(messages: queue.Queue[str]) -> str | None:
    try:
        return messages.get(timeout=WAIT_SECONDS)
    except queue.Empty:
        return None


def test_a_listener_gets_committed_messages_and_reconnects(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        with engine.begin() as connection:
            notify(connection, "tanshi_test", "nothing happens")  # SQLite: no notifications
        pytest.skip("SQLite has no notifications")
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
