"""Hot statements built once: on PostgreSQL run as prepared statements on the driver.

Building a SQLAlchemy Core statement and executing it costs about 0.2 ms of CPU per call
(construction, cache key, result processing); a statement built once with ``bindparam``s
and, on PostgreSQL, executed directly by psycopg as a server-side prepared statement costs
a quarter of that. ``Prepared`` wraps such a statement for the request paths of the API;
on SQLite it simply executes the Core statement (its type processing is needed there).

Rows come back as named tuples on PostgreSQL and as SQLAlchemy rows on SQLite: read them by
column name or position. Raw driver statements do not begin SQLAlchemy's transaction: for a
write, call inside ``engine.begin()`` (or after ``connection.begin()``) so the caller's
commit covers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg.pq import ExecStatus
from psycopg.rows import namedtuple_row
from psycopg.types.json import Json
from sqlalchemy import JSON, Connection
from sqlalchemy.sql import Executable

TUPLES_OK = ExecStatus.TUPLES_OK


class Prepared:
    """One statement with named ``bindparam``s; compiled once for PostgreSQL."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._postgresql: tuple[str, dict[str, Any], frozenset[str]] | None = None

    def _compiled(self, connection: Connection) -> tuple[str, dict[str, Any], frozenset[str]]:
        if self._postgresql is None:
            compiled = self.statement.compile(dialect=connection.dialect)  # type: ignore[attr-defined]
            # ``IN (list)`` is rendered at execution time, which raw execution skips.
            assert not any(bind.expanding for bind in compiled.binds.values()), "no IN lists"
            # Values fixed when the statement was built (``column != 0``), then JSON columns.
            fixed = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
            json = frozenset(
                name for name, bind in compiled.binds.items() if isinstance(bind.type, JSON)
            )
            self._postgresql = (str(compiled), fixed, json)
        return self._postgresql

    def rows(self, connection: Connection, **params: Any) -> Sequence[Any]:
        """Every row the statement returns for ``params``."""
        if connection.dialect.name != "postgresql":
            result = connection.execute(self.statement, params)  # type: ignore[arg-type]
            return result.all() if result.returns_rows else []
        sql, fixed, json = self._compiled(connection)
        params = fixed | params
        for name in json & params.keys():
            params[name] = Json(params[name])
        raw = connection.connection.driver_connection
        with raw.cursor(row_factory=namedtuple_row) as cursor:  # type: ignore[union-attr]
            cursor.execute(sql, params, prepare=True)
            result = cursor.pgresult
            return cursor.fetchall() if result and result.status == TUPLES_OK else []

    def first(self, connection: Connection, **params: Any) -> Any | None:
        """The first row, or None."""
        found = self.rows(connection, **params)
        return found[0] if found else None

    def scalar(self, connection: Connection, **params: Any) -> Any | None:
        """The first column of the first row, or None."""
        found = self.first(connection, **params)
        return None if found is None else found[0]
