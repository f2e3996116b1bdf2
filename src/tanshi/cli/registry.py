"""``tanshi registry verify`` and ``report``: check the journal, publish holdings and the log."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from tanshi.cli.account_limits import limits_app
from tanshi.cli.common import fail, open_or_exit
from tanshi.cli.court_orders import register as register_court_commands
from tanshi.cli.registry_admin import register as register_regulator_commands
from tanshi.cli.registry_controls import register as register_control_commands
from tanshi.cli.registry_ops import register as register_people_commands
from tanshi.cli.trusted_changes import trusted_app
from tanshi.registry.checkpoints import (
    Checkpoint,
    new_private_key,
    public_key_of,
    sign,
    signature_valid,
)
from tanshi.registry.journal import utc_text
from tanshi.services.audit import checkpoint_in_journal, head_checkpoint, verify_registry
from tanshi.services.publication import holdings_by_kind, transaction_log
from tanshi.store.engine import DEFAULT_DATABASE_TEXT, database_url, printable_url

registry_app = typer.Typer(
    help="The registry: verify its journal and holdings.", no_args_is_help=True
)


@registry_app.command("verify")
def verify(
    db: Annotated[
        str | None,
        typer.Option(help=f"SQLite file or database URL; default: {DEFAULT_DATABASE_TEXT}"),
    ] = None,
    checkpoint: Annotated[
        Path | None, typer.Option(help="A signed checkpoint (from `tanshi registry checkpoint`).")
    ] = None,
    public_key: Annotated[
        str | None, typer.Option(help="The registry's published public key (hex) to pin.")
    ] = None,
) -> None:
    """Recompute the hash chain and every balance from the journal; name the first broken entry.

    With --checkpoint, also check a published signed checkpoint: its signature, and that the
    journal still has its hash at its sequence. Exits with status 1 on any problem.
    """
    url = database_url(db)
    engine = open_or_exit(url)
    try:
        report = verify_registry(engine)
        checkpoint_ok = _check_checkpoint(engine, checkpoint, public_key) if checkpoint else True
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
    if not report.ok or not checkpoint_ok:
        raise typer.Exit(1)
    typer.echo("ok: the chain is intact and every holding equals its journal")


@registry_app.command("report")
def report(
    db: Annotated[
        str | None,
        typer.Option(help=f"SQLite file or database URL; default: {DEFAULT_DATABASE_TEXT}"),
    ] = None,
    log_csv: Annotated[
        Path | None, typer.Option(help="Also write the public transaction log to this CSV file.")
    ] = None,
) -> None:
    """Print holdings by account type and unit class, as the EU's public reports do."""
    url = database_url(db)
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
register_control_commands(registry_app)
register_court_commands(registry_app)
registry_app.add_typer(trusted_app, name="trusted")
registry_app.add_typer(limits_app, name="limits")


def _check_checkpoint(engine: Engine, path: Path, pinned_key: str | None) -> bool:
    document = json.loads(path.read_text(encoding="utf-8"))
    point = Checkpoint(document["jurisdiction"], int(document["sequence"]),
                       document["entry_hash"], datetime.fromisoformat(document["signed_at"]))  # fmt: skip
    key = bytes.fromhex(pinned_key or document["public_key"])
    signed = signature_valid(point, bytes.fromhex(document["signature"]), key)
    present = checkpoint_in_journal(engine, point)
    typer.echo(f"checkpoint {point.sequence}: signature {'valid' if signed else 'INVALID'}, "
               f"{'in the journal' if present else 'NOT in the journal'}")  # fmt: skip
    return signed and present


@registry_app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option(help="Where to write the private key (keep it secret).")],
) -> None:
    """Create the registry's Ed25519 signing key; prints the public key to publish."""
    if out.exists():
        raise fail(f"{out} exists; refusing to overwrite a key", 2)
    private = new_private_key()
    out.write_text(private.hex() + "\n", encoding="utf-8")
    out.chmod(0o600)
    typer.echo(f"public key: {public_key_of(private).hex()}")


@registry_app.command("checkpoint")
def checkpoint_command(
    key: Annotated[Path, typer.Option(help="The private key file from `tanshi registry keygen`.")],
    out: Annotated[Path, typer.Option(help="Where to write the signed checkpoint (JSON).")],
    db: Annotated[str | None, typer.Option(help="SQLite file or database URL.")] = None,
) -> None:
    """Sign the current journal head, for publication."""
    private = bytes.fromhex(key.read_text(encoding="utf-8").strip())
    engine = open_or_exit(database_url(db))
    try:
        point = head_checkpoint(engine, datetime.now(UTC))
    finally:
        engine.dispose()
    document = {
        "jurisdiction": point.jurisdiction, "sequence": point.sequence,
        "entry_hash": point.entry_hash, "signed_at": point.signed_at.isoformat(),
        "public_key": public_key_of(private).hex(), "signature": sign(point, private).hex(),
    }  # fmt: skip
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    typer.echo(f"signed entry {point.sequence} ({point.entry_hash}) into {out}")
