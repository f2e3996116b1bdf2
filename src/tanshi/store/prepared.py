"""Hot statements built once: on PostgreSQL run as prepared statements on the driver.

Building a SQLAlchemy Core statement and executing it costs about 0.2 ms of CPU per call
(construction, cache key, result processing); a statement built once with ``bindparam``s
and, on PostgreSQL, executed directly by psycopg as a server-side prepared statement costs
a quarter of that. ``Prepared`` wraps such a statement for the request paths of the API;
on SQLite it simply executes the Core statement (its type processing is needed there).
``pipeline`` sends several of them in one round trip (psycopg's pipeline mode).

Rows come back as named tuples on PostgreSQL and as SQLAlchemy rows on SQLite: read them by
column name or position. As with Core's ``execute``, a connection outside a transaction
begins one (SQLAlchemy's autobegin), so ``commit()`` covers what was sent. Driver errors
come back as SQLAlchemy's ``DBAPIError`` subclasses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.pq import ExecStatus
from psycopg.rows import namedtuple_row
from psycopg.types.json import Json
from sqlalchemy import JSON, Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

TUPLES_OK = ExecStatus.TUPLES_OK


class Prepared:
    """One statement with named ``bindparam``s; compiled once for PostgreSQL."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._postgresql: tuple[str, dict[str, Any], frozenset[str]] | None = None

    def _compiled(self, connection: Connection) -> tuple[str, dict[str, Any], frozenset[str]]:
        return self.postgresql(connection.dialect)

    def postgresql(self, dialect: Any) -> tuple[str, dict[str, Any], frozenset[str]]:
        """The SQL for psycopg, the parameters fixed in it, and the names of JSON parameters."""
        if self._postgresql is None:
            compiled = self.statement.compile(dialect=dialect)  # type: ignore[attr-defined]  # every Prepared statement is a Core clause
            # ``IN (list)`` is rendered at execution time, which raw execution skips.
            assert not any(bind.expanding for bind in compiled.binds.values()), "no IN lists"
            # Values fixed when the statement was built (``column != 0``), then JSON columns.
            fixed = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
            json = frozenset(
                name for name, bind in compiled.binds.items() if isinstance(bind.type, JSON)
            )
            self._postgresql = (str(compiled), fixed, json)
        return self._postgresql

    def bound(self, dialect: Any, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The PostgreSQL SQL and its parameters, as psycopg takes them."""
        sql, fixed, json = self.postgresql(dialect)
        params = fixed | params
        for name in json & params.keys():
            params[name] = Json(params[name])
        return sql, params

    def _send(self, connection: Connection, params: dict[str, Any]) -> psycopg.Cursor[Any]:
        sql, params = self.bound(connection.dialect, params)
        _autobegin(connection)
        raw: psycopg.Connection[Any] | None = connection.connection.driver_connection
        assert raw is not None  # a checked-out connection has its driver's
        cursor = raw.cursor(row_factory=namedtuple_row)
        with _as_sqlalchemy_error(sql):
            return cursor.execute(sql, params, prepare=True)

    def rows(self, connection: Connection, **params: Any) -> Sequence[Any]:
        """Every row the statement returns for ``params``."""
        if connection.dialect.name != "postgresql":
            result = connection.execute(self.statement, params)
            return result.all() if result.returns_rows else []
        with self._send(connection, params) as cursor:
            return _fetched(cursor)

    def first(self, connection: Connection, **params: Any) -> Any | None:
        """The first row, or None."""
        found = self.rows(connection, **params)
        return found[0] if found else None

    def scalar(self, connection: Connection, **params: Any) -> Any | None:
        """The first column of the first row, or None."""
        found = self.first(connection, **params)
        return None if found is None else found[0]


class Pending:
    """The answer to a statement sent in a ``pipeline``: read it after the block."""

    def __init__(self, rows: Sequence[Any] | None = None, cursor: Any = None) -> None:
        self._rows, self._cursor = rows, cursor

    def rows(self) -> Sequence[Any]:
        if self._rows is None:
            with self._cursor as cursor:
                self._rows = _fetched(cursor)
        return self._rows

    def first(self) -> Any | None:
        found = self.rows()
        return found[0] if found else None

    def scalar(self) -> Any | None:
        found = self.first()
        return None if found is None else found[0]


Send = Callable[..., Pending]


@contextmanager
def pipeline(connection: Connection) -> Iterator[Send]:
    """Statements sent together, in order: one round trip on PostgreSQL, one by one on SQLite.

    ``send(prepared, **params)`` returns a ``Pending``; its rows are there after the block.
    """
    if connection.dialect.name != "postgresql":
        yield lambda prepared, **params: Pending(prepared.rows(connection, **params))
        return
    _autobegin(connection)
    raw: psycopg.Connection[Any] | None = connection.connection.driver_connection
    assert raw is not None  # a checked-out connection has its driver's
    with _as_sqlalchemy_error("pipeline"), raw.pipeline():
        yield lambda prepared, **params: Pending(cursor=prepared._send(connection, params))


def _autobegin(connection: Connection) -> None:
    # As Core's execute would: the caller's commit() then covers what the driver sent.
    if not connection.in_transaction():
        connection.begin()


def _fetched(cursor: psycopg.Cursor[Any]) -> Sequence[Any]:
    result = cursor.pgresult
    return cursor.fetchall() if result is not None and result.status == TUPLES_OK else []


@contextmanager
def _as_sqlalchemy_error(statement: str) -> Iterator[None]:
    try:
        yield
    except psycopg.Error as error:
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from error
