"""``tanshi registry verify`` and ``report``: check the journal, publish holdings and the log."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tanshi.cli.common import open_or_exit
from tanshi.cli.registry_admin import register as register_regulator_commands
from tanshi.cli.registry_ops import register as register_people_commands
from tanshi.registry.journal import utc_text
from tanshi.services.audit import verify_registry
from tanshi.services.publication import holdings_by_kind, transaction_log
from tanshi.store.engine import database_url, printable_url

registry_app = typer.Typer(
    help="The registry: verify its journal and holdings.", no_args_is_help=True
)


@registry_app.command("verify")
def verify(
    db: Annotated[
        str | None,
        typer.Option(
            help="SQLite file or database URL; default: $TANSHI_DATABASE_URL, else ./tanshi.sqlite"
        ),
    ] = None,
) -> None:
    """Recompute the hash chain and every balance from the journal; name the first broken entry.

    Exits with status 1 when the chain is broken or the holdings disagree with the journal.
    """
    url = database_url(db, Path("tanshi.sqlite"))
    engine = open_or_exit(url)
    try:
        report = verify_registry(engine)
    finally:
        engine.dispose()
    typer.echo(f"{printable_url(url)}: {report.entries} journal entries, head {report.head_hash}")
    if report.chain_break is not None:
        broken = report.chain_break
        typer.echo(
            f"BROKEN at entry {broken.entry_id} (idempotency key {broken.idempotency_key}): "
            f"{broken.reason}"
        )
    if report.head_mismatch:
        typer.echo("BROKEN: the journal head does not point at the last entry")
    for discrepancy in report.discrepancies:
        typer.echo(f"DISCREPANCY {discrepancy}")
    if not report.ok:
        raise typer.Exit(1)
    typer.echo("ok: the chain is intact and every holding equals its journal")


@registry_app.command("report")
def report(
    db: Annotated[
        str | None,
        typer.Option(
            help="SQLite file or database URL; default: $TANSHI_DATABASE_URL, else ./tanshi.sqlite"
        ),
    ] = None,
    log_csv: Annotated[
        Path | None, typer.Option(help="Also write the public transaction log to this CSV file.")
    ] = None,
) -> None:
    """Print holdings by account type and unit class, as the EU's public reports do."""
    url = database_url(db, Path("tanshi.sqlite"))
    engine = open_or_exit(url)
    try:
        lines = holdings_by_kind(engine)
        log = transaction_log(engine) if log_csv else []
    finally:
        engine.dispose()
    table = Table(title=f"Holdings by account type — {printable_url(url)}")
    for label in ("Unit class", "Account type", "Accounts", "Units (t)"):
        table.add_column(label, justify="right" if label in {"Accounts", "Units (t)"} else "left")
    for line in lines:
        table.add_row(
            line.unit_class, line.account_kind, str(line.accounts), f"{line.quantity_units:,}"
        )
    Console(width=None if Console().is_terminal else 120).print(table)
    if log_csv is not None:
        with log_csv.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["sequence", "booked_at_utc", "type", "from_account", "to_account",
                             "unit_class", "quantity_units"])  # fmt: skip
            for entry in log:
                writer.writerow([entry.sequence, utc_text(entry.booked_at), entry.type_code,
                                 entry.from_account, entry.to_account, entry.unit_class,
                                 entry.quantity_units])  # fmt: skip
        typer.echo(f"wrote {len(log)} movements to {log_csv}")


register_people_commands(registry_app)
register_regulator_commands(registry_app)
