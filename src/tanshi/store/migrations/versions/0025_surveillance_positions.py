"""Surveillance of a past day: positions at its end, and a bounded reference-price look-up.

Revision ID: 0025_surveillance_positions
Revises: 0024_login_attempts
Create Date: 2026-11-24

The report of day D takes each position at D's end as the stored holding less what the
journal moved since: the transactions by moment (``booked_at``) find those movements
without reading the journal before D. A frozen-units account's holder is looked up by the
account's id (``unit_freezes.frozen_account_id``) instead of reading every freeze order. The
last reference price of a product before D is one step through an index of the log's
SetReference rows (partial: the other commands, nearly all of the log, add no entry), so a
product never given one no longer walks the venue's whole log.
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_surveillance_positions"
down_revision = "0024_login_attempts"
branch_labels = None
depends_on = None

SET_REFERENCE = sa.text("kind = 'SetReference'")


def upgrade() -> None:
    op.create_index("ix_transactions_booked_at", "transactions", ["booked_at"])
    op.create_index("ix_unit_freezes_frozen_account_id", "unit_freezes", ["frozen_account_id"])
    op.create_index(
        "ix_exchange_commands_references", "exchange_commands",
        ["venue", "product", "trading_day", "seq"],
        sqlite_where=SET_REFERENCE, postgresql_where=SET_REFERENCE,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_exchange_commands_references", table_name="exchange_commands")
    op.drop_index("ix_unit_freezes_frozen_account_id", table_name="unit_freezes")
    op.drop_index("ix_transactions_booked_at", table_name="transactions")
