"""The exchange applies a command log: Decimal at the edge, numbering, phases, references."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tanshi.market.book import BookRules
from tanshi.market.events import (
    AmendOrder,
    CancelOrder,
    Exchange,
    NewOrder,
    SetPhase,
    SetReference,
    new_order_from_cny,
)
from tanshi.market.orders import Phase, ResultCode, Side

AT = datetime(2024, 12, 2, 2, 0, tzinfo=UTC)
RULES = BookRules("CEA-2024", max_quantity_t=99_999, band_bp=1000)


def test_prices_in_cny_become_fen_or_are_refused_off_tick() -> None:
    order = new_order_from_cny(AT, "CEA-2024", 1, "a", Side.BUY, 10, Decimal("97.49"))
    assert isinstance(order, NewOrder)
    assert order.price_fen == 9_749
    assert new_order_from_cny(AT, "CEA-2024", 1, "a", Side.BUY, 10, Decimal("97.491")) is (
        ResultCode.PRICE_OFF_TICK
    )
    market = new_order_from_cny(AT, "CEA-2024", 2, "a", Side.SELL, 10, None)
    assert isinstance(market, NewOrder)
    assert market.price_fen is None


def test_commands_are_numbered_and_every_kind_is_applied() -> None:
    exchange = Exchange([RULES], {"CEA-2024": 9_749})
    log = [
        NewOrder(AT, "CEA-2024", 1, "a", Side.SELL, 10, 9_800),
        AmendOrder(AT, "CEA-2024", 1, "a", 9_750, 10),
        NewOrder(AT, "CEA-2024", 2, "b", Side.BUY, 4, None),  # market buy
        CancelOrder(AT, "CEA-2024", 1, "a"),
        SetPhase(AT, "CEA-2024", Phase.CLOSED),
        SetReference(AT, "CEA-2024", 9_750),
        NewOrder(AT, "CEA-2024", 3, "b", Side.BUY, 4, 9_750),
    ]
    codes = [exchange.apply(command) for command in log]
    assert codes[:6] == [ResultCode.OK] * 6
    assert codes[6] is ResultCode.MARKET_CLOSED
    kinds = [(e[0], e[1]) for e in exchange.events]
    assert kinds == [
        ("amended", 2),
        ("fill", 3),
        ("cancelled", 4),
        ("phase", 5),
        ("rejected", 7),
    ]
    fill = next(e for e in exchange.events if e[0] == "fill")
    assert fill[3:5] == (9_750, 4)
    # The new reference (97.50) moves the limits: 87.75 to 107.25.
    book = exchange.books["CEA-2024"]
    assert (book.lower_fen, book.upper_fen) == (8_775, 10_725)
