"""The verification workflow (migration 0002_mrv_workflow; docs/verification.md)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tanshi.store.schema.base import metadata

# --- The verification workflow (migration 0002_mrv_workflow); see docs/verification.md.

verification_bodies = Table(
    "verification_bodies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("accredited", Boolean, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
)

# A body's declaration that it has a conflict of interest with a company: blocks assignment.
conflict_declarations = Table(
    "conflict_declarations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("body_id", ForeignKey("verification_bodies.id"), nullable=False),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("declared_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("body_id", "company_id"),
)

monitoring_plans = Table(
    "monitoring_plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("valid_from_year", Integer, nullable=False),
    Column("plan", JSON, nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("company_id", "version"),
)

# Every submitted revision of an annual report is kept; the case points at the current one.
annual_reports = Table(
    "annual_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("plan_id", ForeignKey("monitoring_plans.id"), nullable=False),
    Column("stated_kg", BigInteger, nullable=False),
    Column("calculated_kg", BigInteger, nullable=False),
    Column("totals", JSON, nullable=False),
    Column("warnings", JSON, nullable=False),
    Column("calculation", JSON, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("company_id", "year", "revision"),
)

report_months = Table(
    "report_months",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", ForeignKey("annual_reports.id"), nullable=False, index=True),
    Column("unit", String(40), nullable=False),
    Column("stream", String(40), nullable=False),
    Column("month", Integer, nullable=False),
    Column("quantity_milli", BigInteger, nullable=False),
    Column("parameters", JSON, nullable=False),
    UniqueConstraint("report_id", "unit", "stream", "month"),
    CheckConstraint("month BETWEEN 1 AND 12", name="month_valid"),
    CheckConstraint("quantity_milli >= 0", name="quantity_not_negative"),
)

# One row per company-year: the workflow's current state (the events are the record).
verification_cases = Table(
    "verification_cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("state", String(30), nullable=False),
    Column("report_id", ForeignKey("annual_reports.id"), nullable=False),
    Column("body_id", ForeignKey("verification_bodies.id"), nullable=True),
    Column("recheck_body_id", ForeignKey("verification_bodies.id"), nullable=True),
    Column("reported_kg", BigInteger, nullable=False),
    Column("verified_kg", BigInteger, nullable=True),
    Column("recheck_kg", BigInteger, nullable=True),
    Column("materiality", String(20), nullable=True),
    UniqueConstraint("company_id", "year"),
    CheckConstraint("recheck_body_id IS NULL OR recheck_body_id <> body_id", name="recheck_other"),
)

verification_findings = Table(
    "verification_findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("verification_cases.id"), nullable=False, index=True),
    Column("report_id", ForeignKey("annual_reports.id"), nullable=False),
    Column("body_id", ForeignKey("verification_bodies.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("stream", String(90), nullable=True),
    Column("misstatement_kg", BigInteger, nullable=True),
    Column("description", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(
        "(kind = 'misstatement' AND misstatement_kg IS NOT NULL) OR "
        "(kind = 'non_conformity' AND misstatement_kg IS NULL)",
        name="kind_amount",
    ),
)

# A finding the body took back before concluding (append-only; migration
# 0028_finding_withdrawals): the finding stays, it no longer counts.
verification_finding_withdrawals = Table(
    "verification_finding_withdrawals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("finding_id", ForeignKey("verification_findings.id"), nullable=False, unique=True),
    Column("case_id", ForeignKey("verification_cases.id"), nullable=False, index=True),
    Column("body_id", ForeignKey("verification_bodies.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("withdrawn_at", DateTime(timezone=True), nullable=False),
)

# Every attempted step, allowed or refused, in order (append-only).
verification_events = Table(
    "verification_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("verification_cases.id"), nullable=True, index=True),
    Column("company", String(40), nullable=False),
    Column("year", Integer, nullable=False),
    Column("action", String(30), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("result", String(40), nullable=False),
    Column("state_after", String(30), nullable=True),
    Column("detail", JSON, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
