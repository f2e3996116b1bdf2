"""Login attempts in the database: the per-address throttle every server process shares.

Revision ID: 0024_login_attempts
Revises: 0023_surveillance_window
Create Date: 2026-11-24

With ``TANSHI_WORKERS`` above 1 each process used to count its own attempts, so an address
got that many times the limit. One row per attempt (address, moment), deleted once older
than the sliding minute: the table holds at most a minute of attempts.
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_login_attempts"
down_revision = "0023_surveillance_window"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_attempts_attempted_at", "login_attempts", ["attempted_at"])
    op.create_index("ix_login_attempts_address_at", "login_attempts", ["address", "attempted_at"])


def downgrade() -> None:
    op.drop_index("ix_login_attempts_address_at", table_name="login_attempts")
    op.drop_index("ix_login_attempts_attempted_at", table_name="login_attempts")
    op.drop_table("login_attempts")
