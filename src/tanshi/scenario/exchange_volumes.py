"""How many tonnes each synthetic market trades on which days, before prices are set.

The national market spreads each year's volume over its trading days, with the season share
in the months before the deadline and block trades of at least the block minimum; a pilot
trades in some weeks only, on one to five days of an active week. Sizes are split by largest
remainder, so they add up exactly; ``scenario.exchange_flow`` prices and times them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from tanshi.market.statistics import trading_days
from tanshi.market.tape import Market
from tanshi.scenario.exchange_calibration import Calibration


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
