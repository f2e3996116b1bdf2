"""The bid book of an announced auction: its bidding window and the checks on one sealed bid.

A regulator announces an auction with a window (opens, closes); while it is open companies
submit, revise and withdraw sealed bids; the regulator then closes the window and clears
the live bids with ``clear_auction``. Everything here is pure: the clock, the bidder's
sector and its other live bids come in as arguments.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tanshi.auction.clearing import AuctionTerms
from tanshi.core.issues import Issue

HUNDREDTHS = 100


class Phase(enum.StrEnum):
    """Where an announced auction stands."""

    ANNOUNCED = "announced"  # the window has not opened yet
    OPEN = "open"  # bids may be submitted, revised and withdrawn
    CLOSED = "closed"  # the window has closed; the regulator has not cleared it yet
    CLEARED = "cleared"  # cleared, delivered and paid
    CANCELLED = "cancelled"  # the regulator cancelled it before clearing; bids were released


@dataclass(frozen=True, slots=True)
class Window:
    """The bidding window of an announced auction; ``closes_at`` is exclusive."""

    opens_at: datetime
    closes_at: datetime

    def phase(self, now: datetime, *, cleared: bool = False, cancelled: bool = False) -> Phase:
        if cancelled:
            return Phase.CANCELLED
        if cleared:
            return Phase.CLEARED
        if now < self.opens_at:
            return Phase.ANNOUNCED
        return Phase.OPEN if now < self.closes_at else Phase.CLOSED


# Why a bid is refused outside the window, by the window's phase.
WINDOW_SHUT = {
    Phase.ANNOUNCED: "the bidding window has not opened yet; bids are taken only while it is open",
    Phase.CLOSED: "the bidding window has closed; bids are taken only while it is open",
    Phase.CLEARED: "the bidding window has closed and the auction is cleared; bids are taken "
    "only while it is open",
    Phase.CANCELLED: "the auction was cancelled; it takes no bids",
}


def check_window(opens_at: datetime, closes_at: datetime, where: str = "window") -> list[Issue]:
    """Every problem with a window as announced."""
    if opens_at.tzinfo is None or closes_at.tzinfo is None:
        return [Issue.of("moment_without_offset", "give the window's moments with their UTC "
                         "offset, e.g. 2016-09-01T09:00+08:00", where)]  # fmt: skip
    if closes_at <= opens_at:
        return [Issue.of("window_closes_before_it_opens", "the window closes at {closes_at} but "
                         "opens at {opens_at}; close it after it opens", where,
                         closes_at=closes_at, opens_at=opens_at)]  # fmt: skip
    return []


def bid_value_hundredths(price_per_t: Decimal, quantity_t: int) -> int | None:
    """What a bid may cost at most, in hundredths of the currency (fen); None when the price
    has more than two decimal places (it cannot be paid exactly)."""
    scaled = price_per_t * HUNDREDTHS
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled) * quantity_t


def check_bid(
    terms: AuctionTerms,
    price_per_t: Decimal,
    quantity_t: int,
    *,
    phase: Phase,
    sector: str | None,
    other_live_t: int,
    where: str = "bid",
) -> list[Issue]:
    """Every problem with one sealed bid of a bidder whose other live bids ask ``other_live_t``.

    The window must be open; the quantity a positive whole number of lots; the price a
    positive whole number of ticks, not below the reserve price and payable in whole fen;
    the bidder of an eligible sector when the terms name sectors; and the bidder's live bids
    together within the per-bidder purchase limit.
    """
    issues = []
    if phase is not Phase.OPEN:
        code = (
            "auction_cancelled" if phase is Phase.CANCELLED
            else f"bidding_window_{'not_open' if phase is Phase.ANNOUNCED else 'closed'}"
        )  # fmt: skip
        issues.append(Issue.of(code, WINDOW_SHUT[phase], where))
    if quantity_t <= 0 or quantity_t % terms.lot_size_t:
        issues.append(Issue.of("not_whole_lots", "quantity {quantity_t} t is not a whole number "
                               "of lots of {lot_t} t", f"{where}.quantity_t",
                               quantity_t=quantity_t, lot_t=terms.lot_size_t))  # fmt: skip
    if not price_per_t.is_finite() or price_per_t <= 0 or price_per_t % terms.price_tick:
        issues.append(Issue.of("not_whole_ticks", "price {price} is not a positive "
                               "multiple of the tick {tick}", f"{where}.price_per_t",
                               price=price_per_t, tick=terms.price_tick))  # fmt: skip
    elif price_per_t < terms.reserve_price_per_t:
        issues.append(Issue.of("below_reserve_price", "price {price} is below the reserve "
                               "price {reserve}; bid at or above it", f"{where}.price_per_t",
                               price=price_per_t, reserve=terms.reserve_price_per_t))  # fmt: skip
    elif bid_value_hundredths(price_per_t, 1) is None:
        issues.append(Issue.of("price_not_payable", "price {price} has more than two "
                               "decimal places; it cannot be paid exactly", f"{where}.price_per_t",
                               price=price_per_t))  # fmt: skip
    if terms.eligible_sectors and sector not in terms.eligible_sectors:
        issues.append(Issue.of("bidder_not_eligible", "companies of sector {sector} may not "
                               "bid; eligible sectors: {sectors}", where,
                               sector=sector or "unknown",
                               sectors=sorted(terms.eligible_sectors)))  # fmt: skip
    limit = terms.purchase_limit_t
    if quantity_t > 0 and other_live_t + quantity_t > limit:
        issues.append(Issue.of("exceeds_purchase_limit", "your live bids would ask "
                               "{asked_t} t; a bidder may ask at most {limit_t} t in this "
                               "auction ({share} of the volume)", f"{where}.quantity_t",
                               asked_t=other_live_t + quantity_t, limit_t=limit,
                               share=terms.purchase_limit_share))  # fmt: skip
    return issues


def cover_ratio(bid_t: int, offered_t: int) -> Decimal | None:
    """Tonnes bid for over tonnes offered (as EU auction platforms publish), to 2 places."""
    if offered_t <= 0:
        return None
    return (Decimal(bid_t) / Decimal(offered_t)).quantize(Decimal("0.01"))
