"""Waiting, in a race test, until a competing PostgreSQL transaction waits for a lock."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, text

GIVE_UP_S = 30  # a bound that fails the test instead of hanging it, not a timing assertion

_WAITING = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND wait_event_type = 'Lock'"
)


def lock_waits(engine: Engine, thread: threading.Thread) -> int:
    """Sessions of the test database waiting for a lock, polled until there is one or
    ``thread`` ended (0); fails the test if neither happens within GIVE_UP_S."""
    give_up = time.monotonic() + GIVE_UP_S
    with engine.connect() as watcher:
        while thread.is_alive():
            waiting = int(watcher.execute(_WAITING).scalar_one())
            watcher.rollback()  # each poll reads afresh
            if waiting:
                return waiting
            if time.monotonic() > give_up:
                pytest.fail(f"after {GIVE_UP_S} s the competing thread neither waits for a "
                            "lock nor ended: it is stuck on something else")  # fmt: skip
            time.sleep(0.01)
    return 0
