"""Uniform-price sealed-bid auctions: worked examples with the arithmetic, and invariants."""

from __future__ import annotations

import textwrap
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tanshi.auction import (
    AuctionTerms,
    Bid,
    check_terms,
    clear_auction,
    parse_bids,
    parse_guarantees,
)
from tanshi.core.issues import Severity
from tanshi.resources import load_rulebook
from tanshi.rulebook import rules_in_force

D = Decimal


def bids(*rows: tuple[str, int | str, int]) -> list[Bid]:
    return [
        Bid(f"b{index}", bidder, D(str(price)), quantity)
        for index, (bidder, price, quantity) in enumerate(rows, start=1)
    ]


def terms(volume: int, reserve: str = "10", limit: str = "1", lot: int = 1) -> AuctionTerms:
    return AuctionTerms(volume, D(reserve), D(limit), lot, D("0.01"))


def won(result: object) -> dict[str, int]:
    return {award.bid.bid_id: award.awarded_t for award in result.awards}  # type: ignore[attr-defined]


def test_price_is_the_bid_that_fills_the_volume() -> None:
    """1,000 t offered. A 600 @ 15 → cumulative 600; B 500 @ 14 → 1,100 ≥ 1,000, so the price
    is 14: A gets 600, B the remaining 400, C (12) nothing. Proceeds 1,000 × 14 = 14,000."""
    result = clear_auction(terms(1000), bids(("A", 15, 600), ("B", 14, 500), ("C", 12, 300)))
    assert result.clearing_price_per_t == 14
    assert won(result) == {"b1": 600, "b2": 400, "b3": 0}
    assert (result.sold_t, result.unsold_t, result.proceeds) == (1000, 0, 14_000)


def test_ties_at_the_price_share_pro_rata_in_lots_then_by_seeded_random_lot() -> None:
    """1,000 t in lots of 100. A 500 @ 20; B 300, C 300, D 200 all @ 18: cumulative 500, 800,
    1,100 → price 18, 500 t left for 800 t tied. Pro rata: B 300 × 500/800 = 187.5 → 100
    (whole lots, down), C → 100, D 200 × 500/800 = 125 → 100; 300 given, 2 lots left, one each
    to the first two tied bids in the seeded random order."""
    tied = bids(("A", 20, 500), ("B", 18, 300), ("C", 18, 300), ("D", 18, 200))
    outcomes = set()
    for seed in range(12):
        result = clear_auction(terms(1000, lot=100), tied, seed=seed)
        awarded = won(result)
        assert awarded["b1"] == 500 and result.clearing_price_per_t == 18
        assert sum(awarded[key] for key in ("b2", "b3", "b4")) == 500
        assert sorted(awarded[key] for key in ("b2", "b3", "b4")) == [100, 200, 200]
        assert result == clear_auction(terms(1000, lot=100), tied, seed=seed)  # reproducible
        outcomes.add(tuple(sorted(awarded.items())))
    assert len(outcomes) > 1  # the seed decides who gets the leftover lots


def test_kets_per_bidder_limit_of_15_percent() -> None:
    """K-ETS 2019: 550,000 t, limit 15% = 82,500 t. X bids 50,000 @ 26,000 and 50,000 @ 25,500:
    the second is cut to 82,500 − 50,000 = 32,500."""
    rule = rules_in_force(load_rulebook("kr-kets")[0], 2019).auction
    assert rule is not None
    auction = AuctionTerms.from_rule(rule, 550_000, reserve_price_per_t=D(25_000))
    assert auction.purchase_limit_t == 82_500
    offer = bids(("X", 26_000, 50_000), ("X", 25_500, 50_000), ("Y", 25_000, 600_000))
    result = clear_auction(auction, offer, {"X": D(10**11), "Y": D(10**11)})
    assert [award.accepted_t for award in result.awards] == [50_000, 32_500, 82_500]
    assert result.by_bidder_t == {"X": 82_500, "Y": 82_500}
    assert [issue.code for issue in result.issues] == [
        "exceeds_purchase_limit", "exceeds_purchase_limit", "undersubscribed",
    ]  # fmt: skip


def test_reserve_price_not_met_and_the_rest_rolled_over() -> None:
    """Reserve 25,000. 10,000 t @ 24,000 are refused; 5,000 t @ 25,000 are filled. Demand
    5,000 < 550,000 offered, so the price is the reserve price and 545,000 t roll over."""
    result = clear_auction(
        terms(550_000, reserve="25000"), bids(("A", 24_000, 10_000), ("B", 25_000, 5_000))
    )
    assert won(result) == {"b1": 0, "b2": 5_000}
    assert result.clearing_price_per_t == 25_000
    assert (result.sold_t, result.unsold_t, result.rolled_over_t) == (5_000, 545_000, 545_000)
    assert {issue.code for issue in result.issues} == {"below_reserve_price", "undersubscribed"}


def test_nothing_sold_has_no_price() -> None:
    result = clear_auction(terms(100, reserve="50"), bids(("A", 40, 100)))
    assert result.clearing_price_per_t is None and result.unsold_t == 100


def test_bid_guarantee_cuts_the_cheapest_bids_first() -> None:
    """G lodged 1,000,000: 30 t @ 20,000 = 600,000 fits; 400,000 left / 19,000 = 21.05 → 21 t
    of the next bid; H lodged nothing and a guarantee is required, so H gets nothing."""
    auction = AuctionTerms(1000, D(1), D(1), 1, D(1), bid_guarantee_required=True)
    offer = bids(("G", 19_000, 30), ("G", 20_000, 30), ("H", 30_000, 10))
    result = clear_auction(auction, offer, {"G": D(1_000_000)})
    assert [award.accepted_t for award in result.awards] == [21, 30, 0]
    codes = {issue.code for issue in result.issues}
    assert {"exceeds_bid_guarantee", "no_bid_guarantee"} <= codes


def test_bids_not_in_whole_lots_or_ticks_are_refused() -> None:
    auction = AuctionTerms(1000, D(1), D(1), 100, D("0.05"))
    result = clear_auction(auction, bids(("A", "10.03", 100), ("B", 10, 150), ("C", 10, 200)))
    assert [issue.code for issue in result.issues][:2] == ["not_whole_ticks", "not_whole_lots"]
    assert won(result) == {"b1": 0, "b2": 0, "b3": 200}


def test_bid_file_problems_are_listed_by_line() -> None:
    text = textwrap.dedent(
        """\
        # K-ETS example
        bidder,price_per_t,quantity_t
        KR-C001,25500,100000
        KR-C002,abc,10
        ,25000,-5
        KR-C003,25000
        """
    )
    parsed, issues = parse_bids(text, "bids.csv")
    assert [(bid.bidder, bid.price_per_t, bid.quantity_t) for bid in parsed] == [
        ("KR-C001", D(25500), 100_000)
    ]
    assert sorted((issue.where, issue.code) for issue in issues) == [
        ("bids.csv:4", "bad_price"), ("bids.csv:5", "bad_quantity"),
        ("bids.csv:5", "missing_bidder"), ("bids.csv:6", "bad_row"),
    ]  # fmt: skip
    _, issues = parse_bids("who,price,qty\n", "bids.csv")
    assert [issue.code for issue in issues] == ["bad_header"]
    guarantees, issues = parse_guarantees("bidder,guarantee\nA,100\nA,5\n")
    assert guarantees == {"A": D(100)} and [issue.code for issue in issues] == [
        "duplicate_guarantee"
    ]


bid_rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "D"]),
        st.integers(1, 60),  # price in whole units
        st.integers(1, 30),  # lots
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(
    rows=bid_rows,
    volume_lots=st.integers(0, 100),
    reserve=st.integers(1, 40),
    limit=st.sampled_from(["0.15", "0.3", "1"]),
    lot=st.sampled_from([1, 10]),
    seed=st.integers(0, 2**16),
)
def test_auction_invariants(
    rows: list[tuple[str, int, int]],
    volume_lots: int,
    reserve: int,
    limit: str,
    lot: int,
    seed: int,
) -> None:
    volume = volume_lots * lot
    auction = AuctionTerms(volume, D(reserve), D(limit), lot, D(1))
    offer = [
        Bid(f"b{index}", bidder, D(price), lots * lot)
        for index, (bidder, price, lots) in enumerate(rows)
    ]
    result = clear_auction(auction, offer, seed=seed)
    assert result.sold_t + result.unsold_t == volume
    assert 0 <= result.sold_t <= volume
    for bidder, quantity in result.by_bidder_t.items():
        assert quantity <= auction.purchase_limit_t, bidder
    price = result.clearing_price_per_t
    if result.sold_t:
        assert price is not None and price >= reserve
    for award in result.awards:
        assert 0 <= award.awarded_t <= award.accepted_t <= award.bid.quantity_t
        assert award.awarded_t % lot == 0
        if award.awarded_t:
            assert price is not None and award.bid.price_per_t >= price
        if price is not None and award.bid.price_per_t > price:
            assert award.awarded_t == award.accepted_t  # bids above the price are filled


def test_only_eligible_sectors_may_bid_when_sectors_are_known() -> None:
    """K-ETS: only entities not 100% free (sectors with an auction share) may bid: STEEL1's
    bid is refused, POWER1's 10,000 t is filled at the reserve price."""
    rule = rules_in_force(load_rulebook("kr-kets")[0], 2021).auction
    assert rule is not None
    auction = AuctionTerms.from_rule(rule, 550_000, reserve_price_per_t=D(8_000))
    offer = bids(("POWER1", 9_000, 10_000), ("STEEL1", 9_500, 10_000))
    lodged = {"POWER1": D(10**9), "STEEL1": D(10**9)}
    result = clear_auction(
        auction, offer, lodged, bidder_sectors={"POWER1": "power", "STEEL1": "steel"}
    )
    assert result.by_bidder_t == {"POWER1": 10_000}
    assert "bidder_not_eligible" in {issue.code for issue in result.issues}
    unchecked = clear_auction(auction, offer, lodged)  # sectors unknown: not checked
    assert unchecked.by_bidder_t == {"POWER1": 10_000, "STEEL1": 10_000}


def test_terms_out_of_range_clear_nothing_and_say_why() -> None:
    bids = [Bid("b1", "A", D(30), 100)]
    bad = AuctionTerms(-10, D(-5), D(0), 0, D(0))
    result = clear_auction(bad, bids)
    assert result.awards == () and result.clearing_price_per_t is None
    assert [issue.code for issue in result.issues] == [
        "bad_volume", "bad_reserve_price", "bad_lot_size", "bad_price_tick", "bad_purchase_limit",
    ]  # fmt: skip
    assert all(issue.severity is Severity.ERROR for issue in result.issues)
    assert check_terms(AuctionTerms(100, D(0), D(1), 1, D("0.01"))) == []
    assert [i.code for i in check_terms(AuctionTerms(100, D(1), D("1.01"), 1, D(1)))] == [
        "bad_purchase_limit"
    ]
