"""Bilateral trade checks and the volume-weighted average price."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tanshi.market import Trade, average_price, check_trade


def trade(quantity: int, price: str, day: int = 1, seller: str = "A") -> Trade:
    return Trade(seller, "B", "DPEA-2016", quantity, Decimal(price), date(2016, 8, day))


def test_check_trade_lists_every_problem() -> None:
    codes = {issue.code for issue in check_trade(trade(0, "30.001", seller="B"))}
    assert codes == {"same_counterparty", "quantity_must_be_positive", "price_off_tick"}
    assert check_trade(trade(10, "30.01")) == []


def test_average_price_is_volume_weighted_and_windowed() -> None:
    """(100 × 30 + 300 × 34) / 400 = 33.00; the trade on 20 August is outside the window."""
    trades = [trade(100, "30.00", 1), trade(300, "34.00", 10), trade(1000, "10.00", 20)]
    assert average_price(trades, date(2016, 8, 1), date(2016, 8, 15)) == Decimal("33.00")
    assert average_price(trades, date(2016, 9, 1), date(2016, 9, 30)) is None
