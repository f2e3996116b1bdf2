"""Four eyes in administration: one administrator asks, another approves.

Three kinds of action take a second administrator (docs/security.md, "Four eyes in
administration"): adding a user with a role in ``SECOND_ADMINISTRATOR_ROLES`` (a regulator:
it writes for the jurisdiction); enrolling a new second factor for another administrator or
for a user who represents a registry account (which the web page and the API otherwise
refuse); and giving a user a right to initiate or approve on a registry account that they
do not already hold. With any of these alone, one administrator could make or take over two
representatives of an account and move its units. The request keeps
what the action needs, never a secret; the approver, who must differ from the one who asked
(and from the user it empowers), runs it and is shown its secrets once. Administrators
themselves are still added only on the command line. The table also holds representatives'
trusted-list additions (services/trust_requests.py), which these functions leave alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import aliased

from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.core.moments import from_store, to_utc
from tanshi.services import authentication, identity, lifecycle, user_admin
from tanshi.services.jurisdiction import account_id
from tanshi.services.principals import Principal, Role
from tanshi.services.trusted_list import rights
from tanshi.store.engine import reader
from tanshi.store.schema import admin_requests, organisations, users

ADD_USER, RESET_ADMIN_SECOND_FACTOR = "add_user", "reset_admin_second_factor"
RESET_REPRESENTATIVE_SECOND_FACTOR = "reset_representative_second_factor"
GRANT_ACCOUNT_RIGHTS = "grant_account_rights"
ACTIONS = (ADD_USER, RESET_ADMIN_SECOND_FACTOR, RESET_REPRESENTATIVE_SECOND_FACTOR,
           GRANT_ACCOUNT_RIGHTS)  # fmt: skip
SECOND_ADMINISTRATOR_ROLES = frozenset({Role.REGULATOR.value})
PENDING, APPROVED, REJECTED, FAILED = "pending", "approved", "rejected", "failed"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an approved request made, shown once to the approver."""

    username: str
    temporary_password: str | None
    totp_secret: str | None
    totp_uri: str | None


def needs_second_administrator(role: str) -> bool:
    return role in SECOND_ADMINISTRATOR_ROLES


def _pending_for(connection, action: str, target: str) -> bool:
    return connection.execute(select(admin_requests.c.id).where(
        admin_requests.c.action == action, admin_requests.c.target == target,
        admin_requests.c.state == PENDING)).first() is not None  # fmt: skip


def _record(connection, actor: Principal, action: str, target: str, detail: dict[str, Any],
            now: datetime) -> int:  # fmt: skip
    return int(connection.execute(admin_requests.insert().values(
        action=action, target=target, detail=detail, requested_by=actor.user_id,
        requested_at=to_utc(now), state=PENDING).returning(admin_requests.c.id)).scalar_one())  # fmt: skip


def ask_to_add_user(
    engine: Engine, actor: Principal, username: str, display_name: str, organisation: str,
    role: str, locale: str, now: datetime,
) -> tuple[int | None, list[Issue]]:  # fmt: skip
    """Ask for a user with a role that needs a second administrator; the request's id."""
    where = f"user {username}"
    issues = []
    if not identity.USERNAME.match(username):
        issues.append(
            Issue.of(
                "invalid_username", "use 2-60 lower-case letters, digits, '.', '_' or '-'", where
            )
        )
    if not display_name.strip():
        issues.append(identity.display_name_required(where))
    if locale not in identity.LOCALES:
        issues.append(
            Issue.of(
                "unknown_locale",
                "locale must be one of {locales}",
                where,
                locales=", ".join(identity.LOCALES),
            )
        )
    with engine.begin() as connection:
        if connection.execute(select(organisations.c.id).where(
                organisations.c.code == organisation)).first() is None:  # fmt: skip
            issues.append(identity.unknown_organisation(organisation, where))
        if connection.execute(select(users.c.id).where(users.c.username == username)).first():
            issues.append(
                Issue.of("username_taken", "{username} is already a user", where, username=username)
            )
        if _pending_for(connection, ADD_USER, username):
            issues.append(
                Issue.of(
                    "request_pending",
                    "a request for {username} awaits approval",
                    where,
                    username=username,
                )
            )
        if issues:
            return None, issues
        detail = {"display_name": display_name, "organisation": organisation, "role": role,
                  "locale": locale}  # fmt: skip
        return _record(connection, actor, ADD_USER, username, detail, now), []


def ask_to_reset_second_factor(
    engine: Engine, actor: Principal, username: str, now: datetime
) -> tuple[int | None, list[Issue]]:
    """Ask for a new second factor for another administrator, or for a user who represents a
    registry account; the request's id."""
    with engine.begin() as connection:
        role = connection.execute(select(users.c.role).where(users.c.username == username)
                                  ).scalar()  # fmt: skip
        if role is None:
            return None, [
                Issue.of("unknown_user", "no user {username}", "username", username=username)
            ]
        if username == actor.username:
            return None, [
                Issue.of("cannot_reset_yourself", "another administrator must do it", "username")
            ]
        if role == Role.ADMINISTRATOR.value:
            action = RESET_ADMIN_SECOND_FACTOR
        elif authentication.represents_an_account(connection, username):
            action = RESET_REPRESENTATIVE_SECOND_FACTOR
        else:
            return None, [
                Issue.of(
                    "not_an_administrator",
                    "{username} is neither an administrator nor a representative who "
                    "initiates or approves: reset their second factor directly",
                    "username",
                    username=username,
                )
            ]
        if _pending_for(connection, action, username):
            return None, [
                Issue.of(
                    "request_pending",
                    "a request for {username} awaits approval",
                    "username",
                    username=username,
                )
            ]
        return _record(connection, actor, action, username, {}, now), []


def set_account_rights(
    engine: Engine, actor: Principal, account: str, username: str, *, initiate: bool,
    approve: bool, now: datetime,
) -> tuple[int | None, list[Issue]]:  # fmt: skip
    """Set a user's rights on a registry account (view always).

    Rights the user already holds, or fewer, are set at once (``None``, no issues): taking a
    right away needs no second pair of eyes. A right to initiate or approve that the user
    does not hold yet becomes a request for a second administrator; its id is returned.
    """
    if not identity.user_exists(engine, username):
        return None, [Issue.of("unknown_user", "no user {username}", "username", username=username)]
    if (initiate or approve) and not user_admin.has_second_factor(engine, username):
        return None, [
            Issue.of(
                "second_factor_not_enrolled",
                "{username} has no second factor, which a representative who "
                "initiates or approves needs: reset their second factor first",
                "username",
                username=username,
            )
        ]
    with engine.begin() as connection:
        try:
            held = rights(connection, account_id(connection, account), username)
        except TanshiError:
            return None, [
                Issue.of("unknown_account", "no account {account}", "account", account=account)
            ]
        if (initiate and not held.initiate) or (approve and not held.approve):
            if _rights_pending(connection, account, username):
                return None, [
                    Issue.of(
                        "request_pending",
                        "a request for {username}'s rights on {account} awaits approval",
                        "username",
                        username=username,
                        account=account,
                    )
                ]
            detail = {"account": account, "initiate": initiate, "approve": approve}
            return _record(connection, actor, GRANT_ACCOUNT_RIGHTS, username, detail, now), []
    lifecycle.add_representative(engine, account, username, initiate=initiate, approve=approve)
    return None, []


def _rights_pending(connection, account: str, username: str) -> bool:
    details = connection.execute(select(admin_requests.c.detail).where(
        admin_requests.c.action == GRANT_ACCOUNT_RIGHTS, admin_requests.c.target == username,
        admin_requests.c.state == PENDING)).scalars()  # fmt: skip
    return any(detail["account"] == account for detail in details)


def pending(engine: Engine) -> list[dict[str, Any]]:
    """The requests awaiting a second administrator, oldest first."""
    asker = aliased(users)
    with reader(engine).connect() as connection:
        rows = connection.execute(
            select(admin_requests, asker.c.username.label("requested_by_name"))
            .join(asker, asker.c.id == admin_requests.c.requested_by)
            .where(admin_requests.c.state == PENDING, admin_requests.c.action.in_(ACTIONS))
            .order_by(admin_requests.c.id)
        ).all()  # fmt: skip
    return [{"id": r.id, "action": r.action, "target": r.target, "detail": r.detail,
             "requested_by": r.requested_by_name, "requested_at": from_store(r.requested_at)}
            for r in rows]  # fmt: skip


def _decide(engine: Engine, approver: Principal, request_id: int, state: str, now: datetime,
            *, approving: bool) -> tuple[Any, list[Issue]]:  # fmt: skip
    """Claim a pending request for a decision (one decision wins a race)."""
    with engine.begin() as connection:
        row = connection.execute(select(admin_requests).where(admin_requests.c.id == request_id)
                                 ).first()  # fmt: skip
        if row is None or row.state != PENDING or row.action not in ACTIONS:
            return None, [
                Issue.of(
                    "request_not_pending",
                    "no request with that number awaits a decision",
                    "request",
                )
            ]
        if approving and row.requested_by == approver.user_id:
            return None, [
                Issue.of(
                    "approver_must_differ_from_requester",
                    "four eyes: another administrator must approve what you asked for",
                    "request",
                )
            ]
        if approving and row.target == approver.username and row.action == GRANT_ACCOUNT_RIGHTS:
            return None, [
                Issue.of(
                    "cannot_approve_your_own_rights",
                    "another administrator must approve rights given to you",
                    "request",
                )
            ]
        if approving and row.target == approver.username:
            return None, [
                Issue.of(
                    "cannot_reset_yourself",
                    "another administrator must approve a reset of your own second factor",
                    "request",
                )
            ]
        claimed = connection.execute(admin_requests.update().where(
            admin_requests.c.id == request_id, admin_requests.c.state == PENDING).values(
            state=state, decided_by=approver.user_id, decided_at=to_utc(now)))  # fmt: skip
        if claimed.rowcount != 1:
            return None, [
                Issue.of("request_not_pending", "the request was decided meanwhile", "request")
            ]
    return row, []


def reject(engine: Engine, approver: Principal, request_id: int, now: datetime) -> list[Issue]:
    """Turn a request down (the one who asked may withdraw it too)."""
    return _decide(engine, approver, request_id, REJECTED, now, approving=False)[1]


def approve(
    engine: Engine, approver: Principal, request_id: int, now: datetime
) -> tuple[Outcome | None, list[Issue]]:
    """Run a request as its second administrator; its secrets are returned once."""
    row, issues = _decide(engine, approver, request_id, APPROVED, now, approving=True)
    if issues:
        return None, issues
    outcome: Outcome | None
    if row.action == ADD_USER:
        password = user_admin.temporary_password()
        detail = row.detail
        _, issues = identity.create_user(
            engine, row.target, detail["display_name"], detail["organisation"], detail["role"],
            password, now, locale=detail["locale"], must_change_password=True,
        )  # fmt: skip
        secret = None if issues else identity.totp_secret_of(engine, row.target)
        outcome = Outcome(row.target, password, secret,
                          identity.provisioning_uri(engine, row.target) if secret else None)  # fmt: skip
    elif row.action == GRANT_ACCOUNT_RIGHTS:
        outcome, issues = (
            Outcome(row.target, None, None, None),
            _grant(engine, row.target, row.detail),
        )
    else:
        enrolment, issues = user_admin.reset_second_factor(engine, None, row.target, now)
        outcome = None if enrolment is None else Outcome(row.target, None, enrolment.secret,
                                                         enrolment.uri)  # fmt: skip
    with engine.begin() as connection:
        connection.execute(admin_requests.update().where(admin_requests.c.id == request_id)
                           .values(state=FAILED if issues else APPROVED,
                                   result=issues[0].code if issues else "ok"))  # fmt: skip
    return (None, issues) if issues else (outcome, [])


def _grant(engine: Engine, username: str, detail: dict[str, Any]) -> list[Issue]:
    """Give the rights an approved request asked for, if the user can still hold them."""
    initiate, approve = bool(detail["initiate"]), bool(detail["approve"])
    if not identity.user_exists(engine, username):
        return [Issue.of("unknown_user", "no user {username}", "username", username=username)]
    if (initiate or approve) and not user_admin.has_second_factor(engine, username):
        return [
            Issue.of(
                "second_factor_not_enrolled",
                "{username} no longer has a second factor",
                "username",
                username=username,
            )
        ]
    lifecycle.add_representative(engine, detail["account"], username, initiate=initiate,
                                 approve=approve)  # fmt: skip
    return []
