"""Who trades and when: the seeded trading agents, their trading window and day weights.

Compliance buyers and sellers are sized from the companies' positions, speculators and a
market maker from the agents file (``data/market/agents-*.toml``); the window is the venue's
trading days until the deadline, each with its share of the compliance volume. What the
agents do each day is ``scenario.agent_flow``.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from tanshi.market.venues import Venue, is_trading_day
from tanshi.scenario.flow_targets import FlowTargets
from tanshi.scenario.market_plan import Behaviour, Need


class AgentKind(enum.StrEnum):
    """What drives an agent's orders."""

    COMPLIANCE_BUYER = "compliance_buyer"  # short: buys what it lacks before the deadline
    SURPLUS_SELLER = "surplus_seller"  # long: sells part of its surplus
    SPECULATOR = "speculator"  # buys and sells small sizes on some days
    MARKET_MAKER = "market_maker"  # quotes both sides around the reference price


@dataclass(frozen=True, slots=True)
class Agent:
    """A trading participant: its registry account, kind and how many tonnes it wants."""

    account: str
    kind: AgentKind
    target_t: int  # to buy (buyers) or sell (sellers); 0 for speculators and the maker
    cash_fen: int  # what it deposits before trading
    reserve_t: int = 0  # a seller's surplus held back, offered in the final days


def compliance_agents(
    needs: list[Need], behaviour: dict[str, Behaviour], account_of: dict[str, str],
    reference_fen: int, targets: FlowTargets,
) -> list[Agent]:  # fmt: skip
    """Buyers and sellers from the companies' positions, sized as ``plan_trades`` sizes them.

    A short company buys its gap less the offsets it will use, times its cover share; a
    long one offers its surplus times its sell share. Buyers deposit enough to pay
    ``buyer_cash_margin`` times their need at ``reference_fen``.
    """
    margin = targets.number("buyer_cash_margin")
    agents = []
    for need in needs:
        mind = behaviour[need.company]
        account = account_of[need.company]
        if need.gap_t > 0:
            offsets = int((need.obligation_t * mind.offset_share).to_integral_value(ROUND_DOWN))
            wanted = int(((need.gap_t - offsets) * mind.cover_share).to_integral_value(ROUND_DOWN))
            if wanted > 0:
                cash = int((wanted * reference_fen * margin).to_integral_value(ROUND_DOWN))
                agents.append(Agent(account, AgentKind.COMPLIANCE_BUYER, wanted, cash))
        elif need.gap_t < 0:
            offered = int((-need.gap_t * mind.sell_share).to_integral_value(ROUND_DOWN))
            if offered > 0:
                held_back = -need.gap_t - offered
                agents.append(Agent(account, AgentKind.SURPLUS_SELLER, offered, 0, held_back))
    return agents


def market_agents(jurisdiction: str, targets: FlowTargets) -> list[Agent]:
    """The speculators and the market maker, with trading accounts ``<J>-TR-…``."""
    speculator_cash = targets.whole("speculator_cash_cny") * 100
    agents = [
        Agent(f"{jurisdiction}-TR-S{i:02d}", AgentKind.SPECULATOR, 0, speculator_cash)
        for i in range(1, targets.whole("speculators") + 1)
    ]
    maker_cash = targets.whole("market_maker_cash_cny") * 100
    agents.append(Agent(f"{jurisdiction}-TR-MM", AgentKind.MARKET_MAKER, 0, maker_cash))
    return agents


def trading_window(venue: Venue, first: date, deadline: date, targets: FlowTargets) -> list[date]:
    """The venue's trading days from ``first`` until the agents stop before the deadline."""
    last = deadline - timedelta(days=targets.whole("last_trading_days_before_deadline"))
    days, day = [], first
    while day <= last:
        if is_trading_day(venue, day):
            days.append(day)
        day += timedelta(days=1)
    return days


def season_start(deadline: date, months: int) -> date:
    """The first day of the ``months`` calendar months that end with the deadline's month."""
    month = deadline.month - months + 1
    year = deadline.year
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, 1)


def day_weights(
    rng: random.Random, days: list[date], deadline: date, targets: FlowTargets
) -> dict[date, Decimal]:
    """Each day's share of the compliance volume: the season's days share ``season_share``;
    outside it only active weeks trade (the rest are zero-volume weeks)."""
    start = season_start(deadline, targets.whole("season_months"))
    season = [day for day in days if day >= start]
    weeks = sorted({day.isocalendar()[:2] for day in days if day < start})
    share = targets.number("active_week_share")
    active_weeks = {week for week in weeks if rng.random() < float(share)}
    rest = [day for day in days if day < start and day.isocalendar()[:2] in active_weeks]
    in_season = targets.number("season_share") if rest else Decimal(1)
    weights = {day: Decimal(0) for day in days}
    for group, total in ((season, in_season), (rest, 1 - in_season)):
        for day in group:
            weights[day] = total / len(group)
    return weights
