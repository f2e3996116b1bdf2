"""Reads on the event loop: a few asynchronous PostgreSQL connections for the hottest routes.

A sync route runs in a worker thread; handing the request to the thread and the answer back
to the event loop costs about as much CPU as the query itself. ``AsyncReads`` runs a
``Prepared`` statement on a psycopg ``AsyncConnection`` in autocommit instead, without
leaving the event loop. The service opens it at start-up on PostgreSQL only (SQLite routes
keep the thread pool) and closes it at shutdown.

Connections are opened on demand up to ``size``; a request waits when all are busy. A
connection that fails or whose request is cancelled mid-query is closed, not reused; a read
that finds its connection dropped (a restarted server) is retried once on a new one.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from tanshi.store.prepared import TUPLES_OK, Prepared


class AsyncReads:
    """Up to ``size`` autocommit connections to the database of ``engine`` (PostgreSQL)."""

    def __init__(self, engine: Engine, size: int) -> None:
        assert engine.dialect.name == "postgresql"
        self.dialect, self.size = engine.dialect, size
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._waiting: deque[asyncio.Future[psycopg.AsyncConnection[Any] | None]] = deque()
        self._open = 0

    async def rows(self, prepared: Prepared, **params: Any) -> Sequence[Any]:
        """Every row ``prepared`` returns for ``params``."""
        sql, bound = prepared.bound(self.dialect, params)
        for attempt in (1, 2):
            connection = await self._take()
            try:
                async with connection.cursor(row_factory=namedtuple_row) as cursor:
                    await cursor.execute(sql, bound, prepare=True)
                    result = cursor.pgresult
                    found = await cursor.fetchall() if result and result.status == TUPLES_OK else []
            except psycopg.OperationalError as error:
                await self._drop(connection)
                if attempt == 2 or not connection.broken:
                    raise DBAPIError.instance(sql, None, error, psycopg.Error) from error
            except BaseException:
                await self._drop(connection)
                raise
            else:
                self._give(connection)
                return found
        raise AssertionError("unreachable")

    async def close(self) -> None:
        """Close the idle connections (at shutdown, when no request is running)."""
        idle, self._idle = self._idle, []
        self._open -= len(idle)
        for connection in idle:
            await connection.close()

    async def _take(self) -> psycopg.AsyncConnection[Any]:
        if self._idle:
            return self._idle.pop()
        if self._open < self.size:
            self._open += 1
        else:  # wait for a connection, or for the slot of one that was closed (None)
            waiter: asyncio.Future[psycopg.AsyncConnection[Any] | None]
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            try:
                handed = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():  # handed over, then cancelled
                    self._pass_on(waiter.result())
                raise
            if handed is not None:
                return handed
        try:
            return await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        except BaseException:
            self._pass_on(None)
            raise

    def _give(self, connection: psycopg.AsyncConnection[Any]) -> None:
        self._pass_on(connection)

    def _pass_on(self, connection: psycopg.AsyncConnection[Any] | None) -> None:
        """Hand a connection (or the slot of a closed one: None) to the first waiter."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        if connection is None:
            self._open -= 1
        else:
            self._idle.append(connection)

    async def _drop(self, connection: psycopg.AsyncConnection[Any]) -> None:
        try:
            await connection.close()
        finally:
            self._pass_on(None)
