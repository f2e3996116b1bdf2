"""Notifications to every server process: send in a transaction, receive in a thread.

``notify`` sends a message on a channel in the caller's transaction; it is delivered when
(and only if) that transaction commits. A ``Listener`` hands every message's payload to a
callback in a thread of its own. On PostgreSQL the message is a NOTIFY and the listener
holds one autocommit connection that LISTENs. SQLite has no NOTIFY: the message is a row of
``notifications`` (migration 0026) and the listener polls, on a connection of its own, for
rows newer than the last it saw every ``_POLL_SECONDS``; senders delete rows older than
``_KEEP_SECONDS``, so a listener that stalled for half that long starts again as after a gap.
Messages sent while a listener was not connected are lost, so it calls ``on_gap`` each time
it (re)connects: whoever caches must then assume anything may have changed. A failure of any
kind, a callback's included, never ends the listening thread.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy import func as sql_func

from tanshi.store.schema import notifications

log = logging.getLogger(__name__)
_POLL_SECONDS = 0.5  # how soon ``stop`` is noticed, and how often SQLite is polled
_RETRY_SECONDS = 2.0  # between attempts to reconnect
# A SQLite message older than this is deleted: a listener polls far more often, and one
# that was stopped longer has called ``on_gap`` anyway.
_KEEP_SECONDS = 300
_LAST_ID = "SELECT coalesce(max(id), 0) FROM notifications"
_NEWER = "SELECT id, payload FROM notifications WHERE channel = ? AND id > ? ORDER BY id"


def notify(connection: Connection, channel: str, payload: str) -> None:
    """Tell every listener on ``channel`` ``payload`` once this transaction commits."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(sql_func.pg_notify(channel, payload)))
        return
    now = datetime.now(UTC)
    connection.execute(
        delete(notifications).where(
            notifications.c.sent_at < now - timedelta(seconds=_KEEP_SECONDS)
        )
    )
    connection.execute(insert(notifications).values(channel=channel, payload=payload, sent_at=now))


def reaches_other_processes(engine: Engine) -> bool:
    """Whether another process can send on this database (not one held in memory)."""
    return engine.dialect.name == "postgresql" or engine.url.database not in (None, "", ":memory:")


class Listener:
    """A daemon thread receiving the messages on ``channel`` of the database of ``engine``."""

    def __init__(self, engine: Engine, channel: str, on_message: Callable[[str], None],
                 on_gap: Callable[[], None]) -> None:  # fmt: skip
        assert channel.isidentifier(), channel
        self.engine, self.channel = engine, channel
        self.on_message, self.on_gap = on_message, on_gap
        assert reaches_other_processes(engine), "an in-memory database has one process"
        self._conninfo = self._path = ""
        if engine.dialect.name == "postgresql":
            url = engine.url.set(drivername="postgresql")
            self._conninfo = url.render_as_string(hide_password=False)
        else:
            self._path = str(engine.url.database)
        self._stop = threading.Event()
        self._listening = threading.Event()
        run = self._listen if engine.dialect.name == "postgresql" else self._poll
        self._thread = threading.Thread(target=run, name=f"listen-{channel}", daemon=True)

    def start(self, wait_seconds: float = 5.0) -> None:
        """Start listening; waits up to ``wait_seconds`` for it to be in place."""
        self._thread.start()
        self._listening.wait(wait_seconds)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=_POLL_SECONDS * 4)

    def _deliver(self, payload: str) -> None:
        try:
            self.on_message(payload)
        except Exception:  # a bad message must not end the listening
            log.exception("message on %s not handled: %r", self.channel, payload)

    def _lost(self, error: Exception) -> None:
        log.warning("listening on %s failed (%s); retrying", self.channel, error)
        self._listening.clear()
        self._gap()
        self._stop.wait(_RETRY_SECONDS)

    def _gap(self) -> None:
        try:
            self.on_gap()
        except Exception:  # the listening must go on; the cache bound still holds
            log.exception("on_gap of %s failed", self.channel)

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {self.channel}")
                    self._gap()
                    self._listening.set()
                    while not self._stop.is_set():
                        for message in connection.notifies(timeout=_POLL_SECONDS):
                            self._deliver(message.payload)
            except Exception as error:  # whatever it was, the thread must not end
                self._lost(error)

    def _poll(self) -> None:
        # A connection of its own (none taken from the request threads' pools), in autocommit:
        # through the write engine each read would begin with BEGIN IMMEDIATE and take the
        # write lock (store/engine.py).
        while not self._stop.is_set():
            try:
                with closing(sqlite3.connect(self._path, isolation_level=None)) as connection:
                    connection.execute("PRAGMA busy_timeout = 10000")
                    self._poll_on(connection)
            except Exception as error:  # locked, unreadable, anything: try again later
                self._lost(error)

    def _poll_on(self, connection: sqlite3.Connection) -> None:
        last = connection.execute(_LAST_ID).fetchall()[0][0]
        self._gap()
        self._listening.set()
        polled = time.monotonic()
        while not self._stop.wait(_POLL_SECONDS):
            if time.monotonic() - polled > _KEEP_SECONDS / 2:
                # Stalled (a stopped process, a suspended machine): rows it has not read may
                # have been deleted meanwhile, so start again as after a gap.
                last = connection.execute(_LAST_ID).fetchall()[0][0]
                self._gap()
            rows = connection.execute(_NEWER, (self.channel, last)).fetchall()
            polled = time.monotonic()
            for row_id, payload in rows:
                last = row_id
                self._deliver(payload)
