"""The web UI in a real browser (Debian's Chromium through Playwright), on the demo year.

Logs in with TOTP, walks the public, regulator and company pages, proposes a transfer with
htmx and approves it as the second officer; a trader buys into a resting sell order on the
demo exchange and sees the fill as a candle on the K-line chart. With TANSHI_SCREENSHOT_DIR set, the pages are
saved there (docs/screenshots holds the ones in the docs). Skipped when Chromium is missing
unless TANSHI_REQUIRE_BROWSER=1 (.ci/run installs it).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import pyotp
import pytest
import uvicorn
from sqlalchemy import select

from service_world import fast_hashing
from tanshi.api.app import make_service
from tanshi.api.settings import Settings
from tanshi.market.orders import Side, TimeInForce
from tanshi.market.venues import is_trading_day
from tanshi.resources import load_rulebook, load_venue, parameter_table
from tanshi.services import trading
from tanshi.services.demo import run_demo
from tanshi.services.demo_users import create_demo_users
from tanshi.services.exchange_log import traded_days
from tanshi.services.jurisdiction import load_jurisdiction
from tanshi.store.engine import open_database
from tanshi.store.schema import accounts, holdings, unit_classes
from tanshi.web.app import create_app

CHROMIUM = Path(os.environ.get("TANSHI_CHROMIUM", "/usr/bin/chromium"))
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
    _fix_clock(engine)
    users = create_demo_users(engine, jurisdiction, 7, _clock())
    secrets = {user.username: user.totp_secret or "" for user in users}
    _resting_sell(engine, jurisdiction)
    port = _free_port()
    app = create_app(make_service(Settings(), engine, clock=_clock))
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
# exchange stopped (the continuous session), moving on in real time from the test's start.
_START = datetime.now(UTC)
_MOMENT: list[datetime] = []


def _clock() -> datetime:
    return _MOMENT[0] + (datetime.now(UTC) - _START)


def _fix_clock(engine) -> None:
    venue = load_venue("demo-province")
    logged = traded_days(engine, venue.venue.code)
    assert logged is not None, "the demo traded on its exchange"
    day = logged[1] + timedelta(days=1)
    while not is_trading_day(venue, day):
        day += timedelta(days=1)
    _MOMENT[:] = [datetime.combine(day, dtime(10), ZoneInfo(venue.venue.timezone))]


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


def _login(page, base: str, username: str, secret: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"demo-{username}-7!")
    page.fill("input[name=totp]", pyotp.TOTP(secret).at(_clock()))
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
        _shot(page, "regulator-zh")
        page.click("table a[href^='/regulator/companies/']")
        page.wait_for_selector("text=DP-OH-")
        _shot(page, "regulator-company-zh")
        _logout(page)

        page.goto(f"{base}/login")
        page.fill("input[name=username]", "verifier")
        page.fill("input[name=password]", "demo-verifier-7!")
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(f"{base}/verifier")
        # One case per demo company that reported: the demo keeps one company silent.
        assert page.locator("tbody tr").count() == 11
        _shot(page, "verifier-zh")
        _logout(page)

        _login(page, base, "officer1", secrets["officer1"])
        page.wait_for_url(f"{base}/company")
        page.click("form[action='/lang'] button")  # to English
        page.wait_for_selector("text=My company")
        transfer = page.locator("form[action='/transfer']")
        transfer.locator("input[name=to_account]").fill("DP-OH-C002")
        transfer.locator("input[name=unit_class]").fill("DPEA-2016")
        transfer.locator("input[name=quantity_t]").fill("100")
        transfer.locator("input[name=memo]").fill("<i>for C002</i>")
        transfer.locator("button[type=submit]").click()
        page.wait_for_selector("#transfer-result .result")
        assert "awaiting_approval" in page.inner_text("#transfer-result")
        _shot(page, "company-en")
        _logout(page)

        _login(page, base, "officer2", secrets["officer2"])
        page.wait_for_url(f"{base}/company")
        page.goto(f"{base}/approvals")
        row = page.locator("tr[id^='proposal-']").first
        assert "<i>for C002</i>" in row.inner_text()  # shown as text, not as markup
        row.locator("button", has_text="批准").click()
        page.wait_for_selector("tr[id^='proposal-'] .outcome .result")
        assert "已执行" in row.locator(".outcome").inner_text()  # executed
        _shot(page, "approvals-zh")
        browser.close()


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
        page.goto(f"{base}/market?interval=minute")
        assert page.locator("figure.chart").first.locator("g.candle").last.get_attribute(
            "data-volume") == "60"  # fmt: skip
        browser.close()
