"""The sealed-bid form on the company page: a compliance officer bids for its company, sees
only its own bids, revises and withdraws; CSRF and the bidding account are checked."""

from __future__ import annotations

from datetime import timedelta

from test_pages import _csrf, _login

from service_world import NOW, World
from tanshi.registry import Movement, TransactionRequest
from tanshi.services import cash
from tanshi.services.jurisdiction import load_jurisdiction, unit_class_id
from tanshi.services.registry import execute

NOTICE = {"code": "2016-B1", "year": 2016, "auction_on": "2017-03-01",
          "opens_at": "2017-03-01T09:00+08:00", "closes_at": "2017-03-01T11:00+08:00",
          "volume_t": 20_000}  # fmt: skip


def _open_book(world: World) -> None:
    """2016 allowances to sell, CNY 100,000 for A1, and auction 2016-B1 open for bids."""
    place = load_jurisdiction(world.engine, "DP")
    allowances = unit_class_id(world.engine, place, "DPEA", 2016)
    assert execute(world.engine, TransactionRequest("issuance", "t/issue-web", (
        Movement(place.issuance_account, place.holding_account, allowances, 20_000),), NOW)).ok  # fmt: skip
    assert cash.transfer_with_bank(world.engine, "DP", "CNY", "DP-OH-A1", 10_000_000, "t/dep/A1",
                                   NOW, deposit=True).ok  # fmt: skip
    made = world.client.post("/v1/auction-notices", json=NOTICE,
                             headers=world.token("regulator") | {"Idempotency-Key": "n1"})  # fmt: skip
    assert made.status_code == 201, made.json()


def test_an_officer_bids_revises_and_withdraws_from_the_company_page(world: World) -> None:
    _open_book(world)
    client = _login(world, "officer-a")
    page = client.get("/company")
    assert page.status_code == 200
    assert 'action="/auctions/bids"' in page.text and "2016-B1" in page.text
    token = _csrf(page.text)
    form = {"csrf_token": token, "form_key": "f1", "auction": "2016-B1", "company": "A1",
            "price": "25.00", "quantity_t": "2000"}  # fmt: skip
    answer = client.post("/auctions/bids", data=form, headers={"HX-Request": "true"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["HX-Trigger"] == "bids-changed"
    assert "已冻结 50,000.00" in answer.text
    panel = client.get("/auctions/bids").text
    assert "/auctions/bids/1/withdraw" in panel and ">25.00<" in panel
    revised = client.post("/auctions/bids/1/revise", data=form | {"form_key": "f2",
                                                                  "price": "24.00"})  # fmt: skip
    assert revised.status_code == 200 and "48,000.00" in revised.text
    gone = client.post("/auctions/bids/2/withdraw", data={"csrf_token": token, "form_key": "f3",
                                                          "auction": "2016-B1", "company": "A1"})  # fmt: skip
    assert gone.status_code == 200 and "出价 2 已撤回" in gone.text
    low = client.post("/auctions/bids", data=form | {"form_key": "f4", "price": "19.00"})
    assert low.status_code == 422 and "below_reserve_price" in low.text
    assert 'id="bid-key"' in low.text  # a fresh key, so the corrected bid is a new request


def test_the_bid_form_needs_its_csrf_token_and_your_company(world: World) -> None:
    _open_book(world)
    client = _login(world, "officer-a")
    token = _csrf(client.get("/company").text)
    form = {"auction": "2016-B1", "company": "A1", "price": "25.00", "quantity_t": "1000"}
    assert client.post("/auctions/bids", data=form).status_code == 403
    theirs = client.post("/auctions/bids", data=form | {"company": "B1", "csrf_token": token})
    assert theirs.status_code == 403 and "not_your_bidding_account" in theirs.text
    client.cookies.clear()
    other = _login(world, "officer-b")
    assert "/auctions/bids/" not in other.get("/auctions/bids").text  # no bids of B1 yet


def test_the_regulator_announces_and_clears_from_the_allocation_page(world: World) -> None:
    _open_book(world)  # 2016-B1 announced through the API; this page announces 2016-B2
    client = _login(world, "regulator")
    page = client.get("/regulator/allocation?year=2016")
    assert 'action="/regulator/auction-notices"' in page.text and "2016-B1" in page.text
    token = _csrf(page.text)
    form = {"csrf_token": token, "year": "2016", "code": "2016-B2", "auction_on": "2017-03-01",
            "opens_at": "2017-03-01T09:00", "closes_at": "2017-03-01T11:00", "volume_t": "5000"}  # fmt: skip
    made = client.post("/regulator/auction-notices", data=form | {"form_key": "n1"})
    assert made.status_code == 200, made.text
    assert "拍卖 2016-B2 已公告：出价时段 2017-03-01 09:00 至 2017-03-01 11:00" in made.text
    backwards = client.post("/regulator/auction-notices",
                            data=form | {"code": "2016-B3", "closes_at": "2017-03-01T08:00",
                                         "form_key": "n2"})  # fmt: skip
    assert backwards.status_code == 422 and "window_closes_before_it_opens" in backwards.text
    bid = world.client.post("/v1/auction-notices/2016-B1/bids",
                            json={"price_per_t": "21.00", "quantity_t": 2000},
                            headers=world.token("officer-a") | {"Idempotency-Key": "wb"})  # fmt: skip
    assert bid.status_code == 201, bid.json()
    sealed = client.get("/regulator/allocation?year=2016").text
    assert "/regulator/auction-notices/2016-B1/clear" in sealed and ">21.00<" not in sealed
    assert "后方可出清" in sealed and " disabled>出清<" in sealed  # the window is still open
    world.moment[0] = NOW + timedelta(hours=1)  # 11:00: the bidding window has closed
    assert " disabled>出清<" not in client.get("/regulator/allocation?year=2016").text
    cleared = client.post("/regulator/auction-notices/2016-B1/clear",
                          data={"csrf_token": token, "seed": "0", "form_key": "c1"})  # fmt: skip
    assert cleared.status_code == 200, cleared.text
    assert "2,000" in cleared.text and "20.00" in cleared.text
    book = client.get("/regulator/allocation?year=2016").text
    assert ">21.00<" in book and ">A1<" in book  # the whole book, once cleared
    officer = _login(world, "officer-a")
    forbidden = officer.post("/regulator/auction-notices/2016-B2/clear",
                             data={"csrf_token": _csrf(officer.get("/company").text),
                                   "form_key": "c2"})  # fmt: skip
    assert forbidden.status_code == 403 and 'data-code="forbidden"' in forbidden.text


def test_a_refused_bid_says_why_in_the_page_language(world: World) -> None:
    """The refusal's details say the bid book's problem from its template, with the bid's own
    price and the auction's reserve price; the same bid refused in English reads as the API's
    message."""
    _open_book(world)
    client = _login(world, "officer-a")
    token = _csrf(client.get("/company").text)
    form = {"csrf_token": token, "form_key": "z1", "auction": "2016-B1", "company": "A1",
            "price": "19.00", "quantity_t": "2000"}  # fmt: skip
    low = client.post("/auctions/bids", data=form)
    assert low.status_code == 422 and 'data-code="below_reserve_price"' in low.text
    assert "详情: 价格 19.00 低于底价 20；请以不低于底价的价格出价</div>" in low.text
    assert "bid at or above it" not in low.text
    client.post("/lang", data={"to": "en", "csrf_token": token})
    english = client.post("/auctions/bids", data=form | {"form_key": "z2"}).text
    assert "Details: price 19.00 is below the reserve price 20; bid at or above it</div>" in english
