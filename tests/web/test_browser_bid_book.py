"""The auction bid book in a real browser (Debian's Chromium through Playwright).

The regulator announces an auction on the allocation page; officer1 bids sealed for C001 on
the company page and revises the bid; the regulator cannot clear before the window ends, and once
the window has closed the regulator clears; C001 sees
the allowances delivered and the payment debited from its cash; the public auction results
name the clearing price, and the same pages render in English. Runs on its own demo server
(the fixture of test_browser.py), so every user logs in once, with the current step's code.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from test_browser import CHROMIUM, _clock, _login, _shot, server  # noqa: F401 - the fixture

from tanshi.web.cash import yuan

pytestmark = pytest.mark.browser
ZONE = ZoneInfo("Asia/Shanghai")  # the demo province's
CODE = "2016-B9"


def _codes_shown(html: str) -> list[str]:
    """snake_case codes shown as text (codes shown on purpose are in <code>)."""
    return re.findall(r">\s*([a-z]+_[a-z_]+)\s*<", re.sub(r"<code>.*?</code>", "", html))


def _announce(page, base: str) -> datetime:
    """The regulator announces CODE: 20,000 t, bids from an hour ago until the minute after
    next on the service's clock (it runs in real time), which the test then waits out."""
    local = _clock().astimezone(ZONE)
    closes = (local + timedelta(minutes=2)).replace(second=0, microsecond=0)
    page.goto(f"{base}/regulator/allocation?year=2016")
    form = page.locator("form[action='/regulator/auction-notices']")
    form.locator("input[name=code]").fill(CODE)
    form.locator("input[name=opens_at]").fill(f"{local - timedelta(hours=1):%Y-%m-%dT%H:%M}")
    form.locator("input[name=closes_at]").fill(f"{closes:%Y-%m-%dT%H:%M}")
    form.locator("input[name=volume_t]").fill("20000")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#notice-result .result")
    assert page.get_attribute("#notice-result .result", "data-code") == "ok", page.inner_text(
        "#notice-result")  # fmt: skip
    assert f"拍卖 {CODE} 已公告" in page.inner_text("#notice-result")
    return closes


def _bid_and_revise(page, base: str) -> None:
    """officer1 bids 3,000 t at 25.00 for C001 (15% of 20,000 t is the most), then revises
    it to 2,000 t at 24.50: the first bid is replaced and its reservation released."""
    page.goto(f"{base}/company")
    form = page.locator("#bid-form")
    form.locator("select[name=auction]").select_option(CODE)
    form.locator("input[name=price]").fill("25.00")
    form.locator("input[name=quantity_t]").fill("3000")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#bid-result .result")
    assert "已冻结 75,000.00" in page.inner_text("#bid-result"), page.inner_text("#bid-result")
    row = page.locator("#auction-bids tbody tr", has=page.locator("form[action$='/revise']"))
    row.wait_for()  # the panel reloaded with the live bid and its revise form
    row.locator("input[name=price]").fill("24.50")
    row.locator("input[name=quantity_t]").fill("2000")
    row.locator("button", has_text="修改").click()
    page.locator("#bid-result .result", has_text="49,000.00").wait_for()
    _shot(page, "company-bid-zh")


def _close_and_clear(page, base: str, closes: datetime) -> None:
    page.goto(f"{base}/regulator/allocation?year=2016")
    card = page.locator(".card", has=page.locator("h3", has_text=CODE))
    assert "24.50" not in card.inner_text()  # sealed until cleared
    # Bidders were promised the window: before it closes the button is disabled and says when
    # clearing becomes possible (the service refuses an early clear: tests/api, tests/auction).
    clear = "form[action$='/clear'] button[type=submit]"  # the card also has a cancel form
    assert card.locator(clear).is_disabled()
    assert "后方可出清" in card.inner_text()
    time.sleep(max(0.0, (closes - _clock()).total_seconds()) + 1)
    page.reload()
    card = page.locator(".card", has=page.locator("h3", has_text=CODE))
    card.locator(clear).click()
    card.locator(".result").wait_for()
    assert card.locator(".result").get_attribute("data-code") == "ok", card.inner_text()
    page.reload()
    card = page.locator(".card", has=page.locator("h3", has_text=CODE))
    assert "24.50" in card.inner_text() and "C001" in card.inner_text()  # the whole book now
    _shot(page, "allocation-bid-book-zh")


def _balance_fen(page) -> int:
    """C001's free cash at the exchange, from the first row of the cash page."""
    cell = page.locator("table").first.locator("tbody tr").first.locator("td").nth(3)
    return int(cell.inner_text().replace(",", "").replace(".", ""))


def test_an_auction_from_announcement_to_public_result_in_chromium(server) -> None:  # noqa: F811
    sync_api = pytest.importorskip("playwright.sync_api")
    base, secrets = server
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--no-sandbox"])  # fmt: skip
        # One browser context per person, so each logs in once.
        regulator = browser.new_context(locale="zh-CN").new_page()
        officer = browser.new_context(locale="zh-CN").new_page()
        _login(regulator, base, "regulator", secrets["regulator"])
        regulator.wait_for_url(f"{base}/regulator")
        _login(officer, base, "officer1", secrets["officer1"])
        officer.wait_for_url(f"{base}/company")
        officer.goto(f"{base}/cash")
        before = _balance_fen(officer)

        closes = _announce(regulator, base)
        _bid_and_revise(officer, base)
        _close_and_clear(regulator, base, closes)

        public = browser.new_context().new_page()  # nobody logged in
        public.goto(f"{base}/v1/public/auction-results?year=2016")
        results = json.loads(public.inner_text("body"))["items"]
        ours = next(item for item in results if item["code"] == CODE)
        price = Decimal(ours["clearing_price_per_t"])
        assert ours["sold_t"] == 2000 and ours["bidders"] == 1
        # A uniform price between the reserve (CNY 20, data/rulebooks/demo-province.toml) and
        # the winning bid.
        assert Decimal("20.00") <= price <= Decimal("24.50")
        paid_fen = int(price * 2000 * 100)

        officer.goto(f"{base}/company")
        won = officer.locator("h2", has_text="拍卖中标").locator(
            "xpath=following-sibling::table[1]"
        )
        assert CODE in won.inner_text() and "2,000" in won.inner_text()
        assert not _codes_shown(officer.content())  # e.g. a bid's status, translated
        officer.goto(f"{base}/cash")
        # The winner pays from its reservation: 49,000.00 was set aside, and what the award
        # at the clearing price did not use comes back; the balance is down by the payment.
        back = officer.locator(
            "tr", has_text=f"拍卖 {CODE}：出价"
        ).inner_text()  # system memo in zh
        assert f"+{yuan(4_900_000 - paid_fen)}" in back, back
        assert _balance_fen(officer) == before - paid_fen
        _shot(officer, "cash-auction-zh")

        # The same pages in English: no code or msgid left untranslated in either language.
        officer.click("form[action='/lang'] button")
        officer.wait_for_selector("text=Cash and settlement")
        assert (
            "funds released" in officer.locator("tr", has_text=f"auction {CODE}: bid").inner_text()
        )
        officer.goto(f"{base}/company")
        assert "Auctions won" in officer.content()
        assert not _codes_shown(officer.content())
        browser.close()
