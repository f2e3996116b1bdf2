"""Table tests of every continuous-trading rule of the order book, written as small books."""

from __future__ import annotations

import pytest

from tanshi.market.book import BookRules, OrderBook, price_limits
from tanshi.market.orders import BUY, FOK, IOC, PRECEDENCE, SELL, Phase, ResultCode

R = ResultCode
# CEEX listed rules: 1 fen tick, 1 t lot, orders below 100,000 t, ±10% of the reference.
CEEX = BookRules("CEA-2024", tick_fen=1, lot_t=1, max_quantity_t=99_999, band_bp=1000)


def book(rules: BookRules = CEEX, reference: int | None = 10_000) -> OrderBook:
    return OrderBook(rules, [], reference)


def fills(b: OrderBook) -> list[tuple[int, int, int, int]]:
    """(price, quantity, buy id, sell id) of every fill so far."""
    return [(e[3], e[4], e[5], e[6]) for e in b.events if e[0] == "fill"]


def test_price_limits_are_ten_percent_half_up_to_the_tick() -> None:
    # 97.49 × 0.9 = 87.741 → 87.74; 97.49 × 1.1 = 107.239 → 107.24 (CNY; fen inside).
    assert price_limits(9749, 1000, 1) == (8774, 10724)
    # 99.95 × 0.9 = 89.955 → 89.96 (half up); × 1.1 = 109.945 → 109.95.
    assert price_limits(9995, 1000, 1) == (8996, 10995)
    # Block band ±30% of 55.00: 38.50 to 71.50.
    assert price_limits(5500, 3000, 1) == (3850, 7150)
    # A 5 fen tick: 10.03 × 1.1 = 11.033 = 220.66 ticks of 0.05 → 221 ticks = 11.05.
    assert price_limits(1003, 1000, 5)[1] == 1105


@pytest.mark.parametrize(
    ("side", "price", "quantity", "expected"),
    [
        (BUY, 10_000, 10, R.OK),
        (BUY, 11_000, 10, R.OK),  # the upper limit itself is accepted
        (BUY, 11_001, 10, R.PRICE_OUTSIDE_LIMITS),
        (SELL, 9_000, 10, R.OK),
        (SELL, 8_999, 10, R.PRICE_OUTSIDE_LIMITS),
        (BUY, 0, 10, R.PRICE_MUST_BE_POSITIVE),
        (BUY, 10_000, 0, R.QUANTITY_MUST_BE_POSITIVE),
        (BUY, 10_000, -5, R.QUANTITY_MUST_BE_POSITIVE),
        (BUY, 10_000, 99_999, R.OK),
        (BUY, 10_000, 100_000, R.QUANTITY_ABOVE_MAXIMUM),  # a block trade, not listed
        # Precedence: quantity problems come before price problems.
        (BUY, 0, 100_000, R.QUANTITY_ABOVE_MAXIMUM),
    ],
)
def test_order_entry_checks(side: int, price: int, quantity: int, expected: ResultCode) -> None:
    b = book()
    assert b.limit(1, "a", side, price, quantity) is expected
    rejected = [e for e in b.events if e[0] == "rejected"]
    assert rejected == ([] if expected is R.OK else [("rejected", 0, "CEA-2024", 1, expected)])


def test_tick_and_lot_sizes() -> None:
    b = book(BookRules("X", tick_fen=5, lot_t=10), reference=None)
    assert b.limit(1, "a", BUY, 1003, 10) is R.PRICE_OFF_TICK
    assert b.limit(2, "a", BUY, 1005, 15) is R.QUANTITY_OFF_LOT
    assert b.limit(3, "a", BUY, 1005, 20) is R.OK
    assert b.market(4, "b", SELL, 25) is R.QUANTITY_OFF_LOT


def test_precedence_is_the_enum_order() -> None:
    assert PRECEDENCE[0] is R.OK
    assert PRECEDENCE.index(R.MARKET_CLOSED) < PRECEDENCE.index(R.DUPLICATE_ORDER_ID)
    b = book()
    b.limit(1, "a", BUY, 10_000, 10)
    assert b.limit(1, "a", BUY, 0, 0) is R.DUPLICATE_ORDER_ID  # before quantity and price
    b.phase = Phase.CLOSED
    assert b.limit(1, "a", BUY, 0, 0) is R.MARKET_CLOSED  # before everything else
    assert b.cancel(1, "a") is R.MARKET_CLOSED


def test_price_then_time_priority() -> None:
    """Asks: #1 10.01 × 5, #2 10.00 × 5, #3 10.00 × 5. A buy of 12 at 10.01 takes #2 (better
    price), then #3 (same price, later), then 2 of #1."""
    b = book()
    b.limit(1, "s1", SELL, 10_001, 5)
    b.limit(2, "s2", SELL, 10_000, 5)
    b.limit(3, "s3", SELL, 10_000, 5)
    assert b.limit(4, "b", BUY, 10_001, 12) is R.OK
    assert fills(b) == [(10_000, 5, 4, 2), (10_000, 5, 4, 3), (10_001, 2, 4, 1)]
    assert b.resting() == [(SELL, "s1", 10_001, 3, 1)]


def test_trades_at_the_resting_price_and_the_remainder_rests() -> None:
    b = book()
    b.limit(1, "s", SELL, 9_900, 5)
    b.limit(2, "b", BUY, 10_100, 8)
    assert fills(b) == [(9_900, 5, 2, 1)]  # the maker's price, not 101.00
    assert b.resting() == [(BUY, "b", 10_100, 3, 2)]
    assert b.best(BUY) == 10_100
    assert b.best(SELL) is None


def test_market_order_trades_within_the_limits_and_never_rests() -> None:
    b = book()
    b.limit(1, "s", SELL, 10_000, 5)
    b.limit(2, "s", SELL, 10_900, 5)
    assert b.market(3, "b", BUY, 20) is R.OK
    assert fills(b) == [(10_000, 5, 3, 1), (10_900, 5, 3, 2)]
    assert b.resting() == []
    assert b.events[-1] == ("cancelled", 0, "CEA-2024", 3, 10, "ioc_remainder")


def test_ioc_fills_what_crosses_and_cancels_the_rest() -> None:
    b = book()
    b.limit(1, "s", SELL, 10_000, 5)
    assert b.limit(2, "b", BUY, 10_000, 8, IOC) is R.OK
    assert fills(b) == [(10_000, 5, 2, 1)]
    assert b.resting() == []
    assert b.events[-1][4:] == (3, "ioc_remainder")


def test_fok_fills_completely_or_not_at_all() -> None:
    b = book()
    b.limit(1, "s", SELL, 10_000, 5)
    b.limit(2, "s", SELL, 10_001, 5)
    assert b.limit(3, "b", BUY, 10_000, 8, FOK) is R.FOK_NOT_FILLABLE  # only 5 at 100.00
    assert fills(b) == []
    assert b.limit(4, "b", BUY, 10_001, 8, FOK) is R.OK
    assert fills(b) == [(10_000, 5, 4, 1), (10_001, 3, 4, 2)]
    assert b.market(5, "c", BUY, 3, FOK) is R.FOK_NOT_FILLABLE  # 2 left


def test_fok_counts_only_what_comes_before_the_owners_own_order() -> None:
    """Self-trade prevention would stop the fill at 'b''s own ask, so 5 t is all it gets."""
    b = book()
    b.limit(1, "s", SELL, 10_000, 5)
    b.limit(2, "b", SELL, 10_001, 5)
    b.limit(3, "s", SELL, 10_002, 5)
    assert b.limit(4, "b", BUY, 10_002, 10, FOK) is R.FOK_NOT_FILLABLE


def test_self_trade_prevention_cancels_the_newest_order() -> None:
    """'a' buys 10: it takes 4 from 'x' first, then meets its own ask and its remainder of 6
    is cancelled; the resting own order and the later ask stay."""
    b = book()
    b.limit(1, "x", SELL, 10_000, 4)
    b.limit(2, "a", SELL, 10_000, 5)
    b.limit(3, "y", SELL, 10_000, 5)
    assert b.limit(4, "a", BUY, 10_000, 10) is R.OK
    assert fills(b) == [(10_000, 4, 4, 1)]
    assert b.events[-1][3:] == (4, 6, "self_trade_prevention")
    assert [row[4] for row in b.resting()] == [2, 3]


def test_cancel_checks_the_order_and_its_owner() -> None:
    b = book()
    b.limit(1, "a", BUY, 10_000, 5)
    assert b.cancel(2, "a") is R.UNKNOWN_ORDER
    assert b.cancel(1, "z") is R.NOT_ORDER_OWNER
    assert b.cancel(1, "a") is R.OK
    assert b.resting() == []
    assert b.cancel(1, "a") is R.UNKNOWN_ORDER  # already gone
    assert b.best(BUY) is None


def _queue() -> OrderBook:
    b = book()
    b.limit(1, "a", SELL, 10_000, 5)
    b.limit(2, "b", SELL, 10_000, 5)
    return b


def test_amend_reducing_quantity_keeps_priority() -> None:
    b = _queue()
    assert b.amend(1, "a", 10_000, 3) is R.OK
    b.limit(3, "c", BUY, 10_000, 4)
    assert fills(b) == [(10_000, 3, 3, 1), (10_000, 1, 3, 2)]


def test_amend_raising_quantity_loses_priority() -> None:
    b = _queue()
    assert b.amend(1, "a", 10_000, 6) is R.OK
    b.limit(3, "c", BUY, 10_000, 4)
    assert fills(b) == [(10_000, 4, 3, 2)]


def test_amend_changing_price_loses_priority_and_may_trade() -> None:
    b = _queue()
    assert b.amend(2, "b", 10_001, 5) is R.OK
    assert b.amend(2, "b", 10_000, 5) is R.OK  # back at 100.00, now behind #1
    b.limit(3, "c", BUY, 10_000, 6)
    assert fills(b) == [(10_000, 5, 3, 1), (10_000, 1, 3, 2)]
    assert b.amend(2, "b", 10_000, 4) is R.AMEND_CHANGES_NOTHING
    b2 = book()
    b2.limit(1, "a", BUY, 9_900, 5)
    b2.limit(2, "b", SELL, 10_100, 5)
    assert b2.amend(2, "b", 9_900, 5) is R.OK  # a marketable amend trades at once
    assert fills(b2) == [(9_900, 5, 1, 2)]


def test_amend_checks() -> None:
    b = _queue()
    assert b.amend(9, "a", 10_000, 1) is R.UNKNOWN_ORDER
    assert b.amend(1, "b", 10_000, 1) is R.NOT_ORDER_OWNER
    assert b.amend(1, "a", 10_000, 5) is R.AMEND_CHANGES_NOTHING
    assert b.amend(1, "a", 20_000, 5) is R.PRICE_OUTSIDE_LIMITS
    assert b.amend(1, "a", 10_000, 0) is R.QUANTITY_MUST_BE_POSITIVE


def test_no_reference_means_no_band() -> None:
    b = book(reference=None)
    assert b.limit(1, "a", BUY, 1, 1) is R.OK
    assert b.limit(2, "a", BUY, 10**9, 1) is R.OK
    b.set_reference(10_000)
    assert b.limit(3, "a", BUY, 10**9, 1) is R.PRICE_OUTSIDE_LIMITS


def test_market_order_in_call_auction_is_refused() -> None:
    b = book()
    b.phase = Phase.OPENING_CALL
    assert b.market(1, "a", BUY, 5) is R.MARKET_ORDER_IN_CALL_AUCTION
    assert b.limit(2, "a", BUY, 10_000, 5, IOC) is R.TIME_IN_FORCE_NOT_ALLOWED
