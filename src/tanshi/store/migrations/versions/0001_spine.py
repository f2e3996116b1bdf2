"""The compliance-year spine: registry, MRV, allocation, trades, compliance.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


APPEND_ONLY = (
    "transactions",
    "movements",
    "movement_blocks",
    "account_status_changes",
    "proposal_events",
    "retirements",
)


def _forbid_changes() -> None:
    """Registry journal rows may be inserted, never updated or deleted."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION tanshi_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only: correct it with a new transaction', "
            "TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION tanshi_append_only()"
            )
        return
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: correct it with a new "
                "transaction'); END"
            )


def _forbid_overlapping_blocks() -> None:
    """No serial may be in two blocks of its class: checked by the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE unit_blocks ADD CONSTRAINT unit_blocks_no_overlap EXCLUDE USING gist "
            "(unit_class_id WITH =, int8range(first_serial, last_serial, '[]') WITH &&) "
            "DEFERRABLE INITIALLY DEFERRED"
        )
        return
    for action, other in (("INSERT", ""), ("UPDATE", " AND b.id <> NEW.id")):
        op.execute(
            f"CREATE TRIGGER unit_blocks_no_overlap_{action.lower()} BEFORE {action} ON unit_blocks "
            "WHEN EXISTS (SELECT 1 FROM unit_blocks b WHERE b.unit_class_id = NEW.unit_class_id"
            f"{other} AND b.first_serial <= NEW.last_serial AND b.last_serial >= NEW.first_serial) "
            "BEGIN SELECT RAISE(ABORT, 'serial blocks overlap: a serial would be held twice'); END"
        )


def _lifecycle_tables() -> None:
    """Representatives, trusted accounts, proposals and their event log."""
    op.create_table(
        "representatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=120), nullable=False),
        sa.Column("can_initiate", sa.Boolean(), nullable=False),
        sa.Column("can_approve", sa.Boolean(), nullable=False),
        sa.Column("can_view", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_representatives_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representatives")),
        sa.UniqueConstraint(
            "account_id", "person", name=op.f("uq_representatives_account_id_person")
        ),
    )
    op.create_table(
        "trusted_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("trusted_account_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("approved_by", sa.String(length=120), nullable=False),
        sa.Column("active_from", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "requested_by <> approved_by", name=op.f("ck_trusted_accounts_four_eyes")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_trusted_accounts_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["trusted_account_id"],
            ["accounts.id"],
            name=op.f("fk_trusted_accounts_trusted_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trusted_accounts")),
        sa.UniqueConstraint(
            "account_id",
            "trusted_account_id",
            name=op.f("uq_trusted_accounts_account_id_trusted_account_id"),
        ),
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("type_code", sa.String(length=40), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("source_account_id", sa.Integer(), nullable=False),
        sa.Column("quantity_units", sa.BigInteger(), nullable=False),
        sa.Column("initiator", sa.String(length=120), nullable=False),
        sa.Column("approver", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("result", sa.String(length=60), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("release_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_account_id"],
            ["accounts.id"],
            name=op.f("fk_proposals_source_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_proposals_transaction_id_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_proposals_idempotency_key")),
    )
    op.create_table(
        "proposal_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("result", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_proposal_events_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_events")),
    )
    op.create_index(op.f("ix_proposal_events_proposal_id"), "proposal_events", ["proposal_id"])
    op.create_table(
        "retirements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("certificate_number", sa.String(length=60), nullable=False),
        sa.Column("beneficiary", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_retirements_transaction_id_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retirements")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_retirements_transaction_id")),
        sa.UniqueConstraint("certificate_number", name=op.f("uq_retirements_certificate_number")),
    )


def _allow_changes() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION tanshi_append_only()")
        return
    for table in APPEND_ONLY:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{action}")


def upgrade() -> None:
    op.create_table(
        "jurisdictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("rulebook_id", sa.String(length=40), nullable=False),
        sa.Column("rulebook_version", sa.String(length=40), nullable=False),
        sa.Column("rulebook_sha256", sa.String(length=64), nullable=False),
        sa.Column("rulebook_text", sa.Text(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jurisdictions")),
        sa.UniqueConstraint("code", name=op.f("uq_jurisdictions_code")),
    )
    op.create_table(
        "transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type_code", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("compliance_year", sa.Integer(), nullable=True),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
        sa.UniqueConstraint("sequence", name=op.f("uq_transactions_sequence")),
        sa.UniqueConstraint("entry_hash", name=op.f("uq_transactions_entry_hash")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_transactions_idempotency_key")),
    )
    op.create_table(
        "unit_classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("unit_type", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("vintage", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=40), nullable=True),
        sa.Column("labels", sa.String(length=200), server_default="", nullable=False),
        sa.Column("next_serial", sa.BigInteger(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_classes")),
        sa.UniqueConstraint("code", name=op.f("uq_unit_classes_code")),
    )
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sector", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_companies_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("code", name=op.f("uq_companies_code")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("allows_negative", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "allows_negative = (kind = 'issuance')",
            name=op.f("ck_accounts_only_issuance_may_go_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_accounts_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_accounts_code")),
        sa.UniqueConstraint("id", "allows_negative", name=op.f("uq_accounts_id_allows_negative")),
    )
    op.create_table(
        "activity_data",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "quantity_milli >= 0", name=op.f("ck_activity_data_quantity_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_activity_data_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_data")),
        sa.UniqueConstraint(
            "company_id",
            "year",
            "kind",
            "subject",
            name=op.f("uq_activity_data_company_id_year_kind_subject"),
        ),
    )
    op.create_table(
        "allocation_deductions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("from_compliance_year", sa.Integer(), nullable=False),
        sa.Column("quantity_units", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "quantity_units > 0", name=op.f("ck_allocation_deductions_deduction_positive")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_allocation_deductions_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_allocation_deductions_transaction_id_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_deductions")),
    )
    op.create_table(
        "allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("base_average_kg", sa.BigInteger(), nullable=False),
        sa.Column("correction_factor", sa.String(length=40), nullable=False),
        sa.Column("deduction_units", sa.BigInteger(), nullable=False),
        sa.Column("allocated_units", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "allocated_units >= 0", name=op.f("ck_allocations_allocated_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_allocations_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_allocations_transaction_id_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
        sa.UniqueConstraint("company_id", "year", name=op.f("uq_allocations_company_id_year")),
    )
    op.create_table(
        "compliance_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("obligation_units", sa.BigInteger(), nullable=True),
        sa.Column("offsets_counted_units", sa.BigInteger(), nullable=False),
        sa.Column("shortfall_units", sa.BigInteger(), nullable=True),
        sa.Column("penalty_fen", sa.BigInteger(), nullable=True),
        sa.Column("price_fen_per_t", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_compliance_results_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_results")),
        sa.UniqueConstraint(
            "company_id", "year", name=op.f("uq_compliance_results_company_id_year")
        ),
    )
    op.create_table(
        "emission_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("methodology", sa.String(length=40), nullable=False),
        sa.Column("reported_kg", sa.BigInteger(), nullable=False),
        sa.Column("verified_kg", sa.BigInteger(), nullable=True),
        sa.Column("verification_method", sa.String(length=40), nullable=True),
        sa.Column("calculation", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "reported_kg >= 0", name=op.f("ck_emission_reports_reported_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_emission_reports_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emission_reports")),
        sa.UniqueConstraint("company_id", "year", name=op.f("uq_emission_reports_company_id_year")),
    )
    op.create_table(
        "trades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("seller_company_id", sa.Integer(), nullable=False),
        sa.Column("buyer_company_id", sa.Integer(), nullable=False),
        sa.Column("unit_class_id", sa.Integer(), nullable=False),
        sa.Column("quantity_units", sa.BigInteger(), nullable=False),
        sa.Column("price_fen_per_t", sa.BigInteger(), nullable=False),
        sa.Column("traded_on", sa.Date(), nullable=False),
        sa.CheckConstraint("price_fen_per_t > 0", name=op.f("ck_trades_price_positive")),
        sa.CheckConstraint("quantity_units > 0", name=op.f("ck_trades_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["buyer_company_id"],
            ["companies.id"],
            name=op.f("fk_trades_buyer_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_company_id"],
            ["companies.id"],
            name=op.f("fk_trades_seller_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_trades_transaction_id_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_class_id"],
            ["unit_classes.id"],
            name=op.f("fk_trades_unit_class_id_unit_classes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trades")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_trades_transaction_id")),
    )
    op.create_table(
        "holdings",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("unit_class_id", sa.Integer(), nullable=False),
        sa.Column("allows_negative", sa.Boolean(), nullable=False),
        sa.Column("quantity_units", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "allows_negative OR quantity_units >= 0", name=op.f("ck_holdings_never_negative")
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "allows_negative"],
            ["accounts.id", "accounts.allows_negative"],
            name=op.f("fk_holdings_account_id_allows_negative_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_class_id"],
            ["unit_classes.id"],
            name=op.f("fk_holdings_unit_class_id_unit_classes"),
        ),
        sa.PrimaryKeyConstraint("account_id", "unit_class_id", name=op.f("pk_holdings")),
    )
    op.create_table(
        "movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("from_account_id", sa.Integer(), nullable=False),
        sa.Column("to_account_id", sa.Integer(), nullable=False),
        sa.Column("unit_class_id", sa.Integer(), nullable=False),
        sa.Column("quantity_units", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "from_account_id <> to_account_id", name=op.f("ck_movements_accounts_differ")
        ),
        sa.CheckConstraint("quantity_units > 0", name=op.f("ck_movements_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["from_account_id"], ["accounts.id"], name=op.f("fk_movements_from_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["to_account_id"], ["accounts.id"], name=op.f("fk_movements_to_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_movements_transaction_id_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_class_id"],
            ["unit_classes.id"],
            name=op.f("fk_movements_unit_class_id_unit_classes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movements")),
    )
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_movements_from_account_id"), ["from_account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_movements_to_account_id"), ["to_account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_movements_transaction_id"), ["transaction_id"], unique=False
        )

    op.create_table(
        "account_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_status_changes_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_status_changes")),
    )
    op.create_index(
        op.f("ix_account_status_changes_account_id"), "account_status_changes", ["account_id"]
    )
    op.create_table(
        "movement_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.Integer(), nullable=False),
        sa.Column("first_serial", sa.BigInteger(), nullable=False),
        sa.Column("last_serial", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "1 <= first_serial AND first_serial <= last_serial",
            name=op.f("ck_movement_blocks_range_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["movement_id"], ["movements.id"], name=op.f("fk_movement_blocks_movement_id_movements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movement_blocks")),
    )
    op.create_index(
        op.f("ix_movement_blocks_movement_id"), "movement_blocks", ["movement_id"], unique=False
    )
    op.create_table(
        "unit_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_class_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("first_serial", sa.BigInteger(), nullable=False),
        sa.Column("last_serial", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "1 <= first_serial AND first_serial <= last_serial",
            name=op.f("ck_unit_blocks_range_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_class_id"],
            ["unit_classes.id"],
            name=op.f("fk_unit_blocks_unit_class_id_unit_classes"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_unit_blocks_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_blocks")),
    )
    op.create_index(
        "ix_unit_blocks_holder", "unit_blocks", ["account_id", "unit_class_id", "first_serial"]
    )
    op.create_index("ix_unit_blocks_class_range", "unit_blocks", ["unit_class_id", "first_serial"])
    op.create_index("ix_unit_blocks_class_end", "unit_blocks", ["unit_class_id", "last_serial"])
    _forbid_overlapping_blocks()
    _lifecycle_tables()
    head = op.create_table(
        "journal_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_journal_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_head")),
    )
    op.bulk_insert(head, [{"id": 1, "sequence": 0, "entry_hash": "0" * 64}])
    _forbid_changes()


def downgrade() -> None:
    _allow_changes()
    op.drop_table("journal_head")
    if op.get_bind().dialect.name == "sqlite":
        for action in ("insert", "update"):
            op.execute(f"DROP TRIGGER unit_blocks_no_overlap_{action}")
    op.drop_table("unit_blocks")
    op.drop_index(op.f("ix_movement_blocks_movement_id"), table_name="movement_blocks")
    op.drop_table("movement_blocks")
    op.drop_index(op.f("ix_account_status_changes_account_id"), table_name="account_status_changes")
    op.drop_table("account_status_changes")
    op.drop_index(op.f("ix_proposal_events_proposal_id"), table_name="proposal_events")
    for table in (
        "retirements",
        "proposal_events",
        "proposals",
        "trusted_accounts",
        "representatives",
    ):
        op.drop_table(table)
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_movements_transaction_id"))
        batch_op.drop_index(batch_op.f("ix_movements_to_account_id"))
        batch_op.drop_index(batch_op.f("ix_movements_from_account_id"))

    op.drop_table("movements")
    op.drop_table("holdings")
    op.drop_table("trades")
    op.drop_table("emission_reports")
    op.drop_table("compliance_results")
    op.drop_table("allocations")
    op.drop_table("allocation_deductions")
    op.drop_table("activity_data")
    op.drop_table("accounts")
    op.drop_table("companies")
    op.drop_table("unit_classes")
    op.drop_table("transactions")
    op.drop_table("jurisdictions")
