"""``tanshi user``: people on the server's command line — the first administrator, and the
resets the web page and the API refuse (an administrator's, docs/security.md "Resets").

Whoever can run these holds the database's credentials, so they act without logging in;
every change is written to the audit log with ``via: cli`` and the operating-system user.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from tanshi.cli.common import open_or_exit, refused
from tanshi.cli.registry_ops import moment_of
from tanshi.cli.serve import served_url
from tanshi.core.issues import Issue
from tanshi.services import access_log, identity, secret_box, user_admin
from tanshi.store.engine import DEFAULT_DATABASE_TEXT

user_app = typer.Typer(help="Users on the server: add, reset, unlock.", no_args_is_help=True)
Db = Annotated[
    str | None,
    typer.Option(help=f"SQLite file or database URL (default: {DEFAULT_DATABASE_TEXT})"),
]  # fmt: skip


@contextmanager
def _database(db: str | None) -> Iterator[Engine]:
    engine = open_or_exit(served_url(db))
    try:
        yield engine
    except (secret_box.SecretKeyMissing, secret_box.SecretKeyMismatch) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    finally:
        engine.dispose()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"


def _audit(engine: Engine, action: str, target: str, issues: list[Issue],
           detail: dict[str, Any] | None = None) -> None:  # fmt: skip
    result = issues[0].code if issues else "ok"
    access_log.audit(engine, None, action, target, "cli", result, moment_of(None, engine),
                     {"via": "cli", "os_user": _os_user(), **(detail or {})})  # fmt: skip


def _done_or_fail(issues: list[Issue]) -> None:
    if issues:
        raise refused(issues)


@user_app.command("organisation")
def add_organisation(
    code: str, name: str,
    kind: Annotated[str, typer.Argument(help=f"one of {', '.join(identity.ORGANISATION_KINDS)}")],
    company: Annotated[str | None, typer.Option(help="the covered company it is")] = None,
    jurisdiction: Annotated[str | None, typer.Option(
        help="the jurisdiction it belongs to (a company's is its company's; a regulator's is "
             "needed when the database holds several; none: it serves every jurisdiction)")] = None,
    db: Db = None,
) -> None:  # fmt: skip
    """Add an organisation (users belong to one)."""
    with _database(db) as engine:
        _, issues = identity.create_organisation(
            engine, code, name, kind, moment_of(None, engine), company, jurisdiction
        )
        _audit(engine, "organisation_create", code, issues,
               {"kind": kind, "company": company, "jurisdiction": jurisdiction})  # fmt: skip
        _done_or_fail(issues)
        typer.echo(f"organisation {code} added")


@user_app.command("organisation-jurisdiction")
def organisation_jurisdiction(code: str, jurisdiction: str, db: Db = None) -> None:
    """Put an organisation in a jurisdiction: its regulators, auditors and administrators then
    see and act on that jurisdiction only (docs/security.md, "Jurisdictions")."""
    with _database(db) as engine:
        issues = user_admin.set_organisation_jurisdiction(engine, code, jurisdiction)
        _audit(engine, "organisation_jurisdiction", code, issues, {"jurisdiction": jurisdiction})
        _done_or_fail(issues)
        typer.echo(f"organisation {code} is in jurisdiction {jurisdiction}")


@user_app.command("add")
def add_user(
    username: str,
    organisation: Annotated[str, typer.Option(help="the organisation's code")],
    role: Annotated[str, typer.Option(help="regulator, compliance_officer, verifier, trader, "
                                      "exchange_operator, auditor or administrator")],
    name: Annotated[str, typer.Option(help="the display name")],
    locale: Annotated[str, typer.Option(help="zh or en")] = "zh",
    db: Db = None,
) -> None:  # fmt: skip
    """Add a user of any role (the first administrator too) with a temporary password, to be
    changed at the first login, and print the password and the TOTP enrolment once."""
    with _database(db) as engine:
        password = user_admin.temporary_password()
        _, issues = identity.create_user(engine, username, name, organisation, role, password,
                                         moment_of(None, engine), locale=locale,
                                         must_change_password=True)  # fmt: skip
        _audit(
            engine, "user_create", username, issues, {"role": role, "organisation": organisation}
        )
        _done_or_fail(issues)
        typer.echo(f"user {username} added; temporary password (shown once): {password}")
        uri = identity.provisioning_uri(engine, username)
        if uri:
            typer.echo(f"second factor (scan or type into an authenticator app): {uri}")


@user_app.command("reset-password")
def reset_password(username: str, db: Db = None) -> None:
    """Give a user (an administrator too) a temporary password, printed once; unlocks them,
    closes their sessions and revokes their tokens."""
    with _database(db) as engine:
        password, issues = user_admin.reset_password(
            engine, None, username, moment_of(None, engine)
        )
        _audit(engine, "user_password_reset", username, issues)
        _done_or_fail(issues)
        typer.echo(f"temporary password of {username} (shown once; to be changed at the next "
                   f"login): {password}")  # fmt: skip


@user_app.command("reset-second-factor")
def reset_second_factor(username: str, db: Db = None) -> None:
    """Enrol a new TOTP secret for a user (the old one stops working), printed once."""
    with _database(db) as engine:
        enrolment, issues = user_admin.reset_second_factor(
            engine, None, username, moment_of(None, engine)
        )
        _audit(engine, "user_totp_reset", username, issues)
        _done_or_fail(issues)
        assert enrolment is not None
        typer.echo(f"new TOTP secret of {username} (shown once): {enrolment.secret}")
        typer.echo(f"enrolment URI: {enrolment.uri}")


@user_app.command("unlock")
def unlock(username: str, db: Db = None) -> None:
    """Clear a user's failed logins and lockout."""
    with _database(db) as engine:
        issues = user_admin.unlock(engine, None, username)
        _audit(engine, "user_unlock", username, issues)
        _done_or_fail(issues)
        typer.echo(f"{username} unlocked")


@user_app.command("secret-key")
def secret_key() -> None:
    """Print a new key for TANSHI_SECRET_KEY, which seals the TOTP secrets at rest."""
    typer.echo(secret_box.new_key())


@user_app.command("reseal-secrets")
def reseal_secrets(db: Db = None) -> None:
    """Seal every TOTP secret with the key now configured: those stored before sealing and,
    in a key rotation, those under a key in TANSHI_OLD_SECRET_KEYS (docs/security.md)."""
    with _database(db) as engine:
        done = secret_box.reseal(engine)
        _audit(engine, "secrets_resealed", "users", [], {"resealed": done})
        typer.echo(f"{done} TOTP secrets sealed with key {secret_box.keyring(engine).current_id}")
