"""The trader page chooses its exchange by jurisdiction: the only one the visitor may trade on
by default, a selector when there are several; the order, cancel and bid forms and the htmx
reloads carry the choice; a bid for another jurisdiction's company is refused in the form.

DP (tests/service_world.py) has an exchange; SZ (tests/two_jurisdictions.py) has none in
tanshi; DQ, a second jurisdiction on the demo rulebook, has one of its own.
"""

from __future__ import annotations

import re

from test_auction_bid_pages import _open_book
from test_pages import _csrf, _login

from service_world import NOW, World
from tanshi.resources import load_rulebook, parse_installed
from tanshi.services import lifecycle, user_admin
from tanshi.services.jurisdiction import open_jurisdiction
from two_jurisdictions import add_shenzhen

ORDER = {"product": "DPEA-2016", "account": "DP-TR-TRD", "side": "buy", "quantity_t": "10",
         "price": "28.50", "time_in_force": "GTC"}  # fmt: skip


def _second_exchange(world: World) -> None:
    """DQ: the demo rulebook under another jurisdiction code, so a second exchange."""
    _rulebook, text = load_rulebook("demo-province")
    text = text.replace('jurisdiction = "DP"', 'jurisdiction = "DQ"', 1)
    rulebook, _issues = parse_installed(text, "dq.toml")
    assert rulebook is not None and rulebook.rulebook.jurisdiction == "DQ"
    open_jurisdiction(world.engine, rulebook, text, NOW, is_demo=False)


def test_with_one_exchange_among_several_jurisdictions_the_page_opens_on_it(
    world: World,
) -> None:
    add_shenzhen(world)  # SZ has no exchange: DP's is the only one the trader may use
    page = _login(world, "trader").get("/trade")
    assert page.status_code == 200, page.text
    assert "jurisdiction_required" not in page.text and 'id="exchange-choice"' not in page.text
    assert '<input type="hidden" name="jurisdiction" value="DP">' in page.text
    assert 'hx-get="/trade/panel?jurisdiction=DP&amp;product=DPEA-2016' in page.text
    assert 'hx-get="/auctions/bids?jurisdiction=DP"' in page.text


def test_an_unbound_trader_chooses_among_several_exchanges(world: World) -> None:
    _second_exchange(world)
    client = _login(world, "trader")
    page = client.get("/trade")
    assert page.status_code == 200, page.text
    assert 'id="exchange-choice"' in page.text and 'id="order-form"' not in page.text
    assert re.search(r'<option value="DQ">\S+ \(DQ\)</option>', page.text)
    assert "本数据库包含多个辖区，各有自己的交易所" in page.text
    chosen = client.get("/trade?jurisdiction=DP")
    assert chosen.status_code == 200, chosen.text
    assert '<option value="DP" selected>' in chosen.text and 'id="order-form"' in chosen.text
    assert "<option>DP-TR-TRD</option>" in chosen.text
    assert "/trade?jurisdiction=DP&amp;product=DPEA-2016&amp;interval=minute" in chosen.text
    form = ORDER | {"csrf_token": _csrf(chosen.text)}
    unnamed = client.post("/trade/order", data=form | {"form_key": "o1"},
                          headers={"HX-Request": "true"})  # fmt: skip
    assert unnamed.status_code == 422 and "jurisdiction_required" in unnamed.text
    placed = client.post("/trade/order", data=form | {"form_key": "o2", "jurisdiction": "DP"},
                         headers={"HX-Request": "true"})  # fmt: skip
    assert placed.status_code == 200, placed.text
    panel = client.get("/trade/panel?jurisdiction=DP&product=DPEA-2016").text
    found = re.search(r"/trade/orders/(\d+)/cancel", panel)
    assert found and '<input type="hidden" name="jurisdiction" value="DP">' in panel
    cancelled = client.post(f"/trade/orders/{found.group(1)}/cancel",
                            data={"csrf_token": _csrf(panel), "form_key": "c1",
                                  "jurisdiction": "DP"})  # fmt: skip
    assert cancelled.status_code == 200 and 'data-code="ok"' in cancelled.text
    assert client.get("/trade?jurisdiction=XX").status_code == 404


def test_a_bound_trader_sees_no_selector(world: World) -> None:
    _second_exchange(world)
    assert not user_admin.set_organisation_jurisdiction(world.engine, "TRD", "DP")
    client = _login(world, "trader")
    page = client.get("/trade")
    assert page.status_code == 200 and 'id="exchange-choice"' not in page.text
    assert client.get("/trade?jurisdiction=DQ").status_code == 403


def test_the_bid_form_follows_the_chosen_exchange_and_keeps_to_it(world: World) -> None:
    add_shenzhen(world)
    _open_book(world)
    for account in ("DP-OH-A1", "SZ-OH-S1"):  # the trader bids for A1 (DP) and S1 (SZ)
        lifecycle.add_representative(world.engine, account, "trader", initiate=True, approve=False)
    client = _login(world, "trader")
    page = client.get("/trade")
    assert 'id="bid-form"' in page.text and "<option>A1</option>" in page.text
    assert "<option>S1</option>" not in page.text  # DP's auction: DP's companies only
    form = {"csrf_token": _csrf(page.text), "auction": "2016-B1", "jurisdiction": "DP",
            "price": "25.00", "quantity_t": "1000"}  # fmt: skip
    own = client.post("/auctions/bids", data=form | {"company": "A1", "form_key": "b1"},
                      headers={"HX-Request": "true"})  # fmt: skip
    assert own.status_code == 200 and 'data-code="ok"' in own.text, own.text
    theirs = client.post("/auctions/bids", data=form | {"company": "S1", "form_key": "b2"},
                         headers={"HX-Request": "true"})  # fmt: skip
    assert theirs.status_code == 422, theirs.text
    assert "account_not_in_exchange_jurisdiction" in theirs.text
    assert "本交易所只接受本辖区开立的账户交易" in theirs.text
    assert "SZ-OH-S1 is in jurisdiction SZ" in theirs.text
    panel = client.get("/auctions/bids?jurisdiction=DP").text
    assert '<input type="hidden" name="jurisdiction" value="DP">' in panel


def test_a_bound_visitor_asking_for_another_jurisdiction_is_told_why_in_chinese(
    world: World,
) -> None:
    _second_exchange(world)
    page = _login(world, "officer-a").get("/trade?jurisdiction=DQ")  # A1's organisation is DP's
    assert page.status_code == 403
    assert "not_your_jurisdiction" in page.text and "{what}" not in page.text
    assert "您的机构属于另一个辖区" in page.text
