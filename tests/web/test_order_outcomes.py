"""An ended order says how it ended — filled, cancelled or expired — on the trade page and in
GET /v1/exchange/orders; the price field suggests the reference price, not a fixed one."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from test_pages import _csrf

from service_world import World
from tanshi.resources import load_venue
from tanshi.services.order_outcomes import listed_fills
from tanshi.store.schema import settlements

ORDER = {"product": "DPEA-2016", "time_in_force": "GTC"}


def _enter(client, account: str, side: str, quantity: int, price: str, key: str, tif="GTC"):
    token = _csrf(client.get("/trade").text)
    answer = client.post("/trade/order", data=ORDER | {
        "account": account, "side": side, "quantity_t": str(quantity), "price": price,
        "time_in_force": tif, "csrf_token": token, "form_key": key})  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer


def _statuses(page: str) -> dict[int, str]:
    rows = re.findall(r'<tr data-status="(\w+)"><td>(\d+)</td>.*?<td class="status">([^<]*)',
                      page, re.S)  # fmt: skip
    return {int(order_id): f"{status} {text.strip()}" for status, order_id, text in rows}


def test_filled_cancelled_and_expired_orders_are_told_apart(world: World) -> None:
    trader, seller = world.browser("trader"), world.browser("officer-b")
    reference = load_venue("demo-province").products[0].reference_cny_per_t
    page = trader.get("/trade").text
    assert f'placeholder="{reference:.2f}"' in page and 'placeholder="28.50"' not in page
    _enter(trader, "DP-TR-TRD", "buy", 100, "28.00", "b1")  # 1: filled by 2
    _enter(seller, "DP-OH-B1", "sell", 100, "28.00", "s1")  # 2: fills 1
    _enter(trader, "DP-TR-TRD", "buy", 50, "27.00", "b2")  # 3: cancelled below
    _enter(trader, "DP-TR-TRD", "buy", 40, "27.50", "b3", tif="IOC")  # 4: nothing to meet
    _enter(trader, "DP-TR-TRD", "buy", 30, "26.90", "b4")  # 5: rests until the close
    token = _csrf(trader.get("/trade").text)
    cancelled = trader.post("/trade/orders/3/cancel", data={"csrf_token": token,
                                                            "jurisdiction": "DP"})  # fmt: skip
    assert cancelled.status_code == 200, cancelled.text
    _enter(seller, "DP-OH-B1", "sell", 10, "26.90", "s2")  # 6: fills 10 t of 5
    today = _statuses(trader.get("/trade").text)
    assert today == {1: "filled 全部成交", 3: "cancelled 已撤销", 4: "cancelled 已撤销",
                     5: "open 挂单中"}  # fmt: skip
    world.moment[0] += timedelta(days=1)  # the next trading day: order 5's day has closed
    page = world.browser("trader").get("/trade").text  # the session of yesterday has lapsed
    assert _statuses(page).get(5) == "expired 已过期", _statuses(page)
    assert "已结束" not in page
    api = {o["order_id"]: o for o in world.client.get(
        "/v1/exchange/orders", headers=world.token("trader")).json()["items"]}  # fmt: skip
    assert {i: (o["status"], o["ended_as"], o["filled_t"]) for i, o in api.items()} == {
        1: ("ended", "filled", 100), 3: ("ended", "cancelled", 0),
        4: ("ended", "cancelled", 0), 5: ("ended", "expired", 10),
    }  # fmt: skip


def test_an_orders_fills_are_read_through_its_own_reservations(world: World) -> None:
    # listed_fills reads the fills of the orders asked for, not every fill of the venue.
    trader, seller = world.browser("trader"), world.browser("officer-b")
    _enter(trader, "DP-TR-TRD", "buy", 100, "28.00", "b1")  # 1
    _enter(seller, "DP-OH-B1", "sell", 60, "28.00", "s1")  # 2: fills 60 t of 1
    _enter(seller, "DP-OH-B1", "sell", 40, "28.00", "s2")  # 3: fills the other 40 t of 1
    _enter(trader, "DP-TR-TRD", "buy", 30, "27.00", "b2")  # 4
    _enter(seller, "DP-OH-B1", "sell", 30, "27.00", "s3")  # 5: fills 4
    code = load_venue("demo-province").venue.code
    engine = world.engine
    with engine.connect() as connection:
        seqs = {t: int(t.split("-")[-3]) for t in connection.execute(
            select(settlements.c.trade_id).where(settlements.c.venue == "listed")).scalars()}  # fmt: skip
    assert len(seqs) == 3
    by_pair = {tuple(int(p) for p in t.rsplit("-", 2)[1:]): s for t, s in seqs.items()}
    assert listed_fills(engine, code, {3}) == {3: [(by_pair[1, 3], 40)]}
    assert listed_fills(engine, code, {4, 2}) == {2: [(by_pair[1, 2], 60)],
                                                   4: [(by_pair[4, 5], 30)]}  # fmt: skip
    assert listed_fills(engine, code, {1}) == {1: sorted([(by_pair[1, 2], 60),
                                                          (by_pair[1, 3], 40)])}  # fmt: skip
    assert listed_fills(engine, code, {6}) == {}
    assert listed_fills(engine, f"{code}X", {1, 2}) == {}  # another venue's orders
