"""Read models for the API and the web UI: lists with filters and pages, scoped to who asks.

Regulators, auditors and administrators read everything — of their jurisdiction, when their
organisation belongs to one (``Principal.jurisdiction_bound``; an account is in the
jurisdiction ``accounts.jurisdiction_id`` names). Anyone else reads the accounts of their own company (the
organisation's ``company_id``) and the accounts they represent, and only the transactions and
proposals that touch those accounts. A hidden row is treated as absent, so its existence does
not leak.
"""

from __future__ import annotations

from tanshi.services.views.accounts import (
    account,
    account_holdings,
    account_holdings_on_loop,
    account_id_if_visible,
    account_list,
    account_on_loop,
    send_two_accounts,
    two_accounts,
)
from tanshi.services.views.common import (
    Page,
    codes_in_scope,
    freeze_order_hidden,
    in_jurisdiction,
    in_scope,
    page_of,
    reading,
    scope_of,
    sees_jurisdiction_id,
    utc_text,
    visible_accounts,
)
from tanshi.services.views.directory import (
    company,
    company_codes,
    company_list,
    compliance_table,
    compliance_years,
    coverage,
    jurisdiction_list,
    rulebook_of,
    years,
)
from tanshi.services.views.journal import (
    proposal,
    proposal_body,
    proposal_in,
    proposal_list,
    transaction,
    transaction_list,
)

__all__ = [
    "Page",
    "account",
    "account_holdings",
    "account_holdings_on_loop",
    "account_id_if_visible",
    "account_list",
    "account_on_loop",
    "codes_in_scope",
    "company",
    "company_codes",
    "company_list",
    "compliance_table",
    "compliance_years",
    "coverage",
    "freeze_order_hidden",
    "in_jurisdiction",
    "in_scope",
    "jurisdiction_list",
    "page_of",
    "proposal",
    "proposal_body",
    "proposal_in",
    "proposal_list",
    "reading",
    "rulebook_of",
    "scope_of",
    "sees_jurisdiction_id",
    "send_two_accounts",
    "transaction",
    "transaction_list",
    "two_accounts",
    "utc_text",
    "visible_accounts",
    "years",
]
