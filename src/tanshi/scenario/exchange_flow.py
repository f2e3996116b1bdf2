"""Seeded synthetic trades of the national market and the seven pilots, calibrated to targets.

Quantities come from the calibration table (national year-end closes, annual volumes and
values, the share traded in the months before the deadline, the block share; pilot price
levels, Dec 2020 closes, active-week volumes and how often a week has no trade). Each
market draws from its own generator seeded by ``seed`` and its code, so the trades of one
market do not depend on which others are simulated. Only integers are drawn; prices are
Decimal, quantities whole tonnes. The output is synthetic, not a record of real trades.
The tonnes of each day are planned by ``scenario.exchange_volumes``; here they get their
prices and times.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from tanshi.market.tape import CNY_TICK, Market, TradeKind, TradeRecord
from tanshi.scenario.exchange_calibration import Calibration
from tanshi.scenario.exchange_volumes import DayPlan, national_plans, pilot_plans, uniform

SQRT3 = Decimal(3).sqrt()


@dataclass(frozen=True, slots=True)
class Anchor:
    """A price the path passes through; an exact anchor is a published close."""

    day: date
    price_cny_per_t: Decimal
    exact: bool


def simulate_exchanges(
    seed: int,
    markets: list[Market],
    calibration: Calibration,
    start: date,
    end: date,
    zone: tzinfo,
) -> list[TradeRecord]:
    """Every synthetic trade from ``start`` to ``end`` inclusive, in time order."""
    trades: list[TradeRecord] = []
    for market in markets:
        rng = random.Random(f"tanshi-exchange-flow:{seed}:{market.code}")
        if market.scope == "national":
            plans = national_plans(rng, market, calibration, start, end)
        else:
            plans = pilot_plans(rng, market, calibration, start, end)
        if plans:
            trades.extend(priced_trades(rng, market, calibration, plans, zone))
    return sorted(trades, key=lambda trade: (trade.traded_at, trade.exchange))


def anchors(market: Market, calibration: Calibration, plans: list[DayPlan]) -> list[Anchor]:
    """Where the price path must pass: levels on 1 July, a year's average price on the day
    the table names, a published close on the last listed day of its year."""
    listed_days = [plan.day for plan in plans if plan.centre]
    found = []
    first = calibration.first_day(market)
    opening = calibration.find(market, "opening_price", str(first.year)) if first else None
    if first and opening:
        found.append(Anchor(first, opening.number, exact=False))
    for year, target in calibration.by_year(market, "price_level").items():
        found.append(Anchor(date(year, 7, 1), target.number, exact=False))
    averages = calibration.by_year(market, "average_price")
    if averages:
        month = int(calibration.number(market, "average_price_anchor_month"))
        day = int(calibration.number(market, "average_price_anchor_day"))
        for year, target in averages.items():
            found.append(Anchor(date(year, month, day), target.number, exact=False))
    for year, target in calibration.by_year(market, "year_end_close").items():
        last = [day for day in listed_days if day <= date(year, 12, 31)]
        if last:
            found.append(Anchor(last[-1], target.number, exact=True))
    return sorted(found, key=lambda anchor: anchor.day)


def price_path(
    rng: random.Random, points: list[Anchor], days: list[date], volatility: Decimal
) -> dict[date, Decimal]:
    """A close for every day: straight lines between anchors plus a bridged random walk.

    The walk is pinned to zero at each anchor (a Brownian bridge), so every anchor's price
    is met exactly on its day.
    """
    if not points:
        return {}
    first, last = points[0], points[-1]
    extended = [Anchor(min(days[0], first.day), first.price_cny_per_t, False), *points]
    extended.append(Anchor(max(days[-1], last.day), last.price_cny_per_t, False))
    path: dict[date, Decimal] = {}
    for left, right in itertools.pairwise(extended):
        segment = [day for day in days if left.day <= day <= right.day] or [left.day]
        steps = len(segment) - 1
        walk = [Decimal(0)]
        for _ in range(steps):
            walk.append(walk[-1] + volatility * SQRT3 * uniform(rng, Decimal(-1), Decimal(1)))
        span = Decimal((right.day - left.day).days or 1)
        for index, day in enumerate(segment):
            base = left.price_cny_per_t + (right.price_cny_per_t - left.price_cny_per_t) * (
                Decimal((day - left.day).days) / span
            )
            bridge = walk[index] - (walk[-1] * index / steps if steps else 0)
            path[day] = (base * max(1 + bridge, Decimal("0.3"))).quantize(CNY_TICK)
    for point in points:
        path[point.day] = point.price_cny_per_t
    return path


def seconds_of(session: tuple[time, time]) -> int:
    opening, closing = session
    return (closing.hour - opening.hour) * 3600 + (closing.minute - opening.minute) * 60


def session_moment(market: Market, day: date, second: int, zone: tzinfo) -> datetime:
    """The ``second``-th second of the day's trading, counted through the sessions in order."""
    for session in market.sessions:
        length = seconds_of(session)
        if second < length:
            return datetime.combine(day, session[0], zone) + timedelta(seconds=second)
        second -= length
    raise AssertionError("a second after the last session")


def priced_trades(
    rng: random.Random,
    market: Market,
    calibration: Calibration,
    plans: list[DayPlan],
    zone: tzinfo,
) -> list[TradeRecord]:
    """Prices and times for the planned trades; a day's close is both its last listed price
    and the VWAP of its listed trades.

    Block trades are priced at the day's close times a factor per year chosen so that the
    year's turnover meets its target (1 without a target, kept within ±30%).
    """
    volatility = calibration.number(market, "daily_volatility")
    points = anchors(market, calibration, plans)
    days = [plan.day for plan in plans]
    closes = price_path(rng, points, days, volatility)
    opening = points[0] if points and points[0].day == days[0] else None
    trading_seconds = sum(seconds_of(session) for session in market.sessions)
    trades: list[TradeRecord] = []
    previous = opening.price_cny_per_t if opening else closes[days[0]]
    block_base: dict[int, Decimal] = {}
    listed_turnover: dict[int, Decimal] = {}
    for plan in plans:
        close = closes[plan.day]
        if plan.centre:
            first = opening.price_cny_per_t if opening and plan.day == opening.day else None
            listed = _listed(rng, market, plan, (previous, close, first), zone, volatility / 2)
            for moment, price, quantity in listed:
                trades.append(
                    TradeRecord(
                        market.code, market.product, moment, price, quantity, TradeKind.LISTED
                    )
                )
                listed_turnover[plan.day.year] = (
                    listed_turnover.get(plan.day.year, Decimal(0)) + price * quantity
                )
            previous = close
        for quantity in (*plan.block, *plan.otc):
            block_base[plan.day.year] = block_base.get(plan.day.year, Decimal(0)) + (
                close * quantity
            )
    factors = _block_factors(market, calibration, block_base, listed_turnover)
    for plan in plans:
        close = closes[plan.day]
        for kind, quantities in ((TradeKind.BLOCK, plan.block), (TradeKind.OTC, plan.otc)):
            for quantity in quantities:
                factor = factors.get(plan.day.year, Decimal(1))
                noise = 1 + uniform(rng, Decimal("-0.005"), Decimal("0.005"))
                # block and OTC trades are reported in the last session (a modelling choice)
                second = trading_seconds - 1 - rng.randrange(seconds_of(market.sessions[-1]))
                trades.append(
                    TradeRecord(
                        market.code,
                        market.product,
                        session_moment(market, plan.day, second, zone),
                        max((close * factor * noise).quantize(CNY_TICK), CNY_TICK),
                        quantity,
                        kind,
                    )
                )
    return trades


def _listed(
    rng: random.Random,
    market: Market,
    plan: DayPlan,
    prices: tuple[Decimal, Decimal, Decimal | None],
    zone: tzinfo,
    volatility: Decimal,
) -> list[tuple[datetime, Decimal, int]]:
    """The day's listed trades: the first near the previous close (or at the given first
    price), pairs mirrored around the close, and the last at the close."""
    previous, close, first = prices
    count = 2 * len(plan.pairs) + 1
    trading_seconds = sum(seconds_of(session) for session in market.sessions)
    moments = [
        session_moment(market, plan.day, second, zone)
        for second in sorted(rng.sample(range(trading_seconds), count))
    ]
    largest = close / 2  # keeps both prices of a pair above zero

    def offset(target: Decimal) -> Decimal:
        return max(min((target - close).quantize(CNY_TICK), largest), -largest).quantize(CNY_TICK)

    priced: list[tuple[Decimal, int]] = []
    for index, quantity in enumerate(plan.pairs):
        if index == 0:
            opening = (
                first
                if first is not None
                else previous * (1 + uniform(rng, -volatility, volatility))
            )
            gap = offset(opening)
        else:
            gap = offset(close * (1 + uniform(rng, -volatility, volatility)))
        priced.extend(((close + gap, quantity), (close - gap, quantity)))
    opener, rest = (priced[:1], priced[1:]) if priced else ([], [])
    rng.shuffle(rest)
    ordered = [*opener, *rest, (close, plan.centre)]
    return [
        (moment, price, quantity)
        for moment, (price, quantity) in zip(moments, ordered, strict=True)
    ]


def _block_factors(
    market: Market,
    calibration: Calibration,
    block_base: dict[int, Decimal],
    listed_turnover: dict[int, Decimal],
) -> dict[int, Decimal]:
    """Per year, the block price factor that makes the year's turnover meet its target."""
    factors = {}
    for year, target in calibration.by_year(market, "annual_turnover_cny").items():
        base = block_base.get(year, Decimal(0))
        if base == 0:
            continue
        factor = (target.number - listed_turnover.get(year, Decimal(0))) / base
        factors[year] = min(max(factor, Decimal("0.7")), Decimal("1.3"))
    return factors
