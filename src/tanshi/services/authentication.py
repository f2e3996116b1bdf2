"""Logging in: a password and, where one is needed, a TOTP code; failures counted and locked.

An unknown user and a wrong password get the same answer, after the same work; a TOTP code
is good for its time step and one step either way, once. Whether a user needs a second
factor depends on their role and on the registry accounts they represent. Users, their
passwords and TOTP secrets are made in ``identity.py``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import Connection, Engine, exists, or_, select

from tanshi.core.issues import Issue
from tanshi.core.moments import from_store, to_utc
from tanshi.services.identity import (
    password_hasher,
    password_matches,
    principal_from_row,
    principal_query,
)
from tanshi.services.principals import TOTP_REQUIRED_ROLES, Principal
from tanshi.services.secret_box import keyring, unseal
from tanshi.store.schema import representatives, users


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """How many wrong passwords lock an account, and for how long."""

    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)


def authenticate(
    engine: Engine,
    username: str,
    password: str,
    totp_code: str | None,
    now: datetime,
    policy: LoginPolicy = LoginPolicy(),
    totp_at: datetime | None = None,
) -> tuple[Principal | None, Issue | None]:
    """Check a password and, where one is needed, a TOTP code; count failures and lock.

    The same message answers an unknown user and a wrong password, so names cannot be probed.
    ``totp_at`` is the real time the user's authenticator app computes codes at, when the
    service runs on another clock (``now`` otherwise). A user who needs a second factor
    (``needs_second_factor``) but has none enrolled is refused with
    ``second_factor_not_enrolled`` after a correct password.
    """
    refused = Issue("login_failed", "the username, password or one-time code is wrong", "login")
    with engine.begin() as connection:
        row = connection.execute(
            select(users).where(users.c.username == username).with_for_update()
            if connection.dialect.name == "postgresql"
            else select(users).where(users.c.username == username)
        ).first()
        if row is None or not row.active:
            password_matches(_DUMMY_HASH, password)  # same work either way
            return None, refused
        if row.locked_until is not None and from_store(row.locked_until) > now:
            until = from_store(row.locked_until).strftime("%H:%M UTC")
            return None, Issue(
                "account_locked",
                f"too many failed logins: try again after {until}, or ask an administrator",
                "login",
            )
        ok = password_matches(row.password_hash, password)
        step = None
        if ok and not row.totp_secret and needs_second_factor(connection, row.username, row.role):
            return None, Issue(
                "second_factor_not_enrolled",
                "your role or your account rights need a one-time code, and none is enrolled: "
                "ask an administrator to reset your second factor",
                "login",
            )
        if ok and row.totp_secret:
            secret = unseal(keyring(engine), row.username, row.totp_secret)
            step = _totp_step(secret, totp_code, totp_at or now, row.totp_last_step)
            ok = step is not None
        if not ok:
            failures = int(row.failed_logins) + 1
            locked = to_utc(now + policy.lockout) if failures >= policy.max_failures else None
            connection.execute(
                users.update()
                .where(users.c.id == row.id)
                .values(failed_logins=0 if locked else failures, locked_until=locked)
            )
            return None, refused
        if row.failed_logins or row.locked_until is not None or step is not None:
            connection.execute(
                users.update()
                .where(users.c.id == row.id)
                .values(failed_logins=0, locked_until=None, totp_last_step=step)
            )
        found = connection.execute(principal_query().where(users.c.id == row.id)).one()
    return principal_from_row(found), None


def needs_second_factor(connection: Connection, username: str, role: str) -> bool:
    """Whether a user must log in with a TOTP code: their role writes, or they represent an
    account with the right to initiate or approve (whatever their role)."""
    if role in {r.value for r in TOTP_REQUIRED_ROLES}:
        return True
    return represents_an_account(connection, username)


def represents_an_account(connection: Connection, username: str) -> bool:
    """Whether the user may initiate or approve on some registry account."""
    return bool(connection.execute(select(exists().where(
        representatives.c.person == username,
        or_(representatives.c.can_initiate, representatives.c.can_approve),
    ))).scalar())  # fmt: skip


_DUMMY_HASH = password_hasher.hash("not a password of anyone")
TOTP_PERIOD_S = 30


def _totp_step(secret: str, code: str | None, now: datetime, last: int | None) -> int | None:
    """The time step ``code`` belongs to (one step of clock drift either way), if not used yet."""
    if not code or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_PERIOD_S)
    current = int(now.timestamp()) // TOTP_PERIOD_S
    for step in (current, current - 1, current + 1):
        if (last is None or step > last) and secrets.compare_digest(
            totp.at(step * TOTP_PERIOD_S), code
        ):
            return step
    return None
