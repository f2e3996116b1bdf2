"""Jurisdictions, companies, and the activity data and emissions they report."""

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

jurisdictions = Table(
    "jurisdictions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(8), nullable=False, unique=True),
    Column("rulebook_id", String(40), nullable=False),
    Column("rulebook_version", String(40), nullable=False),
    Column("rulebook_sha256", String(64), nullable=False),
    Column("rulebook_text", Text, nullable=False),
    Column("is_demo", Boolean, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
)

companies = Table(
    "companies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("jurisdiction_id", ForeignKey("jurisdictions.id"), nullable=False),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("sector", String(40), nullable=False),
)

activity_data = Table(
    "activity_data",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("subject", String(40), nullable=False),
    Column("quantity_milli", BigInteger, nullable=False),
    Column("unit", String(20), nullable=False),
    UniqueConstraint("company_id", "year", "kind", "subject"),
    CheckConstraint("quantity_milli >= 0", name="quantity_not_negative"),
)

emission_reports = Table(
    "emission_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("methodology", String(40), nullable=False),
    Column("reported_kg", BigInteger, nullable=False),
    Column("verified_kg", BigInteger, nullable=True),
    Column("verification_method", String(40), nullable=True),
    Column("calculation", JSON, nullable=False),
    UniqueConstraint("company_id", "year"),
    CheckConstraint("reported_kg >= 0", name="reported_not_negative"),
)
