"""Four eyes in administration through the API: a regulator, and another administrator's
second factor, only when a second administrator approves the first one's request."""

from __future__ import annotations

import pyotp
from sqlalchemy import select

from service_world import NOW, PASSWORD, World
from tanshi.services import authentication, identity
from tanshi.store.schema import accounts, api_idempotency, representatives

REGULATOR = {"action": "add_user", "username": "regulator2", "display_name": "Reg Two",
             "organisation": "REG", "role": "regulator"}  # fmt: skip


def _as(world: World, username: str, key: str) -> dict[str, str]:
    return world.token(username) | {"Idempotency-Key": key}


def _administrators(world: World) -> None:
    for name in ("admin2", "admin3"):
        identity.create_user(world.engine, name, name.title(), "ADM", "administrator",
                             PASSWORD, NOW)  # fmt: skip


def test_a_regulator_through_a_request_and_a_second_administrator(world: World) -> None:
    _administrators(world)
    user = {k: v for k, v in REGULATOR.items() if k != "action"}
    direct = world.client.post("/v1/users", json=user | {"password": "long enough password"},
                               headers=_as(world, "admin", "u"))  # fmt: skip
    assert direct.status_code == 403
    assert direct.json()["error"]["code"] == "second_administrator_needed"
    asked = world.client.post(
        "/v1/admin-requests", json=REGULATOR, headers=_as(world, "admin", "a")
    )
    assert asked.status_code == 201, asked.text
    rid = asked.json()["id"]
    assert asked.json()["state"] == "pending"
    twice = world.client.post("/v1/admin-requests", json=REGULATOR,
                              headers=_as(world, "admin", "a2"))  # fmt: skip
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "request_pending"
    listed = world.client.get("/v1/admin-requests", headers=world.token("admin2")).json()
    assert [(r["id"], r["target"], r["requested_by"]) for r in listed] == [
        (rid, "regulator2", "admin")]  # fmt: skip
    own = world.client.post(f"/v1/admin-requests/{rid}/approve", headers=_as(world, "admin", "p"))
    assert own.status_code == 403
    assert own.json()["error"]["code"] == "approver_must_differ_from_requester"
    done = world.client.post(f"/v1/admin-requests/{rid}/approve",
                             headers=_as(world, "admin2", "p"))  # fmt: skip
    assert done.status_code == 200, done.text
    made = done.json()
    assert made["username"] == "regulator2" and made["temporary_password"] and made["totp_secret"]
    retried = world.client.post(f"/v1/admin-requests/{rid}/approve",
                                headers=_as(world, "admin2", "p"))  # fmt: skip
    assert retried.json()["temporary_password"] is None and retried.json()["totp_secret"] is None
    taken = world.client.post("/v1/admin-requests", json=REGULATOR,
                              headers=_as(world, "admin", "a3"))  # fmt: skip
    error = taken.json()["error"]
    assert (taken.status_code, error["code"], error["field"]) == (
        409, "username_taken", "body.username")  # fmt: skip
    with world.engine.connect() as connection:
        kept = str(connection.execute(select(api_idempotency.c.response)).all())
    assert made["temporary_password"] not in kept and made["totp_secret"] not in kept
    code = pyotp.TOTP(made["totp_secret"]).at(NOW)
    assert authentication.authenticate(world.engine, "regulator2", made["temporary_password"], code,
                                 NOW)[0] is not None  # fmt: skip
    assert world.client.get("/v1/admin-requests", headers=world.token("admin")).json() == []


def test_another_administrators_second_factor_and_rejection(world: World) -> None:
    _administrators(world)
    wrong = world.client.post("/v1/admin-requests", json={
        "action": "reset_admin_second_factor", "username": "verifier"},
        headers=_as(world, "admin", "t"))  # fmt: skip
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "not_an_administrator"
    direct = world.client.post("/v1/admin-requests", json={**REGULATOR, "role": "trader"},
                               headers=_as(world, "admin", "d"))  # fmt: skip
    assert direct.json()["error"]["code"] == "no_second_administrator_needed"
    asked = world.client.post("/v1/admin-requests", json={
        "action": "reset_admin_second_factor", "username": "admin2"},
        headers=_as(world, "admin", "r"))  # fmt: skip
    rid = asked.json()["id"]
    before = world.secret("admin2")
    target = world.client.post(f"/v1/admin-requests/{rid}/approve",
                               headers=_as(world, "admin2", "x"))  # fmt: skip
    assert target.status_code == 403 and target.json()["error"]["code"] == "cannot_reset_yourself"
    approved = world.client.post(f"/v1/admin-requests/{rid}/approve",
                                 headers=_as(world, "admin3", "x"))  # fmt: skip
    assert approved.status_code == 200 and approved.json()["temporary_password"] is None
    assert world.secret("admin2") == approved.json()["totp_secret"] != before
    again = world.client.post("/v1/admin-requests", json={
        "action": "reset_admin_second_factor", "username": "admin3"},
        headers=_as(world, "admin", "r2"))  # fmt: skip
    rid = again.json()["id"]
    rejected = world.client.post(f"/v1/admin-requests/{rid}/reject",
                                 headers=_as(world, "admin", "j"))  # fmt: skip
    assert rejected.status_code == 200
    late = world.client.post(f"/v1/admin-requests/{rid}/approve",
                             headers=_as(world, "admin2", "late"))  # fmt: skip
    assert late.status_code == 409 and late.json()["error"]["code"] == "request_not_pending"
    assert world.client.get("/v1/admin-requests",
                            headers=world.token("regulator")).status_code == 403  # fmt: skip


def _rights_of(world: World, account: str, username: str) -> tuple[bool, bool] | None:
    with world.engine.connect() as connection:
        row = connection.execute(
            select(representatives.c.can_initiate, representatives.c.can_approve)
            .join(accounts, accounts.c.id == representatives.c.account_id)
            .where(accounts.c.code == account, representatives.c.person == username)
        ).first()  # fmt: skip
    return None if row is None else (row[0], row[1])


def test_a_new_right_on_an_account_takes_a_second_administrator(world: World) -> None:
    _administrators(world)
    grant = {"username": "officer-b", "initiate": True, "approve": True}
    before = _rights_of(world, "DP-OH-C1", "officer-b")
    asked = world.client.post("/v1/accounts/DP-OH-C1/representatives", json=grant,
                              headers=_as(world, "admin", "g1"))  # fmt: skip
    assert asked.status_code == 202, asked.text
    assert asked.json()["result"] == "awaiting_second_administrator"
    rid = asked.json()["request_id"]
    assert _rights_of(world, "DP-OH-C1", "officer-b") == before  # nothing given yet
    again = world.client.post("/v1/accounts/DP-OH-C1/representatives", json=grant,
                              headers=_as(world, "admin", "g2"))  # fmt: skip
    assert again.status_code == 409 and again.json()["error"]["code"] == "request_pending"
    listed = world.client.get("/v1/admin-requests", headers=world.token("admin2")).json()
    assert [(r["action"], r["target"], r["detail"]["account"]) for r in listed] == [
        ("grant_account_rights", "officer-b", "DP-OH-C1")]  # fmt: skip
    own = world.client.post(f"/v1/admin-requests/{rid}/approve", headers=_as(world, "admin", "p"))
    assert own.json()["error"]["code"] == "approver_must_differ_from_requester"
    done = world.client.post(f"/v1/admin-requests/{rid}/approve",
                             headers=_as(world, "admin2", "p"))  # fmt: skip
    assert done.status_code == 200, done.text
    assert _rights_of(world, "DP-OH-C1", "officer-b") == (True, True)
    # Fewer rights than held are set at once: taking a right away needs no second pair of eyes.
    fewer = world.client.post("/v1/accounts/DP-OH-C1/representatives", json=grant | {
        "approve": False}, headers=_as(world, "admin", "g3"))  # fmt: skip
    assert fewer.status_code == 200 and fewer.json() == {"result": "ok", "request_id": None}
    assert _rights_of(world, "DP-OH-C1", "officer-b") == (True, False)
    unknown = world.client.post("/v1/accounts/NOPE/representatives", json=grant,
                                headers=_as(world, "admin", "g4"))  # fmt: skip
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "path.code"


def test_an_administrator_cannot_approve_rights_given_to_themselves(world: World) -> None:
    _administrators(world)
    asked = world.client.post("/v1/accounts/DP-OH-C1/representatives", json={
        "username": "admin2", "initiate": True, "approve": False},
        headers=_as(world, "admin", "s1"))  # fmt: skip
    assert asked.status_code == 202, asked.text
    rid = asked.json()["request_id"]
    own = world.client.post(f"/v1/admin-requests/{rid}/approve",
                            headers=_as(world, "admin2", "p"))  # fmt: skip
    assert own.status_code == 403
    assert own.json()["error"]["code"] == "cannot_approve_your_own_rights"
    done = world.client.post(f"/v1/admin-requests/{rid}/approve",
                             headers=_as(world, "admin3", "p"))  # fmt: skip
    assert done.status_code == 200 and _rights_of(world, "DP-OH-C1", "admin2") == (True, False)
