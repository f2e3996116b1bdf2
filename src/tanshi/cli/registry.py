"""``tanshi registry verify``: check the journal's hash chain and reconcile the holdings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tanshi.cli.common import open_or_exit
from tanshi.services.audit import verify_registry
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
