"""Clearing the bid book: close the window, clear the live bids, deliver, collect, release.

One database transaction after the registry's journal-head lock (``clearing.atomically``):
each award is delivered to the winner's operator holding account (``auction.deliver_in``)
and paid at the clearing price × the award from its bid's funds reservation into the
auction proceeds account (cash entry ``auction_payment``), every reservation's rest is
released, the auction is recorded in ``auctions`` and the notice marked cleared. A refusal
writes nothing: the book stays as it was.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select

from tanshi.auction import AuctionResult, Bid, clear_auction
from tanshi.auction.book import Phase
from tanshi.core.issues import Issue
from tanshi.core.moments import from_store, to_utc, zoned
from tanshi.market.cash import CashAccountKind, CashEntryKind, CashMovement, CashRequest
from tanshi.rulebook import rules_in_force
from tanshi.services import carry_over, cash
from tanshi.services.auction import AuctionRefused, deliver_in, hundredths
from tanshi.services.bid_book import (
    CLEARED,
    LIVE,
    locked_notice,
    open_fen,
    phase_of,
    refuse,
    refuse_if_cancelled,
    release_reserved,
    terms_of,
)
from tanshi.services.clearing import Refused, atomically, cash_step, exchange_in
from tanshi.services.jurisdiction import Jurisdiction, unit_class_id
from tanshi.store.schema import auction_bids, auction_notices, companies, funds_reservations


def proceeds_code(jurisdiction: str) -> str:
    return f"{jurisdiction}-CASH-AUCTION"


def book_csv(rows: Sequence[Any]) -> str:
    """The live bids at the close as a bid file (its SHA-256 is recorded with the auction)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("bidder", "price_per_t", "quantity_t"))
    writer.writerows((r.company, f"{Decimal(int(r.price_hundredths)) / 100:.2f}",
                      int(r.quantity_units)) for r in rows)  # fmt: skip
    return out.getvalue()


def clear_book(
    engine: Engine, jurisdiction: Jurisdiction, code: str, *, now: datetime, seed: int = 0,
) -> tuple[dict[str, Any] | None, list[Issue]]:  # fmt: skip
    """Clear the live bids once the bidding window has closed, all or nothing.

    Bidders were promised the whole announced window, so clearing while it is still open is
    refused (``bidding_window_still_open``), as before it opens (``bidding_window_not_open``).

    Each award is delivered to the winner's operator holding account and paid at the
    clearing price from its bid's reservation into the auction proceeds account; every
    reservation's remainder is released; the auction is recorded in ``auctions``. Clearing
    an auction already cleared returns its result again (``replayed``).
    """
    with engine.connect() as connection:
        found = connection.execute(select(auction_notices.c.year).where(
            auction_notices.c.jurisdiction_id == jurisdiction.id,
            auction_notices.c.code == code)).scalar()  # fmt: skip
    if found is None:
        return None, [Issue.of("unknown_auction", "no announced auction {code}", "code", code=code)]
    allowance = rules_in_force(jurisdiction.rulebook, found).allowance_unit_type.code
    allowances = unit_class_id(engine, jurisdiction, allowance, found)

    def work(connection: Connection) -> dict[str, Any]:
        notice = locked_notice(connection, jurisdiction, code)
        if notice.auction_id is not None:
            return {"auction_id": int(notice.auction_id), "replayed": True}
        refuse_if_cancelled(notice)
        phase = phase_of(notice, now)
        if phase is Phase.ANNOUNCED:
            raise refuse("bidding_window_not_open", "the bidding window has not opened; "
                          "clear the auction after it has", "code")  # fmt: skip
        if phase is Phase.OPEN:
            closes = zoned(from_store(notice.closes_at), jurisdiction.rulebook.rulebook.timezone)
            raise refuse("bidding_window_still_open", "the bidding window is open until "
                         "{closes}; bidders may bid until then, so clear the auction at or "
                         "after its close", "code", closes=closes)  # fmt: skip
        rows = connection.execute(
            select(auction_bids, companies.c.code.label("company"))
            .join(companies, companies.c.id == auction_bids.c.company_id)
            .where(auction_bids.c.notice_id == notice.id, auction_bids.c.status == LIVE)
            .order_by(auction_bids.c.id)
        ).all()  # fmt: skip
        terms = terms_of(jurisdiction, notice)
        sectors = dict(connection.execute(select(companies.c.code, companies.c.sector).where(
            companies.c.jurisdiction_id == jurisdiction.id)).all())  # fmt: skip
        bids = [Bid(str(r.id), r.company, Decimal(int(r.price_hundredths)) / 100,
                    int(r.quantity_units)) for r in rows]  # fmt: skip
        guarantees: dict[str, Decimal] | None = None
        if terms.bid_guarantee_required:  # the reserved funds are each bidder's guarantee
            guarantees = {}
            for r in rows:
                lodged = Decimal(open_fen(connection, r.funds_reservation_id)) / 100
                guarantees[r.company] = guarantees.get(r.company, Decimal(0)) + lodged
        result = clear_auction(terms, bids, guarantees, seed=seed, bidder_sectors=sectors)
        try:
            auction_id, _moved = deliver_in(
                connection, jurisdiction, result, allowances, code=code, year=notice.year,
                now=now, carried_in_t=int(notice.carried_in_units),
                carried_from=notice.carried_from_auction_id, bids_text=book_csv(rows),
            )  # fmt: skip
        except AuctionRefused as refused:
            raise Refused(refused.issues) from refused
        carry_over.cleared(connection, notice.id, auction_id)  # its claims are the auction's
        _settle(connection, jurisdiction, code, rows, result, now)
        awarded = {award.bid.bid_id: award for award in result.awards}
        for r in rows:
            award = awarded[str(r.id)]
            connection.execute(auction_bids.update().where(auction_bids.c.id == r.id).values(
                status=CLEARED, accepted_units=award.accepted_t, awarded_units=award.awarded_t))  # fmt: skip
        connection.execute(auction_notices.update().where(auction_notices.c.id == notice.id).values(
            closed_at=to_utc(min(now, from_store(notice.closes_at))), auction_id=auction_id,
            bid_units=sum(int(r.quantity_units) for r in rows),
            bidders=len({r.company for r in rows})))  # fmt: skip
        return {"auction_id": int(auction_id), "replayed": False,
                "notes": list(result.issues)}  # fmt: skip

    return atomically(engine, work)


def _settle(connection: Connection, jurisdiction: Jurisdiction, code: str, rows: Sequence[Any],
            result: AuctionResult, now: datetime) -> None:  # fmt: skip
    """Pay each winner's award at the clearing price from its reservations into the
    proceeds account (one entry per winner), and release every reservation's remainder."""
    ex = exchange_in(connection, jurisdiction)
    proceeds = cash.open_cash_account(connection, proceeds_code(jurisdiction.code),
                                      CashAccountKind.AUCTION_PROCEEDS, ex.currency)  # fmt: skip
    price = result.clearing_price_per_t
    price_fen = hundredths(price) if price is not None else 0
    awarded = {award.bid.bid_id: award.awarded_t for award in result.awards}
    owed: dict[str, int] = {}
    for r in rows:
        pay = price_fen * awarded.get(str(r.id), 0)
        left = open_fen(connection, r.funds_reservation_id)
        assert pay <= left, "a bid that wins is priced at or above the clearing price"
        if pay:
            owed[r.company] = owed.get(r.company, 0) + pay
            connection.execute(
                funds_reservations.update().where(funds_reservations.c.id == r.funds_reservation_id)
                .values(open_fen=funds_reservations.c.open_fen - pay)
            )  # fmt: skip
        release_reserved(connection, ex, r.funds_reservation_id, left - pay,
                 f"auction/{jurisdiction.code}/{code}/release/{r.id}", now,
                 f"auction {code}: bid {r.id} not used")  # fmt: skip
    for company, amount in sorted(owed.items()):
        cash_step(connection, CashRequest(
            CashEntryKind.AUCTION_PAYMENT, f"auction/{jurisdiction.code}/{code}/payment/{company}",
            (CashMovement(ex.clearing_cash, proceeds, amount),), now,
            f"auction {code}: {company} pays {amount} fen"))  # fmt: skip
