"""Tokens for machine clients (password + TOTP in, scoped bearer token out) and who am I."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from tanshi import __version__
from tanshi.api.clock import totp_moment
from tanshi.api.context import ServiceDep, authenticated, client_address
from tanshi.api.errors import ApiError, from_issues
from tanshi.api.models import Done, Health, Me, TokenOut, TokenRequest
from tanshi.services import access_log, authentication, credentials
from tanshi.services.principals import Principal

router = APIRouter(tags=["auth"])


@router.get("/health", response_model=Health)
def health() -> dict:
    """Liveness: no authentication, no database."""
    return {"status": "ok", "version": __version__}


@router.post("/auth/tokens", response_model=TokenOut, status_code=201)
def create_token(body: TokenRequest, request: Request, svc: ServiceDep) -> dict:
    """Exchange a password (and TOTP code, for roles that need one) for a scoped API token.

    Rate limited per client address; wrong answers count towards the account's lockout.
    """
    address = client_address(request)
    if not svc.throttle.allow(address):
        raise ApiError(429, "too_many_attempts", "too many login attempts; wait a minute",
                       headers={"Retry-After": "60"})  # fmt: skip
    now = svc.now()
    principal, problem = authentication.authenticate(
        svc.engine,
        body.username,
        body.password,
        body.totp,
        now,
        svc.policy,
        totp_at=totp_moment(svc),
    )
    if principal is None:
        assert problem is not None
        access_log.audit(svc.engine, None, "login", body.username, address, problem.code, now,
                       {"via": "api"})  # fmt: skip
        raise ApiError(401, problem.code, problem.message, "body.password")
    if principal.must_change_password:
        access_log.audit(svc.engine, principal, "token_issued", body.name, address,
                         "password_change_required", now)  # fmt: skip
        raise ApiError(403, "password_change_required",
                       "an administrator set your password: choose your own first "
                       "(POST /v1/auth/password, or log in to the web UI)", "body.password")  # fmt: skip
    expires = None if body.expires_in_days is None else timedelta(days=body.expires_in_days)
    token, issues = credentials.issue_token(
        svc.engine, principal, body.name, body.scopes, now, expires
    )
    if token is None:
        raise from_issues(422, issues, lambda _i: "body.scopes")
    access_log.audit(svc.engine, principal, "token_issued", body.name, address, "ok", now,
                   {"scopes": sorted(body.scopes)})  # fmt: skip
    return {"token": token, "scopes": sorted(set(body.scopes)),
            "expires_in_days": body.expires_in_days}  # fmt: skip


@router.post("/auth/tokens/revoke", response_model=Done)
def revoke(
    request: Request, svc: ServiceDep, principal: Annotated[Principal, Depends(authenticated)]
) -> dict:
    """Revoke the token this request carries (log out a machine client)."""
    raw = request.headers.get("authorization", "").split(" ", 1)[-1]
    credentials.revoke_token(svc.engine, raw, svc.now())
    svc.tokens.forget(raw)
    access_log.audit(svc.engine, principal, "token_revoked", principal.username,
                   client_address(request), "ok", svc.now())  # fmt: skip
    return {"result": "ok"}


@router.get("/me", response_model=Me)
def me(principal: Annotated[Principal, Depends(authenticated)]) -> dict:
    """The user behind the token, and the token's scopes."""
    return {"username": principal.username, "display_name": principal.display_name,
            "role": principal.role.value, "organisation": principal.organisation,
            "company": principal.company, "scopes": sorted(principal.scopes),
            "locale": principal.locale, "jurisdiction": principal.jurisdiction}  # fmt: skip
