"""Administration: organisations, users, account representatives, and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from tanshi.api.context import IdempotencyKey, Reader, ServiceDep, idempotent_write, needs
from tanshi.api.errors import ApiError, from_issues, refusal_status
from tanshi.api.limits import USERNAME_CHARS
from tanshi.api.models import (
    AuditOut,
    Done,
    OrganisationIn,
    OrganisationOut,
    Page,
    RepresentativeIn,
    RepresentativeSet,
    UserCreated,
    UserIn,
    UserOut,
)
from tanshi.api.routers.paging import PagingDep, page_body
from tanshi.core.issues import Issue
from tanshi.services import admin_approvals, admin_views, identity, user_admin
from tanshi.services.principals import Principal, Role, Scope

router = APIRouter(tags=["administration"])
Admin = Annotated[Principal, Depends(needs(Scope.ADMIN))]


@router.get("/organisations", response_model=Page[OrganisationOut])
def list_organisations(_who: Admin, svc: ServiceDep, paging: PagingDep) -> dict:
    return page_body(
        admin_views.organisation_list(svc.engine, limit=paging.limit, offset=paging.offset)
    )


@router.post("/organisations", response_model=Done, status_code=201)
def create_organisation(
    body: OrganisationIn, request: Request, key: IdempotencyKey, svc: ServiceDep, who: Admin
) -> dict:
    """Add an organisation; a company's organisation names the covered company."""

    def run() -> tuple[int, dict]:
        _, issues = identity.create_organisation(
            svc.engine,
            body.code,
            body.name,
            body.kind,
            svc.now(),
            body.company,
            body.jurisdiction,
        )
        if issues:
            raise _refused(issues)
        return 201, {"result": "ok"}

    return idempotent_write(svc, request, who, key, "organisation_create", body.code,
                            body.model_dump(), run)[1]  # fmt: skip


def _refused(issues: list[Issue]) -> ApiError:
    """Every problem at its field; 409 when the first is a name already taken (checked after
    the request's own problems, so only then is it otherwise right), else 422."""
    return from_issues(refusal_status(issues[0].code), issues,
                       lambda i: f"body.{_field(i.code)}")  # fmt: skip


def _field(code: str) -> str:
    return {"invalid_code": "code", "unknown_kind": "kind", "name_required": "name",
            "unknown_company": "company", "organisation_exists": "code",
            "unknown_jurisdiction": "jurisdiction", "jurisdiction_required": "jurisdiction",
            "jurisdiction_mismatch": "jurisdiction",
            "invalid_username": "username", "unknown_role": "role",
            "password_too_short": "password", "unknown_locale": "locale",
            "unknown_organisation": "organisation",
            "username_taken": "username"}.get(code, "")  # fmt: skip


@router.get("/users", response_model=Page[UserOut])
def list_users(_who: Admin, svc: ServiceDep, paging: PagingDep) -> dict:
    return page_body(admin_views.user_list(svc.engine, limit=paging.limit, offset=paging.offset))


@router.post("/users", response_model=UserCreated, status_code=201)
def create_user(
    body: UserIn, request: Request, key: IdempotencyKey, svc: ServiceDep, who: Admin
) -> dict:
    """Add a user (not an administrator: `tanshi user add` on the server does that; not a
    regulator: `POST /v1/admin-requests`, which a second administrator approves); for roles
        that need a second factor the TOTP provisioning URI is returned once (a retry with the
    same key gets it null: it is not stored). The password given
        is temporary: the user must choose their own at the first login."""
    payload = body.model_dump(exclude={"password"})

    def run() -> tuple[int, dict]:
        if body.role == Role.ADMINISTRATOR.value:
            problem = user_admin.administrator_needs_command_line(body.username)
            raise ApiError(403, problem.code, problem.message, "body.role")
        if admin_approvals.needs_second_administrator(body.role):
            raise ApiError(403, "second_administrator_needed", "a regulator is added by a "
                           "request a second administrator approves: POST /v1/admin-requests",
                           "body.role")  # fmt: skip
        _, issues = identity.create_user(
            svc.engine, body.username, body.display_name, body.organisation, body.role,
            body.password, svc.now(), locale=body.locale, must_change_password=True,
        )  # fmt: skip
        if issues:
            raise _refused(issues)
        uri = identity.provisioning_uri(svc.engine, body.username)
        return 201, {"username": body.username, "totp_provisioning_uri": uri}

    status, shown = idempotent_write(svc, request, who, key, "user_create", body.username,
                                     payload, run, secret_fields=("totp_provisioning_uri",))  # fmt: skip
    del status
    return shown


@router.post("/users/{username}/deactivate", response_model=Done)
def deactivate_user(
    username: Annotated[str, Path(max_length=USERNAME_CHARS)], request: Request, key: IdempotencyKey,
    svc: ServiceDep, who: Admin,
) -> dict:  # fmt: skip
    """Deactivate a user: their tokens are revoked and their sessions closed at once."""

    def run() -> tuple[int, dict]:
        if username == who.username:
            raise ApiError(422, "cannot_deactivate_yourself",
                           "ask another administrator to deactivate you", "path.username")  # fmt: skip
        if not identity.deactivate_user(svc.engine, username, svc.now()):
            raise ApiError(404, "unknown_user", f"no user {username}", "path.username")
        svc.tokens.forget()
        return 200, {"result": "ok"}

    return idempotent_write(svc, request, who, key, "user_deactivate", username,
                            {"username": username}, run)[1]  # fmt: skip


@router.post(
    "/accounts/{code}/representatives",
    response_model=RepresentativeSet,
    responses={202: {"model": RepresentativeSet, "description": "awaits a second administrator"}},
)
def add_representative(
    code: str, body: RepresentativeIn, request: Request, key: IdempotencyKey,
    svc: ServiceDep, who: Admin,
) -> JSONResponse:  # fmt: skip
    """Set a user's rights on an account (initiate and/or approve; view always).

    Rights the user already holds, or fewer, are set at once (200). A right the user lacks
    takes a second administrator: the answer is 202 with the request's id.
    """

    def run() -> tuple[int, dict]:
        request_id, issues = admin_approvals.set_account_rights(
            svc.engine, who, code, body.username, initiate=body.initiate,
            approve=body.approve, now=svc.now())  # fmt: skip
        if issues:
            status = {"unknown_account": 404, "request_pending": 409}.get(issues[0].code, 422)
            raise from_issues(status, issues, lambda i: "path.code" if i.code ==
                              "unknown_account" else f"body.{i.where}")  # fmt: skip
        if request_id is None:
            return 200, {"result": "ok", "request_id": None}
        return 202, {"result": "awaiting_second_administrator", "request_id": request_id}

    status, answer = idempotent_write(svc, request, who, key, "representative_set", code,
                                      body.model_dump(), run)  # fmt: skip
    return JSONResponse(answer, status_code=status)


@router.get("/audit", response_model=Page[AuditOut])
def audit_log(
    who: Reader, svc: ServiceDep, paging: PagingDep,
    action: Annotated[str | None, Query(max_length=60)] = None,
    username: Annotated[str | None, Query(max_length=USERNAME_CHARS)] = None,
) -> dict:  # fmt: skip
    """Every write through the API and the web UI: who, what, when, from where, result."""
    if not who.reads_all:
        raise ApiError(403, "auditors_only", "the audit log is for auditors, regulators and "
                       "administrators")  # fmt: skip
    return page_body(admin_views.audit_entries(svc.engine, action=action, username=username,
                                         limit=paging.limit, offset=paging.offset,
                                         principal=who))  # fmt: skip
