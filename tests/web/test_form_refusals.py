"""Bad values on the web forms are refused with what is wrong and how to fix it, in the
page's language, never defaulted, cut or guessed (QA walk of 2026-11-25)."""

from __future__ import annotations

import html

from sqlalchemy import text
from test_pages import _csrf, _login

from service_world import World
from tanshi.services import identity

HTMX = {"HX-Request": "true"}


def _in_english(world: World, username: str) -> None:
    user = identity.principal_named(world.engine, username)
    assert user is not None
    identity.set_locale(world.engine, user.user_id, "en")


def _count(world: World, table: str) -> int:
    with world.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_an_unknown_side_or_time_in_force_is_refused_at_its_field(world: World) -> None:
    client = _login(world, "trader")
    token = _csrf(client.get("/trade").text)
    form = {"csrf_token": token, "product": "DPEA-2016", "account": "DP-TR-TRD", "side": "hold",
            "quantity_t": "10", "price": "24.00", "time_in_force": "bogus"}  # fmt: skip
    refused = client.post("/trade/order", data=form | {"form_key": "k1"}, headers=HTMX)
    assert refused.status_code == 422, refused.text
    assert 'data-code="invalid_side"' in refused.text
    text = html.unescape(refused.text)
    assert "请选择买入或卖出" in text
    assert "方向: “hold”不是买卖方向：请选择买入或卖出" in text, text
    assert "有效期: “bogus”不是有效期类型" in text
    _in_english(world, "trader")
    english = html.unescape(client.post("/trade/order", data=form | {"form_key": "k2"},
                                        headers=HTMX).text)  # fmt: skip
    assert "Side: 'hold' is not a side: choose buy or sell" in english
    assert "Time in force: 'bogus' is not a time in force: choose GTC" in english
    tif = client.post("/trade/order", data=form | {"side": "buy", "form_key": "k3"}, headers=HTMX)
    assert 'data-code="invalid_time_in_force"' in tif.text
    assert "choose GTC, IOC or FOK as the time in force" in html.unescape(tif.text)
    assert _count(world, "exchange_commands") == 0  # nothing placed
