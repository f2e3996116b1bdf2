"""The administrator's page: users (create, unlock, reset, deactivate), organisations and
account rights, on the same services as the API's /v1/users routes.

The rules are those of services/user_admin.py: nobody acts on themselves, administrators
are created and reset only on the server's command line, passwords an administrator sets
are temporary, and a reset's secret is shown once (a second click makes another and the
first stops working). Every action is audited by ``web_write``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api.context import Service, ServiceDep
from tanshi.api.limits import (
    ACCOUNT_CODE_CHARS,
    COMPANY_CODE_CHARS,
    NAME_CHARS,
    ORGANISATION_CODE_CHARS,
    USERNAME_CHARS,
)
from tanshi.services import admin_approvals, admin_views, identity, user_admin, views
from tanshi.services.identity import ORGANISATION_KINDS
from tanshi.services.principals import Principal, Role
from tanshi.web.common import VisitorDep, allowed, login_redirect
from tanshi.web.forms import (
    Message,
    Refused,
    Secret,
    Verbatim,
    refusal,
    refusal_of,
    text_field,
    web_write,
)
from tanshi.web.render import render
from tanshi.web.session import Visitor

router = APIRouter(include_in_schema=False)
PAGE = "/admin/users"
USERS_CHANGED = "users-changed"  # htmx event: the page reloads its list of users
CREATABLE_ROLES = [r.value for r in Role if r is not Role.ADMINISTRATOR]
ACTIONS = "^(unlock|reset-password|reset-second-factor|deactivate|ask-second-factor-reset)$"
REQUESTS_CHANGED = "requests-changed"  # htmx event: the page reloads the requests
# The ids of the form keys (forms.py) of the page's three forms.
USER_KEY, ORGANISATION_KEY, REPRESENTATIVE_KEY = "user-key", "organisation-key", "rights-key"


def row_key_id(username: str) -> str:
    """The id of a user row's form key: the username in hex, as a username's '.' would not
    survive the CSS selector htmx looks the id up with."""
    return "row-key-" + username.encode().hex()


def new_key() -> str:
    return uuid.uuid4().hex


def request_key_id(request_id: int) -> str:
    """The id of the form key of a request awaiting a second administrator."""
    return f"request-key-{request_id}"


def _forbidden(request: Request, svc: Service, who: Visitor) -> Response:
    return render(request, svc, who, "result.html", 403, ok=False, code="forbidden",
                  message="this page is for administrators")  # fmt: skip


@router.get(PAGE, response_class=HTMLResponse)
def users_page(request: Request, svc: ServiceDep, who: VisitorDep,
               offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> Response:  # fmt: skip
    """Every user with their state and actions; forms to add users, organisations, rights."""
    if who.principal is None:
        return login_redirect(PAGE)
    if not allowed(who, {Role.ADMINISTRATOR}):
        return _forbidden(request, svc, who)
    page = admin_views.user_list(svc.engine, limit=100, offset=offset)
    now = svc.now()
    for user in page.items:
        until = user["locked_until"]
        user["locked"] = until is not None and datetime.fromisoformat(until) > now
    keys: dict[str, Any] = {"new_key": new_key, "row_key_id": row_key_id}
    if request.headers.get("hx-request"):
        return render(request, svc, who, "_users_table.html", page=page, **keys)
    organisations = admin_views.organisation_list(svc.engine, limit=500).items
    return render(request, svc, who, "admin_users.html", page=page,
                  requests=admin_approvals.pending(svc.engine), request_key_id=request_key_id,
                  organisations=organisations, roles=CREATABLE_ROLES,
                  jurisdictions=views.jurisdiction_list(svc.engine),
                  kinds=ORGANISATION_KINDS, **keys)  # fmt: skip


def _create_user(svc: Service, me: Principal, form: dict[str, str]) -> Message:
    username = text_field(form, "username", "Username", USERNAME_CHARS)
    role = form.get("role", "")
    display_name = text_field(form, "display_name", "Name", NAME_CHARS)
    if role == Role.ADMINISTRATOR.value:
        raise refusal_of([user_admin.administrator_needs_command_line(username)])
    if admin_approvals.needs_second_administrator(role):
        asked, issues = admin_approvals.ask_to_add_user(
            svc.engine, me, username, display_name,
            form.get("organisation", ""), role, form.get("locale", "zh"), svc.now())  # fmt: skip
        if issues:
            raise refusal_of(issues)
        return ("request {id} recorded: another administrator must approve a user with the "
                "role {role}", {"id": Verbatim(str(asked)), "role": role})  # fmt: skip
    password = user_admin.temporary_password()
    _, issues = identity.create_user(
        svc.engine, username, display_name,
        form.get("organisation", ""), role, password, svc.now(),
        locale=form.get("locale", "zh"), must_change_password=True,
    )  # fmt: skip
    if issues:
        raise refusal_of(issues)
    secret = identity.totp_secret_of(svc.engine, username)
    shown: dict[str, object] = {"username": Verbatim(username), "password": Secret(password)}
    if secret is None:
        return "user {username} added; temporary password (shown once): {password}", shown
    uri = identity.provisioning_uri(svc.engine, username) or ""
    return ("user {username} added; temporary password (shown once): {password}; one-time "
            "code secret (shown once): {secret}; enrolment URI: {uri}",
            shown | {"secret": Secret(secret), "uri": Secret(uri)})  # fmt: skip


@router.post(PAGE, response_class=HTMLResponse)
async def create_user(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    if who.principal is not None and not allowed(who, {Role.ADMINISTRATOR}):
        return _forbidden(request, svc, who)
    return await web_write(request, svc, who, "user_create", "web",
                           lambda form, me: _create_user(svc, me, form),
                           trigger=f"{USERS_CHANGED}, {REQUESTS_CHANGED}",
                           key_input=USER_KEY, key_required=True)  # fmt: skip


def _act(svc: Service, me: Principal, username: str, action: str) -> Message:
    now = svc.now()
    if action == "ask-second-factor-reset":
        asked, issues = admin_approvals.ask_to_reset_second_factor(svc.engine, me, username,
                                                                   now)  # fmt: skip
        if issues:
            raise refusal_of(issues)
        return ("request {id} recorded: another administrator must approve the new second "
                "factor of {username}", {"id": Verbatim(str(asked)),
                                          "username": Verbatim(username)})  # fmt: skip
    if action == "unlock":
        issues = user_admin.unlock(svc.engine, me, username)
        if issues:
            raise refusal_of(issues)
        return "{username} unlocked", {"username": Verbatim(username)}
    if action == "deactivate":
        if username == me.username:
            raise refusal("cannot_reset_yourself")
        if not identity.deactivate_user(svc.engine, username, now):
            raise refusal("unknown_user")
        svc.tokens.forget()
        return "{username} deactivated: sessions closed, tokens revoked", {
            "username": Verbatim(username)}  # fmt: skip
    if action == "reset-password":
        password, issues = user_admin.reset_password(svc.engine, me, username, now)
        if issues:
            raise refusal_of(issues)
        svc.tokens.forget()
        return ("temporary password of {username} (shown once; to be changed at the next "
                "login): {password}", {"username": Verbatim(username),
                                        "password": Secret(password)})  # fmt: skip
    enrolment, issues = user_admin.reset_second_factor(svc.engine, me, username, now)
    if issues:
        raise refusal_of(issues)
    assert enrolment is not None
    svc.tokens.forget()
    return ("new one-time code secret of {username} (shown once): {secret}; enrolment URI: "
            "{uri}", {"username": Verbatim(username), "secret": Secret(enrolment.secret),
                      "uri": Secret(enrolment.uri)})  # fmt: skip


@router.post(PAGE + "/{username}/{action}", response_class=HTMLResponse)
async def user_action(
    username: Annotated[str, Path(max_length=60)],
    action: Annotated[str, Path(pattern=ACTIONS)],
    request: Request, svc: ServiceDep, who: VisitorDep,
) -> Response:  # fmt: skip
    """Unlock, reset the password or the second factor of, or deactivate another user."""
    me = who.principal
    if me is not None and not allowed(who, {Role.ADMINISTRATOR}):
        return _forbidden(request, svc, who)
    audit_action = {"reset-password": "user_password_reset", "unlock": "user_unlock",
                    "reset-second-factor": "user_totp_reset",
                    "deactivate": "user_deactivate",
                    "ask-second-factor-reset": "admin_request"}[action]  # fmt: skip
    return await web_write(request, svc, who, audit_action, username,
                           lambda _form, me: _act(svc, me, username, action),
                           key_input=row_key_id(username), key_required=True,
                           trigger=REQUESTS_CHANGED if action.startswith("ask") else None)  # fmt: skip


def _create_organisation(svc: Service, form: dict[str, str]) -> Message:
    code = text_field(form, "code", "Code", ORGANISATION_CODE_CHARS)
    name = text_field(form, "name", "Name", NAME_CHARS)
    company = text_field(form, "company", "Covered company (for a company)", COMPANY_CODE_CHARS)
    _, issues = identity.create_organisation(
        svc.engine, code, name, form.get("kind", ""), svc.now(),
        company or None, form.get("jurisdiction", "").strip() or None,
    )  # fmt: skip
    if issues:
        raise refusal_of(issues)
    return "organisation {code} added", {"code": Verbatim(code)}


@router.post("/admin/organisations", response_class=HTMLResponse)
async def create_organisation(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    if who.principal is not None and not allowed(who, {Role.ADMINISTRATOR}):
        return _forbidden(request, svc, who)
    return await web_write(request, svc, who, "organisation_create", "web",
                           lambda form, _me: _create_organisation(svc, form),
                           key_input=ORGANISATION_KEY, key_required=True)  # fmt: skip


def _grant(svc: Service, me: Principal, form: dict[str, str]) -> Message:
    username = text_field(form, "username", "Username", USERNAME_CHARS)
    account = text_field(form, "account", "Account", ACCOUNT_CODE_CHARS)
    initiate, approve = form.get("initiate") == "on", form.get("approve") == "on"
    asked, issues = admin_approvals.set_account_rights(
        svc.engine, me, account, username, initiate=initiate, approve=approve, now=svc.now())  # fmt: skip
    if issues:
        if issues[0].code == "unknown_account":
            raise Refused("unknown_account", "no such account", issues=issues[:1])
        raise refusal_of(issues)
    shown = {"username": Verbatim(username), "account": Verbatim(account),
             "initiate": "yes" if initiate else "no", "approve": "yes" if approve else "no"}  # fmt: skip
    if asked is not None:
        return ("request {id} recorded: another administrator must approve that {username} "
                "represents {account} (initiate: {initiate}, approve: {approve})",
                shown | {"id": Verbatim(str(asked))})  # fmt: skip
    if not (initiate or approve):  # view only: how rights are withdrawn (docs/registry.md)
        return ("{username} may view {account} only, with no right to initiate or approve "
                "transfers", shown)  # fmt: skip
    return "{username} represents {account} (initiate: {initiate}, approve: {approve})", shown


@router.post("/admin/representatives", response_class=HTMLResponse)
async def grant(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    if who.principal is not None and not allowed(who, {Role.ADMINISTRATOR}):
        return _forbidden(request, svc, who)
    return await web_write(request, svc, who, "representative_set", "web",
                           lambda form, me: _grant(svc, me, form),
                           trigger=REQUESTS_CHANGED, key_input=REPRESENTATIVE_KEY,
                           key_required=True)  # fmt: skip
