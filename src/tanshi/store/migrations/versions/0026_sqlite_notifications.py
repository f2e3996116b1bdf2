"""Notifications on SQLite: a table of messages that server processes poll.

Revision ID: 0026_sqlite_notifications
Revises: 0025_surveillance_positions
Create Date: 2026-11-24

PostgreSQL delivers a revocation to every server process with NOTIFY
(``store/notifications.py``). SQLite has no NOTIFY, so a
revocation made by the CLI (another process) reached a running ``tanshi serve`` only when
its token cache expired. On SQLite ``notify`` now inserts a row here in the caller's
transaction (so, as with NOTIFY, only a commit sends it) and each server process polls for
rows newer than the last it saw. AUTOINCREMENT keeps ids from being reused after old rows
are deleted, which a poller comparing ids relies on. PostgreSQL has the table too (one
schema for both stores) but never writes to it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_sqlite_notifications"
down_revision = "0025_surveillance_positions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(63), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_notifications_sent_at", "notifications", ["sent_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_sent_at", table_name="notifications")
    op.drop_table("notifications")
