"""The demo's auction: part of the reserve sold through the bid book during the season.

On the first trading day 60 days or less before the surrender deadline the regulator's auction,
announced two weeks before, takes sealed bids from 13:00 to 15:00; the companies that still
want most on the exchange bid (``scenario.market_plan.plan_bids``, its own seeded generator so the
demo's other draws stay the same), paying their bids' value in through the settlement bank
first, as the exchange's agents do. After the close it is cleared and delivered (a registry
entry, booked after the journal's latest), and the exchange's agents want that much less.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, func, select

from tanshi.core.errors import TanshiError
from tanshi.market.venues import is_trading_day
from tanshi.rulebook import rules_in_force
from tanshi.scenario.exchange_agents import AgentKind
from tanshi.scenario.market_plan import plan_bids
from tanshi.services import bid_book, cash
from tanshi.services.auction import auction_terms
from tanshi.services.bid_book_clearing import clear_book
from tanshi.services.exchange_runs import DemoExchange
from tanshi.services.jurisdiction import Jurisdiction, operator_account_code
from tanshi.store.engine import reader
from tanshi.store.schema import auction_awards, auctions, companies

BY = "demo"  # who announced and bid: the demo's runner, before its users exist


@dataclass(frozen=True, slots=True)
class DemoAuction:
    """What the demo's auction did, for the report."""

    code: str
    held_on: date
    bidders: int
    bid_t: int
    sold_t: int
    clearing_price_per_t: Decimal | None
    awarded_t: dict[str, int]


def auction_day(exchange: DemoExchange, deadline: date) -> date | None:
    """The first of the exchange's days 60 days or less before the deadline, if any."""
    wanted = deadline - timedelta(days=60)
    day = next((d for d in exchange.days if d >= wanted), None)
    return day if day is not None and is_trading_day(exchange.session.venue, day) else None


def hold(
    exchange: DemoExchange, jurisdiction: Jurisdiction, year: int, day: date, seed: int,
    at: Callable[[date, int], datetime], after_journal: Callable[[datetime], datetime],
) -> DemoAuction | None:  # fmt: skip
    """Announce, bid, clear and deliver the demo's auction of ``year`` on ``day``; None when
    the rulebook has no auction rule then or the bids would not ask more than the volume."""
    if rules_in_force(jurisdiction.rulebook, year).auction is None:
        return None
    engine, session, flow = exchange.session.engine, exchange.session, exchange.session.flow
    assert flow is not None, "the demo's exchange runs its agents"
    terms = auction_terms(jurisdiction.rulebook, year)
    prefix = operator_account_code(jurisdiction.code, "")
    wants = {
        account[len(prefix) :]: flow.still_wants(account)
        for account, kind in flow.kind.items()
        if kind is AgentKind.COMPLIANCE_BUYER and account.startswith(prefix)
    }
    close = session.references[session.key]
    assert close is not None, "the demo's exchange traded"
    bids = plan_bids(random.Random(f"tanshi-demo-auction:{seed}"), wants,
                     Decimal(close) / 100, lot_t=terms.lot_size_t,
                     limit_t=terms.purchase_limit_t, reserve_per_t=terms.reserve_price_per_t)  # fmt: skip
    if sum(bid.quantity_t for bid in bids) <= terms.volume_t:
        # Too few companies still short (the 15% limit needs seven to ask the whole volume):
        # an auction then clears at the reserve price and rolls most of it over, so a small
        # demo holds none.
        return None
    code = f"{jurisdiction.code}-{year}-A1"
    opens, closes = at(day, 13), at(day, 15)
    notice, issues = bid_book.announce(
        engine, jurisdiction, code=code, year=year, auction_on=day, opens_at=opens,
        closes_at=closes, now=at(day - timedelta(days=14), 10), by=BY,
    )  # fmt: skip
    if notice is None:
        raise TanshiError(f"the demo's auction could not be announced: {issues}")
    currency = jurisdiction.rulebook.rulebook.currency
    owed: dict[str, int] = {}
    for planned in bids:
        owed[planned.company] = owed.get(planned.company, 0) + int(
            planned.price_per_t * 100 * planned.quantity_t
        )
    for company, fen in sorted(owed.items()):
        outcome = cash.transfer_with_bank(
            engine, jurisdiction.code, currency, prefix + company, fen,
            f"auction/{code}/deposit/{company}", opens - timedelta(minutes=30), deposit=True,
        )  # fmt: skip
        if not outcome.ok:
            raise TanshiError(f"deposit for {company}'s bids refused: {outcome.issues}")
    for index, planned in enumerate(bids):
        _, problems = bid_book.submit_bid(
            engine, jurisdiction, code, planned.company, planned.price_per_t,
            planned.quantity_t, key=f"demo/auction/{code}/bid/{index + 1}",
            now=opens + timedelta(minutes=index), by=BY,
        )  # fmt: skip
        if problems:
            raise TanshiError(f"the demo's bid {planned} was refused: {problems}")
    cleared, problems = clear_book(engine, jurisdiction, code, seed=seed,
                                   now=after_journal(closes + timedelta(minutes=30)))  # fmt: skip
    if cleared is None:
        raise TanshiError(f"the demo's auction could not be cleared: {problems}")
    awarded, price = _awards(engine, jurisdiction, code)
    for company, quantity in awarded.items():
        flow.observe_auction(prefix + company, quantity)
    return DemoAuction(code, day, len(owed), sum(b.quantity_t for b in bids),
                       sum(awarded.values()), price, awarded)  # fmt: skip


def _awards(
    engine: Engine, jurisdiction: Jurisdiction, code: str
) -> tuple[dict[str, int], Decimal | None]:
    """Company → tonnes awarded in auction ``code``, and its clearing price."""
    with reader(engine).connect() as connection:
        price = connection.execute(
            select(auctions.c.clearing_price_hundredths).where(
                auctions.c.jurisdiction_id == jurisdiction.id, auctions.c.code == code)
        ).scalar()  # fmt: skip
        rows = connection.execute(
            select(companies.c.code, func.sum(auction_awards.c.awarded_units))
            .join(companies, companies.c.id == auction_awards.c.company_id)
            .join(auctions, auctions.c.id == auction_awards.c.auction_id)
            .where(auctions.c.jurisdiction_id == jurisdiction.id, auctions.c.code == code)
            .group_by(companies.c.code).order_by(companies.c.code)
        ).all()  # fmt: skip
    awarded = {company: int(quantity) for company, quantity in rows}
    return awarded, None if price is None else Decimal(int(price)) / 100
