"""Tables of the tanshi database (SQLAlchemy Core); migrations create them, see migrations/.

Quantities are integers: units (1 unit = 1 tCO2e), kilograms, fen (CNY minor units) and
thousandths of a measured unit (``quantity_milli``). The registry's journal tables are
append-only (triggers created by the migration), holdings may never go negative except in
issuance accounts, and serial blocks never overlap; the database enforces all three.
"""

from __future__ import annotations

from tanshi.store.schema.auctions import (
    auction_awards,
    auction_bids,
    auction_notices,
    auctions,
    roll_over_claims,
)
from tanshi.store.schema.base import NAMING, metadata
from tanshi.store.schema.compliance import (
    activity_levels,
    allocation_deductions,
    allocation_lines,
    allocations,
    compliance_results,
    trades,
    unit_outputs,
)
from tanshi.store.schema.identity import (
    admin_requests,
    api_idempotency,
    api_tokens,
    audit_log,
    login_attempts,
    notifications,
    organisations,
    users,
    web_sessions,
)
from tanshi.store.schema.jurisdictions import (
    activity_data,
    companies,
    emission_reports,
    jurisdictions,
)
from tanshi.store.schema.market import (
    cash_accounts,
    cash_entries,
    cash_movements,
    exchange_commands,
    funds_reservations,
    settlements,
    unit_reservations,
)
from tanshi.store.schema.registry import (
    account_status_changes,
    accounts,
    holdings,
    journal_head,
    movement_blocks,
    movements,
    representatives,
    retirements,
    transactions,
    unit_blocks,
    unit_classes,
)
from tanshi.store.schema.registry_controls import (
    account_transaction_limits,
    approval_waivers,
    court_transfers,
    freeze_reductions,
    proposal_events,
    proposals,
    trusted_accounts,
    trusted_list_removals,
    unit_freezes,
)
from tanshi.store.schema.verification import (
    annual_reports,
    conflict_declarations,
    monitoring_plans,
    report_months,
    verification_bodies,
    verification_cases,
    verification_events,
    verification_finding_withdrawals,
    verification_findings,
)

__all__ = [
    "NAMING",
    "account_status_changes",
    "account_transaction_limits",
    "accounts",
    "activity_data",
    "activity_levels",
    "admin_requests",
    "allocation_deductions",
    "allocation_lines",
    "allocations",
    "annual_reports",
    "api_idempotency",
    "api_tokens",
    "approval_waivers",
    "auction_awards",
    "auction_bids",
    "auction_notices",
    "auctions",
    "audit_log",
    "cash_accounts",
    "cash_entries",
    "cash_movements",
    "companies",
    "compliance_results",
    "conflict_declarations",
    "court_transfers",
    "emission_reports",
    "exchange_commands",
    "freeze_reductions",
    "funds_reservations",
    "holdings",
    "journal_head",
    "jurisdictions",
    "login_attempts",
    "metadata",
    "monitoring_plans",
    "movement_blocks",
    "movements",
    "notifications",
    "organisations",
    "proposal_events",
    "proposals",
    "report_months",
    "representatives",
    "retirements",
    "roll_over_claims",
    "settlements",
    "trades",
    "transactions",
    "trusted_accounts",
    "trusted_list_removals",
    "unit_blocks",
    "unit_classes",
    "unit_freezes",
    "unit_outputs",
    "unit_reservations",
    "users",
    "verification_bodies",
    "verification_cases",
    "verification_events",
    "verification_finding_withdrawals",
    "verification_findings",
    "web_sessions",
]
