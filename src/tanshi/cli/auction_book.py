"""``tanshi auction announce|bid|withdraw|close|cancel|book``: the bid book from the command line.

The command line is the database operator's: it bids for any company (as the compliance
officer's or trader's web and API requests do for theirs). Every command acts now unless
``--at`` gives another moment; writes take a ``--key`` so a retry acts once. Moments are
printed on the jurisdiction's clock with its zone named, as the web shows them; refusals
in the problem shape of every command (cli/docs.md, "Problems"), each at the option typed
(``--price``, ``--reserve-price``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from rich.table import Table

from tanshi.cli.common import fail, failed, refused, wide_console
from tanshi.cli.registry_ops import At, Db, moment_of, open_registry
from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.core.moments import zoned
from tanshi.services import bid_book, bid_book_cancel, bid_book_clearing, bid_book_reads

Key = Annotated[str, typer.Option("--key", help="Idempotency key: the same key acts once.")]


def _price(text: str, option: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        raise fail(f"{option} {text!r} must be a price of 0 or more, e.g. 25.50", 2)
    return value


def _moment(text: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise fail(f"{option} {text!r}: give an ISO moment with its UTC offset, e.g. "
                   "2017-03-01T09:00+08:00", 2)  # fmt: skip
    return moment


def _done(what: str, issues: list[Issue]) -> None:
    if issues:
        raise refused(issues)
    typer.echo(what)


def announce(
    code: Annotated[str, typer.Argument(help="The auction's own code, e.g. 2016-3.")],
    year: Annotated[int, typer.Option(help="The year whose [[auction]] rule applies.")],
    on: Annotated[str, typer.Option("--on", help="The auction day, e.g. 2017-03-01.")],
    opens: Annotated[str, typer.Option(help="The bidding window opens (ISO with offset).")],
    closes: Annotated[str, typer.Option(help="And closes (exclusive).")],
    volume: Annotated[int | None, typer.Option(help="Tonnes offered (default: the rule's).")] = None,
    reserve_price: Annotated[str | None, typer.Option("--reserve-price",
                             help="Reserve price per tonne (default: the rule's).")] = None,
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Announce an auction with its bidding window; the volume adds what the last rolled over."""
    try:
        day = date.fromisoformat(on)
    except ValueError as error:
        raise fail(f"--on {on!r} is not a date such as 2017-03-01", 2) from error
    if volume is not None and volume <= 0:
        raise fail(f"--volume {volume} must be the tonnes offered, more than 0", 2)
    price = None if reserve_price is None else _price(reserve_price, "--reserve-price")
    window = _moment(opens, "--opens"), _moment(closes, "--closes")
    engine, place = open_registry(db)
    try:
        _id, issues = bid_book.announce(
            engine, place, code=code, year=year, auction_on=day, opens_at=window[0],
            closes_at=window[1], now=moment_of(at, engine), by="cli", volume_t=volume,
            reserve_price_per_t=price,
        )  # fmt: skip
    finally:
        engine.dispose()
    zone = place.rulebook.rulebook.timezone
    _done(f"auction {code} announced: bids from {zoned(window[0], zone)} until "
          f"{zoned(window[1], zone)}", issues)  # fmt: skip


def bid(
    code: Annotated[str, typer.Argument(help="The announced auction.")],
    company: Annotated[str, typer.Option(help="The company bidding (its code).")],
    price: Annotated[str, typer.Option(help="Price per tonne, a whole number of ticks.")],
    quantity: Annotated[int, typer.Option(help="Tonnes, a whole number of lots.")],
    key: Key,
    replaces: Annotated[int | None, typer.Option(help="Revise this live bid of the company.")] = None,
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Submit (or with --replaces revise) a sealed bid; price × quantity is reserved from the
    company's cash account."""
    engine, place = open_registry(db)
    try:
        made, issues = bid_book.submit_bid(
            engine, place, code, company, _price(price, "--price"), quantity, key=f"cli/{key}",
            now=moment_of(at, engine), by="cli", replaces=replaces,
        )  # fmt: skip
    except TanshiError as error:
        raise failed(error, 1, "no bid was made") from error
    finally:
        engine.dispose()
    what = "" if made is None else (
        f"bid {made['bid_id']} of {company}: {quantity:,} t at {price}, "
        f"{made['reserved_fen'] / 100:,.2f} reserved"
    )  # fmt: skip
    _done(what, issues)


def withdraw(
    code: Annotated[str, typer.Argument(help="The announced auction.")],
    bid_id: Annotated[int, typer.Argument(help="The live bid to withdraw.")],
    company: Annotated[str, typer.Option(help="The company whose bid it is.")],
    key: Key, db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Withdraw a live bid while the window is open; its funds are released."""
    engine, place = open_registry(db)
    try:
        _bid, issues = bid_book.withdraw_bid(engine, place, code, company, bid_id,
                                             key=f"cli/{key}", now=moment_of(at, engine))  # fmt: skip
    finally:
        engine.dispose()
    _done(f"bid {bid_id} withdrawn", issues)


def close(
    code: Annotated[str, typer.Argument(help="The announced auction.")],
    seed: Annotated[int, typer.Option(help="Seed of the random order that breaks ties.")] = 0,
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Close the window and clear the live bids: deliver, collect payment, release the rest."""
    engine, place = open_registry(db)
    try:
        done, issues = bid_book_clearing.clear_book(
            engine, place, code, now=moment_of(at, engine), seed=seed
        )
        if done is not None:
            _show(engine, place.rulebook.rulebook.timezone, place.code, code, moment_of(at, engine))
    finally:
        engine.dispose()
    _done(f"auction {code} cleared" + (" (already)" if done and done["replayed"] else ""), issues)


def cancel(
    code: Annotated[str, typer.Argument(help="The announced auction, not yet cleared.")],
    reason: Annotated[str, typer.Option(help="Why it is cancelled; published as given.")],
    key: Key, db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Cancel an announced auction before it is cleared: its live bids' funds are released and
    the roll-over it carried in goes to the next auction."""
    engine, place = open_registry(db)
    try:
        done, issues = bid_book_cancel.cancel_notice(
            engine, place, code, reason=reason, key=f"cli/{key}", now=moment_of(at, engine),
            by="cli",
        )  # fmt: skip
    finally:
        engine.dispose()
    what = ""
    if done is not None:
        what = (f"auction {code} cancelled{' (already)' if done['replayed'] else ''}: "
                f"{done['bids_cancelled']} live bid(s) ended, "
                f"{done['released_fen'] / 100:,.2f} reserved funds released")  # fmt: skip
        if done["roll_over_from"]:
            what += (f"; its claim on the {done['roll_over_released_t']:,} t auction "
                     f"{done['roll_over_from']} rolled over is released")  # fmt: skip
    _done(what, issues)


def book(
    code: Annotated[str, typer.Argument(help="The announced auction.")],
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """The auction's window and terms; once cleared, its results and the whole book (once
    cancelled, who cancelled it, why, and the whole book)."""
    engine, place = open_registry(db)
    try:
        _show(engine, place.rulebook.rulebook.timezone, place.code, code, moment_of(at, engine))
    finally:
        engine.dispose()


def _show(engine, zone: str, jurisdiction: str, code: str, now: datetime) -> None:
    shown = bid_book_reads.notice(engine, None, code, now, jurisdiction=jurisdiction)
    if shown is None:
        raise refused([Issue("unknown_auction", f"no announced auction {code}")])
    price = bid_book_reads.price_text
    typer.echo(f"auction {code} ({shown['phase']}): {shown['offered_t']:,} t offered, reserve "
               f"{price(shown['reserve_price_hundredths'])}, bids {zoned(shown['opens_at'], zone)}"
               f" – {zoned(shown['closes_at'], zone)}")  # fmt: skip
    if shown["phase"] == "cancelled":
        typer.echo(f"cancelled at {zoned(shown['cancelled_at'], zone)} by "
                   f"{shown['cancelled_by']}: {shown['cancel_reason']}")  # fmt: skip
    elif shown["phase"] != "cleared":
        return
    else:
        typer.echo(f"closed at {zoned(shown['closed_at'], zone)}")
        typer.echo(f"clearing price {price(shown['clearing_price_hundredths']) or '—'}; bid "
                   f"{shown['bid_t']:,} t by {shown['bidders']} bidder(s), sold "
                   f"{shown['sold_t']:,} t, cover ratio {shown['cover_ratio']}")  # fmt: skip
    whole = bid_book_reads.whole_book(engine, jurisdiction, code)
    table = Table("bid", "company", "status", "price", "t", "awarded t")
    for row in whole:
        table.add_row(str(row["bid_id"]), row["company"], row["status"],
                      price(row["price_hundredths"]), f"{row['quantity_t']:,}",
                      "" if row["awarded_t"] is None else f"{row['awarded_t']:,}")  # fmt: skip
    wide_console().print(table)


def register(app: typer.Typer) -> None:
    for command in (announce, bid, withdraw, close, cancel, book):
        app.command(command.__name__)(command)
