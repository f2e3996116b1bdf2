"""The demo jurisdiction's exchange at work: agents' orders → reservations → the matching
engine → settlement (delivery versus payment) → registry, with the engine's command log
stored for replay.

One ``ExchangeSession`` runs a venue's listed book for one product over trading days.
Each order first reserves the seller's units or the buyer's funds
(``services.reservations``); only an order whose reservation was accepted reaches the
engine, and only what reached the engine is logged (``exchange_commands``), each command
with the engine's answer (``ok``, or the refusal's code and sentence). Each fill
event becomes a settlement ``Fill`` recorded against the two orders' reservations; an
order's end (filled, cancelled, IOC remainder, expired) gives back what it did not use.
Block trades are recorded for settlement directly (reserved at trade time, T+1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.market.closing import TradePrint, closing_price_fen
from tanshi.market.events import (
    CancelOrder,
    Command,
    Exchange,
    ExpireOrders,
    NewOrder,
    session_commands,
)
from tanshi.market.orders import BUY, ResultCode, Side, TimeInForce
from tanshi.market.refusal_text import order_refusal
from tanshi.market.settlement import Fill, funds_needed
from tanshi.market.settlement_rules import SettlementRules
from tanshi.market.venues import Venue, book_key, schedule, venue_books
from tanshi.scenario.agent_flow import AgentFlow, BlockIntent, CancelIntent, Intent, OrderIntent
from tanshi.scenario.exchange_agents import Agent, AgentKind
from tanshi.services import cash, reservations
from tanshi.services.exchange_log import command_row, last_close, stored_state
from tanshi.services.jurisdiction import Jurisdiction, open_trading_account
from tanshi.services.settlement import record_trade, settle_due
from tanshi.store.schema import (
    exchange_commands,
    funds_reservations,
)

Progress = Callable[[str, int, int], None]


def quiet(_step: str, _done: int, _total: int) -> None:
    """A ``Progress`` that reports nothing."""
    return None


@dataclass
class OpenOrder:
    """An order the engine accepted and that has not ended yet."""

    owner: str
    side: int
    left_t: int


@dataclass
class DayReport:
    """What one trading day did."""

    day: date
    orders: int = 0
    refused: list[Issue] = field(default_factory=list)
    fills: int = 0
    listed_t: int = 0
    blocks: int = 0
    block_t: int = 0
    close_fen: int | None = None


def order_memo(venue: str, order_id: int, side: int, quantity_t: int, product: str,
               price_fen: int | None) -> str:  # fmt: skip
    """The memo of an order's reservation: the order by its side, number, venue, quantity,
    product and limit price (``at market`` without one), not its reservation key; a page
    says it in its language (web/sentences.py)."""
    what, name = ("funds", "buy") if side == BUY else ("units", "sell")
    price = "at market" if price_fen is None else f"at {price_fen} fen/t"
    return (f"{what} set aside for {name} order {order_id} on {venue}: {quantity_t} t of "
            f"{product} {price}")  # fmt: skip


def order_release_memo(venue: str, order_id: int, side: int) -> str:
    """The memo of what an order's reservation gives back (it left the book, or was amended
    to less)."""
    what, name = ("funds", "buy") if side == BUY else ("units", "sell")
    return f"{what} of {name} order {order_id} on {venue} given back"


class ExchangeSession:
    """The venue's books, the agents' flow and the store, kept in step one command at a time."""

    def __init__(
        self, engine: Engine, jurisdiction: Jurisdiction, venue: Venue,
        rules: SettlementRules, product: str, flow: AgentFlow | None,
    ) -> None:  # fmt: skip
        self.engine = engine
        self.jurisdiction = jurisdiction
        self.venue = venue
        self.rules = rules
        self.product = product
        self.key = book_key(venue, product)
        self.flow = flow
        self.zone = ZoneInfo(venue.venue.timezone)
        book_rules, self.references = venue_books(venue)
        self.exchange = Exchange(book_rules, self.references)
        last_seq, last_order = stored_state(engine, venue.venue.code)
        self.exchange.seq = last_seq
        self.next_order_id = last_order + 1
        close = last_close(engine, venue, self.key)
        if close is not None:
            self.references[self.key] = close
            self.exchange.books[self.key].set_reference(close)
        if flow is not None:
            flow.next_order_id = max(flow.next_order_id, self.next_order_id)
        self.open: dict[int, OpenOrder] = {}
        self.log: list[tuple[Command, ResultCode, str | None]] = []  # applied, not yet stored
        self.seen = 0

    # -- set-up ------------------------------------------------------------------------

    def fund(self, agents: Iterable[Agent], at: datetime, tag: str) -> None:
        """Open the market agents' trading accounts and pay every agent's deposit in."""
        for agent in agents:
            if agent.kind in (AgentKind.SPECULATOR, AgentKind.MARKET_MAKER):
                open_trading_account(
                    self.engine, self.jurisdiction, agent.account, f"{agent.kind.value} (synthetic)"
                )
            if agent.cash_fen > 0:
                outcome = cash.transfer_with_bank(
                    self.engine, self.jurisdiction.code, self.jurisdiction.rulebook.rulebook.currency,
                    agent.account, agent.cash_fen, f"exchange/{tag}/deposit/{agent.account}", at,
                    deposit=True,
                )  # fmt: skip
                if not outcome.ok:
                    raise TanshiError(f"deposit for {agent.account} refused: {outcome.issues}")

    # -- a day -------------------------------------------------------------------------

    def run_day(self, day: date) -> DayReport:
        """Trade one day: session commands and the agents' intentions, merged by time."""
        report = DayReport(day)
        if self.exchange.books[self.key].reference_fen is None:
            raise TanshiError(f"{self.key} has no reference price; list it with one")
        changes = schedule(self.venue, day)
        if not changes:
            return report
        self._settle(day, changes[0][0])
        # Only the traded product's book runs (the venue's other vintages stay closed).
        sessions = [c for c in session_commands(self.venue, day, self.references)
                    if c.product == self.key]  # fmt: skip
        reference = self.references[self.key]
        assert reference is not None
        intents: list[Intent] = [] if self.flow is None else self.flow.plan_day(day, reference)
        items: list[tuple[datetime, int, Command | Intent]] = [
            (c.at, 0, c) for c in sessions if not isinstance(c, ExpireOrders)
        ]
        items += [(i.at, 1, i) for i in intents]
        items.sort(key=lambda item: (item[0], item[1]))
        items += [(c.at, 2, c) for c in sessions if isinstance(c, ExpireOrders)]
        prints: list[TradePrint] = []
        closing_call: int | None = None
        for at, _, item in items:
            if isinstance(item, BlockIntent):
                self._block(item, report)
            elif isinstance(item, OrderIntent):
                self.place(item, report)
            elif isinstance(item, CancelIntent):
                if item.order_id in self.open:
                    self.apply(CancelOrder(item.at, self.key, item.order_id, item.owner))
            else:
                self.apply(item)
            for event in self.new_events():
                if event[0] == "fill":
                    self.settle_fill(event, at, report)
                    prints.append((at, event[3], event[4]))
                elif event[0] == "cancelled":
                    self.release_unused(event[3], event[4], at)
                elif event[0] == "uncrossed" and at.astimezone(self.zone).time() >= time(14, 0):
                    closing_call = event[3]
        close = closing_price_fen(self.venue.closing, prints, reference, changes[-1][0],
                                  closing_call)  # fmt: skip
        self.references[self.key] = close
        report.close_fen = close
        self.store(day)
        return report

    def new_events(self) -> list[tuple]:
        events = self.exchange.events[self.seen :]
        self.seen = len(self.exchange.events)
        return events

    def apply(self, command: Command) -> tuple[ResultCode, str | None]:
        """Apply ``command``; the engine's code and, for a refusal, its sentence (as of now:
        the day's limits), both logged with the command."""
        code = self.exchange.apply(command)
        message = None
        if code != ResultCode.OK:
            book = self.exchange.books.get(command.product)
            message = (order_refusal(code, book) if book is not None
                       else f"the engine refused the order ({code})")  # fmt: skip
        self.log.append((command, code, message))
        return code, message

    def place(self, intent: OrderIntent, report: DayReport) -> None:
        book = self.exchange.books[self.key]
        key = f"order/{self.venue.venue.code}/{intent.order_id}"
        memo = order_memo(self.venue.venue.code, intent.order_id, intent.side, intent.quantity_t,
                          self.product, intent.price_fen)  # fmt: skip
        if intent.side == BUY:
            price = intent.price_fen if intent.price_fen is not None else book.upper_fen
            needed = funds_needed(self.rules, "listed", intent.at.astimezone(self.zone).date(),
                                  intent.quantity_t, price)  # fmt: skip
            assert needed is not None, "the settlement rules need a listed fee rule"
            _, issues = reservations.reserve_funds(
                self.engine, self.jurisdiction, intent.owner, needed, key, intent.at, memo
            )
        else:
            _, issues = reservations.reserve_units(
                self.engine, self.jurisdiction, intent.owner, self.product, intent.quantity_t,
                key, intent.at, memo,
            )  # fmt: skip
        if issues:
            report.refused += issues
            if self.flow is not None and intent.side != BUY:
                self.flow.release_unsold(intent.owner, intent.quantity_t)
            return
        report.orders += 1
        self.open[intent.order_id] = OpenOrder(intent.owner, intent.side, intent.quantity_t)
        code, message = self.apply(NewOrder(intent.at, self.key, intent.order_id, intent.owner,
                                            Side(intent.side), intent.quantity_t,
                                            intent.price_fen, TimeInForce(intent.time_in_force)))  # fmt: skip
        if message is not None:  # the engine refused it: nothing trades, give the reservation back
            report.refused.append(Issue(str(code), message, key))
            self.release_unused(intent.order_id, intent.quantity_t, intent.at)

    def settle_fill(self, event: tuple, at: datetime, report: DayReport) -> None:
        _, seq, _, price, quantity, buy_id, sell_id, buyer, seller, _ = event
        code = self.venue.venue.code
        fill = Fill(f"{code}-{seq}-{buy_id}-{sell_id}", "listed", buyer, seller, self.product,
                    quantity, price, at)  # fmt: skip
        _, issues = record_trade(self.engine, self.jurisdiction, self.rules, fill, at,
                                 units_key=f"order/{code}/{sell_id}",
                                 funds_key=f"order/{code}/{buy_id}")  # fmt: skip
        if issues:  # reservations cover every fill, so this is a bug, not a user mistake
            raise TanshiError(f"fill {fill.trade_id} could not be recorded: {issues}")
        report.fills += 1
        report.listed_t += quantity
        if self.flow is not None:
            self.flow.observe_fill(buyer, seller, quantity)
        for order_id in (buy_id, sell_id):
            order = self.open[order_id]
            order.left_t -= quantity
            if order.left_t == 0:
                self.release_unused(order_id, 0, at)

    def release_unused(self, order_id: int, unused_t: int, at: datetime) -> None:
        """An order left the book: give back its unused units, or its unused funds."""
        order = self.open.pop(order_id, None)
        if order is None:
            return
        code = self.venue.venue.code
        key, release = f"order/{code}/{order_id}", f"order/{code}/{order_id}/done"
        memo = order_release_memo(code, order_id, order.side)
        if order.side == BUY:
            with self.engine.connect() as connection:
                left = connection.execute(
                    select(funds_reservations.c.open_fen).where(
                        funds_reservations.c.idempotency_key == key
                    )
                ).scalar_one()
            if left:
                _, issues = reservations.release_funds(
                    self.engine, self.jurisdiction, key, None, release, at, memo
                )
                assert not issues, issues
        elif unused_t:
            _, issues = reservations.release_units(
                self.engine, self.jurisdiction, key, unused_t, release, at, memo
            )
            assert not issues, issues
            if self.flow is not None:
                self.flow.release_unsold(order.owner, unused_t)

    def _block(self, intent: BlockIntent, report: DayReport) -> None:
        fill = Fill(intent.trade_id, "block", intent.buyer, intent.seller, self.product,
                    intent.quantity_t, intent.price_fen, intent.at)  # fmt: skip
        _, issues = record_trade(self.engine, self.jurisdiction, self.rules, fill, intent.at)
        if issues:
            report.refused += issues
            return
        report.blocks += 1
        report.block_t += intent.quantity_t
        if self.flow is not None:
            self.flow.observe_block(intent.buyer, intent.seller, intent.quantity_t)

    def _settle(self, day: date, at: datetime) -> None:
        run = settle_due(self.engine, self.jurisdiction, day, at)
        if run.failed:
            raise TanshiError(f"settlement failed on {day}: {run.failed}")

    def finish(self, after: date) -> None:
        """Settle what is still pending (T+1 block trades of the last day)."""
        day = self.rules.settlement_day(after, 1)
        self._settle(day, datetime.combine(day, time(9), self.zone))

    def store(self, day: date) -> None:
        rows = [command_row(self.venue.venue.code, day, seq, command, str(code), message)
                for seq, (command, code, message) in zip(
                    range(self.exchange.seq - len(self.log) + 1, self.exchange.seq + 1),
                    self.log, strict=True)]  # fmt: skip
        if rows:
            with self.engine.begin() as connection:
                connection.execute(exchange_commands.insert(), rows)
        self.log = []


def first_trading_moment(venue: Venue, day: date) -> datetime:
    """09:00 local on ``day`` (before the first session), for deposits and set-up."""
    return datetime.combine(day, time(9), ZoneInfo(venue.venue.timezone)) - timedelta(hours=1)
