"""One router module per capability; ``ROUTERS`` is what the app mounts under /v1."""

from __future__ import annotations

from tanshi.api.routers import (
    account_limits,
    accounts,
    admin,
    admin_requests,
    allocation,
    auction_book,
    auctions,
    auth,
    cash,
    clearing,
    compliance,
    court_orders,
    downloads,
    facilities,
    jurisdictions,
    market,
    production,
    proposals,
    public,
    registry_controls,
    reports,
    rulebooks,
    surveillance,
    transactions,
    trust_requests,
    users,
    verification,
    verification_bodies,
)

ROUTERS = (
    auth.router,
    jurisdictions.router,
    rulebooks.router,
    accounts.router,
    transactions.router,
    proposals.router,
    registry_controls.router,
    court_orders.router,  # court-ordered transfers of frozen units
    trust_requests.router,  # trusted-list additions by two representatives
    account_limits.router,  # an account's own transfer limit, by two representatives
    compliance.router,
    public.router,
    verification.router,
    reports.router,
    market.router,
    surveillance.router,  # the exchange's surveillance alerts
    admin.router,
    admin_requests.router,  # four eyes in administration
    # Allocation, auctions, cash and settlement, facilities and the exchanges' overview.
    allocation.router,
    auctions.router,
    auction_book.router,
    cash.router,
    facilities.router,
    users.router,
    # Reports as files, verification bodies and statements, production data, clearing.
    downloads.router,
    verification_bodies.router,
    production.router,
    clearing.router,
)
