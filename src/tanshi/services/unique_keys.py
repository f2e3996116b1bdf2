"""A competing request's duplicate of a unique key, answered as the check before it answers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from sqlalchemy import Table, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from tanshi.store.schema.base import NAMING

P = ParamSpec("P")
T = TypeVar("T")
_UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


@dataclass(frozen=True, slots=True)
class UniqueKey:
    """A unique constraint of the schema: its table, its columns and its name."""

    table: Table
    columns: tuple[str, ...]
    name: str

    def taken(self, error: IntegrityError) -> bool:
        """Whether ``error`` is a duplicate of this key (not another constraint's failure)."""
        diag = getattr(error.orig, "diag", None)
        if diag is not None:  # psycopg
            return (getattr(error.orig, "sqlstate", None) == _UNIQUE_VIOLATION
                    and diag.constraint_name == self.name)  # fmt: skip
        names = ", ".join(f"{self.table.name}.{column}" for column in self.columns)
        return str(error.orig) == f"UNIQUE constraint failed: {names}"


def unique_key(table: Table, *columns: str) -> UniqueKey:
    """The unique key of ``table`` on ``columns``, named by the schema's convention; raises
    if the schema declares no such key (a programming error, found at import)."""
    declared = any(
        isinstance(constraint, UniqueConstraint)
        and tuple(column.name for column in constraint.columns) == columns
        for constraint in table.constraints
    )
    if not declared:
        raise ValueError(f"{table.name} has no unique constraint on {columns}")
    name = NAMING["uq"] % {"table_name": table.name, "column_0_N_name": "_".join(columns)}
    return UniqueKey(table, columns, name)


def again_if_taken(*keys: UniqueKey) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Run the decorated write once more when it fails on a duplicate of one of ``keys``.

    The write checks "already there?" and then inserts; on PostgreSQL a competing request
    can pass the same check before either commits, and the later insert fails on the key.
    The write's transaction has then rolled back, nothing of it is left, and its check, run
    again, sees the row that committed first (READ COMMITTED): the caller gets the refusal
    (or, for a get-or-create, the row) that a request one after the other gets. SQLite's
    BEGIN IMMEDIATE serialises writers, so there the check alone decides.

    Only for a write that opens its one transaction itself and does nothing outside it.
    """

    def wrap(write: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(write)
        def again(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return write(*args, **kwargs)
            except IntegrityError as error:
                if not any(key.taken(error) for key in keys):
                    raise
            return write(*args, **kwargs)

        return again

    return wrap
