"""One router module per capability; ``ROUTERS`` is what the app mounts under /v1."""

from __future__ import annotations

from tanshi.api.routers import (
    accounts,
    admin,
    allocation,
    auctions,
    auth,
    cash,
    compliance,
    facilities,
    jurisdictions,
    market,
    proposals,
    public,
    registry_controls,
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
    registry_controls.router,
    compliance.router,
    public.router,
    verification.router,
    reports.router,
    market.router,
    admin.router,
    # Allocation, auctions, cash and settlement, facilities and the exchanges' overview.
    allocation.router,
    auctions.router,
    cash.router,
    facilities.router,
    users.router,
)
