"""Recorded auctions for people: terms and results for all, awards only for whom they concern.

An auction's volume, prices and totals are what a regulator publishes; what each bidder won
is shown to that bidder and to the roles that read everything (``Principal.reads_all``).

The public results (``result_list``) are every cleared auction however it ran: cleared from
the bid book (announce → bids → clear; its notice has the day and the bidding window) or in
one step with its bids given at once (``tanshi auction run --deliver``, ``hold_auction``),
in one shape: what EU and Chinese auction platforms publish for every auction (clearing
price, volume offered, bid and sold, cover ratio, number of bidders, the day).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, Select, func, select

from tanshi.auction.book import cover_ratio
from tanshi.core.moments import from_store
from tanshi.services.principals import Principal
from tanshi.services.views import Page, page_of, reading, utc_text
from tanshi.store.schema import (
    auction_awards,
    auction_notices,
    auctions,
    companies,
    jurisdictions,
)


def _query(principal: Principal | None) -> Select:
    winners = (
        select(func.count())
        .where(auction_awards.c.auction_id == auctions.c.id)
        .scalar_subquery()
        .label("winners")
    )
    query = select(auctions, jurisdictions.c.code.label("jurisdiction"), winners).join(
        jurisdictions, jurisdictions.c.id == auctions.c.jurisdiction_id
    )
    if principal is not None and principal.company:
        mine = (
            select(auction_awards.c.awarded_units)
            .join(companies, companies.c.id == auction_awards.c.company_id)
            .where(auction_awards.c.auction_id == auctions.c.id,
                   companies.c.code == principal.company)
            .scalar_subquery()
            .label("mine")
        )  # fmt: skip
        query = query.add_columns(mine)
    return query


def _shape(row: Any) -> dict[str, Any]:
    mine = getattr(row, "mine", None)
    return {
        "id": row.id, "code": row.code, "jurisdiction": row.jurisdiction, "year": row.year,
        "held_at": utc_text(row.held_at), "offered_t": int(row.offered_units),
        "carried_in_t": int(row.carried_in_units),
        "reserve_price_hundredths": int(row.reserve_price_hundredths),
        "clearing_price_hundredths": None if row.clearing_price_hundredths is None
        else int(row.clearing_price_hundredths),
        "sold_t": int(row.sold_units), "unsold_t": int(row.unsold_units),
        "rolled_over_t": int(row.rolled_over_units), "seed": int(row.seed),
        "bids_sha256": row.bids_sha256, "winners": int(row.winners),
        "my_awarded_t": None if mine is None else int(mine),
    }  # fmt: skip


def auction_list(
    engine: Engine, principal: Principal | None, *, jurisdiction: str | None = None,
    year: int | None = None, limit: int = 50, offset: int = 0,
) -> Page:  # fmt: skip
    """Recorded auctions, newest first; ``my_awarded_t`` is the asker's company's award."""
    query = _query(principal).order_by(auctions.c.held_at.desc(), auctions.c.id.desc())
    if jurisdiction:
        query = query.where(jurisdictions.c.code == jurisdiction)
    if year is not None:
        query = query.where(auctions.c.year == year)
    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, _shape)


def auction(
    engine: Engine, principal: Principal | None, code: str, jurisdiction: str | None = None
) -> dict[str, Any] | None:
    """One auction with the awards ``principal`` may see (all, their company's, or none)."""
    query = _query(principal).where(auctions.c.code == code)
    if jurisdiction:
        query = query.where(jurisdictions.c.code == jurisdiction)
    with reading(engine) as connection:
        rows = connection.execute(query.order_by(auctions.c.id)).all()
        if len(rows) != 1:
            return None  # unknown, or the same code in two jurisdictions: name one
        shaped = _shape(rows[0])
        # Every award only to the roles that read everything, and those of the auction's
        # jurisdiction if they are bound to one.
        sees_all = principal is not None and principal.reads_all and (
            principal.sees_jurisdiction(shaped["jurisdiction"]))  # fmt: skip
        awards = (
            select(companies.c.code, auction_awards.c.awarded_units,
                   auction_awards.c.price_hundredths, auction_awards.c.transaction_id)
            .join(companies, companies.c.id == auction_awards.c.company_id)
            .where(auction_awards.c.auction_id == shaped["id"])
            .order_by(companies.c.code)
        )  # fmt: skip
        if not sees_all:
            wanted = principal.company if principal is not None else None
            awards = awards.where(companies.c.code == (wanted or ""))
        shaped["awards"] = [
            {"company": r.code, "awarded_t": int(r.awarded_units),
             "price_hundredths": int(r.price_hundredths), "transaction_id": r.transaction_id}
            for r in connection.execute(awards)
        ]  # fmt: skip
    shaped["awards_shown"] = (
        "all" if sees_all
        else "own" if principal is not None and principal.company else "none"
    )  # fmt: skip
    return shaped


def awards_of(engine: Engine, company: str, limit: int = 20) -> list[dict[str, Any]]:
    """The auctions ``company`` won in, newest first (the caller checks who may see them)."""
    query = (
        select(auctions.c.code, auctions.c.year, auctions.c.held_at,
               auction_awards.c.awarded_units, auction_awards.c.price_hundredths,
               auction_awards.c.transaction_id)
        .join(auction_awards, auction_awards.c.auction_id == auctions.c.id)
        .join(companies, companies.c.id == auction_awards.c.company_id)
        .where(companies.c.code == company)
        .order_by(auctions.c.held_at.desc(), auctions.c.id.desc())
        .limit(limit)
    )  # fmt: skip
    with reading(engine) as connection:
        return [
            {"code": r.code, "year": r.year, "held_at": utc_text(r.held_at),
             "awarded_t": int(r.awarded_units), "price_hundredths": int(r.price_hundredths),
             "transaction_id": r.transaction_id}
            for r in connection.execute(query)
        ]  # fmt: skip


def auctioned_by_company(engine: Engine, jurisdiction_id: int, year: int) -> dict[str, int]:
    """Company code → units won in the jurisdiction's recorded auctions of ``year``."""
    query = (
        select(companies.c.code, func.sum(auction_awards.c.awarded_units))
        .join(companies, companies.c.id == auction_awards.c.company_id)
        .join(auctions, auctions.c.id == auction_awards.c.auction_id)
        .where(auctions.c.jurisdiction_id == jurisdiction_id, auctions.c.year == year)
        .group_by(companies.c.code)
    )
    with reading(engine) as connection:
        return {code: int(total) for code, total in connection.execute(query)}


def auction_totals(engine: Engine, jurisdiction_id: int, year: int) -> dict[str, int]:
    """How many of the jurisdiction's auctions of ``year`` were held, and the units they
    offered and sold."""
    query = select(
        func.count(), func.coalesce(func.sum(auctions.c.offered_units), 0),
        func.coalesce(func.sum(auctions.c.sold_units), 0),
    ).where(auctions.c.jurisdiction_id == jurisdiction_id, auctions.c.year == year)  # fmt: skip
    with reading(engine) as connection:
        count, offered, sold = connection.execute(query).one()
    return {"auctions": int(count), "offered_t": int(offered), "sold_t": int(sold)}


BID_BOOK = "bid_book"
ONE_STEP = "one_step"


def _result_query() -> Select:
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
    query = _result_query().order_by(moment.desc(), auctions.c.id.desc())
    if jurisdiction:
        query = query.where(jurisdictions.c.code == jurisdiction)
    if year is not None:
        query = query.where(auctions.c.year == year)
    with reading(engine) as connection:
        return page_of(connection, query, limit, offset, lambda row: result_shape(row, day_of))
