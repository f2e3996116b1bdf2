"""Serial blocks taken largest first: an index in that order, and reads that stop early.

Revision ID: 0021_block_take_order
Revises: 0020_registry_cpu
Create Date: 2026-11-24

The split rule now takes a source's largest block first (of equal blocks, the lowest), whole
blocks until the rest fits in one (``tanshi.registry.serials``). The holder index of
``unit_blocks`` becomes (account, unit class, first serial − last serial, first serial), the
rule's order, so a transfer reads its source's blocks in that order and stops once it has
enough. The old index on (account, unit class, first serial) goes: neighbours are found
through (unit class, first serial), as the general read already did, since blocks of a
class never overlap.

On PostgreSQL ``tanshi_registry_read`` is 0020's, with two changes: the sources' blocks are
read by a loop that stops as soon as a source has what the request takes (the window sum of
0008 read every block of the holding, however splintered, and only then filtered); and the
common read's neighbour lookup goes through the class index, filtered by receiver after.
The locks, their order and the rest of the statement are 0020's, taken from its file.
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0021_block_take_order"
down_revision = "0020_registry_cpu"
branch_labels = None
depends_on = None


def _previous():
    """Migration 0020's module: its read function is the text this one edits."""
    path = Path(__file__).with_name("0020_registry_cpu.py")
    spec = importlib.util.spec_from_file_location("tanshi_migration_0020", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_OLD_HELD = """SELECT b.id, b.account_id, b.unit_class_id, b.first_serial, b.last_serial
            FROM unnest(source_accounts, source_classes, source_needs) AS s(a, c, need),
            LATERAL (SELECT * FROM (
                         SELECT b.*, sum(b.last_serial - b.first_serial + 1) OVER (
                                    ORDER BY b.first_serial ROWS UNBOUNDED PRECEDING)
                                - (b.last_serial - b.first_serial + 1) AS before
                         FROM unit_blocks b
                         WHERE b.account_id = s.a AND b.unit_class_id = s.c) b
                     WHERE s.need IS NULL OR b.before < s.need) b"""
_NEW_HELD = """SELECT * FROM unnest(held_ids, held_accounts, held_classes, held_firsts,
                                 held_lasts)
                AS b(id, account_id, unit_class_id, first_serial, last_serial)"""

_OLD_NEAR = """                           LATERAL (SELECT * FROM unit_blocks b
                                    WHERE b.account_id = g.t AND b.unit_class_id = g.c
                                      AND b.first_serial < g.first_serial
                                    ORDER BY b.first_serial DESC LIMIT 1) b
                           WHERE b.last_serial = g.first_serial - 1
                           UNION ALL
                           SELECT b.* FROM gives g,
                           LATERAL (SELECT * FROM unit_blocks b
                                    WHERE b.account_id = g.t AND b.unit_class_id = g.c
                                      AND b.first_serial = g.last_serial + 1 OFFSET 0) b) n)"""
_NEW_NEAR = """                           LATERAL (SELECT * FROM unit_blocks b
                                    WHERE b.unit_class_id = g.c
                                      AND b.first_serial < g.first_serial
                                    ORDER BY b.first_serial DESC LIMIT 1) b
                           WHERE b.last_serial = g.first_serial - 1 AND b.account_id = g.t
                           UNION ALL
                           SELECT b.* FROM gives g,
                           LATERAL (SELECT * FROM unit_blocks b
                                    WHERE b.unit_class_id = g.c
                                      AND b.first_serial = g.last_serial + 1 OFFSET 0) b
                           WHERE b.account_id = g.t) n)"""

_OLD_DECLARE = """    found_fingerprint text;
BEGIN"""
_NEW_DECLARE = """    found_fingerprint text;
    held_ids integer[] := '{}';
    held_accounts integer[] := '{}';
    held_classes integer[] := '{}';
    held_firsts bigint[] := '{}';
    held_lasts bigint[] := '{}';
    held_units bigint;
    held_block record;
BEGIN"""

# Under the locks, before the snapshot statement: each source's blocks in the split rule's
# order, as far as the request takes (all of them where it names serials: need is null).
_OLD_SNAPSHOT = """    IF cardinality(issued_classes) > 0 OR cardinality(end_classes) > 0"""
_NEW_SNAPSHOT = """    FOR i IN 1 .. coalesce(cardinality(source_accounts), 0) LOOP
        held_units := 0;
        FOR held_block IN SELECT b.id, b.first_serial, b.last_serial FROM unit_blocks b
                     WHERE b.account_id = source_accounts[i]
                       AND b.unit_class_id = source_classes[i]
                     ORDER BY b.first_serial - b.last_serial, b.first_serial LOOP
            held_ids := held_ids || held_block.id;
            held_accounts := held_accounts || source_accounts[i];
            held_classes := held_classes || source_classes[i];
            held_firsts := held_firsts || held_block.first_serial;
            held_lasts := held_lasts || held_block.last_serial;
            held_units := held_units + held_block.last_serial - held_block.first_serial + 1;
            EXIT WHEN source_needs[i] IS NOT NULL AND held_units >= source_needs[i];
        END LOOP;
    END LOOP;
    IF cardinality(issued_classes) > 0 OR cardinality(end_classes) > 0"""


def _read() -> str:
    """0020's read function with the early-stopping block read and the class-index lookup."""
    text = _previous()._READ
    for old, new, count in (
        (_OLD_HELD, _NEW_HELD, 2),
        (_OLD_NEAR, _NEW_NEAR, 1),
        (_OLD_DECLARE, _NEW_DECLARE, 1),
        (_OLD_SNAPSHOT, _NEW_SNAPSHOT, 1),
    ):
        assert text.count(old) == count, f"0020's read function changed: {old[:60]!r}"
        text = text.replace(old, new)
    return text


def _take_index() -> None:
    op.create_index(
        "ix_unit_blocks_take",
        "unit_blocks",
        ["account_id", "unit_class_id", sa.text("(first_serial - last_serial)"), "first_serial"],
    )


def upgrade() -> None:
    _take_index()
    op.drop_index("ix_unit_blocks_holder", table_name="unit_blocks")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_read())


def downgrade() -> None:
    op.create_index(
        "ix_unit_blocks_holder", "unit_blocks", ["account_id", "unit_class_id", "first_serial"]
    )
    op.drop_index("ix_unit_blocks_take", table_name="unit_blocks")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_previous()._READ)
