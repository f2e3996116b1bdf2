"""The web UI in a real browser (Debian's Chromium through Playwright), on the demo year.

Logs in with TOTP, walks the public, regulator and company pages, proposes a transfer with
htmx and approves it as the second officer; a trader buys into a resting sell order on the
demo exchange and sees the fill as a candle on the K-line chart. With TANSHI_SCREENSHOT_DIR set, the pages are
saved there (docs/screenshots holds the ones in the docs). Skipped when Chromium is missing
unless TANSHI_REQUIRE_BROWSER=1 (.ci/run installs it).
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import uvicorn
from sqlalchemy import select

from service_world import fast_hashing
from tanshi.api.app import make_service
from tanshi.api.clock import ShiftedClock, service_clock
from tanshi.api.settings import Settings
from tanshi.market.orders import Side, TimeInForce
from tanshi.resources import load_rulebook, load_venue, parameter_table
from tanshi.services import trading
from tanshi.services.demo import run_demo
from tanshi.services.demo_users import create_demo_users
from tanshi.services.jurisdiction import load_jurisdiction
from tanshi.store.engine import open_database
from tanshi.store.schema import accounts, holdings, unit_classes
from tanshi.web.app import create_app

CHROMIUM = Path(os.environ.get("TANSHI_CHROMIUM", "/usr/bin/chromium"))
BIDS = Path(__file__).resolve().parents[2] / "src" / "tanshi" / "data" / "auctions" / (
    "demo-province-bids.csv")  # fmt: skip
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    if not CHROMIUM.exists():
        if os.environ.get("TANSHI_REQUIRE_BROWSER") == "1":
            pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    fast_hashing()
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('ui') / 'demo.sqlite'}")
    rulebook, text = load_rulebook("demo-province")
    run_demo(engine, rulebook, text, parameter_table(), seed=7, company_count=12)
    jurisdiction = load_jurisdiction(engine, "DP")
    # The clock `tanshi serve --demo-clock` runs on (services/demo_clock.py).
    clock = service_clock("demo", True, engine)
    assert clock is not None
    _CLOCK[:] = [clock]
    users = create_demo_users(engine, jurisdiction, 7, _clock())
    secrets = {user.username: user.totp_secret or "" for user in users}
    _resting_sell(engine, jurisdiction)
    port = _free_port()
    app = create_app(make_service(Settings(), engine, clock=clock))
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(200):
        if running.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", secrets
    running.should_exit = True
    thread.join(5)
    engine.dispose()


# The service's clock: 10:00 in the province on the first trading day after the demo's
# exchange stopped (the continuous session), moving on in real time from the server's start;
# nothing in the demo is dated after it (the 2016 deadline is ahead, compliance not computed).
_CLOCK: list[ShiftedClock] = []


def _clock() -> datetime:
    return _CLOCK[0]()


def _resting_sell(engine, jurisdiction) -> None:
    """The company with the most DPEA-2016 left offers 100 t at the reference price."""
    venue = load_venue("demo-province")
    with engine.connect() as connection:
        seller = connection.execute(
            select(accounts.c.code).join(holdings, holdings.c.account_id == accounts.c.id)
            .join(unit_classes, unit_classes.c.id == holdings.c.unit_class_id)
            .where(unit_classes.c.code == "DPEA-2016", accounts.c.kind == "operator_holding")
            .order_by(holdings.c.quantity_units.desc())
        ).scalars().first()  # fmt: skip
    book = trading.book_levels(engine, jurisdiction, venue, "DPEA-2016", _clock())
    _RESTING["price_fen"] = book["reference_fen"]
    placed = trading.place_order(engine, jurisdiction, venue, "DPEA-2016", seller, Side.SELL,
                                 100, book["reference_fen"], TimeInForce.GTC, _clock())  # fmt: skip
    assert placed.resting_t == 100, placed


_RESTING: dict[str, int] = {}


def _shot(page, name: str) -> None:
    folder = os.environ.get("TANSHI_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _login(page, base: str, username: str, secret: str, ahead: bool = False) -> None:
    """Log in; ``ahead`` sends the next 30-second step's code (one step of drift is allowed),
    for a user who already logged in during this step (a code is accepted only once). Codes
    follow the real time, as an authenticator app's do, whatever the service's clock."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"demo-{username}-7!")
    now = datetime.now(UTC)
    page.fill("input[name=totp]", pyotp.TOTP(secret).at(now + timedelta(seconds=30) if ahead
                                                         else now))  # fmt: skip
    page.click("form[action='/login'] button[type=submit]")


def _logout(page) -> None:
    page.click("form[action='/logout'] button")


def test_regulator_company_and_public_pages_in_chromium(server) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    base, secrets = server
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--no-sandbox"])  # fmt: skip
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.goto(f"{base}/public")
        assert "履约情况公示" in page.content()
        _shot(page, "public-zh")

        _login(page, base, "regulator", secrets["regulator"])
        page.wait_for_url(f"{base}/regulator")
        page.wait_for_selector("#approvals table, #approvals .empty")
        # The header shows the service's clock: the demo's moment, not the real time.
        assert f"系统时钟: {_clock():%Y-%m-%d}" in page.inner_text("header .clock")
        # Before the 2016 deadline no compliance table is computed: each company's position
        # so far is listed without a status ("set at the deadline, 2017-06-30").
        assert "于清缴截止日 2017-06-30 确定" in page.inner_text("main")
        _shot(page, "regulator-zh")
        page.goto(f"{base}/regulator/allocation?year=2016")
        page.click("table a[href^='/regulator/companies/']")
        page.wait_for_selector("text=DP-OH-")
        _shot(page, "regulator-company-zh")
        page.goto(f"{base}/regulator/surveillance")
        page.wait_for_selector("main table, main .empty")
        assert "市场监察" in page.inner_text("h1")
        assert "large_holder" not in page.inner_text("main table")  # kinds by their names
        _shot(page, "surveillance-zh")
        _hold_the_shipped_auction(page, base)
        _logout(page)

        _login(page, base, "verifier", secrets["verifier"])
        page.wait_for_url(f"{base}/verifier")
        # Only the cases assigned to the verifier's body (VB01): the demo's round-robin gives
        # it C001, C006 and C012 of the eleven companies that reported.
        assert page.locator("tbody tr").count() == 3
        _shot(page, "verifier-zh")
        _logout(page)

        _officer_proposes_two_transfers_in_english(page, base, secrets["officer1"])

        _login(page, base, "officer2", secrets["officer2"])
        page.wait_for_url(f"{base}/company")
        page.goto(f"{base}/approvals")
        row = page.locator("tr[id^='proposal-']", has_text="<i>for C002</i>")  # text, not markup
        row.locator("button", has_text="批准").click()
        page.locator("#approvals-outcome .result").wait_for()
        assert "已执行" in page.inner_text("#approvals-outcome")  # executed
        # The queue and the recent proposals reload: the row leaves, the answer stays.
        row.wait_for(state="detached")
        page.locator("#recent-proposals tr", has_text="已执行").first.wait_for()
        assert "已执行" in page.inner_text("#approvals-outcome")
        _shot(page, "approvals-zh")
        browser.close()


def _officer_proposes_two_transfers_in_english(page, base: str, secret: str) -> None:
    """officer1 proposes a transfer on the company page (English), then a second one."""
    _login(page, base, "officer1", secret)
    page.wait_for_url(f"{base}/company")
    page.click("form[action='/lang'] button")  # to English
    page.wait_for_selector("text=My company")
    assert "Auctions won" in page.content() and "2016-1" in page.content()  # C001 bid
    transfer = page.locator("form[action='/transfer']")
    transfer.locator("input[name=to_account]").fill("DP-OH-C002")
    transfer.locator("input[name=unit_class]").fill("DPEA-2016")
    transfer.locator("input[name=quantity_t]").fill("100")
    transfer.locator("input[name=memo]").fill("<i>for C002</i>")
    transfer.locator("button[type=submit]").click()
    page.wait_for_selector("#transfer-result .result")
    assert "awaiting approval" in page.inner_text("#transfer-result")
    # The proposals below reload after the answer: the new proposal is listed.
    page.locator("#approvals tr", has_text="<i>for C002</i>").wait_for()
    # A second transfer from the same page gets a fresh form key: a new proposal.
    transfer.locator("input[name=quantity_t]").fill("5")
    transfer.locator("input[name=memo]").fill("second")
    transfer.locator("button[type=submit]").click()
    page.locator("#approvals tr", has_text="second").wait_for()
    _shot(page, "company-en")
    _logout(page)


def _hold_the_shipped_auction(page, base: str) -> None:
    """The regulator (logged in) holds the 2016 auction of the shipped demo bid file."""
    page.goto(f"{base}/regulator/allocation?year=2016")
    form = page.locator("form[action='/regulator/auctions']")
    form.locator("input[name=code]").fill("2016-1")
    form.locator("textarea[name=bids]").fill(BIDS.read_text(encoding="utf-8"))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#auction-result .result")
    assert page.get_attribute("#auction-result .result", "data-code") == "ok", page.inner_text(
        "#auction-result")  # fmt: skip
    page.reload()
    assert "C001 150,000 t" in page.content()  # C001 bid 220,000 t: cut to the 15% limit
    _shot(page, "allocation-zh")


def test_a_trader_places_an_order_and_sees_the_fill_on_the_chart(server) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    base, secrets = server
    price = f"{_RESTING['price_fen'] / 100:.2f}"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--no-sandbox"])  # fmt: skip
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        _login(page, base, "trader", secrets["trader"])
        page.wait_for_url(f"{base}/accounts")
        page.goto(f"{base}/trade?interval=minute")
        assert page.locator("#my-fills").count() == 0  # the trader has no fill yet
        assert price in page.inner_text("table.book")  # the resting ask
        order = page.locator("#order-form")
        order.locator("select[name=side]").select_option("buy")
        order.locator("input[name=quantity_t]").fill("60")
        order.locator("input[name=price]").fill(price)
        order.locator("button[type=submit]").click()
        page.wait_for_selector("#order-result .result")
        assert "成交 60 吨" in page.inner_text("#order-result")
        # htmx reloads the panel: the fill is the last minute's candle, at the ask's price.
        page.wait_for_selector("#my-fills")
        assert "已结算" in page.inner_text("#my-fills")
        candle = page.locator("#trade-panel g.candle").last
        assert candle.get_attribute("data-close") == price
        assert candle.get_attribute("data-volume") == "60"
        _shot(page, "trader-zh")
        page.goto(f"{base}/cash")
        assert "已结算" in page.content() and "资金冻结" in page.content()  # reserved, settled
        _shot(page, "cash-zh")
        page.goto(f"{base}/market?interval=minute")
        assert page.locator("figure.chart").first.locator("g.candle").last.get_attribute(
            "data-volume") == "60"  # fmt: skip
        browser.close()


# C001's 2017 report, the one the README has a new user upload: coal (t) and natural gas
# (10^4 Nm3) at the boilers, grid electricity (MWh) at the site, as the demo's plan for C001
# says; about the size of its 2016 report (3.5 Mt).
REPORT_2017 = Path(__file__).resolve().parents[2] / "docs/examples/reports/demo-c001-2017.csv"


def _upload_check_submit_surrender(page, base: str, csv_file: Path) -> None:
    """officer1 (already logged in) checks C001's 2017 report with a wrong total, corrects
    it from the figure the check names, submits it, and surrenders what C001 still owes for
    2016, then 10 t more (beyond its obligation, confirmed)."""
    page.goto(f"{base}/reports?year=2017")
    form = page.locator("#report-form")
    check = form.locator("button[hx-post='/reports/check']")
    form.locator("input[name=stated_t]").fill("0")
    form.locator("input[name=report]").set_input_files(str(csv_file))
    check.click()
    page.wait_for_selector("#report-result .result.refused")
    # the page's language (zh here): "其数据得出 3577393.549 吨二氧化碳", en "give … tCO2"
    found = re.search(r"(?:give|得出) ([0-9.]+) (?:tCO2|吨)", page.inner_text("#report-result"))
    assert found, page.inner_text("#report-result")  # emissions_total_mismatch names it
    _shot(page, "reports-check")
    form.locator("input[name=stated_t]").fill(found.group(1))
    check.click()
    page.wait_for_selector("#report-result .result.ok")
    _shot(page, "reports-en")
    form.locator("button[hx-post='/reports/submit']").click()
    page.wait_for_selector("#report-result .result[data-code=ok]")
    page.goto(f"{base}/company")
    # The demo leaves C001 part of its 2016 obligation to surrender (the README's tour), and
    # the allowances to cover it: the form states what is still owed, and surrendering it
    # goes ahead at once (the page's language, zh here: "尚欠 … 吨", en "still owed … t").
    owed = re.search(r"(?:still owed|尚欠) ([0-9,]+)", page.inner_text("#surrender-standing"))
    assert owed and int(owed.group(1).replace(",", "")) > 0, page.inner_text("#surrender-standing")
    surrender = page.locator("form[action='/surrender']")
    surrender.locator("input[name=unit_class]").fill("DPEA-2016")
    surrender.locator("input[name=quantity_t]").fill(owed.group(1).replace(",", ""))
    surrender.locator("input[name=year]").fill("2016")
    surrender.locator("button[type=submit]").click()
    page.wait_for_selector("#surrender-result .result")
    shown = page.get_attribute("#surrender-result .result", "data-code")
    assert shown == "ok", page.inner_text("#surrender-result")
    page.goto(f"{base}/company")
    left = re.search(r"(?:still owed|尚欠) ([0-9,]+)", page.inner_text("#surrender-standing"))
    assert left and left.group(1) == "0", page.inner_text("#surrender-standing")
    surrender = page.locator("form[action='/surrender']")
    surrender.locator("input[name=unit_class]").fill("DPEA-2016")
    surrender.locator("input[name=quantity_t]").fill("10")
    surrender.locator("input[name=year]").fill("2016")
    surrender.locator("button[type=submit]").click()
    page.wait_for_selector("#surrender-result .result")
    # Nothing is owed any more: the form warns before cancelling units beyond the obligation,
    # and the officer confirms.
    shown = page.get_attribute("#surrender-result .result", "data-code")
    assert shown == "surrender_beyond_obligation", page.inner_text("#surrender-result")
    surrender.locator("input[name=beyond_obligation]").check()
    surrender.locator("button[type=submit]").click()
    page.wait_for_selector("#surrender-result .result[data-code=ok]")
    # The service's clock is the first trading day after the demo's exchange stopped, before
    # the 2016 deadline (30 June 2017), so the surrender is accepted.
    shown = page.get_attribute("#surrender-result .result", "data-code")
    assert shown == "ok", page.inner_text("#surrender-result")


def test_a_report_from_upload_to_verified_in_chromium(server) -> None:
    """officer1 uploads C001's 2017 report and surrenders; the regulator assigns VB01; the
    demo verifier (VB01) records a finding and verifies."""
    sync_api = pytest.importorskip("playwright.sync_api")
    base, secrets = server
    csv_file = REPORT_2017
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--no-sandbox"])  # fmt: skip
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        _login(page, base, "officer1", secrets["officer1"], ahead=True)
        page.wait_for_url(f"{base}/company")
        _upload_check_submit_surrender(page, base, csv_file)
        _logout(page)

        _login(page, base, "regulator", secrets["regulator"], ahead=True)
        page.wait_for_url(f"{base}/regulator")
        page.goto(f"{base}/regulator/verification")
        page.click("main a[href='/regulator/verification?year=2017']")  # the year selector
        page.wait_for_url(f"{base}/regulator/verification?year=2017")
        row = page.locator("tr", has_text="C001")
        row.locator("input[name=body]").fill("VB01")
        row.locator("button[type=submit]").click()
        page.wait_for_selector("#assign-C001 .result.ok")
        page.goto(f"{base}/regulator/verification?year=2016")
        _shot(page, "verification-progress-zh")
        _logout(page)

        _login(page, base, "verifier", secrets["verifier"], ahead=True)
        page.wait_for_url(f"{base}/verifier")
        page.goto(f"{base}/verifier?year=2017")
        case = page.locator("#case-C001")
        finding = case.locator("form[action$='/finding']")
        finding.locator("input[name=amount_t]").fill("-12.5")
        finding.locator("input[name=description]").fill("meter 3 double-counted in May")
        finding.locator("button[type=submit]").click()
        page.wait_for_selector("#case-result-C001 .result.ok")
        # The case's findings reload: the new one is listed, with a form to withdraw it.
        page.locator("#findings-C001 tr", has_text="meter 3 double-counted in May").wait_for()
        _shot(page, "verifier-case-zh")
        case.locator("form[action$='/verify'] button[type=submit]").click()
        # The finding's answer is in the same place: wait for the verdict (not material).
        page.locator("#case-result-C001 .result.ok", has_text="已核查").wait_for()
        browser.close()


def test_an_administrator_adds_a_user_who_chooses_a_password(server) -> None:
    """The administrator adds an auditor in English; the auditor logs in with the temporary
    password, is sent to My account, chooses a password and reaches the regulator's page."""
    sync_api = pytest.importorskip("playwright.sync_api")
    base, secrets = server
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--no-sandbox"])  # fmt: skip
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
        _login(page, base, "admin", secrets["admin"])
        page.wait_for_url(f"{base}/admin/users")
        form = page.locator("form[action='/admin/users']")
        form.locator("input[name=username]").fill("auditor2")
        form.locator("input[name=display_name]").fill("Second Auditor")
        form.locator("select[name=organisation]").select_option("DP-AUDITOR")
        form.locator("select[name=role]").select_option("auditor")
        form.locator("select[name=locale]").select_option("en")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("#create-result .result.ok")
        found = re.search(r"[:：]\s*([a-z2-9]{4}(?:-[a-z2-9]{4}){3})",
                          page.inner_text("#create-result"))  # fmt: skip
        assert found, page.inner_text("#create-result")
        page.locator("#users tr#user-auditor2").wait_for()  # the list reloaded
        _shot(page, "admin-users-zh")
        # Resetting the new user's password from its row: the row's form key goes along, and
        # the answer swaps a fresh one in, so a second reset acts again (the last one holds).
        page.on("dialog", lambda dialog: dialog.accept())
        row = page.locator("#users tr#user-auditor2")
        for _ in range(2):
            row.locator("button[hx-post$='/reset-password']").click()
            row.locator(".outcome .result.ok", has_not_text=found.group(1)).wait_for()
            again = re.search(r"([a-z2-9]{4}(?:-[a-z2-9]{4}){3})", row.locator(".outcome")
                              .inner_text())  # fmt: skip
            assert again and again.group(1) != found.group(1), row.inner_text()
            found = again
        _logout(page)

        page.goto(f"{base}/login")
        page.fill("input[name=username]", "auditor2")
        page.fill("input[name=password]", found.group(1))
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(f"{base}/account")
        page.goto(f"{base}/regulator")
        page.wait_for_url(f"{base}/account")  # no other page before the password is chosen
        change = page.locator("form[action='/account/password']")
        change.locator("input[name=current_password]").fill(found.group(1))
        change.locator("input[name=new_password]").fill("a password of my own")
        change.locator("input[name=repeat_password]").fill("a password of my own")
        change.locator("button[type=submit]").click()
        page.wait_for_selector("#password-result .result.ok")
        page.goto(f"{base}/regulator")
        page.wait_for_url(f"{base}/regulator")
        browser.close()
