"""The exchange's command log: what the matching engine was fed, for replay.

Revision ID: 0007_exchange
Revises: 0005_identity
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_exchange"
down_revision = "0005_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_commands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("venue", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("trading_day", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("product", sa.String(length=80), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("owner", sa.String(length=40), nullable=True),
        sa.Column("side", sa.Integer(), nullable=True),
        sa.Column("quantity_t", sa.BigInteger(), nullable=True),
        sa.Column("price_fen", sa.BigInteger(), nullable=True),
        sa.Column("time_in_force", sa.Integer(), nullable=True),
        sa.Column("phase", sa.String(length=20), nullable=True),
        sa.Column("reference_fen", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('NewOrder', 'CancelOrder', 'AmendOrder', 'SetPhase', 'SetReference',"
            " 'ExpireOrders')",
            name=op.f("ck_exchange_commands_kind_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_commands")),
        sa.UniqueConstraint("venue", "seq", name=op.f("uq_exchange_commands_venue_seq")),
    )
    op.create_index(op.f("ix_exchange_commands_trading_day"), "exchange_commands", ["trading_day"])


def downgrade() -> None:
    op.drop_index(op.f("ix_exchange_commands_trading_day"), table_name="exchange_commands")
    op.drop_table("exchange_commands")
