"""Password care: a password set by an administrator must be changed at the next login.

Revision ID: 0011_identity_care
Revises: 0007_exchange
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_identity_care"
down_revision = "0007_exchange"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
