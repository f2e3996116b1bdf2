"""Seeded synthetic trades of the national market and the seven pilots, calibrated to targets.

Quantities come from the calibration table (national year-end closes, annual volumes and
values, the share traded in the months before the deadline, the block share; pilot price
levels, Dec 2020 closes, active-week volumes and how often a week has no trade). Each
market draws from its own generator seeded by ``seed`` and its code, so the trades of one
market do not depend on which others are simulated. Only integers are drawn; prices are
Decimal, quantities whole tonnes. The output is synthetic, not a record of real trades.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from tanshi.market.statistics import trading_days
from tanshi.market.tape import CNY_TICK, Market, TradeKind, TradeRecord
from tanshi.scenario.exchange_calibration import Calibration

SQRT3 = Decimal(3).sqrt()


@dataclass(frozen=True, slots=True)
class DayPlan:
    """The tonnes of each trade one market prints on one day, before prices are set.

    Listed trades come as pairs of equal size, priced symmetrically around the day's close,
    and a last trade at the close: so the day's close is both its last listed price and
    the VWAP of its listed trades, whichever closing rule the market has.
    """

    day: date
    pairs: tuple[int, ...]
    centre: int
    block: tuple[int, ...]
    otc: tuple[int, ...]

    @property
    def listed_t(self) -> int:
        return 2 * sum(self.pairs) + self.centre


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


def apportion(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` by largest remainder (sums exactly)."""
    whole = sum(weights)
    shares = [total * weight // whole for weight in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def split(rng: random.Random, total: int, parts: int) -> tuple[int, ...]:
    """``total`` tonnes as at most ``parts`` positive trade sizes."""
    if total <= 0:
        return ()
    parts = max(1, min(parts, total))
    shares = apportion(total, [rng.randrange(20, 101) for _ in range(parts)])
    return tuple(share for share in shares if share > 0)


def uniform(rng: random.Random, low: Decimal, high: Decimal) -> Decimal:
    """A Decimal drawn uniformly from [low, high] on a 1/10,000 grid."""
    return low + (high - low) * rng.randrange(10_001) / 10_000


def national_plans(
    rng: random.Random, market: Market, calibration: Calibration, start: date, end: date
) -> list[DayPlan]:
    """Each year's volume over its trading days, the season share in the last months.

    A block trade is at least the market's block minimum: block volume that would make a
    smaller one waits for the next day (within the season, or outside it).
    """
    first = calibration.first_day(market) or start
    season_share = calibration.number(market, "season_share")
    season_months = int(calibration.number(market, "season_months"))
    block_share = calibration.number(market, "block_share")
    spread = calibration.number(market, "block_share_spread")
    otc_share = calibration.number(market, "otc_share")
    minimum = market.block_min_t or 1
    plans = []
    for year, target in sorted(calibration.by_year(market, "annual_volume_t").items()):
        days = list(trading_days(max(first, date(year, 1, 1)), date(year, 12, 31)))
        season = [day for day in days if day.month > 12 - season_months]
        rest = [day for day in days if day.month <= 12 - season_months]
        in_season = int((target.number * season_share).to_integral_value(ROUND_HALF_UP))
        for group, total, busy in (
            (rest, int(target.number) - in_season, False),
            (season, in_season, True),
        ):
            if not group:
                continue
            volumes = apportion(total, [rng.randrange(50, 151) for _ in group])
            rows: list[list[int]] = []  # listed, block, otc tonnes per day
            waiting = 0
            for volume in volumes:
                block = _part(volume, block_share + uniform(rng, -spread, spread))
                otc = _part(volume, otc_share)
                waiting += block
                printed = waiting if waiting >= minimum else 0
                waiting -= printed
                rows.append([volume - block - otc, printed, otc])
            if waiting:
                last = next((row for row in reversed(rows) if row[1]), rows[-1])
                last[1] += waiting
            for day, (listed, block, otc) in zip(group, rows, strict=True):
                if not start <= day <= end:
                    continue
                count = rng.randrange(6, 15) if busy else rng.randrange(4, 10)
                blocks = rng.randrange(2, 7) if busy else rng.randrange(1, 4)
                pairs, centre = listed_sizes(rng, listed, count, market.listed_max_t)
                plans.append(
                    DayPlan(
                        day,
                        pairs,
                        centre,
                        split_above(rng, block, min(blocks, max(block // minimum, 1)), minimum),
                        split(rng, otc, 1),
                    )
                )
    return sorted(plans, key=lambda plan: plan.day)


def listed_sizes(
    rng: random.Random, total: int, count: int, largest: int | None
) -> tuple[tuple[int, ...], int]:
    """``total`` tonnes as pairs of equal trades and a last trade, none above ``largest``."""
    if total <= 0:
        return (), 0
    pairs_wanted = (count - 1) // 2
    if largest is not None:
        pairs_wanted = max(pairs_wanted, -(-total // (2 * largest)))
    while True:
        centre = max(1, total // (2 * pairs_wanted + 1)) if pairs_wanted else total
        pairs = split(rng, (total - centre) // 2, pairs_wanted)
        centre = total - 2 * sum(pairs)
        sizes = (*pairs, centre)
        if largest is None or max(sizes) <= largest:
            return pairs, centre
        pairs_wanted += 1


def split_above(rng: random.Random, total: int, parts: int, floor: int) -> tuple[int, ...]:
    """``total`` tonnes as ``parts`` trades of at least ``floor`` each (if it allows)."""
    if total <= 0:
        return ()
    parts = max(1, min(parts, total // floor)) if total >= floor else 1
    base = floor if total >= floor else 0
    extra = apportion(total - parts * base, [rng.randrange(20, 101) for _ in range(parts)])
    return tuple(base + share for share in extra)


def _part(volume: int, share: Decimal) -> int:
    return int((volume * share).to_integral_value(ROUND_HALF_UP))


def pilot_plans(
    rng: random.Random, market: Market, calibration: Calibration, start: date, end: date
) -> list[DayPlan]:
    """Sparse trading: some weeks have none; an active week trades on one to five days."""
    active_share = calibration.number(market, "active_week_share")
    week_volume = calibration.number(market, "active_week_volume_t")
    block_share = calibration.number(market, "block_share")
    otc_share = calibration.number(market, "otc_share")
    plans = []
    monday = start - timedelta(days=start.weekday())
    while monday <= end:
        days = [day for day in trading_days(monday, monday + timedelta(days=4)) if start <= day]
        days = [day for day in days if day <= end]
        monday += timedelta(days=7)
        if not days or rng.randrange(10_000) >= active_share * 10_000:
            continue
        volume = int(
            (week_volume * uniform(rng, Decimal("0.3"), Decimal("1.7"))).to_integral_value()
        )
        active = sorted(rng.sample(days, rng.randrange(1, len(days) + 1)))
        for day, total in zip(active, split(rng, volume, len(active)), strict=False):
            block = _part(total, block_share * uniform(rng, Decimal(0), Decimal(2)))
            otc = _part(total, otc_share * uniform(rng, Decimal(0), Decimal(2)))
            if block + otc >= total:
                block, otc = 0, 0
            pairs, centre = listed_sizes(
                rng, total - block - otc, rng.randrange(1, 4), market.listed_max_t
            )
            plans.append(DayPlan(day, pairs, centre, split(rng, block, 1), split(rng, otc, 1)))
    return plans


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
