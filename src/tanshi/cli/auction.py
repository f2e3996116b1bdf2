"""``tanshi auction run``: clear a sealed-bid auction from a bid file, and deliver it; the bid
book's commands (announce, bid, withdraw, close, book) are in ``auction_book``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tanshi.auction import AuctionResult, parse_bids, parse_guarantees
from tanshi.auction.bids import bid_line
from tanshi.cli import auction_book
from tanshi.cli.common import fail, failed, problems_of, refused, say_problems, wide_console
from tanshi.cli.registry_ops import moment_of, open_registry
from tanshi.core.errors import RulebookInvalid, TanshiError
from tanshi.core.issues import FILE_LINE, Issue, Severity
from tanshi.resources import load_rulebook
from tanshi.services.auction import (
    auction_terms,
    carry_over_now,
    deliver_auction,
    run_auction,
)
from tanshi.services.mrv import company_sectors

auction_app = typer.Typer(help="Primary-market auctions of allowances.", no_args_is_help=True)
auction_book.register(auction_app)

EXAMPLES = resources.files("tanshi") / "data" / "auctions"


def _read(path: str, what: str) -> tuple[str, str]:
    """A file's text, or a shipped example's (``kr-kets-bids.csv``); exits 2 if neither."""
    file = Path(path)
    if not file.exists() and (EXAMPLES / path).is_file():
        return (EXAMPLES / path).read_text(encoding="utf-8"), path
    try:
        return file.read_text(encoding="utf-8"), path
    except (OSError, UnicodeDecodeError) as error:
        examples = sorted(item.name for item in EXAMPLES.iterdir() if item.name.endswith(".csv"))
        raise fail(
            f"cannot read the {what} {path}: {error}; give a UTF-8 CSV file or a shipped "
            f"example ({', '.join(examples)})",
            2,
        ) from error


def _at_lines(issues: Iterable[Issue], origin: str) -> list[Issue]:
    """Problems about a bid located at its line of the bid file (``kr-kets-bids.csv:15``), as
    the file's parse errors are: a bid's id is its line (``line-15``, ``auction.bids``)."""
    located = []
    for issue in issues:
        line = bid_line(issue.where)
        located.append(issue if line is None else replace(
            issue, where=FILE_LINE.format(file=origin, line=line), where_template=FILE_LINE,
            where_params=(("file", origin), ("line", str(line))),
        ))  # fmt: skip
    return located


def _failed(error: TanshiError, code: int, origin: str) -> typer.Exit:
    """``failed``, its problems about bids at their lines of the bid file (``_at_lines``)."""
    problems = problems_of(error)
    if problems:
        return refused(_at_lines(problems, origin), "nothing was cleared", code)
    return failed(error, code, "nothing was cleared")


def _price(text: str | None) -> Decimal | None:
    """The ``--reserve-price`` given, or None; exits 2 unless it is a price of 0 or more."""
    if text is None:
        return None
    try:
        price = Decimal(text.strip())
    except InvalidOperation:
        price = None
    if price is None or not price.is_finite() or price < 0:
        raise fail(
            f"--reserve-price {text!r} must be a price of 0 or more per tonne in the rulebook's "
            "currency, e.g. --reserve-price 25000",
            2,
        )
    return price


def _volume(volume: int | None) -> int | None:
    """The ``--volume`` given, or None; exits 2 unless it is a positive number of tonnes."""
    if volume is not None and volume <= 0:
        raise fail(
            f"--volume {volume} must be the tonnes offered, more than 0, e.g. --volume 500000", 2
        )
    return volume


@auction_app.command("run")
def run(
    bidfile: Annotated[
        str,
        typer.Argument(help="CSV bid file (bidder,price_per_t,quantity_t) or a shipped example"),
    ],
    rulebook: Annotated[str, typer.Option("--rulebook", help="Preset id or rulebook .toml file.")],
    year: Annotated[int, typer.Option("--year", help="The year whose [[auction]] rule applies.")],
    seed: Annotated[int, typer.Option(help="Seed of the random order that breaks ties.")] = 0,
    volume: Annotated[
        int | None,
        typer.Option(help="Tonnes offered, > 0 (default: the rule's volume_per_auction_t)."),
    ] = None,
    reserve_price: Annotated[
        str | None,
        typer.Option(
            "--reserve-price", help="Reserve price per tonne, >= 0 (default: the rule's)."
        ),
    ] = None,
    guarantees: Annotated[
        str | None, typer.Option(help="CSV file bidder,guarantee of the bid guarantees lodged.")
    ] = None,
    deliver: Annotated[
        bool,
        typer.Option(
            help="Deliver the awards through the registry of the database and record the "
            "auction (adds the volume earlier auctions rolled over and no one claims)."
        ),
    ] = False,
    code: Annotated[str | None, typer.Option(help="Auction code when delivering.")] = None,
    db: Annotated[str | None, typer.Option("--db", help="SQLite path or database URL.")] = None,
    at: Annotated[str | None, typer.Option(help="Deliver as of this ISO moment.")] = None,
) -> None:
    """Clear a uniform-price sealed-bid auction and print the price and the awards."""
    bids_text, origin = _read(bidfile, "bid file")
    bids, issues = parse_bids(bids_text, origin)
    lodged = None
    if guarantees is not None:
        text, name = _read(guarantees, "guarantee file")
        lodged, more = parse_guarantees(text, name)
        issues += more
    price = _price(reserve_price)
    volume = _volume(volume)
    if issues:
        raise refused(issues, "nothing was cleared")
    try:
        if not deliver:
            book, _ = load_rulebook(rulebook)
            terms = auction_terms(book, year, volume_t=volume, reserve_price_per_t=price)
            result = run_auction(terms, bids, lodged, seed)
            _print(result, book.rulebook.currency, carried_in=0, origin=origin)
            return
        engine, jurisdiction = open_registry(db)
        try:
            book = jurisdiction.rulebook
            if rulebook not in (book.rulebook.id, f"{book.rulebook.id}.toml"):
                raise TanshiError(
                    f"the database runs {book.rulebook.id}, not {rulebook}; deliveries use "
                    "the rulebook stored with the jurisdiction"
                )
            carried = carry_over_now(engine, jurisdiction).carried_in_t
            terms = auction_terms(
                book, year, volume_t=volume, reserve_price_per_t=price, carried_in_t=carried
            )
            result = run_auction(terms, bids, lodged, seed, company_sectors(engine, jurisdiction))
            _print(result, book.rulebook.currency, carried_in=carried, origin=origin)
            name = code or f"{year}-{hashlib.sha256(bids_text.encode()).hexdigest()[:8]}"
            held = deliver_auction(
                engine, jurisdiction, result, code=name, year=year, now=moment_of(at, engine),
                carried_in_t=carried, bids_text=bids_text, guarantees=lodged,
            )  # fmt: skip
            if held.carried_in_t != carried:  # another auction recorded or claimed meanwhile
                typer.echo(f"the roll-over changed while delivering: cleared again with "
                           f"{held.carried_in_t:,} t carried in")  # fmt: skip
                _print(held.result, book.rulebook.currency, carried_in=held.carried_in_t,
                       origin=origin)  # fmt: skip
            say_problems(_at_lines(held.notes, origin), note=True)
            typer.echo(
                f"auction {name}: delivered to {len(held.transactions)} bidder(s) through the "
                "registry"
            )
        finally:
            engine.dispose()
    except RulebookInvalid as error:
        raise failed(error, 2, "nothing was cleared") from error
    except TanshiError as error:
        raise _failed(error, 1, origin) from error


def _print(result: AuctionResult, currency: str, *, carried_in: int, origin: str) -> None:
    terms = result.terms
    carried = f" (incl. {carried_in:,} t rolled over)" if carried_in else ""
    typer.echo(
        f"offered {terms.volume_t:,} t{carried}; reserve price {terms.reserve_price_per_t} "
        f"{currency}/t; per-bidder limit {terms.purchase_limit_t:,} t; lots of {terms.lot_size_t} t"
    )
    price = result.clearing_price_per_t
    typer.echo(
        f"clearing price: {'none (nothing sold)' if price is None else f'{price} {currency}/t'}"
    )
    typer.echo(
        f"sold {result.sold_t:,} t, unsold {result.unsold_t:,} t ({terms.unsold.replace('_', ' ')}), "
        f"proceeds {result.proceeds:,} {currency}"
    )
    table = Table(title="Awards")
    for column in ("bidder", "bid", "price", "bid t", "accepted t", "awarded t"):
        table.add_column(column, justify="left" if column in ("bidder", "bid") else "right")
    for award in result.awards:
        table.add_row(
            award.bid.bidder, award.bid.bid_id, str(award.bid.price_per_t),
            f"{award.bid.quantity_t:,}", f"{award.accepted_t:,}", f"{award.awarded_t:,}",
        )  # fmt: skip
    wide_console().print(table)
    warnings = (i for i in result.issues if i.severity is Severity.WARNING)
    say_problems(_at_lines(warnings, origin), note=True)
