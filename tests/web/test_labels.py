"""Pages name codes: every page of the demo, for every role and in both languages, shows
statuses, roles, kinds and types by their names (web/labels.py), never as snake_case codes."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser

import pyotp
import pytest
from fastapi.testclient import TestClient

from service_world import fast_hashing
from tanshi.api.app import make_service
from tanshi.api.clock import service_clock
from tanshi.api.settings import Settings
from tanshi.resources import load_rulebook, parameter_table
from tanshi.services import lifecycle, trust_requests, unit_freezes
from tanshi.services.demo import run_demo
from tanshi.services.demo_users import create_demo_users
from tanshi.services.identity import principal_named
from tanshi.services.jurisdiction import load_jurisdiction
from tanshi.store.engine import open_database
from tanshi.web.app import create_app
from tanshi.web.forms import say
from tanshi.web.i18n import catalog
from tanshi.web.labels import LABELS, name_of

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
NOT_PAGES = ("/logout", "/lang", "/static", "/v1", "/docs", "/openapi")
MOST_PAGES_PER_USER = 60
HIDDEN = ("script", "style", "code", "textarea")


class VisibleText(HTMLParser):
    """The text a reader sees: not markup, attributes, scripts, what a field holds
    (``<textarea>``), ``<code>`` (codes shown on purpose, such as a refusal's code beside
    its explanation, an account code or a file's column names) or names shown as they are
    (``translate="no"``: a username such as ``trader``)."""

    def __init__(self) -> None:
        super().__init__()
        self.hiding: list[str] = []  # the elements, innermost last, whose text is hidden
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in HIDDEN or ("translate", "no") in attrs or self.hiding[-1:] == [tag]:
            self.hiding.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.hiding[-1:] == [tag]:
            self.hiding.pop()

    def handle_data(self, data: str) -> None:
        if not self.hiding:
            self.parts.append(data)


def _visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def codes_shown(html: str, locale: str = "en") -> dict[str, str]:
    """Each snake_case word a reader sees, and each text that is just a code whose name in
    ``locale`` differs (``power`` in a Chinese page), with the text around it."""
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    found = {m.group(): text[max(0, m.start() - 40) : m.end() + 40] for m in SNAKE.finditer(text)}
    named = catalog(locale) if locale != "en" else {}
    for part in (p.strip() for p in parser.parts):
        if part in LABELS and named.get(name_of(part), name_of(part)) != part:
            found[part] = part
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict]]:
    fast_hashing()
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('labels') / 'demo.sqlite'}")
    rulebook, text = load_rulebook("demo-province")
    run_demo(engine, rulebook, text, parameter_table(), seed=7, company_count=6)
    clock = service_clock("demo", True, engine)
    assert clock is not None
    jurisdiction = load_jurisdiction(engine, "DP")
    users = create_demo_users(engine, jurisdiction, 7, clock())
    _registry_controls(engine, jurisdiction, clock())
    client = TestClient(create_app(make_service(Settings(), engine, clock=clock)))
    yield client, {user.username: user for user in users}
    engine.dispose()


def _registry_controls(engine, jurisdiction, now) -> None:
    """A trusted-list entry, an addition awaiting confirmation and a freeze order, so the
    registry controls pages show rows."""
    lifecycle.trust_account(engine, jurisdiction, "DP-OH-C001", "DP-OH-C002", "officer1",
                            "officer2", now)  # fmt: skip
    officer = principal_named(engine, "officer1")
    assert officer is not None
    _, issues = trust_requests.propose(engine, "DP-OH-C001", "DP-OH-C003", officer, now)
    assert not issues, issues
    frozen = unit_freezes.freeze_units(engine, "DP-OH-C001", "DPEA-2016", 10, "court 1/2017",
                                       "debt claim", "regulator", "labels/freeze", now)  # fmt: skip
    assert frozen.freeze_id is not None, frozen


def _login(client: TestClient, user) -> None:
    client.cookies.clear()
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf
    code = pyotp.TOTP(user.totp_secret).now() if user.totp_secret else ""
    answer = client.post("/login", data={"username": user.username, "password": user.password,
                                         "totp": code, "csrf_token": csrf.group(1)},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text


def _crawl(client: TestClient, start: str) -> dict[str, str]:
    """Every page reachable from ``start`` by links and htmx loads (one of each path)."""
    seen: dict[str, str] = {}
    waiting, paths = [start, "/account"], set()
    while waiting and len(seen) < MOST_PAGES_PER_USER:
        url = waiting.pop(0)
        path = url.split("?")[0]
        if path in paths or path.startswith(NOT_PAGES):
            continue
        paths.add(path)
        answer = client.get(url)
        if answer.status_code != 200 or "html" not in answer.headers["content-type"]:
            continue
        seen[url] = answer.text
        links = re.findall(r'(?:href|hx-get)="(/[^"#]*)"', answer.text)
        waiting += [link.replace("&amp;", "&") for link in links]
    return seen


def _switch(client: TestClient, locale: str) -> None:
    page = client.get("/account").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    client.post("/lang", data={"to": locale, "csrf_token": csrf.group(1), "back": "/account"})


@pytest.mark.parametrize("username", ["regulator", "officer1", "verifier", "trader", "exchange",
                                      "auditor", "admin"])  # fmt: skip
def test_no_page_shows_a_code_in_either_language(demo, username: str) -> None:
    client, users = demo
    _login(client, users[username])
    shown: dict[str, str] = {}
    for locale in ("en", "zh"):
        _switch(client, locale)
        pages = _crawl(client, "/")
        assert len(pages) >= 3, sorted(pages)
        for url, html in pages.items():
            for code, around in codes_shown(html, locale).items():
                shown.setdefault(code, f"{locale} {url}: …{around}…")
            if locale == "zh":  # a Chinese page writes the yuan as 元, per tonne 元/吨
                for unit in re.finditer(r"CNY/t|\d CNY\b", _visible(html)):
                    shown.setdefault(unit.group(), f"zh {url}")
    assert sorted(shown) == [], shown


def test_the_check_finds_a_code_shown_as_it_is() -> None:
    shown = codes_shown("<td>closure_pending</td><td title='a_b'><code>login_failed</code></td>")
    assert shown == {"closure_pending": "closure_pending"}
    assert codes_shown("<td>power</td><td>open</td>", "zh") == {"power": "power", "open": "open"}
    assert codes_shown("<td>power</td><td>电力</td>", "en") == {}
    assert codes_shown('<td translate="no">trader</td><td>trader</td>', "zh") == {
        "trader": "trader"
    }


def test_every_name_is_english_and_translated() -> None:
    chinese = catalog("zh")
    assert name_of("awaiting_approval") == "awaiting approval"
    assert name_of("no_such_code") == "no_such_code"
    assert sorted(n for n in LABELS.values() if SNAKE.search(n)) == []
    assert sorted(n for n in LABELS.values() if n not in chinese) == []


def test_an_answer_names_the_status_it_reports() -> None:
    assert say("en", "proposal {id}: {status}", {"id": 3, "status": "awaiting_approval"}) == (
        "proposal 3: awaiting approval")  # fmt: skip
    assert say("zh", "proposal {id}: {status}", {"id": 3, "status": "awaiting_approval"}) == (
        "申请 3：待审批")  # fmt: skip


def _logged_in(client: TestClient, user) -> None:
    """Log in with the next time step's code (one step of drift is allowed), so a login a
    moment after another test's for the same user is no replay of its code."""
    client.cookies.clear()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert csrf
    code = pyotp.TOTP(user.totp_secret).at(time.time() + 30) if user.totp_secret else ""
    answer = client.post("/login", data={"username": user.username, "password": user.password,
                                         "totp": code, "csrf_token": csrf.group(1)},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text


def _text(client: TestClient, locale: str, url: str) -> str:
    _switch(client, locale)
    answer = client.get(url)
    assert answer.status_code == 200, answer.text
    parser = VisibleText()
    parser.feed(answer.text)
    return " ".join(" ".join(parser.parts).split())


def test_pages_read_as_a_newcomer_expects(demo) -> None:
    """An open account is 正常 (not an auction 进行中); market figures have separators and
    two decimals; times are on the jurisdiction's clock; issuance is no holding; memos,
    sectors and plan parameters read in Chinese."""
    client, users = demo
    _logged_in(client, users["regulator"])
    accounts = _text(client, "zh", "/accounts")
    assert "(正常)" in accounts and "(进行中)" not in accounts
    assert "(open)" in _text(client, "en", "/accounts")
    market = _text(client, "zh", "/market")
    assert re.findall(r"\b\d{1,3}(?:,\d{3})+\.\d{2}\b", market)
    assert not re.search(r"\b\d{5,}\.\d", market), re.search(r"\b\d{5,}\.\d", market)
    assert "T00:00:00" not in market and "(UTC+08:00)" in market
    assert "演示省环境交易所（虚构）" in market
    log = _text(client, "en", "/public/transactions")
    assert "Completed at (UTC+08:00)" in log and "2016-06-30 10:00:00" in log
    assert "Demo choice:" in log and "(source text)" not in log
    # the rule's citation is quoted as written, marked as the source on a Chinese page
    assert re.search(r"依据规则: Demo choice: [^[]+（原文） \[", _text(client, "zh",
                     "/public/transactions"))  # fmt: skip
    public = _text(client, "zh", "/public")
    assert "-112,000,000" not in public and "注册登记系统已签发" in public
    assert "数量（吨二氧化碳当量）" in public
    company = _text(client, "zh", "/regulator/companies/C001?year=2016")
    assert "行业: 电力" in company and "2016 年度清缴" in company
    assert "surrender for" not in company and "quantity:" not in company
    _logged_in(client, users["auditor"])
    audit = _text(client, "en", "/audit")
    assert "When (UTC+08:00)" in audit and "When (UTC)" not in audit
