"""Serial blocks in the database: reading the blocks a transaction touches, writing its changes.

What changes is decided in memory by ``tanshi.registry.block_changes`` (the split rule of
``tanshi.registry.serials``); these functions read its inputs and write its result inside the
registry write that ``services.registry.execute_in`` runs, a bounded number of statements
however many movements the transaction has.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import Connection, bindparam, select, tuple_

from tanshi.registry.block_changes import BlockChanges, Key, StoredBlock
from tanshi.registry.serials import Range
from tanshi.store.schema import unit_blocks, unit_classes

_COLUMNS = (
    unit_blocks.c.id,
    unit_blocks.c.account_id,
    unit_blocks.c.unit_class_id,
    unit_blocks.c.first_serial,
    unit_blocks.c.last_serial,
)
_HELD = (
    select(*_COLUMNS)
    .where(
        tuple_(unit_blocks.c.account_id, unit_blocks.c.unit_class_id).in_(
            bindparam("keys", expanding=True)
        )
    )
    .order_by(unit_blocks.c.account_id, unit_blocks.c.unit_class_id, unit_blocks.c.first_serial)
)
# Blocks never overlap within a class, so a serial ends (or starts) at most one block of it.
_ENDING_AT = select(*_COLUMNS).where(
    unit_blocks.c.unit_class_id == bindparam("unit_class"),
    unit_blocks.c.last_serial.in_(bindparam("serials", expanding=True)),
)
_STARTING_AT = select(*_COLUMNS).where(
    unit_blocks.c.unit_class_id == bindparam("unit_class"),
    unit_blocks.c.first_serial.in_(bindparam("serials", expanding=True)),
)
_NEXT_SERIALS = select(unit_classes.c.id, unit_classes.c.next_serial).where(
    unit_classes.c.id.in_(bindparam("ids", expanding=True))
)
_ADVANCE_SERIAL = (
    unit_classes.update()
    .where(unit_classes.c.id == bindparam("unit_class"))
    .values(next_serial=unit_classes.c.next_serial + bindparam("quantity"))
)
_DELETE_BLOCKS = unit_blocks.delete().where(unit_blocks.c.id.in_(bindparam("ids", expanding=True)))
_SHRINK_BLOCK = (
    unit_blocks.update()
    .where(unit_blocks.c.id == bindparam("block"))
    .values(first_serial=bindparam("first"))
)
_INSERT_BLOCK = unit_blocks.insert()
T = TypeVar("T")
CHUNK = 5_000  # values per IN clause: SQLite caps the bound parameters of one statement


def stored_block(row: tuple[int, int, int, int, int]) -> StoredBlock:
    """A blocks-table row (id, account, class, first, last) as the domain sees it."""
    return StoredBlock(row[0], row[1], row[2], Range(row[3], row[4]))


def held_blocks(connection: Connection, keys: Iterable[Key]) -> dict[Key, list[StoredBlock]]:
    """The blocks each (account, unit class) holds, sorted by first serial."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    held: dict[Key, list[StoredBlock]] = {key: [] for key in wanted}
    for chunk in chunks(wanted):
        for row in connection.execute(_HELD, {"keys": chunk}):
            held[(row[1], row[2])].append(stored_block(row))
    return held


def next_serials(connection: Connection, unit_class_ids: Iterable[int]) -> dict[int, int]:
    """The next unissued serial of each unit class."""
    ids = sorted(set(unit_class_ids))
    if not ids:
        return {}
    rows = connection.execute(_NEXT_SERIALS, {"ids": ids})
    return {row[0]: int(row[1]) for row in rows}


def blocks_at(
    connection: Connection, wanted: dict[int, tuple[list[int], list[int]]]
) -> list[StoredBlock]:
    """Per unit class, the blocks ending at or starting at the given serials."""
    found: list[StoredBlock] = []
    for unit_class, (ends, starts) in wanted.items():
        for query, serials in ((_ENDING_AT, ends), (_STARTING_AT, starts)):
            for chunk in chunks(serials):
                params = {"unit_class": unit_class, "serials": chunk}
                found.extend(stored_block(row) for row in connection.execute(query, params))
    return found


def write_block_changes(connection: Connection, changes: BlockChanges) -> None:
    """Delete, shrink and insert block rows and advance issued serials, as decided."""
    for chunk in chunks(changes.deleted):
        connection.execute(_DELETE_BLOCKS, {"ids": chunk})
    if changes.shrunk:
        connection.execute(
            _SHRINK_BLOCK, [{"block": block, "first": first} for block, first in changes.shrunk]
        )
    if changes.issued:
        connection.execute(
            _ADVANCE_SERIAL,
            [{"unit_class": c, "quantity": q} for c, q in sorted(changes.issued.items())],
        )
    if changes.inserted:
        connection.execute(
            _INSERT_BLOCK,
            [
                {"account_id": account, "unit_class_id": unit_class,
                 "first_serial": r.start, "last_serial": r.end}
                for account, unit_class, r in changes.inserted
            ],
        )  # fmt: skip


def chunks(values: list[T], size: int = CHUNK) -> list[list[T]]:
    """Lists short enough for one IN clause on either store."""
    return [values[i : i + size] for i in range(0, len(values), size)]
