"""Court orders on frozen units: partial releases and court-ordered transfers.

Revision ID: 0016_court_orders
Revises: 0013_registry_controls
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_court_orders"
down_revision = "0013_registry_controls"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _to(table: str, name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(f"{table}.id"), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "freeze_reductions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _to("unit_freezes", "freeze_id"),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("quantity_units", sa.BigInteger(), nullable=False),
        _to("transactions", "transaction_id"),
        sa.Column("made_by", sa.String(120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _moment("made_at"),
        sa.CheckConstraint(
            "quantity_units > 0", name=op.f("ck_freeze_reductions_reduced_quantity_positive")
        ),
        sa.CheckConstraint(
            "kind IN ('release', 'court_transfer')",
            name=op.f("ck_freeze_reductions_reduction_kind"),
        ),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_freeze_reductions_transaction_id")),
    )
    op.create_index("ix_freeze_reductions_freeze_id", "freeze_reductions", ["freeze_id"])
    # Orders released whole before this migration: one release of their whole quantity.
    op.execute(
        "INSERT INTO freeze_reductions (freeze_id, kind, quantity_units, transaction_id, "
        "made_by, reason, made_at) SELECT id, 'release', quantity_units, "
        "release_transaction_id, released_by, release_reason, released_at FROM unit_freezes "
        "WHERE release_transaction_id IS NOT NULL"
    )
    op.create_table(
        "court_transfers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        _to("unit_freezes", "freeze_id"),
        _to("accounts", "destination_account_id"),
        sa.Column("quantity_units", sa.BigInteger(), nullable=False),
        sa.Column("court_order_reference", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposed_by", sa.String(120), nullable=False),
        _moment("proposed_at"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("result", sa.String(60), nullable=False),
        sa.Column("decided_by", sa.String(120), nullable=True),
        _moment("decided_at", nullable=True),
        _to("transactions", "transaction_id", nullable=True),
        sa.CheckConstraint(
            "quantity_units > 0", name=op.f("ck_court_transfers_court_quantity_positive")
        ),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_court_transfers_idempotency_key")),
    )
    op.create_index("ix_court_transfers_freeze_id", "court_transfers", ["freeze_id"])


def downgrade() -> None:
    op.drop_index("ix_court_transfers_freeze_id", table_name="court_transfers")
    op.drop_table("court_transfers")
    op.drop_index("ix_freeze_reductions_freeze_id", table_name="freeze_reductions")
    op.drop_table("freeze_reductions")
