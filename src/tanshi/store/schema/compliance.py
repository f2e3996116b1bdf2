"""Allocation, production data, trades and compliance results."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tanshi.store.schema.base import metadata

allocations = Table(
    "allocations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("base_average_kg", BigInteger, nullable=False),
    Column("correction_factor", String(40), nullable=False),
    Column("deduction_units", BigInteger, nullable=False),
    Column("allocated_units", BigInteger, nullable=False),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=True),
    UniqueConstraint("company_id", "year"),
    CheckConstraint("allocated_units >= 0", name="allocated_not_negative"),
)

allocation_deductions = Table(
    "allocation_deductions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("from_compliance_year", Integer, nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    # Set when the deduction was booked in the registry because the year's allocation had
    # already been made; unset deductions are subtracted when the year is allocated.
    Column("transaction_id", ForeignKey("transactions.id"), nullable=True),
    CheckConstraint("quantity_units > 0", name="deduction_positive"),
)

trades = Table(
    "trades",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=False, unique=True),
    Column("seller_company_id", ForeignKey("companies.id"), nullable=False),
    Column("buyer_company_id", ForeignKey("companies.id"), nullable=False),
    Column("unit_class_id", ForeignKey("unit_classes.id"), nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("price_fen_per_t", BigInteger, nullable=False),
    Column("traded_on", Date, nullable=False),
    CheckConstraint("quantity_units > 0", name="quantity_positive"),
    CheckConstraint("price_fen_per_t > 0", name="price_positive"),
)

compliance_results = Table(
    "compliance_results",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("status", String(30), nullable=False),
    Column("obligation_units", BigInteger, nullable=True),
    Column("offsets_counted_units", BigInteger, nullable=False),
    Column("shortfall_units", BigInteger, nullable=True),
    Column("penalty_fen", BigInteger, nullable=True),
    Column("price_fen_per_t", BigInteger, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("company_id", "year"),
)

# Production data for benchmark allocation and its per-item lines (migration 0004_production;
# docs/allocation.md). Quantities in thousandths (MWh, GJ, t, TJ), ratios in millionths.
unit_outputs = Table(
    "unit_outputs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("unit_code", String(40), nullable=False),
    Column("year", Integer, nullable=False),
    Column("unit_class", String(40), nullable=False),
    Column("cooling", String(8), nullable=False),
    Column("load_factor_ppm", BigInteger, nullable=False),
    Column("heat_ratio_ppm", BigInteger, nullable=False),
    Column("electricity_mwh_milli", BigInteger, nullable=False),
    Column("heat_gj_milli", BigInteger, nullable=False),
    Column("source", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("company_id", "unit_code", "year"),
    CheckConstraint("cooling IN ('water', 'air')", name="cooling_known"),
    CheckConstraint("load_factor_ppm > 0 AND load_factor_ppm <= 1000000", name="load_in_range"),
    CheckConstraint("heat_ratio_ppm >= 0 AND heat_ratio_ppm <= 1000000", name="ratio_in_range"),
    CheckConstraint(
        "electricity_mwh_milli >= 0 AND heat_gj_milli >= 0", name="output_not_negative"
    ),
)

activity_levels = Table(
    "activity_levels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("installation", String(40), nullable=False),
    Column("benchmark", String(40), nullable=False),
    Column("year", Integer, nullable=False),
    Column("activity_milli", BigInteger, nullable=False),
    Column("leakage_exposed", Boolean, nullable=False),
    Column("cbam_good", Boolean, nullable=False),
    Column("source", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("company_id", "installation", "year"),
    CheckConstraint("activity_milli >= 0", name="activity_not_negative"),
)

# One row per generating unit or installation and allocation stage: 'allocation' (EU),
# 'preallocation' and 'true_up' (China). ``adjustment_units`` is what the true-up added
# (> 0) or took back (< 0); ``detail`` keeps every factor as a decimal string.
allocation_lines = Table(
    "allocation_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("item", String(40), nullable=False),
    Column("year", Integer, nullable=False),
    Column("stage", String(20), nullable=False),
    Column("allocated_units", BigInteger, nullable=False),
    Column("adjustment_units", BigInteger, nullable=False),
    Column("detail", JSON, nullable=False),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("company_id", "item", "year", "stage"),
    CheckConstraint("stage IN ('allocation', 'preallocation', 'true_up')", name="stage_known"),
    CheckConstraint("allocated_units >= 0", name="allocated_not_negative"),
)
