"""Every cleared auction as published, however it ran: from the bid book or in one step.

An auction cleared from the bid book (announce → bids → clear) and one run in one step with
its bids given at once (``tanshi auction run --deliver``, ``hold_auction``) are both recorded in
``auctions``; the first also has a notice with its day and bidding window. The public sees
both in one shape: what EU and Chinese auction platforms publish for every auction (clearing
price, volume offered, bid and sold, cover ratio, number of bidders, the day).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, Select, func, select

from tanshi.auction.book import cover_ratio
from tanshi.core.moments import from_store
from tanshi.services.views import Page, page_of, reading, utc_text
from tanshi.store.schema import auction_notices, auctions, jurisdictions

BID_BOOK = "bid_book"
ONE_STEP = "one_step"


def _query() -> Select:
    return (
        select(auctions, jurisdictions.c.code.label("jurisdiction"),
               auction_notices.c.id.label("notice_id"), auction_notices.c.auction_on,
               auction_notices.c.opens_at, auction_notices.c.closes_at,
               auction_notices.c.closed_at,
               auction_notices.c.bid_units.label("notice_bid_units"),
               auction_notices.c.bidders.label("notice_bidders"))
        .join(jurisdictions, jurisdictions.c.id == auctions.c.jurisdiction_id)
        .outerjoin(auction_notices, auction_notices.c.auction_id == auctions.c.id)
    )  # fmt: skip


def result_shape(row: Any, day_of: Callable[[str, datetime], date]) -> dict[str, Any]:
    """One cleared auction; ``day_of(jurisdiction, moment)`` is the moment's local day (the
    auction day of one run in one step, which has no notice)."""
    booked = row.notice_id is not None
    held = from_store(row.held_at)
    bid = row.notice_bid_units if booked else row.bid_units
    bidders = row.notice_bidders if booked else row.bidders
    offered = int(row.offered_units)
    ratio = None if bid is None else cover_ratio(int(bid), offered)
    return {
        "code": row.code, "jurisdiction": row.jurisdiction, "year": row.year,
        "auction_on": (row.auction_on if booked else day_of(row.jurisdiction, held)).isoformat(),
        "via": BID_BOOK if booked else ONE_STEP, "held_at": held.isoformat(),
        "opens_at": utc_text(row.opens_at), "closes_at": utc_text(row.closes_at),
        "closed_at": utc_text(row.closed_at), "phase": "cleared", "offered_t": offered,
        "carried_in_t": int(row.carried_in_units),
        "reserve_price_hundredths": int(row.reserve_price_hundredths),
        "clearing_price_hundredths": None if row.clearing_price_hundredths is None
        else int(row.clearing_price_hundredths),
        "bid_t": None if bid is None else int(bid),
        "sold_t": int(row.sold_units), "unsold_t": int(row.unsold_units),
        "rolled_over_t": int(row.rolled_over_units),
        "bidders": None if bidders is None else int(bidders),
        "cover_ratio": None if ratio is None else str(ratio),
    }  # fmt: skip


def result_list(
    engine: Engine, day_of: Callable[[str, datetime], date], *,
    jurisdiction: str | None = None, year: int | None = None, limit: int = 50, offset: int = 0,
) -> Page:  # fmt: skip
    """Every cleared auction, latest first: a bid book's by the close of its window, one run
    in one step by when it was held (its only moment)."""
    moment = func.coalesce(auction_notices.c.closes_at, auctions.c.held_at)
    query = _query().order_by(moment.desc(), auctions.c.id.desc())
    if jurisdiction:
        query = query.where(jurisdictions.c.code == jurisdiction)
    if year is not None:
        query = query.where(auctions.c.year == year)
    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, lambda row: result_shape(row, day_of))
