"""``tanshi registry trusted list | propose-add | remove | confirm | withdraw``: an account's
trusted list changed by two users of the service at two moments, as through the API.

Each write acts as the user ``--as`` names (a user of the service who represents the
account), is audited like an API write (source ``cli``) and prints the request's number or
what was done. A request is its own idempotency key: proposing what already waits is refused
with the waiting request's number, and a decided request cannot be decided again.
"""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import Annotated

import typer
from sqlalchemy import Engine
from typer.core import TyperGroup

from tanshi.cli import common
from tanshi.cli.common import fail
from tanshi.cli.registry_ops import At, Db, moment_of, open_registry
from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.services import access_log, identity, trust_requests, trusted_list
from tanshi.services.principals import Principal


class _ListByDefault(TyperGroup):
    """``tanshi registry trusted ACCOUNT`` (the command before the group) still lists."""

    def resolve_command(self, ctx: typer.Context, args: list[str]):  # type: ignore[override]  # typer passes a typer.Context
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["list", *args]
        return super().resolve_command(ctx, args)


trusted_app = typer.Typer(
    cls=_ListByDefault, no_args_is_help=True,
    help="An account's trusted list: list it, propose an addition or a removal, confirm or "
    "withdraw a colleague's.",
)  # fmt: skip
As = Annotated[str, typer.Option("--as", help=(
    "The user of the service acting (a representative of the account; `tanshi user add`)."))]  # fmt: skip


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"


def acting(engine: Engine, username: str) -> Principal:
    found = identity.principal_named(engine, username)
    if found is None:
        engine.dispose()
        raise fail(f"no active user {username}: these commands act as a user of the service "
                   "(add one with `tanshi user add`, then make them a representative with "
                   "`tanshi registry representative`)", 2)  # fmt: skip
    return found


def audit_cli(engine: Engine, who: Principal, action: str, target: str, issues: list[Issue],
           now: datetime) -> None:  # fmt: skip
    result = issues[0].code if issues else "ok"
    access_log.audit(engine, who, action, target, "cli", result, now,
                     {"via": "cli", "os_user": _os_user()})  # fmt: skip


def refused(engine: Engine, issues: list[Issue]) -> typer.Exit:
    """Dispose of ``engine``, print the problems (``common.refused``) and return the Exit."""
    engine.dispose()
    return common.refused(issues)


def _pending_line(request: trust_requests.TrustRequest) -> str:
    what = "removal" if request.change == "remove" else "addition"
    return (f"request {request.id}: {what} of {request.trusted} to confirm, proposed by "
            f"{request.requested_by} at {request.requested_at.isoformat()}")  # fmt: skip


@trusted_app.command("list")
def list_trusted(account: str, db: Db = None) -> None:
    """The account's trusted list, with when each entry counts from, then the changes
    awaiting confirmation."""
    engine, _ = open_registry(db)
    try:
        entries = trusted_list.trusted_list(engine, account)
        waiting = trust_requests.pending(engine, account)
    except TanshiError as error:
        raise common.failed(error, 1, "nothing to list") from error
    finally:
        engine.dispose()
    for entry in entries:
        typer.echo(f"{entry.account}  from {entry.active_from.isoformat()}  "
                   f"({entry.requested_by}, approved by {entry.approved_by})")  # fmt: skip
    for request in waiting:
        typer.echo(_pending_line(request))


@trusted_app.command("propose-add")
def propose_add(account: str, trusted: str, who: As, db: Db = None, at: At = None) -> None:
    """Propose TRUSTED for ACCOUNT's trusted list; another representative confirms it."""
    engine, _ = open_registry(db)
    now, principal = moment_of(at, engine), acting(engine, who)
    made, issues = trust_requests.propose(engine, account, trusted, principal, now)
    audit_cli(engine, principal, "trusted_list_add", f"{account}/{trusted}", issues, now)
    if issues:
        raise refused(engine, issues)
    engine.dispose()
    assert made is not None
    typer.echo(f"request {made.id}: addition of {trusted} to the trusted list of {account} "
               "awaits another representative's confirmation")  # fmt: skip


@trusted_app.command("remove")
def remove(account: str, trusted: str, who: As, db: Db = None, at: At = None) -> None:
    """Take TRUSTED off ACCOUNT's trusted list: at once where the rulebook lets one
    representative do it, else as a request another representative confirms."""
    engine, jurisdiction = open_registry(db)
    now, principal = moment_of(at, engine), acting(engine, who)
    done, issues = trust_requests.remove(engine, jurisdiction, account, trusted, principal, now)
    audit_cli(engine, principal, "trusted_list_remove", f"{account}/{trusted}", issues, now)
    if issues:
        raise refused(engine, issues)
    engine.dispose()
    if isinstance(done, trust_requests.TrustRequest):
        typer.echo(f"request {done.id}: removal of {trusted} from the trusted list of {account} "
                   "awaits another representative's confirmation")  # fmt: skip
    else:
        typer.echo(f"{trusted} is no longer on the trusted list of {account}")


@trusted_app.command("confirm")
def confirm(account: str, request: int, who: As, db: Db = None, at: At = None) -> None:
    """Confirm a colleague's proposed change REQUEST (a different representative who may
    approve): an addition counts from the rulebook's N-th working day, a removal at once."""
    engine, jurisdiction = open_registry(db)
    now, principal = moment_of(at, engine), acting(engine, who)
    done, issues = trust_requests.confirm(engine, jurisdiction, account, request, principal, now)
    audit_cli(engine, principal, "trusted_list_confirm", f"{account}/{request}", issues, now)
    if issues:
        raise refused(engine, issues)
    engine.dispose()
    if isinstance(done, trust_requests.Removed):
        typer.echo(f"request {request} confirmed: {done.trusted} is no longer on the trusted "
                   f"list of {account}")  # fmt: skip
    else:
        assert done is not None
        typer.echo(f"request {request} confirmed: {done.trusted} is trusted by {account} from "
                   f"{done.active_from.isoformat()}")  # fmt: skip


@trusted_app.command("withdraw")
def withdraw(account: str, request: int, who: As, db: Db = None, at: At = None) -> None:
    """Withdraw your proposed change REQUEST, or turn down a colleague's."""
    engine, _ = open_registry(db)
    now, principal = moment_of(at, engine), acting(engine, who)
    issues = trust_requests.withdraw(engine, account, request, principal, now)
    audit_cli(engine, principal, "trusted_list_withdraw", f"{account}/{request}", issues, now)
    if issues:
        raise refused(engine, issues)
    engine.dispose()
    typer.echo(f"request {request} withdrawn")
