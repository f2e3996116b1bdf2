"""Runs of the exchange: the demo's year, and ``tanshi market simulate --db`` on a demo
database (agents from the registry's positions)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Engine, func, select

from tanshi.core.errors import TanshiError
from tanshi.market.settlement_rules import SettlementRules
from tanshi.market.venues import Venue, book_key, is_trading_day
from tanshi.resources import agent_targets
from tanshi.rulebook import rules_in_force
from tanshi.scenario.agent_flow import AgentFlow
from tanshi.scenario.exchange_agents import compliance_agents, market_agents, trading_window
from tanshi.scenario.market_plan import Behaviour, Need, choose_behaviour
from tanshi.services.exchange import (
    DayReport,
    ExchangeSession,
    Progress,
    first_trading_moment,
    quiet,
)
from tanshi.services.exchange_log import traded_days
from tanshi.services.jurisdiction import Jurisdiction, operator_account_code
from tanshi.services.registry import balance
from tanshi.store.engine import reader
from tanshi.store.schema import (
    accounts,
    companies,
    compliance_results,
    emission_reports,
    unit_classes,
)


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
        progress: Progress = quiet,
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
    with reader(engine).connect() as connection:
        class_id = connection.execute(
            select(unit_classes.c.id).where(unit_classes.c.code == unit_class)
        ).scalar()
        done = connection.execute(
            select(func.count()).select_from(compliance_results)
            .join(companies, companies.c.id == compliance_results.c.company_id)
            .where(companies.c.jurisdiction_id == jurisdiction.id,
                   compliance_results.c.year == year)
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
                .where(companies.c.jurisdiction_id == jurisdiction.id,
                       emission_reports.c.year == year,
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
    product: str, start: date, end: date, seed: int, progress: Progress = quiet,
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
