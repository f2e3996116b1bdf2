"""Web forms act once per rendered form, hand out a fresh key with each answer, refresh the
proposals after a transfer, and explain refusals in the visitor's language."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from test_pages import _csrf, _login
from test_trading_pages import _resting_sell

from service_world import NOW, World
from tanshi.api.app import make_service
from tanshi.api.clock import ShiftedClock
from tanshi.services import form_keys
from tanshi.store.schema import exchange_commands, proposals
from tanshi.web.app import create_app

TRANSFER = {"from_account": "DP-OH-A1", "to_account": "DP-OH-C1", "unit_class": "DPEA-2016",
            "quantity_t": "25", "memo": "once"}  # fmt: skip


def _count(world: World, table, *where) -> int:
    with world.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table).where(*where))
                   .scalar_one())  # fmt: skip


def test_a_transfer_sent_twice_with_one_key_acts_once(world: World) -> None:
    client = _login(world, "officer-a")
    page = client.get("/company")
    key = re.search(r'id="transfer-key" value="([0-9a-f]+)"', page.text)
    assert key, "the transfer form carries its key"
    assert 'hx-trigger="load, proposals-changed from:body"' in page.text
    form = TRANSFER | {"csrf_token": _csrf(page.text), "form_key": key.group(1)}
    first = client.post("/transfer", data=form, headers={"HX-Request": "true"})
    again = client.post("/transfer", data=form, headers={"HX-Request": "true"})
    assert first.status_code == again.status_code == 200
    assert first.headers["HX-Trigger"] == "proposals-changed"  # the company page reloads them
    assert _count(world, proposals) == 1
    assert "待审批" in again.text  # the first answer, shown again
    fresh = re.search(r'id="transfer-key" value="([0-9a-f]+)" hx-swap-oob="true"', first.text)
    assert fresh and fresh.group(1) != key.group(1)  # the next submission is a new request
    changed = client.post("/transfer", data=form | {"quantity_t": "26"})
    assert changed.status_code == 422 and "form_already_sent" in changed.text
    assert client.post("/transfer", data=form | {"form_key": fresh.group(1)}).status_code == 200
    assert _count(world, proposals) == 2


def test_an_order_sent_twice_with_one_key_is_placed_once(world: World) -> None:
    _resting_sell(world)
    client = _login(world, "trader")
    page = client.get("/trade")
    key = re.search(r'id="order-key" value="([0-9a-f]+)"', page.text)
    assert key
    form = {"csrf_token": _csrf(page.text), "form_key": key.group(1), "product": "DPEA-2016",
            "account": "DP-TR-TRD", "side": "buy", "quantity_t": "10", "price": "28.50",
            "time_in_force": "GTC"}  # fmt: skip
    before = _count(world, exchange_commands, exchange_commands.c.kind == "NewOrder")
    answers = [client.post("/trade/order", data=form).text for _ in range(2)]
    assert answers[0] == answers[1] or "成交 10 吨" in answers[1]
    after = _count(world, exchange_commands, exchange_commands.c.kind == "NewOrder")
    assert after == before + 1


def test_registry_refusals_read_in_the_visitors_language(world: World) -> None:
    client = _login(world, "officer-a")
    token = _csrf(client.get("/company").text)
    too_many = TRANSFER | {"csrf_token": token, "quantity_t": "5000", "form_key": "big"}
    zh = client.post("/transfer", data=too_many)
    assert zh.status_code == 422 and "insufficient_units" in zh.text
    assert "账户持有的该类别单位数量不足" in zh.text and "does not hold" not in zh.text
    assert re.search(r"DP-OH-A1 可动用的 DPEA-2016 为 [\d,]+ 个单位，所需 5,000 个", zh.text)
    unknown = client.post("/surrender", data={"csrf_token": token, "unit_class": "NOPE-1",
                                              "quantity_t": "1", "year": "2016", "form_key": "u"})  # fmt: skip
    assert unknown.status_code == 422 and "没有该代码的单位类别" in unknown.text
    assert "详情: 没有单位类别 NOPE-1" in unknown.text  # the service's own words beneath, in zh
    client.post("/lang", data={"to": "en", "csrf_token": token, "back": "/company"})
    en = client.post("/transfer", data=too_many | {"form_key": "big2"})
    assert "the account does not hold that many units of this class" in en.text


def test_the_header_shows_a_clock_that_is_not_real_time(world: World) -> None:
    assert "系统时钟" not in world.client.get("/public").text  # the world's plain clock
    shifted = ShiftedClock(NOW, runs=False)
    app = create_app(make_service(world.settings, world.engine, clock=shifted))
    page = TestClient(app).get("/public")
    assert "系统时钟: 2017-03-01 02:00 UTC+00:00" in page.text


def test_only_one_of_two_racing_requests_claims_a_key(world: World) -> None:
    """The claim is an insert under the unique (user, key) index: of requests racing with
    one key exactly one owns it; the others see it pending until its answer is kept."""
    with ThreadPoolExecutor(4) as pool:
        claims = list(pool.map(lambda _: form_keys.claim(world.engine, 1, "k", "fp", NOW),
                               range(4)))  # fmt: skip
    assert sorted(owned for owned, _ in claims) == [False, False, False, True]
    assert {earlier[1] for owned, earlier in claims if not owned} == {form_keys.PENDING}
    form_keys.keep(world.engine, 1, "k", 200, {"ok": True})
    assert form_keys.claim(world.engine, 1, "k", "fp", NOW) == (False, ("fp", 200, {"ok": True}))
    form_keys.claim(world.engine, 1, "crashed", "fp", NOW)
    form_keys.release(world.engine, 1, "crashed")  # a write that failed frees its key
    assert form_keys.claim(world.engine, 1, "crashed", "fp", NOW) == (True, None)
