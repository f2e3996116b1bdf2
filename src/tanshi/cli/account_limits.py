"""``tanshi registry limits show | propose | confirm | withdraw``: an account's own limit of
units per transfer, changed by two users of the service at two moments (EU Reg. 2019/1122
Art. 23(3b)), as through the API.

Each write acts as the user ``--as`` names (a representative of the account, or the
regulator where the rulebook lets it confirm), is audited
like an API write (source ``cli``) and prints the request's number or what was done.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tanshi.cli.registry_ops import At, Db, moment_of, open_registry
from tanshi.cli.trusted_changes import As, acting, audit_cli, refused
from tanshi.services import account_limits

limits_app = typer.Typer(
    no_args_is_help=True,
    help="An account's own limit of units per transfer: show it, propose a change, confirm or "
    "withdraw a colleague's (where the rulebook offers account limits).",
)  # fmt: skip
Units = Annotated[int | None, typer.Argument(
    help="The new limit in units per transfer; leave it out with --remove.", show_default=False)]  # fmt: skip


def _units(units: int | None) -> str:
    return "no limit" if units is None else f"{units} units per transfer"


def _confirmer(by: frozenset[str]) -> str:
    """Who the rule in force has confirm a change, in words."""
    if by == {account_limits.REGULATOR}:
        return "the regulator's"
    if account_limits.REGULATOR in by:
        return "another representative's or the regulator's"
    return "another representative's"


@limits_app.command("show")
def show(account: str, db: Db = None) -> None:
    """The limit in force (who proposed and confirmed it, since when), then the change
    awaiting confirmation."""
    engine, _ = open_registry(db)
    try:
        now_in_force = account_limits.current(engine, account)
        waiting = account_limits.pending(engine, account)
    finally:
        engine.dispose()
    if now_in_force is None:
        typer.echo(f"{account}: no limit")
    else:
        typer.echo(f"{account}: {_units(now_in_force.max_units_per_transaction)} from "
                   f"{now_in_force.set_at.isoformat()} ({now_in_force.requested_by}, confirmed "
                   f"by {now_in_force.approved_by})")  # fmt: skip
    for request in waiting:
        typer.echo(f"request {request.id}: {_units(request.max_units_per_transaction)} to "
                   f"confirm, proposed by {request.requested_by} at "
                   f"{request.requested_at.isoformat()}")  # fmt: skip


@limits_app.command("propose")
def propose(
    account: str, who: As, units: Units = None,
    remove: Annotated[bool, typer.Option("--remove", help="Propose removing the limit.")] = False,
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Propose UNITS per transfer as ACCOUNT's limit (or --remove it); another
    representative confirms it."""
    if (units is None) == (not remove):
        raise typer.BadParameter("give UNITS or --remove, not both")
    engine, jurisdiction = open_registry(db)
    now, principal = moment_of(at, engine), acting(engine, who)
    made, issues = account_limits.propose(engine, jurisdiction, account, units, principal, now)
    audit_cli(engine, principal, "account_limit_propose", account, issues, now)
    if issues:
        raise refused(engine, issues)
    engine.dispose()
    assert made is not None
    by = _confirmer(account_limits.confirmers(jurisdiction, now))
    typer.echo(f"request {made.id}: {_units(units)} on {account} awaits {by} confirmation")


@limits_app.command("confirm")
def confirm(account: str, request: int, who: As, db: Db = None, at: At = None) -> None:
    """Confirm a colleague's proposed change REQUEST (a different representative who may
    approve, or the regulator, as the rulebook says); it counts at once."""
    engine, jurisdiction = open_registry(db)
    now, principal = moment_of(at, engine), acting(engine, who)
    done, issues = account_limits.confirm(engine, jurisdiction, account, request, principal, now)
    audit_cli(engine, principal, "account_limit_confirm", f"{account}/{request}", issues, now)
    if issues:
        raise refused(engine, issues)
    engine.dispose()
    assert done is not None
    typer.echo(f"request {request} confirmed: {account} has "
               f"{_units(done.max_units_per_transaction)} from {done.set_at.isoformat()}")  # fmt: skip


@limits_app.command("withdraw")
def withdraw(account: str, request: int, who: As, db: Db = None, at: At = None) -> None:
    """Withdraw your proposed change REQUEST, or turn down a colleague's (or, where the
    rulebook lets the regulator confirm, the regulator turns it down)."""
    engine, jurisdiction = open_registry(db)
    now, principal = moment_of(at, engine), acting(engine, who)
    issues = account_limits.withdraw(engine, account, request, principal, now, jurisdiction)
    audit_cli(engine, principal, "account_limit_withdraw", f"{account}/{request}", issues, now)
    if issues:
        raise refused(engine, issues)
    engine.dispose()
    typer.echo(f"request {request} withdrawn")
