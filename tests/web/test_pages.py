"""The web UI: logging in with CSRF and TOTP, the pages of each role, both languages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from service_world import PASSWORD, World


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def _login(world: World, username: str) -> TestClient:
    client = world.client
    token = _csrf(client.get("/login").text)
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                          "totp": world.code(username), "csrf_token": token},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text
    return client


def test_public_page_needs_no_login_and_speaks_chinese_by_default(world: World) -> None:
    page = world.client.get("/public")
    assert page.status_code == 200
    assert "履约情况公示" in page.text
    english = world.client.get("/public", headers={"Accept-Language": "en-GB,en"})
    assert "Public compliance table" in english.text
    assert "/static/htmx.min.js" in page.text
    assert world.client.get("/static/htmx.min.js").status_code == 200


def test_login_rejects_a_missing_csrf_token(world: World) -> None:
    world.client.get("/login")
    answer = world.client.post("/login", data={"username": "verifier", "password": PASSWORD})
    assert answer.status_code == 403
    assert world.client.get("/regulator", follow_redirects=False).status_code == 303


def test_login_needs_the_second_factor(world: World) -> None:
    token = _csrf(world.client.get("/login").text)
    answer = world.client.post("/login", data={"username": "regulator", "password": PASSWORD,
                                                "totp": "000000", "csrf_token": token})  # fmt: skip
    assert answer.status_code == 401


def test_regulator_pages(world: World) -> None:
    client = _login(world, "regulator")
    page = client.get("/regulator")
    assert page.status_code == 200
    # The coverage tiles, in Chinese: the first counts every company in a covered sector
    # (one with nothing recorded for the year is still in scope; the positions list marks it
    # excluded), so it does not say 重点排放单位.
    assert "覆盖行业内的企业" in page.text
    queue = client.get("/approvals", headers={"HX-Request": "true"})
    assert "<html" not in queue.text  # an htmx fragment, not a page
    detail = client.get("/regulator/companies/A1")
    assert detail.status_code == 200 and "DP-OH-A1" in detail.text
    assert client.get("/regulator/companies/NOPE").status_code == 404
    assert client.get("/audit").status_code == 200


def test_company_transfer_and_four_eyes_in_the_browser(world: World) -> None:
    client = _login(world, "officer-a")
    page = client.get("/company")
    assert page.status_code == 200 and "DP-OH-A1" in page.text
    form = {"from_account": "DP-OH-A1", "to_account": "DP-OH-C1", "unit_class": "DPEA-2016",
            "quantity_t": "25", "memo": "<b>bold</b>", "form_key": "f1"}  # fmt: skip
    refused = client.post("/transfer", data=form)
    assert refused.status_code == 403  # no CSRF token
    done = client.post("/transfer", data=form | {"csrf_token": _csrf(page.text)})
    assert done.status_code == 200 and "待审批" in done.text  # awaiting approval
    queue = client.get("/approvals").text
    assert "&lt;b&gt;bold&lt;/b&gt;" in queue and "<b>bold</b>" not in queue
    client.post("/logout", data={"csrf_token": _csrf(queue)})
    approver = _login(world, "approver-a")
    page = approver.get("/approvals").text
    token = _csrf(page)
    # The queue and the recent proposals reload (htmx) when an answer raises the event, and
    # the answer goes to a place the reload keeps.
    assert 'hx-get="/approvals?part=page" hx-trigger="proposals-changed from:body"' in page
    assert 'hx-target="#approvals-outcome"' in page and "hx-preserve" in page
    assert 'id="proposal-1"' in page
    approved = approver.post("/proposals/1/approve", headers={"X-CSRF-Token": token})
    assert approved.status_code == 200 and "已执行" in approved.text  # executed
    assert approved.headers["HX-Trigger"] == "proposals-changed"
    reloaded = approver.get("/approvals?part=page", headers={"HX-Request": "true"}).text
    assert "<html" not in reloaded and 'id="proposal-1"' not in reloaded  # left the queue
    assert re.search(r'id="recent-1">.*已执行</td></tr>', reloaded)  # recent: executed
    queue_only = approver.get("/approvals", headers={"HX-Request": "true"}).text
    assert 'id="recent-proposals"' not in queue_only  # the company page's fragment


def test_surrender_form(world: World) -> None:
    client = _login(world, "officer-a")
    token = _csrf(client.get("/company").text)
    form = {"unit_class": "DPEA-2016", "quantity_t": "10", "year": "2016", "form_key": "s",
            "csrf_token": token}  # fmt: skip
    done = client.post("/surrender", data=form)
    assert done.status_code == 200, done.text
    bad = client.post("/surrender", data=form | {"quantity_t": "ten", "form_key": "s2"})
    assert bad.status_code == 422


def test_language_switch_is_remembered_for_the_user(world: World) -> None:
    client = _login(world, "officer-a")
    page = client.get("/company")
    assert "我的企业" in page.text
    switched = client.post("/lang", data={"to": "en", "csrf_token": _csrf(page.text),
                                          "back": "/company"}, follow_redirects=True)  # fmt: skip
    assert "My company" in switched.text
    assert client.post("/lang", data={"to": "zh"}).status_code == 403  # no CSRF token


def test_language_switch_keeps_the_query_and_stays_on_the_site(world: World) -> None:
    client = _login(world, "regulator")
    page = client.get("/regulator/verification?year=2017")
    assert 'name="back" value="/regulator/verification?year=2017"' in page.text
    token = _csrf(page.text)
    back = client.post("/lang", data={"to": "en", "csrf_token": token,
                                      "back": "/regulator/verification?year=2017"},
                       follow_redirects=False)  # fmt: skip
    assert back.status_code == 303
    assert back.headers["location"] == "/regulator/verification?year=2017"
    for evil in ("//evil.example", "https://evil.example", "/\\evil.example",
                 "/\t/evil.example", "evil.example"):  # fmt: skip
        answer = client.post("/lang", data={"to": "zh", "csrf_token": token, "back": evil},
                             follow_redirects=False)  # fmt: skip
        assert answer.status_code == 303 and answer.headers["location"] == "/", evil


def test_other_roles_have_a_home(world: World) -> None:
    for username, path, text in (("verifier", "/verifier", "核查"),
                                 ("trader", "/accounts", "账户"),
                                 ("auditor", "/regulator", "覆盖行业内的企业")):  # fmt: skip
        client = _login(world, username) if username != "auditor" else _login_plain(world)
        home = client.get("/", follow_redirects=True)
        assert home.url.path == path and text in home.text
        client.post("/logout", data={"csrf_token": _csrf(home.text)})


def _login_plain(world: World) -> TestClient:
    """The read-only auditor, the one role that logs in with a password alone."""
    token = _csrf(world.client.get("/login").text)
    world.client.post("/login", data={"username": "auditor", "password": PASSWORD,
                                      "csrf_token": token})  # fmt: skip
    return world.client


def test_a_verifier_needs_the_second_factor(world: World) -> None:
    token = _csrf(world.client.get("/login").text)
    answer = world.client.post("/login", data={"username": "verifier", "password": PASSWORD,
                                                "csrf_token": token})  # fmt: skip
    assert answer.status_code == 401


def test_after_login_only_local_redirects(world: World) -> None:
    token = _csrf(world.client.get("/login").text)
    answer = world.client.post("/login", data={"username": "verifier", "password": PASSWORD,
                                                "totp": world.code("verifier"),
                                                "csrf_token": token,
                                                "next": "//evil.example/"},
                               follow_redirects=False)  # fmt: skip
    assert answer.headers["location"] == "/verifier"


def test_pages_carry_security_headers(world: World) -> None:
    headers = world.client.get("/public").headers
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src" not in headers["content-security-policy"]  # default-src 'self' only
    assert world.client.get("/v1/health").headers["x-content-type-options"] == "nosniff"
