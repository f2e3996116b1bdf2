"""Four eyes in administration through the API: ask for an action that takes a second
administrator, list what waits, approve or reject (services/admin_approvals.py).

An approval answers its secrets once: a retry with the same Idempotency-Key gets them null,
since kept answers are stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, StringConstraints

from tanshi.api.context import IdempotencyKey, ServiceDep, idempotent_write, needs
from tanshi.api.errors import ApiError, from_issues
from tanshi.api.models import Done, Strict
from tanshi.services import admin_approvals
from tanshi.services.principals import Principal, Scope

router = APIRouter(tags=["administration"])
Admin = Annotated[Principal, Depends(needs(Scope.ADMIN))]
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]
# The status of each refusal: a conflict with the request's state, or "not you".
STATUS = {"request_pending": 409, "request_not_pending": 409, "username_taken": 409,
          "unknown_user": 404,
          "approver_must_differ_from_requester": 403, "cannot_reset_yourself": 403,
          "cannot_approve_your_own_rights": 403}  # fmt: skip
FIELDS = {"invalid_username": "username", "username_taken": "username",
          "unknown_organisation": "organisation", "unknown_locale": "locale",
          "request_pending": "username", "unknown_user": "username",
          "not_an_administrator": "username", "cannot_reset_yourself": "username"}  # fmt: skip


class AdminRequestIn(Strict):
    """``add_user`` needs display_name, organisation and role (one that takes a second
    administrator: regulator); ``reset_second_factor`` (or its older name
    ``reset_admin_second_factor``) names an administrator or a user who represents a registry
    account."""

    action: Literal["add_user", "reset_second_factor", "reset_admin_second_factor"]
    username: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    display_name: Annotated[str, StringConstraints(max_length=200)] = ""
    organisation: Annotated[str, StringConstraints(max_length=40)] = ""
    role: Annotated[str, StringConstraints(max_length=30)] = ""
    locale: Annotated[str, StringConstraints(max_length=10)] = "en"


class AdminRequestOut(BaseModel):
    id: int
    action: str
    target: str
    detail: dict[str, str | bool]
    requested_by: str
    requested_at: datetime


class AdminRequestMade(BaseModel):
    id: int
    state: str


class ApprovalOut(BaseModel):
    id: int
    username: str
    temporary_password: str | None  # null for a second factor, or when a retry replays
    totp_secret: str | None  # null when a retry replays the kept answer
    totp_provisioning_uri: str | None


def _refused(issues) -> ApiError:
    return from_issues(STATUS.get(issues[0].code, 422), issues,
                       lambda i: f"body.{FIELDS[i.code]}" if i.code in FIELDS else "path.id")  # fmt: skip


@router.get("/admin-requests", response_model=list[AdminRequestOut])
def pending_requests(_who: Admin, svc: ServiceDep) -> list[dict]:
    """The requests awaiting a second administrator, oldest first."""
    return admin_approvals.pending(svc.engine)


@router.post("/admin-requests", response_model=AdminRequestMade, status_code=201)
def ask(body: AdminRequestIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
        who: Admin) -> dict:  # fmt: skip
    """Ask for a regulator to be added, or for another administrator's new second factor;
    another administrator approves it."""

    def run() -> tuple[int, dict]:
        if body.action == admin_approvals.ADD_USER:
            if not admin_approvals.needs_second_administrator(body.role):
                raise ApiError(422, "no_second_administrator_needed", "this role is added "
                               "directly: POST /v1/users", "body.role")  # fmt: skip
            if not body.display_name.strip() or not body.organisation:
                raise ApiError(422, "name_required", "give the user's display_name and "
                               "organisation", "body.display_name")  # fmt: skip
            made, issues = admin_approvals.ask_to_add_user(
                svc.engine, who, body.username, body.display_name.strip(), body.organisation,
                body.role, body.locale, svc.now())  # fmt: skip
        else:
            made, issues = admin_approvals.ask_to_reset_second_factor(
                svc.engine, who, body.username, svc.now())  # fmt: skip
        if issues:
            raise _refused(issues)
        return 201, {"id": made, "state": admin_approvals.PENDING}

    return idempotent_write(svc, request, who, key, "admin_request", body.username,
                            body.model_dump(), run)[1]  # fmt: skip


@router.post("/admin-requests/{request_id}/approve", response_model=ApprovalOut)
def approve(request_id: RequestId, request: Request, key: IdempotencyKey, svc: ServiceDep,
            who: Admin) -> dict:  # fmt: skip
    """Approve, as a second administrator, and run the request: its secrets are answered
    once (a retry with the same key gets them null)."""

    def run() -> tuple[int, dict]:
        outcome, issues = admin_approvals.approve(svc.engine, who, request_id, svc.now())
        if issues:
            raise _refused(issues)
        assert outcome is not None
        svc.tokens.forget()
        return 200, {"id": request_id, "username": outcome.username,
                     "temporary_password": outcome.temporary_password,
                     "totp_secret": outcome.totp_secret,
                     "totp_provisioning_uri": outcome.totp_uri}  # fmt: skip

    return idempotent_write(svc, request, who, key, "admin_request_approve", str(request_id),
                            {"id": request_id}, run,
                            secret_fields=("temporary_password", "totp_secret",
                                           "totp_provisioning_uri"))[1]  # fmt: skip


@router.post("/admin-requests/{request_id}/reject", response_model=Done)
def reject(request_id: RequestId, request: Request, key: IdempotencyKey, svc: ServiceDep,
           who: Admin) -> dict:  # fmt: skip
    """Reject a request (the administrator who asked may withdraw it)."""

    def run() -> tuple[int, dict]:
        issues = admin_approvals.reject(svc.engine, who, request_id, svc.now())
        if issues:
            raise _refused(issues)
        return 200, {"result": "ok"}

    return idempotent_write(svc, request, who, key, "admin_request_reject", str(request_id),
                            {"id": request_id}, run)[1]  # fmt: skip
