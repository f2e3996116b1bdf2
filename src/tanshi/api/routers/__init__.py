"""One router module per capability; ``ROUTERS`` is what the app mounts under /v1."""

from __future__ import annotations

from tanshi.api.routers import (
    accounts,
    admin,
    allocation,
    auction_book,
    auctions,
    auth,
    cash,
    compliance,
    facilities,
    jurisdictions,
    market,
    proposals,
    public,
    reports,
    rulebooks,
    transactions,
    users,
    verification,
)

ROUTERS = (
    auth.router,
    jurisdictions.router,
    rulebooks.router,
    accounts.router,
    transactions.router,
    proposals.router,
    compliance.router,
    public.router,
    verification.router,
    reports.router,
    market.router,
    admin.router,
    # Allocation, auctions, cash and settlement, facilities and the exchanges' overview.
    allocation.router,
    auctions.router,
    auction_book.router,
    cash.router,
    facilities.router,
    users.router,
)
