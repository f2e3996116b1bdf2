"""The trading agents at work: each day's orders, cancels and negotiated block trades.

The agents are pure: ``AgentFlow.plan_day`` returns a day's intentions from the reference
price and what the agents still want; the shell runs them through reservations, the matching
engine and settlement, and feeds every fill back with ``observe_fill``. The same seed, agents
and fills give the same flow. Who the agents are and on which days they trade is
``scenario.exchange_agents``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from tanshi.market.book import price_limits
from tanshi.market.orders import BUY, GTC, IOC, SELL
from tanshi.market.venues import MethodKind, Venue
from tanshi.scenario.exchange_agents import Agent, AgentKind, day_weights
from tanshi.scenario.flow_targets import FlowTargets


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """An order to enter: ``price_fen`` None is a market order."""

    at: datetime
    order_id: int
    owner: str
    side: int
    quantity_t: int
    price_fen: int | None
    time_in_force: int = GTC


@dataclass(frozen=True, slots=True)
class CancelIntent:
    at: datetime
    order_id: int
    owner: str


@dataclass(frozen=True, slots=True)
class BlockIntent:
    """A block trade agreed bilaterally and reported to the exchange (大宗协议)."""

    at: datetime
    trade_id: str
    buyer: str
    seller: str
    quantity_t: int
    price_fen: int


Intent = OrderIntent | CancelIntent | BlockIntent


class AgentFlow:
    """The agents' state through a trading window; deterministic for a seed and its fills."""

    def __init__(
        self, seed: int, agents: list[Agent], targets: FlowTargets, venue: Venue,
        product: str, book: str, days: list[date], deadline: date,
    ) -> None:  # fmt: skip
        self.rng = random.Random(f"tanshi-exchange-agents:{seed}")
        self.agents = agents
        self.targets = targets
        self.venue = venue
        self.product = product
        self.book = book
        self.zone = ZoneInfo(venue.venue.timezone)
        self.weights = day_weights(self.rng, days, deadline, targets)
        self.days = days
        block = venue.method(MethodKind.BLOCK)
        listed = venue.method(MethodKind.LISTED)
        self.block_min = block.min_quantity_t if block and block.min_quantity_t else None
        self.listed_max = listed.max_quantity_t if listed and listed.max_quantity_t else 1 << 40
        self.band_bp = int(listed.band_pct * 100) if listed and listed.band_pct else 1000
        share = targets.number("block_share") if self.block_min else Decimal(0)
        # What each compliance agent still wants, split into its block and listed parts.
        self.block_left: dict[str, int] = {}
        self.listed_left: dict[str, int] = {}
        self.listed_total: dict[str, int] = {}
        self.block_total: dict[str, int] = {}
        for agent in agents:
            if agent.kind in (AgentKind.COMPLIANCE_BUYER, AgentKind.SURPLUS_SELLER):
                blocks = int((agent.target_t * share).to_integral_value(ROUND_DOWN))
                if self.block_min is None or blocks < self.block_min:
                    blocks = 0
                self.block_left[agent.account] = blocks
                self.block_total[agent.account] = blocks
                self.listed_left[agent.account] = agent.target_t - blocks
                self.listed_total[agent.account] = agent.target_t - blocks
        self.kind = {agent.account: agent.kind for agent in agents}
        self.reserve = {a.account: a.reserve_t for a in agents if a.reserve_t > 0}
        self.inventory = {a.account: 0 for a in agents if a.kind not in _COMPLIANCE}
        self.next_order_id = 1
        self.blocks_made = 0
        self.value_fen: int | None = None  # what the compliance agents think a tonne is worth

    # -- feedback ----------------------------------------------------------------------

    def observe_fill(self, buyer: str, seller: str, quantity_t: int) -> None:
        """A listed fill happened: the agents want that much less."""
        for account in (buyer, seller):
            if account in self.listed_left:
                self.listed_left[account] = max(0, self.listed_left[account] - quantity_t)
        if buyer in self.inventory:  # a seller's units left its inventory with the order
            self.inventory[buyer] += quantity_t

    def observe_auction(self, buyer: str, quantity_t: int) -> None:
        """``buyer`` was awarded ``quantity_t`` in an auction: it wants that much less, first
        of its block part (the bulk of what is left), then of its listed part."""
        if buyer in self.block_left:
            blocks = min(quantity_t, self.block_left[buyer])
            self.block_left[buyer] -= blocks
            self.listed_left[buyer] = max(0, self.listed_left[buyer] - (quantity_t - blocks))

    def still_wants(self, account: str) -> int:
        """What a compliance agent still wants, block and listed parts together."""
        return self.block_left.get(account, 0) + self.listed_left.get(account, 0)

    def observe_block(self, buyer: str, seller: str, quantity_t: int) -> None:
        """A block trade was recorded."""
        for account in (buyer, seller):
            self.block_left[account] -= quantity_t

    # -- the day's intentions ----------------------------------------------------------

    def _at(self, day: date, start: time, end: time) -> datetime:
        low = start.hour * 3600 + start.minute * 60
        high = end.hour * 3600 + end.minute * 60
        second = self.rng.randrange(low, high)
        return datetime.combine(day, time(second // 3600, second // 60 % 60, second % 60),
                                self.zone)  # fmt: skip

    def _id(self) -> int:
        self.next_order_id += 1
        return self.next_order_id - 1

    def due_share(self, day: date) -> Decimal:
        """The share of what is left that the schedule wants done today."""
        if day not in self.weights:
            return Decimal(0)
        ahead = sum(w for d, w in self.weights.items() if d >= day)
        return Decimal(1) if ahead == 0 else self.weights[day] / ahead

    def plan_day(self, day: date, reference_fen: int) -> list[Intent]:
        """Every intention of ``day`` in time order (the shell merges session commands)."""
        lower, upper = price_limits(reference_fen, self.band_bp, 1)
        share = self.due_share(day)
        # The agents' value of a tonne walks by a seeded step a day with a small drift; they
        # price around it, so the market follows it rather than its own order imbalance.
        step = self.targets.whole("value_step_bp")
        drift = self.targets.whole("value_drift_bp")
        walk = self.rng.randrange(-step, step + 1) + drift
        value = reference_fen if self.value_fen is None else self.value_fen
        self.value_fen = value * (10_000 + walk) // 10_000
        intents: list[Intent] = []
        final_days = self.targets.whole("final_days")
        last_day = bool(self.days) and day == self.days[-min(final_days, len(self.days))]
        final = day in self.days[-final_days:]
        if last_day:  # the final days: sellers offer part of what they held back
            share = self.targets.number("final_reserve_share")
            for account, held_back in self.reserve.items():
                extra = int((held_back * share).to_integral_value(ROUND_DOWN))
                self.listed_left[account] += extra
                self.listed_total[account] += extra
            self.reserve = {}
        if share > 0:
            intents += self._blocks(day, reference_fen, last_day)
        if share > 0 or final:
            for agent in self.agents:
                if agent.account in self.listed_left:
                    intents += self._compliance_orders(
                        day, agent, self.value_fen, lower, upper, final
                    )
        for agent in self.agents:
            if final and agent.kind not in _COMPLIANCE:
                intents += self._flatten(day, agent.account, reference_fen, lower)
            elif agent.kind is AgentKind.SPECULATOR:
                intents += self._speculate(day, agent.account, reference_fen, lower, upper)
            elif agent.kind is AgentKind.MARKET_MAKER and share > 0:
                intents += self._quote(day, agent.account, reference_fen, lower, upper)
        return sorted(intents, key=lambda i: (i.at, _order_of(i)))

    def _blocks(self, day: date, reference_fen: int, last: bool) -> list[Intent]:
        """Pair buyers' and sellers' block parts due today into negotiated trades."""
        minimum = self.block_min
        if minimum is None:
            return []
        # A buyer is due what it is behind its schedule; a seller sells what it has left.
        remaining = 1 - self.cumulative_share(day)
        due = {
            account: left if last else
            left - int((self.block_total[account] * remaining).to_integral_value(ROUND_DOWN))
            for account, left in self.block_left.items()
        }  # fmt: skip
        buyers = [a for a in sorted(due) if self.kind[a] is AgentKind.COMPLIANCE_BUYER]
        sellers = [a for a in sorted(due) if self.kind[a] is AgentKind.SURPLUS_SELLER]
        self.rng.shuffle(buyers)
        left = dict(self.block_left)  # what stays after today's block trades
        intents: list[Intent] = []
        for buyer in buyers:
            if due[buyer] < minimum:
                continue
            seller = max(sellers, key=lambda s: (left[s], s), default=None)
            if seller is None:
                break
            wanted = due[buyer]
            if left[buyer] - wanted < minimum:  # what would stay is too small for a block
                wanted = left[buyer]
            quantity = min(wanted, left[seller])
            if left[seller] - quantity < minimum <= left[seller] - minimum:
                quantity = left[seller] - minimum  # leave the seller a block's worth
            if quantity < minimum:
                continue
            premium = self.rng.randrange(-100, 201)  # basis points around the reference
            price = reference_fen * (10_000 + premium) // 10_000
            self.blocks_made += 1
            intents.append(BlockIntent(self._at(day, time(13, 5), time(14, 55)),
                                       f"B{day:%Y%m%d}-{self.blocks_made}", buyer, seller,
                                       quantity, price))  # fmt: skip
            left[buyer] -= quantity
            left[seller] -= quantity
        # Block parts too small for a block trade go to the screen, and so does everything
        # left on the first of the final days (the buyers must comply); observe_block takes
        # off what the block trades did.
        for account, rest in left.items():
            if rest > 0 and (rest < minimum or last):
                self.listed_left[account] += rest
                self.listed_total[account] += rest
                self.block_left[account] -= rest
                self.block_total[account] -= rest
        return intents

    def cumulative_share(self, day: date) -> Decimal:
        """The share of the compliance volume the schedule wants done by the end of ``day``."""
        return sum((w for d, w in self.weights.items() if d <= day), Decimal(0))

    def _compliance_orders(
        self, day: date, agent: Agent, value_fen: int, lower: int, upper: int, final: bool
    ) -> list[Intent]:
        """An agent orders once what it is behind the schedule is worth an order.

        It places ``listed_left`` minus what the schedule leaves for later, when that is at
        least ``min_listed_order_t`` (or all it has left); in the last ``final_days`` it
        places everything it still wants at prices that cross.
        """
        left = self.listed_left[agent.account]
        total = self.listed_total[agent.account]
        later = int((total * (1 - self.cumulative_share(day))).to_integral_value(ROUND_DOWN))
        today = left if final else left - later
        if today <= 0 or (today < min(left, self.targets.whole("min_listed_order_t"))):
            return []
        side = BUY if agent.kind is AgentKind.COMPLIANCE_BUYER else SELL
        slices = self.rng.randrange(1, self.targets.whole("listed_orders_per_agent_day") + 1)
        spread = self.targets.whole("final_spread_bp" if final else "limit_spread_bp")
        intents: list[Intent] = []
        for part in _split(today, slices, self.listed_max):
            phase = self.rng.random()
            market = False
            if phase < 0.4:
                at = self._at(day, time(9, 15), time(9, 25))  # opening call
            elif phase < 0.6:
                at = self._at(day, time(14, 57), time(14, 59))  # closing call
            else:
                session = (time(9, 30), time(11, 29)) if phase < 0.8 else (time(13, 0),
                                                                          time(14, 56))  # fmt: skip
                at = self._at(day, *session)
                market = self.rng.random() < float(self.targets.number("aggressive_share"))
            if market:
                intents.append(OrderIntent(at, self._id(), agent.account, side, part, None, IOC))
                continue
            # Buyers bid from a little below to well above the reference, sellers ask
            # mirrored: most orders cross someone, and the side that presses moves the price.
            offset = self.rng.randrange(-spread // 4, spread + 1)
            sign = 1 if side == BUY else -1
            price = value_fen * (10_000 + sign * offset) // 10_000
            price = min(max(price, lower), upper)
            intents.append(OrderIntent(at, self._id(), agent.account, side, part, price))
        return intents

    def _speculate(
        self, day: date, account: str, reference_fen: int, lower: int, upper: int
    ) -> list[Intent]:
        if self.rng.random() >= float(self.targets.number("speculator_activity")):
            return []
        intents: list[Intent] = []
        largest = self.targets.whole("speculator_order_max_t")
        for _ in range(self.rng.randrange(1, 3)):
            held = self.inventory[account]
            side = SELL if held > 0 and self.rng.random() < 0.5 else BUY
            quantity = self.rng.randrange(1, largest // 100 + 1) * 100
            if side == SELL:
                quantity = min(quantity, held)
                self.inventory[account] -= quantity  # given back at the close if unsold
            offset = self.rng.randrange(-150, 151)
            price = min(max(reference_fen * (10_000 + offset) // 10_000, lower), upper)
            session = (time(9, 30), time(11, 29)) if self.rng.random() < 0.5 else (time(13, 0),
                                                                                  time(14, 30))  # fmt: skip
            at = self._at(day, *session)
            ioc = self.rng.random() < 0.3
            order_id = self._id()
            intents.append(OrderIntent(at, order_id, account, side, quantity, price,
                                       IOC if ioc else GTC))  # fmt: skip
            if not ioc and self.rng.random() < 0.5:
                later = min(at + timedelta(minutes=self.rng.randrange(5, 90)),
                            datetime.combine(day, time(14, 50), self.zone))  # fmt: skip
                if later.time() > time(11, 29) and later.time() < time(13, 0):
                    later = datetime.combine(day, time(13, 1), self.zone)
                intents.append(CancelIntent(later, order_id, account))
        return intents

    def _flatten(self, day: date, account: str, reference_fen: int, lower: int) -> list[Intent]:
        """In the final days speculators and the maker sell what they hold, 1% under the
        reference, in the opening call."""
        held = self.inventory[account]
        if held <= 0:
            return []
        self.inventory[account] = 0
        price = max(reference_fen * 9_900 // 10_000, lower)
        at = self._at(day, time(9, 15), time(9, 25))
        return [OrderIntent(at, self._id(), account, SELL, part, price)
                for part in _split(held, 1, self.listed_max)]  # fmt: skip

    def release_unsold(self, account: str, quantity_t: int) -> None:
        """A speculator's sell order ended with ``quantity_t`` unsold: it holds them again."""
        if account in self.inventory:
            self.inventory[account] += quantity_t

    def _quote(
        self, day: date, account: str, reference_fen: int, lower: int, upper: int
    ) -> list[Intent]:
        spread = self.targets.whole("market_maker_spread_bp")
        size = self.targets.whole("market_maker_quote_t")
        bid = max(reference_fen * (10_000 - spread) // 10_000, lower)
        ask = min(-(-reference_fen * (10_000 + spread) // 10_000), upper)
        intents: list[Intent] = []
        for start, cancel in ((time(9, 30), time(14, 55)),):
            at = datetime.combine(day, start, self.zone)
            end = datetime.combine(day, cancel, self.zone)
            bid_id = self._id()
            intents.append(OrderIntent(at, bid_id, account, BUY, size, bid))
            intents.append(CancelIntent(end, bid_id, account))
            held = min(size, self.inventory[account])
            if held > 0:
                ask_id = self._id()
                self.inventory[account] -= held
                intents.append(OrderIntent(at, ask_id, account, SELL, held, ask))
                intents.append(CancelIntent(end, ask_id, account))
        return intents


_COMPLIANCE = (AgentKind.COMPLIANCE_BUYER, AgentKind.SURPLUS_SELLER)


def _order_of(intent: Intent) -> int:
    return {BlockIntent: 0, OrderIntent: 1, CancelIntent: 2}[type(intent)]


def _split(total: int, parts: int, largest: int) -> list[int]:
    """``total`` as ``parts`` near-equal sizes, more when a size would exceed ``largest``."""
    parts = max(parts, -(-total // largest))
    parts = min(parts, total)
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]
