"""Looking after users through the API: one's own password, and an administrator's resets.

Secrets made here (a temporary password, a new TOTP secret) are answered once: a retry with
the same Idempotency-Key gets the answer without them, since the kept answers are stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, StringConstraints

from tanshi.api.clock import totp_moment
from tanshi.api.context import (
    IdempotencyKey,
    Service,
    ServiceDep,
    client_address,
    fingerprint,
    needs,
)
from tanshi.api.errors import ApiError, from_issues
from tanshi.api.limits import PASSWORD_CHARS, TOTP_CHARS, USERNAME_CHARS
from tanshi.api.models import Done, Strict
from tanshi.core.issues import Issue
from tanshi.services import access_log, authentication, user_admin
from tanshi.services.principals import Principal, Scope

router = APIRouter(tags=["administration"])
Admin = Annotated[Principal, Depends(needs(Scope.ADMIN))]
Username = Annotated[str, Path(max_length=USERNAME_CHARS)]
# Refusals that say "not you, not this user", as opposed to "no such user".
FORBIDDEN = {"cannot_reset_yourself", "administrator_needs_the_command_line",
             "representative_needs_second_administrator"}  # fmt: skip
_FIELDS = {"current_password": "password"}


class PasswordChangeIn(Strict):
    username: Annotated[str, StringConstraints(min_length=1, max_length=USERNAME_CHARS)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_CHARS)]
    totp: Annotated[str | None, StringConstraints(max_length=TOTP_CHARS)] = None
    new_password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_CHARS)]


class PasswordResetOut(BaseModel):
    username: str
    temporary_password: str | None  # null when a retry replays the kept answer


class SecondFactorOut(BaseModel):
    username: str
    totp_secret: str | None  # null when a retry replays the kept answer
    totp_provisioning_uri: str | None


@router.post("/auth/password", response_model=Done)
def change_password(body: PasswordChangeIn, request: Request, svc: ServiceDep) -> dict:
    """Change your own password: the current one and (for roles that need it) a one-time code,
    like a login. Also how a user whose password an administrator set chooses their own.
    Closes your web sessions; your API tokens stay."""
    address = client_address(request)
    if not svc.throttle.allow(address):
        raise ApiError(429, "too_many_attempts", "too many login attempts; wait a minute",
                       headers={"Retry-After": "60"})  # fmt: skip
    # The new password's problems first, before a one-time code is spent on the login.
    problems = user_admin.password_problems(body.username, body.new_password)
    if body.new_password == body.password:
        problems.append(Issue("password_unchanged", "choose a password other than the current "
                              "one", "new_password"))  # fmt: skip
    if problems:
        raise from_issues(422, problems, lambda i: f"body.{i.where}")
    now = svc.now()
    principal, problem = authentication.authenticate(svc.engine, body.username, body.password,
                                               body.totp, now, svc.policy,
                                               totp_at=totp_moment(svc))  # fmt: skip
    if principal is None:
        assert problem is not None
        access_log.audit(svc.engine, None, "password_change", body.username, address,
                         problem.code, now, {"via": "api"})  # fmt: skip
        raise ApiError(401, problem.code, problem.message, "body.password")
    issues = user_admin.change_password(svc.engine, principal.user_id, body.password,
                                        body.new_password, now, svc.policy)  # fmt: skip
    access_log.audit(svc.engine, principal, "password_change", principal.username, address,
                     issues[0].code if issues else "ok", now, {"via": "api"})  # fmt: skip
    if issues:
        raise from_issues(422, issues, lambda i: f"body.{_FIELDS.get(i.where, i.where)}")
    return {"result": "ok"}


def _shown_once(
    svc: Service, request: Request, who: Principal, key: str, action: str, target: str,
    run: Callable[[], dict[str, Any]], secret_fields: tuple[str, ...],
) -> dict[str, Any]:  # fmt: skip
    """Like ``idempotent_write``, but the kept answer has ``secret_fields`` blanked."""
    print_ = fingerprint(request, {"username": target})
    stored = access_log.stored_response(svc.engine, who.user_id, key)
    if stored is not None:
        if stored[0] != print_:
            raise ApiError(409, "idempotency_key_reused_with_different_request",
                           "this Idempotency-Key was used for another request; use a new key",
                           "header.Idempotency-Key")  # fmt: skip
        if stored[1] >= 400:
            raise ApiError(stored[1], stored[2]["error"]["code"], stored[2]["error"]["message"],
                           stored[2]["error"]["field"])  # fmt: skip
        return stored[2]
    now = svc.now()
    audit: access_log.Audit = {
        "action": action, "target": target, "source_ip": client_address(request),
        "detail": {"request": {"username": target}, "key": key},
    }  # fmt: skip
    try:
        body = run()
    except ApiError as error:
        access_log.finish_write(svc.engine, who, key, print_, error.status, error.body(), now,
                                keep=True, result=error.code, **audit)  # fmt: skip
        raise
    kept = body | dict.fromkeys(secret_fields)
    access_log.finish_write(svc.engine, who, key, print_, 200, kept, now, keep=True,
                            result="ok", **audit)  # fmt: skip
    return body


def _refusal(issues) -> ApiError:
    status = 403 if issues[0].code in FORBIDDEN else 404
    return from_issues(status, issues, lambda _i: "path.username")


@router.post("/users/{username}/reset-password", response_model=PasswordResetOut)
def reset_password(
    username: Username, request: Request, key: IdempotencyKey, svc: ServiceDep, who: Admin
) -> dict:
    """A temporary password for another user (not an administrator), answered once; they must
    change it at the next login. Unlocks them, closes their sessions, revokes their tokens."""

    def run() -> dict[str, Any]:
        password, issues = user_admin.reset_password(svc.engine, who, username, svc.now())
        if issues:
            raise _refusal(issues)
        svc.tokens.forget()
        return {"username": username, "temporary_password": password}

    return _shown_once(svc, request, who, key, "user_password_reset", username, run,
                       ("temporary_password",))  # fmt: skip


@router.post("/users/{username}/reset-second-factor", response_model=SecondFactorOut)
def reset_second_factor(
    username: Username, request: Request, key: IdempotencyKey, svc: ServiceDep, who: Admin
) -> dict:
    """Enrol a new TOTP secret for another user (not an administrator), answered once; the old
    one stops working. Closes their sessions and revokes their tokens."""

    def run() -> dict[str, Any]:
        enrolment, issues = user_admin.reset_second_factor(svc.engine, who, username, svc.now())
        if issues:
            raise _refusal(issues)
        assert enrolment is not None
        svc.tokens.forget()
        return {"username": username, "totp_secret": enrolment.secret,
                "totp_provisioning_uri": enrolment.uri}  # fmt: skip

    return _shown_once(svc, request, who, key, "user_totp_reset", username, run,
                       ("totp_secret", "totp_provisioning_uri"))  # fmt: skip


@router.post("/users/{username}/unlock", response_model=Done)
def unlock(
    username: Username, request: Request, key: IdempotencyKey, svc: ServiceDep, who: Admin
) -> dict:
    """Clear another user's failed logins and lockout."""

    def run() -> dict[str, Any]:
        issues = user_admin.unlock(svc.engine, who, username)
        if issues:
            raise _refusal(issues)
        return {"result": "ok"}

    return _shown_once(svc, request, who, key, "user_unlock", username, run, ())
