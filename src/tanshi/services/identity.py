"""People: organisations, users with roles and scopes, passwords, TOTP secrets.

Passwords are hashed with argon2id. A user acts in the registry as the representative named
by their username (``representatives.person``), so the registry's four-eyes rule (an
approver must differ from the initiator) holds per user. Logging in (the password and TOTP
check, lockout) is in ``login.py``, tokens and sessions in ``credentials.py``, the audit log
in ``access_log.py``.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, select

from tanshi.core.issues import Issue
from tanshi.core.moments import to_utc
from tanshi.services.principals import (
    ROLE_SCOPES,
    TOTP_REQUIRED_ROLES,
    Principal,
    Role,
    Scope,
)
from tanshi.services.secret_box import keyring, seal, unseal
from tanshi.services.unique_keys import again_if_taken, unique_key
from tanshi.store.engine import reader
from tanshi.store.notifications import notify
from tanshi.store.schema import (
    api_tokens,
    companies,
    jurisdictions,
    organisations,
    users,
    web_sessions,
)

ORGANISATION_KINDS = (
    "regulator",
    "company",
    "verifier",
    "trader",
    "exchange",
    "auditor",
    "operator",
)
# Kinds that always belong to one jurisdiction (the others may serve several).
JURISDICTION_KINDS = frozenset({"regulator", "company"})
LOCALES = ("en", "zh")
USERNAME_CHARS = 60  # a username's most characters (api/limits.py shows it to the forms)
USERNAME = re.compile(rf"^[a-z0-9][a-z0-9._-]{{1,{USERNAME_CHARS - 1}}}$")
ORGANISATION_CODE_CHARS = 40  # an organisation's code's most characters
MIN_PASSWORD_CHARS = 12
TOKEN_PREFIX = "tsk_"

password_hasher = PasswordHasher()
ORGANISATION_CODE = unique_key(organisations, "code")
USERNAME_KEY = unique_key(users, "username")


def digest(secret: str) -> str:
    """The SHA-256 of a random token, as stored (tokens are high-entropy: no salt needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return password_hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@again_if_taken(ORGANISATION_CODE)
def create_organisation(
    engine: Engine, code: str, name: str, kind: str, now: datetime, company: str | None = None,
    jurisdiction: str | None = None,
) -> tuple[int | None, list[Issue]]:  # fmt: skip
    """Record an organisation; a company organisation names the covered company it is.

    A company's organisation is in its company's jurisdiction; a regulator's in the one named,
    or the database's only one (with several, one must be named: ``jurisdiction_required``).
    Any other kind is in the jurisdiction named, or serves every jurisdiction.
    """
    where = f"organisation {code}"
    issues = []
    if not re.match(rf"^[A-Za-z0-9][A-Za-z0-9_-]{{0,{ORGANISATION_CODE_CHARS - 1}}}$", code):
        issues.append(Issue.of("invalid_code", "use 1-40 letters, digits, '-' or '_'", where))
    if kind not in ORGANISATION_KINDS:
        issues.append(
            Issue.of(
                "unknown_kind",
                "kind must be one of {kinds}",
                where,
                kinds=", ".join(ORGANISATION_KINDS),
            )
        )
    if not name.strip():
        issues.append(Issue.of("name_required", "give the organisation's name", where))
    with engine.begin() as connection:
        company_id = None
        jurisdiction_id, more = organisation_jurisdiction(connection, kind, jurisdiction, where)
        issues += more
        if company is not None:
            found = connection.execute(
                select(companies.c.id, companies.c.jurisdiction_id).where(
                    companies.c.code == company
                )
            ).first()
            if found is None:
                issues.append(
                    Issue.of(
                        "unknown_company", "no covered company {company}", where, company=company
                    )
                )
            elif jurisdiction is not None and found.jurisdiction_id != jurisdiction_id:
                issues.append(
                    Issue.of(
                        "jurisdiction_mismatch",
                        "{company} is not in jurisdiction {jurisdiction}",
                        where,
                        company=company,
                        jurisdiction=jurisdiction,
                    )
                )
            else:
                company_id, jurisdiction_id = int(found.id), int(found.jurisdiction_id)
        if connection.execute(
            select(organisations.c.id).where(organisations.c.code == code)
        ).first():
            issues.append(
                Issue.of("organisation_exists", "{code} already exists", where, code=code)
            )
        if issues:
            return None, issues
        new_id = connection.execute(
            organisations.insert()
            .values(code=code, name=name, kind=kind, company_id=company_id,
                    jurisdiction_id=jurisdiction_id, created_at=to_utc(now))
            .returning(organisations.c.id)
        ).scalar_one()  # fmt: skip
    return int(new_id), []


def organisation_jurisdiction(
    connection: Connection, kind: str, code: str | None, where: str
) -> tuple[int | None, list[Issue]]:
    """The id of the jurisdiction an organisation of ``kind`` is created in (see
    ``create_organisation``), or the problems."""
    if code is not None:
        found = connection.execute(
            select(jurisdictions.c.id).where(jurisdictions.c.code == code)
        ).scalar()
        if found is None:
            return None, [
                Issue.of("unknown_jurisdiction", "no jurisdiction {code}", where, code=code)
            ]
        return int(found), []
    if kind != "regulator":
        return None, []
    held = connection.execute(select(jurisdictions.c.id)).scalars().all()
    if len(held) > 1:
        return None, [
            Issue.of(
                "jurisdiction_required",
                "name the regulator's jurisdiction: this database holds several",
                where,
            )
        ]
    return (int(held[0]) if held else None), []


def password_too_short(where: str) -> Issue:
    """The problem of a password shorter than ``MIN_PASSWORD_CHARS``."""
    return Issue.of("password_too_short", "use at least {least} characters", where,
                    least=MIN_PASSWORD_CHARS)  # fmt: skip


def display_name_required(where: str) -> Issue:
    """The problem of a user added without a display name (the name pages show for them)."""
    return Issue.of("display_name_required", "give the user's display name, the name pages "
                    "show for them, e.g. Li Wei", where)  # fmt: skip


def unknown_organisation(organisation: str, where: str) -> Issue:
    """The problem of an organisation code that names none."""
    return Issue.of("unknown_organisation", "no organisation {organisation}", where,
                    organisation=organisation)  # fmt: skip


@again_if_taken(USERNAME_KEY)
def create_user(
    engine: Engine,
    username: str,
    display_name: str,
    organisation: str,
    role: str,
    password: str,
    now: datetime,
    *,
    totp_secret: str | None = None,
    locale: str = "en",
    must_change_password: bool = False,
) -> tuple[int | None, list[Issue]]:
    """Add a user; roles that write get a TOTP secret (generated if not given).

    ``must_change_password``: the password was chosen by an administrator, so the user must
    choose their own at the first login.
    """
    where = f"user {username}"
    issues = []
    if not USERNAME.match(username):
        issues.append(
            Issue.of(
                "invalid_username", "use 2-60 lower-case letters, digits, '.', '_' or '-'", where
            )
        )
    if not display_name.strip():
        issues.append(display_name_required(where))
    if role not in {r.value for r in Role}:
        issues.append(
            Issue.of(
                "unknown_role",
                "role must be one of {roles}",
                where,
                roles=", ".join(r.value for r in Role),
            )
        )
    if len(password) < MIN_PASSWORD_CHARS:
        issues.append(password_too_short(where))
    if locale not in LOCALES:
        issues.append(
            Issue.of(
                "unknown_locale",
                "locale must be one of {locales}",
                where,
                locales=", ".join(LOCALES),
            )
        )
    if totp_secret is None and role in {r.value for r in TOTP_REQUIRED_ROLES}:
        totp_secret = pyotp.random_base32()
    stored = None if totp_secret is None else seal(keyring(engine), username, totp_secret)
    with engine.begin() as connection:
        organisation_id = connection.execute(
            select(organisations.c.id).where(organisations.c.code == organisation)
        ).scalar()
        if organisation_id is None:
            issues.append(unknown_organisation(organisation, where))
        if connection.execute(select(users.c.id).where(users.c.username == username)).first():
            issues.append(
                Issue.of("username_taken", "{username} is already a user", where, username=username)
            )
        if issues:
            return None, issues
        new_id = connection.execute(
            users.insert()
            .values(
                username=username, display_name=display_name, organisation_id=organisation_id,
                role=role, password_hash=hash_password(password), totp_secret=stored,
                locale=locale, failed_logins=0, locked_until=None, active=True,
                created_at=to_utc(now), must_change_password=must_change_password,
            )
            .returning(users.c.id)
        ).scalar_one()  # fmt: skip
    return int(new_id), []


def user_exists(engine: Engine, username: str) -> bool:
    with reader(engine).connect() as connection:
        return (
            connection.execute(select(users.c.id).where(users.c.username == username)).first()
            is not None
        )


def provisioning_uri(engine: Engine, username: str) -> str | None:
    """The otpauth:// URI an authenticator app scans to enrol the user's TOTP secret."""
    secret = totp_secret_of(engine, username)
    if secret is None:
        return None
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="tanshi")


def totp_secret_of(engine: Engine, username: str) -> str | None:
    """A user's TOTP secret, opened (it is stored sealed: services/secret_box.py)."""
    with reader(engine).connect() as connection:
        stored = connection.execute(
            select(users.c.totp_secret).where(users.c.username == username)
        ).scalar()
    return None if stored is None else unseal(keyring(engine), username, stored)


def principal_query():
    return (
        select(
            users.c.id, users.c.username, users.c.display_name, users.c.role,
            users.c.organisation_id, organisations.c.code.label("organisation"),
            companies.c.code.label("company"), users.c.locale, users.c.active,
            users.c.must_change_password, jurisdictions.c.code.label("jurisdiction"),
            organisations.c.jurisdiction_id,
        )
        .select_from(users.join(organisations))
        .outerjoin(companies, companies.c.id == organisations.c.company_id)
        .outerjoin(jurisdictions, jurisdictions.c.id == organisations.c.jurisdiction_id)
    )  # fmt: skip


def principal_from_row(row: Any, scopes: frozenset[Scope] | None = None) -> Principal:
    role = Role(row.role)
    allowed = ROLE_SCOPES[role]
    return Principal(
        int(row.id), row.username, row.display_name, role, int(row.organisation_id),
        row.organisation, row.company, allowed if scopes is None else scopes & allowed,
        row.locale, bool(row.must_change_password), row.jurisdiction, row.jurisdiction_id,
    )  # fmt: skip


def principal_of(engine: Engine, user_id: int) -> Principal | None:
    with reader(engine).connect() as connection:
        row = connection.execute(principal_query().where(users.c.id == user_id)).first()
    return None if row is None or not row.active else principal_from_row(row)


def principal_named(engine: Engine, username: str) -> Principal | None:
    with reader(engine).connect() as connection:
        row = connection.execute(principal_query().where(users.c.username == username)).first()
    return None if row is None or not row.active else principal_from_row(row)


def deactivate_user(engine: Engine, username: str, now: datetime) -> bool:
    """Deactivate a user: no login, no token, no session works; False if no such user."""
    with engine.begin() as connection:
        found = connection.execute(select(users.c.id).where(users.c.username == username)).scalar()
        if found is None:
            return False
        connection.execute(users.update().where(users.c.id == found).values(active=False))
        end_credentials(connection, found, now)
    return True


# Every server process drops a revoked token from its cache (api/tokens.py) on these
# messages: "token:<sha256 of the token>" or "user:<user id>" (all of the user's tokens).
TOKENS_CHANNEL = "tanshi_tokens"


def announce_revoked(connection: Connection, *, token: str | None = None,
                     user_id: int | None = None) -> None:  # fmt: skip
    """Tell every server process, once this transaction commits, to stop trusting ``token``
    (raw) or every token of ``user_id``."""
    payload = f"token:{digest(token)}" if token is not None else f"user:{user_id}"
    notify(connection, TOKENS_CHANNEL, payload)


def announce_principals_changed(connection: Connection) -> None:
    """Tell every server process, once this transaction commits, to look every token up
    again: what a principal may see changed (an organisation placed in a jurisdiction)."""
    notify(connection, TOKENS_CHANNEL, "all")


def end_credentials(connection: Connection, user_id: int, now: datetime) -> None:
    """Close a user's open web sessions and revoke their API tokens."""
    announce_revoked(connection, user_id=user_id)
    connection.execute(
        web_sessions.update()
        .where(web_sessions.c.user_id == user_id, web_sessions.c.closed_at.is_(None))
        .values(closed_at=to_utc(now))
    )
    connection.execute(
        api_tokens.update()
        .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=to_utc(now))
    )


def set_locale(engine: Engine, user_id: int, locale: str) -> None:
    if locale not in LOCALES:
        return
    with engine.begin() as connection:
        connection.execute(users.update().where(users.c.id == user_id).values(locale=locale))
