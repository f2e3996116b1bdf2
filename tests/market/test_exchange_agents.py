"""The trading agents, run through the pure engine without a database: deterministic per
seed, and calibrated to the targets of data/market/agents-demo.toml within tolerance."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from tanshi.market.events import CancelOrder, Exchange, NewOrder, replay, session_commands
from tanshi.market.orders import Side, TimeInForce
from tanshi.market.venues import MethodKind, book_key, venue_books
from tanshi.resources import agent_targets, load_venue
from tanshi.scenario.agent_flow import AgentFlow, BlockIntent, CancelIntent
from tanshi.scenario.exchange_agents import (
    compliance_agents,
    market_agents,
    season_start,
    trading_window,
)
from tanshi.scenario.market_plan import Behaviour, Need

VENUE = load_venue("demo-province")
TARGETS = agent_targets()
PRODUCT = "DPEA-2016"
KEY = book_key(VENUE, PRODUCT)
DEADLINE = date(2017, 6, 30)


def _population(seed: int) -> list[Need]:
    rng = random.Random(seed)
    needs = []
    for i in range(40):
        obligation = rng.randrange(100_000, 2_000_000)
        gap = rng.randrange(-90_000, 90_000)
        needs.append(Need(f"C{i:03d}", obligation - gap, obligation))
    return needs


def run_market(seed: int) -> tuple[list[tuple], list[BlockIntent], list]:
    """The flow through the pure engine: (day, fill) pairs, block trades, the command log."""
    needs = _population(seed)
    behaviour = {n.company: Behaviour(Decimal(1), Decimal("0.9"), Decimal(0), Decimal(1))
                 for n in needs}  # fmt: skip
    accounts = {n.company: f"DP-OH-{n.company}" for n in needs}
    agents = compliance_agents(needs, behaviour, accounts, 2800, TARGETS)
    agents += market_agents("DP", TARGETS)
    days = trading_window(VENUE, date(2016, 7, 1), DEADLINE, TARGETS)
    flow = AgentFlow(seed, agents, TARGETS, VENUE, PRODUCT, KEY, days, DEADLINE)
    rules, references = venue_books(VENUE)
    exchange = Exchange(rules, references)
    reference = references[KEY]
    fills, blocks, log = [], [], []
    for day in days:
        commands = [c for c in session_commands(VENUE, day, {KEY: reference}) if c.product == KEY]
        intents = flow.plan_day(day, reference)
        timed = [(c.at, 0, c) for c in commands[:-1]] + [(i.at, 1, i) for i in intents]
        merged = [*sorted(timed, key=lambda item: (item[0], item[1])),
                  (commands[-1].at, 2, commands[-1])]  # fmt: skip
        listed = []
        for _, _, item in merged:
            if isinstance(item, BlockIntent):
                blocks.append(item)
                flow.observe_block(item.buyer, item.seller, item.quantity_t)
                continue
            if isinstance(item, CancelIntent):
                command = CancelOrder(item.at, KEY, item.order_id, item.owner)
            elif hasattr(item, "order_id") and hasattr(item, "side"):
                command = NewOrder(item.at, KEY, item.order_id, item.owner, Side(item.side),
                                   item.quantity_t, item.price_fen,
                                   TimeInForce(item.time_in_force))  # fmt: skip
            else:
                command = item
            start = len(exchange.events)
            exchange.apply(command)
            log.append(command)
            for event in exchange.events[start:]:
                if event[0] == "fill":
                    listed.append(event)
                    fills.append((day, event))
                    flow.observe_fill(event[7], event[8], event[4])
                elif event[0] == "cancelled" and event[3] in flow_sells(log):
                    flow.release_unsold(flow_sells(log)[event[3]], event[4])
        if listed:
            volume = sum(e[4] for e in listed)
            reference = (2 * sum(e[3] * e[4] for e in listed) + volume) // (2 * volume)
    return fills, blocks, log


_SELLS: dict[int, str] = {}


def flow_sells(log: list) -> dict[int, str]:
    """Sell orders of inventory agents (speculators, the maker) by id."""
    command = log[-1]
    if isinstance(command, NewOrder) and command.side == Side.SELL and "-TR-" in command.owner:
        _SELLS[command.order_id] = command.owner
    return _SELLS


def test_the_flow_is_deterministic_per_seed() -> None:
    first, second, other = run_market(7), run_market(7), run_market(8)
    assert first[0] == second[0] and first[1] == second[1]
    assert first[0] != other[0]


def test_calibration_season_block_share_and_quiet_weeks() -> None:
    """Targets: 60% of the volume in the two months before the deadline, 85% in blocks,
    and weeks without trading outside the season."""
    fills, blocks, _ = run_market(11)
    start = season_start(DEADLINE, 2)
    assert start == date(2017, 5, 1)
    listed_t = sum(e[4] for _, e in fills)
    block_t = sum(b.quantity_t for b in blocks)
    total = listed_t + block_t
    in_season = sum(e[4] for d, e in fills if d >= start) + sum(
        b.quantity_t for b in blocks if b.at.date() >= start
    )
    # Compliance agents trade 85% of their volume in blocks; speculators and the maker trade
    # only on the screen, so the market's block share is lower (documented in market.md).
    compliance_listed = sum(e[4] for _, e in fills if "-OH-" in e[7] and "-OH-" in e[8])
    assert abs(Decimal(block_t) / (block_t + compliance_listed) - Decimal("0.85")) < Decimal("0.05")
    assert Decimal("0.65") < Decimal(block_t) / total < Decimal("0.9")
    assert abs(Decimal(in_season) / total - Decimal("0.60")) < Decimal("0.15")
    days = trading_window(VENUE, date(2016, 7, 1), DEADLINE, TARGETS)
    weeks = {d.isocalendar()[:2] for d in days if d < start}
    traded = {d.isocalendar()[:2] for d, _ in fills if d < start}
    assert 0 < len(weeks - traded) < len(weeks)  # quiet weeks, but not all of them


def test_block_trades_respect_the_venue_minimum_and_band() -> None:
    _, blocks, _ = run_market(3)
    block = VENUE.method(MethodKind.BLOCK)
    assert blocks and all(b.quantity_t >= block.min_quantity_t for b in blocks)
    assert all(b.buyer != b.seller for b in blocks)


def test_replaying_the_log_rebuilds_the_same_fills() -> None:
    fills, _, log = run_market(5)
    rules, references = venue_books(VENUE)
    again = replay(rules, log, references)
    assert [e for e in again.events if e[0] == "fill"] == [e for _, e in fills]
