"""Tables of the tanshi database (SQLAlchemy Core); migrations create them, see migrations/.

Quantities are integers: units (1 unit = 1 tCO2e), kilograms, fen (CNY minor units) and
thousandths of a measured unit (``quantity_milli``). The registry's journal tables are
append-only (triggers created by the migration), holdings may never go negative except in
issuance accounts, and serial blocks never overlap; the database enforces all three.
"""

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
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

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

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("kind", String(30), nullable=False),
    Column("status", String(20), nullable=False),
    Column("holder", String(200), nullable=False),
    Column("company_id", ForeignKey("companies.id"), nullable=True),
    Column("allows_negative", Boolean, nullable=False),
    # The jurisdiction the account belongs to (its code starts with the jurisdiction's).
    Column("jurisdiction_id", ForeignKey("jurisdictions.id"), nullable=False, index=True),
    # Lets holdings copy allows_negative under a foreign key, so the CHECK on holdings
    # can rely on it (a CHECK cannot read another table).
    UniqueConstraint("id", "allows_negative"),
    CheckConstraint("allows_negative = (kind = 'issuance')", name="only_issuance_may_go_negative"),
)

retirements = Table(
    "retirements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=False, unique=True),
    Column("certificate_number", String(60), nullable=False, unique=True),
    Column("beneficiary", String(200), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("retired_at", DateTime(timezone=True), nullable=False),
)

account_status_changes = Table(
    "account_status_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("from_status", String(20), nullable=False),
    Column("to_status", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

representatives = Table(
    "representatives",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False),
    Column("person", String(120), nullable=False),
    Column("can_initiate", Boolean, nullable=False),
    Column("can_approve", Boolean, nullable=False),
    Column("can_view", Boolean, nullable=False),
    UniqueConstraint("account_id", "person"),
)

trusted_accounts = Table(
    "trusted_accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False),
    Column("trusted_account_id", ForeignKey("accounts.id"), nullable=False),
    Column("requested_by", String(120), nullable=False),
    Column("approved_by", String(120), nullable=False),
    Column("active_from", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "trusted_account_id"),
    CheckConstraint("requested_by <> approved_by", name="four_eyes"),
)

# Entries taken off a trusted list (at once, or on a second representative's confirmation), with
# the entry as it was (append-only).
trusted_list_removals = Table(
    "trusted_list_removals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("trusted_account_id", ForeignKey("accounts.id"), nullable=False),
    Column("requested_by", String(120), nullable=False),
    Column("approved_by", String(120), nullable=False),
    Column("active_from", DateTime(timezone=True), nullable=False),
    Column("removed_by", String(120), nullable=False),
    Column("removed_at", DateTime(timezone=True), nullable=False),
)

# An account holder's declaration that transfers to its trusted list need no second
# approval, and its withdrawal; the latest row of an account is in force (append-only).
approval_waivers = Table(
    "approval_waivers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("waived", Boolean, nullable=False),
    Column("declared_by", String(120), nullable=False),
    Column("set_by", String(120), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
)

# An account's own limit of units per transfer, each change proposed by one representative
# and confirmed by another (EU Reg. 2019/1122 Art. 23(3b)); the latest row is in force, a
# row without units removes the limit (append-only).
account_transaction_limits = Table(
    "account_transaction_limits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("max_units_per_transaction", BigInteger, nullable=True),
    Column("requested_by", String(120), nullable=False),
    Column("approved_by", String(120), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
)

# Court or regulator orders freezing units of an account; the units sit in the account's
# frozen-units account from the freeze transaction to the release transaction.
unit_freezes = Table(
    "unit_freezes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    # Indexed: the holder of a frozen-units account, for surveillance (migration 0025).
    Column("frozen_account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("unit_class_id", ForeignKey("unit_classes.id"), nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("order_reference", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("ordered_by", String(120), nullable=False),
    Column("frozen_at", DateTime(timezone=True), nullable=False),
    Column("freeze_transaction_id", ForeignKey("transactions.id"), nullable=False, unique=True),
    Column("released_at", DateTime(timezone=True), nullable=True),
    Column("released_by", String(120), nullable=True),
    Column("release_reason", Text, nullable=True),
    Column("release_transaction_id", ForeignKey("transactions.id"), nullable=True),
    CheckConstraint("quantity_units > 0", name="frozen_quantity_positive"),
)

# What left a freeze order, one row per transaction: part or all of its units released back
# to the account, or transferred by court order (``court_transfers``). The order still holds
# its quantity less these rows; when nothing is left it is closed (``released_at``).
freeze_reductions = Table(
    "freeze_reductions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("freeze_id", ForeignKey("unit_freezes.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=False, unique=True),
    Column("made_by", String(120), nullable=False),
    Column("reason", Text, nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("quantity_units > 0", name="reduced_quantity_positive"),
    CheckConstraint("kind IN ('release', 'court_transfer')", name="reduction_kind"),
)

# Transfers of frozen units ordered by a court (司法扣划): proposed by one regulator user,
# executed when another approves; the status moves awaiting_approval → executed, failed or
# cancelled.
court_transfers = Table(
    "court_transfers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("freeze_id", ForeignKey("unit_freezes.id"), nullable=False, index=True),
    Column("destination_account_id", ForeignKey("accounts.id"), nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("court_order_reference", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("proposed_by", String(120), nullable=False),
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),
    Column("result", String(60), nullable=False),
    Column("decided_by", String(120), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=True),
    CheckConstraint("quantity_units > 0", name="court_quantity_positive"),
)

# Transactions proposed by people: the lifecycle proposed → approved → delayed → executed.
proposals = Table(
    "proposals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("type_code", String(40), nullable=False),
    Column("request", JSON, nullable=False),
    Column("source_account_id", ForeignKey("accounts.id"), nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("initiator", String(120), nullable=False),
    Column("approver", String(120), nullable=True),
    Column("status", String(20), nullable=False),
    Column("result", String(60), nullable=False),
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("release_at", DateTime(timezone=True), nullable=True),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=True),
    # The daily limit sums a source account's proposals of the last days.
    Index("ix_proposals_source_proposed_at", "source_account_id", "proposed_at"),
)

# Every check and step of every proposal, in order (append-only).
proposal_events = Table(
    "proposal_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("proposal_id", ForeignKey("proposals.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("event", String(30), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("result", String(60), nullable=False),
)

unit_classes = Table(
    "unit_classes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(60), nullable=False, unique=True),
    Column("unit_type", String(40), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("jurisdiction", String(8), nullable=False),
    Column("vintage", Integer, nullable=False),
    Column("project", String(40), nullable=True),
    Column("labels", String(200), nullable=False, server_default=""),  # comma-separated
    # Serials of the class are numbered from 1 in issuance order; this is the next one.
    Column("next_serial", BigInteger, nullable=False, server_default="1"),
)

transactions = Table(
    "transactions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("type_code", String(40), nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("fingerprint", Text, nullable=False),
    # Indexed for the surveillance desk's positions at a past day's end (migration 0025).
    Column("booked_at", DateTime(timezone=True), nullable=False, index=True),
    Column("compliance_year", Integer, nullable=True),
    Column("memo", Text, nullable=False),
    # The hash chain (registry/journal.py): position, previous entry's hash, this entry's hash.
    Column("sequence", BigInteger, nullable=False, unique=True),
    Column("previous_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False, unique=True),
)

journal_head = Table(
    "journal_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sequence", BigInteger, nullable=False),
    Column("entry_hash", String(64), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

movements = Table(
    "movements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=False, index=True),
    Column("from_account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("to_account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("unit_class_id", ForeignKey("unit_classes.id"), nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    CheckConstraint("quantity_units > 0", name="quantity_positive"),
    CheckConstraint("from_account_id <> to_account_id", name="accounts_differ"),
)

movement_blocks = Table(
    "movement_blocks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("movement_id", ForeignKey("movements.id"), nullable=False, index=True),
    Column("first_serial", BigInteger, nullable=False),
    Column("last_serial", BigInteger, nullable=False),
    CheckConstraint("1 <= first_serial AND first_serial <= last_serial", name="range_valid"),
)

# Who holds which serials now. Blocks of one unit class never overlap: an exclusion
# constraint on PostgreSQL, triggers on SQLite (see the migration).
unit_blocks = Table(
    "unit_blocks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_class_id", ForeignKey("unit_classes.id"), nullable=False),
    Column("account_id", ForeignKey("accounts.id"), nullable=False),
    Column("first_serial", BigInteger, nullable=False),
    Column("last_serial", BigInteger, nullable=False),
    CheckConstraint("1 <= first_serial AND first_serial <= last_serial", name="range_valid"),
    # Also finds the block ending at a serial: the one of its class starting last before it.
    Index("ix_unit_blocks_class_range", "unit_class_id", "first_serial"),
)
# A holding's blocks in the split rule's order (largest first, then lowest serials), so a
# transfer reads only the blocks it takes (registry/serials.py, migration 0021).
Index(
    "ix_unit_blocks_take",
    unit_blocks.c.account_id,
    unit_blocks.c.unit_class_id,
    unit_blocks.c.first_serial - unit_blocks.c.last_serial,
    unit_blocks.c.first_serial,
)

holdings = Table(
    "holdings",
    metadata,
    Column("account_id", Integer, primary_key=True),
    Column("unit_class_id", ForeignKey("unit_classes.id"), primary_key=True),
    Column("allows_negative", Boolean, nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["account_id", "allows_negative"], ["accounts.id", "accounts.allows_negative"]
    ),
    CheckConstraint("allows_negative OR quantity_units >= 0", name="never_negative"),
    sqlite_with_rowid=False,  # the primary key is the table on SQLite: one b-tree per write
)

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

# Primary-market auctions (services/auction.py). Prices in hundredths of the rulebook's
# currency (fen, cents; KRW × 100), so every tick in use is a whole number.
auctions = Table(
    "auctions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("jurisdiction_id", ForeignKey("jurisdictions.id"), nullable=False),
    Column("code", String(80), nullable=False),
    Column("year", Integer, nullable=False),
    Column("held_at", DateTime(timezone=True), nullable=False),
    Column("offered_units", BigInteger, nullable=False),
    Column("carried_in_units", BigInteger, nullable=False),
    Column("reserve_price_hundredths", BigInteger, nullable=False),
    Column("clearing_price_hundredths", BigInteger, nullable=True),
    Column("sold_units", BigInteger, nullable=False),
    Column("unsold_units", BigInteger, nullable=False),
    Column("rolled_over_units", BigInteger, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("bids_sha256", String(64), nullable=False),
    UniqueConstraint("jurisdiction_id", "code"),
    CheckConstraint("sold_units + unsold_units = offered_units", name="volume_adds_up"),
    CheckConstraint("rolled_over_units <= unsold_units", name="rollover_within_unsold"),
)

auction_awards = Table(
    "auction_awards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("auction_id", ForeignKey("auctions.id"), nullable=False),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("awarded_units", BigInteger, nullable=False),
    Column("price_hundredths", BigInteger, nullable=False),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=False),
    UniqueConstraint("auction_id", "company_id"),
    CheckConstraint("awarded_units > 0", name="awarded_positive"),
)


# The bid book (services/bid_book.py, migration 0012_bid_book): an auction announced with a
# bidding window, and the sealed bids companies submit while it is open. Each bid's funds
# (price × quantity) are reserved in ``funds_reservation_id``; a revision ends the bid
# (``revised``) and starts a new one that ``replaces_bid_id`` it; clearing records the
# auction in ``auctions`` (``auction_id``) and each bid's ``awarded_units``.
auction_notices = Table(
    "auction_notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("jurisdiction_id", ForeignKey("jurisdictions.id"), nullable=False),
    Column("code", String(80), nullable=False),
    Column("year", Integer, nullable=False),
    Column("auction_on", Date, nullable=False),
    Column("opens_at", DateTime(timezone=True), nullable=False),
    Column("closes_at", DateTime(timezone=True), nullable=False),
    Column("offered_units", BigInteger, nullable=False),
    Column("carried_in_units", BigInteger, nullable=False),
    Column("reserve_price_hundredths", BigInteger, nullable=False),
    Column("announced_by", String(80), nullable=False),
    Column("announced_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("auction_id", ForeignKey("auctions.id"), nullable=True, unique=True),
    Column("bid_units", BigInteger, nullable=True),
    Column("bidders", Integer, nullable=True),
    UniqueConstraint("jurisdiction_id", "code"),
    CheckConstraint("opens_at < closes_at", name="window_ordered"),
    CheckConstraint("offered_units > 0", name="offered_positive"),
    CheckConstraint(
        "(auction_id IS NULL AND closed_at IS NULL) OR (auction_id IS NOT NULL"
        " AND closed_at IS NOT NULL AND bid_units IS NOT NULL AND bidders IS NOT NULL)",
        name="cleared_is_whole",
    ),
)

auction_bids = Table(
    "auction_bids",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("notice_id", ForeignKey("auction_notices.id"), nullable=False, index=True),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("account_id", ForeignKey("accounts.id"), nullable=False),
    Column("price_hundredths", BigInteger, nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("submitted_by", String(80), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column(
        "funds_reservation_id", ForeignKey("funds_reservations.id"), nullable=False, unique=True
    ),
    Column("replaces_bid_id", ForeignKey("auction_bids.id"), nullable=True, unique=True),
    Column("ended_key", String(200), nullable=True, unique=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("accepted_units", BigInteger, nullable=True),
    Column("awarded_units", BigInteger, nullable=True),
    CheckConstraint("price_hundredths > 0", name="price_positive"),
    CheckConstraint("quantity_units > 0", name="quantity_positive"),
    CheckConstraint("status IN ('live', 'revised', 'withdrawn', 'cleared')", name="status_known"),
    CheckConstraint(
        "awarded_units IS NULL OR awarded_units <= quantity_units", name="award_within_bid"
    ),
)


# --- Settlement: the cash ledger, reservations and trades settled delivery versus payment ---
# (migration 0006_settlement; docs/settlement.md)

# Cash accounts and their balances in fen. The balance is a cache of the cash journal kept by
# the database itself: a trigger on cash_movements moves every amount from one balance to
# another, so the balances always sum to zero (the bank's is minus the money held).
cash_accounts = Table(
    "cash_accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(60), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("registry_account_id", ForeignKey("accounts.id"), nullable=True, unique=True),
    Column("currency", String(3), nullable=False),
    Column("allows_negative", Boolean, nullable=False),
    Column("balance_fen", BigInteger, nullable=False, server_default="0"),
    CheckConstraint("allows_negative = (kind = 'bank')", name="only_bank_may_go_negative"),
    CheckConstraint("allows_negative OR balance_fen >= 0", name="never_negative"),
)

# The cash journal (append-only): one entry per idempotency key, money moved in movements.
cash_entries = Table(
    "cash_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("kind", String(30), nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("booked_at", DateTime(timezone=True), nullable=False),
    Column("memo", Text, nullable=False),
)

cash_movements = Table(
    "cash_movements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entry_id", ForeignKey("cash_entries.id"), nullable=False, index=True),
    Column("from_cash_account_id", ForeignKey("cash_accounts.id"), nullable=False, index=True),
    Column("to_cash_account_id", ForeignKey("cash_accounts.id"), nullable=False, index=True),
    Column("amount_fen", BigInteger, nullable=False),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    CheckConstraint("from_cash_account_id <> to_cash_account_id", name="accounts_differ"),
)

# Units a seller set aside for trading: moved into the exchange's clearing account by the
# registry transaction ``transaction_id``; ``open_units`` are not yet sold or released.
unit_reservations = Table(
    "unit_reservations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("unit_class_id", ForeignKey("unit_classes.id"), nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("open_units", BigInteger, nullable=False),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=False, unique=True),
    Column("reserved_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("quantity_units > 0", name="quantity_positive"),
    CheckConstraint("open_units >= 0 AND open_units <= quantity_units", name="open_in_range"),
)

# Funds a buyer set aside: moved into the clearing cash account by ``cash_entry_id``.
funds_reservations = Table(
    "funds_reservations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("cash_account_id", ForeignKey("cash_accounts.id"), nullable=False, index=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("open_fen", BigInteger, nullable=False),
    Column("cash_entry_id", ForeignKey("cash_entries.id"), nullable=False, unique=True),
    Column("reserved_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    CheckConstraint("open_fen >= 0 AND open_fen <= amount_fen", name="open_in_range"),
)

# Every trade reported for settlement, pending until its settlement day, then settled: the
# registry transaction delivered the units and the cash entry paid for them, together.
settlements = Table(
    "settlements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("venue", String(40), nullable=False),
    Column("trade_id", String(100), nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("buyer_account_id", ForeignKey("accounts.id"), nullable=False),
    Column("seller_account_id", ForeignKey("accounts.id"), nullable=False),
    Column("unit_class_id", ForeignKey("unit_classes.id"), nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("price_fen_per_t", BigInteger, nullable=False),
    Column("value_fen", BigInteger, nullable=False),
    Column("buyer_fee_fen", BigInteger, nullable=False),
    Column("seller_fee_fen", BigInteger, nullable=False),
    Column("traded_at", DateTime(timezone=True), nullable=False),
    Column("settle_on", Date, nullable=False, index=True),
    Column("status", String(10), nullable=False),
    Column("unit_reservation_id", ForeignKey("unit_reservations.id"), nullable=False),
    Column("funds_reservation_id", ForeignKey("funds_reservations.id"), nullable=False),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=True, unique=True),
    Column("cash_entry_id", ForeignKey("cash_entries.id"), nullable=True, unique=True),
    Column("settled_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("venue", "trade_id"),
    CheckConstraint("quantity_units > 0", name="quantity_positive"),
    CheckConstraint("price_fen_per_t > 0", name="price_positive"),
    CheckConstraint(
        "value_fen = quantity_units * price_fen_per_t", name="value_is_price_times_qty"
    ),
    CheckConstraint("buyer_fee_fen >= 0 AND seller_fee_fen >= 0", name="fees_not_negative"),
    CheckConstraint("seller_fee_fen <= value_fen", name="fee_within_proceeds"),
    CheckConstraint("buyer_account_id <> seller_account_id", name="counterparties_differ"),
    # The surveillance desk reads one trading day's trades (migration 0023).
    Index("ix_settlements_traded_at", "traded_at"),
    CheckConstraint(
        "(status = 'pending' AND transaction_id IS NULL AND cash_entry_id IS NULL"
        " AND settled_at IS NULL) OR (status = 'settled' AND transaction_id IS NOT NULL"
        " AND cash_entry_id IS NOT NULL AND settled_at IS NOT NULL)",
        name="settled_has_both_legs",
    ),
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

# The matching engine's input, in log order (migration 0007_exchange): every command the
# shell applied to a venue's books, after its reservation was accepted, so that a day (or
# the whole log) can be replayed to the same books and fills (docs/market.md, "Event log").
# ``kind`` is the command's record name; unused fields are NULL.
exchange_commands = Table(
    "exchange_commands",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("venue", String(40), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("trading_day", Date, nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("product", String(80), nullable=False),
    Column("order_id", BigInteger, nullable=True),
    Column("owner", String(40), nullable=True),
    Column("side", Integer, nullable=True),
    Column("quantity_t", BigInteger, nullable=True),
    Column("price_fen", BigInteger, nullable=True),
    Column("time_in_force", Integer, nullable=True),
    Column("phase", String(20), nullable=True),
    Column("reference_fen", BigInteger, nullable=True),
    UniqueConstraint("venue", "seq"),
    # One venue's trading day in log order, and the last reference price before a day, for
    # the surveillance desk (migration 0023).
    Index("ix_exchange_commands_venue_day", "venue", "trading_day", "seq"),
    # A product's last reference price before a day, one step back (migration 0025); only
    # the SetReference rows have an entry.
    Index(
        "ix_exchange_commands_references",
        "venue",
        "product",
        "trading_day",
        "seq",
        sqlite_where=text("kind = 'SetReference'"),
        postgresql_where=text("kind = 'SetReference'"),
    ),
    CheckConstraint(
        "kind IN ('NewOrder', 'CancelOrder', 'AmendOrder', 'SetPhase', 'SetReference',"
        " 'ExpireOrders')",
        name="kind_known",
    ),
)

# Identity and access (migration 0005_identity): people, their organisations and roles, machine
# tokens, web sessions, the audit log of every write, and the responses of API writes kept
# by idempotency key. Secrets are stored only as hashes (argon2 for passwords, SHA-256 for
# random tokens); TOTP secrets must be readable to check codes.
organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("company_id", ForeignKey("companies.id"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The jurisdiction it belongs to: always a company's and a regulator's; none for an
    # organisation that serves every jurisdiction (migration 0018_org_jurisdictions).
    Column("jurisdiction_id", ForeignKey("jurisdictions.id"), nullable=True, index=True),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(60), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("organisation_id", ForeignKey("organisations.id"), nullable=False, index=True),
    Column("role", String(30), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("totp_secret", String(200), nullable=True),  # sealed: services/secret_box.py
    # The last 30-second TOTP step accepted: a code is never accepted twice (RFC 6238 §5.2).
    Column("totp_last_step", BigInteger, nullable=True),
    Column("locale", String(10), nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Set when an administrator chose the password (creation or reset); the user must pick
    # their own at the next login (migration 0011_identity_care).
    Column("must_change_password", Boolean, nullable=False, server_default=false()),
)

# Administrators' actions that take a second administrator (services/admin_approvals.py):
# one asks, another approves or rejects (migration 0015_secret_care).
admin_requests = Table(
    "admin_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("action", String(40), nullable=False),
    Column("target", String(60), nullable=False),  # the username acted on
    Column("detail", JSON, nullable=False),  # what the action needs, never a secret
    Column("requested_by", ForeignKey("users.id"), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("decided_by", ForeignKey("users.id"), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("result", String(60), nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("scopes", String(300), nullable=False),  # space-separated
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
)

# Login attempts of the last minute, per client address: the throttle every server process
# shares (services/login_throttle.py); rows older than the minute are deleted as it goes.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("address", String(64), nullable=False),
    Column("attempted_at", DateTime(timezone=True), nullable=False, index=True),
    Index("ix_login_attempts_address_at", "address", "attempted_at"),
)

# Append-only (trigger created by the migration): who did what, when, from where.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("user_id", ForeignKey("users.id"), nullable=True),
    Column("username", String(60), nullable=False),
    Column("organisation", String(40), nullable=False),
    Column("action", String(60), nullable=False),
    Column("target", String(200), nullable=False),
    Column("source_ip", String(64), nullable=False),
    Column("result", String(60), nullable=False),
    Column("detail", JSON, nullable=False),
)

api_idempotency = Table(
    "api_idempotency",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("user_id", "idempotency_key"),
)
