"""The exchange applies a command log: Decimal at the edge, numbering, phases, references."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from tanshi.market.book import BookRules
from tanshi.market.events import (
    AmendOrder,
    CancelOrder,
    Exchange,
    ExpireOrders,
    NewOrder,
    SetPhase,
    SetReference,
    new_order_from_cny,
    session_commands,
)
from tanshi.market.orders import Phase, ResultCode, Side
from tanshi.market.venues import venue_books
from tanshi.resources import load_venue

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


def test_a_demo_trading_day_runs_its_opening_call_and_closing_call() -> None:
    """Orders in the opening call uncross at 9:25; the closing call's price is the close."""
    venue = load_venue("demo-province")
    rules, references = venue_books(venue)
    day = date(2016, 3, 1)
    key = "DPEX:DPEA-2016"
    commands = session_commands(venue, day, references)
    assert [(c.at.strftime("%H:%M"), c.phase) for c in commands if isinstance(c, SetPhase)][
        :: len(rules)
    ] == [
        ("09:15", Phase.OPENING_CALL),
        ("09:25", Phase.CLOSED),
        ("09:30", Phase.CONTINUOUS),
        ("11:30", Phase.CLOSED),
        ("13:00", Phase.CONTINUOUS),
        ("14:57", Phase.CLOSING_CALL),
        ("15:00", Phase.CLOSED),
    ]
    assert session_commands(venue, date(2016, 3, 5), references) == []  # a Saturday
    exchange = Exchange(rules)
    opening = [c for c in commands if c.at.hour == 9 and c.at.minute == 15]
    for command in commands[: len(rules)] + opening:
        exchange.apply(command)
    at = opening[0].at
    exchange.apply(NewOrder(at, key, 1, "a", Side.BUY, 100, 2_810))
    exchange.apply(NewOrder(at, key, 2, "b", Side.SELL, 60, 2_790))
    for command in commands:
        if command.at > at and command.at.hour == 9 and command.at.minute == 25:
            exchange.apply(command)
    # 27.90 to 28.10 all trade 60 t with imbalance 40; the reference 28.00 is nearest.
    assert [e[3:5] for e in exchange.events if e[0] == "uncrossed"] == [(2_800, 60)]
    assert exchange.books[key].resting() == [(0, "a", 2_810, 40, 1)]
    # Day orders: the day's last commands expire what still rests.
    for command in commands:
        if isinstance(command, ExpireOrders):
            exchange.apply(command)
    assert exchange.books[key].resting() == []
    assert exchange.events[-1][3:] == (1, 40, "expired")
    assert exchange.books[key].best(0) is None
