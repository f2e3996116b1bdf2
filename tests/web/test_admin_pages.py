"""The administrator's page and My account: users created with a temporary password that
must be changed, resets shown once, the rules on whom an administrator may act, rights."""

from __future__ import annotations

import re
import uuid

import pyotp
from sqlalchemy import select
from test_pages import _csrf, _login

from service_world import NOW, PASSWORD, World
from tanshi.services import identity
from tanshi.store.schema import api_idempotency, audit_log, users
from tanshi.web import admin

TEMPORARY = re.compile(r"[a-z2-9]{4}(?:-[a-z2-9]{4}){3}")


def _admin_page(world: World):
    client = _login(world, "admin")
    page = client.get("/admin/users")
    assert page.status_code == 200, page.text
    return client, page, _csrf(page.text)


def _key(html: str, key_id: str) -> str:
    found = re.search(rf'id="{key_id}" value="([0-9a-f]+)"', html)
    assert found, f"no form key {key_id}"
    return found.group(1)


def _row(username: str) -> str:
    return admin.row_key_id(username)


def _act(client, token: str, username: str, action: str, key: str | None = None):
    """An action of a user's row, with its own form key unless one is given."""
    return client.post(f"/admin/users/{username}/{action}",
                       data={"csrf_token": token, "form_key": key or uuid.uuid4().hex})  # fmt: skip


def test_the_administrator_lands_on_the_users_page_in_chinese(world: World) -> None:
    client, page, _token = _admin_page(world)
    assert "用户" in page.text and "新建用户" in page.text and "账户权限" in page.text
    assert 'id="user-officer-a"' in page.text
    # No reset buttons on one's own row; none for another administrator either.
    own = page.text.split('id="user-admin"')[1].split("</tr>")[0]
    assert "reset-password" not in own and "/account" in own
    assert client.get("/", follow_redirects=False).headers["location"] == "/admin/users"
    fragment = client.get("/admin/users", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'id="user-trader"' in fragment.text


def test_other_roles_may_not_use_it(world: World) -> None:
    client = _login(world, "regulator")
    assert client.get("/admin/users").status_code == 403
    token = _csrf(client.get("/regulator").text)
    refused = _act(client, token, "trader", "reset-password")
    assert refused.status_code == 403


def test_a_new_user_must_choose_a_password_before_anything_else(world: World) -> None:
    client, _page, token = _admin_page(world)
    made = client.post("/admin/users", data={
        "csrf_token": token, "form_key": "k1", "username": "officer-c", "display_name": "Officer C",
        "organisation": "ORG-B", "role": "compliance_officer", "locale": "en"})  # fmt: skip
    assert made.status_code == 200 and 'data-code="ok"' in made.text, made.text
    assert made.headers["HX-Trigger"] == "users-changed, requests-changed"
    temporary = TEMPORARY.search(made.text)
    secret = re.search(r"secret=([A-Z2-7]+)", made.text)
    assert temporary and secret
    admin_made = client.post("/admin/users", data={
        "csrf_token": token, "form_key": "k2", "username": "admin9", "display_name": "A9",
        "organisation": "ADM", "role": "administrator"})  # fmt: skip
    assert "administrator_needs_the_command_line" in admin_made.text
    client.post("/logout", data={"csrf_token": token})
    login = _csrf(client.get("/login").text)
    answer = client.post("/login", data={
        "username": "officer-c", "password": temporary.group(0), "csrf_token": login,
        "totp": pyotp.TOTP(secret.group(1)).at(NOW)}, follow_redirects=False)  # fmt: skip
    assert answer.headers["location"] == "/account"
    assert client.get("/company", follow_redirects=False).headers["location"] == "/account"
    account = client.get("/account")
    assert "An administrator set your password" in account.text
    token = _csrf(account.text)
    assert client.post("/transfer", data={"csrf_token": token}).status_code == 403
    form = {"csrf_token": token, "current_password": temporary.group(0),
            "new_password": "officer c's own", "repeat_password": "officer c's own"}  # fmt: skip
    differ = client.post("/account/password", data=form | {"repeat_password": "something else"})
    assert differ.status_code == 422 and "passwords_differ" in differ.text
    done = client.post("/account/password", data=form)
    assert done.status_code == 200 and 'data-code="ok"' in done.text, done.text
    assert client.get("/company").status_code == 200


def test_resets_are_shown_once_and_closed_to_oneself_and_administrators(world: World) -> None:
    identity.create_user(world.engine, "admin2", "Admin Two", "ADM", "administrator", PASSWORD,
                         NOW)  # fmt: skip
    client, _page, token = _admin_page(world)
    reset = _act(client, token, "officer-b", "reset-password")
    assert 'data-code="ok"' in reset.text and TEMPORARY.search(reset.text)
    assert "临时密码" in reset.text  # in the administrator's language
    totp = _act(client, token, "verifier", "reset-second-factor")
    assert "otpauth://totp/" in totp.text
    # The trader represents an account: its second factor is renewed on a request only.
    refused = _act(client, token, "trader", "reset-second-factor")
    assert "representative_needs_second_administrator" in refused.text
    row = client.get("/admin/users").text.split('id="user-trader"')[1].split("</tr>")[0]
    assert "ask-second-factor-reset" in row and "/reset-second-factor" not in row
    asked = _act(client, token, "trader", "ask-second-factor-reset")
    assert 'data-code="ok"' in asked.text, asked.text
    for target, code in (("admin", "cannot_reset_yourself"),
                         ("admin2", "administrator_needs_the_command_line")):  # fmt: skip
        refused = _act(client, token, target, "reset-password")
        assert refused.status_code == 403 and code in refused.text  # as the API
    assert "cannot_reset_yourself" in _act(client, token, "admin", "deactivate").text
    unlocked = _act(client, token, "admin2", "unlock")
    assert 'data-code="ok"' in unlocked.text  # unlocking grants nothing: allowed
    trader = _act(client, token, "trader", "unlock")
    assert "trader 已解锁" in trader.text  # a username is shown as it is, never translated
    gone = _act(client, token, "officer-b", "deactivate")
    assert 'data-code="ok"' in gone.text
    with world.engine.connect() as connection:
        active = connection.execute(
            select(users.c.active).where(users.c.username == "officer-b")
        ).scalar()
        logged = connection.execute(select(audit_log.c.action, audit_log.c.result,
                                           audit_log.c.detail)).all()  # fmt: skip
    assert active is False
    actions = {(a, r) for a, r, _ in logged}
    assert {("user_password_reset", "ok"), ("user_totp_reset", "ok"), ("user_deactivate", "ok"),
            ("user_password_reset", "administrator_needs_the_command_line")} <= actions  # fmt: skip
    assert TEMPORARY.search(str([d for *_, d in logged])) is None  # no password in the log


def test_organisations_and_account_rights(world: World) -> None:
    client, _page, token = _admin_page(world)
    made = client.post("/admin/organisations", data={
        "csrf_token": token, "form_key": "o1", "code": "ORG-C", "name": "Company C1",
        "kind": "company", "company": "C1"})  # fmt: skip
    assert 'data-code="ok"' in made.text, made.text
    twice = client.post("/admin/organisations", data={
        "csrf_token": token, "form_key": "o2", "code": "ORG-C", "name": "Company C1",
        "kind": "company"})  # fmt: skip
    assert "organisation_exists" in twice.text and "该代码的机构已存在" in twice.text
    assert twice.status_code == 409  # a conflict, as the API answers it
    no_factor = client.post("/admin/representatives", data={
        "csrf_token": token, "form_key": "r1", "account": "DP-OH-C1", "username": "auditor",
        "approve": "on"})  # fmt: skip
    assert "second_factor_not_enrolled" in no_factor.text
    granted = client.post("/admin/representatives", data={
        "csrf_token": token, "form_key": "r2", "account": "DP-OH-C1", "username": "officer-b",
        "initiate": "on"})  # fmt: skip
    assert 'data-code="ok"' in granted.text, granted.text
    assert "须由另一名管理员批准" in granted.text  # a new right waits for a second administrator
    listed = client.get("/admin/users").text
    assert "登记账户权限" in listed and "DP-OH-C1" in listed
    viewing = client.post(
        "/admin/representatives",
        data={
            "csrf_token": token,
            "form_key": "r4",
            "account": "DP-OH-C1",
            "username": "officer-b",
        },
    )
    assert "officer-b 仅可查看 DP-OH-C1" in viewing.text  # view only: set at once
    unknown = client.post("/admin/representatives", data={
        "csrf_token": token, "form_key": "r3", "account": "NOPE", "username": "officer-b",
        "initiate": "on"})  # fmt: skip
    assert "unknown_account" in unknown.text


def test_every_user_changes_their_own_password(world: World) -> None:
    client = _login(world, "officer-a")
    page = client.get("/account")
    assert page.status_code == 200 and "修改密码" in page.text and "已启用" in page.text
    token = _csrf(page.text)
    wrong = client.post("/account/password", data={
        "csrf_token": token, "current_password": "not it", "new_password": "a new password!",
        "repeat_password": "a new password!"})  # fmt: skip
    assert "current_password_wrong" in wrong.text and "当前密码错误" in wrong.text
    done = client.post("/account/password", data={
        "csrf_token": token, "current_password": PASSWORD, "new_password": "a new password!",
        "repeat_password": "a new password!"})  # fmt: skip
    assert 'data-code="ok"' in done.text
    assert client.get("/company").status_code == 200  # this session stays open
    with world.engine.connect() as connection:
        details = [d for (d,) in connection.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "password_change"))]  # fmt: skip
    assert details and "a new password!" not in str(details) and PASSWORD not in str(details)


def _user_row(engine, username: str):
    with engine.connect() as connection:
        return connection.execute(select(users).where(users.c.username == username)).one()


def _audited(engine, action: str) -> int:
    with engine.connect() as connection:
        return len(connection.execute(
            select(audit_log.c.id).where(audit_log.c.action == action)).all())  # fmt: skip


def test_a_resent_reset_does_nothing_and_shows_no_secret_again(world: World) -> None:
    client, page, token = _admin_page(world)
    key = _key(page.text, _row("officer-b"))
    first = _act(client, token, "officer-b", "reset-password", key)
    temporary = TEMPORARY.search(first.text)
    assert temporary and 'data-code="ok"' in first.text
    fresh = _key(first.text, _row("officer-b"))  # swapped into the row for the next action
    assert fresh != key and 'hx-swap-oob="true"' in first.text
    hashed = _user_row(world.engine, "officer-b").password_hash
    again = _act(client, token, "officer-b", "reset-password", key)
    assert again.status_code == 200 and 'data-code="ok"' in again.text
    assert TEMPORARY.search(again.text) is None and "仅显示一次且不予保存" in again.text
    assert _user_row(world.engine, "officer-b").password_hash == hashed  # not reset twice
    assert identity.password_matches(hashed, temporary.group(0))
    assert _audited(world.engine, "user_password_reset") == 1
    with world.engine.connect() as connection:  # the kept answer holds no secret
        assert temporary.group(0) not in str(connection.execute(select(api_idempotency)).all())
    other = _act(client, token, "officer-b", "unlock", key)  # another action, the same key
    assert other.status_code == 422 and "form_already_sent" in other.text


def test_a_resent_second_factor_reset_and_unlock_act_once(world: World) -> None:
    client, page, token = _admin_page(world)
    key = _key(page.text, _row("verifier"))
    first = _act(client, token, "verifier", "reset-second-factor", key)
    secret = re.search(r"secret=([A-Z2-7]+)", first.text)
    assert secret
    again = _act(client, token, "verifier", "reset-second-factor", key)
    assert "otpauth://" not in again.text
    assert world.secret("verifier") == secret.group(1)  # the one shown first still holds
    assert _audited(world.engine, "user_totp_reset") == 1
    with world.engine.begin() as connection:
        connection.execute(users.update().where(users.c.username == "verifier").values(
            failed_logins=5, locked_until=NOW.replace(year=2099)))  # fmt: skip
    unlock = _key(first.text, _row("verifier"))
    assert 'data-code="ok"' in _act(client, token, "verifier", "unlock", unlock).text
    with world.engine.begin() as connection:  # locked again after the unlock
        connection.execute(users.update().where(users.c.username == "verifier").values(
            failed_logins=5, locked_until=NOW.replace(year=2099)))  # fmt: skip
    replayed = _act(client, token, "verifier", "unlock", unlock)
    assert 'data-code="ok"' in replayed.text
    assert _user_row(world.engine, "verifier").locked_until is not None  # the replay did nothing
    assert _audited(world.engine, "user_unlock") == 1


def test_admin_forms_without_a_key_are_refused(world: World) -> None:
    client, page, token = _admin_page(world)
    for key_id in ("user-key", "organisation-key", "rights-key"):
        assert _key(page.text, key_id)
    bare = client.post("/admin/users/officer-b/reset-password", data={"csrf_token": token})
    assert bare.status_code == 422 and "form_key_missing" in bare.text
    assert _audited(world.engine, "user_password_reset") == 0
    made = client.post("/admin/users", data={
        "csrf_token": token, "username": "officer-d", "display_name": "D", "locale": "en",
        "organisation": "ORG-B", "role": "auditor", "form_key": _key(page.text, "user-key")})  # fmt: skip
    assert 'data-code="ok"' in made.text
    twice = client.post("/admin/users", data={
        "csrf_token": token, "username": "officer-d", "display_name": "D", "locale": "en",
        "organisation": "ORG-B", "role": "auditor", "form_key": _key(page.text, "user-key")})  # fmt: skip
    assert 'data-code="ok"' in twice.text and "username_taken" not in twice.text
    assert TEMPORARY.search(twice.text) is None


def test_an_administrator_refusal_says_its_detail_in_chinese(world: World) -> None:
    """The details of a refused organisation and of a right on an unknown account read from
    their templates, with the names given on the form."""
    client, _page, token = _admin_page(world)
    twice = client.post("/admin/organisations", data={
        "csrf_token": token, "form_key": "z1", "code": "ORG-Z", "name": "", "kind": "nonsense"})  # fmt: skip
    assert 'data-code="unknown_kind"' in twice.text
    assert "请填写机构名称" in twice.text and "give the organisation" not in twice.text
    unknown = client.post("/admin/representatives", data={
        "csrf_token": token, "form_key": "z2", "account": "NOPE", "username": "officer-b",
        "initiate": "on"})  # fmt: skip
    assert "没有账户 NOPE" in unknown.text and "no account NOPE" not in unknown.text


def test_a_taken_username_is_a_conflict_and_the_form_stays_to_correct(world: World) -> None:
    client, page, token = _admin_page(world)
    form = {"csrf_token": token, "username": "officer-b", "display_name": "B again",
            "locale": "en", "organisation": "ORG-B", "role": "auditor",
            "form_key": _key(page.text, "user-key")}  # fmt: skip
    taken = client.post("/admin/users", data=form, headers={"HX-Request": "true"})
    assert taken.status_code == 409, taken.text
    assert 'data-code="username_taken"' in taken.text and "<html" not in taken.text
    # The answer is swapped in beside the form, which keeps what was typed; a fresh key
    # comes with it, so the corrected form is a new request.
    fresh = re.search(r'name="form_key" id="user-key" value="([0-9a-f]+)" hx-swap-oob', taken.text)
    assert fresh and fresh.group(1) != form["form_key"], taken.text
    renamed = client.post("/admin/users", data=form | {"username": "officer-b2",
                          "form_key": fresh.group(1)}, headers={"HX-Request": "true"})  # fmt: skip
    assert renamed.status_code == 200 and 'data-code="ok"' in renamed.text, renamed.text
