"""Accounts in jurisdictions: ``accounts.jurisdiction_id`` (NOT NULL, indexed).

Until now an account's jurisdiction was read from its code, ``<JURISDICTION>-...``; every
account tanshi opens is named so (system, operator holding, project, trading, clearing and
frozen-units accounts). The migration fills the column by that rule. An account whose code
names no jurisdiction of the database could only have been written by hand; the migration
then stops, lists them, and changes nothing, rather than guess.

Revision ID: 0019_account_jurisdictions
Revises: 0018_org_jurisdictions
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_account_jurisdictions"
down_revision = "0018_org_jurisdictions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    # Checked before anything is written. Jurisdiction codes are 2-6 capital letters: the
    # pattern holds no LIKE wildcard, and no code is another's prefix up to the dash.
    strays = connection.execute(sa.text(
        "SELECT code FROM accounts WHERE NOT EXISTS (SELECT 1 FROM jurisdictions "
        "WHERE accounts.code LIKE jurisdictions.code || '-%') ORDER BY code"
    )).scalars().all()  # fmt: skip
    if strays:
        raise RuntimeError(
            f"{len(strays)} account(s) have a code that names no jurisdiction of this "
            f"database: {', '.join(strays[:20])}; rename them to <JURISDICTION>-... (or open "
            "their jurisdiction) and migrate again"
        )
    op.add_column("accounts", sa.Column("jurisdiction_id", sa.Integer(), nullable=True))
    connection.execute(sa.text(
        "UPDATE accounts SET jurisdiction_id = (SELECT jurisdictions.id FROM jurisdictions "
        "WHERE accounts.code LIKE jurisdictions.code || '-%')"
    ))  # fmt: skip
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column("jurisdiction_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_accounts_jurisdiction_id_jurisdictions",
                                 "jurisdictions", ["jurisdiction_id"], ["id"])  # fmt: skip
    op.create_index("ix_accounts_jurisdiction_id", "accounts", ["jurisdiction_id"])


def downgrade() -> None:
    op.drop_index("ix_accounts_jurisdiction_id", table_name="accounts")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("fk_accounts_jurisdiction_id_jurisdictions", type_="foreignkey")
        batch.drop_column("jurisdiction_id")
