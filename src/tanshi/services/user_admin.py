"""Looking after users: changing one's password, and an administrator's resets and unlocks.

The rules (docs/security.md, "Resets"): nobody resets themselves (that would let a stolen
password skip the second factor); an administrator resets other users from the web page or
the API, but an administrator's password, second factor or lockout only from the command
line on the server (``actor=None`` here), which needs the database's credentials. A password
set by an administrator is temporary: its user must choose their own at the next login.
A reset closes the user's sessions and revokes their API tokens.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy import Connection, Engine, select

from tanshi.core.issues import Issue
from tanshi.core.moments import from_store, to_utc
from tanshi.services.authentication import LoginPolicy, represents_an_account
from tanshi.services.identity import (
    MIN_PASSWORD_CHARS,
    announce_principals_changed,
    digest,
    end_credentials,
    hash_password,
    password_matches,
    password_too_short,
)
from tanshi.services.principals import Principal, Role
from tanshi.services.secret_box import keyring, seal
from tanshi.store.engine import reader
from tanshi.store.schema import companies, jurisdictions, organisations, users, web_sessions

MAX_PASSWORD_CHARS = 200
# Temporary passwords: 4 groups of 4 from 31 unambiguous characters (about 79 bits).
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A new TOTP secret, shown once: the secret and the URI an authenticator app scans."""

    username: str
    secret: str
    uri: str


def temporary_password() -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))


def password_problems(username: str, new: str, where: str = "new_password") -> list[Issue]:
    """What is wrong with a password a user chose (every problem at once)."""
    issues = []
    if len(new) < MIN_PASSWORD_CHARS:
        issues.append(password_too_short(where))
    if len(new) > MAX_PASSWORD_CHARS:
        issues.append(
            Issue.of(
                "password_too_long", "use at most {most} characters", where, most=MAX_PASSWORD_CHARS
            )
        )
    if username and username.lower() in new.lower():
        issues.append(
            Issue.of("password_contains_username", "do not put your username in it", where)
        )
    return issues


def change_password(
    engine: Engine, user_id: int, current: str, new: str, now: datetime,
    policy: LoginPolicy | None = None, keep_session: str | None = None,
) -> list[Issue]:  # fmt: skip
    """A user changes their own password, proving the current one.

    A wrong current password counts towards the lockout like a wrong login. On success the
    user's other web sessions are closed (``keep_session`` is the raw cookie of the one to
    keep); API tokens stay, as separate credentials the user revokes themselves.
    """
    policy = policy or LoginPolicy()
    with engine.begin() as connection:
        row = connection.execute(select(users).where(users.c.id == user_id)).first()
        if row is None or not row.active:
            return [Issue.of("unknown_user", "no such active user", "username")]
        if row.locked_until is not None and from_store(row.locked_until) > now:
            return [
                Issue.of(
                    "account_locked",
                    "too many wrong passwords: try again later, or ask an administrator "
                    "to unlock you",
                    "current_password",
                )
            ]
        if not password_matches(row.password_hash, current):
            failures = int(row.failed_logins) + 1
            locked = to_utc(now + policy.lockout) if failures >= policy.max_failures else None
            connection.execute(users.update().where(users.c.id == user_id).values(
                failed_logins=0 if locked else failures, locked_until=locked))  # fmt: skip
            return [
                Issue.of(
                    "current_password_wrong", "the current password is wrong", "current_password"
                )
            ]
        issues = password_problems(row.username, new)
        if new == current:
            issues.append(
                Issue.of(
                    "password_unchanged",
                    "choose a password other than the current one",
                    "new_password",
                )
            )
        if issues:
            return issues
        connection.execute(users.update().where(users.c.id == user_id).values(
            password_hash=hash_password(new), must_change_password=False, failed_logins=0,
            locked_until=None,
        ))  # fmt: skip
        others = web_sessions.update().where(
            web_sessions.c.user_id == user_id, web_sessions.c.closed_at.is_(None)
        )
        if keep_session:
            others = others.where(web_sessions.c.token_sha256 != digest(keep_session))
        connection.execute(others.values(closed_at=to_utc(now)))
    return []


def _target(connection: Connection, actor: Principal | None, username: str):
    """The user an administrator acts on, or the issue that forbids it."""
    row = connection.execute(select(users).where(users.c.username == username)).first()
    if row is None:
        return None, Issue.of("unknown_user", "no user {username}", "username", username=username)
    if actor is None:  # the command line on the server
        return row, None
    if row.id == actor.user_id:
        return None, Issue.of(
            "cannot_reset_yourself",
            "another administrator must do it; change your own password under My account",
            "username",
        )
    if row.role == Role.ADMINISTRATOR.value:
        return None, administrator_needs_command_line(username)
    return row, None


def administrator_needs_command_line(username: str) -> Issue:
    return Issue.of(
        "administrator_needs_the_command_line",
        "administrators are created and reset only on the server: tanshi user … --db …",
        "username",
    )


def reset_password(
    engine: Engine, actor: Principal | None, username: str, now: datetime
) -> tuple[str | None, list[Issue]]:
    """A temporary password for ``username`` (returned once), to be changed at the next login.

    Also unlocks the user, closes their sessions and revokes their tokens.
    """
    with engine.begin() as connection:
        row, problem = _target(connection, actor, username)
        if problem is not None:
            return None, [problem]
        chosen = temporary_password()
        connection.execute(users.update().where(users.c.id == row.id).values(
            password_hash=hash_password(chosen), must_change_password=True, failed_logins=0,
            locked_until=None,
        ))  # fmt: skip
        end_credentials(connection, row.id, now)
    return chosen, []


def reset_second_factor(
    engine: Engine, actor: Principal | None, username: str, now: datetime
) -> tuple[Enrolment | None, list[Issue]]:
    """A new TOTP secret for ``username`` (the old one stops working), returned once.

    Closes the user's sessions and revokes their tokens; any role may be enrolled. An
    administrator (``actor``) may not renew the second factor of a user who represents an
    account: that takes a second administrator (``admin_approvals``), as for administrators.
    """
    ring = keyring(engine)
    with engine.begin() as connection:
        row, problem = _target(connection, actor, username)
        if problem is not None:
            return None, [problem]
        if actor is not None and represents_an_account(connection, username):
            return None, [
                Issue.of(
                    "representative_needs_second_administrator",
                    "{username} may initiate or approve on a registry account: a new "
                    "second factor takes a second administrator; ask for one (on the "
                    "users page, or POST /v1/admin-requests)",
                    "username",
                    username=username,
                )
            ]
        secret = pyotp.random_base32()
        connection.execute(users.update().where(users.c.id == row.id).values(
            totp_secret=seal(ring, username, secret), totp_last_step=None))  # fmt: skip
        end_credentials(connection, row.id, now)
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="tanshi")
    return Enrolment(username, secret, uri), []


def unlock(engine: Engine, actor: Principal | None, username: str) -> list[Issue]:
    """Clear a user's failed logins and lockout (another administrator, or the command line)."""
    with engine.begin() as connection:
        row = connection.execute(select(users).where(users.c.username == username)).first()
        if row is None:
            return [Issue.of("unknown_user", "no user {username}", "username", username=username)]
        if actor is not None and row.id == actor.user_id:
            return [
                Issue.of("cannot_reset_yourself", "another administrator must do it", "username")
            ]
        connection.execute(users.update().where(users.c.id == row.id).values(
            failed_logins=0, locked_until=None))  # fmt: skip
    return []


def has_second_factor(engine: Engine, username: str) -> bool:
    with reader(engine).connect() as connection:
        return bool(connection.execute(
            select(users.c.totp_secret.is_not(None)).where(users.c.username == username)
        ).scalar())  # fmt: skip


def set_organisation_jurisdiction(engine: Engine, code: str, jurisdiction: str) -> list[Issue]:
    """Put organisation ``code`` in ``jurisdiction`` (the operator's fix for a regulator the
    migration 0018_org_jurisdictions could not place); a company's stays its company's."""
    where = f"organisation {code}"
    with engine.begin() as connection:
        found = connection.execute(
            select(organisations.c.id, companies.c.jurisdiction_id.label("company_place"))
            .outerjoin(companies, companies.c.id == organisations.c.company_id)
            .where(organisations.c.code == code)
        ).first()
        place = connection.execute(
            select(jurisdictions.c.id).where(jurisdictions.c.code == jurisdiction)
        ).scalar()
        issues = []
        if found is None:
            issues.append(
                Issue.of("unknown_organisation", "no organisation {code}", where, code=code)
            )
        if place is None:
            issues.append(
                Issue.of(
                    "unknown_jurisdiction",
                    "no jurisdiction {jurisdiction}",
                    where,
                    jurisdiction=jurisdiction,
                )
            )
        if found is not None and found.company_place not in (None, place):
            issues.append(
                Issue.of(
                    "jurisdiction_mismatch",
                    "{code} is a company's organisation: it stays in its company's jurisdiction",
                    where,
                    code=code,
                )
            )
        if issues:
            return issues
        assert found is not None
        connection.execute(
            organisations.update()
            .where(organisations.c.id == found.id)
            .values(jurisdiction_id=place)
        )
        announce_principals_changed(connection)  # its users' cached tokens now see less
    return []
