"""Announced auctions for people: the window and terms for all, results once cleared, and bids
only for whom they concern.

Bids are sealed: while the window is open a bidder sees only its own bids (those of the
companies whose accounts it trades for), and no one else sees any. Once the auction is
cleared the public sees what EU auction platforms publish (clearing price, volume offered,
bid and sold, the cover ratio, the number of bidders) and regulators and auditors
(``Principal.reads_all``) see the whole book. A cancelled auction shows when, by whom and why
it was cancelled; regulators and auditors see its whole book too (who bid what, for
oversight of the cancellation), the public only when and why (``cancellation_list``), a
bidder its own bids.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Select, func, or_, select

from tanshi.auction.book import cover_ratio
from tanshi.services.bid_book import bid_shape, phase_of
from tanshi.services.principals import Principal
from tanshi.services.views import Page, page_of, reading, utc_text
from tanshi.store.schema import (
    accounts,
    auction_bids,
    auction_notices,
    auctions,
    cash_accounts,
    companies,
    funds_reservations,
    jurisdictions,
)


def _query() -> Select:
    return (
        select(auction_notices, jurisdictions.c.code.label("jurisdiction"),
               auctions.c.clearing_price_hundredths, auctions.c.sold_units,
               auctions.c.unsold_units, auctions.c.rolled_over_units)
        .join(jurisdictions, jurisdictions.c.id == auction_notices.c.jurisdiction_id)
        .outerjoin(auctions, auctions.c.id == auction_notices.c.auction_id)
    )  # fmt: skip


def notice_shape(row: Any, now: datetime) -> dict[str, Any]:
    """An announced auction as published: window, terms and, once cleared, its results."""
    cleared = row.auction_id is not None
    offered = int(row.offered_units)
    ratio = cover_ratio(int(row.bid_units), offered) if cleared else None
    return {
        "code": row.code, "jurisdiction": row.jurisdiction, "year": row.year,
        "auction_on": row.auction_on.isoformat(), "opens_at": utc_text(row.opens_at),
        "closes_at": utc_text(row.closes_at), "closed_at": utc_text(row.closed_at),
        "phase": phase_of(row, now).value, "offered_t": offered,
        "carried_in_t": int(row.carried_in_units),
        "reserve_price_hundredths": int(row.reserve_price_hundredths),
        "clearing_price_hundredths": row.clearing_price_hundredths if cleared else None,
        "bid_t": int(row.bid_units) if cleared else None,
        "sold_t": int(row.sold_units) if cleared else None,
        "unsold_t": int(row.unsold_units) if cleared else None,
        "rolled_over_t": int(row.rolled_over_units) if cleared else None,
        "bidders": int(row.bidders) if cleared else None,
        "cover_ratio": None if ratio is None else str(ratio),
        "cancelled_at": utc_text(row.cancelled_at), "cancelled_by": row.cancelled_by,
        "cancel_reason": row.cancel_reason,
    }  # fmt: skip


def ended(row: Any) -> bool:
    """Whether the auction's book is unsealed for oversight: cleared or cancelled."""
    return row.auction_id is not None or row.cancelled_at is not None


def notice_list(
    engine: Engine, now: datetime, *, jurisdiction: str | None = None, year: int | None = None,
    limit: int = 50, offset: int = 0,
) -> Page:  # fmt: skip
    """Announced auctions, latest window first (the same for everyone)."""
    query = _query().order_by(auction_notices.c.closes_at.desc(), auction_notices.c.id.desc())
    if jurisdiction:
        query = query.where(jurisdictions.c.code == jurisdiction)
    if year is not None:
        query = query.where(auction_notices.c.year == year)
    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, lambda row: notice_shape(row, now))


def notice(
    engine: Engine, principal: Principal | None, code: str, now: datetime, *,
    jurisdiction: str | None = None, own_companies: frozenset[str] = frozenset(),
) -> dict[str, Any] | None:  # fmt: skip
    """One announced auction with the bids ``principal`` may see: the whole book for
    regulators and auditors of its jurisdiction once it is cleared or cancelled, else the
    bids of ``own_companies`` (the companies whose accounts the principal bids for)."""
    query = _query().where(auction_notices.c.code == code)
    if jurisdiction:
        query = query.where(jurisdictions.c.code == jurisdiction)
    with reading(engine) as connection:
        rows = connection.execute(query).all()
        if len(rows) != 1:
            return None
        shaped = notice_shape(rows[0], now)
        whole = (principal is not None and principal.reads_all and ended(rows[0])
                 and principal.sees_jurisdiction(rows[0].jurisdiction))  # fmt: skip
        bids = (
            select(auction_bids, companies.c.code.label("company"))
            .join(companies, companies.c.id == auction_bids.c.company_id)
            .where(auction_bids.c.notice_id == rows[0].id)
            .order_by(auction_bids.c.id)
        )
        if not whole:
            bids = bids.where(companies.c.code.in_(sorted(own_companies)))
        shaped["bids"] = [bid_shape(r, r.company) for r in connection.execute(bids)]
    shaped["bids_shown"] = "all" if whole else "own" if own_companies else "none"
    return shaped


def cancellation_list(
    engine: Engine, *, jurisdiction: str | None = None, year: int | None = None,
    limit: int = 50, offset: int = 0,
) -> Page:  # fmt: skip
    """Cancelled auctions as published, latest cancellation first: the announced day, window
    and volume, when and why they were cancelled (not by whom, nor the bids: those only
    regulators and auditors see, ``notice``)."""
    query = (
        select(auction_notices, jurisdictions.c.code.label("jurisdiction"))
        .join(jurisdictions, jurisdictions.c.id == auction_notices.c.jurisdiction_id)
        .where(auction_notices.c.cancelled_at.is_not(None))
        .order_by(auction_notices.c.cancelled_at.desc(), auction_notices.c.id.desc())
    )  # fmt: skip
    if jurisdiction:
        query = query.where(jurisdictions.c.code == jurisdiction)
    if year is not None:
        query = query.where(auction_notices.c.year == year)

    def shape(row: Any) -> dict[str, Any]:
        return {"code": row.code, "jurisdiction": row.jurisdiction, "year": row.year,
                "auction_on": row.auction_on.isoformat(), "opens_at": utc_text(row.opens_at),
                "closes_at": utc_text(row.closes_at), "offered_t": int(row.offered_units),
                "cancelled_at": utc_text(row.cancelled_at),
                "cancel_reason": row.cancel_reason}  # fmt: skip

    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, shape)


def price_text(hundredths: int | None) -> str | None:
    return None if hundredths is None else f"{Decimal(int(hundredths)) / 100:.2f}"


def whole_book(engine: Engine, jurisdiction: str, code: str) -> list[dict[str, Any]]:
    """Every bid of a cleared or cancelled auction (the caller checks who may see it)."""
    query = (
        select(auction_bids, companies.c.code.label("company"))
        .join(companies, companies.c.id == auction_bids.c.company_id)
        .join(auction_notices, auction_notices.c.id == auction_bids.c.notice_id)
        .join(jurisdictions, jurisdictions.c.id == auction_notices.c.jurisdiction_id)
        .where(auction_notices.c.code == code, jurisdictions.c.code == jurisdiction,
               or_(auction_notices.c.auction_id.is_not(None),
                   auction_notices.c.cancelled_at.is_not(None)))
        .order_by(auction_bids.c.id)
    )  # fmt: skip
    with reading(engine) as connection:
        return [bid_shape(r, r.company) for r in connection.execute(query)]


def open_reserved_fen(engine: Engine, registry_account: str) -> int:
    """What the holder of ``registry_account`` has reserved now, for bids and buy orders."""
    query = (
        select(func.coalesce(func.sum(funds_reservations.c.open_fen), 0))
        .join(cash_accounts, cash_accounts.c.id == funds_reservations.c.cash_account_id)
        .join(accounts, accounts.c.id == cash_accounts.c.registry_account_id)
        .where(accounts.c.code == registry_account)
    )
    with reading(engine) as connection:
        return int(connection.execute(query).scalar_one())
