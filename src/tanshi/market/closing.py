"""The day's opening and closing prices under a venue's closing-price rule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from tanshi.market.venues import ClosingRule, ClosingRuleKind

# (moment, price in fen, quantity in t) of one listed trade, in trading order.
TradePrint = tuple[datetime, int, int]


def vwap_fen(trades: Sequence[TradePrint]) -> int | None:
    """The volume-weighted average price in whole fen, rounded half up; None without trades."""
    quantity = sum(q for _, _, q in trades)
    if quantity == 0:
        return None
    value = sum(p * q for _, p, q in trades)
    return (2 * value + quantity) // (2 * quantity)


def opening_price_fen(trades: Sequence[TradePrint]) -> int | None:
    """The first trade's price (SEEE: the open is the day's first listed trade)."""
    return trades[0][1] if trades else None


def closing_price_fen(
    rule: ClosingRule,
    trades: Sequence[TradePrint],
    reference_fen: int,
    close_at: datetime,
    closing_call_fen: int | None = None,
) -> int:
    """The closing price of a day of listed trades.

    - ``vwap_of_day``: the VWAP of all the day's listed trades (CEEX);
    - ``vwap_last_minutes``: the VWAP of trades in the last ``minutes`` before ``close_at``,
      else the VWAP of the day;
    - ``closing_call``: the closing call auction's price, else the VWAP of the day.

    A day without listed trades closes at its reference price (the previous close).
    """
    if rule.rule is ClosingRuleKind.CLOSING_CALL and closing_call_fen is not None:
        return closing_call_fen
    if rule.rule is ClosingRuleKind.VWAP_LAST_MINUTES:
        assert rule.minutes is not None, "check_venue requires minutes for vwap_last_minutes"
        start = close_at - timedelta(minutes=rule.minutes)
        recent = vwap_fen([t for t in trades if start <= t[0] <= close_at])
        if recent is not None:
            return recent
    day = vwap_fen(trades)
    return reference_fen if day is None else day
