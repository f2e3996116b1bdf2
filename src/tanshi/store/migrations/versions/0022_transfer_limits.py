"""Transfer limits: an account's own limit of units per transfer, set by two representatives.

Revision ID: 0022_transfer_limits
Revises: 0021_block_take_order
Create Date: 2026-11-24

EU Reg. 2019/1122 Art. 23(3b): representatives may set limits on their own account's
transactions, approved by a second representative. Each confirmed change is a row (the
latest is in force; a row without units removes the limit); pending changes wait in
``admin_requests`` as trusted-list changes do.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_transfer_limits"
down_revision = "0021_block_take_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_transaction_limits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("max_units_per_transaction", sa.BigInteger(), nullable=True),
        sa.Column("requested_by", sa.String(120), nullable=False),
        sa.Column("approved_by", sa.String(120), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_account_transaction_limits_account_id", "account_transaction_limits", ["account_id"]
    )


def downgrade() -> None:
    op.drop_index(
        "ix_account_transaction_limits_account_id", table_name="account_transaction_limits"
    )
    op.drop_table("account_transaction_limits")
