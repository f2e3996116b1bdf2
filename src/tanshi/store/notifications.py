"""PostgreSQL notifications to every server process: send in a transaction, listen in a thread.

``notify`` queues a message on a channel in the caller's transaction; PostgreSQL delivers it
when (and only if) that transaction commits. A ``Listener`` holds one autocommit connection
of its own, LISTENs on a channel and hands every message's payload to a callback in its
thread. Messages sent while it was not connected are lost, so it calls ``on_gap`` each time
it (re)connects: whoever caches must then assume anything may have changed. SQLite has no
notifications: ``notify`` does nothing there (a SQLite database has one server process).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import Connection, Engine, select
from sqlalchemy import func as sql_func

log = logging.getLogger(__name__)
_POLL_SECONDS = 0.5  # how soon ``stop`` is noticed
_RETRY_SECONDS = 2.0  # between attempts to reconnect


def notify(connection: Connection, channel: str, payload: str) -> None:
    """Tell every listener on ``channel`` ``payload`` once this transaction commits."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(sql_func.pg_notify(channel, payload)))


class Listener:
    """A daemon thread listening on ``channel`` of the database of ``engine`` (PostgreSQL)."""

    def __init__(self, engine: Engine, channel: str, on_message: Callable[[str], None],
                 on_gap: Callable[[], None]) -> None:  # fmt: skip
        assert engine.dialect.name == "postgresql"
        assert channel.isidentifier(), channel
        self.channel, self.on_message, self.on_gap = channel, on_message, on_gap
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"listen-{channel}", daemon=True)

    def start(self, wait_seconds: float = 5.0) -> None:
        """Start listening; waits up to ``wait_seconds`` for the LISTEN to be in place."""
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

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {self.channel}")
                    self.on_gap()
                    self._listening.set()
                    while not self._stop.is_set():
                        for message in connection.notifies(timeout=_POLL_SECONDS):
                            self._deliver(message.payload)
            except psycopg.Error as error:
                log.warning("listening on %s failed (%s); retrying", self.channel, error)
                self._listening.clear()
                self.on_gap()
                self._stop.wait(_RETRY_SECONDS)
