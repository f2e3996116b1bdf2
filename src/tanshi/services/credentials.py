"""Credentials after login: scoped API tokens and web sessions, stored as digests only."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import Engine

from tanshi.core.issues import Issue
from tanshi.core.moments import from_store, to_utc
from tanshi.services.identity import (
    TOKEN_PREFIX,
    announce_revoked,
    digest,
    principal_from_row,
    principal_query,
)
from tanshi.services.principals import Principal, Scope
from tanshi.store.engine import reading
from tanshi.store.schema import api_tokens, users, web_sessions


def issue_token(
    engine: Engine, principal: Principal, name: str, scopes: list[str], now: datetime,
    expires_in: timedelta | None = None,
) -> tuple[str | None, list[Issue]]:  # fmt: skip
    """A new API token with ``scopes`` (at most the user's role scopes); returned once."""
    known = {s.value for s in Scope}
    issues = [
        Issue("unknown_scope", f"{s} is not a scope; use {sorted(known)}", "scopes")
        for s in scopes
        if s not in known
    ]
    wanted = frozenset(Scope(s) for s in scopes if s in known)
    beyond = wanted - principal.scopes
    if beyond:
        issues.append(Issue("scope_exceeds_role",
                            f"a {principal.role.value} may not hold {sorted(beyond)}", "scopes"))  # fmt: skip
    if not wanted and not issues:
        issues.append(Issue("scopes_required", "ask for at least one scope, e.g. read", "scopes"))
    if issues:
        return None, issues
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as connection:
        connection.execute(api_tokens.insert().values(
            user_id=principal.user_id, token_sha256=digest(raw), name=name[:100],
            scopes=" ".join(sorted(wanted)), created_at=to_utc(now),
            expires_at=None if expires_in is None else to_utc(now + expires_in),
        ))  # fmt: skip
    return raw, []


def principal_for_token(engine: Engine, raw: str, now: datetime) -> Principal | None:
    """The user behind a bearer token, with the token's scopes; None if unknown or expired."""
    with reading(engine) as connection:
        row = connection.execute(
            principal_query()
            .add_columns(api_tokens.c.scopes, api_tokens.c.expires_at, api_tokens.c.revoked_at)
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(api_tokens.c.token_sha256 == digest(raw))
        ).first()
    if row is None or not row.active or row.revoked_at is not None:
        return None
    if row.expires_at is not None and from_store(row.expires_at) <= now:
        return None
    return principal_from_row(row, frozenset(Scope(s) for s in row.scopes.split()))


def open_session(engine: Engine, principal: Principal, now: datetime,
                 lifetime: timedelta) -> tuple[str, str]:  # fmt: skip
    """A new web session: returns (cookie value, CSRF token)."""
    raw, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with engine.begin() as connection:
        connection.execute(web_sessions.insert().values(
            user_id=principal.user_id, token_sha256=digest(raw), csrf_token=csrf,
            created_at=to_utc(now), expires_at=to_utc(now + lifetime),
        ))  # fmt: skip
    return raw, csrf


def session_of(engine: Engine, raw: str, now: datetime) -> tuple[Principal, str] | None:
    """The principal and CSRF token of a live session cookie."""
    with reading(engine) as connection:
        row = connection.execute(
            principal_query()
            .add_columns(web_sessions.c.csrf_token, web_sessions.c.expires_at,
                         web_sessions.c.closed_at)
            .join(web_sessions, web_sessions.c.user_id == users.c.id)
            .where(web_sessions.c.token_sha256 == digest(raw))
        ).first()  # fmt: skip
    if row is None or not row.active or row.closed_at is not None:
        return None
    if from_store(row.expires_at) <= now:
        return None
    return principal_from_row(row), row.csrf_token


def close_session(engine: Engine, raw: str, now: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(
            web_sessions.update()
            .where(web_sessions.c.token_sha256 == digest(raw))
            .values(closed_at=to_utc(now))
        )


def revoke_token(engine: Engine, raw: str, now: datetime) -> bool:
    """Revoke a token (from then on it is refused); False if it was unknown or revoked."""
    with engine.begin() as connection:
        done = connection.execute(
            api_tokens.update()
            .where(api_tokens.c.token_sha256 == digest(raw), api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=to_utc(now))
        )
        announce_revoked(connection, token=raw)
    return bool(done.rowcount)
