"""The allocation and auctions page, the cash page, the company's facilities and auctions won,
the market overview: in both languages, the regulator's forms, and each party's own money."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update
from test_pages import _csrf, _login

from service_world import NOW, PASSWORD, World
from tanshi.auction import AuctionTerms
from tanshi.registry import Movement, TransactionRequest
from tanshi.services import bid_book
from tanshi.services.jurisdiction import load_jurisdiction, unit_class_id
from tanshi.services.registry import execute
from tanshi.store.schema import funds_reservations

BIDS = "bidder,price_per_t,quantity_t\nA1,25.00,1000\nB1,22.50,1000\n"
SELL = {"product": "DPEA-2016", "side": "sell", "quantity_t": 100, "price_cny_per_t": "28.50"}
BUY = {"product": "DPEA-2016", "side": "buy", "quantity_t": 60, "price_cny_per_t": "29.00"}


def _stocked(world: World) -> None:
    """The world's holding account is empty: issue 20 000 t of 2016 allowances to auction."""
    place = load_jurisdiction(world.engine, "DP")
    allowances = unit_class_id(world.engine, place, "DPEA", 2016)
    move = Movement(place.issuance_account, place.holding_account, allowances, 20_000)
    assert execute(world.engine, TransactionRequest("issuance", "t/stock", (move,), NOW)).ok


def _trade(world: World) -> None:
    for username, order, key in (("officer-b", SELL, "s"), ("trader", BUY, "b")):
        headers = world.token(username) | {"Idempotency-Key": key}
        assert world.client.post("/v1/exchange/orders", json=order, headers=headers).is_success


def test_the_regulator_holds_an_auction_from_the_page(world: World) -> None:
    _stocked(world)
    client = _login(world, "regulator")
    page = client.get("/regulator/allocation?year=2016")
    assert page.status_code == 200
    assert "配额分配与拍卖" in page.text and "历史排放法" in page.text  # Chinese by default
    assert 'action="/regulator/auctions"' in page.text  # the regulator may hold one
    assert re.search(r"底价 [\d.]+ 元 ·", page.text) and " CNY ·" not in page.text  # 元, not CNY
    form = {"csrf_token": _csrf(page.text), "code": "W-1", "year": "2016", "volume_t": "10000",
            "bids": BIDS}  # fmt: skip
    keyless = client.post("/regulator/auctions", data=form, headers={"HX-Request": "true"})
    assert keyless.status_code == 422 and 'data-code="form_key_missing"' in keyless.text
    dry = client.post("/regulator/auctions", data=form | {"dry_run": "on", "form_key": "k0"},
                      headers={"HX-Request": "true"})  # fmt: skip
    assert dry.status_code == 200 and "试算 W-1" in dry.text
    held = client.post("/regulator/auctions", data=form | {"form_key": "k1"},
                       headers={"HX-Request": "true"})  # fmt: skip
    assert held.status_code == 200, held.text
    assert "以 20.00 向 2 个竞买人售出 2,000 吨" in held.text
    # The same form sent twice (a double click) acts once and shows the first answer.
    resent = client.post("/regulator/auctions", data=form | {"form_key": "k1"},
                         headers={"HX-Request": "true"})  # fmt: skip
    assert resent.status_code == 200 and "以 20.00 向 2 个竞买人售出 2,000 吨" in resent.text
    again = client.post("/regulator/auctions", data=form | {"form_key": "k2"},
                        headers={"HX-Request": "true"})  # fmt: skip
    assert again.status_code == 409 and 'data-code="auction_code_taken"' in again.text
    assert "拍卖 W-1 已有记录；请为每场拍卖使用不同的编号" in again.text  # said in Chinese
    shown = client.get("/regulator/allocation?year=2016").text
    assert "W-1" in shown and "A1 1,000 t; B1 1,000 t" in shown
    bad = client.post("/regulator/auctions",
                      data=form | {"code": "W-2", "bids": "bidder,price\n", "form_key": "k3"},
                      headers={"HX-Request": "true"})  # fmt: skip
    assert bad.status_code == 422 and 'data-code="bad_header"' in bad.text
    # Each problem of the pasted bids in the page's language, at its line (blank lines count).
    priced = client.post("/regulator/auctions",
                         data=form | {"code": "W-2", "form_key": "k3b", "bids":
                                      "bidder,price_per_t,quantity_t\n\nA1,abc,1000\nB1,20,x\n"},
                         headers={"HX-Request": "true"})  # fmt: skip
    assert priced.status_code == 422 and 'data-code="bad_price"' in priced.text
    assert "出价价格须为大于 0 的数" in priced.text
    assert (
        "出价第 3 行: price_per_t「abc」不是正数; 出价第 4 行: quantity_t「x」不是大于 0 的整数"
        in html.unescape(priced.text)
    )
    script = client.post("/regulator/auctions",
                         data=form | {"code": "<script>x</script>", "form_key": "k4"},
                         headers={"HX-Request": "true"})  # fmt: skip
    assert 'data-code="invalid_code"' in script.text and "<script>" not in script.text
    seed = client.post("/regulator/auctions",
                       data=form | {"code": "W-3", "seed": "-1", "form_key": "k5"},
                       headers={"HX-Request": "true"})  # fmt: skip
    assert 'data-code="invalid_number"' in seed.text and "随机种子" in seed.text
    switched = client.post("/lang", data={"to": "en", "csrf_token": _csrf(shown),
                                          "back": "/regulator/allocation"})  # fmt: skip
    assert switched.status_code == 200  # followed the redirect back to the page
    assert "Allocation and auctions" in switched.text and "Hold an auction" in switched.text


def test_an_auction_from_the_page_says_a_notice_carries_the_roll_over_in(world: World) -> None:
    _stocked(world)
    client = _login(world, "regulator")
    page = client.get("/regulator/allocation?year=2016")
    form = {"csrf_token": _csrf(page.text), "code": "W-1", "year": "2016", "volume_t": "10000",
            "bids": BIDS, "form_key": "k1"}  # fmt: skip
    first = client.post("/regulator/auctions", data=form, headers={"HX-Request": "true"})
    assert first.status_code == 200 and "未售出 8,000 吨" in first.text, first.text
    notice, issues = bid_book.announce(
        world.engine, load_jurisdiction(world.engine, "DP"), code="N-1", year=2016,
        auction_on=date(2017, 3, 8), opens_at=NOW, closes_at=NOW + timedelta(days=1), now=NOW,
        by="regulator", volume_t=10_000,
    )  # fmt: skip
    assert notice is not None, issues
    second = client.post("/regulator/auctions", data=form | {"code": "W-2", "form_key": "k2"},
                         headers={"HX-Request": "true"})  # fmt: skip
    assert second.status_code == 200, second.text
    assert "拍卖 W-1 结转的 8,000 吨已计入拍卖 N-1" in second.text
    assert "未售出 8,000 吨" in second.text  # 10 000 t offered, none carried in


def test_the_allocation_run_from_the_page_says_why_it_cannot(world: World) -> None:
    client = _login(world, "regulator")
    page = client.get("/regulator/allocation?year=2016")
    assert 'id="allocation-run-key"' in page.text
    answer = client.post("/regulator/allocation/2016/run",
                         data={"csrf_token": _csrf(page.text), "form_key": "run-1"},
                         headers={"HX-Request": "true"})  # fmt: skip
    assert answer.status_code == 422
    assert 'data-code="allocation_not_possible"' in answer.text
    assert "2016 年度分配没有可分配的企业；请先录入各企业的基准年排放或生产数据" in answer.text


def test_only_regulators_and_auditors_see_the_allocation_page(world: World) -> None:
    token = _csrf(world.client.get("/login").text)
    world.client.post("/login", data={"username": "auditor", "password": PASSWORD,
                                      "csrf_token": token})  # fmt: skip
    auditor = world.client.get("/regulator/allocation")
    assert auditor.status_code == 200 and "/regulator/auctions" not in auditor.text  # no forms
    world.client.cookies.clear()
    officer = _login(world, "officer-a")
    assert officer.get("/regulator/allocation").status_code == 403
    page = officer.get("/company")
    refused = officer.post("/regulator/auctions",
                           data={"csrf_token": _csrf(page.text), "code": "X", "year": "2016",
                                 "bids": BIDS, "form_key": "x"},
                           headers={"HX-Request": "true"})  # fmt: skip
    assert refused.status_code == 403 and 'data-code="forbidden"' in refused.text


def test_a_company_sees_its_facilities_auctions_and_cash(world: World) -> None:
    _stocked(world)
    regulator = world.token("regulator") | {"Idempotency-Key": "a"}
    body = {"code": "2016-1", "year": 2016, "volume_t": 10_000,
            "bids": [{"bidder": "B1", "price_per_t": "22.50", "quantity_t": 1000}]}  # fmt: skip
    assert world.client.post("/v1/auctions", json=body, headers=regulator).status_code == 201
    client = _login(world, "officer-b")
    page = client.get("/company", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "拍卖中标" in page.text and "2016-1" in page.text  # the user's language is zh
    assert "交易所资金" in page.text and "10,000.00" in page.text  # B1's CNY 10,000
    assert "尚未提交监测计划" in page.text
    world.client.cookies.clear()
    other = _login(world, "officer-a").get("/company").text
    assert "2016-1" not in other and "交易所资金" not in other  # A1 won nothing, has no cash


def test_the_cash_page_shows_each_party_its_own_money(world: World) -> None:
    _trade(world)
    trader = _login(world, "trader")
    page = trader.get("/cash")
    assert page.status_code == 200
    assert "DP-TR-TRD-CASH" in page.text and "资金冻结" in page.text  # the buy's reservation
    assert "DP-OH-B1" in page.text and "已结算" in page.text  # the settled trade
    # The buy's reservation names the order (side, number, venue, quantity, product, price),
    # not its reservation key, in the page's language.
    said = html.unescape(page.text)
    assert re.search(r"为 DPEX 买单 \d+ 冻结的资金：DPEA-2016 60 吨，价格 29.00 元/吨", said), said
    assert "order/DPEX/" not in said
    trader.post("/lang", data={"to": "en", "csrf_token": _csrf(page.text)})
    english = html.unescape(trader.get("/cash").text)
    assert re.search(r"funds set aside for buy order \d+ on DPEX: 60 t of DPEA-2016 at "
                     r"CNY 29.00/t", english)  # fmt: skip
    world.client.cookies.clear()
    officer = _login(world, "officer-a")
    nosy = officer.get("/cash?account=DP-TR-TRD-CASH")
    assert nosy.status_code == 200
    # Only the language switch's way back repeats the address the officer typed.
    shown = nosy.text.replace('value="/cash?account=DP-TR-TRD-CASH"', "")
    assert "DP-TR-TRD" not in shown and "没有您可查看的资金账户" in nosy.text
    world.client.cookies.clear()
    regulator = _login(world, "regulator")
    everything = regulator.get("/cash?account=DP-CASH-BANK").text
    assert "结算银行" in everything and "-110,000.00" in everything


def test_the_market_overview_on_the_regulator_and_public_pages(world: World) -> None:
    _trade(world)
    public = world.client.get("/market")
    assert public.status_code == 200 and "市场概况" not in public.text  # no login needed
    assert "概况" in public.text and ">28.50<" in public.text
    regulator = _login(world, "regulator").get("/regulator")
    assert "市场概况" in regulator.text and ">28.50<" in regulator.text
    assert "待结算成交" in regulator.text


def test_a_year_without_rules_is_said_in_the_page_language(world: World) -> None:
    """The notice for a year the rulebook does not rule on reads from its template."""
    client = _login(world, "regulator")
    page = client.get("/regulator/allocation?year=2030").text
    assert "规则手册没有 2030 年的规则" in page  # a year outside the rulebook, not a section
    assert "the rulebook has no" not in page
    client.post("/lang", data={"to": "en", "csrf_token": _csrf(page)})
    english = client.get("/regulator/allocation?year=2030").text
    assert "the rulebook has no rules for 2030" in english


def test_an_auction_on_terms_that_make_no_sense_is_refused_in_chinese(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clearing's problems with the terms (auction/clearing.py check_terms) read in the
    page's language; the rulebook's validation keeps such terms out, so they are forced."""
    _stocked(world)

    def odd_terms(cls: type[AuctionTerms], rule: object, volume_t: int,
                  reserve_price_per_t: Decimal | None = None) -> AuctionTerms:  # fmt: skip
        return cls(volume_t, Decimal(20), Decimal(2), lot_size_t=0)

    monkeypatch.setattr(AuctionTerms, "from_rule", classmethod(odd_terms))
    client = _login(world, "regulator")
    page = client.get("/regulator/allocation?year=2016")
    form = {"csrf_token": _csrf(page.text), "code": "W-9", "year": "2016", "volume_t": "10000",
            "bids": BIDS, "form_key": "odd"}  # fmt: skip
    refused = client.post("/regulator/auctions", data=form, headers={"HX-Request": "true"})
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    assert "每手数量至少为 1 吨，现为 0；未进行出清" in text
    assert "每个竞买人的申购上限须为 (0, 1] 之间的比例，现为 2；未进行出清" in text
    assert "nothing was cleared" not in text


def test_the_ledgers_reconciliation_on_the_cash_page_and_the_api(world: World) -> None:
    """Those who read the whole ledger see whether it reconciles; a discrepancy is a record
    (code, message, where) the page says in its language and the API answers as is."""
    _trade(world)
    regulator = _login(world, "regulator")
    page = regulator.get("/cash").text
    assert "对账" in page and "资金账簿、清算账户、冻结记录与待结算成交核对一致。" in page
    api = world.client.get("/v1/cash/discrepancies", headers=world.token("regulator"))
    assert api.status_code == 200 and api.json() == []
    with world.engine.begin() as connection:  # a reservation's row changed behind its back
        connection.execute(
            update(funds_reservations).values(open_fen=funds_reservations.c.open_fen + 7)
        )
    said = html.unescape(regulator.get("/cash").text)
    assert 'data-code="clearing_cash_differs_from_reservations"' in said
    assert "资金账户 DP-CASH-CLEARING" in said and "清算资金账户余额为 " in said
    assert "open reservations and pending trades" not in said
    api = world.client.get("/v1/cash/discrepancies", headers=world.token("regulator"))
    (found,) = api.json()
    assert found["code"] == "clearing_cash_differs_from_reservations"
    assert found["where"] == "cash account DP-CASH-CLEARING"
    assert found["message"].startswith("clearing cash holds ")
    world.client.cookies.clear()
    trader = _login(world, "trader")
    assert "对账" not in trader.get("/cash").text  # a participant reads its own money only
    refused = world.client.get("/v1/cash/discrepancies", headers=world.token("trader"))
    assert refused.status_code == 403
