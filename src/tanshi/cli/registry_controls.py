"""``tanshi registry`` commands for trusted lists, second-approval waivers and frozen units
(``tanshi registry trusted …``, by users at two moments, is in cli/trusted_changes.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from tanshi.cli.common import fail, failed, refused, registry_refusal
from tanshi.cli.registry_ops import At, Db, moment_of, open_registry
from tanshi.core.errors import TanshiError
from tanshi.registry.serials import Range, format_block
from tanshi.services import trusted_list, unit_freeze_reads, unit_freezes


def untrust(
    account: str, trusted: str, person: Annotated[str, typer.Option("--as", help=(
        "The representative removing it (one suffices; it takes effect at once)."))],
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Take an account off another's trusted list, at once, where one representative may."""
    engine, jurisdiction = open_registry(db)
    now = moment_of(at, engine)
    try:
        if trusted_list.removal_needs_two(jurisdiction, now):
            raise fail(f"the rulebook of {jurisdiction.code} has two representatives remove: "
                       f"`tanshi registry trusted remove {account} {trusted} --as USER`, then "
                       "another user confirms it (`tanshi registry trusted confirm`)", 1)  # fmt: skip
        trusted_list.untrust_account(engine, jurisdiction, account, trusted, person, now)
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    typer.echo(f"{trusted} is no longer on the trusted list of {account}")


def waive_approval(
    account: str,
    declared_by: Annotated[str, typer.Option(help="The representative declaring it for the holder.")],
    set_by: Annotated[str, typer.Option(help="Who records it, e.g. the registry administrator.")],
    off: Annotated[bool, typer.Option("--off", help="Withdraw the waiver.")] = False,
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Transfers to the account's trusted list need no second approval (--off: they need one)."""
    engine, jurisdiction = open_registry(db)
    try:
        trusted_list.set_approval_waiver(engine, jurisdiction, account, not off, declared_by,
                                         set_by, moment_of(at, engine))  # fmt: skip
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    needs = "need a second approval" if off else "need no second approval"
    typer.echo(f"transfers from {account} to its trusted list {needs}")


def _serials(text: str | None) -> tuple[tuple[int, int], ...] | None:
    if text is None:
        return None
    ranges = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        if not (first.isdigit() and (last or first).isdigit()):
            raise fail(f"--serials {text!r}: write ranges such as 1001-1100,1201-1250", 2)
        ranges.append((int(first), int(last or first)))
    return tuple(ranges)


def freeze(
    account: str, unit_class: str, quantity: int, key: str,
    order: Annotated[str, typer.Option(help="The order's reference, e.g. the court ruling.")],
    reason: Annotated[str, typer.Option()],
    by: Annotated[str, typer.Option(help="Who enters the order.")] = "regulator",
    serials: Annotated[str | None, typer.Option(help=(
        "Freeze these serials, e.g. 1001-1100,1201-1250 (default: by the split rule)."))] = None,
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Freeze a quantity (or named serials) of a unit class in an account, by order."""
    engine, _ = open_registry(db)
    try:
        outcome = unit_freezes.freeze_units(engine, account, unit_class, quantity, order, reason,
                                            by, key, moment_of(at, engine), serials=_serials(serials))  # fmt: skip
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    if outcome.freeze_id is None:
        raise refused([registry_refusal(outcome.result, "account", outcome.detail)])
    typer.echo(f"freeze order {outcome.freeze_id}: {quantity} t of {unit_class} frozen in "
               f"{account} ({outcome.result.value})")  # fmt: skip


def unfreeze(
    order: int, reason: Annotated[str, typer.Option()],
    by: Annotated[str, typer.Option(help="Who lifts the order.")] = "regulator",
    quantity: Annotated[int | None, typer.Option(help=(
        "Release only this many units: serials the order still holds go back by the "
        "split rule, the rest stay frozen (needs --key)."))] = None,
    key: Annotated[str | None, typer.Option(help=(
        "Idempotency key of this release (default for a whole release: unfreeze-of/ORDER)."
    ))] = None,
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Lift a freeze order, or part of it (--quantity): its serials go back to the account."""
    engine, _ = open_registry(db)
    try:
        outcome = unit_freezes.release_freeze(engine, order, by, reason, moment_of(at, engine),
                                              quantity_units=quantity, idempotency_key=key)  # fmt: skip
        left = unit_freeze_reads.freeze_order(engine, order)
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    if outcome.result.value != "ok":
        raise refused([registry_refusal(outcome.result, f"freeze order {order}",
                                        outcome.detail)])  # fmt: skip
    assert left is not None
    still = f"{left.frozen_units} t still frozen" if left.frozen_units else "closed"
    typer.echo(f"freeze order {order} released ({still})")


def freezes(account: str, db: Db = None) -> None:
    """List an account's freeze orders and the serials each froze."""
    engine, _ = open_registry(db)
    try:
        orders = unit_freeze_reads.freeze_orders(engine, account)
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    for item in orders:
        state = (f"closed {item.released_at.isoformat()} by {item.released_by}"
                 if item.released_at else f"in force, {item.frozen_units} t frozen")  # fmt: skip
        blocks = ", ".join(
            format_block(item.unit_class, Range(f, t)) for f, t in item.frozen_blocks or item.blocks
        )
        typer.echo(f"{item.id}  {item.quantity_units} t  order {item.order_reference}  {state}  "
                   f"{blocks}")  # fmt: skip
        for gone in item.reductions:
            typer.echo(f"    {gone.kind} {gone.quantity_units} t  {gone.made_at.isoformat()}  "
                       f"by {gone.made_by}: {gone.reason}")  # fmt: skip


def balances(account: str, db: Db = None) -> None:
    """Per unit class: units available, frozen and in total."""
    engine, _ = open_registry(db)
    try:
        found = unit_freeze_reads.balances(engine, account)
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    typer.echo("unit class  available_t  frozen_t  total_t")
    for row in found:
        typer.echo(f"{row.unit_class}  {row.available_units}  {row.frozen_units}  "
                   f"{row.total_units}")  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add these commands to ``tanshi registry``."""
    for name, command in (
        ("untrust", untrust), ("waive-approval", waive_approval),
        ("freeze", freeze), ("unfreeze", unfreeze), ("freezes", freezes),
        ("balances", balances),
    ):  # fmt: skip
        app.command(name)(command)
