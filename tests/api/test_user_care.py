"""Passwords and second factors through the API: changing one's own, an administrator's
resets and unlocks, the rules on who may reset whom, and TOTP for representatives."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlalchemy import select

from service_world import NOW, PASSWORD, World
from tanshi.services import identity, lifecycle
from tanshi.store.schema import api_idempotency, users


def _admin(world: World, key: str) -> dict[str, str]:
    return world.token("admin") | {"Idempotency-Key": key}


def _token(world: World, username: str, password: str = PASSWORD, code: str | None = None):
    body = {"username": username, "password": password, "scopes": ["read"],
            "totp": code if code is not None else world.code(username)}  # fmt: skip
    return world.client.post("/v1/auth/tokens", json=body)


def test_a_user_changes_their_password_with_the_second_factor(world: World) -> None:
    body = {"username": "officer-b", "password": PASSWORD, "new_password": "another good one"}
    assert world.client.post("/v1/auth/password", json=body).status_code == 401  # no code
    short = world.client.post("/v1/auth/password", json=body | {"new_password": "short"})
    assert short.status_code == 422  # refused before a one-time code is spent
    assert short.json()["error"]["field"] == "body.new_password"
    wrong = world.client.post("/v1/auth/password", json=body | {
        "password": "not the password", "totp": world.code("officer-b")})  # fmt: skip
    assert wrong.status_code == 401
    done = world.client.post("/v1/auth/password", json=body | {"totp": world.code("officer-b")})
    assert done.status_code == 200, done.text
    following = pyotp.TOTP(world.secret("officer-b")).at(
        NOW + timedelta(seconds=30)
    )  # each code works once
    assert _token(world, "officer-b", code=following).status_code == 401  # the old password
    assert _token(world, "officer-b", "another good one", following).status_code == 201


def test_an_administrator_resets_a_password_shown_once(world: World) -> None:
    officer = world.token("officer-b")
    reset = world.client.post("/v1/users/officer-b/reset-password", headers=_admin(world, "r1"))
    assert reset.status_code == 200, reset.text
    temporary = reset.json()["temporary_password"]
    assert len(temporary) == 19
    assert world.client.get("/v1/me", headers=officer).status_code == 401  # tokens revoked
    # A retry with the same key answers again, without the secret (kept answers are stored).
    replay = world.client.post("/v1/users/officer-b/reset-password", headers=_admin(world, "r1"))
    assert replay.json() == {"username": "officer-b", "temporary_password": None}
    with world.engine.connect() as connection:
        kept = connection.execute(select(api_idempotency.c.response)).all()
    assert temporary not in str(kept)
    # The temporary password gives no token; the user chooses their own first.
    refused = _token(world, "officer-b", temporary)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "password_change_required"
    changed = world.client.post("/v1/auth/password", json={
        "username": "officer-b", "password": temporary, "new_password": "my own password",
        "totp": pyotp.TOTP(world.secret("officer-b")).at(NOW + timedelta(seconds=30))})  # fmt: skip
    assert changed.status_code == 200, changed.text
    listed = world.client.get("/v1/users?limit=100", headers=world.token("admin")).json()
    state = next(u for u in listed["items"] if u["username"] == "officer-b")
    assert state["must_change_password"] is False


def test_an_administrator_enrols_a_new_second_factor(world: World) -> None:
    old = world.code("verifier")
    reset = world.client.post("/v1/users/verifier/reset-second-factor",
                              headers=_admin(world, "t1"))  # fmt: skip
    assert reset.status_code == 200, reset.text
    secret = reset.json()["totp_secret"]
    assert reset.json()["totp_provisioning_uri"].startswith("otpauth://totp/tanshi:verifier")
    assert _token(world, "verifier", code=old).status_code == 401
    assert _token(world, "verifier", code=pyotp.TOTP(secret).at(NOW)).status_code == 201


def test_a_representatives_second_factor_takes_a_second_administrator(world: World) -> None:
    # One administrator resetting two representatives' password and second factor could log
    # in as both and move the account's units: the second factor is renewed on a request.
    identity.create_user(world.engine, "admin2", "Admin Two", "ADM", "administrator",
                         PASSWORD, NOW)  # fmt: skip
    old = world.code("trader")
    direct = world.client.post("/v1/users/trader/reset-second-factor",
                               headers=_admin(world, "r1"))  # fmt: skip
    assert direct.status_code == 403
    assert direct.json()["error"]["code"] == "representative_needs_second_administrator"
    listed = world.client.get("/v1/users?limit=100", headers=world.token("admin")).json()
    assert {u["username"]: u["represents"] for u in listed["items"]}["trader"] is True
    asked = world.client.post(
        "/v1/admin-requests",
        json={"action": "reset_second_factor", "username": "trader"},
        headers=_admin(world, "r2"),
    )
    assert asked.status_code == 201, asked.text
    rid = asked.json()["id"]
    pending = world.client.get("/v1/admin-requests", headers=world.token("admin")).json()
    assert [r["action"] for r in pending] == ["reset_representative_second_factor"]
    done = world.client.post(f"/v1/admin-requests/{rid}/approve", headers=world.token(
        "admin2") | {"Idempotency-Key": "r3"})  # fmt: skip
    assert done.status_code == 200, done.text
    assert _token(world, "trader", code=old).status_code == 401
    code = pyotp.TOTP(done.json()["totp_secret"]).at(NOW)
    assert _token(world, "trader", code=code).status_code == 201


def test_an_administrator_unlocks_a_locked_user(world: World) -> None:
    wrong = {"username": "officer-b", "password": "not the password", "scopes": ["read"]}
    for _ in range(5):
        world.client.post("/v1/auth/tokens", json=wrong)
    assert _token(world, "officer-b").json()["error"]["code"] == "account_locked"
    listed = world.client.get("/v1/users?limit=100", headers=world.token("admin")).json()
    state = next(u for u in listed["items"] if u["username"] == "officer-b")
    assert state["locked_until"] is not None
    assert world.client.post("/v1/users/officer-b/unlock",
                             headers=_admin(world, "u1")).status_code == 200  # fmt: skip
    assert _token(world, "officer-b").status_code == 201


def test_nobody_resets_themselves_nor_an_administrator_online(world: World) -> None:
    _, issues = identity.create_user(world.engine, "admin2", "Admin Two", "ADM",
                                     "administrator", PASSWORD, NOW)  # fmt: skip
    assert not issues
    for path, code in (("/v1/users/admin/reset-password", "cannot_reset_yourself"),
                       ("/v1/users/admin/reset-second-factor", "cannot_reset_yourself"),
                       ("/v1/users/admin2/reset-password", "administrator_needs_the_command_line"),
                       ("/v1/users/admin2/reset-second-factor",
                        "administrator_needs_the_command_line")):  # fmt: skip
        answer = world.client.post(path, headers=_admin(world, path))
        assert answer.status_code == 403 and answer.json()["error"]["code"] == code
    assert (
        world.client.post("/v1/users/admin/unlock", headers=_admin(world, "me")).status_code == 403
    )
    made = world.client.post("/v1/users", headers=_admin(world, "c1"), json={
        "username": "admin3", "display_name": "A3", "organisation": "ADM",
        "role": "administrator", "password": "a long enough password"})  # fmt: skip
    assert made.json()["error"]["code"] == "administrator_needs_the_command_line"
    nobody = world.client.post("/v1/users/nobody/unlock", headers=_admin(world, "n1"))
    assert nobody.status_code == 404
    assert world.client.post("/v1/users/trader/unlock",
                             headers=world.token("regulator") | {"Idempotency-Key": "x"}
                             ).status_code == 403  # fmt: skip


def test_a_user_an_administrator_creates_must_choose_a_password(world: World) -> None:
    made = world.client.post("/v1/users", headers=_admin(world, "c2"), json={
        "username": "auditor2", "display_name": "A2", "organisation": "AUD",
        "role": "auditor", "password": "chosen by the admin"})  # fmt: skip
    assert made.status_code == 201
    body = {"username": "auditor2", "password": "chosen by the admin", "scopes": ["read"]}
    assert world.client.post("/v1/auth/tokens", json=body).status_code == 403


def test_representatives_need_a_second_factor(world: World) -> None:
    # The read-only auditor has none: it may not be given rights to move units...
    granted = world.client.post("/v1/accounts/DP-OH-C1/representatives", headers=_admin(
        world, "g1"), json={"username": "auditor", "initiate": True, "approve": False})  # fmt: skip
    assert granted.json()["error"]["code"] == "second_factor_not_enrolled"
    viewer = world.client.post("/v1/accounts/DP-OH-C1/representatives", headers=_admin(
        world, "g2"), json={"username": "auditor", "initiate": False, "approve": False})  # fmt: skip
    assert viewer.status_code == 200  # viewing only needs no second factor
    # ... and one given them anyway (here directly) cannot log in until enrolled.
    lifecycle.add_representative(world.engine, "DP-OH-C1", "auditor", initiate=False,
                                 approve=True)  # fmt: skip
    plain = {"username": "auditor", "password": PASSWORD, "scopes": ["read"]}
    refused = world.client.post("/v1/auth/tokens", json=plain)
    assert refused.json()["error"]["code"] == "second_factor_not_enrolled"
    # It represents an account now, so its new second factor takes a second administrator.
    identity.create_user(world.engine, "admin2", "Admin Two", "ADM", "administrator",
                         PASSWORD, NOW)  # fmt: skip
    asked = world.client.post(
        "/v1/admin-requests",
        json={"action": "reset_second_factor", "username": "auditor"},
        headers=_admin(world, "g3"),
    )
    enrolled = world.client.post(f"/v1/admin-requests/{asked.json()['id']}/approve",
                                 headers=world.token("admin2") | {"Idempotency-Key": "g4"}
                                 ).json()  # fmt: skip
    code = pyotp.TOTP(enrolled["totp_secret"]).at(NOW)
    assert world.client.post("/v1/auth/tokens", json=plain | {"totp": code}).status_code == 201


def test_user_care_is_audited_without_secrets(world: World) -> None:
    reset = world.client.post("/v1/users/trader/reset-password", headers=_admin(world, "a1"))
    world.client.post("/v1/users/trader/unlock", headers=_admin(world, "a2"))
    world.client.post("/v1/users/admin/reset-password", headers=_admin(world, "a3"))
    log = world.client.get("/v1/audit?limit=50", headers=world.token("auditor")).json()["items"]
    seen = {(e["action"], e["target"], e["result"]) for e in log}
    assert {("user_password_reset", "trader", "ok"), ("user_unlock", "trader", "ok"),
            ("user_password_reset", "admin", "cannot_reset_yourself")} <= seen  # fmt: skip
    assert reset.json()["temporary_password"] not in str(log)
    with world.engine.connect() as connection:
        must = connection.execute(
            select(users.c.must_change_password).where(users.c.username == "trader")
        ).scalar()
    assert must is True


def test_a_new_users_enrolment_uri_is_answered_once_and_not_kept(world: World) -> None:
    body = {"username": "officer-c", "display_name": "Officer C", "organisation": "ORG-B",
            "role": "compliance_officer", "password": "a long enough password"}  # fmt: skip
    made = world.client.post("/v1/users", json=body, headers=_admin(world, "new-user"))
    assert made.status_code == 201 and made.json()["totp_provisioning_uri"]
    retried = world.client.post("/v1/users", json=body, headers=_admin(world, "new-user"))
    assert retried.status_code == 201 and retried.json() == {
        "username": "officer-c", "totp_provisioning_uri": None}  # fmt: skip
    secret = world.secret("officer-c")
    with world.engine.connect() as connection:
        kept = str(connection.execute(select(api_idempotency.c.response)).all())
        stored = connection.execute(select(users.c.totp_secret).where(
            users.c.username == "officer-c")).scalar_one()  # fmt: skip
    assert secret not in kept and secret not in stored  # neither the answer nor the user row
