"""The exchange's pages: a trader's order crosses a resting sell and shows on the chart;
CSRF on the order form; orders walled off per organisation; public market data."""

from __future__ import annotations

import re

from test_pages import _csrf, _login

from service_world import World

SELL = {"product": "DPEA-2016", "side": "sell", "quantity_t": 100, "price_cny_per_t": "28.50"}


def _resting_sell(world: World) -> int:
    headers = world.token("officer-b") | {"Idempotency-Key": "web-sell"}
    answer = world.client.post("/v1/exchange/orders", json=SELL, headers=headers)
    assert answer.status_code == 201, answer.json()
    return answer.json()["order_id"]


def test_a_trader_buys_into_a_resting_sell_and_the_chart_shows_the_fill(world: World) -> None:
    _resting_sell(world)
    client = _login(world, "trader")
    page = client.get("/trade")
    assert page.status_code == 200
    assert "K线图" in page.text and 'class="kline"' in page.text
    assert 'class="candle"' not in page.text  # no trade yet
    assert ">28.50<" in page.text  # the resting ask in the book
    form = {"csrf_token": _csrf(page.text), "product": "DPEA-2016", "account": "DP-TR-TRD",
            "side": "buy", "quantity_t": "40", "price": "28.60", "time_in_force": "GTC"}  # fmt: skip
    answer = client.post("/trade/order", data=form, headers={"HX-Request": "true"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["HX-Trigger"] == "market-changed"
    assert "成交 40 吨，挂单 0 吨" in answer.text
    panel = client.get("/trade/panel?product=DPEA-2016&interval=minute").text
    assert re.search(r'class="candle" data-close="28.50" data-volume="40"', panel)
    assert "DP-OH-B1" in panel and "已结算" in panel  # the fill, settled


def test_the_order_form_needs_its_csrf_token_and_a_trading_account(world: World) -> None:
    client = _login(world, "trader")
    client.get("/trade")
    form = {"product": "DPEA-2016", "account": "DP-TR-TRD", "side": "buy", "quantity_t": "1"}
    assert client.post("/trade/order", data=form).status_code == 403
    token = _csrf(client.get("/trade").text)
    theirs = client.post("/trade/order", data=form | {"account": "DP-OH-B1", "csrf_token": token})
    assert theirs.status_code == 422 and "unknown_account" in theirs.text
    off = client.post("/trade/order", data=form | {"price": "28.505", "csrf_token": token})
    assert "price_not_a_multiple_of_the_tick" in off.text
    assert "价格须为最小变动价位每吨 0.01 元的整数倍" in off.text  # the tick, in Chinese


def test_orders_are_walled_off_and_cancelled_from_the_page(world: World) -> None:
    order_id = _resting_sell(world)
    trader = _login(world, "trader")
    assert f"/trade/orders/{order_id}/cancel" not in trader.get("/trade").text
    token = _csrf(trader.get("/trade").text)
    hijack = trader.post(f"/trade/orders/{order_id}/cancel", data={"csrf_token": token})
    assert hijack.status_code == 422 and "unknown_order" in hijack.text
    trader.cookies.clear()
    officer = _login(world, "officer-b")
    page = officer.get("/trade").text
    assert f"/trade/orders/{order_id}/cancel" in page
    done = officer.post(f"/trade/orders/{order_id}/cancel", data={"csrf_token": _csrf(page)})
    assert done.status_code == 200 and f"委托 {order_id} 已撤销" in done.text


def test_public_market_data_needs_no_login(world: World) -> None:
    _resting_sell(world)
    headers = world.token("trader") | {"Idempotency-Key": "web-buy"}
    world.client.post("/v1/exchange/orders", headers=headers, json=SELL | {"side": "buy",
                      "quantity_t": 10})  # fmt: skip
    page = world.client.get("/market", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "DPEX" in page.text and "Market data" in page.text
    assert 'data-close="28.50" data-volume="10"' in page.text
    assert world.client.get("/market?interval=week").status_code == 200


def test_a_refused_price_says_the_allowed_range_or_that_it_must_be_positive(
    world: World,
) -> None:
    client = _login(world, "trader")
    token = _csrf(client.get("/trade").text)
    form = {"product": "DPEA-2016", "account": "DP-TR-TRD", "side": "buy", "quantity_t": "100",
            "csrf_token": token, "time_in_force": "GTC"}  # fmt: skip
    for price in ("0", "-5", "-0.01"):
        answer = client.post("/trade/order", data=form | {"price": price})
        assert answer.status_code == 422 and "price_must_be_positive" in answer.text, price
        assert "price_not_a_multiple_of_the_tick" not in answer.text
    far = client.post("/trade/order", data=form | {"price": "280.00"})
    assert far.status_code == 422 and "price_outside_the_daily_price_limits" in far.text
    found = re.search(r"价格须在今日涨跌幅限制内：每吨 ([\d,.]+) 元至 ([\d,.]+) 元", far.text)
    assert found, far.text
    low, high = (float(x.replace(",", "")) for x in found.groups())
    assert low < 28.50 < high
