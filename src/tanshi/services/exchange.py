"""The demo jurisdiction's exchange at work: agents' orders → reservations → the matching
engine → settlement (delivery versus payment) → registry, with the engine's command log
stored for replay.

One ``ExchangeSession`` runs a venue's listed book for one product over trading days.
Each order first reserves the seller's units or the buyer's funds
(``services.reservations``); only an order whose reservation was accepted reaches the
engine, and only what reached the engine is logged (``exchange_commands``). Each fill
event becomes a settlement ``Fill`` recorded against the two orders' reservations; an
order's end (filled, cancelled, IOC remainder, expired) gives back what it did not use.
Block trades are recorded for settlement directly (reserved at trade time, T+1).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.core.moments import from_store, to_utc
from tanshi.market.closing import TradePrint, closing_price_fen
from tanshi.market.events import (
    AmendOrder,
    CancelOrder,
    Command,
    Exchange,
    ExpireOrders,
    NewOrder,
    SetPhase,
    SetReference,
    replay,
    session_commands,
)
from tanshi.market.orders import BUY, Phase, Side, TimeInForce
from tanshi.market.settlement import Fill, funds_needed
from tanshi.market.settlement_rules import SettlementRules
from tanshi.market.venues import Venue, book_key, is_trading_day, schedule, venue_books
from tanshi.resources import agent_targets
from tanshi.rulebook import rules_in_force
from tanshi.scenario.exchange_agents import (
    Agent,
    AgentFlow,
    AgentKind,
    BlockIntent,
    CancelIntent,
    Intent,
    OrderIntent,
    compliance_agents,
    market_agents,
    trading_window,
)
from tanshi.scenario.market_plan import Behaviour, Need, choose_behaviour
from tanshi.services import cash, reservations
from tanshi.services.jurisdiction import Jurisdiction, open_trading_account, operator_account_code
from tanshi.services.registry import balance
from tanshi.services.settlement import record_trade, settle_due
from tanshi.store.schema import (
    accounts,
    companies,
    compliance_results,
    emission_reports,
    exchange_commands,
    funds_reservations,
    unit_classes,
)

Progress = Callable[[str, int, int], None]


def _quiet(_step: str, _done: int, _total: int) -> None:
    return None


@dataclass
class _Open:
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
        last_seq, last_order = _stored_state(engine, venue.venue.code)
        self.exchange.seq = last_seq
        self.next_order_id = last_order + 1
        last_close = _last_close(engine, venue, self.key)
        if last_close is not None:
            self.references[self.key] = last_close
            self.exchange.books[self.key].set_reference(last_close)
        if flow is not None:
            flow.next_order_id = max(flow.next_order_id, self.next_order_id)
        self.open: dict[int, _Open] = {}
        self.log: list[Command] = []
        self.seen = 0

    # -- set-up ------------------------------------------------------------------------

    def fund(self, agents: Iterable[Agent], at: datetime, tag: str) -> None:
        """Open the market agents' trading accounts and pay every agent's deposit in."""
        for agent in agents:
            if agent.kind in (AgentKind.SPECULATOR, AgentKind.MARKET_MAKER):
                open_trading_account(self.engine, agent.account, f"{agent.kind.value} (synthetic)")
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
                self._order(item, report)
            elif isinstance(item, CancelIntent):
                if item.order_id in self.open:
                    self._apply(CancelOrder(item.at, self.key, item.order_id, item.owner))
            else:
                self._apply(item)
            for event in self._new_events():
                if event[0] == "fill":
                    self._fill(event, at, report)
                    prints.append((at, event[3], event[4]))
                elif event[0] == "cancelled":
                    self._ended(event[3], event[4], at)
                elif event[0] == "uncrossed" and at.astimezone(self.zone).time() >= time(14, 0):
                    closing_call = event[3]
        close = closing_price_fen(self.venue.closing, prints, reference, changes[-1][0],
                                  closing_call)  # fmt: skip
        self.references[self.key] = close
        report.close_fen = close
        self._store(day)
        return report

    def _new_events(self) -> list[tuple]:
        events = self.exchange.events[self.seen :]
        self.seen = len(self.exchange.events)
        return events

    def _apply(self, command: Command) -> None:
        self.exchange.apply(command)
        self.log.append(command)

    def _order(self, intent: OrderIntent, report: DayReport) -> None:
        book = self.exchange.books[self.key]
        key = f"order/{self.venue.venue.code}/{intent.order_id}"
        if intent.side == BUY:
            price = intent.price_fen if intent.price_fen is not None else book.upper_fen
            needed = funds_needed(self.rules, "listed", intent.at.astimezone(self.zone).date(),
                                  intent.quantity_t, price)  # fmt: skip
            assert needed is not None, "the settlement rules need a listed fee rule"
            _, issues = reservations.reserve_funds(
                self.engine, self.jurisdiction, intent.owner, needed, key, intent.at
            )
        else:
            _, issues = reservations.reserve_units(
                self.engine, self.jurisdiction, intent.owner, self.product, intent.quantity_t,
                key, intent.at,
            )  # fmt: skip
        if issues:
            report.refused += issues
            if self.flow is not None and intent.side != BUY:
                self.flow.release_unsold(intent.owner, intent.quantity_t)
            return
        report.orders += 1
        self.open[intent.order_id] = _Open(intent.owner, intent.side, intent.quantity_t)
        self._apply(NewOrder(intent.at, self.key, intent.order_id, intent.owner,
                             Side(intent.side), intent.quantity_t, intent.price_fen,
                             TimeInForce(intent.time_in_force)))  # fmt: skip
        rejected = [e for e in self.exchange.events[self.seen :] if e[0] == "rejected"]
        if rejected:  # the engine refused it: nothing trades, give the reservation back
            report.refused.append(Issue(str(rejected[0][4]), "the engine refused the order", key))
            self._ended(intent.order_id, intent.quantity_t, intent.at)

    def _fill(self, event: tuple, at: datetime, report: DayReport) -> None:
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
                self._ended(order_id, 0, at)

    def _ended(self, order_id: int, unused_t: int, at: datetime) -> None:
        """An order left the book: give back its unused units, or its unused funds."""
        order = self.open.pop(order_id, None)
        if order is None:
            return
        code = self.venue.venue.code
        key, release = f"order/{code}/{order_id}", f"order/{code}/{order_id}/done"
        if order.side == BUY:
            with self.engine.connect() as connection:
                left = connection.execute(
                    select(funds_reservations.c.open_fen).where(
                        funds_reservations.c.idempotency_key == key
                    )
                ).scalar_one()
            if left:
                _, issues = reservations.release_funds(
                    self.engine, self.jurisdiction, key, None, release, at
                )
                assert not issues, issues
        elif unused_t:
            _, issues = reservations.release_units(
                self.engine, self.jurisdiction, key, unused_t, release, at
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

    def _store(self, day: date) -> None:
        rows = [_row(self.venue.venue.code, day, seq, command)
                for seq, command in zip(
                    range(self.exchange.seq - len(self.log) + 1, self.exchange.seq + 1),
                    self.log, strict=True)]  # fmt: skip
        if rows:
            with self.engine.begin() as connection:
                connection.execute(exchange_commands.insert(), rows)
        self.log = []


def _row(venue: str, day: date, seq: int, command: Command) -> dict:
    row = dict(venue=venue, seq=seq, trading_day=day, at=to_utc(command.at),
               kind=type(command).__name__, product=command.product, order_id=None, owner=None,
               side=None, quantity_t=None, price_fen=None, time_in_force=None, phase=None,
               reference_fen=None)  # fmt: skip
    if isinstance(command, NewOrder):
        row.update(order_id=command.order_id, owner=command.owner, side=int(command.side),
                   quantity_t=command.quantity_t, price_fen=command.price_fen,
                   time_in_force=int(command.time_in_force))  # fmt: skip
    elif isinstance(command, CancelOrder):
        row.update(order_id=command.order_id, owner=command.owner)
    elif isinstance(command, AmendOrder):
        row.update(order_id=command.order_id, owner=command.owner, price_fen=command.price_fen,
                   quantity_t=command.quantity_t)  # fmt: skip
    elif isinstance(command, SetPhase):
        row.update(phase=Phase(command.phase).value)
    elif isinstance(command, SetReference):
        row.update(reference_fen=command.reference_fen)
    return row


def _command(row) -> Command:
    at = from_store(row.at)
    match row.kind:
        case "NewOrder":
            return NewOrder(at, row.product, int(row.order_id), row.owner, Side(row.side),
                            int(row.quantity_t),
                            None if row.price_fen is None else int(row.price_fen),
                            TimeInForce(row.time_in_force))  # fmt: skip
        case "CancelOrder":
            return CancelOrder(at, row.product, int(row.order_id), row.owner)
        case "AmendOrder":
            return AmendOrder(at, row.product, int(row.order_id), row.owner,
                              int(row.price_fen), int(row.quantity_t))  # fmt: skip
        case "SetPhase":
            return SetPhase(at, row.product, Phase(row.phase))
        case "SetReference":
            reference = None if row.reference_fen is None else int(row.reference_fen)
            return SetReference(at, row.product, reference)
        case _:
            return ExpireOrders(at, row.product)


def stored_log(engine: Engine, venue: str, day: date | None = None) -> list[Command]:
    """The commands the venue's engine applied (of one trading day), in log order."""
    query = select(exchange_commands).where(exchange_commands.c.venue == venue)
    if day is not None:
        query = query.where(exchange_commands.c.trading_day == day)
    with engine.connect() as connection:
        return [
            _command(row) for row in connection.execute(query.order_by(exchange_commands.c.seq))
        ]


def replay_stored(engine: Engine, venue: Venue, day: date | None = None) -> Exchange:
    """The books rebuilt from the stored log (of one day: day orders start each day empty)."""
    rules, references = venue_books(venue)
    return replay(rules, stored_log(engine, venue.venue.code, day), references)


def traded_days(engine: Engine, venue: str) -> tuple[date, date] | None:
    """The first and last trading day in the venue's stored log, if any."""
    with engine.connect() as connection:
        first, last = connection.execute(
            select(func.min(exchange_commands.c.trading_day),
                   func.max(exchange_commands.c.trading_day))
            .where(exchange_commands.c.venue == venue)
        ).one()  # fmt: skip
    return None if first is None else (first, last)


def _stored_state(engine: Engine, venue: str) -> tuple[int, int]:
    """The last seq and the highest order id of the venue's stored log."""
    with engine.connect() as connection:
        seq, order = connection.execute(
            select(func.max(exchange_commands.c.seq), func.max(exchange_commands.c.order_id))
            .where(exchange_commands.c.venue == venue)
        ).one()  # fmt: skip
    return int(seq or 0), int(order or 0)


def close_of_day(venue: Venue, key: str, commands: list[Command], reference_fen: int) -> int:
    """A day's close of book ``key``, from that day's commands replayed on empty books
    (day orders leave each day's books empty): the closing call's price, else the rule's."""
    rules, references = venue_books(venue)
    exchange = replay(rules, commands, references)
    zone = ZoneInfo(venue.venue.timezone)
    prints: list[TradePrint] = []
    closing_call = None
    for event in exchange.events:
        at = commands[event[1] - 1].at
        if event[0] == "fill" and event[2] == key:
            prints.append((at, event[3], event[4]))
        elif event[0] == "uncrossed" and event[2] == key and at.astimezone(zone).time() >= time(14):
            closing_call = event[3]
    end = max((c.at for c in commands), default=None)
    if end is None:
        return reference_fen
    return closing_price_fen(venue.closing, prints, reference_fen, end, closing_call)


def _last_close(engine: Engine, venue: Venue, key: str) -> int | None:
    """The close of the last day in the stored log, or None without one."""
    logged = traded_days(engine, venue.venue.code)
    if logged is None:
        return None
    commands = stored_log(engine, venue.venue.code, logged[1])
    reference = next((c.reference_fen for c in commands
                      if isinstance(c, SetReference) and c.product == key), None)  # fmt: skip
    if reference is None:
        return None
    return close_of_day(venue, key, commands, reference)


def first_trading_moment(venue: Venue, day: date) -> datetime:
    """09:00 local on ``day`` (before the first session), for deposits and set-up."""
    return datetime.combine(day, time(9), ZoneInfo(venue.venue.timezone)) - timedelta(hours=1)


@dataclass
class DemoExchange:
    """The demo's exchange: its session, its agents and what the days did."""

    session: ExchangeSession
    days: list[date]
    progress: Progress
    reports: list[DayReport] = field(default_factory=list)

    @classmethod
    def open(
        cls, engine: Engine, jurisdiction: Jurisdiction, venue: Venue, rules: SettlementRules,
        product: str, needs: list[Need], behaviour: dict[str, Behaviour],
        accounts: dict[str, str], first: date, deadline: date, seed: int,
        progress: Progress = _quiet,
    ) -> DemoExchange:  # fmt: skip
        """Agents from the companies' positions plus the market agents, funded, ready."""
        targets = agent_targets()
        listing = venue.product(product)
        if listing is None or listing.reference_cny_per_t is None:
            raise TanshiError(f"venue {venue.venue.code} does not list {product} with a price")
        reference = int(listing.reference_cny_per_t * 100)
        agents = compliance_agents(needs, behaviour, accounts, reference, targets)
        agents += market_agents(jurisdiction.code, targets)
        days = trading_window(venue, first, deadline, targets)
        flow = AgentFlow(seed, agents, targets, venue, product, book_key(venue, product), days,
                         deadline)  # fmt: skip
        session = ExchangeSession(engine, jurisdiction, venue, rules, product, flow)
        session.fund(agents, first_trading_moment(venue, first), f"{venue.venue.code}/{first}")
        return cls(session, days, progress)

    def run(self, days: list[date]) -> None:
        for index, day in enumerate(days, start=1):
            self.reports.append(self.session.run_day(day))
            self.progress(f"exchange {day:%Y-%m}", index, len(days))

    def finish(self) -> None:
        if self.reports:
            self.session.finish(self.reports[-1].day)


def positions(engine: Engine, jurisdiction: Jurisdiction, unit_class: str, year: int) -> list[Need]:
    """Each company's position in ``unit_class`` as the registry and MRV know it now.

    Held: the units in its operator account. Owed: its verified emissions of ``year`` in
    whole tonnes (rounded up), or nothing once compliance for ``year`` has been computed
    (what is left is then surplus). A company with neither is left out.
    """
    with engine.connect() as connection:
        class_id = connection.execute(
            select(unit_classes.c.id).where(unit_classes.c.code == unit_class)
        ).scalar()
        done = connection.execute(
            select(func.count()).select_from(compliance_results)
            .where(compliance_results.c.year == year)
        ).scalar_one() > 0  # fmt: skip
        rows = connection.execute(
            select(companies.c.code, accounts.c.id)
            .join(accounts, accounts.c.company_id == companies.c.id)
            .where(companies.c.jurisdiction_id == jurisdiction.id)
            .order_by(companies.c.code)
        ).all()
        verified = dict(
            connection.execute(
                select(companies.c.code, emission_reports.c.verified_kg)
                .join(companies, companies.c.id == emission_reports.c.company_id)
                .where(emission_reports.c.year == year,
                       emission_reports.c.verified_kg.is_not(None))
            ).all()
        )  # fmt: skip
        needs = []
        for company, account in rows:
            held = 0 if class_id is None else balance(connection, account, class_id)
            if done:
                owed = 0
            elif company in verified:
                owed = -(-int(verified[company]) // 1000)
            else:
                continue
            if held or owed:
                needs.append(Need(company, held, owed))
    return needs


def simulate_days(
    engine: Engine, jurisdiction: Jurisdiction, venue: Venue, rules: SettlementRules,
    product: str, start: date, end: date, seed: int, progress: Progress = _quiet,
) -> list[DayReport]:  # fmt: skip
    """Fill the exchange of a demo database with the agents' trading from ``start`` to
    ``end``: compliance agents from the companies' positions (``positions``) until ten days
    before the deadline of the product's vintage, speculators and the market maker on
    every trading day. A day already in the exchange's log is refused: trading it again
    would double its trades.
    """
    if not jurisdiction.is_demo:
        raise TanshiError(
            f"{jurisdiction.code} is not a demo jurisdiction; synthetic agents trade only in a "
            "demo database (make one with `tanshi demo`)"
        )
    if start > end:
        raise TanshiError(f"--from {start} is after --to {end}; give a start before the end")
    logged = traded_days(engine, venue.venue.code)
    if logged is not None and start <= logged[1]:
        raise TanshiError(
            f"the {venue.venue.code} log already holds {logged[0]} to {logged[1]}; a day trades "
            f"once (running it again would double its trades): give --from after {logged[1]}"
        )
    listing = venue.product(product)
    if listing is None:
        codes = ", ".join(p.code for p in venue.products)
        raise TanshiError(f"{venue.venue.code} does not list {product}; it lists {codes}")
    targets = agent_targets()
    in_force = rules_in_force(jurisdiction.rulebook, listing.vintage)
    deadline = in_force.compliance.surrender_deadline(listing.vintage)
    stop = timedelta(days=targets.whole("last_trading_days_before_deadline"))
    if start > deadline - stop:  # after the deadline the holders sell banked surplus
        deadline = end + stop
    needs = positions(engine, jurisdiction, product, listing.vintage)
    behaviour = choose_behaviour(random.Random(f"tanshi-simulate:{seed}"), needs, Decimal(0))
    accounts_of = {n.company: operator_account_code(jurisdiction.code, n.company) for n in needs}
    session = ExchangeSession(engine, jurisdiction, venue, rules, product, None)
    reference = session.references[session.key]
    if reference is None:
        raise TanshiError(f"{product} has no listing price on {venue.venue.code}")
    agents = compliance_agents(needs, behaviour, accounts_of, reference, targets)
    agents += market_agents(jurisdiction.code, targets)
    window = [d for d in trading_window(venue, start, deadline, targets) if d <= end]
    session.flow = AgentFlow(seed, agents, targets, venue, product, session.key, window,
                             deadline)  # fmt: skip
    session.flow.next_order_id = session.next_order_id
    session.fund(agents, first_trading_moment(venue, start), f"{venue.venue.code}/{start}")
    days = [d for d in _days(start, end) if is_trading_day(venue, d)]
    reports = []
    for index, day in enumerate(days, start=1):
        reports.append(session.run_day(day))
        progress(f"exchange {day:%Y-%m}", index, len(days))
    if reports:
        session.finish(reports[-1].day)
    return reports


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
