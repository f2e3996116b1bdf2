"""The verification workflow: bodies, conflicts, monitoring plans, reports, cases, events.

Revision ID: 0002_mrv_workflow
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_mrv_workflow"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = ("verification_events", "verification_findings", "report_months")


def _forbid_changes() -> None:
    """Findings, monthly data and the event log are inserted, never changed."""
    if op.get_bind().dialect.name == "postgresql":
        # tanshi_append_only() is created by revision 0001.
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
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: record a new row'); END"
            )


def _allow_changes() -> None:
    for table in APPEND_ONLY:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        else:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{action}")


def upgrade() -> None:
    op.create_table(
        "verification_bodies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("accredited", sa.Boolean(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_bodies")),
        sa.UniqueConstraint("code", name=op.f("uq_verification_bodies_code")),
    )
    op.create_table(
        "conflict_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["verification_bodies.id"],
            name=op.f("fk_conflict_declarations_body_id_verification_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_conflict_declarations_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict_declarations")),
        sa.UniqueConstraint(
            "body_id", "company_id", name=op.f("uq_conflict_declarations_body_id_company_id")
        ),
    )
    op.create_table(
        "monitoring_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("valid_from_year", sa.Integer(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_monitoring_plans_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_plans")),
        sa.UniqueConstraint(
            "company_id", "version", name=op.f("uq_monitoring_plans_company_id_version")
        ),
    )
    op.create_table(
        "annual_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("stated_kg", sa.BigInteger(), nullable=False),
        sa.Column("calculated_kg", sa.BigInteger(), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("calculation", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_annual_reports_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["monitoring_plans.id"],
            name=op.f("fk_annual_reports_plan_id_monitoring_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_reports")),
        sa.UniqueConstraint(
            "company_id",
            "year",
            "revision",
            name=op.f("uq_annual_reports_company_id_year_revision"),
        ),
    )
    op.create_table(
        "report_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("stream", sa.String(length=40), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name=op.f("ck_report_months_month_valid")),
        sa.CheckConstraint(
            "quantity_milli >= 0", name=op.f("ck_report_months_quantity_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["annual_reports.id"],
            name=op.f("fk_report_months_report_id_annual_reports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_months")),
        sa.UniqueConstraint(
            "report_id",
            "unit",
            "stream",
            "month",
            name=op.f("uq_report_months_report_id_unit_stream_month"),
        ),
    )
    op.create_index(
        op.f("ix_report_months_report_id"), "report_months", ["report_id"], unique=False
    )
    op.create_table(
        "verification_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=True),
        sa.Column("recheck_body_id", sa.Integer(), nullable=True),
        sa.Column("reported_kg", sa.BigInteger(), nullable=False),
        sa.Column("verified_kg", sa.BigInteger(), nullable=True),
        sa.Column("recheck_kg", sa.BigInteger(), nullable=True),
        sa.Column("materiality", sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            "recheck_body_id IS NULL OR recheck_body_id <> body_id",
            name=op.f("ck_verification_cases_recheck_other"),
        ),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["verification_bodies.id"],
            name=op.f("fk_verification_cases_body_id_verification_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_verification_cases_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["recheck_body_id"],
            ["verification_bodies.id"],
            name=op.f("fk_verification_cases_recheck_body_id_verification_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["annual_reports.id"],
            name=op.f("fk_verification_cases_report_id_annual_reports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_cases")),
        sa.UniqueConstraint(
            "company_id", "year", name=op.f("uq_verification_cases_company_id_year")
        ),
    )
    op.create_table(
        "verification_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("company", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("result", sa.String(length=40), nullable=False),
        sa.Column("state_after", sa.String(length=30), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["verification_cases.id"],
            name=op.f("fk_verification_events_case_id_verification_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_events")),
    )
    op.create_index(
        op.f("ix_verification_events_case_id"), "verification_events", ["case_id"], unique=False
    )
    op.create_table(
        "verification_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("stream", sa.String(length=90), nullable=True),
        sa.Column("misstatement_kg", sa.BigInteger(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'misstatement' AND misstatement_kg IS NOT NULL) OR (kind = 'non_conformity' AND misstatement_kg IS NULL)",
            name=op.f("ck_verification_findings_kind_amount"),
        ),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["verification_bodies.id"],
            name=op.f("fk_verification_findings_body_id_verification_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["verification_cases.id"],
            name=op.f("fk_verification_findings_case_id_verification_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["annual_reports.id"],
            name=op.f("fk_verification_findings_report_id_annual_reports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_findings")),
    )
    op.create_index(
        op.f("ix_verification_findings_case_id"), "verification_findings", ["case_id"], unique=False
    )
    _forbid_changes()


def downgrade() -> None:
    _allow_changes()
    op.drop_index(op.f("ix_verification_findings_case_id"), table_name="verification_findings")
    op.drop_table("verification_findings")
    op.drop_index(op.f("ix_verification_events_case_id"), table_name="verification_events")
    op.drop_table("verification_events")
    op.drop_table("verification_cases")
    op.drop_index(op.f("ix_report_months_report_id"), table_name="report_months")
    op.drop_table("report_months")
    op.drop_table("annual_reports")
    op.drop_table("monitoring_plans")
    op.drop_table("conflict_declarations")
    op.drop_table("verification_bodies")
