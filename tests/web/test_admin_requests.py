"""Four eyes in administration: a regulator is added, and another administrator's second
factor renewed, only when a second administrator approves what the first asked for."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select
from test_admin_pages import TEMPORARY, _act, _key
from test_pages import _csrf, _login

from service_world import NOW, PASSWORD, World
from tanshi.services import admin_approvals, authentication, identity
from tanshi.store.schema import (
    accounts,
    admin_requests,
    api_idempotency,
    audit_log,
    representatives,
    users,
)
from tanshi.web.admin import request_key_id

REGULATOR = {"username": "regulator2", "display_name": "Second Regulator",
             "organisation": "REG", "role": "regulator", "locale": "en"}  # fmt: skip


def _administrators(world: World) -> None:
    for name in ("admin2", "admin3"):
        identity.create_user(world.engine, name, name.title(), "ADM", "administrator",
                             PASSWORD, NOW)  # fmt: skip


def _as(world: World, username: str):
    client = _login(world, username)
    page = client.get("/admin/users")
    assert page.status_code == 200, page.text
    return client, page.text, _csrf(page.text)


def _decide(client, token: str, page: str, request_id: int, decision: str):
    key = _key(page, request_key_id(request_id))
    return client.post(f"/admin/requests/{request_id}/{decision}",
                       data={"csrf_token": token, "form_key": key})  # fmt: skip


def _state(world: World, request_id: int) -> str:
    with world.engine.connect() as connection:
        return connection.execute(select(admin_requests.c.state).where(
            admin_requests.c.id == request_id)).scalar_one()  # fmt: skip


def test_a_regulator_is_added_only_when_a_second_administrator_approves(world: World) -> None:
    _administrators(world)
    client, page, token = _as(world, "admin")
    asked = client.post("/admin/users", data=REGULATOR | {
        "csrf_token": token, "form_key": _key(page, "user-key")})  # fmt: skip
    assert 'data-code="ok"' in asked.text and "须由另一名管理员批准" in asked.text, asked.text
    assert "requests-changed" in asked.headers["HX-Trigger"]
    assert not identity.user_exists(world.engine, "regulator2")
    [request] = admin_approvals.pending(world.engine)
    page = client.get("/admin/users").text
    assert f'id="request-{request["id"]}"' in page and "待第二名管理员批准" in page
    own = _decide(client, token, page, request["id"], "approve")
    assert own.status_code == 422 and "approver_must_differ_from_requester" in own.text
    again = client.post("/admin/users", data=REGULATOR | {"csrf_token": token, "form_key": "x"})
    assert "request_pending" in again.text  # one request per user at a time

    second, page, token = _as(world, "admin2")
    key = _key(page, request_key_id(request["id"]))
    approved = second.post(f"/admin/requests/{request['id']}/approve",
                           data={"csrf_token": token, "form_key": key})  # fmt: skip
    assert 'data-code="ok"' in approved.text, approved.text
    temporary, secret = TEMPORARY.search(approved.text), re.search(r"secret=([A-Z2-7]+)",
                                                                    approved.text)  # fmt: skip
    assert temporary and secret
    with world.engine.connect() as connection:
        made = connection.execute(select(users.c.role, users.c.must_change_password).where(
            users.c.username == "regulator2")).one()  # fmt: skip
        kept = str(connection.execute(select(api_idempotency.c.response)).all())
    assert tuple(made) == ("regulator", True)
    assert temporary.group(0) not in kept and secret.group(1) not in kept
    replayed = second.post(f"/admin/requests/{request['id']}/approve",
                           data={"csrf_token": token, "form_key": key})  # fmt: skip
    assert TEMPORARY.search(replayed.text) is None and "is not kept" in replayed.text
    assert (
        _state(world, request["id"]) == "approved" and admin_approvals.pending(world.engine) == []
    )
    assert authentication.authenticate(world.engine, "regulator2", temporary.group(0),
                                 pyotp.TOTP(secret.group(1)).at(NOW), NOW)[0]  # fmt: skip


def test_another_administrators_second_factor_takes_a_third(world: World) -> None:
    _administrators(world)
    client, page, token = _as(world, "admin")
    assert "ask-second-factor-reset" in page.split('id="user-admin2"')[1].split("</tr>")[0]
    refused = _act(client, token, "verifier", "ask-second-factor-reset")
    assert "not_an_administrator" in refused.text  # a verifier represents no account
    asked = _act(client, token, "admin2", "ask-second-factor-reset")
    assert 'data-code="ok"' in asked.text and asked.headers["HX-Trigger"] == "requests-changed"
    [request] = admin_approvals.pending(world.engine)
    old_secret = world.secret("admin2")

    target, page, token = _as(world, "admin2")  # the administrator reset may not approve it
    assert "/approve" not in page.split(f'id="request-{request["id"]}"')[1].split("</tr>")[0]
    own = target.post(f"/admin/requests/{request['id']}/approve", data={
        "csrf_token": token, "form_key": _key(page, request_key_id(request["id"]))})  # fmt: skip
    assert own.status_code == 403 and "cannot_reset_yourself" in own.text
    assert world.secret("admin2") == old_secret

    third, page, token = _as(world, "admin3")
    approved = _decide(third, token, page, request["id"], "approve")
    assert 'data-code="ok"' in approved.text and "otpauth://" in approved.text, approved.text
    assert world.secret("admin2") != old_secret
    with world.engine.connect() as connection:
        actions = {(a, r) for a, r in connection.execute(
            select(audit_log.c.action, audit_log.c.result))}  # fmt: skip
    assert {("admin_request", "ok"), ("admin_request_approve", "ok"),
            ("admin_request_approve", "cannot_reset_yourself")} <= actions  # fmt: skip


def test_a_new_account_right_is_given_when_a_second_administrator_approves(
    world: World,
) -> None:
    _administrators(world)
    client, page, token = _as(world, "admin")
    asked = client.post("/admin/representatives", data={
        "csrf_token": token, "form_key": "rights-1", "account": "DP-OH-C1",
        "username": "officer-b", "approve": "on"})  # fmt: skip
    assert 'data-code="ok"' in asked.text and "须由另一名管理员批准" in asked.text, asked.text
    [request] = admin_approvals.pending(world.engine)
    assert request["detail"] == {"account": "DP-OH-C1", "initiate": False, "approve": True}
    second, page, token = _as(world, "admin2")
    row = page.split(f'id="request-{request["id"]}"')[1].split("</tr>")[0]
    assert "rights on a registry account" in row and "may approve transfers" in row
    approved = _decide(second, token, page, request["id"], "approve")
    assert "the rights of officer-b are set" in approved.text, approved.text
    assert _state(world, request["id"]) == "approved"
    with world.engine.connect() as connection:
        rights = connection.execute(select(representatives.c.can_approve).join(
            accounts, accounts.c.id == representatives.c.account_id).where(
            accounts.c.code == "DP-OH-C1", representatives.c.person == "officer-b")).scalar()  # fmt: skip
    assert rights is True


def test_a_request_rejected_cannot_be_approved(world: World) -> None:
    _administrators(world)
    client, page, token = _as(world, "admin")
    _act(client, token, "admin3", "ask-second-factor-reset")
    [request] = admin_approvals.pending(world.engine)
    page = client.get("/admin/users").text
    withdrawn = _decide(client, token, page, request["id"], "reject")  # the asker withdraws
    assert 'data-code="ok"' in withdrawn.text and _state(world, request["id"]) == "rejected"
    second, page, token = _as(world, "admin2")
    assert "No request awaits a second administrator." in page
    late = second.post(f"/admin/requests/{request['id']}/approve",
                       data={"csrf_token": token, "form_key": "late"})  # fmt: skip
    assert late.status_code == 422 and "request_not_pending" in late.text


def test_the_api_sends_a_new_regulator_to_the_second_administrator(world: World) -> None:
    answer = world.client.post("/v1/users", json=REGULATOR | {"password": "a long password!"},
                               headers=world.token("admin") | {"Idempotency-Key": "r1"})  # fmt: skip
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "second_administrator_needed"
    assert not identity.user_exists(world.engine, "regulator2")
    assert world.client.get("/admin/requests").status_code in (200, 303)
