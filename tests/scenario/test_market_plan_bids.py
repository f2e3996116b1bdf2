"""The demo auction's seeded bids: whole lots, within the limit and what a company wants,
near the market, never below the reserve, and the same for the same seed."""

from __future__ import annotations

import random
from decimal import Decimal

from tanshi.scenario.market_plan import MAX_BIDDERS, plan_bids

WANTS = {f"C{i:03d}": want for i, want in enumerate(
    [180_000, 95_000, 60_500, 40_000, 999, 0, 7_000, 151_000, 20_000], start=1)}  # fmt: skip
TERMS = {"lot_t": 1000, "limit_t": 150_000, "reserve_per_t": Decimal(20)}


def _plan(seed: int, wants: dict[str, int] = WANTS, market: str = "28.00") -> list:
    return plan_bids(random.Random(seed), wants, Decimal(market), **TERMS)


def test_bids_are_whole_lots_within_the_limit_and_the_want() -> None:
    bids = _plan(7)
    asked: dict[str, int] = {}
    for bid in bids:
        assert bid.quantity_t > 0 and bid.quantity_t % 1000 == 0
        assert Decimal("25.76") <= bid.price_per_t <= Decimal("29.12")  # -8% .. +4%
        asked[bid.company] = asked.get(bid.company, 0) + bid.quantity_t
    assert set(asked) == {"C001", "C002", "C003", "C004", "C007", "C008", "C009"}  # ≥ a lot
    for company, quantity in asked.items():
        assert quantity <= min(WANTS[company], 150_000)
        assert quantity >= min(WANTS[company], 150_000) * 3 // 4 - 1000


def test_the_same_seed_gives_the_same_bids_and_another_seed_others() -> None:
    assert _plan(7) == _plan(7)
    assert _plan(7) != _plan(8)


def test_prices_never_go_below_the_reserve() -> None:
    assert {bid.price_per_t for bid in _plan(3, market="20.50")} >= {Decimal(20)}
    assert min(bid.price_per_t for bid in _plan(3, market="20.50")) == Decimal(20)


def test_only_the_companies_that_want_most_bid() -> None:
    wants = {f"C{i:03d}": 1000 * i for i in range(1, 31)}
    bidders = {bid.company for bid in _plan(1, wants)}
    assert bidders == {f"C{i:03d}" for i in range(31 - MAX_BIDDERS, 31)}
