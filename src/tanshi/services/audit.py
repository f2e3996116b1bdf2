"""Verifying the registry: the journal's hash chain and an independent reconciliation.

The queries here are this module's own; they read what execution wrote and never call the
execution code, so the two can catch each other's mistakes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select

from tanshi.reconciliation import (
    AccountRow,
    BlockRow,
    Discrepancy,
    FrozenOrderRow,
    HoldingRow,
    MovementRow,
    check_frozen_units,
    reconcile,
)
from tanshi.registry.checkpoints import Checkpoint
from tanshi.registry.journal import GENESIS_HASH, ChainBreak, JournalEntry, first_broken
from tanshi.store.engine import reader
from tanshi.store.schema import (
    accounts,
    freeze_reductions,
    holdings,
    journal_head,
    jurisdictions,
    movement_blocks,
    movements,
    transactions,
    unit_blocks,
    unit_classes,
    unit_freezes,
)


@dataclass(frozen=True, slots=True)
class AuditReport:
    """What ``verify_registry`` found."""

    entries: int
    head_hash: str
    chain_break: ChainBreak | None
    head_mismatch: bool
    discrepancies: list[Discrepancy]

    @property
    def ok(self) -> bool:
        return self.chain_break is None and not self.head_mismatch and not self.discrepancies


def read_journal(connection: Connection) -> list[JournalEntry]:
    """Every journal entry in chain order, with its movements in booking order."""
    ranges: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for movement_id, first, last in connection.execute(
        select(movement_blocks.c.movement_id, movement_blocks.c.first_serial,
               movement_blocks.c.last_serial).order_by(movement_blocks.c.id)
    ):  # fmt: skip
        ranges[movement_id].append((int(first), int(last)))
    moved: dict[int, list[tuple[int, int, int, int, tuple[tuple[int, int], ...]]]]
    moved = defaultdict(list)
    rows = connection.execute(
        select(
            movements.c.id, movements.c.transaction_id, movements.c.from_account_id,
            movements.c.to_account_id, movements.c.unit_class_id, movements.c.quantity_units,
        ).order_by(movements.c.id)
    )  # fmt: skip
    for movement_id, transaction_id, source, target, unit_class, quantity in rows:
        moved[transaction_id].append(
            (source, target, unit_class, int(quantity), tuple(ranges[movement_id]))
        )
    entries = connection.execute(select(transactions).order_by(transactions.c.sequence))
    return [
        JournalEntry(
            id=row.sequence,
            type_code=row.type_code,
            idempotency_key=row.idempotency_key,
            booked_at=row.booked_at,
            compliance_year=row.compliance_year,
            memo=row.memo,
            movements=tuple(moved[row.id]),
            previous_hash=row.previous_hash,
            entry_hash=row.entry_hash,
        )
        for row in entries
    ]


def _movement_rows(connection: Connection) -> list[MovementRow]:
    query = (
        select(
            transactions.c.sequence, transactions.c.type_code, movements.c.from_account_id,
            movements.c.to_account_id, movements.c.unit_class_id, unit_classes.c.kind,
            movements.c.quantity_units,
        )
        .select_from(movements.join(transactions).join(unit_classes))
        .order_by(movements.c.id)
    )  # fmt: skip
    return [MovementRow(*row[:6], int(row[6])) for row in connection.execute(query)]


def _frozen_orders(connection: Connection) -> list[FrozenOrderRow]:
    """What each freeze order still holds: what it froze less what was released from it or
    transferred out of it by court order."""
    gone = (
        select(freeze_reductions.c.freeze_id,
               func.sum(freeze_reductions.c.quantity_units).label("units"))
        .group_by(freeze_reductions.c.freeze_id).subquery()
    )  # fmt: skip
    rows = connection.execute(
        select(unit_freezes.c.frozen_account_id, unit_freezes.c.unit_class_id,
               unit_freezes.c.quantity_units, gone.c.units)
        .outerjoin(gone, gone.c.freeze_id == unit_freezes.c.id)
    )  # fmt: skip
    return [FrozenOrderRow(a, u, int(q) - int(g or 0)) for a, u, q, g in rows]


def verify_registry(engine: Engine) -> AuditReport:
    """Recompute the hash chain and reconcile holdings against the journal.

    The reads run in one REPEATABLE READ snapshot on PostgreSQL, so writes that land while
    it reads cannot look like discrepancies.
    """
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with reader(engine).connect().execution_options(**options) as connection:
        entries = read_journal(connection)
        head = connection.execute(select(journal_head.c.sequence, journal_head.c.entry_hash)).one()
        held = [HoldingRow(a, u, int(q)) for a, u, q in connection.execute(
            select(holdings.c.account_id, holdings.c.unit_class_id, holdings.c.quantity_units)
        )]  # fmt: skip
        known = [AccountRow(*row) for row in connection.execute(
            select(accounts.c.id, accounts.c.code, accounts.c.kind)
        )]  # fmt: skip
        found = reconcile(
            _movement_rows(connection),
            held,
            known,
            [BlockRow(c, a, int(f), int(last)) for c, a, f, last in connection.execute(
                select(unit_blocks.c.unit_class_id, unit_blocks.c.account_id,
                       unit_blocks.c.first_serial, unit_blocks.c.last_serial)
            )],
            {c: int(n) - 1 for c, n in connection.execute(
                select(unit_classes.c.id, unit_classes.c.next_serial)
            )},
        )  # fmt: skip
        found += check_frozen_units(held, known, _frozen_orders(connection))
    last_hash = entries[-1].entry_hash if entries else GENESIS_HASH
    head_mismatch = head.entry_hash != last_hash or head.sequence != len(entries)
    return AuditReport(len(entries), head.entry_hash, first_broken(entries), head_mismatch, found)


def head_checkpoint(engine: Engine, now: datetime) -> Checkpoint:
    """A checkpoint of the current journal head (to be signed and published)."""
    with reader(engine).connect() as connection:
        head = connection.execute(select(journal_head.c.sequence, journal_head.c.entry_hash)).one()
        codes = connection.execute(select(jurisdictions.c.code)).scalars().all()
    # One journal serves every jurisdiction of the database: the checkpoint names them all.
    return Checkpoint("+".join(sorted(codes)), int(head.sequence), head.entry_hash, now)


def checkpoint_in_journal(engine: Engine, checkpoint: Checkpoint) -> bool:
    """Whether the journal still has the checkpoint's hash at its sequence."""
    if checkpoint.sequence == 0:
        return checkpoint.entry_hash == GENESIS_HASH
    with reader(engine).connect() as connection:
        stored = connection.execute(
            select(transactions.c.entry_hash).where(transactions.c.sequence == checkpoint.sequence)
        ).scalar()
    return stored == checkpoint.entry_hash
