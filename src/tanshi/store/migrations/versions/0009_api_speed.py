"""An index for the daily limit of proposals: a source account's proposals by time.

Revision ID: 0009_api_speed
Revises: 0008_registry_throughput
Create Date: 2026-11-25
"""

from alembic import op

revision = "0009_api_speed"
down_revision = "0008_registry_throughput"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_proposals_source_proposed_at", "proposals", ["source_account_id", "proposed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_proposals_source_proposed_at", table_name="proposals")
