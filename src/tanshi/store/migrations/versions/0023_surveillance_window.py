"""Surveillance by trading day: indexes to read one day of the log and of the trades.

Revision ID: 0023_surveillance_window
Revises: 0022_transfer_limits
Create Date: 2026-11-24

The surveillance report of day D reads only D's commands of the venue's log, in log order
(and, when a book has no reference price set on D before its first order, the last one set
before D), and the trades of D plus the wash-trade window: (venue, trading day, seq) on
``exchange_commands`` and the trade moment on ``settlements`` let both reads stay the size of
a day however long the history.
"""

from alembic import op

revision = "0023_surveillance_window"
down_revision = "0022_transfer_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_exchange_commands_venue_day", "exchange_commands", ["venue", "trading_day", "seq"]
    )
    op.create_index("ix_settlements_traded_at", "settlements", ["traded_at"])


def downgrade() -> None:
    op.drop_index("ix_settlements_traded_at", table_name="settlements")
    op.drop_index("ix_exchange_commands_venue_day", table_name="exchange_commands")
