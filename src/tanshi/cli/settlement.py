"""``tanshi market`` commands for settlement: money in and out, reservations, trades, settling.

Amounts are given in yuan with at most two decimals (``1500.00``) and kept in fen. Every
command acts now (UTC) unless ``--at`` gives another moment.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from tanshi.cli.common import fail, failed, refused, say_problems
from tanshi.cli.registry_ops import At, Db, moment_of, open_registry
from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.core.quantities import cny_to_fen, fen_to_cny
from tanshi.market.settlement import Fill
from tanshi.market.settlement_rules import SettlementRules
from tanshi.resources import load_settlement_rules
from tanshi.services import cash, reservations
from tanshi.services.jurisdiction import Jurisdiction, local_date
from tanshi.services.settlement import record_trade, settle_due, settlement_discrepancies

Rules = Annotated[
    str | None,
    typer.Option(
        help="Settlement rules: a shipped id or a .toml file (default: the rulebook's id)."
    ),
]


def fen_of(amount: str) -> int:
    """Yuan as typed (``1500.00``) to fen; refuses anything finer than a fen."""
    try:
        value = Decimal(amount)
    except InvalidOperation as error:
        raise fail(f"{amount!r} is not an amount; write yuan such as 1500.00", 2) from error
    if value != value.quantize(Decimal("0.01")) or value <= 0:
        raise fail(f"{amount} must be above zero with at most two decimals (fen)", 2)
    return cny_to_fen(value)


def _rules(jurisdiction: Jurisdiction, rules: str | None) -> SettlementRules:
    try:
        return load_settlement_rules(rules or jurisdiction.rulebook.rulebook.id)
    except TanshiError as error:  # no such settlement terms, or a broken shipped file
        raise fail(str(error), 2) from error


def _done(what: str, issues: list[Issue] | tuple[Issue, ...]) -> None:
    if issues:
        raise refused(issues, "nothing was done")
    typer.echo(what)


def _money(
    account: str, amount: str, key: str, db: str | None, at: str | None, deposit: bool
) -> None:
    engine, j = open_registry(db)
    try:
        outcome = cash.transfer_with_bank(
            engine, j.code, j.rulebook.rulebook.currency, account, fen_of(amount), key,
            moment_of(at, engine), deposit=deposit,
        )  # fmt: skip
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    verb = "deposit" if deposit else "withdrawal"
    _done(f"{verb} {key}: ok (CNY {amount} for {account})", outcome.issues)


def deposit(account: str, amount: str, key: str, db: Db = None, at: At = None) -> None:
    """Pay money in for the holder of a registry account, through the settlement bank."""
    _money(account, amount, key, db, at, deposit=True)


def withdraw(account: str, amount: str, key: str, db: Db = None, at: At = None) -> None:
    """Pay money out to the holder of a registry account (only what is not reserved)."""
    _money(account, amount, key, db, at, deposit=False)


def reserve_units(
    account: str, unit_class: str, quantity: int, key: str, db: Db = None, at: At = None
) -> None:
    """Set units aside for a sell order: they wait in the clearing account until sold or released."""
    engine, j = open_registry(db)
    try:
        _, issues = reservations.reserve_units(
            engine, j, account, unit_class, quantity, key, moment_of(at, engine)
        )
    finally:
        engine.dispose()
    _done(f"units reserved under {key}: {quantity} {unit_class} of {account}", issues)


def reserve_funds(account: str, amount: str, key: str, db: Db = None, at: At = None) -> None:
    """Set money aside for a buy order (the value at the limit price plus the buyer's fee)."""
    engine, j = open_registry(db)
    try:
        _, issues = reservations.reserve_funds(
            engine, j, account, fen_of(amount), key, moment_of(at, engine)
        )
    finally:
        engine.dispose()
    _done(f"funds reserved under {key}: CNY {amount} of {account}", issues)


def release(
    kind: Annotated[str, typer.Argument(help="units or funds")], key: str, release_key: str,
    amount: Annotated[str | None, typer.Option(help="Units, or yuan; default: all that is open.")] = None,
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Give back what a reservation still holds (an order cancelled or filled in part)."""
    if kind not in {"units", "funds"}:
        raise fail(f"release units or funds, not {kind!r}", 2)
    engine, j = open_registry(db)
    try:
        now = moment_of(at, engine)
        if kind == "units":
            quantity = None if amount is None else int(amount)
            done, issues = reservations.release_units(engine, j, key, quantity, release_key, now)
            what = f"{done} units"
        else:
            fen = None if amount is None else fen_of(amount)
            done, issues = reservations.release_funds(engine, j, key, fen, release_key, now)
            what = f"CNY {fen_to_cny(done or 0)}"
    except ValueError as error:
        raise fail(f"give --amount as a whole number of units: {error}", 2) from error
    finally:
        engine.dispose()
    _done(f"released from {key}: {what}", issues)


def trade(
    venue: str, trade_id: str, buyer: str, seller: str, unit_class: str, quantity: int,
    price: Annotated[str, typer.Argument(help="CNY per tonne, e.g. 30.00")],
    units_key: Annotated[str | None, typer.Option(help="The seller's unit reservation.")] = None,
    funds_key: Annotated[str | None, typer.Option(help="The buyer's funds reservation.")] = None,
    rules: Rules = None, db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Record a trade for settlement; a trade due today (T+0) settles at once."""
    engine, j = open_registry(db)
    try:
        now = moment_of(at, engine)
        fill = Fill(trade_id, venue, buyer, seller, unit_class, quantity, fen_of(price), now)
        recorded, issues = record_trade(
            engine, j, _rules(j, rules), fill, now, units_key=units_key, funds_key=funds_key
        )
    finally:
        engine.dispose()
    if recorded is None:
        _done("", issues)
        return
    p = recorded.plan
    state = "settled" if recorded.settled else f"pending until {p.settle_on}"
    _done(
        f"trade {venue}/{trade_id}: {state}; value CNY {fen_to_cny(p.value_fen)}, fees CNY "
        f"{fen_to_cny(p.buyer_fee_fen)} (buyer) + CNY {fen_to_cny(p.seller_fee_fen)} (seller)",
        issues,
    )


def settle(
    on: Annotated[str | None, typer.Option(help="Settle trades due by this day (default: today).")] = None,
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Settle every pending trade whose settlement day has come (T+1 venues)."""
    engine, j = open_registry(db)
    try:
        now = moment_of(at, engine)
        day = local_date(j, now) if on is None else _day(on)
        run = settle_due(engine, j, day, now)
    finally:
        engine.dispose()
    for name in run.settled:
        typer.echo(f"settled {name}")
    for name, issues in run.failed:  # each problem located at its trade
        say_problems(replace(i, where=f"trade {name}" + (f" {i.where}" if i.where else ""))
                     for i in issues)  # fmt: skip
    typer.echo(f"{len(run.settled)} settled, {len(run.failed)} not settled")
    if run.failed:
        raise typer.Exit(1)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise fail(f"--on {text!r} is not a day; write it as 2016-10-10", 2) from error


def balances(db: Db = None) -> None:
    """Every cash account's balance, and whether the cash ledger and the clearing accounts
    reconcile with the journal, the reservations and the pending trades."""
    engine, j = open_registry(db)
    try:
        with engine.connect() as connection:
            rows = cash.balances(connection)
            problems = cash.cash_discrepancies(connection)
            problems += settlement_discrepancies(connection, j)
    finally:
        engine.dispose()
    for code, fen in sorted(rows.items()):
        typer.echo(f"{code:<40} CNY {fen_to_cny(fen):>18}")
    for problem in problems:  # WHERE: discrepancy: MESSAGE [CODE] (cli/docs.md "Problems")
        typer.echo(f"{problem.where}: discrepancy: {problem.message} [{problem.code}]", err=True)
    if problems:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the settlement commands to ``tanshi market``."""
    for name, command in (
        ("deposit", deposit), ("withdraw", withdraw), ("reserve-units", reserve_units),
        ("reserve-funds", reserve_funds), ("release", release), ("trade", trade),
        ("settle", settle), ("cash", balances),
    ):  # fmt: skip
        app.command(name)(command)
