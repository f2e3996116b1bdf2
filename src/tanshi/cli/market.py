"""``tanshi market``: simulate exchange trades, draw the cross-exchange chart, write the bulletin."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from tanshi.cli.common import fail, refused
from tanshi.cli.exchange import VenueOption, exchange_trades, simulate_exchange
from tanshi.core.errors import InputRejected, TanshiError
from tanshi.market.bars import Interval, bars
from tanshi.market.statistics import daily_statistics
from tanshi.market.tape import Market, TradeRecord
from tanshi.market.tape_csv import bars_to_csv
from tanshi.reports.market_bulletin import build_bulletin, write_bulletin
from tanshi.reports.market_chart import chart_data, cjk_family, write_chart
from tanshi.services.market_data import (
    SIMULATION_END,
    SIMULATION_START,
    market_zone,
    markets,
    read_trades,
    simulate,
    write_trades,
)

market_app = typer.Typer(
    help=(
        "Market data: trades of the national market and the pilots, their bars, statistics, "
        "chart and weekly bulletin. Without --trades, the commands simulate synthetic trades "
        "(clearly labelled) from --seed."
    ),
    no_args_is_help=True,
)

SeedOption = Annotated[
    int, typer.Option(help="Seed of the synthetic trades (ignored with --trades).")
]
TradesOption = Annotated[
    Path | None,
    typer.Option(
        "--trades", help="A trades CSV (from `tanshi market simulate` or an exchange export)."
    ),
]
EnglishOption = Annotated[
    bool,
    typer.Option(
        "--english", help="English market names only (the default uses Chinese if a font has it)."
    ),
]


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise fail(f"{option} {value!r} is not a date like 2017-09-08", 1) from error


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Draw from this database's own exchange (the demo's) instead of the tape."
    ),
]


def _source(
    trades_file: Path | None, seed: int, db: str | None, exchange: str
) -> tuple[list[TradeRecord], str, list[Market], str]:
    """The trades, their label, the markets and the market to centre on."""
    if db is None:
        trades, label = _trades(trades_file, seed)
        return trades, label, markets(), exchange
    trades, label, market = exchange_trades(db)
    return trades, label, [market], market.code


def _trades(trades_file: Path | None, seed: int) -> tuple[list[TradeRecord], str]:
    try:
        if trades_file is None:
            return simulate(seed)
        return read_trades(trades_file)
    except InputRejected as error:
        raise refused(error.issues, f"{trades_file} was not read", most=20) from error
    except TanshiError as error:  # the file cannot be read (none, not UTF-8): one line
        raise fail(str(error), 2) from error


@market_app.command("simulate")
def simulate_command(
    out: Annotated[Path, typer.Option(help="The CSV file to write (the tape).")] = Path(
        "tanshi-market/trades.csv"
    ),
    seed: SeedOption = 42,
    start: Annotated[str | None, typer.Option("--from", help="First day.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day.")] = None,
    db: Annotated[
        str | None,
        typer.Option(help="A demo database: its exchange is traded by the agents instead."),
    ] = None,
    tape: Annotated[
        bool,
        typer.Option("--tape", help="Write the eight markets' CSV (the default without --db)."),
    ] = False,
    venue: VenueOption = None,
    product: Annotated[
        str | None, typer.Option(help="With --db: the unit class traded (default: by --from).")
    ] = None,
) -> None:
    """Simulate trading: the synthetic tape of the eight Chinese markets, or (--db) the
    agents trading a demo database's exchange through the matching engine.

    The tape is calibrated to published statistics (national year-end closes, annual volumes
    and values, the season before the deadline, block share; pilot price levels and sparse
    trading); the file's first line says it is synthetic. With --db, compliance buyers and
    sellers (from the companies' positions), speculators and a market maker send orders to
    the venue's sessions and agree block trades; every fill settles against payment into
    the registry and the engine's command log is stored. Days already traded are refused.
    """
    if db is not None and not tape:
        if start is None or end is None:
            raise fail("with --db give --from and --to (e.g. --from 2017-07-03 --to 2017-12-29)", 1)
        simulate_exchange(db, venue, product, _day(start, "--from"), _day(end, "--to"), seed)
        return
    first = _day(start, "--from") if start else SIMULATION_START
    last = _day(end, "--to") if end else SIMULATION_END
    try:
        trades, label = simulate(seed, first, last)
        path = write_trades(out, trades, label)
    except TanshiError as error:  # the days given are out of order: one line
        raise fail(str(error), 1) from error
    except OSError as error:
        raise fail(f"cannot write {out}: {error.strerror}; choose another --out", 2) from error
    typer.echo(f"wrote {len(trades):,} synthetic trades to {path}")


@market_app.command("chart")
def chart_command(
    exchange: Annotated[
        str, typer.Option(help="The market drawn as candles: national, beijing, hubei, …")
    ] = "national",
    start: Annotated[
        str | None, typer.Option("--from", help="First day; default: 180 days before --to.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day; default: the last day with a trade.")
    ] = None,
    interval: Annotated[
        Interval | None,
        typer.Option(help="Candle length; default: day up to 200 days, else week."),
    ] = None,
    out: Annotated[
        Path, typer.Option(help="Output path; .png and .html are written beside each other.")
    ] = Path("tanshi-market/chart"),
    trades_file: TradesOption = None,
    seed: SeedOption = 42,
    english: EnglishOption = False,
    db: DbOption = None,
) -> None:
    """Draw candlesticks of one market and the closing prices of every market, as PNG and HTML."""
    trades, label, shown, exchange = _source(trades_file, seed, db, exchange)
    codes = [market.code for market in shown]
    if exchange not in codes:
        raise fail(f"no market {exchange!r}; choose one of {', '.join(codes)}", 1)
    if not trades:
        raise fail("there are no trades to draw", 1)
    zone = market_zone()
    last = _day(end, "--to") if end else max(t.traded_at for t in trades).astimezone(zone).date()
    first = _day(start, "--from") if start else last - timedelta(days=180)
    if first > last:
        raise fail(f"--from {first} is after --to {last}; give a start before the end", 1)
    data = chart_data(trades, shown, exchange, first, last, zone, label, interval)
    try:
        paths = write_chart(out, data, chinese=not english)
    except OSError as error:
        raise fail(f"cannot write {out}: {error.strerror}; choose another --out", 2) from error
    _font_note(english)
    typer.echo("wrote " + " and ".join(str(path) for path in paths))


@market_app.command("bars")
def bars_command(
    exchange: Annotated[str, typer.Option(help="The market: national, beijing, hubei, …")] = (
        "national"
    ),
    interval: Annotated[Interval, typer.Option(help="Bar length.")] = Interval.DAY,
    start: Annotated[str, typer.Option("--from", help="First day.")] = "2024-12-23",
    end: Annotated[str, typer.Option("--to", help="Last day.")] = "2024-12-31",
    out: Annotated[
        Path | None, typer.Option(help="CSV file to write; default: print to the terminal.")
    ] = None,
    trades_file: TradesOption = None,
    seed: SeedOption = 42,
) -> None:
    """OHLCV bars of one market as CSV: prices from listed trades, volume of every trade.

    Day and week bars close under the market's closing rule (the national market: the VWAP
    of the day's listed trades). Daily bars include the weekdays without trades.
    """
    codes = [market.code for market in markets()]
    if exchange not in codes:
        raise fail(f"no market {exchange!r}; choose one of {', '.join(codes)}", 1)
    first, last = _day(start, "--from"), _day(end, "--to")
    if first > last:
        raise fail(f"--from {first} is after --to {last}; give a start before the end", 1)
    trades, label = _trades(trades_file, seed)
    zone = market_zone()
    rule = next(market.closing_rule for market in markets() if market.code == exchange)
    if interval is Interval.DAY:
        made = [
            row.bar
            for row in daily_statistics(trades, exchange, first, last, zone, closing_rule=rule)
        ]
    else:
        inside = [
            trade
            for trade in trades
            if trade.exchange == exchange
            and first <= trade.traded_at.astimezone(zone).date() <= last
        ]
        made = bars(inside, interval, zone, closing_rule=rule)
    text = bars_to_csv(made, label)
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise fail(f"cannot write {out}: {error.strerror}; choose another --out", 2) from error
    typer.echo(f"wrote {len(made):,} bars to {out}")


@market_app.command("bulletin")
def bulletin_command(
    week: Annotated[str, typer.Option(help="Any day of the week, e.g. 2017-09-08.")],
    out: Annotated[Path, typer.Option(help="Folder for the HTML and PDF.")] = Path("tanshi-market"),
    trades_file: TradesOption = None,
    seed: SeedOption = 42,
    english: EnglishOption = False,
    db: DbOption = None,
) -> None:
    """Write the weekly bulletin (commentary, chart, table of every market) as HTML and PDF."""
    day = _day(week, "--week")
    trades, label, shown, _ = _source(trades_file, seed, db, "national")
    bulletin = build_bulletin(trades, shown, day, market_zone(), label)
    try:
        paths = write_bulletin(out, bulletin, chinese=not english)
    except OSError as error:
        raise fail(f"cannot write into {out}: {error.strerror}; choose another --out", 2) from error
    _font_note(english)
    typer.echo(bulletin.text)
    typer.echo("wrote " + " and ".join(str(path) for path in paths))


def _font_note(english: bool) -> None:
    if not english and cjk_family() is None:
        typer.echo(
            "note: no font with Chinese glyphs is installed, so market names are in English "
            "(install e.g. fonts-noto-cjk for Chinese names)",
            err=True,
        )
