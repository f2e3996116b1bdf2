"""``tanshi market`` commands on a database's own exchange: simulate the agents' trading,
replay a day from the stored command log, and the surveillance report."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import select

from tanshi.cli.common import fail, failed
from tanshi.cli.registry_ops import Db, moment_of, open_registry
from tanshi.core.errors import TanshiError
from tanshi.market.tape import Market
from tanshi.market.venues import Venue
from tanshi.resources import load_settlement_rules, load_venue, surveillance_rules, venue_ids
from tanshi.services.exchange_log import replay_stored
from tanshi.services.exchange_runs import simulate_days
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.market_data import exchange_tape
from tanshi.services.surveillance import surveillance_report
from tanshi.store.schema import settlements

VenueOption = Annotated[
    str | None,
    typer.Option("--venue", help="Venue file id (default: the rulebook's id, e.g. demo-province)."),
]


def jurisdiction_venue(jurisdiction: Jurisdiction, venue: str | None) -> Venue:
    chosen = venue or jurisdiction.rulebook.rulebook.id
    if chosen not in venue_ids():
        raise fail(f"no venue {chosen!r}; shipped: {', '.join(venue_ids())} (use --venue)", 2)
    return load_venue(chosen)


def exchange_trades(db: str, venue_id: str | None = None) -> tuple[list, str, Market]:
    """The tape of the database's own exchange (its allowance class with the most trades)."""
    engine, jurisdiction = open_registry(db)
    venue = jurisdiction_venue(jurisdiction, venue_id)
    best: tuple[list, str, Market] | None = None
    for product in venue.products:
        found = exchange_tape(engine, venue, product.code)
        if best is None or len(found[0]) > len(best[0]):
            best = found
    assert best is not None, "a venue lists at least one product"
    if not best[0]:
        raise fail(f"{venue.venue.code} has no trades yet; fill it with `tanshi market simulate "
                   "--db …` or `tanshi demo`", 1)  # fmt: skip
    return best


def simulate_exchange(
    db: str | None, venue_id: str | None, product: str | None, first: date, last: date, seed: int
) -> None:
    """``tanshi market simulate --db``: the agents trade the database's exchange."""
    engine, jurisdiction = open_registry(db)
    venue = jurisdiction_venue(jurisdiction, venue_id)
    rules = load_settlement_rules(jurisdiction.rulebook.rulebook.id)
    chosen = product or next(
        (p.code for p in venue.products if p.vintage == first.year - 1 or p.vintage == first.year),
        venue.products[0].code,
    )
    try:
        reports = simulate_days(engine, jurisdiction, venue, rules, chosen, first, last, seed)
    except TanshiError as error:
        raise failed(error, 1, "no day was traded") from error
    listed = sum(r.listed_t for r in reports)
    blocks = sum(r.block_t for r in reports)
    refused = Counter(issue.code for r in reports for issue in r.refused)
    closes = [r.close_fen for r in reports if r.close_fen is not None]
    typer.echo(
        f"{venue.venue.code} {chosen}: {len(reports)} trading days, "
        f"{sum(r.orders for r in reports):,} orders, {sum(r.fills for r in reports):,} fills "
        f"({listed:,} t), {sum(r.blocks for r in reports):,} block trades ({blocks:,} t), "
        "every trade settled against payment"
    )
    if closes:
        typer.echo(
            f"close {closes[0] / 100:.2f} on the first day, {closes[-1] / 100:.2f} on the last"
        )
    if refused:
        typer.echo("orders refused before the engine: " + ", ".join(
            f"{code} ×{count}" for code, count in sorted(refused.items())))  # fmt: skip


def register(app: typer.Typer) -> None:
    @app.command("replay")
    def replay_command(
        day: Annotated[str, typer.Option("--day", help="The trading day to replay.")],
        db: Db = None,
        venue: VenueOption = None,
    ) -> None:
        """Rebuild a trading day's books from the stored command log and check its fills
        against the trades that were settled; exits 1 if they differ."""
        try:
            when = date.fromisoformat(day)
        except ValueError as error:
            raise fail(f"--day {day!r} is not a date like 2017-06-09", 1) from error
        engine, jurisdiction = open_registry(db)
        chosen = jurisdiction_venue(jurisdiction, venue)
        exchange = replay_stored(engine, chosen, when)
        code = chosen.venue.code
        replayed = Counter(
            (e[3], e[4], e[5], e[6]) for e in exchange.events if e[0] == "fill"
        )  # price, quantity, buy order, sell order
        with engine.connect() as connection:
            rows = connection.execute(
                select(settlements.c.trade_id, settlements.c.price_fen_per_t,
                       settlements.c.quantity_units)
                .where(settlements.c.venue == "listed",
                       settlements.c.trade_id.like(f"{code}-%"))
            ).all()  # fmt: skip
        settled: Counter[tuple[int, int, int, int]] = Counter()
        for trade_id, price, quantity in rows:
            _, _, buy, sell = trade_id.split("-")
            key = (int(price), int(quantity), int(buy), int(sell))
            if key in replayed:
                settled[key] += 1
        typer.echo(
            f"{code} {when}: {exchange.seq:,} commands replayed, "
            f"{sum(replayed.values()):,} fills; digest {exchange.digest()[:16]}"
        )
        if settled != replayed:
            typer.echo("the replayed fills differ from the settled trades", err=True)
            raise typer.Exit(1)
        typer.echo("every replayed fill is a settled trade, and no settled trade is missing")

    @app.command("surveillance")
    def surveillance_command(
        db: Db = None,
        venue: VenueOption = None,
        on: Annotated[
            str | None,
            typer.Option("--on", help="Trading day of the report (positions at its end)."),
        ] = None,
    ) -> None:
        """Flags of one trading day for the surveillance desk: position limits and large
        holders at the day's end, suspected wash trades begun and orders at the daily price
        limit entered that day."""
        try:
            day = date.fromisoformat(on) if on else None
        except ValueError as error:
            raise fail(f"--on {on!r} is not a date like 2017-06-09", 1) from error
        engine, jurisdiction = open_registry(db)
        chosen = jurisdiction_venue(jurisdiction, venue)
        if day is None:  # today at the exchange (the demo's day on a demo database)
            day = moment_of(None, engine).astimezone(ZoneInfo(chosen.venue.timezone)).date()
        flags = surveillance_report(engine, jurisdiction.id, chosen, surveillance_rules(), day)
        for flag in flags:
            typer.echo(f"{flag.day}  {flag.kind:<24} {flag.account:<14} {flag.message}")
        counts = Counter(flag.kind for flag in flags)
        summary = ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items()))
        typer.echo(f"{len(flags)} flag(s)" + (f": {summary}" if summary else ""))
