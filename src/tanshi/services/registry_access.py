"""Reading what a registry write checks and writing what it decided, with SQLAlchemy Core.

``execute_in`` (services/registry.py) reads a ``Snapshot``, decides in pure code and writes
an ``Entry``. This module does the reading and writing on any store; on PostgreSQL,
``registry_postgres`` does the same in three round trips.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from tanshi.registry import Account, AccountKind, AccountStatus, TransactionRequest, UnitClass
from tanshi.registry.block_changes import BlockChanges, Key, StoredBlock
from tanshi.registry.serials import Range
from tanshi.rulebook.model import UnitKind
from tanshi.services.serial_blocks import blocks_at, held_blocks, write_block_changes
from tanshi.store.schema import (
    accounts,
    holdings,
    journal_head,
    movement_blocks,
    movements,
    transactions,
    unit_classes,
)


@dataclass(slots=True)
class Snapshot:
    """What a registry write reads before deciding, under the journal-head lock."""

    sequence: int
    entry_hash: str
    previous: tuple[int, str] | None  # (transaction id, fingerprint) of the request's key
    holdings: dict[Key, int] = field(default_factory=dict)
    accounts: dict[int, Account] = field(default_factory=dict)
    classes: dict[int, UnitClass] = field(default_factory=dict)
    next_serial: dict[int, int] = field(default_factory=dict)
    held: dict[Key, list[StoredBlock]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Entry:
    """The rows an accepted request writes: its journal entry, movements and their effects."""

    request: TransactionRequest
    booked_at: datetime
    sequence: int
    previous_hash: str
    entry_hash: str
    serials: list[list[Range]]  # per movement
    postings: list[tuple[int, int, int, bool]]  # (account, class, delta, allows_negative)
    changes: BlockChanges

    def transaction_row(self) -> dict[str, Any]:
        r = self.request
        return {
            "type_code": r.type_code, "idempotency_key": r.idempotency_key,
            "fingerprint": r.fingerprint(), "booked_at": self.booked_at,
            "compliance_year": r.compliance_year, "memo": r.memo, "sequence": self.sequence,
            "previous_hash": self.previous_hash, "entry_hash": self.entry_hash,
        }  # fmt: skip

    def debits_and_upserts(
        self,
    ) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int, bool]]]:
        """Debits of accounts that may not go negative (plain updates: the row exists and
        check_request saw enough in it; an upsert's candidate row would fail the CHECK) and
        everything else (upserts)."""
        debits = [(a, c, d) for a, c, d, negative in self.postings if d < 0 and not negative]
        upserts = [p for p in self.postings if not (p[2] < 0 and not p[3])]
        return debits, upserts


# The journal head with the transaction that used the request's key, if any: one round trip.
_HEAD_AND_KEY = (
    select(journal_head.c.sequence, journal_head.c.entry_hash, transactions.c.id,
           transactions.c.fingerprint)
    .select_from(
        journal_head.outerjoin(transactions, transactions.c.idempotency_key == bindparam("key"))
    )
    .where(journal_head.c.id == 1)
)  # fmt: skip
_HEAD_AND_KEY_FOR_UPDATE = _HEAD_AND_KEY.with_for_update(of=journal_head)
_LOCK = (
    select(holdings.c.account_id, holdings.c.unit_class_id, holdings.c.quantity_units)
    .where(
        tuple_(holdings.c.account_id, holdings.c.unit_class_id).in_(
            bindparam("keys", expanding=True)
        )
    )
    .order_by(holdings.c.account_id, holdings.c.unit_class_id)
)
_LOCK_FOR_UPDATE = _LOCK.with_for_update()
_ACCOUNTS = select(accounts).where(accounts.c.id.in_(bindparam("ids", expanding=True)))
_UNIT_CLASSES = select(unit_classes).where(unit_classes.c.id.in_(bindparam("ids", expanding=True)))
_INSERT_TRANSACTION = transactions.insert().returning(transactions.c.id)
_ADVANCE_HEAD = (
    journal_head.update()
    .where(journal_head.c.id == 1)
    .values(sequence=bindparam("sequence"), entry_hash=bindparam("entry_hash"))
)
_INSERT_MOVEMENT = movements.insert().returning(movements.c.id, sort_by_parameter_order=True)
_INSERT_MOVEMENT_BLOCK = movement_blocks.insert()
_DEBIT = (
    holdings.update()
    .where(
        and_(
            holdings.c.account_id == bindparam("account"),
            holdings.c.unit_class_id == bindparam("unit_class"),
        )
    )
    .values(quantity_units=holdings.c.quantity_units + bindparam("delta"))
)


def _upsert(dialect: Any) -> Any:
    statement = dialect.insert(holdings).values(
        account_id=bindparam("account"),
        unit_class_id=bindparam("unit_class"),
        allows_negative=bindparam("allows_negative"),
        quantity_units=bindparam("delta"),
    )
    return statement.on_conflict_do_update(
        index_elements=[holdings.c.account_id, holdings.c.unit_class_id],
        set_={"quantity_units": holdings.c.quantity_units + statement.excluded.quantity_units},
    )


_UPSERT = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}


class CoreAccess:
    """Registry reads and writes as SQLAlchemy Core statements, one at a time."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgresql = connection.dialect.name == "postgresql"

    def read(self, request: TransactionRequest) -> Snapshot:
        """Lock the journal head first (it orders every registry write, so holding locks
        taken after it cannot deadlock), then read everything ``check_request`` needs."""
        c = self.connection
        query = _HEAD_AND_KEY_FOR_UPDATE if self.postgresql else _HEAD_AND_KEY
        head = c.execute(query, {"key": request.idempotency_key}).one()
        previous = None if head.id is None else (head.id, head.fingerprint)
        snapshot = Snapshot(head.sequence, head.entry_hash, previous)
        if previous is not None:
            return snapshot
        sources = sorted({(m.from_account, m.unit_class) for m in request.movements})
        lock = _LOCK_FOR_UPDATE if self.postgresql else _LOCK
        snapshot.holdings = {(r[0], r[1]): r[2] for r in c.execute(lock, {"keys": sources})}
        ids = {m.from_account for m in request.movements} | {
            m.to_account for m in request.movements
        }
        snapshot.accounts = load_accounts(c, ids)
        rows = c.execute(_UNIT_CLASSES, {"ids": sorted({m.unit_class for m in request.movements})})
        for row in rows:
            snapshot.classes[row.id] = unit_class_from_row(row)
            snapshot.next_serial[row.id] = int(row.next_serial)
        snapshot.held = held_blocks(c, sources)
        return snapshot

    def blocks_at(self, wanted: dict[int, tuple[list[int], list[int]]]) -> list[StoredBlock]:
        return blocks_at(self.connection, wanted)

    def write(self, entry: Entry) -> int:
        """Write ``entry``; returns the new transaction's id."""
        c = self.connection
        write_block_changes(c, entry.changes)
        transaction_id = c.execute(_INSERT_TRANSACTION, entry.transaction_row()).scalar_one()
        c.execute(_ADVANCE_HEAD, {"sequence": entry.sequence, "entry_hash": entry.entry_hash})
        rows = [
            {"transaction_id": transaction_id, "from_account_id": m.from_account,
             "to_account_id": m.to_account, "unit_class_id": m.unit_class,
             "quantity_units": m.quantity_units}
            for m in entry.request.movements
        ]  # fmt: skip
        movement_ids = c.execute(_INSERT_MOVEMENT, rows).scalars().all()
        c.execute(
            _INSERT_MOVEMENT_BLOCK,
            [
                {"movement_id": movement_id, "first_serial": r.start, "last_serial": r.end}
                for movement_id, ranges in zip(movement_ids, entry.serials, strict=True)
                for r in ranges
            ],
        )
        debits, upserts = entry.debits_and_upserts()
        if debits:
            c.execute(_DEBIT, [{"account": a, "unit_class": u, "delta": d} for a, u, d in debits])
        if upserts:
            c.execute(
                _UPSERT[c.dialect.name],
                [
                    {"account": a, "unit_class": u, "delta": d, "allows_negative": negative}
                    for a, u, d, negative in upserts
                ],
            )
        return int(transaction_id)


def load_accounts(connection: Connection, ids: Iterable[int]) -> dict[int, Account]:
    """The accounts with ``ids`` that exist."""
    rows = connection.execute(_ACCOUNTS, {"ids": list(ids)})
    return {row.id: account_from_row(row) for row in rows}


def account_from_row(row: Any) -> Account:
    return Account(row.id, row.code, AccountKind(row.kind), AccountStatus(row.status), row.holder)


def load_unit_classes(connection: Connection, ids: Iterable[int]) -> dict[int, UnitClass]:
    """The unit classes with ``ids`` that exist."""
    rows = connection.execute(_UNIT_CLASSES, {"ids": list(ids)})
    return {row.id: unit_class_from_row(row) for row in rows}


def unit_class_from_row(row: Any) -> UnitClass:
    labels = tuple(label for label in row.labels.split(",") if label)
    kind = UnitKind(row.kind)
    return UnitClass(
        row.id, row.code, row.unit_type, kind, row.jurisdiction, row.vintage, row.project, labels
    )
