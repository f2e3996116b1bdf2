"""Call-auction uncrossing: worked examples with the arithmetic, and the book's call phases."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tanshi.market.book import BookRules, OrderBook
from tanshi.market.call_auction import candidates, uncross_price
from tanshi.market.orders import BUY, IOC, SELL, Phase, ResultCode


def test_maximum_volume_wins() -> None:
    """Bids 100@10.20, 200@10.10, 300@10.00; asks 150@9.90, 250@10.00, 200@10.20.

    price   demand (bids >= p)   supply (asks <= p)   volume
    9.90    600                  150                  150
    10.00   600                  400                  400   <- most volume
    10.10   300                  400                  300
    10.20   100                  600                  100
    """
    bids = [(1020, 100), (1010, 200), (1000, 300)]
    asks = [(990, 150), (1000, 250), (1020, 200)]
    table = [
        (c.price_fen, c.demand_t, c.supply_t, c.volume_t)
        for c in candidates(bids, asks, None)
        if c.price_fen in {990, 1000, 1010, 1020}  # the ticks between them add nothing here
    ]
    assert table == [
        (990, 600, 150, 150),
        (1000, 600, 400, 400),
        (1010, 300, 400, 300),
        (1020, 100, 600, 100),
    ]
    assert uncross_price(bids, asks, None) == (1000, 400)


def test_equal_volume_then_least_imbalance() -> None:
    """Bids 300@10.01, 100@10.00; asks 300@10.00, 200@10.01 (neighbouring ticks).

    10.00: demand 400, supply 300 → volume 300, imbalance 100
    10.01: demand 300, supply 500 → volume 300, imbalance 200
    Both trade 300; 10.00 leaves the smaller imbalance, though 10.01 is the reference.
    """
    bids = [(1001, 300), (1000, 100)]
    asks = [(1000, 300), (1001, 200)]
    assert uncross_price(bids, asks, 1001) == (1000, 300)


def test_then_nearest_the_reference_price() -> None:
    """Bid 100@10.10, ask 100@9.90: every price from 9.90 to 10.10 trades 100 with no
    imbalance; the reference 10.00 lies in that range, so the auction clears at 10.00. With
    reference 10.50 (above the range) it clears at 10.10, the nearest candidate."""
    bids, asks = [(1010, 100)], [(990, 100)]
    assert uncross_price(bids, asks, 1000) == (1000, 100)
    assert uncross_price(bids, asks, 1050) == (1010, 100)
    assert uncross_price(bids, asks, 900) == (990, 100)
    # No reference: the last rule, the lower price.
    assert uncross_price(bids, asks, None) == (990, 100)


def test_nothing_crosses() -> None:
    assert uncross_price([(990, 100)], [(1000, 100)], 1000) is None
    assert uncross_price([], [(1000, 100)], 1000) is None


def _call_book() -> OrderBook:
    b = OrderBook(BookRules("P", max_quantity_t=99_999, band_bp=1000), [], 1000)
    b.phase = Phase.OPENING_CALL
    return b


def test_orders_rest_during_the_call_and_uncross_at_one_price() -> None:
    """The first example's orders, entered during the opening call: 400 t trade at 10.00;
    bids fill by price then time, asks likewise; the rest stays in the book uncrossed."""
    b = _call_book()
    for order_id, side, price, quantity in [
        (1, BUY, 1020, 100),
        (2, BUY, 1010, 200),
        (3, BUY, 1000, 300),
        (4, SELL, 990, 150),
        (5, SELL, 1000, 250),
        (6, SELL, 1020, 200),
    ]:
        assert b.limit(order_id, f"o{order_id}", side, price, quantity) is ResultCode.OK
    assert [e for e in b.events if e[0] == "fill"] == []
    assert b.uncross() == (1000, 400)
    fills = [(e[3], e[4], e[5], e[6], e[9]) for e in b.events if e[0] == "fill"]
    assert fills == [
        (1000, 100, 1, 4, -1),  # bid #1 (10.20) against ask #4 (9.90): 100
        (1000, 50, 2, 4, -1),  # bid #2 takes the last 50 of #4
        (1000, 150, 2, 5, -1),  # then 150 of ask #5
        (1000, 100, 3, 5, -1),  # bid #3 takes the last 100 of #5
    ]
    assert b.resting() == [(BUY, "o3", 1000, 200, 3), (SELL, "o6", 1020, 200, 6)]
    assert b.events[-1] == ("uncrossed", 0, "P", 1000, 400)


def test_crossing_ones_own_order_is_refused_during_a_call() -> None:
    b = _call_book()
    b.limit(1, "a", SELL, 1000, 10)
    assert b.limit(2, "a", BUY, 1000, 10) is ResultCode.SELF_TRADE_IN_CALL
    assert b.limit(3, "a", BUY, 999, 10) is ResultCode.OK  # does not cross: accepted
    assert b.amend(3, "a", 1001, 10) is ResultCode.SELF_TRADE_IN_CALL
    assert b.limit(4, "b", BUY, 1000, 10) is ResultCode.OK
    assert b.uncross() == (1000, 10)


def test_a_price_between_limit_prices_can_have_less_imbalance() -> None:
    """Bids 100@10.10, 50@9.90; asks 100@9.90, 50@10.10; reference 11.00.

    9.90:  demand 150, supply 100 → 100 traded, imbalance 50
    10.10: demand 100, supply 150 → 100 traded, imbalance 50
    9.91 … 10.09: demand 100, supply 100 → 100 traded, imbalance 0
    so the price is inside the gap, nearest the reference: 10.09.
    """
    bids, asks = [(1010, 100), (990, 50)], [(990, 100), (1010, 50)]
    assert uncross_price(bids, asks, 1100) == (1009, 100)
    assert uncross_price(bids, asks, 1000) == (1000, 100)
    assert uncross_price(bids, asks, None) == (991, 100)
    assert uncross_price(bids, asks, 1003, tick_fen=5) == (1005, 100)  # 10.03 is off the tick


def brute_force(bids, asks, reference, tick):
    """Every tick from the lowest to the highest limit price, ranked by the four rules."""
    every = [p for p, _ in bids] + [p for p, _ in asks]
    if not every:
        return None
    best = None
    for price in range(min(every), max(every) + 1, tick):
        demand = sum(q for p, q in bids if p >= price)
        supply = sum(q for p, q in asks if p <= price)
        volume = min(demand, supply)
        if volume == 0:
            continue
        distance = 0 if reference is None else abs(price - reference)
        key = (-volume, abs(demand - supply), distance, price)
        if best is None or key < best[0]:
            best = (key, (price, volume))
    return None if best is None else best[1]


levels = st.lists(st.tuples(st.integers(180, 220), st.integers(1, 30)), max_size=8)


@settings(max_examples=300, deadline=None)
@given(levels, levels, st.one_of(st.none(), st.integers(170, 230)), st.sampled_from([1, 5]))
def test_uncrossing_matches_a_brute_force_search(bids, asks, reference, tick) -> None:
    bids = [(p * tick, q) for p, q in bids]
    asks = [(p * tick, q) for p, q in asks]
    reference = None if reference is None else reference * tick + (tick // 2)  # off the grid
    assert uncross_price(bids, asks, reference, tick) == brute_force(bids, asks, reference, tick)


def test_time_in_force_is_refused_before_size_in_a_call() -> None:
    b = _call_book()
    assert b.limit(1, "a", BUY, 1000, 0, IOC) is ResultCode.TIME_IN_FORCE_NOT_ALLOWED
