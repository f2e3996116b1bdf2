"""Seeded behaviour of the synthetic market: who trades, at what price, who surrenders what.

Companies are long (allocation above emissions) or short. Most short companies buy what
they lack from long ones, in two rounds (second half of the compliance year, and the weeks
before the deadline); some use offsets up to the cap; some cover only part of their gap
and end non-compliant; the companies still short bid in the demo's auction. The plan is
pure data; the demo runner executes it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal


@dataclass(frozen=True, slots=True)
class Need:
    """A company's position once allocation and (expected) verified emissions are known."""

    company: str
    allocated_t: int
    obligation_t: int

    @property
    def gap_t(self) -> int:
        """Positive when short, negative when long."""
        return self.obligation_t - self.allocated_t


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How a company acts in the market this year."""

    cover_share: Decimal  # share of its gap a short company buys or offsets
    sell_share: Decimal  # share of its surplus a long company offers
    offset_share: Decimal  # share of its obligation it covers with offsets (within the cap)
    surrender_share: Decimal  # share of what it owes that it surrenders on time


@dataclass(frozen=True, slots=True)
class PlannedTrade:
    seller: str
    buyer: str
    quantity_t: int
    price_cny_per_t: Decimal
    traded_on: date


@dataclass(frozen=True, slots=True)
class PlannedSurrender:
    company: str
    allowances_t: int
    offsets_t: int


def choose_behaviour(
    rng: random.Random, needs: list[Need], offset_cap_share: Decimal
) -> dict[str, Behaviour]:
    """Seeded behaviour per company; the shortest company that buys least is non-compliant."""
    behaviour = {}
    for need in needs:
        roll = rng.random()
        behaviour[need.company] = Behaviour(
            cover_share=Decimal("1") if roll < 0.9 else Decimal("0.5"),
            sell_share=Decimal(rng.randrange(50, 100)) / 100,
            offset_share=offset_cap_share if rng.random() < 0.25 else Decimal(0),
            surrender_share=Decimal("1") if rng.random() < 0.95 else Decimal("0.9"),
        )
    # The demo promises at least one non-compliant company: the shortest buys only half its
    # gap, or, when nobody is short, the largest emitter surrenders only 90% of what it owes.
    short = [need for need in needs if need.gap_t > 0]
    if short:
        laggard = max(short, key=lambda need: need.gap_t)
        behaviour[laggard.company] = Behaviour(Decimal("0.5"), Decimal(0), Decimal(0), Decimal(1))
    elif needs and all(mind.surrender_share == 1 for mind in behaviour.values()):
        laggard = max(needs, key=lambda need: need.obligation_t)
        behaviour[laggard.company] = Behaviour(Decimal(1), Decimal(0), Decimal(0), Decimal("0.9"))
    return behaviour


def price_on(rng: random.Random, day: date, start: date) -> Decimal:
    """A seeded price path: about CNY 28/t drifting up CNY 6/t a year, ± CNY 2."""
    drift = Decimal((day - start).days) * 6 / 365
    noise = Decimal(rng.randrange(-200, 201)) / 100
    return (Decimal(28) + drift + noise).quantize(Decimal("0.01"))


def _day_in(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def plan_trades(
    rng: random.Random,
    needs: list[Need],
    behaviour: dict[str, Behaviour],
    rounds: tuple[tuple[date, date], tuple[date, date]],
) -> list[PlannedTrade]:
    """Match short buyers with long sellers; about 40% of volume trades in the first round."""
    supply = {
        need.company: int(
            (-need.gap_t * behaviour[need.company].sell_share).to_integral_value(ROUND_DOWN)
        )
        for need in needs
        if need.gap_t < 0
    }
    sellers = [company for company, amount in supply.items() if amount > 0]
    rng.shuffle(sellers)
    buyers = [need for need in needs if need.gap_t > 0]
    rng.shuffle(buyers)
    trades = []
    for need in buyers:
        mind = behaviour[need.company]
        offsets = int((need.obligation_t * mind.offset_share).to_integral_value(ROUND_DOWN))
        wanted = int(((need.gap_t - offsets) * mind.cover_share).to_integral_value(ROUND_DOWN))
        for seller in sellers:
            if wanted <= 0:
                break
            quantity = min(wanted, supply[seller])
            if quantity <= 0:
                continue
            supply[seller] -= quantity
            wanted -= quantity
            early = int(quantity * Decimal("0.4"))
            for (first, last), amount in zip(rounds, (early, quantity - early), strict=True):
                if amount > 0:
                    day = _day_in(rng, first, last)
                    trades.append(
                        PlannedTrade(
                            seller, need.company, amount, price_on(rng, day, rounds[0][0]), day
                        )
                    )
    return sorted(trades, key=lambda trade: (trade.traded_on, trade.seller, trade.buyer))


def plan_surrenders(
    needs: list[Need],
    behaviour: dict[str, Behaviour],
    allowances_held: dict[str, int],
    offsets_held: dict[str, int],
    offset_cap_share: Decimal,
) -> list[PlannedSurrender]:
    """What each company surrenders: offsets up to the cap, then allowances up to its need."""
    plans = []
    for need in needs:
        mind = behaviour[need.company]
        cap = int((need.obligation_t * offset_cap_share).to_integral_value(ROUND_DOWN))
        offsets = min(offsets_held.get(need.company, 0), cap, need.obligation_t)
        owed = int(
            ((need.obligation_t - offsets) * mind.surrender_share).to_integral_value(ROUND_DOWN)
        )
        allowances = min(allowances_held.get(need.company, 0), owed)
        plans.append(PlannedSurrender(need.company, allowances, offsets))
    return plans


MAX_BIDDERS = 20  # the companies that want most; the rest keep to the exchange


@dataclass(frozen=True, slots=True)
class PlannedBid:
    company: str
    price_per_t: Decimal
    quantity_t: int


def plan_bids(
    rng: random.Random, wants_t: dict[str, int], market_per_t: Decimal, *, lot_t: int,
    limit_t: int, reserve_per_t: Decimal,
) -> list[PlannedBid]:  # fmt: skip
    """Sealed bids for an auction: the companies that want most (at least a lot) each ask
    75-100% of what they want, at most the per-bidder limit, in whole lots, in one to three
    bids a few per cent either side of the market, never below the reserve price."""
    ranked = sorted(((want, company) for company, want in wants_t.items() if want >= lot_t),
                    reverse=True)[:MAX_BIDDERS]  # fmt: skip
    bids = []
    for want, company in sorted(ranked, key=lambda pair: pair[1]):
        share = Decimal(rng.randrange(75, 101)) / 100
        lots = int((min(want, limit_t) * share / lot_t).to_integral_value(ROUND_DOWN))
        parts = min(rng.randrange(1, 4), lots)
        for index in range(parts):
            quantity = (lots // parts + (1 if index < lots % parts else 0)) * lot_t
            offset = Decimal(rng.randrange(-800, 401)) / 10_000
            price = (market_per_t * (1 + offset)).quantize(Decimal("0.01"), ROUND_DOWN)
            bids.append(PlannedBid(company, max(price, reserve_per_t), quantity))
    return bids
