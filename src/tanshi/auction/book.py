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


@dataclass(frozen=True, slots=True)
class Window:
    """The bidding window of an announced auction; ``closes_at`` is exclusive."""

    opens_at: datetime
    closes_at: datetime

    def phase(self, now: datetime, *, cleared: bool = False) -> Phase:
        if cleared:
            return Phase.CLEARED
        if now < self.opens_at:
            return Phase.ANNOUNCED
        return Phase.OPEN if now < self.closes_at else Phase.CLOSED


def check_window(opens_at: datetime, closes_at: datetime, where: str = "window") -> list[Issue]:
    """Every problem with a window as announced."""
    if opens_at.tzinfo is None or closes_at.tzinfo is None:
        return [Issue("moment_without_offset", "give the window's moments with their UTC "
                      "offset, e.g. 2016-09-01T09:00+08:00", where)]  # fmt: skip
    if closes_at <= opens_at:
        return [Issue("window_closes_before_it_opens", f"the window closes at {closes_at} but "
                      f"opens at {opens_at}; close it after it opens", where)]  # fmt: skip
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
        why = {Phase.ANNOUNCED: "has not opened yet", Phase.CLOSED: "has closed",
               Phase.CLEARED: "has closed and the auction is cleared"}[phase]  # fmt: skip
        issues.append(Issue(f"bidding_window_{'not_open' if phase is Phase.ANNOUNCED else 'closed'}",
                            f"the bidding window {why}; bids are taken only while it is open",
                            where))  # fmt: skip
    if quantity_t <= 0 or quantity_t % terms.lot_size_t:
        issues.append(Issue("not_whole_lots", f"quantity {quantity_t} t is not a whole number "
                            f"of lots of {terms.lot_size_t} t", f"{where}.quantity_t"))  # fmt: skip
    if not price_per_t.is_finite() or price_per_t <= 0 or price_per_t % terms.price_tick:
        issues.append(Issue("not_whole_ticks", f"price {price_per_t} is not a positive "
                            f"multiple of the tick {terms.price_tick}", f"{where}.price_per_t"))  # fmt: skip
    elif price_per_t < terms.reserve_price_per_t:
        issues.append(Issue("below_reserve_price", f"price {price_per_t} is below the reserve "
                            f"price {terms.reserve_price_per_t}; bid at or above it",
                            f"{where}.price_per_t"))  # fmt: skip
    elif bid_value_hundredths(price_per_t, 1) is None:
        issues.append(Issue("price_not_payable", f"price {price_per_t} has more than two "
                            "decimal places; it cannot be paid exactly", f"{where}.price_per_t"))  # fmt: skip
    if terms.eligible_sectors and sector not in terms.eligible_sectors:
        issues.append(Issue("bidder_not_eligible", f"companies of sector {sector or 'unknown'} "
                            f"may not bid; eligible sectors: {sorted(terms.eligible_sectors)}",
                            where))  # fmt: skip
    limit = terms.purchase_limit_t
    if quantity_t > 0 and other_live_t + quantity_t > limit:
        issues.append(Issue("exceeds_purchase_limit", f"your live bids would ask "
                            f"{other_live_t + quantity_t} t; a bidder may ask at most {limit} t "
                            f"in this auction ({terms.purchase_limit_share} of the volume)",
                            f"{where}.quantity_t"))  # fmt: skip
    return issues


def cover_ratio(bid_t: int, offered_t: int) -> Decimal | None:
    """Tonnes bid for over tonnes offered (as EU auction platforms publish), to 2 places."""
    if offered_t <= 0:
        return None
    return (Decimal(bid_t) / Decimal(offered_t)).quantize(Decimal("0.01"))
