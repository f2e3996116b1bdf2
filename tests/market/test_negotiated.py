"""Block and OTC trades reported for settlement, and one-way bidding allocation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tanshi.market.negotiated import (
    Bid,
    NegotiatedTrade,
    OneWayOffer,
    Pricing,
    allocate,
    check_bids,
    check_negotiated,
    price_band,
)
from tanshi.market.venues import MethodKind
from tanshi.resources import load_venue

CEEX = load_venue("ceex")
DEMO = load_venue("demo-province")
BLOCK = CEEX.method(MethodKind.BLOCK)
ONE_WAY = CEEX.method(MethodKind.ONE_WAY_BIDDING)
OTC = DEMO.method(MethodKind.OTC)
AT = datetime(2024, 12, 2, 6, 0, tzinfo=UTC)


def block(quantity: int, price: str, seller: str = "S") -> NegotiatedTrade:
    return NegotiatedTrade(MethodKind.BLOCK, "CEA-2024", seller, "B", quantity, Decimal(price), AT)


def codes(issues) -> set[str]:
    return {issue.code for issue in issues}


def test_block_band_is_thirty_percent_of_the_previous_close() -> None:
    """Previous close 97.49: 97.49 × 0.7 = 68.243 → 68.24; × 1.3 = 126.737 → 126.74."""
    assert BLOCK is not None
    assert price_band(Decimal("97.49"), BLOCK) == (Decimal("68.24"), Decimal("126.74"))
    assert check_negotiated(block(100_000, "126.74"), BLOCK, Decimal("97.49")) == []
    assert codes(check_negotiated(block(100_000, "126.75"), BLOCK, Decimal("97.49"))) == {
        "price_outside_band"
    }
    assert check_negotiated(block(250_000, "68.24"), BLOCK, Decimal("97.49")) == []


def test_block_trades_start_at_100000_t() -> None:
    assert BLOCK is not None
    found = check_negotiated(block(99_999, "97.49", seller="B"), BLOCK, Decimal("97.49"))
    assert codes(found) == {"quantity_below_minimum", "same_counterparty"}
    assert codes(check_negotiated(block(100_000, "97.495"), BLOCK, None)) == {"price_off_tick"}


def test_otc_trades_have_their_own_rules() -> None:
    assert OTC is not None
    trade = NegotiatedTrade(MethodKind.OTC, "DPEA-2016", "S", "B", 10, Decimal("30.80"), AT)
    assert check_negotiated(trade, OTC, Decimal("28.00")) == []  # 28 × 1.3 = 36.40 allows it
    assert BLOCK is not None
    assert codes(check_negotiated(trade, BLOCK, Decimal("28.00"))) == {
        "method_mismatch",
        "quantity_below_minimum",
    }


OFFER = OneWayOffer("CEA-2024", "SELLER", 1_000, Decimal("90.00"))
BIDS = [
    Bid("A", 400, Decimal("95.00"), 1),
    Bid("B", 500, Decimal("96.00"), 2),
    Bid("C", 300, Decimal("95.00"), 3),
    Bid("D", 200, Decimal("94.00"), 4),
]


def test_one_way_bidding_allocates_by_price_then_time() -> None:
    """1,000 t: B (96.00) 500; A (95.00, bid 1) 400; C (95.00, bid 3) the last 100; D none."""
    awards = allocate(OFFER, BIDS)
    assert [(a.bidder, a.quantity_t, a.price_cny_per_t) for a in awards] == [
        ("B", 500, Decimal("96.00")),
        ("A", 400, Decimal("95.00")),
        ("C", 100, Decimal("95.00")),
    ]
    uniform = allocate(OFFER, BIDS, Pricing.UNIFORM)
    assert {a.price_cny_per_t for a in uniform} == {Decimal("95.00")}
    assert sum(a.quantity_t for a in uniform) == 1_000


def test_undersubscribed_offer_leaves_the_rest_with_the_seller() -> None:
    awards = allocate(OFFER, BIDS[:1])
    assert [(a.bidder, a.quantity_t) for a in awards] == [("A", 400)]


def test_bids_are_checked() -> None:
    assert ONE_WAY is not None
    assert check_bids(OFFER, BIDS, ONE_WAY, Decimal("97.49")) == []
    bad = [
        Bid("SELLER", 10, Decimal("95.00"), 1),
        Bid("E", 10, Decimal("89.99"), 1),
        Bid("F", 0, Decimal("200.00"), 2),
    ]
    assert codes(check_bids(OFFER, bad, ONE_WAY, Decimal("97.49"))) == {
        "seller_cannot_bid",
        "duplicate_sequence",
        "bid_below_reserve",
        "quantity_must_be_positive",
        "price_outside_band",
    }
