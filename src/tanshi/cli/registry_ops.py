"""``tanshi registry`` commands for people: representatives, proposals (and the list awaiting
one's approval), statuses, retirement.

Every command acts now (UTC) unless ``--at`` gives another moment, for replaying a day or
testing; the controls (business hours, delays) apply to that moment. On a demo database
"now" is the demo's own moment, as ``tanshi serve --demo-clock`` runs it
(services/demo_clock.py), so the tour's commands land in the demo's year.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy import Engine, select

from tanshi.cli.common import fail, failed, open_or_exit, refused, registry_refusal
from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.core.moments import local
from tanshi.registry import AccountStatus, Movement, ResultCode, TransactionRequest
from tanshi.registry.lifecycle import ProposalStatus
from tanshi.registry.serials import Range, format_block
from tanshi.services import approval_outlook, identity, lifecycle, operations, views
from tanshi.services.demo_clock import demo_moment
from tanshi.services.jurisdiction import (
    Jurisdiction,
    account_id,
    change_account_status,
    find_account,
    load_jurisdiction,
)
from tanshi.services.market import unit_class_by_code
from tanshi.services.principals import Principal, Role
from tanshi.store.engine import DEFAULT_DATABASE_TEXT, database_url
from tanshi.store.schema import jurisdictions, unit_blocks, unit_classes

Db = Annotated[
    str | None,
    typer.Option(help=f"SQLite file or database URL (default: {DEFAULT_DATABASE_TEXT})"),
]
At = Annotated[
    str | None,
    typer.Option(
        help="Act as of this ISO moment, e.g. 2017-04-07T15:00+08:00 (default: now; "
        "on a demo database the demo's own moment)."
    ),
]
Person = Annotated[str, typer.Option("--as", help="The person acting (a representative).")]


def moment_of(at: str | None, engine: Engine | None) -> datetime:
    """The moment ``--at`` names; without it now, or the demo's moment on a demo database
    (the clock ``serve --demo-clock`` starts from). Exits with status 2 when it is malformed."""
    if at is None:
        return (demo_moment(engine) if engine is not None else None) or datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(at.strip())
    except ValueError:
        raise fail(
            f"--at {at!r} is not an ISO 8601 moment; write the date, the time and the UTC "
            "offset, e.g. 2017-04-07T15:00+08:00",
            2,
        ) from None
    if moment.tzinfo is None:
        raise fail("give --at with its UTC offset, e.g. 2017-04-07T15:00+08:00", 2)
    return moment


ENV_JURISDICTION = "TANSHI_JURISDICTION"
_chosen: dict[str, str | None] = {"code": None}


def choose_jurisdiction(code: str | None) -> None:
    """Remember ``tanshi --jurisdiction CODE`` for the command that follows."""
    _chosen["code"] = code.strip() if code and code.strip() else None


def open_registry(db: str | None) -> tuple[Engine, Jurisdiction]:
    """The database and the jurisdiction a command acts on: the one named by ``tanshi
    --jurisdiction`` (or TANSHI_JURISDICTION), else the database's only one."""
    engine = open_or_exit(database_url(db))
    with engine.connect() as connection:
        codes = list(connection.execute(select(jurisdictions.c.code).order_by("code")).scalars())
    named = _chosen["code"]
    problem = None
    if named is not None and named not in codes:
        held = ", ".join(codes) if codes else "none"
        problem = f"no jurisdiction {named} in this database (it holds: {held}); name one of them"
    elif named is None and not codes:
        problem = (
            "the database holds no jurisdiction: run `tanshi demo` or `tanshi jurisdiction open`"
        )
    elif named is None and len(codes) > 1:
        problem = (
            f"the database holds {len(codes)} jurisdictions ({', '.join(codes)}); say which with "
            f"`tanshi --jurisdiction CODE …` or {ENV_JURISDICTION}=CODE"
        )
    if problem is not None:
        engine.dispose()
        raise fail(problem, 2)
    return engine, load_jurisdiction(engine, named or codes[0])


def _report(outcome: lifecycle.ProposalOutcome, proposal: int | None = None) -> None:
    """The proposal's status on stdout; a refusal in the problem shape on stderr (exit 1).

    A refused proposal is kept, failed, for the audit trail: the count line says so."""
    number = outcome.proposal_id if outcome.proposal_id is not None else proposal
    if outcome.result is ResultCode.OK:
        status = outcome.status.value if outcome.status else "-"
        release = f", release at {outcome.release_at.isoformat()}" if outcome.release_at else ""
        typer.echo(f"proposal {number}: {status} ({outcome.result.value}){release}")
        return
    kept = (f"proposal {number} is kept as failed; nothing was moved"
            if outcome.status is ProposalStatus.FAILED else "nothing was changed")  # fmt: skip
    where = f"proposal {number}" if number is not None else ""
    raise refused([registry_refusal(outcome.result, where)], kept)


def representative(
    account: str, person: str, db: Db = None,
    initiate: Annotated[bool, typer.Option(help="May propose transactions.")] = False,
    approve: Annotated[bool, typer.Option(help="May approve others' proposals.")] = False,
) -> None:  # fmt: skip
    """Give a person rights on an account (view is always given)."""
    engine, _ = open_registry(db)
    try:
        lifecycle.add_representative(engine, account, person, initiate=initiate, approve=approve)
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    typer.echo(f"{person} on {account}: initiate={initiate}, approve={approve}")


def propose_transfer(
    source: str, target: str, unit_class: str, quantity: int, key: str, person: Person,
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Propose a transfer; it then needs approval by another representative."""
    engine, jurisdiction = open_registry(db)
    try:
        now = moment_of(at, engine)
        with engine.connect() as connection:
            ids = (find_account(connection, source), find_account(connection, target),
                   unit_class_by_code(connection, unit_class))  # fmt: skip
        unknown = unknown_names(ids, (source, target, unit_class), jurisdiction.code)
        if not unknown:
            movement = Movement(*ids, quantity)  # type: ignore[arg-type]  # none is None here
            request = TransactionRequest("transfer", key, (movement,), now)
            outcome = lifecycle.propose(engine, jurisdiction, request, person, now)
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    if unknown:
        raise refused(unknown)
    _report(outcome)


def unknown_names(
    ids: tuple[int | None, ...], names: tuple[str, str, str], place: str
) -> list[Issue]:
    """What propose-transfer names that does not exist, each a problem at its argument."""
    account = (f"a company's operator holding account is {place}-OH-<company code>, e.g. "
               f"{place}-OH-C001")  # fmt: skip
    said = (
        ("source", "unknown_account", f"no registry account {names[0]}: {account}"),
        ("target", "unknown_account", f"no registry account {names[1]}: {account}"),
        ("unit_class", "unknown_unit_class", f"no unit class {names[2]}: `tanshi registry "
         f"blocks {names[0]}` lists the classes the account holds"),
    )  # fmt: skip
    return [Issue(code, message, where)
            for found, (where, code, message) in zip(ids, said, strict=True) if found is None]  # fmt: skip


def approver(engine: Engine, person: str) -> Principal:
    """Who ``registry proposals --as PERSON`` reads as: the user PERSON as the web and the API
    know them (role, organisation and its company, jurisdiction: ``identity.principal_named``),
    so the command lists the queue their pages show. A representative needs no login (``registry
    representative`` names any person), so one who is no active user reads as a representative
    only: the accounts they represent, in whichever jurisdiction."""
    found = identity.principal_named(engine, person)
    return found or Principal(0, person, person, Role.TRADER, 0, "", None, frozenset(), "en")


def proposals(person: Person, db: Db = None, at: At = None) -> None:
    """List the proposals awaiting PERSON's approval, with all an approver should see."""
    engine, jurisdiction = open_registry(db)
    places = {jurisdiction.code: jurisdiction}

    def place(code: str) -> Jurisdiction:  # the source account's: its calendar and delays
        if code not in places:
            places[code] = load_jurisdiction(engine, code)
        return places[code]

    try:
        now = moment_of(at, engine)
        page = views.proposal_list(engine, approver(engine, person), awaiting_my_approval=True,
                                   limit=200)  # fmt: skip
        shown = approval_outlook.with_outlook(engine, page.items, place, now)
    finally:
        engine.dispose()
    zone = jurisdiction.rulebook.rulebook.timezone
    for p in shown:
        ahead = "executes at once"
        if p["release_if_approved_now"]:
            held = local(p["release_if_approved_now"], zone)
            ahead = (f"delayed until {held} (destination not on the trusted list)"
                     if p["destination_trusted"] is False else f"queued until {held}")  # fmt: skip
        typer.echo(
            f"proposal {p['id']}: {p['type']} {p['quantity_units']} t {p['unit_class']} "
            f"{p['source_account']} -> {p['to_account']} ({p['to_holder']}), proposed "
            f"{local(p['proposed_at'], zone)} by {p['initiator']}; if approved now: {ahead}"
            + (f"; memo: {p['memo']}" if p["memo"] else "")
        )
    if not shown:
        typer.echo(f"nothing awaits {person}'s approval")


def approve(proposal: int, person: Person, db: Db = None, at: At = None) -> None:
    """Approve a proposal as a second representative (on the calendar and delays of the
    jurisdiction its source account is in, as the API and the web approve it)."""
    engine, jurisdiction = open_registry(db)
    try:
        place = lifecycle.proposal_jurisdiction(engine, proposal)
        if place is not None and place != jurisdiction.code:
            jurisdiction = load_jurisdiction(engine, place)
        outcome = lifecycle.approve(engine, jurisdiction, proposal, person, moment_of(at, engine))
    finally:
        engine.dispose()
    _report(outcome, proposal)


def cancel(proposal: int, person: Person, db: Db = None, at: At = None) -> None:
    """Cancel a proposal that awaits approval or is delayed."""
    engine, _ = open_registry(db)
    try:
        outcome = lifecycle.cancel(engine, proposal, person, moment_of(at, engine))
    finally:
        engine.dispose()
    _report(outcome, proposal)


def release(db: Db = None, at: At = None) -> None:
    """Execute the delayed and queued proposals whose time has come."""
    engine, _ = open_registry(db)
    try:
        outcomes = lifecycle.release_due(engine, moment_of(at, engine))
    finally:
        engine.dispose()
    for outcome in outcomes:
        typer.echo(f"proposal {outcome.proposal_id}: {outcome.status} ({outcome.result.value})")
    typer.echo(f"{len(outcomes)} released")


def trust(
    account: str, trusted: str, requested_by: Annotated[str, typer.Option()],
    approved_by: Annotated[str, typer.Option()], db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Add an account to another's trusted list (two representatives; active after N working days)."""
    engine, jurisdiction = open_registry(db)
    try:
        active = lifecycle.trust_account(engine, jurisdiction, account, trusted, requested_by,
                                         approved_by, moment_of(at, engine))  # fmt: skip
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    typer.echo(f"{trusted} is trusted by {account} from {active.isoformat()}")


def status(
    account: str, new_status: Annotated[AccountStatus, typer.Argument(metavar="STATUS")],
    reason: Annotated[str, typer.Option(help="Why, e.g. the court order number.")],
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Change an account's status: open, restricted, suspended, frozen, closure_pending, closed."""
    engine, _ = open_registry(db)
    try:
        change_account_status(engine, account, new_status, reason, moment_of(at, engine))
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    typer.echo(f"{account} is now {new_status.value}")


def retire(
    account: str, unit_class: str, quantity: int, key: str, person: Person,
    beneficiary: Annotated[str, typer.Option()], purpose: Annotated[str, typer.Option()],
    db: Db = None, at: At = None,
) -> None:  # fmt: skip
    """Retire units for a beneficiary (a representative who may initiate) and print the certificate."""
    engine, jurisdiction = open_registry(db)
    try:
        certificate, issues = operations.retire(engine, jurisdiction, account, unit_class, quantity,
                                                beneficiary, purpose, key, person, moment_of(at, engine))  # fmt: skip
    finally:
        engine.dispose()
    if certificate is None:
        raise refused(issues, "nothing was retired")
    typer.echo(certificate.text(), nl=False)


def blocks(account: str, db: Db = None) -> None:
    """List the serial blocks an account holds."""
    engine, _ = open_registry(db)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(unit_classes.c.code, unit_blocks.c.first_serial, unit_blocks.c.last_serial)
                .join(unit_classes)
                .where(unit_blocks.c.account_id == account_id(connection, account))
                .order_by(unit_classes.c.code, unit_blocks.c.first_serial)
            ).all()
    except TanshiError as error:
        raise failed(error) from error
    finally:
        engine.dispose()
    for code, first, last in rows:
        typer.echo(
            f"{format_block(code, Range(int(first), int(last)))}  ({int(last) - int(first) + 1} t)"
        )


def register(app: typer.Typer) -> None:
    """Add these commands to ``tanshi registry``."""
    for name, command in (
        ("representative", representative), ("propose-transfer", propose_transfer),
        ("proposals", proposals), ("approve", approve), ("cancel", cancel), ("release", release), ("trust", trust),
        ("status", status), ("retire", retire), ("blocks", blocks),
    ):  # fmt: skip
        app.command(name)(command)
