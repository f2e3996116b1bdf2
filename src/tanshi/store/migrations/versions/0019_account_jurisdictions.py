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
    # Checked before anything is written.
    strays = connection.execute(sa.text(
        f"SELECT code FROM accounts WHERE {_BY_CODE} IS NULL ORDER BY code"
    )).scalars().all()  # fmt: skip
    if strays:
        raise RuntimeError(
            f"{len(strays)} account(s) have a code that names no jurisdiction of this "
            f"database: {', '.join(strays[:20])}; rename them to <JURISDICTION>-... (or open "
            "their jurisdiction) and migrate again"
        )
    if connection.dialect.name == "sqlite":
        _rebuild_on_sqlite(connection, with_jurisdiction=True)
    else:
        op.add_column("accounts", sa.Column("jurisdiction_id", sa.Integer(), nullable=True))
        connection.execute(sa.text(f"UPDATE accounts SET jurisdiction_id = {_BY_CODE}"))
        op.alter_column("accounts", "jurisdiction_id", existing_type=sa.Integer(),
                        nullable=False)  # fmt: skip
        op.create_foreign_key("fk_accounts_jurisdiction_id_jurisdictions", "accounts",
                              "jurisdictions", ["jurisdiction_id"], ["id"])  # fmt: skip
    op.create_index("ix_accounts_jurisdiction_id", "accounts", ["jurisdiction_id"])


def downgrade() -> None:
    op.drop_index("ix_accounts_jurisdiction_id", table_name="accounts")
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        _rebuild_on_sqlite(connection, with_jurisdiction=False)
    else:
        op.drop_constraint("fk_accounts_jurisdiction_id_jurisdictions", "accounts",
                           type_="foreignkey")  # fmt: skip
        op.drop_column("accounts", "jurisdiction_id")


# The account's jurisdiction by its code (a correlated subquery on ``accounts``): the one
# whose code and a dash begin it. Jurisdiction codes are 2-6 capital letters, so at most one.
_BY_CODE = (
    "(SELECT jurisdictions.id FROM jurisdictions WHERE "
    "substr(accounts.code, 1, length(jurisdictions.code) + 1) = jurisdictions.code || '-')"
)
_COLUMNS = "id, code, kind, status, holder, company_id, allows_negative"


def _accounts_ddl(with_jurisdiction: bool) -> str:
    column = "jurisdiction_id INTEGER NOT NULL, " if with_jurisdiction else ""
    foreign_key = (
        ", CONSTRAINT fk_accounts_jurisdiction_id_jurisdictions FOREIGN KEY(jurisdiction_id) "
        "REFERENCES jurisdictions (id)" if with_jurisdiction else ""
    )  # fmt: skip
    return (
        'CREATE TABLE "accounts" (id INTEGER NOT NULL, code VARCHAR(40) NOT NULL, '
        "kind VARCHAR(30) NOT NULL, status VARCHAR(20) NOT NULL, holder VARCHAR(200) NOT NULL, "
        f"company_id INTEGER, allows_negative BOOLEAN NOT NULL, {column}"
        "CONSTRAINT pk_accounts PRIMARY KEY (id), "
        "CONSTRAINT ck_accounts_only_issuance_may_go_negative "
        "CHECK (allows_negative = (kind = 'issuance')), "
        "CONSTRAINT uq_accounts_code UNIQUE (code), "
        "CONSTRAINT fk_accounts_company_id_companies FOREIGN KEY(company_id) "
        "REFERENCES companies (id), "
        f"CONSTRAINT uq_accounts_id_allows_negative UNIQUE (id, allows_negative){foreign_key})"
    )


def _rebuild_on_sqlite(connection: sa.Connection, *, with_jurisdiction: bool) -> None:
    """Rebuild ``accounts`` with or without the column, keeping every row and id.

    Alembic's batch mode copies the rows, then drops the old table: with foreign keys on,
    dropping a table other tables' rows point to fails, and foreign keys cannot be turned
    off inside the migration's transaction. Deferred, the drop counts those rows as
    violations and putting the accounts back under the same name undoes them, so the
    transaction commits (and fails if any account were lost).
    """
    connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # until the commit
    connection.exec_driver_sql("CREATE TABLE _accounts_0019 AS SELECT * FROM accounts")
    connection.exec_driver_sql("DROP TABLE accounts")
    connection.exec_driver_sql(_accounts_ddl(with_jurisdiction))
    if with_jurisdiction:
        by_code = _BY_CODE.replace("accounts.code", "_accounts_0019.code")
        connection.exec_driver_sql(
            f"INSERT INTO accounts ({_COLUMNS}, jurisdiction_id) "
            f"SELECT {_COLUMNS}, {by_code} FROM _accounts_0019"
        )
    else:
        connection.exec_driver_sql(
            f"INSERT INTO accounts ({_COLUMNS}) SELECT {_COLUMNS} FROM _accounts_0019"
        )
    connection.exec_driver_sql("DROP TABLE _accounts_0019")
