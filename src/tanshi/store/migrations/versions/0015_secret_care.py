"""Secret care: room in users.totp_secret for a sealed secret; administrators' requests.

A sealed secret (``tsb1:<key id>:<base64>``, services/secret_box.py) is about 94 characters.
The secrets stored before are sealed by ``tanshi serve`` at start-up (``secret_box.reseal``),
which holds the key; a migration does not. ``admin_requests`` holds the administrators'
actions that wait for a second administrator (services/admin_approvals.py).

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
    op.create_table(
        "admin_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(60), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(60), nullable=True),
    )
    op.create_index("ix_admin_requests_state", "admin_requests", ["state"])


def downgrade() -> None:
    op.drop_index("ix_admin_requests_state", table_name="admin_requests")
    op.drop_table("admin_requests")
    with op.batch_alter_table("users") as batch:
        batch.alter_column("totp_secret", type_=sa.String(64), existing_type=sa.String(200),
                           existing_nullable=True)  # fmt: skip
