"""OHLCV bars from trade records at any interval: exact prices, whole tonnes, exact turnover."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from tanshi.market.tape import CNY_TICK, ClosingRule, TradeKind, TradeRecord

PRICE_FORMING = frozenset({TradeKind.LISTED})


class Interval(enum.StrEnum):
    """The length of a bar; days and weeks start at local midnight (weeks on Monday)."""

    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"


def period_start(moment: datetime, interval: Interval, zone: tzinfo) -> datetime:
    """The start, in ``zone``, of the ``interval`` that contains ``moment``."""
    local = moment.astimezone(zone)
    if interval is Interval.MINUTE:
        return local.replace(second=0, microsecond=0)
    if interval is Interval.HOUR:
        return local.replace(minute=0, second=0, microsecond=0)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval is Interval.DAY:
        return midnight
    return midnight - timedelta(days=midnight.weekday())


@dataclass(frozen=True, slots=True)
class Bar:
    """One interval of one exchange's product.

    Open, high, low and close come from price-forming trades (listed ones, by default) and
    are None when none happened in the interval; volume, turnover and the trade count
    include every trade. The close of a day or week bar follows the market's closing rule
    (applied to the last day with a price); minute and hour bars close at their last trade.
    """

    exchange: str
    product: str
    interval: Interval
    start: datetime
    open: Decimal | None
    high: Decimal | None
    low: Decimal | None
    close: Decimal | None
    volume_t: int
    turnover_cny: Decimal
    trade_count: int
    listed_volume_t: int
    block_volume_t: int
    otc_volume_t: int

    @property
    def vwap(self) -> Decimal | None:
        """Volume-weighted average price of every trade, half up to CNY 0.01."""
        return vwap(self.turnover_cny, self.volume_t)


def vwap(turnover_cny: Decimal, volume_t: int) -> Decimal | None:
    """Turnover over volume, rounded half up to the CNY 0.01 tick; None without volume."""
    if volume_t == 0:
        return None
    return (turnover_cny / volume_t).quantize(CNY_TICK, rounding=ROUND_HALF_UP)


def closing_price(trades: Sequence[TradeRecord], rule: ClosingRule) -> Decimal | None:
    """The official close of one day's price-forming trades (in time order)."""
    if not trades:
        return None
    if rule is ClosingRule.LAST_TRADE:
        return trades[-1].price_cny_per_t
    turnover = sum((trade.turnover_cny for trade in trades), Decimal(0))
    return vwap(turnover, sum(trade.quantity_t for trade in trades))


def bars(
    trades: Iterable[TradeRecord],
    interval: Interval,
    zone: tzinfo,
    price_kinds: frozenset[TradeKind] = PRICE_FORMING,
    closing_rule: ClosingRule = ClosingRule.LAST_TRADE,
) -> list[Bar]:
    """One bar per exchange, product and interval that had a trade, in time order.

    Trades at the same moment keep their input order (the first opens, the last closes).
    Intervals without trades get no bar: see ``statistics.daily_statistics`` for days.
    """
    groups: dict[tuple[str, str, datetime], list[TradeRecord]] = {}
    for trade in sorted(trades, key=lambda record: record.traded_at):
        key = (trade.exchange, trade.product, period_start(trade.traded_at, interval, zone))
        groups.setdefault(key, []).append(trade)
    return [
        bar_of(exchange, product, interval, start, group, price_kinds, closing_rule)
        for (exchange, product, start), group in sorted(
            groups.items(), key=lambda item: (item[0][0], item[0][1], item[0][2])
        )
    ]


def bar_of(
    exchange: str,
    product: str,
    interval: Interval,
    start: datetime,
    trades: list[TradeRecord],
    price_kinds: frozenset[TradeKind] = PRICE_FORMING,
    closing_rule: ClosingRule = ClosingRule.LAST_TRADE,
) -> Bar:
    """The bar of ``trades`` (in time order), all of one exchange, product and interval."""
    priced = [trade for trade in trades if trade.kind in price_kinds]
    prices = [trade.price_cny_per_t for trade in priced]
    if interval in (Interval.MINUTE, Interval.HOUR) or not priced:
        closing_rule = ClosingRule.LAST_TRADE
    last_day = priced[-1].traded_at.astimezone(start.tzinfo).date() if priced else None
    close = closing_price(
        [t for t in priced if t.traded_at.astimezone(start.tzinfo).date() == last_day],
        closing_rule,
    )
    by_kind = dict.fromkeys(TradeKind, 0)
    for trade in trades:
        by_kind[trade.kind] += trade.quantity_t
    return Bar(
        exchange=exchange,
        product=product,
        interval=interval,
        start=start,
        open=prices[0] if prices else None,
        high=max(prices) if prices else None,
        low=min(prices) if prices else None,
        close=close,
        volume_t=sum(by_kind.values()),
        turnover_cny=sum((trade.turnover_cny for trade in trades), Decimal(0)),
        trade_count=len(trades),
        listed_volume_t=by_kind[TradeKind.LISTED],
        block_volume_t=by_kind[TradeKind.BLOCK],
        otc_volume_t=by_kind[TradeKind.OTC],
    )
