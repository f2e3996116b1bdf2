"""Production data for benchmark allocation (generating units, installations) and its lines.

Revision ID: 0004_production
Revises: 0003_auctions
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_production"
down_revision = "0006_settlement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_outputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_class", sa.String(length=40), nullable=False),
        sa.Column("cooling", sa.String(length=8), nullable=False),
        sa.Column("load_factor_ppm", sa.BigInteger(), nullable=False),
        sa.Column("heat_ratio_ppm", sa.BigInteger(), nullable=False),
        sa.Column("electricity_mwh_milli", sa.BigInteger(), nullable=False),
        sa.Column("heat_gj_milli", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cooling IN ('water', 'air')", name=op.f("ck_unit_outputs_cooling_known")
        ),
        sa.CheckConstraint(
            "load_factor_ppm > 0 AND load_factor_ppm <= 1000000",
            name=op.f("ck_unit_outputs_load_in_range"),
        ),
        sa.CheckConstraint(
            "heat_ratio_ppm >= 0 AND heat_ratio_ppm <= 1000000",
            name=op.f("ck_unit_outputs_ratio_in_range"),
        ),
        sa.CheckConstraint(
            "electricity_mwh_milli >= 0 AND heat_gj_milli >= 0",
            name=op.f("ck_unit_outputs_output_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_unit_outputs_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_outputs")),
        sa.UniqueConstraint(
            "company_id",
            "unit_code",
            "year",
            name=op.f("uq_unit_outputs_company_id_unit_code_year"),
        ),
    )
    op.create_table(
        "activity_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("installation", sa.String(length=40), nullable=False),
        sa.Column("benchmark", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("activity_milli", sa.BigInteger(), nullable=False),
        sa.Column("leakage_exposed", sa.Boolean(), nullable=False),
        sa.Column("cbam_good", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "activity_milli >= 0", name=op.f("ck_activity_levels_activity_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_activity_levels_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_levels")),
        sa.UniqueConstraint(
            "company_id",
            "installation",
            "year",
            name=op.f("uq_activity_levels_company_id_installation_year"),
        ),
    )
    op.create_table(
        "allocation_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("allocated_units", sa.BigInteger(), nullable=False),
        sa.Column("adjustment_units", sa.BigInteger(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "stage IN ('allocation', 'preallocation', 'true_up')",
            name=op.f("ck_allocation_lines_stage_known"),
        ),
        sa.CheckConstraint(
            "allocated_units >= 0", name=op.f("ck_allocation_lines_allocated_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_allocation_lines_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_allocation_lines_transaction_id_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_lines")),
        sa.UniqueConstraint(
            "company_id",
            "item",
            "year",
            "stage",
            name=op.f("uq_allocation_lines_company_id_item_year_stage"),
        ),
    )


def downgrade() -> None:
    op.drop_table("allocation_lines")
    op.drop_table("activity_levels")
    op.drop_table("unit_outputs")
