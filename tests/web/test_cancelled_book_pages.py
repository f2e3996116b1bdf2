"""A cancelled auction's bids on the pages: the regulator's and the auditor's allocation page
show who bid what (oversight of the cancellation), the bidder's panel its own bids, the
public auction page only when and why."""

from __future__ import annotations

from test_auction_bid_pages import _open_book
from test_pages import _login_plain

from service_world import World

WHY = "撮合系统故障，取消拍卖"


def _cancelled(world: World, *, bid: bool = True) -> None:
    _open_book(world)
    if bid:
        made = world.client.post("/v1/auction-notices/2016-B1/bids",
                                 json={"price_per_t": "21.50", "quantity_t": 2000},
                                 headers=world.token("officer-a") | {"Idempotency-Key": "b"})  # fmt: skip
        assert made.status_code == 201, made.json()
    done = world.client.post("/v1/auction-notices/2016-B1/cancel", json={"reason": WHY},
                             headers=world.token("regulator") | {"Idempotency-Key": "c"})  # fmt: skip
    assert done.status_code == 201, done.json()


def _book(page: str) -> str:
    """The bid book's card of 2016-B1 on the allocation page."""
    return page.split("2016-B1 · 已取消")[1].split("</div>", maxsplit=1)[0]


def test_regulators_and_auditors_see_a_cancelled_books_bids(world: World) -> None:
    _cancelled(world)
    regulator, auditor = world.browser("regulator"), _login_plain(world)  # no second factor
    for user, browser in (("regulator", regulator), ("auditor", auditor)):
        page = browser.get("/regulator/allocation?year=2016")
        assert page.status_code == 200, page.text
        card = _book(page.text)
        assert "<td>A1</td>" in card and "21.50" in card and "2,000" in card, user
        assert "投标继续保密" not in card, user
    panel = world.browser("officer-a").get("/auctions/bids").text
    assert "2016-B1 · 已取消" in panel and "21.50" in panel  # its own bid
    auditor.cookies.clear()
    public = world.client.get("/public/auctions").text
    assert WHY in public and "21.50" not in public and "A1" not in public


def test_a_cancelled_book_without_bids_says_so(world: World) -> None:
    _cancelled(world, bid=False)
    card = _book(world.browser("regulator").get("/regulator/allocation?year=2016").text)
    assert "拍卖取消前没有投标。" in card and "<table" not in card
