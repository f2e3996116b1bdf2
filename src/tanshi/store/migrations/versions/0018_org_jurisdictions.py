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
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        _rebuild_on_sqlite(connection, with_jurisdiction=True)
    else:
        op.add_column("organisations", sa.Column("jurisdiction_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_organisations_jurisdiction_id_jurisdictions", "organisations",
                              "jurisdictions", ["jurisdiction_id"], ["id"])  # fmt: skip
    op.create_index("ix_organisations_jurisdiction_id", "organisations", ["jurisdiction_id"])
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
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        _rebuild_on_sqlite(connection, with_jurisdiction=False)
    else:
        op.drop_constraint("fk_organisations_jurisdiction_id_jurisdictions", "organisations",
                           type_="foreignkey")  # fmt: skip
        op.drop_column("organisations", "jurisdiction_id")


_COLUMNS = "id, code, name, kind, company_id, created_at"


def _organisations_ddl(with_jurisdiction: bool) -> str:
    column = "jurisdiction_id INTEGER, " if with_jurisdiction else ""
    foreign_key = (
        ", CONSTRAINT fk_organisations_jurisdiction_id_jurisdictions "
        "FOREIGN KEY(jurisdiction_id) REFERENCES jurisdictions (id)" if with_jurisdiction else ""
    )  # fmt: skip
    return (
        'CREATE TABLE "organisations" (id INTEGER NOT NULL, code VARCHAR(40) NOT NULL, '
        "name VARCHAR(200) NOT NULL, kind VARCHAR(30) NOT NULL, company_id INTEGER, "
        f"created_at DATETIME NOT NULL, {column}CONSTRAINT pk_organisations PRIMARY KEY (id), "
        "CONSTRAINT uq_organisations_code UNIQUE (code), "
        "CONSTRAINT fk_organisations_company_id_companies FOREIGN KEY(company_id) "
        f"REFERENCES companies (id){foreign_key})"
    )


def _rebuild_on_sqlite(connection: sa.Connection, *, with_jurisdiction: bool) -> None:
    """Rebuild ``organisations`` with or without the column, keeping every row and id.

    Alembic's batch mode copies the rows, then drops the old table: with foreign keys on,
    dropping a table that users point to fails, and foreign keys cannot be turned off inside
    the migration's transaction. Deferred, the drop counts those users as violations and
    putting the organisations back under the same name undoes them, so the transaction
    commits (and fails if any organisation were lost).
    """
    connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # until the commit
    connection.exec_driver_sql("CREATE TABLE _organisations_0018 AS SELECT * FROM organisations")
    connection.exec_driver_sql("DROP TABLE organisations")
    connection.exec_driver_sql(_organisations_ddl(with_jurisdiction))
    connection.exec_driver_sql(
        f"INSERT INTO organisations ({_COLUMNS}) SELECT {_COLUMNS} FROM _organisations_0018"
    )
    connection.exec_driver_sql("DROP TABLE _organisations_0018")
