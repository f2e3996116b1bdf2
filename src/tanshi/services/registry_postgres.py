"""Registry reads and writes on PostgreSQL: two round trips, the journal head taken last.

The same ``Snapshot`` and ``Entry`` as ``registry_access.SqliteAccess``, each phase one call
of a function the migration ``0008_registry_throughput`` created, with its lists as one JSON
document (psycopg's per-statement and per-parameter work costs more client CPU than the
server spends on the statements); each list is a string of PostgreSQL's array text, which
the function casts to an array (``0027_bulk_allocation``):

1. ``tanshi_registry_read`` takes the registry gate, the request's idempotency-key lock and
   a lock per (account, unit class) the request touches, in one global order, then the
   unit classes it issues; it returns the snapshot, with the receivers' blocks next to the
   serials the request could move, so the split rule is applied without another round trip.
2. ``tanshi_registry_write`` writes the decision and, last, advances the journal head, which
   gives the entry its sequence and hash; for a request on its own COMMIT goes in the same
   round trip, so the head is held for the end of that statement and the commit only.

A request on its own takes the gate shared and runs alongside others like it, ordered by the
holdings they share. Inside a larger transaction (``execute_in``), or when it touches more
than ``MAX_KEY_LOCKS`` holdings (each key lock takes a slot of PostgreSQL's shared lock
table), it takes the gate exclusively instead, as ``lock_journal_head`` does, and needs no
key locks: nothing else writes to the registry until it ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from tanshi.registry import TransactionRequest
from tanshi.registry.block_changes import StoredBlock, serials_needed
from tanshi.registry.serials import Range
from tanshi.services.registry_access import (
    Entry,
    Snapshot,
    account_from_row,
    unit_class_from_row,
)

_READ = "SELECT tanshi_registry_read(%s::jsonb)"
_WRITE = "SELECT tanshi_registry_write(%s::jsonb)"
_GATE = "SELECT tanshi_registry_gate(true)"
_HEAD_FOR_UPDATE = "SELECT sequence, entry_hash FROM journal_head WHERE id = 1 FOR NO KEY UPDATE"
# PostgreSQL's lock table holds max_locks_per_transaction (64 by default) per connection on
# average; a request with more keys than that serialises instead of risking running out.
MAX_KEY_LOCKS = 60
# The read looks up a receiver's neighbouring blocks per (source, receiver, class) pair
# (migration 0020_registry_cpu); with more pairs than this (an allocation to thousands of
# accounts) it looks them up per serial instead, as before, which costs less there.
MAX_PAIRS = 32


class PostgresAccess:
    """Registry reads and writes for one request on a psycopg connection.

    ``alone``: the request is its own database transaction, which ``write`` commits, and
    may take the gate shared. Else it runs inside the caller's transaction (``execute_in``)
    and takes the gate exclusively: several requests in one transaction would otherwise
    take their key locks out of the global order.
    """

    def __init__(self, raw: psycopg.Connection[Any], *, alone: bool) -> None:
        self.raw = raw
        self.alone = alone
        self.near: list[StoredBlock] = []

    @classmethod
    def inside(cls, connection: Connection) -> PostgresAccess:
        """Access on the caller's SQLAlchemy connection, in its transaction."""
        if not connection.in_transaction():
            # Statements sent on the driver connection bypass SQLAlchemy's autobegin; begin
            # here so that the caller's commit() commits them.
            connection.begin()
        raw = connection.connection.driver_connection
        assert raw is not None  # a checked-out connection has its driver's
        return cls(raw, alone=False)

    def read(self, request: TransactionRequest) -> Snapshot:
        movements = request.movements
        needed = serials_needed(movements)
        sources = sorted(needed)
        receivers = sorted({(m.to_account, m.unit_class) for m in movements})
        named = [(m.unit_class, r) for m in movements if m.serials is not None for r in m.serials]
        touched = sorted(set(sources) | set(receivers))
        document: dict[str, Any] = {
            "key": request.idempotency_key,
            "exclusive": not self.alone or len(touched) > MAX_KEY_LOCKS,
            "touched": _columns(touched, 2),
            "sources": _columns([(a, c, needed[(a, c)]) for a, c in sources], 3),
            "receivers": _columns(receivers, 2),
            "accounts": _array(
                sorted({m.from_account for m in movements} | {m.to_account for m in movements})
            ),
            "classes": _array(sorted({m.unit_class for m in movements})),
            "ends": _columns([(c, first - 1) for c, (first, _) in named], 2),
            "starts": _columns([(c, last + 1) for c, (_, last) in named], 2),
        }
        pairs = sorted({(m.from_account, m.to_account, m.unit_class) for m in movements})
        if len(pairs) <= MAX_PAIRS:
            document["pairs"] = _columns(pairs, 3)
        found = self._call(_READ, document, commit=False)
        if "previous" in found:
            transaction_id, fingerprint = found["previous"]
            return Snapshot((transaction_id, fingerprint))
        snapshot = Snapshot(None)
        snapshot.holdings = {(a, c): q for a, c, q in found["holdings"]}
        snapshot.accounts = {row[0]: account_from_row(row) for row in found["accounts"]}
        for row in found["classes"]:
            snapshot.classes[row[0]] = unit_class_from_row(row)
            snapshot.next_serial[row[0]] = int(row[8])
        held: dict[tuple[int, int], list[StoredBlock]] = {key: [] for key in sources}
        for row in found["held"]:
            held[(row[1], row[2])].append(_block(row))
        snapshot.held = held
        # A block next to two serials a request could move may be listed twice.
        self.near = list({row[0]: _block(row) for row in found["near"]}.values())
        return snapshot

    def blocks_at(self, wanted: dict[int, tuple[list[int], list[int]]]) -> list[StoredBlock]:
        """The blocks ending or starting at the serials ``wanted`` per class, from the
        receivers' blocks that ``read`` fetched next to every serial the request could move."""
        ends = {c: set(serials) for c, (serials, _) in wanted.items()}
        starts = {c: set(serials) for c, (_, serials) in wanted.items()}
        return [
            b for b in self.near
            if b.serials.end in ends.get(b.unit_class, ())
            or b.serials.start in starts.get(b.unit_class, ())
        ]  # fmt: skip

    def write(self, entry: Entry) -> int:
        """Write ``entry`` (and commit, when the request is alone); the new transaction's id."""
        changes, r = entry.changes, entry.request
        changed, upserts = entry.debits_and_upserts()
        document: dict[str, Any] = {
            "deleted": _array(changes.deleted),
            "shrunk": _columns(changes.shrunk, 2),
            "inserted": _columns([(a, c, s.start, s.end) for a, c, s in changes.inserted], 4),
            "issued": _columns(sorted(changes.issued.items()), 2),
            "changed": _columns(changed, 3),
            "upserts": _columns(upserts, 4),
            "type": r.type_code,
            "key": r.idempotency_key,
            "fingerprint": r.fingerprint(),
            "booked_at": entry.booked_at.isoformat(),
            "compliance_year": r.compliance_year,
            "memo": r.memo,
            "before": entry.before.decode(),
            "after": entry.after.decode(),
            "movements": _columns(
                [
                    (m.from_account, m.to_account, m.unit_class, m.quantity_units)
                    for m in r.movements
                ],
                4,
            ),
            "blocks": _columns(
                [
                    (index, s.start, s.end)
                    for index, ranges in enumerate(entry.serials)
                    for s in ranges
                ],
                3,
            ),
        }
        return int(self._call(_WRITE, document, commit=self.alone))

    def _call(self, sql: str, document: dict[str, Any], *, commit: bool) -> Any:
        """One round trip: ``sql`` with the document bound client-side, preceded by BEGIN
        when the request is alone and followed by COMMIT when asked, as one query message.

        (One simple-protocol message costs the client a fraction of what pipeline mode's
        per-statement bookkeeping does.) A failure surfaces as SQLAlchemy's DBAPIError, as
        it would through SQLAlchemy.
        """
        begin = self.alone and self.raw.info.transaction_status == TransactionStatus.IDLE
        query = ("BEGIN; " if begin else "") + sql + ("; COMMIT" if commit else "")
        cursor = psycopg.ClientCursor(self.raw)
        try:
            cursor.execute(query, (json.dumps(document),))
            if begin:
                cursor.nextset()
            row = cursor.fetchone()
            assert row is not None  # the statement selects one row: the function's answer
            return row[0]
        except psycopg.Error as error:
            raise DBAPIError.instance(sql, None, error, psycopg.Error) from error
        finally:
            cursor.close()


@contextmanager
def alone(raw: psycopg.Connection[Any]) -> Iterator[PostgresAccess]:
    """Access for a request that is its own transaction on ``raw`` (idle, from the pool).

    The request sends BEGIN and COMMIT itself, in its two round trips (autocommit keeps
    psycopg from sending its own BEGIN); whatever it leaves open, when refused or failing,
    is rolled back here.
    """
    raw.autocommit = True
    try:
        yield PostgresAccess(raw, alone=True)
    finally:
        if raw.info.transaction_status != TransactionStatus.IDLE:
            raw.execute("ROLLBACK")
        raw.autocommit = False


def lock_registry(connection: Connection) -> Any:
    """Take the registry gate exclusively, then the journal head; returns the head."""
    connection.exec_driver_sql(_GATE)
    return connection.exec_driver_sql(_HEAD_FOR_UPDATE).one()


def _columns(rows: list[Any], width: int) -> list[str]:
    """Rows as ``width`` columns of their fields, each in array text (``_array``)."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    assert len(columns) == width
    return [_array(column) for column in columns]


def _array(values: Sequence[int | bool | None]) -> str:
    """PostgreSQL's array text of integers or booleans ("{1,NULL,3}"): the function casts
    it to an array, where a JSON array of numbers would be parsed as numerics first."""
    if None in values:
        return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"
    return "{" + ",".join(map(str, values)) + "}"


def _block(row: list[int]) -> StoredBlock:
    return StoredBlock(row[0], row[1], row[2], Range(row[3], row[4]))
