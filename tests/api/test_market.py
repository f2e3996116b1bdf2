"""The exchange's routes on both stores: orders reserve, match and settle; the book; own
orders and fills walled off per organisation; public trades and bars."""

from __future__ import annotations

from sqlalchemy import update

from service_world import TRADER_ACCOUNT, World
from tanshi.resources import load_venue
from tanshi.services.exchange_log import replay_stored
from tanshi.store.schema import exchange_commands

SELL = {"product": "DPEA-2016", "side": "sell", "quantity_t": 100, "price_cny_per_t": "28.50"}
BUY = {"product": "DPEA-2016", "side": "buy", "quantity_t": 60, "price_cny_per_t": "29.00"}


def _write(world: World, username: str, key: str) -> dict[str, str]:
    return world.token(username) | {"Idempotency-Key": key}


def test_a_crossing_buy_fills_against_the_resting_sell_and_settles(world: World) -> None:
    sell = world.client.post(
        "/v1/exchange/orders", json=SELL, headers=_write(world, "officer-b", "s1")
    )
    assert sell.status_code == 201, sell.json()
    assert sell.json() | {} == sell.json()
    assert (sell.json()["fills"], sell.json()["resting_t"]) == (0, 100)
    trader = _write(world, "trader", "b1")
    buy = world.client.post("/v1/exchange/orders", json=BUY, headers=trader)
    assert buy.status_code == 201, buy.json()
    # 60 t of the resting 100 t trade at the resting price, 28.50: the buy rests nothing.
    assert buy.json() | {} == {"order_id": 2, "account": TRADER_ACCOUNT, "product": "DPEA-2016",
                               "fills": 1, "filled_t": 60, "resting_t": 0}  # fmt: skip
    again = world.client.post("/v1/exchange/orders", json=BUY, headers=trader)
    assert again.json() == buy.json()  # the same key replays the first answer
    reader = world.token("trader")
    fills = world.client.get("/v1/exchange/fills", headers=reader).json()
    assert [(f["quantity_t"], f["price_cny_per_t"], f["buyer"], f["seller"], f["status"])
            for f in fills["items"]] == [(60, "28.50", TRADER_ACCOUNT, "DP-OH-B1", "settled")]  # fmt: skip
    holdings = world.client.get(f"/v1/accounts/{TRADER_ACCOUNT}", headers=reader).json()
    assert "60" in str(holdings)
    book = world.client.get("/v1/exchange/book/DPEA-2016", headers=reader).json()
    assert book["phase"] == "continuous"
    assert (book["bids"], book["asks"]) == ([], [["28.50", 40]])
    bars = world.client.get("/v1/public/market/DPEA-2016/bars?interval=day").json()
    assert [(b["open"], b["close"], b["volume_t"]) for b in bars] == [("28.50", "28.50", 60)]
    trades = world.client.get("/v1/public/market/DPEA-2016/trades").json()
    assert [(t["price_cny_per_t"], t["quantity_t"]) for t in trades["items"]] == [("28.50", 60)]


def test_orders_are_walled_off_and_cancel_amend_release(world: World) -> None:
    sell = world.client.post(
        "/v1/exchange/orders", json=SELL, headers=_write(world, "officer-b", "s")
    )
    order_id = sell.json()["order_id"]
    mine = world.client.get("/v1/exchange/orders", headers=world.token("officer-b")).json()
    assert [(o["order_id"], o["resting_t"]) for o in mine["items"]] == [(order_id, 100)]
    theirs = world.client.get("/v1/exchange/orders", headers=world.token("trader")).json()
    assert theirs["items"] == []
    hijack = world.client.post(f"/v1/exchange/orders/{order_id}/cancel",
                               headers=_write(world, "trader", "c0"))  # fmt: skip
    assert hijack.status_code == 404
    assert (hijack.json()["error"]["code"], hijack.json()["error"]["field"]) == (
        "unknown_order", "path.order_id")  # fmt: skip
    up = world.client.post(f"/v1/exchange/orders/{order_id}/amend", json={"quantity_t": 200},
                           headers=_write(world, "officer-b", "a0"))  # fmt: skip
    assert (up.json()["error"]["code"], up.json()["error"]["field"]) == (
        "amend_exceeds_reservation", "body.quantity_t")  # fmt: skip
    down = world.client.post(f"/v1/exchange/orders/{order_id}/amend", json={"quantity_t": 70},
                             headers=_write(world, "officer-b", "a1"))  # fmt: skip
    assert down.status_code == 200, down.json()
    assert down.json()["resting_t"] == 70
    cancel = world.client.post(f"/v1/exchange/orders/{order_id}/cancel",
                               headers=_write(world, "officer-b", "c1"))  # fmt: skip
    assert (cancel.status_code, cancel.json()["resting_t"]) == (200, 0)
    again = world.client.post(f"/v1/exchange/orders/{order_id}/cancel",
                              headers=_write(world, "officer-b", "c2"))  # fmt: skip
    assert again.json()["error"]["code"] == "unknown_order"


def test_the_engine_and_the_reservation_refuse_in_the_one_error_shape(world: World) -> None:
    trader = world.token("trader")
    off_tick = world.client.post("/v1/exchange/orders", json=BUY | {"price_cny_per_t": "28.505"},
                                 headers=trader | {"Idempotency-Key": "r1"})  # fmt: skip
    assert off_tick.json()["error"]["code"] == "price_not_a_multiple_of_the_tick"
    outside = world.client.post("/v1/exchange/orders", json=BUY | {"price_cny_per_t": "40.00"},
                                headers=trader | {"Idempotency-Key": "r2"})  # fmt: skip
    assert outside.status_code == 422
    # Each refusal is at the field the client sent, not at the order's internal key.
    assert (outside.json()["error"]["code"], outside.json()["error"]["field"]) == (
        "price_outside_the_daily_price_limits", "body.price_cny_per_t")  # fmt: skip
    assert outside.json()["error"]["label"]
    fok = world.client.post("/v1/exchange/orders", json=BUY | {"time_in_force": "FOK"},
                            headers=trader | {"Idempotency-Key": "r3"})  # fmt: skip
    assert (fok.json()["error"]["code"], fok.json()["error"]["field"]) == (
        "fill_or_kill_order_cannot_fill_completely", "body.time_in_force")  # fmt: skip
    short = world.client.post("/v1/exchange/orders", json=SELL | {"quantity_t": 5000},
                              headers=_write(world, "officer-b", "r4"))  # fmt: skip
    assert short.status_code == 422
    assert (short.json()["error"]["code"], short.json()["error"]["field"]) == (
        "insufficient_units", "body.quantity_t")  # fmt: skip
    # An IOC buy with nothing to meet trades nothing and keeps nothing.
    ioc = world.client.post("/v1/exchange/orders", json=BUY | {"time_in_force": "IOC"},
                            headers=trader | {"Idempotency-Key": "r5"})  # fmt: skip
    assert (ioc.status_code, ioc.json()["filled_t"], ioc.json()["resting_t"]) == (201, 0, 0)
    market = world.client.post("/v1/exchange/orders", json={"product": "DPEA-2016",
                               "side": "buy", "quantity_t": 1}, headers=trader | {"Idempotency-Key": "r6"})  # fmt: skip
    assert market.status_code == 201
    unknown = world.client.post("/v1/exchange/orders", json=BUY | {"product": "XX-1"},
                                headers=trader | {"Idempotency-Key": "r7"})  # fmt: skip
    assert unknown.json()["error"]["code"] == "unknown_product"
    # Scopes: a verifier may not trade; an auditor reads every order.
    verifier = world.client.post("/v1/exchange/orders", json=BUY,
                                 headers=_write(world, "verifier", "r8"))  # fmt: skip
    assert verifier.status_code == 403
    everything = world.client.get("/v1/exchange/orders", headers=world.token("auditor")).json()
    # Four reached the engine (the log keeps the two it refused: outside the limits, FOK).
    assert everything["total"] == 4


def test_a_refused_order_is_listed_as_refused_with_the_reason_it_was_given(world: World) -> None:
    trader = world.token("trader")
    outside = world.client.post("/v1/exchange/orders", json=BUY | {"price_cny_per_t": "40.00"},
                                headers=trader | {"Idempotency-Key": "far"})  # fmt: skip
    told = outside.json()["error"]
    assert told["code"] == "price_outside_the_daily_price_limits"
    rest = world.client.post("/v1/exchange/orders", json=BUY | {"price_cny_per_t": "28.00"},
                             headers=trader | {"Idempotency-Key": "near"})  # fmt: skip
    assert rest.status_code == 201, rest.json()
    ioc = world.client.post("/v1/exchange/orders", json=BUY | {"time_in_force": "IOC"},
                            headers=trader | {"Idempotency-Key": "ioc"})  # fmt: skip
    assert ioc.status_code == 201, ioc.json()
    listed = world.client.get("/v1/exchange/orders", headers=trader).json()["items"]
    shown = {o["order_id"]: (o["status"], o["refusal_code"], o["resting_t"]) for o in listed}
    assert shown == {1: ("refused", "price_outside_the_daily_price_limits", 0),
                     2: ("open", None, 60), 3: ("ended", None, 0)}  # fmt: skip
    refused = next(o for o in listed if o["order_id"] == 1)
    assert refused["refusal_message"].startswith("the price must be between CNY ")
    assert refused["refusal_message"] in str(told)  # the sentence the trader was given
    # What was recorded is what replaying the log finds: the engine refused order 1 only.
    replayed = replay_stored(world.engine, load_venue("demo-province"))
    assert [e[3] for e in replayed.events if e[0] == "rejected"] == [1]


def test_an_order_logged_before_answers_were_kept_reads_unknown_unless_it_rests(
    world: World,
) -> None:
    """Orders logged before 0029 have no recorded answer: one no longer resting may have
    ended or been refused, so it reads ``unknown`` (not ``ended``); one resting is open."""
    trader = world.token("trader")
    for key, body in (("far", BUY | {"price_cny_per_t": "40.00"}),
                      ("near", BUY | {"price_cny_per_t": "28.00"}),
                      ("ioc", BUY | {"time_in_force": "IOC"})):  # fmt: skip
        world.client.post(
            "/v1/exchange/orders", json=body, headers=trader | {"Idempotency-Key": key}
        )
    with world.engine.begin() as connection:  # as a database upgraded from 0028 holds them
        connection.execute(update(exchange_commands).values(result_code=None, result_message=None))
    listed = world.client.get("/v1/exchange/orders", headers=trader).json()["items"]
    shown = {o["order_id"]: (o["status"], o["refusal_code"]) for o in listed}
    assert shown == {1: ("unknown", None), 2: ("open", None), 3: ("unknown", None)}
    assert all("answer_recorded" not in o for o in listed)


def test_an_amend_above_its_reservation_is_refused_at_what_it_raised(world: World) -> None:
    trader = world.token("trader")
    rest = world.client.post("/v1/exchange/orders", json=BUY | {"price_cny_per_t": "28.00"},
                             headers=trader | {"Idempotency-Key": "rest"})  # fmt: skip
    assert rest.status_code == 201, rest.json()
    order = rest.json()["order_id"]
    for key, body, field in (("p", {"price_cny_per_t": "28.50"}, "body.price_cny_per_t"),
                             ("q", {"quantity_t": 61}, "body.quantity_t")):  # fmt: skip
        amend = world.client.post(f"/v1/exchange/orders/{order}/amend", json=body,
                                  headers=trader | {"Idempotency-Key": key})  # fmt: skip
        error = amend.json()["error"]
        assert (amend.status_code, error["code"], error["field"]) == (
            422, "amend_exceeds_reservation", field)  # fmt: skip
