"""The public auction results page on both stores: each jurisdiction's cleared auctions as the
API publishes them, bids sealed, no login, in Chinese and English; the JSON per jurisdiction."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from test_auction_book_api import BOOK, _open_book
from test_auctions_api import AUCTION, _write
from typer.testing import CliRunner

from service_world import NOW, World
from tanshi.cli.main import app
from tanshi.store.engine import downgrade, migrate
from tanshi.store.schema import auctions


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
                  f"{row['clearing_price_per_t']} 元/吨", f"<td class=\"n\">{row['cover_ratio']}</td>",
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
    assert f"{row['clearing_price_per_t']} CNY/t" in english and "元/吨" not in english
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


def _run_in_one_step(world: World, tmp_path: Path) -> None:
    """``tanshi auction run --deliver`` on the world's database: 10 000 t (plus what the bid
    book rolled over), 4 000 t bid by A1, B1 and C1, held the day after the bid book's."""
    bids = tmp_path / "bids.csv"
    bids.write_text("bidder,price_per_t,quantity_t\nA1,25.00,1000\nB1,22.50,2000\n"
                    "C1,19.00,1000\n", encoding="utf-8")  # fmt: skip
    url = world.engine.url.render_as_string(hide_password=False)
    ran = CliRunner().invoke(app, ["auction", "run", str(bids), "--rulebook", "demo-province",
                                   "--year", "2016", "--volume", "10000", "--deliver", "--code",
                                   "2016-R1", "--db", url, "--at", "2017-03-02T10:00+08:00"])  # fmt: skip
    assert ran.exit_code == 0, ran.output


def test_an_auction_run_in_one_step_is_published_beside_the_bid_books(
    world: World, tmp_path: Path
) -> None:
    _open_book(world)
    _cleared_auction(world)
    _run_in_one_step(world, tmp_path)
    published = world.client.get("/v1/public/auction-results?jurisdiction=DP").json()
    assert published["total"] == 2
    assert [(r["code"], r["via"]) for r in published["items"]] == [
        ("2016-R1", "one_step"), ("2016-B1", "bid_book")]  # fmt: skip
    one_step, booked = published["items"]
    assert (one_step["auction_on"], one_step["opens_at"], one_step["closes_at"]) == (
        "2017-03-02", None, None)  # fmt: skip
    assert one_step["held_at"] == "2017-03-02T02:00:00+00:00"
    assert (one_step["bid_t"], one_step["bidders"], one_step["phase"]) == (4000, 3, "cleared")
    ratio = (Decimal(4000) / one_step["offered_t"]).quantize(Decimal("0.01"))
    assert one_step["cover_ratio"] == str(ratio)
    assert one_step["clearing_price_per_t"] == "20.00" and one_step["sold_t"] == 3000
    assert booked["opens_at"] is not None and booked["bid_t"] == 3000
    # Pages count both kinds.
    first = world.client.get("/v1/public/auction-results?jurisdiction=DP&limit=1").json()
    assert (first["total"], first["next_offset"], first["items"][0]["code"]) == (2, 1, "2016-R1")
    rest = world.client.get("/v1/public/auction-results?limit=1&offset=1").json()
    assert (rest["total"], rest["next_offset"], rest["items"][0]["code"]) == (2, None, "2016-B1")
    html = world.client.get("/public/auctions").text
    assert "2016-R1" in html and "2017-03-02" in html and "2016-B1" in html
    for shown in (
        f"{one_step['offered_t']:,}",
        '<td class="n">4,000</td>',
        f'<td class="n">{one_step["cover_ratio"]}</td>',
        '<td class="n">3</td>',
    ):
        assert shown in html, shown
    assert html.index("2016-R1") < html.index("2016-B1")  # latest first
    assert "2016-R1" in world.client.get("/public/auctions?year=2016").text
    assert world.client.get("/v1/public/auction-results?year=2017").json()["total"] == 0


def test_an_auction_held_through_the_api_in_one_step_is_published(world: World) -> None:
    _open_book(world)  # stocks the holding account; the notice stays open, unpublished
    held = world.client.post("/v1/auctions", json=AUCTION, headers=_write(world, "regulator", "h"))
    assert held.status_code == 201, held.json()
    published = world.client.get("/v1/public/auction-results").json()
    assert published["total"] == 1
    row = published["items"][0]
    assert (row["code"], row["via"], row["bid_t"], row["bidders"], row["sold_t"]) == (
        "2016-1", "one_step", 4000, 3, 2000)  # fmt: skip
    assert (row["cover_ratio"], row["auction_on"]) == ("0.40", "2017-03-01")
    assert "2016-1" in world.client.get("/public/auctions").text


def test_the_migration_takes_a_bid_books_totals_from_its_notice(
    world: World, tmp_path: Path
) -> None:
    """0030 adds the totals: a bid book's from its notice; a one-step auction recorded before
    it kept none, so it is published with bid, bidders and cover ratio unknown."""
    _open_book(world)
    _cleared_auction(world)
    _run_in_one_step(world, tmp_path)
    downgrade(world.engine, "0029_order_outcomes")
    migrate(world.engine)
    with world.engine.connect() as connection:
        totals = connection.execute(
            select(auctions.c.code, auctions.c.bid_units, auctions.c.bidders).order_by(
                auctions.c.code
            )
        ).all()
    assert [tuple(row) for row in totals] == [("2016-B1", 3000, 1), ("2016-R1", None, None)]
    rows = world.client.get("/v1/public/auction-results").json()["items"]
    assert [(r["code"], r["bid_t"], r["bidders"], r["cover_ratio"]) for r in rows] == [
        ("2016-R1", None, None, None), ("2016-B1", 3000, 1, "0.15")]  # fmt: skip
    assert '<td class="n">—</td>' in world.client.get("/public/auctions").text
