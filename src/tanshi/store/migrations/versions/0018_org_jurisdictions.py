"""Organisations in jurisdictions: ``organisations.jurisdiction_id`` (nullable).

A company's organisation takes its company's jurisdiction. A regulator's organisation takes
the database's jurisdiction when there is exactly one; with several the migration does not
guess: it leaves the regulator without a jurisdiction (it then sees none, docs/security.md
"Jurisdictions") and logs the command an operator runs for each,
``tanshi user organisation-jurisdiction CODE JURISDICTION``. Other organisations (verifiers,
exchanges, traders, auditors, the operator) stay without one: they serve every jurisdiction.

Revision ID: 0018_org_jurisdictions
Revises: 0016_court_orders
Create Date: 2026-11-24
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0018_org_jurisdictions"
down_revision = "0016_court_orders"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("jurisdiction_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_organisations_jurisdiction_id_jurisdictions",
                                 "jurisdictions", ["jurisdiction_id"], ["id"])  # fmt: skip
    op.create_index("ix_organisations_jurisdiction_id", "organisations", ["jurisdiction_id"])
    connection = op.get_bind()
    connection.execute(sa.text(
        "UPDATE organisations SET jurisdiction_id = (SELECT companies.jurisdiction_id "
        "FROM companies WHERE companies.id = organisations.company_id) "
        "WHERE company_id IS NOT NULL"
    ))  # fmt: skip
    codes = connection.execute(sa.text("SELECT id, code FROM jurisdictions")).all()
    regulators = connection.execute(sa.text(
        "SELECT code FROM organisations WHERE kind = 'regulator' ORDER BY code"
    )).scalars().all()  # fmt: skip
    if len(codes) == 1:
        connection.execute(
            sa.text("UPDATE organisations SET jurisdiction_id = :j WHERE kind = 'regulator'"),
            {"j": codes[0].id},
        )
    elif regulators and codes:
        names = ", ".join(sorted(row.code for row in codes))
        for code in regulators:
            log.warning(
                "regulator organisation %s has no jurisdiction (this database holds %s) and "
                "sees none until an operator runs: tanshi user organisation-jurisdiction %s "
                "JURISDICTION", code, names, code,
            )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_organisations_jurisdiction_id", table_name="organisations")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_constraint("fk_organisations_jurisdiction_id_jurisdictions", type_="foreignkey")
        batch.drop_column("jurisdiction_id")
