"""The trade page's orders say where each stands: an order the engine refused reads refused,
with its code and reason in the user's language, and has no cancel button; an accepted one
is open. The operator's list is everyone's ("All orders"); a verifier has no trade page."""

from __future__ import annotations

import html
import re

from test_pages import _csrf

from service_world import NOW, PASSWORD, World
from tanshi.services import identity

ORDER = {"product": "DPEA-2016", "account": "DP-TR-TRD", "side": "buy", "quantity_t": "100",
         "time_in_force": "GTC"}  # fmt: skip


def _row(page: str, order_id: int) -> str:
    found = re.search(rf'<tr data-status="(\w+)"><td>{order_id}</td>.*?</tr>', page, re.S)
    assert found, page
    return found.group(0)


def _enter(client, price: str, key: str):
    token = _csrf(client.get("/trade").text)
    return client.post("/trade/order", data=ORDER | {"price": price, "csrf_token": token,
                                                     "form_key": key})  # fmt: skip


def test_a_refused_order_reads_refused_with_its_reason_and_an_accepted_one_open(
    world: World,
) -> None:
    trader = world.browser("trader")
    refused = _enter(trader, "280.00", "far")
    assert refused.status_code == 422 and "price_outside_the_daily_price_limits" in refused.text
    accepted = _enter(trader, "28.00", "near")
    assert accepted.status_code == 200, accepted.text
    page = trader.get("/trade").text
    assert "我的委托" in page and "全部委托" not in page
    far, near = _row(page, 1), _row(page, 2)
    assert 'data-status="refused"' in far and "已拒绝" in far
    assert "<code>price_outside_the_daily_price_limits</code> 价格超出当日涨跌幅限制" in far
    assert re.search(r"价格须在今日涨跌幅限制内：每吨 [\d,.]+ 元至 [\d,.]+ 元", far), far
    assert "/cancel" not in far  # not open: nothing to cancel
    assert 'data-status="open"' in near and "挂单中" in near and "/trade/orders/2/cancel" in near
    user = identity.principal_named(world.engine, "trader")
    assert user is not None
    identity.set_locale(world.engine, user.user_id, "en")
    english = trader.get("/trade").text  # the language is read with the session
    far = html.unescape(_row(english, 1))
    assert "refused: <code>price_outside_the_daily_price_limits</code> the price is outside " \
        "today's price limits" in far  # fmt: skip
    assert re.search(r"the price must be between CNY [\d,.]+ and CNY [\d,.]+ per tonne today",
                     far), far  # fmt: skip
    assert ">open<" in _row(english, 2)


def test_the_exchange_operator_sees_all_orders_and_cancels_none_of_them(world: World) -> None:
    trader = world.browser("trader")
    assert _enter(trader, "28.00", "near").status_code == 200
    assert not identity.create_organisation(world.engine, "EXC", "EXC", "exchange", NOW, None,
                                            "DP")[1]  # fmt: skip
    assert not identity.create_user(world.engine, "exc", "Exc", "EXC", "exchange_operator",
                                    PASSWORD, NOW, locale="zh")[1]  # fmt: skip
    page = world.browser("exc").get("/trade").text
    assert "全部委托" in page and "全部成交" in page and "我的委托" not in page
    assert 'data-status="open"' in _row(page, 1)
    assert "/trade/orders/1/cancel" not in page  # the trader's order: not the operator's


def test_a_verifier_has_no_trade_page_and_is_sent_to_market_data(world: World) -> None:
    verifier = world.browser("verifier")
    page = verifier.get("/trade")
    assert page.status_code == 403 and "<html" in page.text
    assert "您的角色不能交易" in page.text and "“行情”" in page.text
    assert verifier.get("/trade/panel", headers={"HX-Request": "true"}).status_code == 403
    home = verifier.get("/verifier").text
    assert 'href="/trade"' not in home and 'href="/market"' in home
    assert verifier.get("/market").status_code == 200
