"""What a registry write reads and writes, and how it does so on SQLite.

``services/registry.py`` reads a ``Snapshot``, decides in pure code and writes an
``Entry``. ``SqliteAccess`` does the reading and writing on SQLite with the driver's own
``sqlite3`` connection inside the caller's transaction (SQLAlchemy's statement layer costs
more than the statements themselves); ``registry_postgres.PostgresAccess`` does the same on
PostgreSQL in two round trips.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.exc import DBAPIError

from tanshi.registry import Account, AccountKind, AccountStatus, TransactionRequest, UnitClass
from tanshi.registry.block_changes import BlockChanges, Key, StoredBlock, serials_needed
from tanshi.registry.journal import chain_hash
from tanshi.registry.serials import Range
from tanshi.rulebook.model import UnitKind
from tanshi.store.schema import accounts, unit_classes


@dataclass(slots=True)
class Snapshot:
    """What a registry write reads before deciding, under its locks.

    ``sequence`` and ``entry_hash`` are the journal head where the store reads it first
    (SQLite); PostgreSQL reads the head only when it writes the entry.
    """

    previous: tuple[int, str] | None  # (transaction id, fingerprint) of the request's key
    holdings: dict[Key, int] = field(default_factory=dict)  # of the sources (what is debited)
    accounts: dict[int, Account] = field(default_factory=dict)
    classes: dict[int, UnitClass] = field(default_factory=dict)
    next_serial: dict[int, int] = field(default_factory=dict)
    held: dict[Key, list[StoredBlock]] = field(default_factory=dict)
    sequence: int = 0
    entry_hash: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """The rows an accepted request writes: its journal entry, movements and their effects.

    ``before`` and ``after`` are its canonical form on either side of the sequence number
    (``journal.canonical_parts``): the store that places the entry at the head of the chain
    joins them and hashes.
    """

    request: TransactionRequest
    booked_at: datetime  # UTC
    before: bytes
    after: bytes
    serials: list[list[Range]]  # per movement
    postings: list[tuple[int, int, int, bool]]  # (account, class, delta, allows_negative)
    changes: BlockChanges

    def debits_and_upserts(
        self,
    ) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int, bool]]]:
        """Debits of accounts that may not go negative (plain updates: the row exists and
        check_request saw enough in it; an upsert's candidate row would fail the CHECK) and
        everything else (upserts)."""
        debits = [(a, c, d) for a, c, d, negative in self.postings if d < 0 and not negative]
        upserts = [p for p in self.postings if not (p[2] < 0 and not p[3])]
        return debits, upserts

    def entry_hash(self, sequence: int, previous_hash: str) -> str:
        return chain_hash(previous_hash, self.before + str(sequence).encode() + self.after)


# Enum members by value: a dictionary lookup costs a tenth of calling the enum, which a
# bulk allocation does for each of its thousands of accounts.
_KINDS = {kind.value: kind for kind in AccountKind}
_STATUSES = {status.value: status for status in AccountStatus}


def account_from_row(row: Any) -> Account:
    """An account from (id, code, kind, status, holder)."""
    return Account(row[0], row[1], _KINDS[row[2]], _STATUSES[row[3]], row[4])


def unit_class_from_row(row: Any) -> UnitClass:
    """A unit class from (id, code, unit_type, kind, jurisdiction, vintage, project, labels)."""
    labels = tuple(label for label in row[7].split(",") if label)
    return UnitClass(row[0], row[1], row[2], UnitKind(row[3]), row[4], row[5], row[6], labels)


_ACCOUNTS = select(
    accounts.c.id, accounts.c.code, accounts.c.kind, accounts.c.status, accounts.c.holder
).where(accounts.c.id.in_(bindparam("ids", expanding=True)))
_UNIT_CLASSES = select(
    unit_classes.c.id, unit_classes.c.code, unit_classes.c.unit_type, unit_classes.c.kind,
    unit_classes.c.jurisdiction, unit_classes.c.vintage, unit_classes.c.project,
    unit_classes.c.labels,
).where(unit_classes.c.id.in_(bindparam("ids", expanding=True)))  # fmt: skip


def load_accounts(connection: Connection, ids: Iterable[int]) -> dict[int, Account]:
    """The accounts with ``ids`` that exist."""
    rows = connection.execute(_ACCOUNTS, {"ids": list(ids)})
    return {row[0]: account_from_row(row) for row in rows}


def load_unit_classes(connection: Connection, ids: Iterable[int]) -> dict[int, UnitClass]:
    """The unit classes with ``ids`` that exist."""
    rows = connection.execute(_UNIT_CLASSES, {"ids": list(ids)})
    return {row[0]: unit_class_from_row(row) for row in rows}


# Lists of ids go in as one placeholder each up to a few (the driver keeps each statement
# text prepared), else as one JSON parameter (json_each), however many a request has.
_FEW = 8


def _in(ids: list[int]) -> tuple[str, tuple[Any, ...]]:
    """An IN list for ``ids`` and its parameters."""
    if len(ids) <= _FEW:
        return ", ".join("?" * len(ids)), tuple(ids)
    return "SELECT value FROM json_each(?)", (json.dumps(ids),)


_HEAD_AND_KEY = """
SELECT h.sequence, h.entry_hash, t.id, t.fingerprint
FROM journal_head h LEFT JOIN transactions t ON t.idempotency_key = ? WHERE h.id = 1"""
_HOLDING = """
SELECT quantity_units FROM holdings WHERE account_id = ? AND unit_class_id = ?"""
_READ_ACCOUNTS = "SELECT id, code, kind, status, holder FROM accounts WHERE id IN ({})"
_READ_CLASSES = """
SELECT id, code, unit_type, kind, jurisdiction, vintage, project, labels, next_serial
FROM unit_classes WHERE id IN ({})"""
_BLOCK_COLUMNS = "id, account_id, unit_class_id, first_serial, last_serial"
_HELD = f"""
SELECT {_BLOCK_COLUMNS} FROM unit_blocks WHERE account_id = ? AND unit_class_id = ?
ORDER BY first_serial - last_serial, first_serial"""
# Blocks never overlap within a class, so a serial ends (or starts) at most one block of it;
# the block ending at a serial is the one starting last at or before it.
_ENDING_AT = f"""
SELECT {_BLOCK_COLUMNS} FROM unit_blocks WHERE unit_class_id = ? AND first_serial <= ?
ORDER BY first_serial DESC LIMIT 1"""
_STARTING_AT = f"""
SELECT {_BLOCK_COLUMNS} FROM unit_blocks WHERE unit_class_id = ? AND first_serial = ?"""
_DELETE_BLOCKS = "DELETE FROM unit_blocks WHERE id IN ({})"
_SHRINK_BLOCK = "UPDATE unit_blocks SET first_serial = ? WHERE id = ?"
_INSERT_BLOCK = """
INSERT INTO unit_blocks (account_id, unit_class_id, first_serial, last_serial)
VALUES (?, ?, ?, ?)"""
_ADVANCE_SERIAL = "UPDATE unit_classes SET next_serial = next_serial + ? WHERE id = ?"
_INSERT_TRANSACTION = """
INSERT INTO transactions (type_code, idempotency_key, fingerprint, booked_at,
    compliance_year, memo, sequence, previous_hash, entry_hash)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"""
_ADVANCE_HEAD = "UPDATE journal_head SET sequence = ?, entry_hash = ? WHERE id = 1"
_LAST_MOVEMENT = "SELECT coalesce(max(id), 0) FROM movements"
_INSERT_MOVEMENT = """
INSERT INTO movements (id, transaction_id, from_account_id, to_account_id, unit_class_id,
    quantity_units) VALUES (?, ?, ?, ?, ?, ?)"""
_INSERT_MOVEMENT_BLOCK = """
INSERT INTO movement_blocks (movement_id, first_serial, last_serial) VALUES (?, ?, ?)"""
_DEBIT = """
UPDATE holdings SET quantity_units = quantity_units + ?
WHERE account_id = ? AND unit_class_id = ?"""
_UPSERT = """
INSERT INTO holdings (account_id, unit_class_id, allows_negative, quantity_units)
VALUES (?, ?, ?, ?)
ON CONFLICT (account_id, unit_class_id) DO UPDATE
SET quantity_units = quantity_units + excluded.quantity_units"""
# As SQLAlchemy stores DateTime on SQLite (UTC, no zone), so its readers parse it back.
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


class SqliteAccess:
    """Registry reads and writes for one request in a SQLite transaction on ``raw``.

    The transaction began with BEGIN IMMEDIATE (store/engine.py, or ``alone``), which takes
    SQLite's write lock at once: the head, holdings and blocks read here stay as read until
    it ends.
    """

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw
        self.snapshot: Snapshot | None = None

    @classmethod
    def inside(cls, connection: Connection) -> SqliteAccess:
        """Access on the caller's SQLAlchemy connection, in its transaction."""
        if not connection.in_transaction():
            connection.begin()
        raw = connection.connection.driver_connection
        assert raw is not None  # a checked-out connection has its driver's
        return cls(raw)

    def read(self, request: TransactionRequest) -> Snapshot:
        raw = self.raw
        head = raw.execute(_HEAD_AND_KEY, (request.idempotency_key,)).fetchone()
        previous = None if head[2] is None else (head[2], head[3])
        snapshot = Snapshot(previous, sequence=head[0], entry_hash=head[1])
        self.snapshot = snapshot
        if previous is not None:
            return snapshot
        needed = serials_needed(request.movements)
        for key in needed:
            found = raw.execute(_HOLDING, key).fetchone()
            if found is not None:
                snapshot.holdings[key] = found[0]
        ids = {m.from_account for m in request.movements} | {
            m.to_account for m in request.movements
        }
        listed, parameters = _in(sorted(ids))
        rows = raw.execute(_READ_ACCOUNTS.format(listed), parameters)
        snapshot.accounts = {row[0]: account_from_row(row) for row in rows}
        listed, parameters = _in(sorted({m.unit_class for m in request.movements}))
        for row in raw.execute(_READ_CLASSES.format(listed), parameters):
            snapshot.classes[row[0]] = unit_class_from_row(row)
            snapshot.next_serial[row[0]] = int(row[8])
        for key, need in needed.items():
            # In the split rule's order (the take index), only as far as the request
            # needs: rows are read lazily.
            blocks = snapshot.held[key] = []
            left = need
            cursor = raw.execute(_HELD, key)
            for row in cursor:
                if left is not None and left <= 0:
                    break
                blocks.append(stored_block(row))
                if left is not None:
                    left -= row[4] - row[3] + 1
            cursor.close()
        return snapshot

    def blocks_at(self, wanted: dict[int, tuple[list[int], list[int]]]) -> list[StoredBlock]:
        """Per unit class, the blocks ending at or starting at the given serials."""
        found: list[StoredBlock] = []
        for unit_class, (ends, starts) in wanted.items():
            for serial in ends:
                row = self.raw.execute(_ENDING_AT, (unit_class, serial)).fetchone()
                if row is not None and row[4] == serial:
                    found.append(stored_block(row))
            for serial in starts:
                row = self.raw.execute(_STARTING_AT, (unit_class, serial)).fetchone()
                if row is not None:
                    found.append(stored_block(row))
        return found

    def write(self, entry: Entry) -> int:
        """Write ``entry`` at the head of the chain; returns the new transaction's id."""
        raw, snapshot, changes = self.raw, self.snapshot, entry.changes
        assert snapshot is not None, "read before write"
        if changes.deleted:
            listed, parameters = _in(changes.deleted)
            raw.execute(_DELETE_BLOCKS.format(listed), parameters)
        if changes.shrunk:
            raw.executemany(_SHRINK_BLOCK, [(first, block) for block, first in changes.shrunk])
        if changes.issued:
            raw.executemany(_ADVANCE_SERIAL, [(q, c) for c, q in sorted(changes.issued.items())])
        if changes.inserted:
            raw.executemany(_INSERT_BLOCK, [(a, c, r.start, r.end) for a, c, r in changes.inserted])
        r = entry.request
        sequence = snapshot.sequence + 1
        entry_hash = entry.entry_hash(sequence, snapshot.entry_hash)
        transaction_id = raw.execute(_INSERT_TRANSACTION, (
            r.type_code, r.idempotency_key, r.fingerprint(),
            entry.booked_at.strftime(_SQLITE_TIME), r.compliance_year, r.memo, sequence,
            snapshot.entry_hash, entry_hash,
        )).lastrowid  # fmt: skip
        raw.execute(_ADVANCE_HEAD, (sequence, entry_hash))
        first = raw.execute(_LAST_MOVEMENT).fetchone()[0] + 1
        raw.executemany(_INSERT_MOVEMENT, [
            (first + index, transaction_id, m.from_account, m.to_account, m.unit_class,
             m.quantity_units)
            for index, m in enumerate(r.movements)
        ])  # fmt: skip
        raw.executemany(_INSERT_MOVEMENT_BLOCK, [
            (first + index, s.start, s.end)
            for index, ranges in enumerate(entry.serials) for s in ranges
        ])  # fmt: skip
        debits, upserts = entry.debits_and_upserts()
        if debits:
            debited = raw.executemany(_DEBIT, [(d, a, c) for a, c, d in debits]).rowcount
            assert debited == len(debits), "a debited holding must exist"
        if upserts:
            raw.executemany(_UPSERT, [(a, c, negative, d) for a, c, d, negative in upserts])
        assert transaction_id is not None
        return transaction_id


@contextmanager
def alone(raw: sqlite3.Connection) -> Iterator[SqliteAccess]:
    """Access for a request that is its own transaction on ``raw`` (from the pool).

    BEGIN IMMEDIATE, then COMMIT if the request wrote, else ROLLBACK; a failure surfaces as
    SQLAlchemy's DBAPIError, as it would through SQLAlchemy.
    """
    raw.execute("BEGIN IMMEDIATE")
    try:
        access = SqliteAccess(raw)
        yield access
        raw.execute("COMMIT")
    except BaseException as error:
        raw.execute("ROLLBACK")
        if isinstance(error, sqlite3.Error):
            raise DBAPIError.instance("", None, error, sqlite3.Error) from error
        raise


def stored_block(row: Any) -> StoredBlock:
    """A blocks-table row (id, account, class, first, last) as the domain sees it."""
    return StoredBlock(row[0], row[1], row[2], Range(row[3], row[4]))
