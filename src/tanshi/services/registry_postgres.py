"""Registry reads and writes on PostgreSQL in three round trips (psycopg pipeline mode).

The same ``Snapshot`` and ``Entry`` as ``registry_access.CoreAccess``, but each phase's
statements are sent together and each write is one set-based statement (``unnest`` of
arrays) however many movements, blocks or holdings it touches: read (journal head, holdings
locks, accounts, unit classes, the sources' blocks), prepare (the receivers' neighbouring
blocks and new row ids), write. A registry write holds the journal-head lock for these
round trips only, so this is what bounds PostgreSQL throughput (bench/registry.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from tanshi.registry import TransactionRequest
from tanshi.registry.block_changes import StoredBlock
from tanshi.services.registry_access import (
    Entry,
    Snapshot,
    account_from_row,
    unit_class_from_row,
)
from tanshi.services.serial_blocks import stored_block

_HEAD_AND_KEY = """
SELECT h.sequence, h.entry_hash, t.id, t.fingerprint
FROM journal_head h LEFT JOIN transactions t ON t.idempotency_key = %(key)s
WHERE h.id = 1 FOR UPDATE OF h"""
_KEYS = "(SELECT * FROM unnest(%(accounts)s::int[], %(classes)s::int[]))"
_LOCK_HOLDINGS = f"""
SELECT account_id, unit_class_id, quantity_units FROM holdings
WHERE (account_id, unit_class_id) IN {_KEYS}
ORDER BY account_id, unit_class_id FOR UPDATE"""
_ACCOUNTS = "SELECT id, code, kind, status, holder FROM accounts WHERE id = ANY(%(ids)s::int[])"
_UNIT_CLASSES = """
SELECT id, code, unit_type, kind, jurisdiction, vintage, project, labels, next_serial
FROM unit_classes WHERE id = ANY(%(ids)s::int[])"""
_BLOCK_COLUMNS = "id, account_id, unit_class_id, first_serial, last_serial"
_HELD_BLOCKS = f"""
SELECT {_BLOCK_COLUMNS} FROM unit_blocks WHERE (account_id, unit_class_id) IN {_KEYS}
ORDER BY account_id, unit_class_id, first_serial"""
_NEIGHBOURS = f"""
SELECT {_BLOCK_COLUMNS} FROM unit_blocks
WHERE unit_class_id = %(class)s AND last_serial = ANY(%(ends)s::bigint[])
UNION ALL
SELECT {_BLOCK_COLUMNS} FROM unit_blocks
WHERE unit_class_id = %(class)s AND first_serial = ANY(%(starts)s::bigint[])"""
_NEW_TRANSACTION_ID = "SELECT nextval(pg_get_serial_sequence('transactions', 'id'))"
_NEW_MOVEMENT_IDS = """
SELECT nextval(pg_get_serial_sequence('movements', 'id')) FROM generate_series(1, %(n)s)"""
_DELETE_BLOCKS = "DELETE FROM unit_blocks WHERE id = ANY(%(ids)s::int[])"
_SHRINK_BLOCKS = """
UPDATE unit_blocks b SET first_serial = x.first
FROM unnest(%(ids)s::int[], %(firsts)s::bigint[]) AS x(id, first) WHERE b.id = x.id"""
_ADVANCE_SERIALS = """
UPDATE unit_classes u SET next_serial = u.next_serial + x.quantity
FROM unnest(%(ids)s::int[], %(quantities)s::bigint[]) AS x(id, quantity) WHERE u.id = x.id"""
_INSERT_BLOCKS = """
INSERT INTO unit_blocks (account_id, unit_class_id, first_serial, last_serial)
SELECT * FROM unnest(%(accounts)s::int[], %(classes)s::int[], %(firsts)s::bigint[],
                     %(lasts)s::bigint[])"""
_INSERT_TRANSACTION = """
INSERT INTO transactions (id, type_code, idempotency_key, fingerprint, booked_at,
    compliance_year, memo, sequence, previous_hash, entry_hash)
VALUES (%(id)s, %(type_code)s, %(idempotency_key)s, %(fingerprint)s, %(booked_at)s,
    %(compliance_year)s, %(memo)s, %(sequence)s, %(previous_hash)s, %(entry_hash)s)"""
_ADVANCE_HEAD = """
UPDATE journal_head SET sequence = %(sequence)s, entry_hash = %(entry_hash)s WHERE id = 1"""
_INSERT_MOVEMENTS = """
INSERT INTO movements (id, transaction_id, from_account_id, to_account_id, unit_class_id,
    quantity_units)
SELECT x.id, %(transaction)s, x.f, x.t, x.c, x.q
FROM unnest(%(ids)s::int[], %(froms)s::int[], %(tos)s::int[], %(classes)s::int[],
            %(quantities)s::bigint[]) AS x(id, f, t, c, q)"""
_INSERT_MOVEMENT_BLOCKS = """
INSERT INTO movement_blocks (movement_id, first_serial, last_serial)
SELECT * FROM unnest(%(movements)s::int[], %(firsts)s::bigint[], %(lasts)s::bigint[])"""
_DEBIT = """
UPDATE holdings h SET quantity_units = h.quantity_units + x.delta
FROM unnest(%(accounts)s::int[], %(classes)s::int[], %(deltas)s::bigint[]) AS x(a, c, delta)
WHERE h.account_id = x.a AND h.unit_class_id = x.c"""
_UPSERT = """
INSERT INTO holdings (account_id, unit_class_id, allows_negative, quantity_units)
SELECT * FROM unnest(%(accounts)s::int[], %(classes)s::int[], %(negatives)s::boolean[],
                     %(deltas)s::bigint[])
ON CONFLICT (account_id, unit_class_id)
DO UPDATE SET quantity_units = holdings.quantity_units + EXCLUDED.quantity_units"""


class PipelinedAccess:
    """Registry reads and writes for one request, on the caller's PostgreSQL transaction."""

    def __init__(self, connection: Connection) -> None:
        if not connection.in_transaction():
            # Statements sent on the driver connection bypass SQLAlchemy's autobegin; begin
            # here so that the caller's commit() commits them.
            connection.begin()
        self.raw: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
        self.transaction_id = 0
        self.movement_ids: list[int] = []

    def read(self, request: TransactionRequest) -> Snapshot:
        sources = sorted({(m.from_account, m.unit_class) for m in request.movements})
        keys = {"accounts": [a for a, _ in sources], "classes": [c for _, c in sources]}
        ids = sorted({m.from_account for m in request.movements}
                     | {m.to_account for m in request.movements})  # fmt: skip
        classes = sorted({m.unit_class for m in request.movements})
        with self._pipeline() as send:
            head = send(_HEAD_AND_KEY, {"key": request.idempotency_key})
            locked = send(_LOCK_HOLDINGS, keys)
            account_rows = send(_ACCOUNTS, {"ids": ids})
            class_rows = send(_UNIT_CLASSES, {"ids": classes})
            block_rows = send(_HELD_BLOCKS, keys)
        sequence, entry_hash, previous_id, fingerprint = head.fetchone()
        snapshot = Snapshot(
            sequence, entry_hash, None if previous_id is None else (previous_id, fingerprint)
        )
        snapshot.holdings = {(a, c): q for a, c, q in locked.fetchall()}
        snapshot.accounts = {row.id: account_from_row(row) for row in account_rows.fetchall()}
        for row in class_rows.fetchall():
            snapshot.classes[row.id] = unit_class_from_row(row)
            snapshot.next_serial[row.id] = int(row.next_serial)
        held: dict[tuple[int, int], list[StoredBlock]] = {key: [] for key in sources}
        for row in block_rows.fetchall():
            held[(row[1], row[2])].append(stored_block(row))
        snapshot.held = held
        self.movement_count = len(request.movements)
        return snapshot

    def blocks_at(self, wanted: dict[int, tuple[list[int], list[int]]]) -> list[StoredBlock]:
        """The neighbouring blocks, and the ids the write will use (allocated only now, after
        the request was accepted)."""
        with self._pipeline() as send:
            found = [
                send(_NEIGHBOURS, {"class": unit_class, "ends": ends, "starts": starts})
                for unit_class, (ends, starts) in wanted.items()
            ]
            transaction = send(_NEW_TRANSACTION_ID, None)
            movements = send(_NEW_MOVEMENT_IDS, {"n": self.movement_count})
        self.transaction_id = int(transaction.fetchone()[0])
        self.movement_ids = sorted(int(row[0]) for row in movements.fetchall())
        return [stored_block(row) for cursor in found for row in cursor.fetchall()]

    def write(self, entry: Entry) -> int:
        changes, movements = entry.changes, entry.request.movements
        debits, upserts = entry.debits_and_upserts()
        blocks = [
            (movement_id, r)
            for movement_id, ranges in zip(self.movement_ids, entry.serials, strict=True)
            for r in ranges
        ]
        with self._pipeline() as send:
            if changes.deleted:
                send(_DELETE_BLOCKS, {"ids": changes.deleted})
            if changes.shrunk:
                send(_SHRINK_BLOCKS, {"ids": [b for b, _ in changes.shrunk],
                                      "firsts": [f for _, f in changes.shrunk]})  # fmt: skip
            if changes.issued:
                issued = sorted(changes.issued.items())
                send(_ADVANCE_SERIALS, {"ids": [c for c, _ in issued],
                                        "quantities": [q for _, q in issued]})  # fmt: skip
            if changes.inserted:
                send(_INSERT_BLOCKS, {
                    "accounts": [a for a, _, _ in changes.inserted],
                    "classes": [c for _, c, _ in changes.inserted],
                    "firsts": [r.start for _, _, r in changes.inserted],
                    "lasts": [r.end for _, _, r in changes.inserted],
                })  # fmt: skip
            send(_INSERT_TRANSACTION, {"id": self.transaction_id, **entry.transaction_row()})
            send(_ADVANCE_HEAD, {"sequence": entry.sequence, "entry_hash": entry.entry_hash})
            send(_INSERT_MOVEMENTS, {
                "transaction": self.transaction_id, "ids": self.movement_ids,
                "froms": [m.from_account for m in movements],
                "tos": [m.to_account for m in movements],
                "classes": [m.unit_class for m in movements],
                "quantities": [m.quantity_units for m in movements],
            })  # fmt: skip
            send(_INSERT_MOVEMENT_BLOCKS, {"movements": [i for i, _ in blocks],
                                           "firsts": [r.start for _, r in blocks],
                                           "lasts": [r.end for _, r in blocks]})  # fmt: skip
            debited = send(_DEBIT, {"accounts": [a for a, _, _ in debits],
                                    "classes": [c for _, c, _ in debits],
                                    "deltas": [d for _, _, d in debits]}) if debits else None  # fmt: skip
            if upserts:
                send(_UPSERT, {"accounts": [p[0] for p in upserts],
                               "classes": [p[1] for p in upserts],
                               "negatives": [p[3] for p in upserts],
                               "deltas": [p[2] for p in upserts]})  # fmt: skip
        assert debited is None or debited.rowcount == len(debits), "a debited holding must exist"
        return self.transaction_id

    @contextmanager
    def _pipeline(self) -> Iterator[Any]:
        """Send statements together; their results are read after the block ends.

        A failure surfaces as SQLAlchemy's DBAPIError, as it would through SQLAlchemy.
        """
        statement = ""
        try:
            with self.raw.pipeline():

                def send(sql: str, params: dict[str, Any] | None) -> psycopg.Cursor[Any]:
                    nonlocal statement
                    statement = sql
                    cursor = self.raw.cursor(row_factory=namedtuple_row)
                    return cursor.execute(sql, params)

                yield send
        except psycopg.Error as error:
            raise DBAPIError.instance(statement, None, error, psycopg.Error) from error
