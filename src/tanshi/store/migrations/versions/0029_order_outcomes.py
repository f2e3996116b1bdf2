"""The matching engine's answer to each logged command, stored beside it.

Revision ID: 0029_order_outcomes
Revises: 0028_finding_withdrawals
Create Date: 2026-11-25

The command log kept what was submitted but not what the engine said, so an order it
refused (outside the price limits, off the tick, FOK not fillable) read like one that was
accepted. ``result_code`` is the engine's ``ResultCode`` (``ok`` when accepted) and
``result_message`` the sentence the trader was given with its figures (the limits of that
day), both written with the row; rows logged before this revision keep NULL (not recorded).
"""

import sqlalchemy as sa
from alembic import op

revision = "0029_order_outcomes"
down_revision = "0028_finding_withdrawals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("exchange_commands", sa.Column("result_code", sa.String(60), nullable=True))
    op.add_column("exchange_commands", sa.Column("result_message", sa.Text(), nullable=True))


def downgrade() -> None:
    # SQLite (3.35+) drops a column that no index or constraint names in place.
    op.drop_column("exchange_commands", "result_message")
    op.drop_column("exchange_commands", "result_code")
