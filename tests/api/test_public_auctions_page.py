"""The public auction results page on both stores: each jurisdiction's cleared auctions as the
API publishes them, bids sealed, no login, in Chinese and English; the JSON per jurisdiction."""

from __future__ import annotations

import re
from datetime import timedelta

from test_auction_book_api import BOOK, _open_book
from test_auctions_api import _write

from service_world import NOW, World


def _cleared_auction(world: World) -> None:
    bid = world.client.post(f"{BOOK}/bids", json={"price_per_t": "25.50", "quantity_t": 3000},
                            headers=_write(world, "officer-a", "pb1"))  # fmt: skip
    assert bid.status_code == 201, bid.json()
    world.moment[0] = NOW + timedelta(hours=1)  # 11:00: the bidding window has closed
    cleared = world.client.post(f"{BOOK}/clear", json={"seed": 1},
                                headers=_write(world, "regulator", "pc1"))  # fmt: skip
    assert cleared.status_code == 201, cleared.json()


def test_before_any_auction_is_cleared_the_page_says_so(world: World) -> None:
    _open_book(world)  # announced and open: not a result yet
    page = world.client.get("/public/auctions")
    assert page.status_code == 200
    assert "拍卖结果" in page.text and "尚无已出清的拍卖" in page.text
    assert "2016-B1" not in page.text


def test_the_page_shows_what_the_api_publishes_and_no_bid(world: World) -> None:
    _open_book(world)
    _cleared_auction(world)
    published = world.client.get("/v1/public/auction-results?jurisdiction=DP").json()["items"]
    assert len(published) == 1
    row = published[0]
    page = world.client.get("/public/auctions")  # no login
    assert page.status_code == 200
    html = page.text
    assert "<h2>DP</h2>" in html and "2016-B1" in html and row["auction_on"] in html
    for shown in (f"{row['offered_t']:,}", f"{row['bid_t']:,}", f"{row['sold_t']:,}",
                  f"{row['clearing_price_per_t']} CNY/t", f"<td class=\"n\">{row['cover_ratio']}</td>",
                  f"<td class=\"n\">{row['bidders']}</td>"):  # fmt: skip
        assert shown in html, shown
    # The bids and bidders stay sealed (read without the page's random CSRF tokens, which
    # may contain "A1" by chance).
    sealed = re.sub(r"[A-Za-z0-9_-]{32,}", "", html)
    assert "25.50" not in sealed and "A1" not in sealed
    assert "申购量（吨）" in html and "认购倍数" in html and "竞买人数" in html
    assert 'href="/v1/public/auction-results?jurisdiction=DP"' in html
    world.client.cookies.set("tanshi_lang", "en")
    english = world.client.get("/public/auctions?year=2016").text
    assert "Auction results 2016" in english and "Cover ratio" in english
    assert "Bidders" in english and "2016-B1" in english
    assert 'href="/v1/public/auction-results?jurisdiction=DP&amp;year=2016"' in english
    assert "2016-B1" not in world.client.get("/public/auctions?year=2017").text


def test_the_public_json_takes_a_jurisdiction_and_refuses_an_unknown_one(world: World) -> None:
    _open_book(world)
    _cleared_auction(world)
    everywhere = world.client.get("/v1/public/auction-results").json()
    assert [r["code"] for r in everywhere["items"]] == ["2016-B1"]
    unknown = world.client.get("/v1/public/auction-results?jurisdiction=XX")
    assert unknown.status_code in (404, 422)
    assert unknown.json()["error"]["field"] == "query.jurisdiction"


def test_public_and_market_pages_link_the_results(world: World) -> None:
    for path in ("/public", "/market"):
        assert 'href="/public/auctions"' in world.client.get(path).text, path
