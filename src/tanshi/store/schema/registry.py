"""The registry's record: accounts, unit classes, the chained journal, blocks, holdings."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tanshi.store.schema.base import metadata

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("kind", String(30), nullable=False),
    Column("status", String(20), nullable=False),
    Column("holder", String(200), nullable=False),
    Column("company_id", ForeignKey("companies.id"), nullable=True),
    Column("allows_negative", Boolean, nullable=False),
    # The jurisdiction the account belongs to (its code starts with the jurisdiction's).
    Column("jurisdiction_id", ForeignKey("jurisdictions.id"), nullable=False, index=True),
    # Lets holdings copy allows_negative under a foreign key, so the CHECK on holdings
    # can rely on it (a CHECK cannot read another table).
    UniqueConstraint("id", "allows_negative"),
    CheckConstraint("allows_negative = (kind = 'issuance')", name="only_issuance_may_go_negative"),
)

retirements = Table(
    "retirements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=False, unique=True),
    Column("certificate_number", String(60), nullable=False, unique=True),
    Column("beneficiary", String(200), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("retired_at", DateTime(timezone=True), nullable=False),
)

account_status_changes = Table(
    "account_status_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("from_status", String(20), nullable=False),
    Column("to_status", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

representatives = Table(
    "representatives",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False),
    Column("person", String(120), nullable=False),
    Column("can_initiate", Boolean, nullable=False),
    Column("can_approve", Boolean, nullable=False),
    Column("can_view", Boolean, nullable=False),
    UniqueConstraint("account_id", "person"),
)

unit_classes = Table(
    "unit_classes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(60), nullable=False, unique=True),
    Column("unit_type", String(40), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("jurisdiction", String(8), nullable=False),
    Column("vintage", Integer, nullable=False),
    Column("project", String(40), nullable=True),
    Column("labels", String(200), nullable=False, server_default=""),  # comma-separated
    # Serials of the class are numbered from 1 in issuance order; this is the next one.
    Column("next_serial", BigInteger, nullable=False, server_default="1"),
)

transactions = Table(
    "transactions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("type_code", String(40), nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("fingerprint", Text, nullable=False),
    # Indexed for the surveillance desk's positions at a past day's end (migration 0025).
    Column("booked_at", DateTime(timezone=True), nullable=False, index=True),
    Column("compliance_year", Integer, nullable=True),
    Column("memo", Text, nullable=False),
    # The hash chain (registry/journal.py): position, previous entry's hash, this entry's hash.
    Column("sequence", BigInteger, nullable=False, unique=True),
    Column("previous_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False, unique=True),
)

journal_head = Table(
    "journal_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sequence", BigInteger, nullable=False),
    Column("entry_hash", String(64), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

movements = Table(
    "movements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=False, index=True),
    Column("from_account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("to_account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("unit_class_id", ForeignKey("unit_classes.id"), nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    CheckConstraint("quantity_units > 0", name="quantity_positive"),
    CheckConstraint("from_account_id <> to_account_id", name="accounts_differ"),
)

movement_blocks = Table(
    "movement_blocks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("movement_id", ForeignKey("movements.id"), nullable=False, index=True),
    Column("first_serial", BigInteger, nullable=False),
    Column("last_serial", BigInteger, nullable=False),
    CheckConstraint("1 <= first_serial AND first_serial <= last_serial", name="range_valid"),
)

# Who holds which serials now. Blocks of one unit class never overlap: an exclusion
# constraint on PostgreSQL, triggers on SQLite (see the migration).
unit_blocks = Table(
    "unit_blocks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_class_id", ForeignKey("unit_classes.id"), nullable=False),
    Column("account_id", ForeignKey("accounts.id"), nullable=False),
    Column("first_serial", BigInteger, nullable=False),
    Column("last_serial", BigInteger, nullable=False),
    CheckConstraint("1 <= first_serial AND first_serial <= last_serial", name="range_valid"),
    # Also finds the block ending at a serial: the one of its class starting last before it.
    Index("ix_unit_blocks_class_range", "unit_class_id", "first_serial"),
)
# A holding's blocks in the split rule's order (largest first, then lowest serials), so a
# transfer reads only the blocks it takes (registry/serials.py, migration 0021).
Index(
    "ix_unit_blocks_take",
    unit_blocks.c.account_id,
    unit_blocks.c.unit_class_id,
    unit_blocks.c.first_serial - unit_blocks.c.last_serial,
    unit_blocks.c.first_serial,
)

holdings = Table(
    "holdings",
    metadata,
    Column("account_id", Integer, primary_key=True),
    Column("unit_class_id", ForeignKey("unit_classes.id"), primary_key=True),
    Column("allows_negative", Boolean, nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["account_id", "allows_negative"], ["accounts.id", "accounts.allows_negative"]
    ),
    CheckConstraint("allows_negative OR quantity_units >= 0", name="never_negative"),
    sqlite_with_rowid=False,  # the primary key is the table on SQLite: one b-tree per write
)
