"""Daily and period statistics per exchange, with the days nothing traded made explicit."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from tanshi.market.bars import PRICE_FORMING, Bar, Interval, bar_of, closing_price, vwap
from tanshi.market.tape import ClosingRule, TradeKind, TradeRecord


def trading_days(start: date, end: date) -> Iterator[date]:
    """Monday to Friday from ``start`` to ``end`` inclusive (public holidays are not known)."""
    day = start
    while day <= end:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DailyStatistics:
    """One exchange on one trading day; a zero-volume day has no prices."""

    exchange: str
    day: date
    bar: Bar

    @property
    def zero_volume(self) -> bool:
        return self.bar.volume_t == 0


def local_day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def daily_statistics(
    trades: Iterable[TradeRecord],
    exchange: str,
    start: date,
    end: date,
    zone: tzinfo,
    price_kinds: frozenset[TradeKind] = PRICE_FORMING,
    closing_rule: ClosingRule = ClosingRule.LAST_TRADE,
) -> list[DailyStatistics]:
    """Every trading day of ``exchange`` from ``start`` to ``end``, zero-volume days included.

    Trades on a weekend day are counted on that day (it gets a row as well).
    """
    by_day: dict[date, list[TradeRecord]] = {}
    products: set[str] = set()
    for trade in sorted(trades, key=lambda record: record.traded_at):
        if trade.exchange != exchange:
            continue
        day = local_day(trade.traded_at, zone)
        if start <= day <= end:
            by_day.setdefault(day, []).append(trade)
            products.add(trade.product)
    product = "/".join(sorted(products))
    days = sorted(set(trading_days(start, end)) | set(by_day))
    return [
        DailyStatistics(
            exchange,
            day,
            bar_of(
                exchange,
                product,
                Interval.DAY,
                datetime.combine(day, time(), zone),
                by_day.get(day, []),
                price_kinds,
                closing_rule,
            ),
        )
        for day in days
    ]


@dataclass(frozen=True, slots=True)
class PeriodSummary:
    """One exchange over a period: prices, volumes, and how its close moved."""

    exchange: str
    start: date
    end: date
    open: Decimal | None
    high: Decimal | None
    low: Decimal | None
    close: Decimal | None
    previous_close: Decimal | None  # the last close before ``start``
    volume_t: int
    turnover_cny: Decimal
    trade_count: int
    block_volume_t: int
    trading_days: int
    zero_volume_days: int

    @property
    def vwap(self) -> Decimal | None:
        return vwap(self.turnover_cny, self.volume_t)

    @property
    def last_close(self) -> Decimal | None:
        """The close at the end of the period, carried from before it if nothing priced."""
        return self.close if self.close is not None else self.previous_close

    @property
    def change_pct(self) -> Decimal | None:
        """Percentage change of the close against the previous close, to 0.01%."""
        if self.close is None or self.previous_close is None:
            return None
        change = (self.close - self.previous_close) * 100 / self.previous_close
        return change.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def block_share(self) -> Decimal | None:
        """Share of volume in block trades, to 0.0001."""
        if self.volume_t == 0:
            return None
        return (Decimal(self.block_volume_t) / self.volume_t).quantize(Decimal("0.0001"))


def summarise_period(
    trades: Iterable[TradeRecord],
    exchange: str,
    start: date,
    end: date,
    zone: tzinfo,
    price_kinds: frozenset[TradeKind] = PRICE_FORMING,
    closing_rule: ClosingRule = ClosingRule.LAST_TRADE,
) -> PeriodSummary:
    """The period statistics of ``exchange``; trades before ``start`` give the previous close."""
    mine = sorted(
        (trade for trade in trades if trade.exchange == exchange),
        key=lambda record: record.traded_at,
    )
    before = [
        trade
        for trade in mine
        if local_day(trade.traded_at, zone) < start and trade.kind in price_kinds
    ]
    days = daily_statistics(mine, exchange, start, end, zone, price_kinds, closing_rule)
    inside = [trade for trade in mine if start <= local_day(trade.traded_at, zone) <= end]
    whole = bar_of(
        exchange,
        "",
        Interval.DAY,
        datetime.combine(start, time(), zone),
        inside,
        price_kinds,
        closing_rule,
    )
    last_day = local_day(before[-1].traded_at, zone) if before else None
    previous_close = closing_price(
        [trade for trade in before if local_day(trade.traded_at, zone) == last_day],
        closing_rule,
    )
    return PeriodSummary(
        exchange=exchange,
        start=start,
        end=end,
        open=whole.open,
        high=whole.high,
        low=whole.low,
        close=whole.close,
        previous_close=previous_close,
        volume_t=whole.volume_t,
        turnover_cny=whole.turnover_cny,
        trade_count=whole.trade_count,
        block_volume_t=whole.block_volume_t,
        trading_days=sum(1 for day in days if day.day.weekday() < 5),
        zero_volume_days=sum(1 for day in days if day.zero_volume and day.day.weekday() < 5),
    )
