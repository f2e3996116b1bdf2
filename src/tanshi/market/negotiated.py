"""Negotiated trades: block and OTC trades reported for settlement, and one-way bidding."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from tanshi.core.issues import Issue
from tanshi.market.venues import MethodKind, TradingMethod


@dataclass(frozen=True, slots=True)
class NegotiatedTrade:
    """A trade agreed between two parties and reported to the venue (block or OTC)."""

    method: MethodKind
    product: str
    seller: str
    buyer: str
    quantity_t: int
    price_cny_per_t: Decimal
    agreed_at: datetime


def price_band(
    reference_cny_per_t: Decimal, method: TradingMethod
) -> tuple[Decimal, Decimal] | None:
    """The lowest and highest price ``method`` allows around the reference, half up to a tick."""
    if method.band_pct is None:
        return None
    share = method.band_pct / 100
    low = (reference_cny_per_t * (1 - share)).quantize(method.tick_cny, ROUND_HALF_UP)
    high = (reference_cny_per_t * (1 + share)).quantize(method.tick_cny, ROUND_HALF_UP)
    return low, high


def check_size_and_price(
    quantity_t: int,
    price_cny_per_t: Decimal,
    method: TradingMethod,
    reference_cny_per_t: Decimal | None,
    where: str,
) -> list[Issue]:
    """Every problem with a quantity and price under ``method``'s size range, ticks and band."""
    issues = []
    if quantity_t <= 0:
        issues.append(Issue("quantity_must_be_positive", "trade at least one lot", where))
    elif quantity_t % method.lot_t:
        issues.append(
            Issue(
                "quantity_off_lot", f"{quantity_t} t is not a multiple of {method.lot_t} t", where
            )
        )
    if method.min_quantity_t is not None and 0 < quantity_t < method.min_quantity_t:
        issues.append(
            Issue(
                "quantity_below_minimum",
                f"{method.kind} trades need at least {method.min_quantity_t} t; "
                f"{quantity_t} t goes to listed trading",
                where,
            )
        )
    if method.max_quantity_t is not None and quantity_t > method.max_quantity_t:
        issues.append(
            Issue(
                "quantity_above_maximum",
                f"{method.kind} trades take at most {method.max_quantity_t} t",
                where,
            )
        )
    if price_cny_per_t <= 0:
        issues.append(Issue("price_must_be_positive", "the price must be above zero", where))
    elif price_cny_per_t != price_cny_per_t.quantize(method.tick_cny):
        issues.append(
            Issue(
                "price_off_tick",
                f"{price_cny_per_t} is finer than the tick {method.tick_cny}",
                where,
            )
        )
    elif reference_cny_per_t is not None:
        band = price_band(reference_cny_per_t, method)
        if band is not None and not band[0] <= price_cny_per_t <= band[1]:
            issues.append(
                Issue(
                    "price_outside_band",
                    f"{price_cny_per_t} is outside {band[0]}-{band[1]} (±{method.band_pct}% of "
                    f"the reference {reference_cny_per_t})",
                    where,
                )
            )
    return issues


def check_negotiated(
    trade: NegotiatedTrade, method: TradingMethod, reference_cny_per_t: Decimal | None
) -> list[Issue]:
    """Every problem with a reported block or OTC trade, before it goes to settlement."""
    where = f"{trade.method} trade {trade.seller} -> {trade.buyer} {trade.product}"
    issues = []
    if trade.method is not method.kind:
        issues.append(
            Issue(
                "method_mismatch",
                f"the trade is {trade.method}, the rules are {method.kind}",
                where,
            )
        )
    if trade.method not in {MethodKind.BLOCK, MethodKind.OTC}:
        issues.append(
            Issue("not_a_negotiated_method", "only block and OTC trades are reported", where)
        )
    if trade.seller == trade.buyer:
        issues.append(Issue("same_counterparty", "seller and buyer must differ", where))
    issues.extend(
        check_size_and_price(
            trade.quantity_t, trade.price_cny_per_t, method, reference_cny_per_t, where
        )
    )
    return issues


class Pricing(enum.StrEnum):
    """What winning bidders pay in one-way bidding."""

    PAY_AS_BID = "pay_as_bid"  # each winner pays its own bid (assumption for 单向竞价)
    UNIFORM = "uniform"  # every winner pays the lowest winning bid


@dataclass(frozen=True, slots=True)
class OneWayOffer:
    """A seller's offer in one-way bidding (单向竞价): a quantity and a reserve price."""

    product: str
    seller: str
    quantity_t: int
    reserve_cny_per_t: Decimal


@dataclass(frozen=True, slots=True)
class Bid:
    """A buyer's bid; ``sequence`` is its arrival order (time priority)."""

    bidder: str
    quantity_t: int
    price_cny_per_t: Decimal
    sequence: int


@dataclass(frozen=True, slots=True)
class Award:
    """Units a bidder wins and the price it pays."""

    bidder: str
    quantity_t: int
    price_cny_per_t: Decimal
    sequence: int


def check_bids(
    offer: OneWayOffer,
    bids: Sequence[Bid],
    method: TradingMethod,
    reference_cny_per_t: Decimal | None,
) -> list[Issue]:
    """Every problem with the bids of a one-way bidding session."""
    issues = []
    sequences = [bid.sequence for bid in bids]
    for i, bid in enumerate(bids):
        where = f"bid[{i}] {bid.bidder}"
        if bid.bidder == offer.seller:
            issues.append(
                Issue("seller_cannot_bid", "the seller may not bid on its own offer", where)
            )
        if sequences.count(bid.sequence) > 1:
            issues.append(
                Issue("duplicate_sequence", f"sequence {bid.sequence} is used twice", where)
            )
        if bid.price_cny_per_t < offer.reserve_cny_per_t:
            issues.append(
                Issue(
                    "bid_below_reserve",
                    f"{bid.price_cny_per_t} is below the reserve {offer.reserve_cny_per_t}",
                    where,
                )
            )
        issues.extend(
            check_size_and_price(
                bid.quantity_t, bid.price_cny_per_t, method, reference_cny_per_t, where
            )
        )
    return issues


def allocate(
    offer: OneWayOffer, bids: Sequence[Bid], pricing: Pricing = Pricing.PAY_AS_BID
) -> list[Award]:
    """Fill the offer from the highest bid down, earlier bids first at equal prices.

    Bids must have passed ``check_bids``; the last winner may be filled in part. Unsold
    quantity stays with the seller.
    """
    left = offer.quantity_t
    awards = []
    for bid in sorted(bids, key=lambda b: (-b.price_cny_per_t, b.sequence)):
        if left == 0:
            break
        quantity = min(left, bid.quantity_t)
        awards.append(Award(bid.bidder, quantity, bid.price_cny_per_t, bid.sequence))
        left -= quantity
    if pricing is Pricing.UNIFORM and awards:
        clearing = awards[-1].price_cny_per_t
        awards = [Award(a.bidder, a.quantity_t, clearing, a.sequence) for a in awards]
    return awards
