"""A verifier's withdrawal of a finding, recorded beside it (append-only).

Revision ID: 0028_finding_withdrawals
Revises: 0027_bulk_allocation
Create Date: 2026-11-25

Findings are append-only (0002_mrv_workflow), so a finding recorded by mistake cannot be
deleted or changed: its withdrawal is a row of its own, and a withdrawn finding no longer
counts when the body concludes. One withdrawal per finding.
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_finding_withdrawals"
down_revision = "0027_bulk_allocation"
branch_labels = None
depends_on = None

TABLE = "verification_finding_withdrawals"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"], ["verification_bodies.id"],
            name=op.f(f"fk_{TABLE}_body_id_verification_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["verification_cases.id"],
            name=op.f(f"fk_{TABLE}_case_id_verification_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["verification_findings.id"],
            name=op.f(f"fk_{TABLE}_finding_id_verification_findings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
        sa.UniqueConstraint("finding_id", name=op.f(f"uq_{TABLE}_finding_id")),
    )  # fmt: skip
    op.create_index(op.f(f"ix_{TABLE}_case_id"), TABLE, ["case_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # tanshi_append_only() is created by revision 0001.
        op.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION tanshi_append_only()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_{action.lower()} BEFORE {action} ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: record a new row'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {TABLE}_append_only ON {TABLE}")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER {TABLE}_no_{action}")
    op.drop_index(op.f(f"ix_{TABLE}_case_id"), table_name=TABLE)
    op.drop_table(TABLE)
