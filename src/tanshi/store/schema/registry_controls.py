"""Registry controls: trusted lists, waivers, transfer limits, freezes, court orders, proposals."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tanshi.store.schema.base import metadata

trusted_accounts = Table(
    "trusted_accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False),
    Column("trusted_account_id", ForeignKey("accounts.id"), nullable=False),
    Column("requested_by", String(120), nullable=False),
    Column("approved_by", String(120), nullable=False),
    Column("active_from", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "trusted_account_id"),
    CheckConstraint("requested_by <> approved_by", name="four_eyes"),
)

# Entries taken off a trusted list (at once, or on a second representative's confirmation), with
# the entry as it was (append-only).
trusted_list_removals = Table(
    "trusted_list_removals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("trusted_account_id", ForeignKey("accounts.id"), nullable=False),
    Column("requested_by", String(120), nullable=False),
    Column("approved_by", String(120), nullable=False),
    Column("active_from", DateTime(timezone=True), nullable=False),
    Column("removed_by", String(120), nullable=False),
    Column("removed_at", DateTime(timezone=True), nullable=False),
)

# An account holder's declaration that transfers to its trusted list need no second
# approval, and its withdrawal; the latest row of an account is in force (append-only).
approval_waivers = Table(
    "approval_waivers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("waived", Boolean, nullable=False),
    Column("declared_by", String(120), nullable=False),
    Column("set_by", String(120), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
)

# An account's own limit of units per transfer, each change proposed by one representative
# and confirmed by another (EU Reg. 2019/1122 Art. 23(3b)); the latest row is in force, a
# row without units removes the limit (append-only).
account_transaction_limits = Table(
    "account_transaction_limits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("max_units_per_transaction", BigInteger, nullable=True),
    Column("requested_by", String(120), nullable=False),
    Column("approved_by", String(120), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
)

# Court or regulator orders freezing units of an account; the units sit in the account's
# frozen-units account from the freeze transaction to the release transaction.
unit_freezes = Table(
    "unit_freezes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    # Indexed: the holder of a frozen-units account, for surveillance (migration 0025).
    Column("frozen_account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("unit_class_id", ForeignKey("unit_classes.id"), nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("order_reference", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("ordered_by", String(120), nullable=False),
    Column("frozen_at", DateTime(timezone=True), nullable=False),
    Column("freeze_transaction_id", ForeignKey("transactions.id"), nullable=False, unique=True),
    Column("released_at", DateTime(timezone=True), nullable=True),
    Column("released_by", String(120), nullable=True),
    Column("release_reason", Text, nullable=True),
    Column("release_transaction_id", ForeignKey("transactions.id"), nullable=True),
    CheckConstraint("quantity_units > 0", name="frozen_quantity_positive"),
)

# What left a freeze order, one row per transaction: part or all of its units released back
# to the account, or transferred by court order (``court_transfers``). The order still holds
# its quantity less these rows; when nothing is left it is closed (``released_at``).
freeze_reductions = Table(
    "freeze_reductions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("freeze_id", ForeignKey("unit_freezes.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=False, unique=True),
    Column("made_by", String(120), nullable=False),
    Column("reason", Text, nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("quantity_units > 0", name="reduced_quantity_positive"),
    CheckConstraint("kind IN ('release', 'court_transfer')", name="reduction_kind"),
)

# Transfers of frozen units ordered by a court (司法扣划): proposed by one regulator user,
# executed when another approves; the status moves awaiting_approval → executed, failed or
# cancelled.
court_transfers = Table(
    "court_transfers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("freeze_id", ForeignKey("unit_freezes.id"), nullable=False, index=True),
    Column("destination_account_id", ForeignKey("accounts.id"), nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("court_order_reference", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("proposed_by", String(120), nullable=False),
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),
    Column("result", String(60), nullable=False),
    Column("decided_by", String(120), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=True),
    CheckConstraint("quantity_units > 0", name="court_quantity_positive"),
)

# Transactions proposed by people: the lifecycle proposed → approved → delayed → executed.
proposals = Table(
    "proposals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("type_code", String(40), nullable=False),
    Column("request", JSON, nullable=False),
    Column("source_account_id", ForeignKey("accounts.id"), nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("initiator", String(120), nullable=False),
    Column("approver", String(120), nullable=True),
    Column("status", String(20), nullable=False),
    Column("result", String(60), nullable=False),
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("release_at", DateTime(timezone=True), nullable=True),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=True),
    # The daily limit sums a source account's proposals of the last days.
    Index("ix_proposals_source_proposed_at", "source_account_id", "proposed_at"),
)

# Every check and step of every proposal, in order (append-only).
proposal_events = Table(
    "proposal_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("proposal_id", ForeignKey("proposals.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("event", String(30), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("result", String(60), nullable=False),
)
