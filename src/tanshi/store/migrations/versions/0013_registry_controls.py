"""Registry controls: trusted-list removals, second-approval waivers, frozen quantities.

Revision ID: 0013_registry_controls
Revises: 0012_bid_book
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_registry_controls"
down_revision = "0012_bid_book"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _account(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("accounts.id"), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "trusted_list_removals",
        sa.Column("id", sa.Integer(), primary_key=True),
        _account("account_id"),
        _account("trusted_account_id"),
        sa.Column("requested_by", sa.String(120), nullable=False),
        sa.Column("approved_by", sa.String(120), nullable=False),
        _moment("active_from"),
        sa.Column("removed_by", sa.String(120), nullable=False),
        _moment("removed_at"),
    )
    op.create_index("ix_trusted_list_removals_account_id", "trusted_list_removals", ["account_id"])
    op.create_table(
        "approval_waivers",
        sa.Column("id", sa.Integer(), primary_key=True),
        _account("account_id"),
        sa.Column("waived", sa.Boolean(), nullable=False),
        sa.Column("declared_by", sa.String(120), nullable=False),
        sa.Column("set_by", sa.String(120), nullable=False),
        _moment("set_at"),
    )
    op.create_index("ix_approval_waivers_account_id", "approval_waivers", ["account_id"])
    op.create_table(
        "unit_freezes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _account("account_id"),
        _account("frozen_account_id"),
        sa.Column("unit_class_id", sa.Integer(), sa.ForeignKey("unit_classes.id"), nullable=False),
        sa.Column("quantity_units", sa.BigInteger(), nullable=False),
        sa.Column("order_reference", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("ordered_by", sa.String(120), nullable=False),
        _moment("frozen_at"),
        sa.Column(
            "freeze_transaction_id",
            sa.Integer(),
            sa.ForeignKey("transactions.id"),
            nullable=False,
        ),
        _moment("released_at", nullable=True),
        sa.Column("released_by", sa.String(120), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.Column(
            "release_transaction_id",
            sa.Integer(),
            sa.ForeignKey("transactions.id"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "quantity_units > 0", name=op.f("ck_unit_freezes_frozen_quantity_positive")
        ),
        sa.UniqueConstraint(
            "freeze_transaction_id", name=op.f("uq_unit_freezes_freeze_transaction_id")
        ),
    )
    op.create_index("ix_unit_freezes_account_id", "unit_freezes", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_unit_freezes_account_id", table_name="unit_freezes")
    op.drop_table("unit_freezes")
    op.drop_index("ix_approval_waivers_account_id", table_name="approval_waivers")
    op.drop_table("approval_waivers")
    op.drop_index("ix_trusted_list_removals_account_id", table_name="trusted_list_removals")
    op.drop_table("trusted_list_removals")
