"""``tanshi registry court-transfer | approve-court-transfer | cancel-court-transfer |
court-transfers``: frozen units transferred by court order (司法扣划), four eyes."""

from __future__ import annotations

from typing import Annotated

import typer

from tanshi.cli.common import failed, refused, registry_refusal
from tanshi.cli.registry_ops import At, Db, moment_of, open_registry
from tanshi.core.errors import TanshiError
from tanshi.services import court_transfers
from tanshi.services.court_transfers import CourtTransferOutcome


def _done(outcome: CourtTransferOutcome, where: str) -> None:
    """The court transfer's status on stdout; a refusal in the problem shape at ``where``,
    with its figures (what the freeze order holds against what was asked), exit 1."""
    if outcome.result.value != "ok":
        raise refused([registry_refusal(outcome.result, where, outcome.detail)])
    typer.echo(f"court transfer {outcome.transfer_id}: {outcome.status}")


def court_transfer(
    order: int, destination: str, quantity: int, key: str,
    court_order: Annotated[str, typer.Option(help="The court order's reference (执行裁定书).")],
    reason: Annotated[str, typer.Option()],
    by: Annotated[str, typer.Option(help="The regulator user proposing it.")],
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Propose moving QUANTITY units frozen under ORDER to the DESTINATION the court names."""
    engine, _ = open_registry(db)
    try:
        outcome = court_transfers.propose_court_transfer(
            engine,
            order,
            destination,
            quantity,
            court_order,
            reason,
            by,
            key,
            moment_of(at, engine),
        )
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    _done(outcome, f"freeze order {order}")


def approve_court_transfer(
    transfer: int,
    by: Annotated[str, typer.Option(help="A regulator user other than the one who proposed it.")],
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Approve a court transfer: it executes now (at any hour), or fails with its code."""
    engine, _ = open_registry(db)
    try:
        outcome = court_transfers.approve_court_transfer(
            engine, transfer, by, moment_of(at, engine)
        )
    finally:
        engine.dispose()
    _done(outcome, f"court transfer {transfer}")


def cancel_court_transfer(
    transfer: int, by: Annotated[str, typer.Option(help="The regulator user withdrawing it.")],
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Withdraw a court transfer that awaits approval."""
    engine, _ = open_registry(db)
    try:
        outcome = court_transfers.cancel_court_transfer(engine, transfer, by, moment_of(at, engine))
    finally:
        engine.dispose()
    _done(outcome, f"court transfer {transfer}")


def list_court_transfers(
    account: Annotated[str | None, typer.Argument(help="Only this account's orders.")] = None,
    db: Db = None,
) -> None:
    """List court transfers (of one account's freeze orders, or all), oldest first."""
    engine, _ = open_registry(db)
    try:
        found = court_transfers.court_transfers_of(engine, account_code=account)
    finally:
        engine.dispose()
    for item in found:
        decided = f" by {item.decided_by}" if item.decided_by else ""
        typer.echo(f"{item.id}  order {item.freeze_id}  {item.quantity_units} t of "
                   f"{item.unit_class}  {item.account} → {item.destination}  court order "
                   f"{item.court_order_reference}  proposed by {item.proposed_by}  "
                   f"{item.status}{decided} ({item.result})")  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add these commands to ``tanshi registry``."""
    for name, command in (
        ("court-transfer", court_transfer), ("approve-court-transfer", approve_court_transfer),
        ("cancel-court-transfer", cancel_court_transfer),
        ("court-transfers", list_court_transfers),
    ):  # fmt: skip
        app.command(name)(command)
