"""A refused order says the figures that fix it: the day's limits, the tick, the lot."""

from __future__ import annotations

from datetime import UTC, datetime

from tanshi.market.book import BookRules, OrderBook
from tanshi.market.cash import CashAccountKind, CashEntryKind, CashMovement, CashRequest, check_cash
from tanshi.market.orders import ResultCode
from tanshi.market.refusal_text import order_refusal

RULES = BookRules("P", tick_fen=5, lot_t=100, max_quantity_t=100_000, band_bp=1000)


def test_each_refusal_names_its_figure() -> None:
    book = OrderBook(RULES, [], 2_800)  # reference CNY 28.00, ±10 %
    assert book.check(1, 3_500, 100) is ResultCode.PRICE_OUTSIDE_LIMITS
    assert order_refusal(ResultCode.PRICE_OUTSIDE_LIMITS, book) == (
        "the price must be between CNY 25.20 and CNY 30.80 per tonne today (the daily price "
        "limits)")  # fmt: skip
    assert book.check(1, 2_801, 100) is ResultCode.PRICE_OFF_TICK
    assert "CNY 0.05 per tonne" in order_refusal(ResultCode.PRICE_OFF_TICK, book)
    assert book.check(1, 0, 100) is ResultCode.PRICE_MUST_BE_POSITIVE
    assert book.check(1, -100, 100) is ResultCode.PRICE_MUST_BE_POSITIVE
    assert order_refusal(ResultCode.PRICE_MUST_BE_POSITIVE, book) == "the price must be above zero"
    assert "multiple of 100 t" in order_refusal(ResultCode.QUANTITY_OFF_LOT, book)
    assert "at most 100,000 t" in order_refusal(ResultCode.QUANTITY_ABOVE_MAXIMUM, book)
    assert order_refusal("market_closed", book) == "the engine refused the order (market_closed)"


def test_without_a_band_only_the_floor_is_named() -> None:
    book = OrderBook(BookRules("P", tick_fen=1), [], None)
    assert order_refusal(ResultCode.PRICE_OUTSIDE_LIMITS, book) == (
        "the price must be at least CNY 0.01 per tonne")  # fmt: skip


def test_too_little_money_is_said_in_yuan_with_what_is_missing() -> None:
    kinds = {2: CashAccountKind.PARTICIPANT, 3: CashAccountKind.CLEARING}
    at = datetime(2017, 6, 1, tzinfo=UTC)
    reserve = CashRequest(CashEntryKind.FUNDS_RESERVATION, "r",
                          (CashMovement(2, 3, 100_000_000),), at)  # fmt: skip
    [issue] = check_cash(reserve, kinds, {2: 12_345})
    assert issue.code == "insufficient_funds"
    assert issue.message == (
        "the account has CNY 123.45, CNY 1,000,000.00 are needed; deposit at least "
        "CNY 999,876.55 more or reserve less")  # fmt: skip
    assert "fen" not in issue.message
