"""TOTP secrets sealed at rest: room in users.totp_secret for a sealed secret.

A sealed secret (``tsb1:<key id>:<base64>``, services/secret_box.py) is about 94 characters.
The secrets stored before are sealed by ``tanshi serve`` at start-up (``secret_box.reseal``),
which holds the key; a migration does not.

Revision ID: 0015_secret_care
Revises: 0009_api_speed
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_secret_care"
down_revision = "0009_api_speed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column("totp_secret", type_=sa.String(200), existing_type=sa.String(64),
                           existing_nullable=True)  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column("totp_secret", type_=sa.String(64), existing_type=sa.String(200),
                           existing_nullable=True)  # fmt: skip
